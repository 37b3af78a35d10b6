"""Checked messages: a learner writes to an approved organisation (never a person), with no links or contact
details; staff at the learner's prison approve or stop each message with a reason the learner sees; only then
does it reach the organisation's inbox; replies are checked the same way. Nothing sent is ever changed or
deleted, and every staff decision is in the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.roles import OrgKind, OrgStatus, Role
from portal.audit import AuditEvent
from portal.campus import operations
from portal.campus.models import Message, MessageIsFixed
from portal.database import utcnow
from portal.errors import DomainError
from tests import factories
from tests.campus import helpers
from tests.html import field_error, h1, page


def _text(response) -> str:
    return page(response).get_text(" ", strip=True)


def test_a_learner_sends_a_message_that_waits_for_checking(client, db):
    learner = helpers.learner()
    org = helpers.organisation(name="Bright Kitchens")
    helpers.sign_in_at_kiosk(client, learner)
    form = client.get(f"/campus/messages/with/{org.public_id}/write")
    assert "Do not include web addresses (links), email addresses or phone numbers" in _text(form)
    response = client.post(f"/campus/messages/with/{org.public_id}/write",
                           data={"subject": "Kitchen jobs", "body": "I have worked in the prison kitchen."})
    assert response.status_code == 302
    sent = db.session.scalar(select(Message))
    assert sent.state == "waiting" and sent.body == "I have worked in the prison kitchen."
    assert "Waiting to be checked" in _text(client.get(f"/campus/messages/with/{org.public_id}"))


@pytest.mark.parametrize("body, message", [
    ("See https://example.org/jobs", "Remove the web address from your message. Messages cannot contain links"),
    ("Look at www.jobs.example", "Remove the web address from your message. Messages cannot contain links"),
    ("Try brightkitchens.co.uk", "Remove the web address from your message. Messages cannot contain links"),
    ("Write to me at sam@example.org", "Remove the email address from your message"),
    ("Call my sister on 07700 900 123", "Remove the phone number from your message"),
    ("", "Enter your message"),
    ("x" * 2001, "Message must be 2000 characters or fewer"),
])
def test_links_and_contact_details_are_refused_and_nothing_is_sent(client, db, body, message):
    learner = helpers.learner()
    org = helpers.organisation()
    helpers.sign_in_at_kiosk(client, learner)
    response = client.post(f"/campus/messages/with/{org.public_id}/write", data={"subject": "Jobs", "body": body})
    assert response.status_code == 400
    assert field_error(response, "body") == message
    assert db.session.scalar(select(Message)) is None


def test_only_approved_organisations_can_be_written_to(client, db):
    learner = helpers.learner()
    pending = helpers.organisation(status=OrgStatus.PENDING)
    helpers.sign_in_at_kiosk(client, learner)
    assert client.get(f"/campus/messages/with/{pending.public_id}/write").status_code == 404
    assert client.post(f"/campus/messages/with/{pending.public_id}/write",
                       data={"subject": "Hi", "body": "Hello"}).status_code == 404
    assert client.get(f"/campus/messages/with/{learner.user.public_id}/write").status_code == 404  # never a person


def test_staff_approve_and_the_organisation_reads_and_replies(app, client, db, login_as):
    learner = helpers.learner()
    org = helpers.organisation(name="Bright Kitchens")
    employer = helpers.org_user(org)
    sent = helpers.message(learner, org)

    # Not in the inbox before checking.
    factories.sign_in(client, employer)
    assert sent.subject not in _text(client.get("/campus/inbox"))
    assert client.get(f"/campus/inbox/{sent.public_id}").status_code == 404

    staff = helpers.staff_of(learner)
    factories.sign_in(client, staff)
    assert sent.subject in _text(client.get("/campus/staff/messages"))
    assert client.post(f"/campus/staff/messages/{sent.public_id}", data={"decision": "approve"}).status_code == 302

    factories.sign_in(client, employer)
    assert sent.subject in _text(client.get("/campus/inbox"))
    assert h1(client.get(f"/campus/inbox/{sent.public_id}")) == "Kitchen jobs"
    response = client.post(f"/campus/inbox/{sent.public_id}", data={"body": "Please come to an interview."})
    assert response.status_code == 302
    reply = db.session.scalar(select(Message).where(Message.direction == "to_learner"))
    assert reply.state == "waiting"

    # The learner does not see the reply until it is checked.
    learner_client = app.test_client()
    helpers.sign_in_at_kiosk(learner_client, learner)
    thread = f"/campus/messages/with/{org.public_id}"
    assert "Please come to an interview." not in _text(learner_client.get(thread))
    factories.sign_in(client, staff)
    client.post(f"/campus/staff/messages/{reply.public_id}", data={"decision": "approve"})
    assert "Please come to an interview." in _text(learner_client.get(thread))

    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == staff.id)))
    assert "campus.message_approved" in actions


def test_a_stopped_message_shows_the_learner_why_and_never_reaches_the_organisation(app, client, db):
    learner = helpers.learner()
    org = helpers.organisation()
    sent = helpers.message(learner, org)
    staff = helpers.staff_of(learner)
    factories.sign_in(client, staff)
    response = client.post(f"/campus/staff/messages/{sent.public_id}", data={"decision": "stop", "reason": ""})
    assert response.status_code == 400
    assert field_error(response, "reason") == "Enter the reason for stopping this message. The learner will see it"
    client.post(f"/campus/staff/messages/{sent.public_id}",
                data={"decision": "stop", "reason": "Please do not ask for money"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.message_stopped"))
    assert event.actor_id == staff.id and event.reason == "Please do not ask for money"
    assert event.subject_ref == f"learner:{learner.public_id}"

    learner_client = app.test_client()
    helpers.sign_in_at_kiosk(learner_client, learner)
    assert "Reason: Please do not ask for money" in _text(learner_client.get(f"/campus/messages/with/{org.public_id}"))
    factories.sign_in(client, helpers.org_user(org))
    assert client.get(f"/campus/inbox/{sent.public_id}").status_code == 404
    with pytest.raises(DomainError):
        operations.decide_message(staff, sent, True)  # decided once only


def test_staff_check_only_their_own_prisons_messages(client, db, login_as):
    sent = helpers.message(helpers.learner(prison_code="BXI"))
    login_as("prison_staff", prison_code="LEI")
    assert sent.subject not in _text(client.get("/campus/staff/messages"))
    assert client.post(f"/campus/staff/messages/{sent.public_id}", data={"decision": "approve"}).status_code == 404
    db.session.refresh(sent)
    assert sent.state == "waiting"


def test_organisations_see_only_messages_delivered_to_them(client, db):
    learner = helpers.learner()
    mine, theirs = helpers.organisation(name="Mine Ltd"), helpers.organisation(name="Theirs Ltd")
    to_them = helpers.message(learner, theirs, state="approved")
    factories.sign_in(client, helpers.org_user(mine))
    assert client.get(f"/campus/inbox/{to_them.public_id}").status_code == 404
    assert client.post(f"/campus/inbox/{to_them.public_id}", data={"body": "Hello"}).status_code == 404
    assert to_them.subject not in _text(client.get("/campus/inbox"))


def test_staff_can_pause_a_learners_messages(client, db):
    learner = helpers.learner()
    org = helpers.organisation()
    staff = helpers.staff_of(learner)
    factories.sign_in(client, staff)
    response = client.post(f"/campus/staff/learners/{learner.public_id}/messaging", data={"reason": ""})
    assert response.status_code == 400 and field_error(response, "reason") == "Enter the reason"
    client.post(f"/campus/staff/learners/{learner.public_id}/messaging", data={"reason": "Investigation"})
    with pytest.raises(DomainError, match="paused"):
        operations.send_message(learner.user, org, "Hi", "Hello")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.messaging_suspended"))
    client.post(f"/campus/staff/learners/{learner.public_id}/messaging")
    assert helpers.message(learner, org).state == "waiting"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.messaging_resumed"))


def test_staff_can_block_a_contact_for_a_learner(client, db):
    learner = helpers.learner()
    org = helpers.organisation(kind=OrgKind.PROVIDER)
    first = helpers.message(learner, org, state="approved")
    staff = helpers.staff_of(learner)
    factories.sign_in(client, staff)
    response = client.post(f"/campus/staff/learners/{learner.public_id}/block",
                           data={"organisation": org.public_id, "reason": "Victim works there"})
    assert response.status_code == 302
    with pytest.raises(DomainError, match="cannot write"):
        operations.send_message(learner.user, org, "Hi", "Hello")
    with pytest.raises(DomainError):
        operations.reply(helpers.org_user(org), first, "Hello again")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.contact_blocked")).actor_id == \
        staff.id
    client.post(f"/campus/staff/learners/{learner.public_id}/blocks/{org.public_id}/lift")
    assert helpers.message(learner, org).state == "waiting"


def test_messages_are_never_edited_or_deleted(app, client, db):
    learner = helpers.learner()
    sent = helpers.message(learner)
    # No route changes or deletes a message: only the check decides it, and the recipient reads it.
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("campus.") and ("PUT" in rule.methods or "DELETE" in rule.methods
                                                    or "PATCH" in rule.methods):
            raise AssertionError(f"{rule.rule} could change a message")
    message_routes = [r.rule for r in app.url_map.iter_rules() if "message" in r.rule and "POST" in r.methods]
    assert all(word not in rule for rule in message_routes for word in ("edit", "delete", "remove"))
    # And the model refuses it even if code tried.
    sent.body = "Changed my mind"
    with pytest.raises(MessageIsFixed):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Message, sent.id))
    with pytest.raises(MessageIsFixed):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Message, sent.id).body.startswith("I would like")


def test_a_learner_sees_only_their_own_messages(app, client, db):
    me, other = helpers.learner(), helpers.learner()
    org = helpers.organisation()
    theirs = helpers.message(other, org, body="Other person's private words.")
    helpers.message(me, org, body="My own words.")
    helpers.sign_in_at_kiosk(client, me)
    text = _text(client.get(f"/campus/messages/with/{org.public_id}"))
    assert "My own words." in text and "Other person's private words." not in text
    assert theirs.public_id not in client.get("/campus/messages").get_data(as_text=True)


def test_a_cv_can_go_with_a_message_and_the_organisation_downloads_it(client, db):
    learner = helpers.learner(name="Sam Carter")
    org = helpers.organisation()
    operations.update_cv(learner.user, "Reliable cook.", "Cooking\nFood hygiene", "", "")
    db.session.commit()
    sent = operations.send_message(learner.user, org, "Cook job", "Please see my CV.", include_cv=True)
    db.session.commit()
    operations.decide_message(helpers.staff_of(learner), sent, True)
    db.session.commit()
    factories.sign_in(client, helpers.org_user(org))
    response = client.get(f"/campus/inbox/{sent.public_id}/cv.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_learners_are_offered_only_organisations_whose_campus_inbox_someone_reads(app, client, db):
    from portal.accounts.roles import OrgRole

    read = helpers.organisation(name="Bright Kitchens")
    unread = helpers.organisation(name="Bright Futures", readers=False)
    finance_only = helpers.organisation(name="Bright Ledgers", readers=False)
    factories.user(role=Role.EMPLOYER, organisation_=finance_only, org_role=OrgRole.FINANCE)
    gone = helpers.organisation(name="Bright Days", readers=False)
    factories.user(role=Role.EMPLOYER, organisation_=gone, disabled_at=utcnow())
    learner = helpers.learner()
    helpers.sign_in_at_kiosk(client, learner)
    offered = page(client.get("/campus/messages/contacts?q=Bright")).get_text(" ", strip=True)
    assert "Bright Kitchens" in offered
    assert not any(name in offered for name in ("Bright Futures", "Bright Ledgers", "Bright Days"))
    assert client.get(f"/campus/messages/with/{unread.public_id}/write").status_code == 404
    response = client.post(f"/campus/messages/with/{unread.public_id}/write",
                           data={"subject": "Work", "body": "Hello"})
    assert response.status_code == 404 and db.session.scalar(select(Message)) is None

    helpers.message(learner, read, state="approved")
    helpers.reply(db.session.scalar(select(Message)), state="approved")
    staff = app.test_client()
    factories.sign_in(staff, helpers.staff_of(learner))
    rows = page(staff.get(f"/campus/staff/learners/{learner.public_id}")).find(id="contacts").find_all("tr")[1:]
    assert [[cell.get_text(strip=True) for cell in row.find_all("td")][:3] for row in rows] == \
        [["Bright Kitchens", "1", "1"]]

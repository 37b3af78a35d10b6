"""Administrators move each version through review: submitted -> in review -> published, returned for changes or
rejected. Every step is kept with who and when and cannot be changed; a published entry stays live while a new
version is reviewed; it expires after 12 months unless renewed, and owners are reminded first."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.database import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.supply_chain import operations
from portal.supply_chain.models import DecisionsAreFinal, ExpressionDecision, VersionState
from tests.html import error_summary, field_error, h1, page
from tests.mail import inbox
from tests.supply_chain import factories as supply
from tests.supply_chain.test_expression import form_data


def summary(response) -> dict[str, str]:
    rows = page(response).select(".govuk-summary-list__row")
    return {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True) for row in rows}


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def test_an_administrator_starts_a_review_and_publishes_it(client, make, admin):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="submitted", name="Harbour Mentoring Trust")
    version = entry.latest_version
    queue = client.get("/admin/expressions-of-interest")
    assert [a.get_text(strip=True) for a in page(queue).select("tbody a")] == ["Harbour Mentoring Trust"]
    review = client.get(f"/admin/expressions-of-interest/{version.public_id}")
    assert h1(review) == "Review the expression of interest from Harbour Mentoring Trust"
    assert not page(review).find("input", {"name": "decision"})  # start the review first
    client.post(f"/admin/expressions-of-interest/{version.public_id}/start")
    review = client.get(f"/admin/expressions-of-interest/{version.public_id}")
    assert page(review).find("input", {"name": "decision", "value": "publish"})
    response = client.post(f"/admin/expressions-of-interest/{version.public_id}", data={"decision": "publish"})
    assert response.status_code == 302
    db.session.refresh(entry)
    assert version.state == VersionState.PUBLISHED and entry.is_live()
    assert entry.expires_at - entry.approved_at == timedelta(days=365)
    assert [(d.action, d.from_state, d.to_state, d.actor_id) for d in version.decisions] == [
        ("submit", "draft", "submitted", owner.id), ("start_review", "submitted", "in_review", admin.id),
        ("publish", "in_review", "published", admin.id)]
    [email] = inbox(owner.email)
    assert email["Subject"] == "Your expression of interest has been published"
    assert "/expression-of-interest" in email.get_content()


@pytest.mark.parametrize("decision, state, subject, message", [
    ("return", VersionState.RETURNED, "Your expression of interest needs changes",
     "Enter what the organisation needs to change"),
    ("reject", VersionState.REJECTED, "Your expression of interest has been rejected",
     "Enter why the entry is rejected"),
])
def test_returning_or_rejecting_needs_a_comment_which_the_organisation_sees(client, make, login_as, decision, state,
                                                                           subject, message):
    owner = make.user(role=Role.PROVIDER)
    version = supply.expression(owner, state="in_review").latest_version
    login_as(Role.ADMIN)
    url = f"/admin/expressions-of-interest/{version.public_id}"
    missing = client.post(url, data={"decision": decision, "comment": "  "})
    assert missing.status_code == 400
    assert field_error(missing, "comment") == message and message in error_summary(missing)
    db.session.refresh(version)
    assert version.state == VersionState.IN_REVIEW
    client.post(url, data={"decision": decision, "comment": "Add outcomes data for 2025."})
    db.session.refresh(version)
    assert version.state == state and version.last_decision.comment == "Add outcomes data for 2025."
    assert [m["Subject"] for m in inbox(owner.email)] == [subject]
    login_as(owner)
    overview = client.get("/expression-of-interest")
    assert "Add outcomes data for 2025." in page(overview).get_text()


def test_a_returned_entry_is_changed_as_a_new_version_and_the_decision_stays(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="returned")
    login_as(owner)
    client.post("/expression-of-interest/edit", data={**form_data(supply.COMPLETE),
                                                      "outcomes": "70% in work after a year."})
    db.session.refresh(entry)
    first, second = entry.versions
    assert first.state == VersionState.RETURNED and second.state == VersionState.DRAFT
    assert second.answers["outcomes"] == "70% in work after a year." and second.answers["staff"] == 8
    assert first.answers["outcomes"] != second.answers["outcomes"]


def test_steps_out_of_order_are_refused_with_a_clear_message(db, make):
    owner, admin = make.user(role=Role.PROVIDER), make.user(role=Role.ADMIN)
    version = supply.expression(owner, state="submitted").latest_version
    with pytest.raises(DomainError, match="You cannot publish it: this version is sent for review"):
        operations.decide(version, admin, "publish")
    with pytest.raises(DomainError, match="You cannot start reviewing it"):
        operations.start_review(version, owner)  # owners do not review
    operations.start_review(version, admin)
    with pytest.raises(DomainError, match="You cannot start reviewing it: this version is in review"):
        operations.start_review(version, admin)


def test_decisions_cannot_be_changed_or_deleted(db, make):
    entry = supply.expression(state="published")
    decision = db.session.scalar(select(ExpressionDecision).where(ExpressionDecision.action == "publish"))
    decision.comment = "rewritten"
    with pytest.raises(DecisionsAreFinal):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ExpressionDecision, decision.id))
    with pytest.raises(DecisionsAreFinal):
        db.session.flush()
    db.session.rollback()
    assert len(entry.published_version.decisions) == 3


def test_editing_a_published_entry_makes_a_new_version_while_the_old_one_stays_published(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="published", name="Harbour Mentoring Trust")
    published = entry.published_version
    login_as(owner)
    assert client.post("/expression-of-interest/edit", data={**form_data(supply.COMPLETE),
                                                            "organisation_name": "Harbour Mentoring Trust",
                                                            "capacity": "300"}).status_code == 302
    client.post("/expression-of-interest/submit")
    db.session.refresh(entry)
    assert [v.state for v in entry.versions] == [VersionState.PUBLISHED, VersionState.SUBMITTED]

    lead = make.user(role=Role.LEAD_PROVIDER)
    login_as(lead)
    shown = client.get(f"/partners/{entry.public_id}")
    assert summary(shown)["People a year"] == "120"

    admin = make.user(role=Role.ADMIN)
    operations.start_review(entry.latest_version, admin)
    operations.decide(entry.latest_version, admin, "publish")
    db.session.commit()
    db.session.refresh(entry)
    assert [v.state for v in entry.versions] == [VersionState.SUPERSEDED, VersionState.PUBLISHED]
    assert published.decisions[-1].action == "supersede"
    shown = client.get(f"/partners/{entry.public_id}")
    assert summary(shown)["People a year"] == "300"


def test_a_published_entry_expires_after_12_months_unless_renewed(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="published")
    lead = make.user(role=Role.LEAD_PROVIDER)
    entry.expires_at = utcnow() + timedelta(days=10)
    db.session.commit()
    login_as(owner)
    client.post("/expression-of-interest/renew")
    db.session.refresh(entry)
    assert entry.expires_at > utcnow() + timedelta(days=364)
    assert entry.published_version.decisions[-1].action == "renew"

    supply.expire(entry)
    overview = client.get("/expression-of-interest")
    assert page(overview).find(id="status").get_text(" ", strip=True) == "Status: Expired"
    client.post("/expression-of-interest/renew")
    assert "has expired" in page(client.get("/expression-of-interest")).get_text()
    login_as(lead)
    assert client.get(f"/partners/{entry.public_id}").status_code == 404
    assert entry.public_id not in client.get("/partners").get_data(as_text=True)


def test_owners_are_reminded_30_and_7_days_before_expiry_and_when_it_expires_once_each(app, db, make):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="published")
    runner = app.test_cli_runner()

    def reminders():
        return [m for m in inbox(owner.email) if m["Subject"] != "Your expression of interest has been published"]

    def remind_with(days_left: int) -> list[str]:
        entry.expires_at = utcnow() + timedelta(days=days_left, hours=1)
        db.session.commit()
        result = runner.invoke(args=["supply", "remind"])
        assert result.exit_code == 0, result.output
        return sorted(m["Subject"] for m in reminders())

    assert remind_with(40) == []
    assert remind_with(29) == ["Renew your expression of interest"]
    assert remind_with(20) == ["Renew your expression of interest"]  # not twice
    assert len(remind_with(6)) == 2
    assert "Your expression of interest has expired" in remind_with(-2)
    result = runner.invoke(args=["supply", "remind"])
    assert "Reminders sent: 0 at 30 days, 0 at 7 days, 0 expired" in result.output
    assert len(reminders()) == 3
    body = reminders()[0].get_content()
    assert "/expression-of-interest" in body and owner.name not in body


def test_renewing_resets_the_reminders(db, make):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="published")
    entry.expires_at = utcnow() + timedelta(days=5)
    db.session.commit()
    operations.send_reminders()
    assert entry.reminders_sent == 2
    operations.renew(entry, owner)
    assert entry.reminders_sent == 0

"""The referral page both sides share, each step's page, amendments after sending, and the change log."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.extensions import db
from portal.referrals.models import Referral
from portal.referrals.workflow import State
from tests import factories
from tests.html import banner, error_summary, field_error, h1, page
from tests.mail import inbox


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


def manager_of(referral: Referral):
    return factories._provider_manager(referral.organisation)


def buttons(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("#actions a")]


def summary(response) -> dict[str, str]:
    rows = page(response).select(".govuk-summary-list__row")
    return {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True) for row in rows}


def views_of(referral: Referral) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.viewed", AuditEvent.object_id == referral.public_id))


def when(name: str, at) -> dict:
    return {f"{name}-day": str(at.day), f"{name}-month": str(at.month), f"{name}-year": str(at.year)}


# --- The referral page ---

def test_the_referrer_sees_everything_and_their_buttons(client, login_as):
    referral = factories.referral(state="sent")
    login_as(referral.created_by)
    response = client.get(f"/referrals/{referral.public_id}")
    assert response.status_code == 200
    assert h1(response) == "Jordan Pemberton-Whitlock"
    assert page(response).select_one("#status .govuk-tag").get_text(strip=True) == "Awaiting response"
    details = summary(response)
    assert details["Case reference number (CRN)"] == "X123456"
    assert details["Risk summary"] == "No concerns about working with staff."
    assert details["Reference"] == referral.reference
    assert buttons(response) == ["Withdraw referral"]
    assert page(response).find("a", href=f"/referrals/{referral.public_id}/change/risk")


def test_before_accepting_the_provider_sees_what_it_needs_to_decide_but_not_the_risk_narrative(client, login_as):
    referrer = factories.user(role=Role.OFFENDER_MANAGER, name="Priya Okafor", email="priya.okafor@justice.test",
                              probation_delivery_unit="cardiff-and-vale")
    referral = factories.referral(state="sent", referrer=referrer, risk_summary="Threatened staff at a hostel in 2024.",
                                  risk_level="medium", mappa=False, arson_conviction=True,
                                  referrer_phone="029 2018 0000")
    login_as(manager_of(referral))
    response = client.get(f"/referrals/{referral.public_id}")
    text = page(response).get_text(" ", strip=True)
    details = summary(response)
    assert details["Risk of serious harm"] == "Medium"
    assert details["Managed under MAPPA"] == "No"
    assert details["Referred by"] == "Priya Okafor"
    assert details["Probation team"] == "Cardiff and Vale probation delivery unit, Wales"
    assert details["Email"] == "priya.okafor@justice.test"
    assert details["Phone"] == "029 2018 0000"
    assert "Threatened staff" not in text
    assert "Risk summary" not in details and "Arson convictions" not in details
    assert "The risk summary and convictions show once you accept the referral." in text
    assert buttons(response) == ["Accept referral", "Decline referral"]
    assert not page(response).find("a", href=lambda h: h and "/change/" in h)  # providers do not amend
    accept = client.post(f"/referrals/{referral.public_id}/accept", data={"version": referral.version})
    assert accept.status_code == 302
    after = client.get(f"/referrals/{referral.public_id}")
    assert "Threatened staff at a hostel in 2024." in summary(after)["Risk summary"]
    assert "You have accepted the referral" in banner(after)


def test_every_view_of_a_referral_page_is_audited(client, login_as):
    referral = factories.referral(state="accepted")
    login_as(referral.created_by)
    client.get(f"/referrals/{referral.public_id}")
    login_as(manager_of(referral))
    client.get(f"/referrals/{referral.public_id}")
    client.get(f"/referrals/{referral.public_id}")
    assert views_of(referral) == 3
    actors = db.session.scalars(select(AuditEvent.actor_id).where(
        AuditEvent.action == "referral.viewed", AuditEvent.object_id == referral.public_id)).all()
    assert set(actors) == {referral.created_by_id, manager_of(referral).id}


def test_outsiders_get_not_found_and_it_is_not_audited_as_a_view(client, login_as):
    referral = factories.referral(state="sent")
    for outsider in (factories.user(role=Role.OFFENDER_MANAGER, probation_region="london"),
                     factories.user(role=Role.PROVIDER), factories.user(role=Role.ADMIN)):
        login_as(outsider)
        assert client.get(f"/referrals/{referral.public_id}").status_code == 404
        assert client.get(f"/referrals/{referral.public_id}/accept").status_code == 404
    assert views_of(referral) == 0


def test_a_caseworker_sees_unassigned_and_their_own_referrals_only(client, login_as):
    referral = factories.referral(state="accepted")
    worker = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER)
    colleague = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER)
    login_as(worker)
    response = client.get(f"/referrals/{referral.public_id}")
    assert buttons(response) == ["Pick up this referral"]
    pick = client.get(f"/referrals/{referral.public_id}/assign")
    assert h1(pick) == "Pick up this referral" and not page(pick).find("select")
    assert client.post(f"/referrals/{referral.public_id}/assign",
                       data={"version": referral.version}).status_code == 302
    assert fresh(referral).assigned_to_id == worker.id
    login_as(colleague)
    assert client.get(f"/referrals/{referral.public_id}").status_code == 404


# --- Each step through its page ---

def test_decline_needs_a_reason_and_tells_the_referrer(client, login_as):
    referral = factories.referral(state="sent")
    login_as(manager_of(referral))
    form = client.get(f"/referrals/{referral.public_id}/decline")
    assert h1(form) == "Decline this referral"
    assert "The service is full" in page(form).get_text()
    no_reason = client.post(f"/referrals/{referral.public_id}/decline", data={"version": referral.version})
    assert no_reason.status_code == 400 and field_error(no_reason, "reason_code") == "Select a reason"
    other = client.post(f"/referrals/{referral.public_id}/decline",
                        data={"version": referral.version, "reason_code": "other"})
    assert other.status_code == 400 and field_error(other, "comment") == "Explain the reason in the comment"
    assert fresh(referral).state == State.SENT
    done = client.post(f"/referrals/{referral.public_id}/decline",
                       data={"version": referral.version, "reason_code": "full", "comment": "Full until May"})
    assert done.status_code == 302
    assert fresh(referral).state == State.DECLINED
    assert any("declined" in m["Subject"] for m in inbox(referral.created_by.email))
    login_as(referral.created_by)
    shown = client.get(f"/referrals/{referral.public_id}")
    assert summary(shown)["Reason"] == "The service is full"
    assert "Full until May" in page(shown).select_one("#change-log").get_text()


def test_a_manager_assigns_from_the_organisations_caseworkers(client, login_as):
    referral = factories.referral(state="accepted")
    worker = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER,
                            name="Casey Worker")
    factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.FINANCE,
                   name="Fin Ance")
    login_as(manager_of(referral))
    form = client.get(f"/referrals/{referral.public_id}/assign")
    options = [o.get_text(strip=True) for o in page(form).select("select#caseworker option")]
    assert "Casey Worker" in options and "Fin Ance" not in options
    empty = client.post(f"/referrals/{referral.public_id}/assign", data={"version": referral.version})
    assert empty.status_code == 400 and field_error(empty, "caseworker") == "Select a caseworker"
    done = client.post(f"/referrals/{referral.public_id}/assign",
                       data={"version": referral.version, "caseworker": worker.public_id})
    assert done.status_code == 302 and fresh(referral).assigned_to_id == worker.id
    assert any("assigned to you" in m["Subject"] for m in inbox(worker.email))


def test_reassigning_emails_the_new_caseworker(client, login_as):
    referral = factories.referral(state="assigned")
    first = referral.assigned_to
    second = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER)
    login_as(manager_of(referral))
    client.get(f"/referrals/{referral.public_id}")
    done = client.post(f"/referrals/{referral.public_id}/assign",
                       data={"version": fresh(referral).version, "caseworker": second.public_id})
    assert done.status_code == 302 and fresh(referral).assigned_to_id == second.id
    assert any("assigned to you" in m["Subject"] for m in inbox(second.email))
    assert [m["Subject"] for m in inbox(first.email) if "assigned" in m["Subject"]] == [
        f"Referral {referral.reference} has been assigned to you"]


def test_booking_records_a_session_and_completing_through_the_pages(client, login_as):
    referral = factories.referral(state="assigned", desired_outcomes=["Housed", "In work"])
    login_as(referral.assigned_to)
    soon = date.today() + timedelta(days=3)
    bad = client.post(f"/referrals/{referral.public_id}/book",
                      data={"version": referral.version, **when("when_date", soon) | {"when_date-day": "31",
                                                                                        "when_date-month": "2"},
                            "when_time": "25:00"})
    assert bad.status_code == 400
    assert field_error(bad, "when_date") == "The date of the first appointment must be a real date"
    assert field_error(bad, "when_time").startswith("Enter the time of the first appointment in the 24-hour clock")
    booked = client.post(f"/referrals/{referral.public_id}/book",
                         data={"version": referral.version, **when("when_date", soon), "when_time": "2:30pm"})
    assert booked.status_code == 302
    assert fresh(referral).state == State.BOOKED
    assert fresh(referral).first_appointment_at.astimezone().hour in (14, 15, 13)

    yesterday = date.today() - timedelta(days=1)
    no_attendance = client.post(f"/referrals/{referral.public_id}/record-session",
                                data={"version": fresh(referral).version, **when("when_date", yesterday),
                                      "when_time": "10:00"})
    assert no_attendance.status_code == 400
    assert field_error(no_attendance, "attendance") == "Select whether the person attended"
    future = client.post(f"/referrals/{referral.public_id}/record-session",
                         data={"version": fresh(referral).version, **when("when_date", soon), "when_time": "10:00",
                               "attendance": "attended"})
    assert future.status_code == 400 and "must be in the past" in field_error(future, "when_date")
    recorded = client.post(f"/referrals/{referral.public_id}/record-session",
                           data={"version": fresh(referral).version, **when("when_date", yesterday),
                                 "when_time": "10:00", "attendance": "late", "notes": "Talked about housing"})
    assert recorded.status_code == 302 and fresh(referral).state == State.IN_PROGRESS

    form = client.get(f"/referrals/{referral.public_id}/complete")
    legends = [legend.get_text(strip=True) for legend in page(form).select("legend")]
    assert legends == ["Outcome 1: Housed", "Outcome 2: In work"]
    partial = client.post(f"/referrals/{referral.public_id}/complete",
                          data={"version": fresh(referral).version, "achievement_0": "achieved", "report": ""})
    assert partial.status_code == 400
    assert field_error(partial, "achievement_1") == \
        "Select whether outcome 2 was achieved, partly achieved or not achieved"
    assert partial.status_code == 400 and fresh(referral).state == State.IN_PROGRESS
    no_report = client.post(f"/referrals/{referral.public_id}/complete",
                            data={"version": fresh(referral).version, "achievement_0": "achieved",
                                  "achievement_1": "partly", "report": "  "})
    assert field_error(no_report, "report") == "Enter the end-of-service report"
    done = client.post(f"/referrals/{referral.public_id}/complete",
                       data={"version": fresh(referral).version, "achievement_0": "achieved",
                             "achievement_1": "partly", "report": "Housed in a flat.\nLooking for work."})
    assert done.status_code == 302 and fresh(referral).state == State.COMPLETED
    shown = client.get(f"/referrals/{referral.public_id}")
    table = page(shown).select("#outcomes ~ table")[0]
    outcomes = [[c.get_text(strip=True) for c in row.select("td")] for row in table.select("tbody tr")]
    assert outcomes == [["Housed", "Achieved"], ["In work", "Partly achieved"]]
    assert "Looking for work." in page(shown).get_text()
    assert buttons(shown) == []


def test_the_referrer_withdraws_with_a_reason(client, login_as):
    referral = factories.referral(state="accepted")
    login_as(referral.created_by)
    done = client.post(f"/referrals/{referral.public_id}/withdraw",
                       data={"version": referral.version, "reason_code": "moved"})
    assert done.status_code == 302 and fresh(referral).state == State.WITHDRAWN


def test_the_provider_ends_early(client, login_as):
    referral = factories.referral(state="booked")
    login_as(referral.assigned_to)
    done = client.post(f"/referrals/{referral.public_id}/end-early",
                       data={"version": referral.version, "reason_code": "disengaged"})
    assert done.status_code == 302 and fresh(referral).state == State.ENDED


def test_a_step_not_allowed_from_here_says_so_on_the_referral_page(client, login_as):
    referral = factories.referral(state="accepted")
    login_as(manager_of(referral))
    response = client.get(f"/referrals/{referral.public_id}/accept")
    assert response.status_code == 302
    assert "because the referral is accepted" in banner(client.get(response.headers["Location"]))


def test_a_step_the_user_may_not_take_is_forbidden(client, login_as):
    referral = factories.referral(state="sent")
    login_as(referral.created_by)
    assert client.get(f"/referrals/{referral.public_id}/accept").status_code == 403
    login_as(manager_of(referral))
    assert client.get(f"/referrals/{referral.public_id}/withdraw").status_code == 403


def test_a_stale_version_on_a_step_is_a_409_keeping_what_was_typed(client, login_as):
    referral = factories.referral(state="sent")
    seen = referral.version
    login_as(referral.created_by)
    client.post(f"/referrals/{referral.public_id}/change/additional",
                data={"version": seen, "additional_information": "New news", "reason": "Update"})
    login_as(manager_of(referral))
    response = client.post(f"/referrals/{referral.public_id}/decline",
                           data={"version": seen, "reason_code": "other", "comment": "We are closing in May"})
    assert response.status_code == 409
    assert "Someone else changed this" in page(response).get_text()
    assert page(response).find("textarea", {"name": "comment"}).get_text() == "We are closing in May"
    assert fresh(referral).state == State.SENT


def test_a_stale_accept_is_a_409(client, login_as):
    referral = factories.referral(state="sent")
    login_as(manager_of(referral))
    seen = referral.version
    assert client.post(f"/referrals/{referral.public_id}/accept", data={"version": seen}).status_code == 302
    again = client.post(f"/referrals/{referral.public_id}/accept", data={"version": seen})
    assert again.status_code in (302, 409)  # the state moved on: either way nothing is taken twice
    assert len(fresh(referral).events) == 2


# --- Amendments ---

def test_the_referrer_amends_with_a_reason_and_both_sides_see_the_change(client, login_as):
    referral = factories.referral(state="accepted")
    login_as(referral.created_by)
    form = client.get(f"/referrals/{referral.public_id}/change/contact")
    assert page(form).find("textarea", {"name": "availability"}).get_text() == "Weekday mornings"
    no_reason = client.post(f"/referrals/{referral.public_id}/change/contact",
                            data={"version": referral.version, "availability": "Afternoons", "phone": "07700 900982"})
    assert no_reason.status_code == 400
    assert field_error(no_reason, "reason") == "Say why you are changing the referral"
    assert fresh(referral).person.availability == "Weekday mornings"
    done = client.post(f"/referrals/{referral.public_id}/change/contact",
                       data={"version": referral.version, "availability": "Afternoons", "phone": "07700 900982",
                             "reason": "Started a job"})
    assert done.status_code == 302
    assert fresh(referral).person.availability == "Afternoons"
    login_as(manager_of(referral))
    log = page(client.get(f"/referrals/{referral.public_id}")).select_one("#change-log").get_text(" ", strip=True)
    assert "Changed the referral's details" in log
    assert "Was: Weekday mornings" in log and "Now: Afternoons" in log and "Started a job" in log


def test_amending_the_location_to_custody_with_a_prison_works(client, login_as):
    referral = factories.referral(state="sent")
    login_as(referral.created_by)
    release = date.today() + timedelta(days=40)
    done = client.post(f"/referrals/{referral.public_id}/change/location",
                       data={"version": referral.version, "in_custody": "custody", "prison": "LEI",
                             **when("expected_release_date", release), "postcode": "LS1", "reason": "Recalled"})
    assert done.status_code == 302, error_summary(done)
    assert fresh(referral).person.prison.code == "LEI"


def test_risk_changes_are_hidden_in_the_log_from_a_provider_who_has_not_accepted(client, login_as):
    referral = factories.referral(state="sent", risk_summary="Original summary")
    login_as(referral.created_by)
    client.post(f"/referrals/{referral.public_id}/change/risk",
                data={"version": referral.version, "risk_level": "medium", "mappa": "no",
                      "risk_summary": "Secret new summary", "arson_conviction": "no",
                      "sexual_offence_conviction": "no", "reason": "New assessment"})
    assert fresh(referral).risk_summary == "Secret new summary"
    login_as(manager_of(referral))
    text = page(client.get(f"/referrals/{referral.public_id}")).get_text(" ", strip=True)
    assert "Secret new summary" not in text and "Original summary" not in text
    assert "Changed (risk details are hidden until the referral is accepted)" in text
    assert "Was: Low Now: Medium" in text  # the level itself is what a provider needs to decide: shown at once


def test_providers_cannot_amend_and_closed_referrals_cannot_be_changed(client, login_as):
    referral = factories.referral(state="sent")
    login_as(manager_of(referral))
    assert client.get(f"/referrals/{referral.public_id}/change/person").status_code == 403
    closed = factories.referral(state="completed")
    login_as(closed.created_by)
    response = client.get(f"/referrals/{closed.public_id}/change/person")
    assert response.status_code == 302
    assert "can no longer be changed" in banner(client.get(response.headers["Location"]))


def test_the_change_log_lists_each_step_with_who_and_when(client, login_as):
    referral = factories.referral(state="in_progress")
    login_as(referral.created_by)
    entries = page(client.get(f"/referrals/{referral.public_id}")).select("#change-log li h3")
    assert [e.get_text(strip=True) for e in entries] == [
        "Record a session (in progress)", "Book first appointment (first appointment booked)",
        "Assigned a caseworker", "Accept referral (accepted)", "Send referral (awaiting response)"]
    sessions = page(client.get(f"/referrals/{referral.public_id}")).select("#sessions ~ table")[0]
    assert "Went well" in sessions.get_text()


def test_an_overdue_referral_is_flagged(client, login_as):
    referral = factories.referral(state="sent")
    referral.sent_at = utcnow() - timedelta(days=10)
    db.session.commit()
    login_as(manager_of(referral))
    flag = page(client.get(f"/referrals/{referral.public_id}")).select_one(".app-overdue")
    assert flag.get_text(strip=True) == "No response after 5 working days"


@pytest.mark.parametrize("state", ["draft"])
def test_a_draft_referral_page_leads_to_the_task_list(client, login_as, state):
    referral = factories.referral(state=state)
    login_as(referral.created_by)
    response = client.get(f"/referrals/{referral.public_id}")
    assert response.headers["Location"] == f"/referrals/{referral.public_id}/draft"


def test_a_caseworker_is_not_offered_to_pick_up_a_case_already_theirs(client, login_as):
    service = factories.referrable_service()
    worker = factories.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=OrgRole.CASEWORKER)
    referral = factories.referral(service=service, state="assigned", caseworker=worker)
    login_as(worker)
    response = client.get(f"/referrals/{referral.public_id}")
    assert "Pick up this referral" not in buttons(response)
    assert buttons(response) == ["Book the first appointment", "End the service early"]


def test_a_step_overtaken_by_someone_else_keeps_the_typed_comment_on_a_409(client, login_as):
    referral = factories.referral(state="sent")
    seen = referral.version
    login_as(referral.created_by)
    client.post(f"/referrals/{referral.public_id}/withdraw",
                data={"version": seen, "reason_code": "needs-met"})
    assert fresh(referral).state == State.WITHDRAWN
    login_as(manager_of(referral))
    response = client.post(f"/referrals/{referral.public_id}/decline",
                           data={"version": seen, "reason_code": "other", "comment": "We are closing in May"})
    assert response.status_code == 409
    (message,) = error_summary(response)
    assert "Someone else changed this referral" in message and "because the referral is withdrawn" in message
    assert page(response).find("textarea", {"name": "comment"}).get_text() == "We are closing in May"
    assert not page(response).select("form button.govuk-button")  # nothing to send again
    assert fresh(referral).state == State.WITHDRAWN and fresh(referral).decline_reason is None

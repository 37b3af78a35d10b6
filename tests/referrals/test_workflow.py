"""The referral's state machine through the operations module: every step allowed and refused, who may take
it, what it stores, and what it tells people."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from portal.accounts.roles import OrgRole, Role
from portal.database import utcnow
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import Referral
from portal.referrals.operations import StepInput
from portal.referrals.workflow import TRANSITIONS, State, transitions_from
from tests import factories
from tests.mail import inbox


@pytest.fixture(autouse=True)
def _context(app, db):
    with app.test_request_context():
        yield


def _fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


def _subjects(address: str) -> list[str]:
    return [m["Subject"] for m in inbox(address)]


def _manager(referral):
    return factories._provider_manager(referral.organisation)


def test_the_whole_loop_stores_who_and_when_for_each_step():
    referral = _fresh(factories.referral(state="completed"))
    assert referral.state == State.COMPLETED
    for stamp in ("sent_at", "responded_at", "assigned_at", "appointment_booked_at", "concluded_at"):
        assert getattr(referral, stamp) is not None, stamp
    assert [e.action for e in referral.events] == ["send", "accept", "assign", "book", "record_session", "complete"]
    assert all(e.actor_id for e in referral.events)
    assert referral.sessions[0].attendance == "attended"
    assert referral.desired_outcomes[0]["achievement"] == "achieved"


# Every (state, step) pair that the table does not allow is refused with a message naming the state.
REACHABLE = ["draft", "sent", "accepted", "declined", "assigned", "booked", "in_progress", "completed", "withdrawn",
             "ended"]


@pytest.mark.parametrize("state", REACHABLE)
def test_steps_not_in_the_table_are_refused_with_a_clear_message(state):
    referral = factories.referral(state=state)
    allowed = {t.name for t in transitions_from(state)}
    for step in sorted(set(TRANSITIONS) - allowed):
        # Act as someone entitled to the step, so only the state can refuse it
        actor = referral.created_by if TRANSITIONS[step].actors & {"referrer"} else _manager(referral)
        if state == "draft" and actor != referral.created_by:
            with pytest.raises(NotFound):  # providers do not see drafts at all
                operations.apply(actor, referral, step)
            continue
        with pytest.raises(DomainError) as refused:
            operations.apply(actor, referral, step, StepInput(reason_code="other", comment="x"))
        assert State(state).label.lower() in refused.value.message
        db.session.rollback()
        assert _fresh(referral).state == state


def test_an_unknown_step_is_refused():
    referral = factories.referral(state="sent")
    with pytest.raises(DomainError, match="not a step"):
        operations.apply(referral.created_by, referral, "teleport")


def test_only_the_referring_side_sends_and_withdraws_and_only_the_provider_accepts():
    referral = factories.referral(state="sent")
    manager = _manager(referral)
    with pytest.raises(Forbidden):
        operations.apply(manager, referral, "withdraw", StepInput(reason_code="needs-met"))
    with pytest.raises(Forbidden):
        operations.apply(referral.created_by, referral, "accept")
    teammate = factories.user(role=Role.OFFENDER_MANAGER)  # same probation region: the same team
    operations.apply(teammate, referral, "withdraw", StepInput(reason_code="made-in-error"))
    db.session.commit()
    assert _fresh(referral).state == State.WITHDRAWN


def test_people_who_cannot_see_a_referral_get_not_found_for_every_step():
    referral = factories.referral(state="sent")
    outsiders = [factories.user(role=Role.OFFENDER_MANAGER, probation_region="london"),
                 factories.user(role=Role.PROVIDER), factories.user(role=Role.EMPLOYER),
                 factories.user(role=Role.ADMIN), factories.user(role=Role.PRISON_STAFF)]
    for outsider in outsiders:
        for step in TRANSITIONS:
            with pytest.raises(NotFound):
                operations.apply(outsider, referral, step)


def test_decline_needs_a_reason_and_other_needs_a_comment():
    referral = factories.referral(state="sent")
    manager = _manager(referral)
    with pytest.raises(DomainError) as no_reason:
        operations.apply(manager, referral, "decline")
    assert no_reason.value.field == "reason_code"
    with pytest.raises(DomainError) as no_comment:
        operations.apply(manager, referral, "decline", StepInput(reason_code="other"))
    assert no_comment.value.field == "comment"
    operations.apply(manager, referral, "decline", StepInput(reason_code="other", comment="Closing in March"))
    db.session.commit()
    referral = _fresh(referral)
    assert (referral.state, referral.decline_reason) == (State.DECLINED, "other")
    assert referral.events[-1].comment == "Closing in March"
    assert f"Referral {referral.reference} has been declined" in _subjects(referral.created_by.email)


def test_caseworkers_pick_up_cases_themselves_and_only_managers_assign_others():
    referral = factories.referral(state="accepted")
    worker = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER)
    colleague = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.CASEWORKER)
    with pytest.raises(DomainError, match="pick up"):
        operations.apply(worker, referral, "assign", StepInput(caseworker=colleague))
    operations.apply(worker, referral, "assign", StepInput(caseworker=worker))
    db.session.commit()
    assert _fresh(referral).assigned_to_id == worker.id
    # Once assigned to someone else, the colleague no longer sees it at all
    with pytest.raises(NotFound):
        operations.apply(colleague, referral, "book", StepInput(appointment_at=utcnow()))


def test_assigning_to_someone_outside_the_provider_is_refused():
    referral = factories.referral(state="accepted")
    stranger = factories.user(role=Role.PROVIDER)
    with pytest.raises(DomainError) as refused:
        operations.apply(_manager(referral), referral, "assign", StepInput(caseworker=stranger))
    assert refused.value.field == "caseworker"


def test_the_assigned_caseworker_is_emailed_a_link_without_personal_details():
    referral = factories.referral(state="assigned")
    [email] = inbox(referral.assigned_to.email)
    body = email.get_payload()
    assert referral.reference in body and "/referrals/" in body
    for detail in ("Jordan", "Pemberton", "X123456", "LS1"):
        assert detail not in body and detail not in email["Subject"]


def test_sessions_must_have_happened_and_say_whether_the_person_attended():
    referral = factories.referral(state="booked")
    worker = referral.assigned_to
    with pytest.raises(DomainError) as future:
        operations.apply(worker, referral, "record_session", StepInput(session_at=utcnow() + timedelta(days=1),
                                                                       attendance="attended"))
    assert future.value.field == "session_at"
    with pytest.raises(DomainError) as attendance:
        operations.apply(worker, referral, "record_session", StepInput(session_at=utcnow(), attendance="maybe"))
    assert attendance.value.field == "attendance"
    for attendance in ("late", "did-not-attend"):
        operations.apply(worker, referral, "record_session", StepInput(session_at=utcnow(), attendance=attendance))
        db.session.commit()
    assert [s.attendance for s in _fresh(referral).sessions] == ["late", "did-not-attend"]


def test_completing_needs_every_outcome_rated_and_a_report():
    referral = factories.referral(state="in_progress", desired_outcomes=["Housed", "In work"])
    worker = referral.assigned_to
    with pytest.raises(DomainError) as missing:
        operations.apply(worker, referral, "complete", StepInput(achievements=["achieved"], report="Done"))
    assert missing.value.field == "achievements"
    with pytest.raises(DomainError) as no_report:
        operations.apply(worker, referral, "complete", StepInput(achievements=["achieved", "partly"]))
    assert no_report.value.field == "report"
    operations.apply(worker, referral, "complete", StepInput(achievements=["achieved", "not-achieved"],
                                                             report="Housed; still looking for work."))
    db.session.commit()
    assert [o["achievement"] for o in _fresh(referral).desired_outcomes] == ["achieved", "not-achieved"]


def test_the_provider_can_end_early_with_a_reason():
    referral = factories.referral(state="booked")
    operations.apply(referral.assigned_to, referral, "end_early", StepInput(reason_code="disengaged"))
    db.session.commit()
    assert (_fresh(referral).state, _fresh(referral).end_reason) == (State.ENDED, "disengaged")


def test_a_stale_version_is_a_conflict_and_changes_nothing():
    referral = factories.referral(state="sent")
    seen = referral.version
    operations.apply(_manager(referral), referral, "accept", expected_version=seen)
    db.session.commit()
    with pytest.raises(Conflict):
        operations.apply(_manager(referral), _fresh(referral), "decline", StepInput(reason_code="full"),
                         expected_version=seen)


# --- Sending: completeness, risk and the service's state ---

def test_an_incomplete_draft_cannot_be_sent_and_says_what_is_missing():
    referral = factories.referral(state="draft", first_name="", risk_summary="", consent_given=False)
    with pytest.raises(InvalidInput) as missing:
        operations.apply(referral.created_by, referral, "send")
    fields = [field for field, _ in missing.value.errors]
    assert {"first_name", "risk_summary", "consent_given", "consent_date"} <= set(fields)
    db.session.rollback()
    assert _fresh(referral).state == State.DRAFT


@pytest.mark.parametrize("answers", [{"risk_level": "high"}, {"risk_level": "very-high"}, {"mappa": True}])
def test_high_risk_people_only_go_to_public_sector_or_approved_services(answers):
    charity = factories.referrable_service()
    referral = factories.referral(service=charity, state="draft", **answers)
    with pytest.raises(DomainError) as refused:
        operations.apply(referral.created_by, referral, "send")
    assert "public-sector" in refused.value.message
    db.session.rollback()
    for service in (factories.referrable_service(sector="public"),
                    factories.referrable_service(high_risk_approved=True)):
        sent = factories.referral(service=service, state="sent", **answers)
        assert sent.state == State.SENT


def test_approved_high_risk_flag_counts():
    service = factories.referrable_service()
    service.high_risk_approved = True
    db.session.commit()
    assert factories.referral(service=service, state="sent", risk_level="very-high").state == State.SENT


@pytest.mark.parametrize("change, message", [
    ({"capacity": "full"}, "full"),
    ({"access_routes": ("self-referral",)}, "does not take referrals through the portal"),
])
def test_a_full_or_non_portal_service_says_so_before_the_form_starts(change, message):
    service = factories.referrable_service(**change)
    with pytest.raises(DomainError, match=message):
        operations.start_draft(factories.user(role=Role.OFFENDER_MANAGER), service)


def test_only_offender_managers_start_referrals():
    service = factories.referrable_service()
    for role in (Role.PROVIDER, Role.ADMIN, Role.EMPLOYER, Role.PRISON_STAFF):
        with pytest.raises(Forbidden):
            operations.start_draft(factories.user(role=role), service)


def test_sending_emails_the_service_inbox():
    referral = factories.referral(state="sent")
    [address] = operations.provider_inbox(referral)
    assert _subjects(address) == [f"Referral {referral.reference} is waiting for your response"]


# --- Bad input: field-level messages, nothing changed ---

@pytest.mark.parametrize("answers, field", [
    ({"crn": "12345X"}, "crn"),
    ({"crn": "XX12345"}, "crn"),
    ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth"),
    ({"date_of_birth": date.today() - timedelta(days=365 * 10)}, "date_of_birth"),
    ({"in_custody": True, "prison": "LEI", "expected_release_date": date.today() - timedelta(days=1)},
     "expected_release_date"),
    ({"in_custody": False, "expected_release_date": date.today() + timedelta(days=10)}, "expected_release_date"),
    ({"consent_date": date.today() + timedelta(days=1)}, "consent_date"),
    ({"risk_summary": "x" * 2001}, "risk_summary"),
    ({"additional_information": "x" * 4001}, "additional_information"),
    ({"first_name": "Jo\nrdan"}, "first_name"),
    ({"postcode": "not a postcode"}, "postcode"),
    ({"needs": [{"pathway": "accommodation", "rating": "purple"}]}, "needs"),
    ({"needs": [{"pathway": "astrology", "rating": "red"}]}, "needs"),
    ({"prison": "ZZZ"}, "prison"),
    ({"gender": "unknown"}, "gender"),
])
def test_bad_answers_name_the_field_and_change_nothing(answers, field):
    referral = factories.referral(state="draft")
    before = operations.answers_of(referral)
    with pytest.raises(InvalidInput) as refused:
        operations.save_draft(referral.created_by, referral, answers)
    assert field in [f for f, _ in refused.value.errors]
    db.session.rollback()
    assert operations.answers_of(_fresh(referral)) == before


def test_in_custody_needs_a_prison_and_a_future_release_date():
    referral = factories.referral(state="draft", in_custody=True, prison="", expected_release_date=None)
    with pytest.raises(InvalidInput) as missing:
        operations.apply(referral.created_by, referral, "send")
    assert {"prison", "expected_release_date"} <= {f for f, _ in missing.value.errors}


def test_the_postcode_is_kept_only_as_its_district():
    referral = factories.referral(state="draft", postcode="ls1 4ap")
    assert referral.person.postcode_district == "LS1"


def test_eligibility_mismatches_are_warned_about_plainly():
    service = factories.referrable_service(eligibility=("women-only",), maximum_age=25)
    referral = factories.referral(service=service, state="draft", gender="male", arson_conviction=True)
    warnings = " ".join(operations.eligibility_warnings(referral))
    assert "women only" in warnings and "up to 25" in warnings and "arson" in warnings


# --- Amendments ---

def test_amendments_are_logged_for_both_sides_and_tell_the_provider():
    referral = factories.referral(state="accepted")
    operations.amend(referral.created_by, referral, {"availability": "Afternoons only"}, "Started a job")
    db.session.commit()
    event = _fresh(referral).events[-1]
    assert event.action == "amend" and event.changes == {"availability": ["Weekday mornings", "Afternoons only"]}
    assert event.comment == "Started a job"
    [address] = operations.provider_inbox(referral)
    assert any("has been changed" in subject for subject in _subjects(address))


def test_amending_needs_a_reason_a_change_and_an_open_referral():
    referral = factories.referral(state="sent")
    with pytest.raises(DomainError) as no_reason:
        operations.amend(referral.created_by, referral, {"availability": "Evenings"}, "")
    assert no_reason.value.field == "reason"
    with pytest.raises(DomainError, match="Nothing has changed"):
        operations.amend(referral.created_by, referral, {"availability": "Weekday mornings"}, "Checking")
    closed = factories.referral(state="completed")
    with pytest.raises(DomainError, match="can no longer be changed"):
        operations.amend(closed.created_by, closed, {"availability": "Evenings"}, "Late news")


def test_providers_cannot_amend():
    referral = factories.referral(state="accepted")
    with pytest.raises(Forbidden):
        operations.amend(_manager(referral), referral, {"availability": "Evenings"}, "Provider edit")


def test_raising_the_risk_after_sending_to_a_charity_is_accepted_and_escalated():
    """Issue #17: the amendment is no longer refused (the provider kept seeing the old level); it is flagged."""
    referral = factories.referral(state="sent")
    operations.amend(referral.created_by, referral, {"risk_level": "high"}, "New assessment")
    assert referral.risk_level == "high" and referral.escalation_pending
    assert [e.action for e in referral.events][-2:] == ["amend", "risk_escalated"]


# --- Reminders and purging ---

def test_no_response_after_five_working_days_is_flagged_and_reminded_once():
    referral = factories.referral(state="sent")
    referral.sent_at = utcnow() - timedelta(days=10)
    db.session.commit()
    assert operations.add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)  # Friday -> next Friday
    sent_friday = factories.referral(state="sent")
    sent_friday.sent_at = sent_friday.sent_at.replace(year=2026, month=11, day=13)
    assert operations.response_due(sent_friday) == date(2026, 11, 20)
    assert not operations.is_overdue(sent_friday, date(2026, 11, 20))  # the fifth working day itself
    assert operations.is_overdue(sent_friday, date(2026, 11, 23))  # the Monday after
    db.session.rollback()
    assert operations.remind_overdue() == 1
    db.session.commit()
    assert operations.remind_overdue() == 0
    db.session.commit()
    [address] = operations.provider_inbox(referral)
    assert [s for s in _subjects(address) if "no response" in s] == [
        f"Referral {referral.reference} has had no response for 5 working days"]


def test_drafts_unsent_for_90_days_are_deleted():
    old = factories.referral(state="draft")
    recent = factories.referral(state="draft")
    sent = factories.referral(state="sent")
    old.updated_at = sent.updated_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert operations.purge_drafts() == 1
    db.session.commit()
    assert db.session.get(Referral, old.id) is None
    assert db.session.get(Referral, recent.id) and db.session.get(Referral, sent.id)


# --- Subject access and erasure ---

def test_subject_access_export_holds_everything_and_is_audited():
    from portal.audit import AuditEvent

    first = factories.referral(state="completed", crn="Y654321")
    factories.referral(state="sent", crn="Y654321")
    factories.referral(state="sent", crn="Z111111")
    admin = factories.user(role=Role.ADMIN)
    export = operations.subject_access_export(admin, "y654321")
    assert len(export["referrals"]) == 2
    assert export["referrals"][0]["reference"] == first.reference
    assert export["referrals"][0]["sessions"][0]["notes"] == "Went well"
    assert export["referrals"][0]["person"]["crn"] == "Y654321"
    assert any(e["action"] == "referral.send" for e in export["access_log"])
    db.session.commit()
    assert db.session.query(AuditEvent).filter_by(action="referral.subject_access_export").count() == 1
    with pytest.raises(Forbidden):
        operations.subject_access_export(first.created_by, "Y654321")


def test_erasure_removes_the_person_and_their_referrals():
    from portal.referrals.models import ReferralPerson

    factories.referral(state="completed", crn="Y654321")
    kept = factories.referral(state="sent", crn="Z111111")
    admin = factories.user(role=Role.ADMIN)
    with pytest.raises(DomainError):
        operations.erase_person(admin, "Y654321", "")
    assert operations.erase_person(admin, "Y654321", "SAR-2026-114") == {
        "referrals": 1, "employer_nominations": 0, "campus": 0}
    db.session.commit()
    assert db.session.query(ReferralPerson).filter_by(crn="Y654321").count() == 0
    assert _fresh(kept).person.crn == "Z111111"


# --- Suggestions ---

def test_suggestions_rank_by_needs_distance_and_eligibility_and_say_why():
    near = factories.referrable_service(name="Leeds Housing Link", pathways=("accommodation",), postcode="LS2 7EY")
    both = factories.referrable_service(name="Leeds Homes and Jobs",
                                        pathways=("accommodation", "education-training-employment"),
                                        postcode="LS6 1AA")
    factories.referrable_service(name="Far Away Housing", pathways=("accommodation",), postcode="PL1 1AA")
    factories.published_service(name="Not Via Portal", pathways=("accommodation",), postcode="LS1 4AP", index=False)
    referral = factories.referral(service=near, state="draft", needs=[
        {"pathway": "accommodation", "rating": "red"}, {"pathway": "education-training-employment", "rating": "amber"}])
    suggestions = operations.suggest_services(referral)
    names = [s.service.name for s in suggestions]
    assert names[:2] == ["Leeds Homes and Jobs", "Leeds Housing Link"]
    assert "Far Away Housing" not in names and "Not Via Portal" not in names
    assert "accommodation" in suggestions[0].reasons[0] and "miles from LS1" in suggestions[0].reasons[1]
    assert both.name == names[0]


def test_searching_finds_by_exact_reference_crn_or_part_of_a_name_and_wildcards_match_nothing():
    mine = factories.referral(state="sent", crn="Y222222", first_name="Rosalind", last_name="Okafor")
    factories.referral(state="sent", referrer=mine.created_by, crn="Y333333", first_name="Tom", last_name="Brady")

    def found(text):
        return [r.reference for r in db.session.scalars(operations.search_visible(mine.created_by, text))]

    assert found(mine.reference.lower()) == [mine.reference]
    assert found("y222222") == found("Y 222 222") == [mine.reference]
    assert found("osalind oka") == [mine.reference]
    assert found("%") == found("_") == []


def test_a_new_referral_never_takes_a_reference_already_used(monkeypatch):
    taken = factories.referral(state="draft").reference
    draws = iter([taken, taken, "RF-NEW2-REF3"])
    monkeypatch.setattr(operations, "new_reference", lambda: next(draws))
    fresh = operations.start_draft(factories.user(role=Role.OFFENDER_MANAGER), factories.referrable_service())
    assert fresh.reference == "RF-NEW2-REF3"

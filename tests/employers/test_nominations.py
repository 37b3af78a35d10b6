"""The route into work: nominating with consent, what each side sees, every step of the flow, reminders."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.employers.models import Nomination
from tests.html import field_error, h1, page
from tests.mail import inbox

NOMINATE = {"person_reference": "x123456", "first_name": "Jordan", "skills": "Forklift driving",
            "training": "Level 2 warehousing", "availability": "Weekdays from 1 March",
            "interview_details": "Surname Blake; ring the hub on 0113 496 0000", "consent_method": "in-person",
            "consent": "y"}


def text(response) -> str:
    return page(response).get_text(" ", strip=True)


def on(day) -> dict:
    return {"on_date-day": str(day.day), "on_date-month": str(day.month), "on_date-year": str(day.year)}


def test_an_offender_manager_nominates_with_consent_and_the_employer_is_told_by_reference(
        client, login_as, alliance, db):
    employer = alliance.employer()
    opportunity = alliance.opportunity(employer.organisation)
    practitioner = login_as(Role.OFFENDER_MANAGER)
    response = client.post(f"/opportunities/{opportunity.public_id}/nominate", data=NOMINATE)
    assert response.status_code == 302
    nomination = db.session.scalar(select(Nomination))
    assert nomination.person_reference == "X123456" and nomination.state == "nominated"
    assert nomination.consent_recorded_by_id == practitioner.id and nomination.consent_method == "in-person"
    assert [s.step for s in nomination.steps] == ["nominated"]
    email = inbox(employer.email)[-1]
    body = email.get_content()
    assert nomination.reference in email["Subject"] and f"/nominations/{nomination.public_id}" in body
    assert "Jordan" not in body and "X123456" not in body and "Forklift" not in body


def test_nominating_refuses_bad_input_by_field_and_saves_nothing(client, login_as, alliance, db):
    opportunity = alliance.opportunity()
    login_as(Role.OFFENDER_MANAGER)
    url = f"/opportunities/{opportunity.public_id}/nominate"
    response = client.post(url, data={**NOMINATE, "consent": "", "first_name": ""})
    assert response.status_code == 400
    assert field_error(response, "first_name") == "Enter the person's first name"
    assert field_error(response, "consent").startswith("Confirm the person has agreed")
    response = client.post(url, data={**NOMINATE, "person_reference": "A1234BC"})
    assert response.status_code == 400
    assert field_error(response, "person_reference") == ("Enter the person's CRN: a letter and 6 numbers, "
                                                         "like X123456")
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0
    client.post(url, data=NOMINATE)
    response = client.post(url, data=NOMINATE)
    assert field_error(response, "person_reference") == ("This person already has an open nomination for this "
                                                         "opportunity")
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 1


def test_prison_staff_nominate_with_a_prison_number(client, login_as, alliance, db):
    opportunity = alliance.opportunity()
    login_as(Role.PRISON_STAFF)
    url = f"/opportunities/{opportunity.public_id}/nominate"
    assert field_error(client.post(url, data=NOMINATE), "person_reference").startswith("Enter the person's prison")
    assert client.post(url, data={**NOMINATE, "person_reference": "a1234bc"}).status_code == 302


def test_employers_see_only_their_own_opportunities_nominations_and_only_the_consented_details(
        client, login_as, alliance, db):
    employer = alliance.employer()
    mine = alliance.nomination(alliance.opportunity(employer.organisation), first_name="Jordan",
                               person_reference="X765432")
    theirs = alliance.nomination(first_name="Casey")
    login_as(employer)
    listing = text(client.get("/nominations"))
    assert "Jordan" in listing and "Casey" not in listing and "X765432" not in listing
    shown = client.get(f"/nominations/{mine.public_id}")
    assert shown.status_code == 200
    assert "Jordan" in text(shown) and "Forklift driving" in text(shown)
    assert "X765432" not in shown.get_data(as_text=True)  # the practitioner's reference never reaches the employer
    assert "Call the prison employment hub" not in text(shown)  # not until an interview is offered
    assert client.get(f"/nominations/{theirs.public_id}").status_code == 404
    assert client.get(f"/nominations/{theirs.public_id}/interview-offered").status_code == 404
    # Once an interview is offered, the details the person agreed to share at that point are shown.
    offered = alliance.nomination(alliance.opportunity(employer.organisation), state="interview-offered")
    assert "Call the prison employment hub" in text(client.get(f"/nominations/{offered.public_id}"))


def test_practitioners_see_nominations_they_or_their_team_made_and_no_others(client, login_as, alliance, make, db):
    me = make.user(role=Role.OFFENDER_MANAGER, probation_region="north-east")
    teammate = make.user(role=Role.OFFENDER_MANAGER, probation_region="north-east")
    elsewhere = make.user(role=Role.OFFENDER_MANAGER, probation_region="london")
    same_prison = make.user(role=Role.PRISON_STAFF, prison_code="LEI")
    mine = alliance.nomination(nominated_by=me, first_name="Ada")
    team = alliance.nomination(nominated_by=teammate, first_name="Bea")
    other = alliance.nomination(nominated_by=elsewhere, first_name="Cal")
    prison = alliance.nomination(nominated_by=same_prison, first_name="Dev")
    login_as(me)
    listing = text(client.get("/nominations"))
    assert "Ada" in listing and "Bea" in listing and "Cal" not in listing and "Dev" not in listing
    assert client.get(f"/nominations/{team.public_id}").status_code == 200
    assert mine.person_reference in text(client.get(f"/nominations/{mine.public_id}"))
    for hidden in (other, prison):
        assert client.get(f"/nominations/{hidden.public_id}").status_code == 404
    client.post("/sign-out")
    login_as(make.user(role=Role.PRISON_STAFF, prison_code="LEI"))
    assert client.get(f"/nominations/{prison.public_id}").status_code == 200
    assert client.get(f"/nominations/{mine.public_id}").status_code == 404
    client.post("/sign-out")
    login_as(make.user(role=Role.PRISON_STAFF, prison_code="DMI"))
    assert client.get(f"/nominations/{prison.public_id}").status_code == 404
    client.post("/sign-out")
    login_as(Role.ADMIN)  # administrators verify employers; they do not read nominations
    assert client.get(f"/nominations/{mine.public_id}").status_code == 404


def test_every_view_of_a_nomination_is_audited_without_personal_details(client, login_as, alliance, db):
    employer = alliance.employer()
    nomination = alliance.nomination(alliance.opportunity(employer.organisation), first_name="Jordan")
    login_as(employer)
    client.get(f"/nominations/{nomination.public_id}")
    client.get("/nominations")
    events = db.session.execute(select(AuditEvent.action, AuditEvent.subject_ref, AuditEvent.details)
                                .where(AuditEvent.object_type == "nomination").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["nomination.viewed", "nomination.listed"]
    assert events[0].subject_ref == nomination.reference and events[0].details["as"] == "employer"
    assert nomination.reference in events[1].details["references"]
    assert "Jordan" not in str(events) and nomination.person_reference not in str(events)


def test_every_step_of_the_flow_dated_and_signed_by_the_side_allowed_to_record_it(client, login_as, alliance, make,
                                                                                  db):
    employer = alliance.employer()
    practitioner = make.user(role=Role.OFFENDER_MANAGER)
    nomination = alliance.nomination(alliance.opportunity(employer.organisation), nominated_by=practitioner,
                                     days_ago=200)
    url = f"/nominations/{nomination.public_id}"
    today = utcnow().date()

    def record(user, step, day, expect=302, **data):
        login_as(user)
        response = client.post(f"{url}/{step}", data={**on(day), **data})
        client.post("/sign-out")
        assert response.status_code == expect, (step, response.status_code, text(response)[:300])
        return response

    # The practitioner cannot offer an interview; the employer can.
    record(practitioner, "interview-offered", today, expect=403)
    record(employer, "interview-offered", today - timedelta(days=195))
    record(employer, "interview-held", today - timedelta(days=194))
    # Steps cannot be skipped or repeated.
    record(employer, "retained", today, expect=302)
    db.session.refresh(nomination)
    assert nomination.state == "interview-held"
    record(employer, "job-offered", today - timedelta(days=193))
    record(practitioner, "started", today - timedelta(days=190))
    # Six months after the start date: not before.
    response = record(employer, "retained", today - timedelta(days=100), expect=400)
    assert field_error(response, "on_date").startswith("Six months after the start date is")
    record(practitioner, "retained", today)
    db.session.refresh(nomination)
    assert nomination.state == "retained"
    assert [(s.step, s.recorded_by_id) for s in nomination.steps] == [
        ("nominated", practitioner.id), ("interview-offered", employer.id), ("interview-held", employer.id),
        ("job-offered", employer.id), ("started", practitioner.id), ("retained", practitioner.id)]
    assert nomination.steps[4].on_date == today - timedelta(days=190)
    # Both sides see the whole history, each step dated and by whom.
    for user in (employer, practitioner):
        login_as(user)
        history = page(client.get(url)).select("table tbody tr")
        assert [row.find("td").get_text(strip=True) for row in history] == [
            "Nominated", "Interview offered for", "Interview held", "Job offered", "Started work",
            "Still employed at six months"]
        client.post("/sign-out")
    # A finished nomination takes no more steps.
    login_as(employer)
    assert client.post(f"{url}/closed", data={**on(today), "reason": "left-job"}).status_code == 302
    db.session.refresh(nomination)
    assert nomination.state == "retained"


def test_closing_needs_a_reason_and_either_side_may_close(client, login_as, alliance, make, db):
    practitioner = make.user(role=Role.OFFENDER_MANAGER)
    nomination = alliance.nomination(nominated_by=practitioner)
    login_as(practitioner)
    url = f"/nominations/{nomination.public_id}/closed"
    today = utcnow().date()
    response = client.post(url, data=on(today))
    assert response.status_code == 400 and field_error(response, "reason") == "Select why the nomination is closing"
    response = client.post(url, data={"on_date-day": "31", "on_date-month": "2", "on_date-year": "2026",
                                      "reason": "withdrew"})
    assert field_error(response, "on_date") == "Date closed must be a real date, like 27 3 2027"
    db.session.refresh(nomination)
    assert nomination.state == "nominated"
    assert client.post(url, data={**on(today), "reason": "withdrew"}).status_code == 302
    db.session.refresh(nomination)
    assert (nomination.state, nomination.close_reason) == ("closed", "withdrew")
    assert "The person withdrew" in text(client.get(f"/nominations/{nomination.public_id}"))


def test_a_step_recorded_on_a_stale_page_is_a_409(client, login_as, alliance, db):
    employer = alliance.employer()
    nomination = alliance.nomination(alliance.opportunity(employer.organisation))
    login_as(employer)
    day = utcnow().date() + timedelta(days=3)
    response = client.post(f"/nominations/{nomination.public_id}/interview-offered",
                           data={**on(day), "version": nomination.version - 1})
    assert response.status_code == 409
    db.session.refresh(nomination)
    assert nomination.state == "nominated"


def test_reminders_go_out_once_for_steps_that_are_due_with_reference_and_link_only(app, alliance, make, db):
    employer = alliance.employer()
    practitioner = make.user(role=Role.OFFENDER_MANAGER)
    opportunity = alliance.opportunity(employer.organisation)
    waiting = alliance.nomination(opportunity, nominated_by=practitioner, days_ago=15)  # no answer in 14 days
    alliance.nomination(opportunity, nominated_by=practitioner, days_ago=3)  # not due yet
    started = alliance.nomination(opportunity, nominated_by=practitioner, state="started", days_ago=190)
    alliance.nomination(opportunity, nominated_by=practitioner, state="closed", days_ago=400)
    runner = app.test_cli_runner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames \
        else app.test_cli_runner()
    result = runner.invoke(args=["employers", "remind"])
    assert result.exit_code == 0, result.output
    assert "Reminders queued: 3 email(s) for 2 nomination(s)" in result.output
    to_employer = [m for m in inbox(employer.email) if "a step is due" in m["Subject"]]
    to_practitioner = [m for m in inbox(practitioner.email) if "a step is due" in m["Subject"]]
    assert sorted(m["Subject"] for m in to_employer) == sorted(
        f"Nomination {n.reference}: a step is due" for n in (waiting, started))
    assert [m["Subject"] for m in to_practitioner] == [f"Nomination {started.reference}: a step is due"]
    for message in to_employer + to_practitioner:
        assert "Jordan" not in message.get_content() and "/nominations/" in message.get_content()
    again = runner.invoke(args=["employers", "remind"])
    assert "Reminders queued: 0 email(s) for 0 nomination(s)" in again.output


def test_a_nomination_page_shows_what_is_due_to_the_side_that_must_act(client, login_as, alliance, db):
    employer = alliance.employer()
    nomination = alliance.nomination(alliance.opportunity(employer.organisation), days_ago=20)
    login_as(employer)
    response = client.get(f"/nominations/{nomination.public_id}")
    assert "Due: Respond to the nomination" in text(response)
    assert h1(response) == f"Nomination {nomination.reference}"

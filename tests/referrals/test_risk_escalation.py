"""Risk changes after sending (issue #17): a person who becomes high or very high risk of serious harm, or
MAPPA-managed, while referred to a voluntary or private service not approved for high-risk cases. The amendment
is accepted and flagged, the provider sees the new level at once, both dashboards say "Risk escalated" until
the offender manager decides (withdraw and refer on, or continue under a risk management plan paid as fee for
service), and reports count escalations."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.referrals import operations, reports
from portal.referrals.models import Referral
from portal.referrals.workflow import State
from tests import factories
from tests.html import banner, error_summary, field_error, page
from tests.mail import inbox

RISK = {"risk_level": "very-high", "mappa": "yes", "risk_summary": "New offence against a partner.",
        "arson_conviction": "no", "sexual_offence_conviction": "no", "reason": "New OASys assessment"}


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


def escalate(client, referral: Referral):
    factories.sign_in(client, referral.created_by)
    return client.post(f"/referrals/{referral.public_id}/change/risk", data={"version": referral.version, **RISK})


def dashboard_tags(client) -> list[str]:
    tags = page(client.get("/referrals?tab=open")).select("#referrals .app-escalated")
    return [tag.get_text(strip=True) for tag in tags]


def test_raising_the_risk_after_sending_is_accepted_flagged_and_seen_by_the_provider_at_once(client):
    referral = factories.referral(state="accepted")
    response = escalate(client, referral)
    assert response.status_code == 302
    after = fresh(referral)
    assert after.risk_level == "very-high" and after.mappa is True
    assert after.escalation_pending and after.risk_escalated_by_id == referral.created_by_id
    assert dashboard_tags(client) == ["Risk escalated"]
    own_page = page(client.get(f"/referrals/{referral.public_id}"))
    assert own_page.select_one("#status .app-escalated").get_text(strip=True) == "Risk escalated"
    assert own_page.find("a", string="Record your decision on the risk escalation")

    manager = factories._provider_manager(referral.organisation)
    factories.sign_in(client, manager)
    theirs = client.get(f"/referrals/{referral.public_id}")
    text = page(theirs).get_text(" ", strip=True)
    assert "Very high" in text and "public sector's responsibility" in text
    assert not page(theirs).find("a", string="Record your decision on the risk escalation")
    assert dashboard_tags(client) == ["Risk escalated"]
    (address,) = operations.provider_inbox(referral)
    (message,) = [m for m in inbox(address) if "risk escalated" in m["Subject"]]
    assert message["Subject"] == (f"Referral {referral.reference} has had its risk escalated by the probation "
                                  "practitioner")
    assert "Very high" not in message.get_body().get_content()  # a link and the reference, never the details
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.risk_escalated",
                                                      AuditEvent.object_id == referral.public_id))


def test_a_provider_that_has_not_accepted_sees_the_new_level_but_not_the_narrative(client):
    referral = factories.referral(state="sent")
    escalate(client, referral)
    factories.sign_in(client, factories._provider_manager(referral.organisation))
    text = page(client.get(f"/referrals/{referral.public_id}")).get_text(" ", strip=True)
    assert "Very high" in text and "Risk escalated" in text
    assert "New offence against a partner." not in text


def test_no_escalation_for_a_service_that_takes_high_risk_cases(client):
    service = factories.referrable_service(sector="public")
    referral = factories.referral(service=service, state="accepted")
    assert escalate(client, referral).status_code == 302
    assert fresh(referral).risk_level == "very-high" and not fresh(referral).escalation_pending
    assert dashboard_tags(client) == []


def test_continuing_under_a_risk_management_plan_needs_the_plan_and_a_review_date(client):
    referral = factories.referral(state="assigned")
    escalate(client, referral)
    url = f"/referrals/{referral.public_id}/risk-escalation"
    form = client.get(url)
    assert form.status_code == 200
    version = page(form).find("input", {"name": "version"})["value"]
    missing = client.post(url, data={"version": version, "decision": "continue"})
    assert missing.status_code == 400
    assert field_error(missing, "plan_document").startswith("Enter where the risk management plan is held")
    assert field_error(missing, "review_date") == "Enter the date the risk management plan will be reviewed"
    past = client.post(url, data={"version": version, "decision": "continue", "plan_document": "RMP-2291",
                                  "review_date-day": "1", "review_date-month": "1", "review_date-year": "2020"})
    assert field_error(past, "review_date") == "The review date must be in the future"
    assert fresh(referral).escalation_pending  # nothing changed
    review = date.today() + timedelta(days=60)
    done = client.post(url, data={"version": version, "decision": "continue", "plan_document": "RMP-2291",
                                  "review_date-day": str(review.day), "review_date-month": str(review.month),
                                  "review_date-year": str(review.year), "comment": "Weekly contact agreed"})
    assert done.status_code == 302
    after = fresh(referral)
    assert not after.escalation_pending and after.state == State.ASSIGNED
    assert (after.escalation_decision, after.risk_plan_document, after.risk_plan_review_date,
            after.payment_basis) == ("continue", "RMP-2291", review, "fee-for-service")
    shown = client.get(f"/referrals/{referral.public_id}")
    assert "paid as fee for service" in banner(shown)
    facts = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
             for row in page(shown).select("#referral-facts .govuk-summary-list__row")}
    assert facts["Risk management plan"] == "RMP-2291" and facts["Paid as"] == "Fee for service"
    assert dashboard_tags(client) == []
    # Decided: the page is no longer offered
    assert client.get(url).status_code == 302


def test_withdrawing_and_referring_on_withdraws_with_the_escalation_reason(client):
    referral = factories.referral(state="accepted")
    escalate(client, referral)
    url = f"/referrals/{referral.public_id}/risk-escalation"
    nothing = client.post(url, data={"version": fresh(referral).version})
    assert nothing.status_code == 400 and error_summary(nothing) == ["Select what happens next"]
    done = client.post(url, data={"version": fresh(referral).version, "decision": "refer-on"})
    assert done.status_code == 302
    after = fresh(referral)
    assert after.state == State.WITHDRAWN and after.end_reason == "risk-escalated"
    assert after.escalation_decision == "refer-on"
    followed = client.get(done.headers["Location"])
    assert "Refer the person to a public-sector service" in banner(followed)
    assert "Risk escalated" not in page(followed).select_one("#status").get_text()


def test_only_the_referring_side_decides(client):
    referral = factories.referral(state="accepted")
    escalate(client, referral)
    factories.sign_in(client, factories._provider_manager(referral.organisation))
    url = f"/referrals/{referral.public_id}/risk-escalation"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"version": fresh(referral).version, "decision": "continue"}).status_code in (
        400, 403)
    assert fresh(referral).escalation_pending


def test_lowering_the_risk_again_before_a_decision_lifts_the_escalation(client):
    referral = factories.referral(state="accepted")
    escalate(client, referral)
    lowered = client.post(f"/referrals/{referral.public_id}/change/risk", data={
        "version": fresh(referral).version, **RISK, "risk_level": "medium", "mappa": "no",
        "reason": "Assessment corrected"})
    assert lowered.status_code == 302
    assert not fresh(referral).escalation_pending
    log = page(client.get(f"/referrals/{referral.public_id}")).select_one("#change-log").get_text(" ", strip=True)
    assert "Risk escalation lifted" in log and "Risk escalated" in log


def test_reports_count_escalations(app, db):
    provider = factories.user()
    service = factories.referrable_service(organisation_=provider.organisation, name="Harbour House")
    made = [factories.referral(service=service, state="accepted") for _ in range(6)]
    with app.test_request_context():
        for referral in made:
            operations.amend(referral.created_by, referral, {"risk_level": "high"}, "New assessment")
        db.session.commit()
        for referral in made[:5]:
            operations.decide_escalation(referral.created_by, referral, "continue", plan_document="RMP",
                                         review_date=date.today() + timedelta(days=30))
        db.session.commit()
        report = reports.build(reports.Filters(), provider.organisation)
    (row,) = report.services
    assert (row.figures.count("escalated"), row.figures.count("continued_on_plan")) == ("6", "5")


@pytest.mark.parametrize("sent, due", [
    (date(2026, 12, 24), date(2027, 1, 5)),  # Christmas, Boxing Day (observed on the 28th) and New Year skipped
    (date(2027, 3, 25), date(2027, 4, 5)),  # Good Friday and Easter Monday skipped
    (date(2026, 11, 20), date(2026, 11, 27)),  # no bank holiday: a calendar week
])
def test_the_response_deadline_skips_bank_holidays_in_england_and_wales(sent, due):
    assert operations.add_working_days(sent, 5) == due

"""Grants and contracts: recording them, what is due, status changes, planned against actual, payment by
results through the pages, sharing with a lead provider, reminders."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import OrgKind, OrgRole, Role
from portal.audit import AuditEvent
from portal.funding.models import Agreement, CohortResult, Requirement
from tests.funding import factories as funding
from tests.html import error_summary, field_error, h1, page
from tests.mail import inbox

GRANT = {"kind": "grant", "title": "Through the Gate mentoring", "counterparty_name": "The Northern Trust",
         "counterparty_identifier": "GB-CHC-1234567", "programme": "Fresh Starts", "amount": "£48,500.00",
         "award_date": "1/3/2026", "start_date": "1/4/2026", "end_date": "31/3/2027",
         "description": "Mentors meet people at the prison gate."}


def _count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_finance_staff_record_a_grant(client, db, login_as):
    login_as(funding.finance_user())
    response = client.post("/funding/agreements/new", data=GRANT)
    assert response.status_code == 302
    grant = db.session.scalar(select(Agreement))
    assert grant.amount_pence == 4_850_000 and grant.start_date == date(2026, 4, 1)
    assert grant.counterparty_identifier == "GB-CHC-1234567"
    shown = client.get(response.headers["Location"])
    assert h1(shown) == "Through the Gate mentoring"
    assert "£48,500.00" in page(shown).get_text()
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == grant.public_id)) == \
        "funding.agreement_created"


def test_bad_answers_are_named_field_by_field_and_nothing_is_saved(client, db, login_as):
    login_as(funding.finance_user())
    response = client.post("/funding/agreements/new", data={
        **GRANT, "title": "", "amount": "lots", "start_date": "31/2/2026", "end_date": "1/1/2026"})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter a title", "Enter the amount awarded or contract value in pounds and "
                                       "pence, like 1,250.00", "The start date must be a real date, like 31/3/2027"]
    assert field_error(response, "amount").startswith("Enter the amount awarded")
    assert _count(db, Agreement) == 0
    response = client.post("/funding/agreements/new", data={**GRANT, "end_date": "1/1/2026"})
    assert field_error(response, "end_date") == "The end date must be the same as or after the start date"
    response = client.post("/funding/agreements/new", data={**GRANT, "kind": "contract"})
    assert field_error(response, "contract_role") == "Select your organisation's role in the contract"
    # A grant of nothing, or awarded on a day still to come (360Giving's quality checks flag both)
    later = date.today() + timedelta(days=2)  # a day to come in London whatever the hour
    response = client.post("/funding/agreements/new", data={**GRANT, "amount": "0.00",
                                                            "award_date": f"{later:%d/%m/%Y}"})
    assert response.status_code == 400
    assert field_error(response, "amount") == "Enter the amount awarded or contract value of at least £0.01"
    assert field_error(response, "award_date") == "The date awarded must be today or in the past"
    assert _count(db, Agreement) == 0


@pytest.mark.parametrize("org_role, status", [(OrgRole.OWNER, 200), (OrgRole.MANAGER, 200), (OrgRole.FINANCE, 200),
                                               (OrgRole.CASEWORKER, 403)])
def test_only_owners_managers_and_finance_staff_see_the_finances(client, db, login_as, org_role, status):
    user = funding.finance_user(org_role=org_role)
    item = funding.agreement(user.organisation)
    login_as(user)
    assert client.get("/funding").status_code == status
    assert client.get(f"/funding/agreements/{item.public_id}").status_code == (200 if status == 200 else 404)


def test_a_requirement_moves_through_its_statuses_and_refuses_the_rest(client, db, login_as):
    user = funding.finance_user()
    item = funding.agreement(user.organisation)
    login_as(user)
    response = client.post(f"/funding/agreements/{item.public_id}/requirements/new",
                           data={"kind": "report", "title": "Quarter 1 report", "due_date": "30/6/2026"})
    assert response.status_code == 302
    report = db.session.scalar(select(Requirement))
    assert report.status == "scheduled"
    url = f"/funding/requirements/{report.public_id}"
    assert client.post(url, data={"status": "partly_met", "note": "Draft sent", "version": "1"}).status_code == 302
    assert client.post(url, data={"status": "met", "version": "2"}).status_code == 302
    db.session.rollback()
    assert report.status == "met" and report.status_changed_by_id == user.id
    response = client.post(url, data={"status": "not_met", "version": "3"})
    assert response.status_code == 400
    assert client.post(url, data={"status": "not_met", "version": "3"}).status_code == 400
    db.session.rollback()
    assert report.status == "met"
    # A payment needs its amount.
    response = client.post(f"/funding/agreements/{item.public_id}/requirements/new",
                           data={"kind": "payment", "title": "Second instalment", "due_date": "30/6/2026"})
    assert response.status_code == 400 and field_error(response, "amount") == "Enter the amount due"


def test_a_stale_status_change_is_a_conflict(client, db, login_as):
    user = funding.finance_user()
    report = funding.requirement(funding.agreement(user.organisation))
    login_as(user)
    url = f"/funding/requirements/{report.public_id}"
    assert client.post(url, data={"status": "partly_met", "version": "1"}).status_code == 302
    assert client.post(url, data={"status": "met", "version": "1"}).status_code == 409  # someone changed it first


def test_the_dashboard_shows_what_is_due_in_30_days_and_what_is_overdue(client, db, login_as):
    user = funding.finance_user()
    item = funding.agreement(user.organisation, title="Housing grant")
    funding.requirement(item, due_in_days=5, title="Monitoring report")
    funding.requirement(item, due_in_days=-3, title="Annual accounts")
    funding.requirement(item, due_in_days=45, title="Final report")
    funding.requirement(item, due_in_days=2, title="Already done", status="met")
    login_as(user)
    soup = page(client.get("/funding"))
    tables = {t.caption.get_text(strip=True): t.get_text(" ", strip=True) for t in soup.find_all("table")}
    assert "Annual accounts" in tables["Overdue"] and "3 days overdue" in tables["Overdue"]
    assert "Monitoring report" in tables["Due in the next 30 days"]
    assert "Final report" not in tables["Due in the next 30 days"]
    assert "Already done" not in tables["Due in the next 30 days"]


def test_reminders_are_emailed_once_while_due_and_once_when_overdue(app, db, make):
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    finance = funding.finance_user(owner.organisation, org_role=OrgRole.FINANCE)
    caseworker = funding.finance_user(owner.organisation, org_role=OrgRole.CASEWORKER)
    item = funding.agreement(owner.organisation, title="Housing grant")
    funding.requirement(item, due_in_days=10, title="Monitoring report")
    funding.requirement(item, due_in_days=-1, title="Annual accounts")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["funding", "remind"])
    assert result.exit_code == 0, result.output
    assert "Queued 4 reminder email(s)" in result.output
    assert runner.invoke(args=["funding", "remind"]).output.strip().endswith("Queued 0 reminder email(s)")
    subjects = sorted(m["Subject"] for m in inbox(finance.email))
    assert subjects == ["A funding requirement is due soon", "A funding requirement is overdue"]
    assert inbox(caseworker.email) == []
    body = inbox(owner.email)[0].get_content()
    assert "/funding/agreements/" + item.public_id in body
    # Eleven days later the monitoring report is overdue too: one more email each.
    later = (date.today() + timedelta(days=11)).isoformat()
    assert "Queued 2 reminder" in runner.invoke(args=["funding", "remind", "--on", later]).output


def test_planned_against_actual_is_charted_with_a_table(client, db, login_as):
    user = funding.finance_user()
    item = funding.agreement(user.organisation)
    login_as(user)
    for direction, planned, amount in (("income", "planned", "10,000"), ("income", "actual", "7,500.50"),
                                       ("spend", "planned", "9,000"), ("spend", "actual", "4,000")):
        response = client.post(f"/funding/agreements/{item.public_id}/entries/new", data={
            "direction": direction, "planned": planned, "amount": amount, "on": "1/5/2026", "description": "Q1"})
        assert response.status_code == 302
    soup = page(client.get(f"/funding/agreements/{item.public_id}"))
    chart = soup.find("svg", attrs={"aria-labelledby": "planned-actual-title planned-actual-desc"})
    assert chart.find("title").get_text().startswith("Planned against actual")
    assert "actual income £7,500.50" in chart.find("desc").get_text()
    table = chart.find_parent("figure").find_next_sibling("table")
    rows = {r.th.get_text(strip=True): r.td.get_text(strip=True) for r in table.tbody.find_all("tr")}
    assert rows == {"Planned income": "£10,000.00", "Actual income": "£7,500.50", "Planned spend": "£9,000.00",
                    "Actual spend": "£4,000.00"}
    assert not soup.find_all("script", src=lambda s: s and s.startswith("http"))


def test_payment_by_results_through_the_pages_keeps_the_working(client, db, login_as):
    user = funding.finance_user()
    contract = funding.agreement(user.organisation, kind="contract", title="Reducing reoffending")
    login_as(user)
    response = client.post(f"/funding/agreements/{contract.public_id}/measures/new", data={
        "kind": "frequency", "name": "Reconviction events", "baseline": "1.7", "threshold": "7.5",
        "price": "2,000", "method": "Against a matched comparison group, per the Peterborough bond"})
    assert response.status_code == 302
    measure = contract.measures[0] if db.session.rollback() is None else None
    url = f"/funding/measures/{measure.public_id}/results/new"
    response = client.post(url, data={"cohort": "Cohort 1", "cohort_size": "1000", "outcomes": "1600",
                                      "comparison_size": "10000", "comparison_outcomes": "17000",
                                      "validator_name": "Independent Assessor Ltd", "validated_on": "1/6/2026",
                                      "validator_cohort_size": "1000", "validator_outcomes": "1560"})
    assert response.status_code == 302
    result = db.session.scalar(select(CohortResult))
    assert result.payment_pence == 28_000_000
    assert result.calculation["figures_from"] == "validator"
    assert result.calculation["baseline_from"] == "comparison group"
    text = page(client.get(f"/funding/agreements/{contract.public_id}")).get_text(" ", strip=True)
    assert "Cohort 1: £280,000.00 due" in text and "Independent Assessor Ltd" in text
    # Only aggregate numbers; impossible ones are refused by field.
    response = client.post(url, data={"cohort": "Cohort 2", "cohort_size": "0", "outcomes": "-4"})
    assert response.status_code == 400
    assert field_error(response, "outcomes") == "Enter the reoffending figure as 0 or more"


def test_a_shared_sub_contract_is_visible_to_its_lead_provider_only(client, db, login_as):
    item, lead_org = funding.sub_contract(shared=False)
    lead_finance = funding.finance_user(lead_org, role=Role.LEAD_PROVIDER)
    other_lead = funding.finance_user(role=Role.LEAD_PROVIDER)
    login_as(lead_finance)
    assert client.get(f"/funding/agreements/{item.public_id}").status_code == 404
    assert "Accommodation sub-contract" not in page(client.get("/funding/supply-chain")).get_text()

    owner = funding.finance_user(item.organisation, org_role=OrgRole.OWNER)
    login_as(owner)
    assert client.post(f"/funding/agreements/{item.public_id}/share", data={"share": "yes"}).status_code == 302

    login_as(lead_finance)
    shown = client.get(f"/funding/agreements/{item.public_id}")
    assert shown.status_code == 200 and "You can look but not change it" in page(shown).get_text()
    assert "Accommodation sub-contract" in page(client.get("/funding/supply-chain")).get_text()
    assert client.get(f"/funding/agreements/{item.public_id}/requirements/new").status_code == 404
    login_as(other_lead)
    assert client.get(f"/funding/agreements/{item.public_id}").status_code == 404
    caseworker = funding.finance_user(lead_org, role=Role.LEAD_PROVIDER, org_role=OrgRole.CASEWORKER)
    login_as(caseworker)
    assert client.get(f"/funding/agreements/{item.public_id}").status_code == 404


def test_a_sub_contract_hangs_from_a_lead_contract(client, db, login_as, make):
    lead_org = make.organisation(kind=OrgKind.LEAD_PROVIDER)
    lead = funding.agreement(lead_org, kind="contract", title="CPA 3 lead contract", contract_role="lead_provider")
    user = funding.finance_user()
    login_as(user)
    form = page(client.get("/funding/agreements/new?kind=contract"))
    assert "CPA 3 lead contract" in form.find("select", id="lead_agreement").get_text()
    response = client.post("/funding/agreements/new", data={
        **GRANT, "kind": "contract", "title": "Sub-contract", "contract_role": "sub_contractor",
        "lead_agreement": lead.public_id, "fee_for_service": "30,000", "outcome_payments": "10,000",
        "contract_package_area": "northumbria"})
    assert response.status_code == 302, error_summary(response)
    db.session.rollback()
    sub = db.session.scalar(select(Agreement).where(Agreement.title == "Sub-contract"))
    assert sub.lead_agreement_id == lead.id and sub.lead_organisation_id == lead_org.id
    assert sub.shared_with_lead_at is None

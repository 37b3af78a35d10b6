"""Referral reports: the arithmetic against small worked examples, small numbers hidden, filters, and who may
see which report."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accounts.roles import OrgRole, Role
from portal.database import utcnow
from portal.extensions import db
from portal.referrals import reports
from tests import factories
from tests.html import error_summary, h1, page

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _context(app, db):
    with app.test_request_context():
        yield


def _responded_after(referral, days: float, sent_days_ago: int = 30) -> None:
    referral.sent_at = utcnow() - sent_days_ago * DAY
    if referral.responded_at is not None:
        referral.responded_at = referral.sent_at + days * DAY


@pytest.fixture
def worked_example():
    """Harbour House: 10 referrals sent - 6 completed, 1 ended early, 1 declined, 1 waiting, 1 withdrawn before
    a response. Responses took 1, 1, 2, 2, 3, 3, 4 and 10 days. The completed referrals' outcomes: 5 achieved,
    1 partly. Second Chance (the same provider): 2 referrals, one accepted and one waiting."""
    provider = factories.user(role=Role.PROVIDER)
    org = provider.organisation
    harbour = factories.referrable_service(organisation_=org, name="Harbour House")
    chance = factories.referrable_service(organisation_=org, name="Second Chance")
    referrer = factories.user(role=Role.OFFENDER_MANAGER)
    worker = factories.user(role=Role.PROVIDER, organisation_=org, org_role=OrgRole.CASEWORKER)
    made = [factories.referral(service=harbour, referrer=referrer, caseworker=worker, state=state)
            for state in ["completed"] * 6 + ["ended", "declined", "sent", "withdrawn"]]
    for referral, days in zip(made, [1, 1, 2, 2, 3, 3, 4, 10, None, None], strict=True):
        _responded_after(referral, days or 0)
    made[5].desired_outcomes = [{**made[5].desired_outcomes[0], "achievement": "partly"}]
    for state in ("accepted", "sent"):
        _responded_after(factories.referral(service=chance, referrer=referrer, state=state), 1)
    db.session.commit()
    return org, provider, harbour, chance


def _row(report, name):
    return next(row for row in report.services if row.name == name)


def test_the_worked_example_adds_up(worked_example):
    org, _, _, _ = worked_example
    report = reports.build(reports.Filters(), org)
    harbour = _row(report, "Harbour House").figures
    assert (harbour.received, harbour.accepted, harbour.declined, harbour.finished, harbour.completed) == \
        (10, 7, 1, 7, 6)
    assert harbour.acceptance == "88%"  # 7 of the 8 responded to
    assert harbour.median_days == "2.5"  # the middle of 1 1 2 2 | 3 3 4 10
    assert harbour.completion == "86%"  # 6 of the 7 accepted that finished
    assert harbour.outcomes == {"achieved": 5, "partly": 1, "not-achieved": 0}
    assert [harbour.outcome(level) for level in reports.OUTCOME_LEVELS] == ["5", "fewer than 5", "fewer than 5"]


def test_counts_below_five_and_rates_from_them_are_not_shown(worked_example):
    org, _, _, _ = worked_example
    chance = _row(reports.build(reports.Filters(), org), "Second Chance").figures
    assert chance.received == 2 and chance.count("received") == "fewer than 5"
    assert chance.acceptance == chance.completion == chance.median_days == "not shown"
    assert chance.acceptance_value() is None and chance.outcome_value("achieved") is None
    # A rate with a big enough total but a small part would give the hidden part away
    assert reports.shown_rate(4, 100) == "not shown" and reports.shown_rate(5, 100) == "5%"
    assert reports.shown_count(4) == "fewer than 5" and reports.shown_count(1234) == "1,234"


def test_the_provider_total_adds_its_services(worked_example):
    org, _, _, _ = worked_example
    report = reports.build(reports.Filters(), org)
    [provider] = report.providers
    assert provider.figures.received == 12 and provider.figures.accepted == 8
    assert report.total.received == 12


def test_filters_by_period_sent_and_referring_region(worked_example):
    org, _, harbour, _ = worked_example
    recent = factories.referral(service=harbour, state="sent",
                                referrer=factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales"))
    db.session.commit()
    today = date.today()
    this_week = reports.build(reports.Filters(sent_from=today - 7 * DAY, sent_to=today), org)
    assert [(r.name, r.figures.received) for r in this_week.services] == [("Harbour House", 1)]
    earlier = reports.build(reports.Filters(sent_to=today - 7 * DAY), org)
    assert _row(earlier, "Harbour House").figures.received == 10
    wales = reports.build(reports.Filters(region="wales"), org)
    assert [(r.name, r.figures.received) for r in wales.services] == [("Harbour House", 1)]
    assert recent.probation_region.slug == "wales"
    assert "referred from Wales" in reports.Filters(region="wales").describe()


def test_a_provider_report_holds_only_its_own_organisation(worked_example):
    other = factories.referral(state="completed")
    org, *_ = worked_example
    assert other.service.name not in [r.name for r in reports.build(reports.Filters(), org).services]
    everyone = reports.build(reports.Filters())
    assert {r.name for r in everyone.providers} == {org.name, other.organisation.name}


# --- The pages ---

def test_provider_managers_see_their_report_with_small_numbers_hidden_in_tables_and_charts(client, worked_example):
    _, provider, _, _ = worked_example
    factories.sign_in(client, provider)
    response = client.get("/referrals/reports")
    assert response.status_code == 200 and h1(response) == "Referral report"
    soup = page(response)
    table = soup.select_one("table.app-table--report")
    cells = {row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
             for row in table.select("tbody tr")}
    assert cells["Harbour House"] == ["10", "88%", "2.5", "86%", "5", "fewer than 5", "fewer than 5",
                                      "fewer than 5", "fewer than 5"]
    assert cells["Second Chance"] == ["fewer than 5", "not shown", "not shown", "not shown", "fewer than 5",
                                      "fewer than 5", "fewer than 5", "fewer than 5", "fewer than 5"]
    rates = soup.find(id="chart-rates")
    assert rates.svg["aria-hidden"] == "true"
    assert len(rates.svg.select("rect.app-chart__bar")) == 2  # Harbour House's two rates; Second Chance's are not drawn
    assert "not shown" in rates.svg.get_text() and "88%" in rates.svg.get_text()
    data = [td.get_text(strip=True) for td in rates.select("table td")]
    assert data == ["88%", "86%", "not shown", "not shown"]
    outcomes = soup.find(id="chart-outcomes")
    assert "fewer than 5" in outcomes.svg.get_text()


def test_the_report_page_filters_and_says_what_is_wrong_with_a_date(client, worked_example):
    _, provider, _, _ = worked_example
    factories.sign_in(client, provider)
    today = date.today()
    response = client.get(f"/referrals/reports?sent_from={(today - 7 * DAY):%d/%m/%Y}&sent_to={today.isoformat()}")
    assert response.status_code == 200
    assert "Your services have not received any referrals" in response.get_data(as_text=True)
    bad = client.get("/referrals/reports?sent_from=31/02/2026&sent_to=")
    assert bad.status_code == 400
    assert error_summary(bad) == ["The start date must be a real date, like 1/4/2026"]
    backwards = client.get("/referrals/reports?sent_from=2/4/2026&sent_to=1/4/2026")
    assert error_summary(backwards) == ["The end date must be the same as or after the start date"]
    unknown = client.get("/referrals/reports?region=atlantis")
    assert unknown.status_code == 400


@pytest.mark.parametrize("role, org_role", [(Role.PROVIDER, OrgRole.CASEWORKER), (Role.PROVIDER, OrgRole.FINANCE),
                                            (Role.OFFENDER_MANAGER, None), (Role.EMPLOYER, OrgRole.OWNER),
                                            (Role.PRISON_STAFF, None)])
def test_only_provider_owners_and_managers_and_administrators_see_reports(client, role, org_role):
    user = factories.user(role=role, **({"org_role": org_role} if org_role else {}))
    factories.sign_in(client, user)
    assert client.get("/referrals/reports").status_code == 403
    assert client.get("/admin/referral-reports").status_code == 403


def test_administrators_see_every_provider(client, worked_example):
    org, *_ = worked_example
    other = factories.referral(state="sent")
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    assert client.get("/referrals/reports").headers["Location"].endswith("/admin/referral-reports")
    response = client.get("/admin/referral-reports")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert org.name in text and other.organisation.name in text and other.service.name in text
    assert "Jordan" not in text and "X123456" not in text  # counts only, never people
    wales = client.get("/admin/referral-reports?region=wales")
    assert "No referrals match these filters" in wales.get_data(as_text=True)
    assert client.get("/admin/referral-reports", follow_redirects=False).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    for url in ("/referrals/reports", "/admin/referral-reports"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_summary_says_plainly_when_a_rate_is_not_shown(client, db):
    """Too few referrals for a rate: the sentence says so instead of "completed not shown of those that finished"."""
    referral = factories.referral(state="accepted")
    manager = factories._provider_manager(referral.organisation)
    factories.sign_in(client, manager)
    text = " ".join(page(client.get("/referrals/reports")).get_text(" ", strip=True).split())
    assert "completed not shown" not in text and "accepted not shown" not in text
    assert "Too few referrals have had a response to show how many you accepted" in text
    assert "too few accepted referrals have finished to show how many were completed" in text


def test_the_summary_gives_both_rates_when_they_can_be_shown(client, worked_example):
    _, provider, _, _ = worked_example
    factories.sign_in(client, provider)
    text = " ".join(page(client.get("/referrals/reports")).get_text(" ", strip=True).split())
    assert ("Your services received 12 referrals. You accepted 89% of those you responded to and completed 86% of "
            "those that finished.") in text

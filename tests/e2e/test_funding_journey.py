"""A provider's finance officer records a grant with two reports due, marks one met, sees the dashboard and
exports the funder's grants as 360Giving. Every page reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and
must load nothing from another host."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.roles import OrgRole
from portal.funding import opendata
from tests.e2e.browsing import follow_link, follow_menu, press_button, visit
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page: Page, email: str) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press_button(page, "Sign in")


def _day(offset: int) -> str:
    day = date.today() + timedelta(days=offset)
    return f"{day.day}/{day.month}/{day.year}"


def add_report(page: Page, title: str, due: str) -> None:
    follow_link(page, "Add a report, milestone or payment")
    page.get_by_role("group", name="What is due?").get_by_label("Report due").check()
    page.get_by_label("Description").fill(title)
    page.get_by_label("Due date").fill(due)
    press_button(page, "Add")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"‘{title}’ has been added")


def test_a_finance_officer_records_a_grant_marks_a_report_met_and_exports_360giving(new_page, make, screenshot):
    officer = make.user(role="provider", name="Priya Raman", org_role=OrgRole.FINANCE)
    page = new_page()
    sign_in(page, officer.email)
    follow_menu(page, "Funding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding")
    follow_link(page, "Record a grant")

    # A first try without an amount and with an impossible date says what to fix.
    page.get_by_label("Title", exact=True).fill("Through the Gate mentoring")
    page.get_by_label("Funder or buyer", exact=True).fill("The Northern Trust")
    page.get_by_label("Date awarded").fill(_day(-40))
    page.get_by_label("Start date").fill("31/2/2026")
    page.get_by_label("End date").fill(_day(300))
    press_button(page, "Save")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the amount awarded or contract value")
    expect(summary).to_contain_text("The start date must be a real date")
    page.get_by_label("Amount awarded or contract value").fill("48,500")
    page.get_by_label("Start date").fill(_day(-30))
    page.get_by_label("Funder or buyer's organisation identifier (optional)").fill("GB-CHC-1234567")
    press_button(page, "Save")
    expect(page.get_by_role("heading", level=1)).to_have_text("Through the Gate mentoring")

    add_report(page, "Quarter 1 monitoring report", _day(12))
    add_report(page, "Annual report", _day(60))
    screenshot(page, "funding-grant")

    follow_link(page, "Quarter 1 monitoring report")
    page.get_by_role("group", name="Status").get_by_label("Met", exact=True).check()
    press_button(page, "Save status")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now marked met")
    expect(page.get_by_role("row", name="Quarter 1 monitoring report")).to_contain_text("Met")
    expect(page.get_by_role("row", name="Annual report")).to_contain_text("Scheduled")

    follow_menu(page, "Funding")
    expect(page.get_by_role("table", name="Grants")).to_contain_text("Through the Gate mentoring")
    expect(page.get_by_text("Nothing is due in the next 30 days.")).to_be_visible()

    follow_link(page, "Open data exports")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="JSON file of grants from The Northern Trust").click()
    package = json.loads(open(downloaded.value.path(), encoding="utf-8").read())
    assert opendata.problems("360giving", package) == []
    assert [g["title"] for g in package["grants"]] == ["Through the Gate mentoring"]
    assert package["grants"][0]["amountAwarded"] == 48500
    assert package["grants"][0]["fundingOrganization"] == [{"id": "GB-CHC-1234567", "name": "The Northern Trust"}]

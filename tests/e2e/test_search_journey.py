"""Finding a service in a real browser: search, narrow by a facet, open a service and save it to a list as an
offender manager; the same search with JavaScript switched off; an administrator's chart of searches that
found nothing. Every page is checked with axe-core (WCAG 2.0-2.2 A and AA) and must load nothing from another
host (see browsing.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import follow_link, follow_menu, press_button, visit
from tests.e2e.test_accounts_journeys import enter_security_code, sign_in
from tests.factories import totp_code

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def directory(db, make):
    make.empty_search_index()
    make.published_service(name="Leeds Night Shelter", description="Emergency beds on the night of release.",
                           pathways=("accommodation",), postcode="LS1 4AP")
    make.published_service(name="Bradford Housing Advice", description="Help to find a tenancy.",
                           pathways=("accommodation", "finance-benefit-debt"), postcode="BD1 1HY")
    make.published_service(name="Leeds Jobs Club", description="Help with work and housing benefit claims.",
                           pathways=("education-training-employment",), postcode="LS2 7HY")
    yield
    make.empty_search_index()


def result_headings(page: Page):
    return page.locator("#results h3")


def test_an_offender_manager_finds_a_service_and_saves_it_to_a_list(page, make, screenshot):
    officer = make.user(role="offender_manager", name="Priya Shah")
    sign_in(page, officer.email)
    enter_security_code(page, totp_code(officer))

    follow_menu(page, "Find services")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find resettlement services")
    page.get_by_label("Search", exact=True).fill("housing")
    press_button(page, "Search")
    expect(page.locator("#results-count")).to_have_text("3 services")

    pathways = page.get_by_role("group", name="Resettlement pathway")
    pathways.get_by_label("Finance, benefit and debt (1)").check()
    press_button(page, "Apply filters")
    expect(page.locator("#results-count")).to_have_text("1 service")
    expect(result_headings(page)).to_have_text(["Bradford Housing Advice"])
    expect(page.get_by_role("group", name="Resettlement pathway").get_by_label(
        "Finance, benefit and debt (1)")).to_be_checked()
    screenshot(page, "search-results")

    follow_link(page, "Bradford Housing Advice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bradford Housing Advice")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()  # the script adds it
    screenshot(page, "service")
    page.emulate_media(media="print")  # prints the listing alone: no navigation, buttons or forms
    for chrome in (".govuk-header", ".govuk-service-navigation", ".govuk-footer", ".govuk-back-link",
                   "[data-app-print]"):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.get_by_role("heading", name="Contact")).to_be_visible()
    screenshot(page, "service-printed")
    page.emulate_media(media="screen")

    follow_link(page, "Save to a list")
    expect(page.get_by_role("heading", level=1)).to_have_text("Save to a list")
    press_button(page, "Save")  # nothing entered: the error summary says what to do
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the new list")
    page.get_by_label("Name of the new list").fill("Housing around Bradford")
    press_button(page, "Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Bradford Housing Advice has been saved to ‘Housing around Bradford’")

    follow_link(page, "Your saved lists")
    follow_link(page, "Housing around Bradford")
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing around Bradford")
    expect(page.get_by_role("link", name="Bradford Housing Advice")).to_be_visible()

    # Back from a service returns to the results the person came from.
    follow_link(page, "Bradford Housing Advice")
    follow_link(page, "Back to search results")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find resettlement services")


def test_search_by_distance_works_without_javascript(new_page):
    page = new_page()
    # No script of the portal's runs (axe still can: it is injected by the test, not loaded by the page).
    page.route(lambda url: urlsplit(url).path.endswith(".js"), lambda route: route.abort())  # ?v=... follows
    visit(page, "/services")
    page.get_by_label("Postcode").fill("LS1 4AP")
    page.get_by_label("Distance").select_option("5")
    press_button(page, "Apply filters")
    assert "postcode=LS1&" in page.url and "4AP" not in page.url  # only the district is kept
    expect(result_headings(page)).to_have_count(2)
    page.get_by_label("Sort by").select_option("distance")
    press_button(page, "Sort results")
    expect(result_headings(page)).to_have_text(["Leeds Night Shelter", "Leeds Jobs Club"])
    expect(page.get_by_text("Distance is measured from the centre of the postcode district")).to_be_visible()
    expect(page.get_by_text("Contains OS data © Crown copyright and database right")).to_be_visible()

    page.get_by_label("Postcode").fill("ZZ99 9ZZ")
    press_button(page, "Apply filters")
    expect(page.locator(".govuk-error-summary")).to_contain_text("We could not find the postcode area ZZ99")
    expect(result_headings(page)).to_have_count(3)  # the rest of the search still works

    follow_link(page, "Leeds Night Shelter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leeds Night Shelter")
    expect(page.get_by_role("button", name="Print this page")).to_have_count(0)  # it would do nothing


def test_an_administrator_sees_searches_that_found_nothing(new_page, make, screenshot):
    searcher = new_page()
    visit(searcher, "/services?q=underwater+welding")
    expect(searcher.locator("#results-count")).to_have_text("0 services")
    expect(searcher.get_by_text("There are no matching services.")).to_be_visible()

    admin_user = make.user(role="admin")
    admin = new_page()
    console_errors = []
    admin.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    sign_in(admin, admin_user.email)
    enter_security_code(admin, totp_code(admin_user))
    visit(admin, "/admin/search-gaps")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Searches that found nothing")
    expect(admin.get_by_role("table").locator("tbody tr")).to_have_count(1)
    expect(admin.get_by_role("table")).to_contain_text("underwater welding")
    chart = admin.locator("#search-gaps-chart")
    expect(chart.locator("svg rect.app-chart__bar")).to_have_count(1)
    expect(chart.locator("svg")).to_be_visible()
    expect(chart.locator("figcaption")).to_have_text("The most frequent search that found nothing")
    assert console_errors == []  # nothing refused by the Content Security Policy
    screenshot(admin, "search-gaps")

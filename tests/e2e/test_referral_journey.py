"""A referral's whole life in a real browser: an offender manager finds a service, refers someone through the task
list and sends it; the provider's manager accepts it and assigns a caseworker; the caseworker books the first
appointment, records a session and completes it with the end-of-service report; both dashboards follow along.
Every page reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and must load nothing from another host."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.roles import OrgRole, Role
from tests.e2e.browsing import click_and_wait, follow_link, follow_menu, press_button, visit
from tests.e2e.test_accounts_journeys import enter_security_code, sign_in
from tests.factories import totp_code

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def directory(db, make):
    make.empty_search_index()
    yield
    make.empty_search_index()


def fill_date(page: Page, group: str, value: date) -> None:
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(value.day))
    fieldset.get_by_label("Month").fill(str(value.month))
    fieldset.get_by_label("Year").fill(str(value.year))


def choose(page: Page, group: str, option: str) -> None:
    page.get_by_role("group", name=group).get_by_label(option, exact=True).check()


def status_of(page: Page, reference: str):
    return page.get_by_role("row").filter(has_text=reference)


def test_a_referral_from_the_directory_to_the_end_of_service_report(new_page, make, mailbox, screenshot):
    service = make.referrable_service(name="Harbour House Supported Housing", pathways=("accommodation",),
                                      postcode="LS1 4AP", index=True)
    organisation = service.organisation
    officer = make.user(role=Role.OFFENDER_MANAGER, name="Olu Okafor")
    manager = make.user(role=Role.PROVIDER, name="Priya Patel", organisation_=organisation, org_role=OrgRole.OWNER)
    worker = make.user(role=Role.PROVIDER, name="Casey Worker", organisation_=organisation,
                       org_role=OrgRole.CASEWORKER)

    # The offender manager finds the service in the directory and starts a referral.
    om = new_page()
    sign_in(om, officer.email)
    enter_security_code(om, totp_code(officer))
    follow_menu(om, "Find services")
    om.get_by_label("Search", exact=True).fill("Harbour")
    press_button(om, "Search")
    follow_link(om, "Harbour House Supported Housing")
    follow_link(om, "Refer someone to this service")
    expect(om.get_by_role("heading", level=1)).to_have_text("Refer someone to Harbour House Supported Housing")
    press_button(om, "Start referral")
    expect(om.locator(".govuk-task-list")).to_be_visible()

    # Personal details: a date that does not exist is refused with a message, then put right.
    follow_link(om, "Personal details")
    om.get_by_label("First name").fill("Jordan")
    om.get_by_label("Last name").fill("Pemberton")
    fill_date(om, "Date of birth", date(1990, 2, 17))
    om.get_by_role("group", name="Date of birth").get_by_label("Day").fill("31")
    om.get_by_label("Case reference number (CRN)").fill("X123456")
    choose(om, "Gender", "Male")
    press_button(om, "Save and continue")
    expect(om.locator(".govuk-error-summary")).to_contain_text("Date of birth must be a real date")
    screenshot(om, "referral-date-error")
    om.get_by_role("group", name="Date of birth").get_by_label("Day").fill("17")
    press_button(om, "Save and continue")

    follow_link(om, "Where they are")
    choose(om, "Where is the person now?", "In the community")
    om.get_by_label("Postcode district").fill("LS1 4AP")
    press_button(om, "Save and continue")

    follow_link(om, "Contact and access needs")
    om.get_by_label("Phone number (optional)").fill("07700 900982")
    choose(om, "Does the person need an interpreter?", "No")
    om.get_by_label("When is the person available? (optional)").fill("Weekday mornings")
    press_button(om, "Save and continue")

    follow_link(om, "Needs and desired outcomes")
    om.get_by_role("group", name="Which resettlement pathways").get_by_label("Accommodation", exact=True).check()
    choose(om, "How much help does the person need with accommodation?", "Red")
    om.get_by_label("Outcome 1").fill("Has settled accommodation within 3 months")
    press_button(om, "Save and continue")

    follow_link(om, "Risk")
    choose(om, "Risk of serious harm", "Low")
    choose(om, "Is the person managed under MAPPA", "No")
    om.get_by_label("Risk summary").fill("No concerns about working with staff.")
    choose(om, "Does the person have a conviction for arson?", "No")
    choose(om, "Does the person have a conviction for a sexual offence?", "No")
    press_button(om, "Save and continue")

    follow_link(om, "Consent")
    choose(om, "Has the person agreed to be referred", "Yes")
    fill_date(om, "When did they agree?", date.today() - timedelta(days=1))
    choose(om, "How did they agree?", "In person")
    press_button(om, "Save and continue")
    follow_link(om, "Your contact details")
    om.get_by_label("Your phone number").fill("0113 496 0000")
    press_button(om, "Save and continue")
    expect(om.locator(".govuk-task-list__status").filter(has_text="Not yet started")).to_have_count(0)
    screenshot(om, "referral-task-list")

    follow_link(om, "Check your answers")
    expect(om.get_by_role("heading", level=1)).to_have_text("Check your answers before sending the referral")
    expect(om.locator("#section-person + dl")).to_contain_text("Jordan")
    screenshot(om, "referral-check-answers")
    press_button(om, "Send referral")
    panel = om.locator(".govuk-panel")
    expect(panel).to_contain_text("Referral sent")
    reference = panel.locator("strong").inner_text().strip()
    assert reference.startswith("RF-")
    follow_link(om, "Go to your referrals")
    follow_link(om, "Awaiting response (1)")
    expect(status_of(om, reference)).to_contain_text("Awaiting response")

    # The provider's manager is emailed a link, sees no risk details until accepting, accepts and assigns.
    assert mailbox.last_to(service.document["email"]).subject == f"Referral {reference} is waiting for your response"
    provider = new_page()
    sign_in(provider, manager.email)
    follow_menu(provider, "Referrals")
    expect(status_of(provider, reference)).to_contain_text("Awaiting response")
    follow_link(provider, reference)
    expect(provider.get_by_text("The risk summary and convictions show once you accept the referral.")).to_be_visible()
    expect(provider.locator("#referral-facts")).to_contain_text("0113 496 0000")  # how to reach the referrer
    expect(provider.get_by_text("No concerns about working with staff.")).to_have_count(0)
    follow_link(provider, "Accept referral")
    press_button(provider, "Accept referral")
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("You have accepted the referral")
    expect(provider.get_by_text("No concerns about working with staff.")).to_be_visible()
    follow_link(provider, "Assign a caseworker")
    provider.get_by_label("Caseworker").select_option(label="Casey Worker")
    press_button(provider, "Assign caseworker")
    expect(provider.locator("#status .govuk-tag")).to_have_text("Assigned to a caseworker")
    screenshot(provider, "referral-assigned")

    # The person's risk rises: the offender manager records it, both dashboards flag it, and they decide the
    # provider continues under a risk management plan, paid as fee for service.
    visit(om, "/referrals?tab=open")
    follow_link(om, reference)
    click_and_wait(om, om.locator("#section-risk + dl").get_by_role("link", name="Change risk of serious harm"))
    choose(om, "Risk of serious harm", "Very high")
    om.get_by_label("Why are you changing the referral?").fill("New risk assessment after an arrest")
    press_button(om, "Save changes")
    expect(om.locator("#status .app-escalated")).to_have_text("Risk escalated")
    visit(provider, "/referrals?tab=open")
    expect(status_of(provider, reference)).to_contain_text("Risk escalated")
    visit(om, "/referrals?tab=open")
    expect(status_of(om, reference)).to_contain_text("Risk escalated")
    follow_link(om, reference)
    follow_link(om, "Record your decision on the risk escalation")
    choose(om, "What happens next?", "The provider continues under a risk management plan, paid as fee for service")
    om.get_by_label("Where is the risk management plan held?").fill("RMP-2291 in the case management system")
    fill_date(om, "When will the plan be reviewed?", date.today() + timedelta(days=60))
    press_button(om, "Record decision")
    expect(om.locator("#referral-facts")).to_contain_text("Fee for service")
    expect(om.locator("#status .app-escalated")).to_have_count(0)
    screenshot(om, "referral-risk-decided")

    # The caseworker books the first appointment, records a session and completes the referral.
    caseworker = new_page()
    sign_in(caseworker, worker.email)
    follow_menu(caseworker, "Referrals")
    follow_link(caseworker, "My cases (1)")
    follow_link(caseworker, reference)
    follow_link(caseworker, "Book the first appointment")
    fill_date(caseworker, "Date of the first appointment", date.today() + timedelta(days=2))
    caseworker.get_by_label("Time").fill("10:30")
    press_button(caseworker, "Book appointment")
    expect(caseworker.locator("#status .govuk-tag")).to_have_text("First appointment booked")
    follow_link(caseworker, "Record a session")
    fill_date(caseworker, "Date of the session", date.today() - timedelta(days=1))
    caseworker.get_by_label("Time it started").fill("14:00")
    choose(caseworker, "Did the person attend?", "Attended")
    caseworker.get_by_label("Notes").fill("Looked at two flats together.")
    press_button(caseworker, "Record session")
    expect(caseworker.locator("#sessions ~ table")).to_contain_text("Looked at two flats together.")
    follow_link(caseworker, "Complete and write the end-of-service report")
    choose(caseworker, "Outcome 1: Has settled accommodation within 3 months", "Achieved")
    caseworker.get_by_label("End-of-service report").fill("Moved into a supported flat and pays rent on time.")
    press_button(caseworker, "Complete referral")
    expect(caseworker.locator("#status .govuk-tag")).to_have_text("Completed")
    screenshot(caseworker, "referral-completed")

    # Both dashboards show it completed; the offender manager reads the report.
    visit(provider, "/referrals?tab=completed")
    expect(status_of(provider, reference)).to_contain_text("Completed")
    expect(status_of(provider, reference)).to_contain_text("Casey Worker")
    assert mailbox.last_to(officer.email).subject == f"Referral {reference} has been completed"
    visit(om, "/referrals?tab=completed")
    expect(status_of(om, reference)).to_contain_text("Completed")
    follow_link(om, reference)
    expect(om.get_by_text("Moved into a supported flat and pays rent on time.")).to_be_visible()
    expect(om.get_by_role("table", name="Desired outcomes and whether they were achieved")).to_contain_text(
        "Achieved")

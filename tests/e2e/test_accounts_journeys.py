"""Account journeys in a real browser: registering an organisation, its approval, two-factor sign-in, signing out,
the error summary and the skip link. Every page reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and
must load nothing from another host (see browsing.py)."""
from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import check_page, click_and_wait, follow_link, press_button, visit
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e

PENDING_NOTICE = "is waiting for approval by an administrator"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    press_button(page, "Sign in")


def enter_security_code(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app").fill(code)
    press_button(page, "Continue")


def test_an_organisation_registers_confirms_its_email_and_is_approved_by_an_administrator(
        new_page, mailbox, make, screenshot):
    # A charity worker registers their organisation.
    provider = new_page()
    visit(provider, "/register")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    screenshot(provider, "register")
    provider.get_by_label("Organisation name").fill("Second Chances Trust")
    provider.get_by_role("radio", name="Service provider").check()
    provider.get_by_role("radio", name="Voluntary and community sector").check()
    provider.get_by_role("group", name="Regions you work in").get_by_label("North East").check()
    provider.get_by_label("Your full name").fill("Amina Okafor")
    provider.get_by_label("Your work email address").fill("amina@secondchances.example.org")
    provider.get_by_label("Create a password").fill(PASSWORD)
    press_button(provider, "Register")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Check your email")

    # They open the link in the email the portal sent them.
    verification = mailbox.last_to("amina@secondchances.example.org")
    assert "/verify-email/" in verification.link
    visit(provider, verification.link)
    expect(provider.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(provider.locator(".govuk-notification-banner")).to_contain_text(
        "Your email address is confirmed. You can now sign in")

    # Signed in, their dashboard says the organisation is waiting for approval.
    sign_in(provider, "amina@secondchances.example.org")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Provider staff dashboard")
    expect(provider.get_by_text(f"Second Chances Trust {PENDING_NOTICE}")).to_be_visible()
    screenshot(provider, "dashboard")

    # An administrator signs in with their password and a two-factor code, and approves the organisation.
    admin_user = make.user(role="admin", name="Sam Admin")
    admin = new_page()
    sign_in(admin, admin_user.email)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    enter_security_code(admin, totp_code(admin_user))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Administrator dashboard")
    follow_link(admin, "Organisations waiting for approval")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Organisations waiting for approval")
    follow_link(admin, "Second Chances Trust")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Check Second Chances Trust")
    admin.get_by_role("radio", name="Approve").check()
    press_button(admin, "Save decision")
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("Second Chances Trust has been approved")
    expect(admin.get_by_text("No organisations are waiting.")).to_be_visible()

    # The organisation's owner is told by email, and their dashboard no longer shows the notice.
    assert mailbox.last_to("amina@secondchances.example.org").subject == "Your organisation has been approved"
    visit(provider, "/dashboard")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Provider staff dashboard")
    expect(provider.get_by_text(PENDING_NOTICE)).to_have_count(0)


def test_submitting_the_registration_form_empty_shows_an_error_summary_that_takes_focus(page):
    visit(page, "/register")
    press_button(page, "Register")  # check_page runs axe on the error state too

    expect(page).to_have_title("Error: Register your organisation – Resettlement Partnership Portal")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text([
        "Enter the name of your organisation",
        "Select what your organisation does in the portal",
        "Select your organisation's sector",
        "Select at least one region you work in",
        "Enter your full name",
        "Enter your work email address",
        "Enter a password",
    ])
    # Each field says what is wrong next to it, and the summary's links lead to the fields.
    expect(page.locator("#name-error")).to_have_text("Error: Enter your full name")
    summary.get_by_role("link", name="Enter the name of your organisation").click()
    expect(page.get_by_label("Organisation name")).to_be_focused()
    summary.get_by_role("link", name="Enter a password").click()
    expect(page.get_by_label("Create a password")).to_be_focused()


def test_an_offender_manager_sets_up_two_factor_then_signs_out(page, make, mailbox):
    officer = make.user(role="offender_manager", mfa=False, name="Priya Shah")

    # The password alone does not enrol a second factor: a one-time link goes to the officer's mailbox.
    sign_in(page, officer.email)
    expect(page.locator(".govuk-error-summary")).to_contain_text("We have emailed you a link")
    visit(page, mailbox.last_to(officer.email).link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    set_up_key = page.locator("#totp-secret").inner_text()
    enter_security_code(page, pyotp.TOTP(set_up_key).now())
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery_code = page.locator("#recovery-codes li").first.inner_text()
    follow_link(page, "Continue to sign in")

    # A recovery code signs in in place of a code from the app.
    sign_in(page, officer.email)
    enter_security_code(page, recovery_code)
    expect(page.get_by_role("heading", level=1)).to_have_text("Offender manager dashboard")
    expect(page.get_by_text("Signed in as Priya Shah (Offender manager).")).to_be_visible()

    follow_link(page, "Sign out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign out")
    press_button(page, "Sign out")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")

    visit(page, "/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sign in to see this page")


def test_the_skip_link_is_the_first_thing_to_tab_to_and_moves_focus_to_the_main_content(page):
    visit(page, "/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # it appears when focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


def test_pages_use_the_gov_uk_styles_and_font_served_by_the_portal(page):
    visit(page, "/register")
    expect(page.locator(".govuk-header")).to_have_css("background-color", "rgb(29, 112, 184)")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_css("font-weight", "700")
    assert "GDS Transport" in heading.evaluate("h1 => getComputedStyle(h1).fontFamily")
    loaded_fonts = page.evaluate(
        "document.fonts.ready.then(fonts => [...fonts].filter(f => f.status === 'loaded').map(f => f.family))")
    assert "GDS Transport" in [family.strip('"') for family in loaded_fonts]
    check_page(page)  # the fonts were fetched from the portal, not from another host


def test_an_owner_records_the_charity_number_later_and_fixes_a_wrong_one(new_page, make, screenshot):
    owner = make.user(role="provider")
    page = new_page()
    sign_in(page, owner.email)
    visit(page, f"/organisations/{owner.organisation.public_id}")
    click_and_wait(page, page.get_by_role("link", name="Change charity and company numbers"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Charity and company numbers")
    page.get_by_label("Registered charity number (optional)").fill("12345678")
    press_button(page, "Save numbers")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a charity number in the correct format")
    screenshot(page, "organisation-identifiers-error")
    page.get_by_label("Registered charity number (optional)").fill("1123456")
    page.get_by_label("Company number (optional)").fill("01234567")
    press_button(page, "Save numbers")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Charity and company numbers saved")
    expect(page.locator(".govuk-summary-list")).to_contain_text("GB-CHC-1123456, GB-COH-01234567")

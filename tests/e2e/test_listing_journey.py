"""A provider writes a listing and sends it for approval; an administrator checks the difference and publishes it.
Every page reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and must load nothing from another host."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import follow_link, follow_menu, press_button, visit
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e


def sign_in(page: Page, email: str) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press_button(page, "Sign in")


def tick(page: Page, group: str, *options: str) -> None:
    fieldset = page.get_by_role("group", name=group)
    for option in options:
        fieldset.get_by_label(option, exact=True).check()


def test_a_provider_creates_and_sends_a_listing_and_an_administrator_publishes_it(new_page, mailbox, make,
                                                                                   screenshot):
    owner = make.user(role="provider", name="Amina Okafor")
    admin_user = make.user(role="admin")
    organisation = owner.organisation.name

    # The provider finds their organisation's listings and starts a new one.
    provider = new_page()
    sign_in(provider, owner.email)
    follow_menu(provider, "Your listings")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Your organisation's listings")
    follow_link(provider, "Create a listing")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Create a listing")

    # A first try with a mistyped postcode and no pathway shows what to fix, field by field.
    provider.get_by_label("Name of the service").fill("Second Chances Supported Housing")
    provider.get_by_label("Description").fill("Shared supported housing in Leeds for people leaving prison.")
    provider.get_by_label("How people can use the service").fill("Probation practitioners refer through the portal.")
    provider.get_by_label("Telephone number (optional)").fill("0113 496 0000")
    tick(provider, "When the service works with people", "Through the gate", "In the community")
    tick(provider, "How the service is delivered", "In person")
    provider.get_by_role("group", name="Who the service is for").get_by_label("Anyone").check()
    provider.get_by_label("Minimum age (optional)").fill("18")
    provider.get_by_role("group", name="Do people need a referral?").get_by_label("Yes").check()
    tick(provider, "How people can be referred", "Referral through the portal")
    provider.get_by_role("group", name="Is the service taking referrals?").get_by_label("Accepting referrals").check()
    provider.get_by_label("Town or city").fill("Leeds")
    provider.get_by_label("Postcode").fill("ZZ99 1AA")
    provider.get_by_role("group", name="Does the service cost anything?").get_by_label("No, it is free").check()
    press_button(provider, "Save and continue")
    summary = provider.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select at least one resettlement pathway")
    expect(summary).to_contain_text("We could not find the postcode area ZZ99")
    screenshot(provider, "listing-errors")

    # Fixed, the listing is saved as a draft and checked before it is sent.
    tick(provider, "Resettlement pathways", "Accommodation")
    provider.get_by_label("Postcode").fill("LS1 4AP")
    press_button(provider, "Save and continue")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Second Chances Supported Housing")
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("saved as a draft")
    expect(provider.locator("main .govuk-tag")).to_have_text("Draft")
    press_button(provider, "Send for approval")
    expect(provider.locator("main .govuk-tag")).to_have_text("Waiting for approval")
    screenshot(provider, "listing-sent")

    # An administrator signs in with two-factor, opens the queue and publishes the listing.
    admin = new_page()
    sign_in(admin, admin_user.email)
    admin.get_by_label("Code from your authenticator app").fill(totp_code(admin_user))
    press_button(admin, "Continue")
    follow_menu(admin, "Listings to check")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Listings waiting for approval")
    expect(admin.get_by_role("row", name=f"Second Chances Supported Housing {organisation}")).to_be_visible()
    follow_link(admin, "Second Chances Supported Housing")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Check ‘Second Chances Supported Housing’")
    expect(admin.get_by_role("row", name="Addresses Leeds, LS1 4AP")).to_be_visible()
    screenshot(admin, "listing-review")
    admin.get_by_role("radio", name="Approve and publish").check()
    press_button(admin, "Save decision")
    expect(admin.locator(".govuk-notification-banner")).to_contain_text(
        "‘Second Chances Supported Housing’ has been published")
    expect(admin.get_by_text("No listings are waiting.")).to_be_visible()

    # The provider is told, and sees the listing published.
    assert mailbox.last_to(owner.email).subject == "Your listing has been published"
    visit(provider, "/provider/listings")
    expect(provider.get_by_role("row", name="Second Chances Supported Housing")).to_contain_text("Published")

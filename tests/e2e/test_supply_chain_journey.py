"""A provider writes its Expression of Interest and sends it with evidence; an administrator reviews and publishes
it; a lead provider finds it, invites the provider into a supply chain, and the provider accepts. Every page
reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and must load nothing from another host."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import follow_link, follow_menu, press_button, visit
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Page, email: str) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press_button(page, "Sign in")


def tick(page: Page, group: str, *options: str) -> None:
    fieldset = page.get_by_role("group", name=group)
    for option in options:
        fieldset.get_by_label(option, exact=True).check()


def test_from_draft_to_published_to_an_accepted_invitation(new_page, mailbox, make, screenshot, tmp_path):
    owner = make.user(role="provider", name="Amina Okafor")
    admin_user = make.user(role="admin")
    lead_user = make.user(role="lead_provider", name="Lee Lambert")

    # The provider starts the expression of interest and saves part of it.
    provider = new_page()
    sign_in(provider, owner.email)
    follow_menu(provider, "Expression of interest")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Your expression of interest")
    follow_link(provider, "Start your expression of interest")
    provider.get_by_label("Organisation name").fill("Harbour Mentoring Trust")
    provider.get_by_label("Paid staff").fill("a dozen")
    press_button(provider, "Save")
    expect(provider.locator(".govuk-error-summary")).to_contain_text("Paid staff must be a whole number, like 12")
    provider.get_by_label("Paid staff").fill("12")
    press_button(provider, "Save")
    expect(provider.locator("#missing")).to_contain_text("Select your annual income")

    # Then finishes it.
    follow_link(provider, "Change your answers")
    provider.get_by_label("What your organisation does").fill("Peer mentoring for people leaving prison.")
    provider.get_by_label("Email address for lead providers").fill("partners@harbour.example.org")
    tick(provider, "Sector", "Voluntary and community sector")
    tick(provider, "Annual income", "£10,000 to £100,000")
    provider.get_by_label("Volunteers").fill("40")
    tick(provider, "Resettlement pathways", "Attitudes, thinking and behaviour")
    tick(provider, "Specialisms", "Mentoring", "Veterans")
    tick(provider, "Where you work with people", "Through the gate", "In the community")
    tick(provider, "Contract package areas", "Merseyside")
    provider.get_by_label("How many people you could work with in a year").fill("120")
    tick(provider, "Do you have a safeguarding policy?", "Yes")
    tick(provider, "Do you have a data protection policy?", "Yes")
    tick(provider, "Do you hold public and employer's liability insurance?", "Yes")
    tick(provider, "Appetite for payment-by-results risk", "A share of the payment-by-results risk")
    press_button(provider, "Save")
    expect(provider.locator("#missing")).to_have_count(0)

    # Evidence: the limits are on the page; a disguised file is refused, a real one kept.
    follow_link(provider, "Add a document")
    expect(provider.locator("#upload-limits")).to_contain_text("10 MB")
    fake = tmp_path / "policy.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    tick(provider, "What kind of document is it?", "Safeguarding policy")
    provider.get_by_label("Upload a file").set_input_files(str(fake))
    press_button(provider, "Upload")
    expect(provider.locator(".govuk-error-summary")).to_contain_text("The selected file is not a real PDF file")
    real = tmp_path / "Safeguarding policy.pdf"
    real.write_bytes(PDF)
    tick(provider, "What kind of document is it?", "Safeguarding policy")
    provider.get_by_label("Upload a file").set_input_files(str(real))
    press_button(provider, "Upload")
    expect(provider.locator("#documents")).to_contain_text("Safeguarding policy.pdf")
    press_button(provider, "Send for review")
    expect(provider.locator("#status")).to_contain_text("Sent for review")
    screenshot(provider, "eoi-sent")

    # An administrator reviews and publishes it.
    admin = new_page()
    sign_in(admin, admin_user.email)
    admin.get_by_label("Code from your authenticator app").fill(totp_code(admin_user))
    press_button(admin, "Continue")
    follow_menu(admin, "Expressions of interest")
    follow_link(admin, "Harbour Mentoring Trust")
    press_button(admin, "Start review")
    admin.get_by_role("radio", name="Publish it").check()
    press_button(admin, "Save decision")
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("has been published")
    follow_link(admin, "Supply chain coverage")
    expect(admin.get_by_role("row", name="Merseyside")).to_contain_text("1")
    screenshot(admin, "eoi-coverage")
    assert mailbox.last_to(owner.email).subject == "Your expression of interest has been published"

    # A lead provider finds it and invites the provider.
    lead = new_page()
    sign_in(lead, lead_user.email)
    follow_menu(lead, "Find partners")
    tick(lead, "Contract package area", "Merseyside (1)")
    press_button(lead, "Apply filters")
    expect(lead.locator("#results-count")).to_have_text("1 organisation found")
    follow_link(lead, "Harbour Mentoring Trust")
    expect(lead.locator("#approved")).to_contain_text("Approved on")
    follow_link(lead, "Invite into your supply chain")
    lead.get_by_label("Name of the contract").fill("Through the gate 2026")
    lead.get_by_label("Services the organisation would deliver").fill("Peer mentoring through the gate")
    lead.get_by_label("Share of the sub-contract's value paid by results").fill("20")
    press_button(lead, "Send invitation")
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("has been invited")

    # The provider accepts from the emailed link; the lead provider's supply chain shows the partner.
    visit(provider, mailbox.last_to(owner.email).link)
    expect(provider.get_by_role("heading", level=1)).to_have_text("Invitation to join a supply chain")
    provider.get_by_role("radio", name="Yes, accept the invitation").check()
    press_button(provider, "Send reply")
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("You have accepted")
    visit(lead, "/supply-chain")
    expect(lead.get_by_role("table", name="Merseyside")).to_contain_text("Peer mentoring through the gate")
    screenshot(lead, "supply-chain")

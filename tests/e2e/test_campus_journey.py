"""The Virtual Campus, end to end: prison staff open a session; the learner signs in at the kiosk with its code,
meets a missing page (still in the campus layout), works through a lesson and its quiz, builds a CV; a provider's
guide waits for an administrator's approval before the learner sees it; an employer's guaranteed interview waits
for staff to check it, then the learner finds it in the market place where they will be released and says they
are interested; staff approve the message; the employer reads it and replies; staff approve the reply; the learner
reads it and signs out. Every page is checked with axe-core and must load nothing from another host."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.accounts.roles import OrgKind, Role
from tests import factories
from tests.campus import helpers
from tests.e2e.browsing import click_and_wait, follow_link, follow_menu, press_button, visit
from tests.employers import factories as employers
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e


def sign_in(page: Page, user, mfa: bool = False) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press_button(page, "Sign in")
    if mfa:
        page.get_by_label("Code from your authenticator app").fill(totp_code(user))
        press_button(page, "Continue")


def approve_first_waiting(staff: Page) -> None:
    follow_menu(staff, "Virtual Campus")
    follow_link(staff, re.compile(r"Messages to check"))
    staff.get_by_role("table").get_by_role("link").first.click()
    staff.wait_for_load_state("load")
    from tests.e2e.browsing import check_page
    check_page(staff)
    staff.get_by_role("radio", name="Approve and deliver").check()
    press_button(staff, "Save decision")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("The message has been delivered")


def test_a_learner_works_in_a_session_and_writes_to_an_organisation_through_checked_messages(new_page, make):
    factories.empty_search_index()
    staff_user = helpers.prison_staff("LEI")
    helpers.learner(staff_user, name="Sam Carter", release_area="LS1", prison_number="A1234BC")
    item = helpers.content(title="Writing a CV that works")
    employer_org = factories.organisation(kind=OrgKind.EMPLOYER, name="Bright Kitchens Ltd")
    employer_user = factories.user(role=Role.EMPLOYER, organisation_=employer_org, name="Amina Okafor")
    provider_user = factories.user(role=Role.PROVIDER, name="Pat Provider")
    admin_user = factories.user(role=Role.ADMIN, name="Alex Admin")
    employers.opportunity(employer_org, title="Commis chef guaranteed interview", industry="hospitality",
                          postcodes=("LS1 4AP",), description="A guaranteed interview for people leaving prison "
                          "who have worked in a prison kitchen.")

    # Staff sign in with two-factor and open a 45-minute session for Sam.
    staff = new_page()
    sign_in(staff, staff_user, mfa=True)
    follow_menu(staff, "Virtual Campus")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Virtual Campus at HMP Leeds")
    follow_link(staff, "Learners and opening a session")
    follow_link(staff, "Sam Carter")
    staff.get_by_label("Session length in minutes").fill("45")
    press_button(staff, "Open a session")
    code = staff.locator(".app-kiosk-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)

    # Sam signs in at the kiosk with the code.
    kiosk = new_page()
    visit(kiosk, "/campus/sign-in")
    kiosk.get_by_label("Prison number").fill("A1234BC")
    kiosk.get_by_label("Code").fill(code)
    press_button(kiosk, "Sign in")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Carter")

    # A missing page: still the campus, with a way back to its home page.
    response = visit(kiosk, "/campus/learning/no-such-guide")
    assert response is not None and response.status == 404
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(kiosk).to_have_title("Page not found – Virtual Campus")
    expect(kiosk.locator(".govuk-service-navigation")).to_contain_text("Market place")  # the learner's own menu
    follow_link(kiosk, "Go to the campus home page")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Carter")

    # A lesson with its quiz.
    follow_menu(kiosk, "Learning")
    follow_link(kiosk, item.title)
    follow_link(kiosk, "Your personal statement")
    kiosk.get_by_role("radio", name="Your statement").check()
    press_button(kiosk, "Check my answers and finish the lesson")
    expect(kiosk.locator(".govuk-notification-banner")).to_contain_text("You got 1 out of 1")

    # The CV.
    follow_menu(kiosk, "Your CV")
    kiosk.get_by_label("Personal statement").fill("Reliable, calm under pressure and keen to work in catering.")
    kiosk.get_by_label("Skills").fill("Cooking for large numbers\nFood hygiene")
    press_button(kiosk, "Save my CV")
    follow_link(kiosk, "Add a job, work in prison, training or a qualification")
    kiosk.get_by_label("Work in prison").check()
    kiosk.get_by_label("Job title, course or qualification").fill("Kitchen orderly")
    press_button(kiosk, "Add to my CV")
    # (the banner does not repeat the entry's words: they would travel in the session cookie)
    expect(kiosk.locator(".govuk-notification-banner")).to_contain_text("The entry has been added to your CV")
    expect(kiosk.locator("main")).to_contain_text("Kitchen orderly")

    # A provider writes a guide: it waits for an administrator before Sam can see it.
    author = new_page()
    sign_in(author, provider_user)
    visit(author, "/campus/content")
    follow_link(author, "Write something new")
    author.get_by_label("Managing money and debt").check()
    author.get_by_label("Title").fill("Opening a bank account")
    press_button(author, "Save")
    follow_link(author, "Add a lesson")
    author.get_by_label("Lesson title").fill("What to take with you")
    author.get_by_label("Text (Markdown)").fill("Take your ID and a letter from the prison.")
    press_button(author, "Save lesson")
    press_button(author, "Send for review")
    expect(author.locator("#content-state")).to_have_text("Waiting for review")
    follow_menu(kiosk, "Learning")
    expect(kiosk.locator("main")).not_to_contain_text("Opening a bank account")
    reviewer = new_page()
    sign_in(reviewer, admin_user, mfa=True)
    visit(reviewer, "/campus/content")
    click_and_wait(reviewer, reviewer.locator("#to-review").get_by_role("link", name="Opening a bank account"))
    press_button(reviewer, "Approve for the campus")
    expect(reviewer.locator("#content-state")).to_have_text("Approved, not yet published")
    visit(author, author.url)
    press_button(author, "Publish")
    expect(author.locator("#content-state")).to_have_text("Published")
    follow_menu(kiosk, "Learning")
    expect(kiosk.locator("main")).to_contain_text("Opening a bank account")

    # The employer's guaranteed interview waits for staff to check it before Sam can see it.
    follow_menu(kiosk, "Market place")
    expect(kiosk.locator("main")).to_contain_text("There are no opportunities from employers in your area")
    follow_menu(staff, "Virtual Campus")
    follow_link(staff, "Employers' opportunities to check for the campus")
    follow_link(staff, "Commis chef guaranteed interview")
    staff.get_by_role("radio", name="Yes, show it to learners").check()
    press_button(staff, "Save decision")
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("Learners can now see this opportunity")

    # The market place: a guaranteed interview near where Sam will live, and an interest message.
    follow_menu(kiosk, "Market place")
    expect(kiosk.locator("#opportunities")).to_contain_text("Commis chef guaranteed interview")
    follow_link(kiosk, re.compile("I am interested: write to Bright Kitchens Ltd"))
    expect(kiosk.get_by_label("What is your message about?")).to_have_value(
        "Interested in Commis chef guaranteed interview")
    kiosk.get_by_label("Your message", exact=True).fill(
        "I am released in the spring and have worked in the prison kitchen for two years.")
    kiosk.get_by_label("Send my CV with this message").check()
    press_button(kiosk, "Send for checking")
    expect(kiosk.get_by_text("Waiting to be checked")).to_be_visible()

    # Staff approve it.
    approve_first_waiting(staff)

    # The employer reads it and replies.
    employer = new_page()
    sign_in(employer, employer_user)
    follow_menu(employer, "Campus messages")
    follow_link(employer, "Interested in Commis chef guaranteed interview")
    expect(employer.get_by_role("link", name="Download their CV (PDF)")).to_be_visible()
    employer.get_by_label("Your reply").fill("Thank you, Sam. We would be glad to interview you after release.")
    press_button(employer, "Send reply")
    expect(employer.get_by_role("table")).to_contain_text("Waiting to be checked")

    # Staff approve the reply, and Sam reads it.
    approve_first_waiting(staff)
    follow_menu(kiosk, "Messages")
    follow_link(kiosk, "Bright Kitchens Ltd")
    expect(kiosk.get_by_text("We would be glad to interview you after release.")).to_be_visible()

    # Sam signs out: the session ends and staff see no live session.
    follow_link(kiosk, "Sign out")
    press_button(kiosk, "Sign out")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Your session has ended")
    follow_menu(staff, "Virtual Campus")
    expect(staff.get_by_text("No sessions are open.")).to_be_visible()


def test_every_other_campus_page_has_no_accessibility_violations(new_page, make):
    """The pages the journey does not pass through, for staff, authors and learners, with and without errors."""
    staff_user = helpers.prison_staff("LEI")
    learner = helpers.learner(staff_user, name="Sam Carter", prison_number="A1234BC")
    org = helpers.organisation(kind=OrgKind.EMPLOYER, name="Bright Kitchens")  # with someone who reads its inbox
    sent = helpers.message(learner, org)
    offer_id = employers.opportunity(title="Kitchen porter", description="Call 07700 900 123").public_id
    item = helpers.content(published=False, title="Budgeting")
    admin = factories.user(role=Role.ADMIN)
    _, code = helpers.open_session(learner, staff=staff_user)
    learner_id, sent_id, org_id, item_id = learner.public_id, sent.public_id, org.public_id, item.public_id
    lesson_id = item.lessons[0].public_id
    factories.db.session.commit()  # end the test's read transaction: the server writes from here on

    staff = new_page()
    sign_in(staff, staff_user, mfa=True)
    for path in ("/campus/staff", "/campus/staff/learners", "/campus/staff/learners/new",
                 f"/campus/staff/learners/{learner_id}", f"/campus/staff/learners/{learner_id}/edit",
                 f"/campus/staff/learners/{learner_id}/transfer",
                 f"/campus/staff/learners/{learner_id}/release",
                 f"/campus/staff/learners/{learner_id}/messaging",
                 f"/campus/staff/learners/{learner_id}/block", "/campus/staff/messages",
                 f"/campus/staff/messages/{sent_id}", "/campus/opportunities", f"/campus/opportunities/{offer_id}"):
        visit(staff, path)
    visit(staff, "/campus/staff/learners/new")
    press_button(staff, "Save")  # with errors
    expect(staff.locator(".govuk-error-summary")).to_contain_text("Enter the learner's full name")
    visit(staff, f"/campus/opportunities/{offer_id}")
    staff.get_by_role("radio", name="Yes, show it to learners").check()
    press_button(staff, "Save decision")  # refused: a phone number
    expect(staff.locator(".govuk-error-summary")).to_contain_text("Remove the phone number from the description")

    author = new_page()
    sign_in(author, admin, mfa=True)
    for path in ("/campus/content", "/campus/content/new", f"/campus/content/{item_id}",
                 f"/campus/content/{item_id}/edit", f"/campus/content/{item_id}/lessons/new",
                 f"/campus/content/lessons/{lesson_id}/edit",
                 f"/campus/content/lessons/{lesson_id}/questions/new", "/campus/content/images"):
        visit(author, path)
    press_button(author, "Upload picture")  # with errors
    expect(author.locator(".govuk-error-summary")).to_be_visible()

    kiosk = new_page()
    visit(kiosk, "/campus/sign-in")
    press_button(kiosk, "Sign in")  # with errors
    expect(kiosk.locator(".govuk-error-summary")).to_contain_text("Enter your prison number")
    kiosk.get_by_label("Prison number").fill("A1234BC")
    kiosk.get_by_label("Code").fill(code)
    press_button(kiosk, "Sign in")
    for path in ("/campus/messages", "/campus/messages/contacts?q=Bright", f"/campus/messages/with/{org_id}",
                 "/campus/cv/entries/new", "/campus/market", "/campus/sign-out"):
        visit(kiosk, path)
    visit(kiosk, f"/campus/messages/with/{org_id}/write")
    kiosk.get_by_label("What is your message about?").fill("Jobs")
    kiosk.get_by_label("Your message", exact=True).fill("See www.example.org")
    press_button(kiosk, "Send for checking")  # refused: a link
    expect(kiosk.locator(".govuk-error-summary")).to_contain_text("Messages cannot contain links")
    visit(kiosk, "/campus/sign-out")
    press_button(kiosk, "Sign out")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text("Your session has ended")

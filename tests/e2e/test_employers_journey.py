"""An employer joins the Corporate Alliance at level 3 and posts a guaranteed interview; an offender manager finds
it and nominates someone with their consent; the employer offers an interview and records the hire. Every page
reached is checked with axe-core (WCAG 2.0-2.2 A and AA) and must load nothing from another host."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.database import utcnow
from tests.e2e.browsing import follow_link, follow_menu, press_button, visit
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e


def sign_in(page: Page, email: str) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press_button(page, "Sign in")


def fill_date(page: Page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_employer_posts_a_guaranteed_interview_and_hires_someone_a_practitioner_nominated(new_page, mailbox, make,
                                                                                              screenshot):
    owner = make.user(role="employer", name="Erin Evans")
    officer = make.user(role="offender_manager", name="Olu Okafor")
    today = utcnow().date()

    # The employer joins the Alliance at level 3 with a pledge.
    employer = new_page()
    sign_in(employer, owner.email)
    follow_menu(employer, "Your opportunities")
    follow_link(employer, "Join the Corporate Alliance")
    press_button(employer, "Send for verification")
    expect(employer.locator(".govuk-error-summary")).to_contain_text("Select the level your organisation is joining at")
    employer.get_by_label("Level 3: recruiting", exact=True).check()
    employer.get_by_label("What you will do", exact=True).select_option("recruit")
    employer.get_by_label("Describe the pledge", exact=True).fill("Twelve guaranteed interviews a year")
    press_button(employer, "Send for verification")
    expect(employer.locator(".govuk-notification-banner")).to_contain_text("has pledged to level 3")

    # It posts a guaranteed interview scheme linked to a training course.
    follow_menu(employer, "Your opportunities")
    follow_link(employer, "Post an opportunity")
    employer.get_by_label("Guaranteed interview", exact=True).check()
    employer.get_by_label("Title or role", exact=True).fill("Warehouse operative")
    employer.get_by_label("Description", exact=True).fill("Picking and packing in our Leeds depot.")
    employer.get_by_label("Sector", exact=True).select_option("logistics")
    employer.get_by_label("Postcodes of the places where it happens").fill("LS1 4AP")
    employer.get_by_label("Minimum requirements (needed for guaranteed interviews)").fill("Complete the course")
    employer.get_by_label("Linked training course (optional)").fill("Forklift counterbalance")
    employer.get_by_label("Who delivers the training (optional)").fill("Leeds College of Building")
    employer.get_by_label("Number of interviews or places (needed for guaranteed interviews)").fill("6")
    fill_date(employer, "Closing date (optional)", today + timedelta(days=60))
    employer.get_by_label("Your position on particular convictions (optional)").fill(
        "We consider every application on its merits.")
    press_button(employer, "Save and publish")
    expect(employer.get_by_role("heading", level=1)).to_have_text("Warehouse operative")
    screenshot(employer, "employers-opportunity")

    # An offender manager signs in with two-factor, finds it near a postcode and nominates someone.
    practitioner = new_page()
    sign_in(practitioner, officer.email)
    practitioner.get_by_label("Code from your authenticator app").fill(totp_code(officer))
    press_button(practitioner, "Continue")
    follow_menu(practitioner, "Find opportunities")
    practitioner.get_by_label("Search opportunities").fill("warehouse")
    practitioner.get_by_label("Near postcode").fill("LS2 7HY")
    press_button(practitioner, "Search")
    expect(practitioner.get_by_role("heading", name="1 opportunity within 25 miles, nearest first")).to_be_visible()
    follow_link(practitioner, "Warehouse operative")
    follow_link(practitioner, "Nominate someone")
    practitioner.get_by_label("Their reference", exact=True).fill("X123456")
    practitioner.get_by_label("First name", exact=True).fill("Jordan")
    practitioner.get_by_label("Skills", exact=True).fill("Forklift driving, stock control")
    practitioner.get_by_label("Availability", exact=True).fill("Weekdays from release")
    practitioner.get_by_label("Details to share if an interview is offered (optional)").fill("Surname Blake")
    practitioner.get_by_label("In person", exact=True).check()
    press_button(practitioner, "Send nomination")
    expect(practitioner.locator(".govuk-error-summary")).to_contain_text("Confirm the person has agreed")
    practitioner.get_by_label("The person has agreed to be nominated").check()
    press_button(practitioner, "Send nomination")
    expect(practitioner.locator(".govuk-notification-banner")).to_contain_text("Its reference is EMP-")
    reference = practitioner.get_by_role("heading", level=1).inner_text().removeprefix("Nomination ")

    # The employer is told by email (reference and link), sees only the consented details, and offers an interview.
    email = mailbox.last_to(owner.email)
    assert reference in email.subject and "Jordan" not in email.body
    visit(employer, email.link)
    expect(employer.get_by_role("heading", level=1)).to_have_text(f"Nomination {reference}")
    expect(employer.locator("main")).to_contain_text("Forklift driving, stock control")
    expect(employer.locator("main")).not_to_contain_text("X123456")
    expect(employer.locator("main")).not_to_contain_text("Surname Blake")
    follow_link(employer, "Offer an interview")
    fill_date(employer, "Date of the interview", today + timedelta(days=7))
    press_button(employer, "Save")
    expect(employer.locator("main")).to_contain_text("Surname Blake")

    # After the interview it records that it was held, offers the job, and records the start.
    for action, legend in (("Record that the interview was held", "Date the interview was held"),
                           ("Record a job offer", "Date the job was offered"),
                           ("Record that they started work", "Date they started")):
        follow_link(employer, action)
        fill_date(employer, legend, today)
        press_button(employer, "Save")
        expect(employer.locator(".govuk-notification-banner")).to_contain_text("has been recorded")
    screenshot(employer, "employers-nomination")
    expect(employer.locator("main .govuk-tag").first).to_have_text("Started work")

    # The practitioner sees the same progress; the employer's results show the hire.
    follow_menu(practitioner, "Nominations")
    expect(practitioner.get_by_role("row", name=f"{reference} Jordan")).to_contain_text("Started work")
    follow_menu(employer, "Your opportunities")
    follow_link(employer, "Your results")
    expect(employer.get_by_role("table").first).to_contain_text("1")
    screenshot(employer, "employers-dashboard")

"""The administrators' status page in a browser: the charts of scheduled runs and of the outbox are pictures with
an accessible name and description, their figures open as tables, and axe-core finds nothing, closed or open."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import outbox, scheduler
from portal.accounts.roles import Role
from portal.database import utcnow
from tests import factories
from tests.e2e.browsing import check_a11y, visit
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.e2e


def test_the_status_page_charts_are_accessible_and_their_figures_open_as_tables(new_page):
    now = utcnow()
    admin = factories.user(role=Role.ADMIN)
    for job, items in (("directory-remind", 40), ("funding-remind", 2)):
        factories.db.session.add(scheduler.ScheduledRun(job=job, slot=now, started_at=now, items=items,
                                                        finished_at=now))
    factories.db.session.add(outbox.OutboxMessage(topic="email", payload={}, created_at=now - timedelta(minutes=5),
                                                  available_at=now - timedelta(minutes=5), processed_at=now))
    factories.db.session.commit()

    page = new_page()
    visit(page, "/sign-in")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(admin))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    visit(page, "/admin/status")
    expect(page.get_by_role("img", name="Items handled by scheduled jobs, per day (last 14 days)")).to_be_visible()
    expect(page.get_by_role("img", name="Longest wait before delivery, per hour (last 24 hours, seconds)")
           ).to_be_visible()
    page.get_by_text("Runs per day: the figures as a table").click()
    page.get_by_text("Outbox per hour: the figures as a table").click()
    today = page.locator("#runs-by-day tbody tr").last
    expect(today).to_contain_text(f"{now.day} {now:%b}")
    expect(today.locator("td").nth(1)).to_have_text("42")
    check_a11y(page)  # with both tables open

"""Referral dashboards (tabs, counts, search, pagination, scoping) and the referral commands."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import Referral
from tests import factories
from tests.html import h1, page
from tests.mail import inbox


def tabs(response) -> dict[str, bool]:
    """Tab label -> whether it is the current one."""
    return {a.get_text(strip=True): a.get("aria-current") == "page" for a in page(response).select(".app-tab-links a")}


def references(response) -> list[str]:
    return [row.select_one("td a").get_text(strip=True) for row in page(response).select("#referrals tbody tr")]


def row_cells(response, reference: str) -> list[str]:
    for row in page(response).select("#referrals tbody tr"):
        if row.select_one("td a").get_text(strip=True) == reference:
            return [c.get_text(" ", strip=True) for c in row.select("td")]
    raise AssertionError(f"no row for {reference}")


@pytest.fixture
def officer(login_as):
    return login_as(Role.OFFENDER_MANAGER)


def test_an_offender_manager_sees_their_tabs_with_counts(client, officer):
    service = factories.referrable_service(name="Harbour House")
    draft = factories.referral(service=service, referrer=officer, state="draft")
    sent = factories.referral(service=service, referrer=officer, state="sent")
    factories.referral(service=service, referrer=officer, state="assigned")
    factories.referral(service=service, referrer=officer, state="completed")
    factories.referral(service=service, referrer=officer, state="declined")
    response = client.get("/referrals")
    assert h1(response) == "Referrals"
    assert tabs(response) == {"Drafts (1)": True, "Awaiting response (1)": False, "Open (1)": False,
                              "Completed (1)": False, "Cancelled (1)": False}
    assert references(response) == [draft.reference]
    assert row_cells(client.get("/referrals?tab=drafts"), draft.reference)[0] == draft.reference
    awaiting = client.get("/referrals?tab=awaiting")
    cells = row_cells(awaiting, sent.reference)
    assert cells[1:5] == ["Jordan Pemberton-Whitlock", f"Harbour House ({service.organisation.name})",
                          "Awaiting response", cells[4]]
    assert page(awaiting).select_one(f"a[href='/referrals/{sent.public_id}']")


def test_a_provider_manager_sees_their_tabs_and_the_overdue_flag(client, login_as):
    service = factories.referrable_service()
    sent = factories.referral(service=service, state="sent")
    sent.sent_at = utcnow() - timedelta(days=10)
    db.session.commit()
    assigned = factories.referral(service=service, state="assigned")
    factories.referral(service=service, state="draft")  # never shown to providers
    login_as(factories._provider_manager(service.organisation))
    response = client.get("/referrals")
    assert tabs(response) == {"New (1)": True, "My cases (0)": False, "All open (1)": False,
                              "Unassigned (0)": False, "Completed (0)": False, "Cancelled (0)": False}
    cells = row_cells(response, sent.reference)
    assert "No response after 5 working days" in cells[3]
    assert cells[2] == sent.created_by.name
    open_tab = client.get("/referrals?tab=open")
    assert references(open_tab) == [assigned.reference]
    assert row_cells(open_tab, assigned.reference)[5] == assigned.assigned_to.name


def test_a_caseworker_sees_only_their_cases_and_the_unassigned_queue(client, login_as):
    service = factories.referrable_service()
    worker = factories.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=OrgRole.CASEWORKER)
    mine = factories.referral(service=service, state="assigned", caseworker=worker)
    theirs = factories.referral(service=service, state="assigned")
    unassigned = factories.referral(service=service, state="accepted")
    login_as(worker)
    assert references(client.get("/referrals?tab=mine")) == [mine.reference]
    assert references(client.get("/referrals?tab=unassigned")) == [unassigned.reference]
    everything = set(references(client.get("/referrals?tab=open")))
    assert everything == {mine.reference, unassigned.reference}
    assert references(search(client, theirs.reference)) == []


def test_search_finds_by_reference_crn_or_name_within_what_the_user_may_see(client, officer):
    mine = factories.referral(referrer=officer, state="sent", crn="A111111", first_name="Morgan", last_name="Price")
    other = factories.user(role=Role.OFFENDER_MANAGER, probation_region="london")
    theirs = factories.referral(referrer=other, state="sent", crn="B222222", first_name="Morgan", last_name="Stone")
    for query in (mine.reference, "a111111", "morgan price", "Price"):
        assert references(search(client, query)) == [mine.reference], query
    for query in (theirs.reference, "B222222", "Stone"):
        response = search(client, query)
        assert references(response) == [] and "No referrals match your search." in page(response).get_text()
    assert references(search(client, "Morgan")) == [mine.reference]


def search(client, text):
    """The search box posts (a CRN or a name never goes in a URL nor in the session cookie) and shows the results
    at /referrals?search=<a random key for the words kept on the server>."""
    response = client.post("/referrals", data={"q": text})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.search(r"/referrals\?search=[A-Za-z0-9_-]{24}$", location), location
    return client.get(location)


def test_another_regions_referrals_never_appear_in_any_tab(client, officer):
    other = factories.user(role=Role.OFFENDER_MANAGER, probation_region="london")
    for state in ("draft", "sent", "accepted", "completed", "withdrawn"):
        factories.referral(referrer=other, state=state)
    for tab in ("drafts", "awaiting", "open", "completed", "cancelled"):
        response = client.get(f"/referrals?tab={tab}")
        assert references(response) == []
    assert set(tabs(client.get("/referrals"))) == {"Drafts (0)", "Awaiting response (0)", "Open (0)",
                                                     "Completed (0)", "Cancelled (0)"}


def test_the_dashboard_pages_through_long_lists(client, officer):
    service = factories.referrable_service()
    made = [factories.referral(service=service, referrer=officer, state="draft") for _ in range(27)]
    first = client.get("/referrals?tab=drafts")
    assert len(references(first)) == 25
    second = client.get("/referrals?tab=drafts&page=2")
    assert len(references(second)) == 2
    assert set(references(first)) | set(references(second)) == {r.reference for r in made}
    assert page(first).select_one(".govuk-pagination__next a")["href"] == "/referrals?tab=drafts&page=2"


def test_list_views_are_audited(client, officer):
    factories.referral(referrer=officer, state="draft")
    client.get("/referrals")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.list_viewed")) == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EMPLOYER, Role.PRISON_STAFF])
def test_other_roles_have_no_referral_dashboard(client, login_as, role):
    login_as(role)
    assert client.get("/referrals").status_code == 403
    nav = [a.get_text(strip=True) for a in page(client.get("/dashboard")).select(".govuk-service-navigation a")]
    assert "Referrals" not in nav


def test_the_navigation_and_dashboard_link_to_referrals(client, officer):
    home = client.get("/dashboard")
    assert "Referrals" in [a.get_text(strip=True) for a in page(home).select(".govuk-service-navigation a")]
    assert page(home).find("a", href="/referrals", string="Referrals")


# --- Commands ---

def test_remind_emails_providers_about_overdue_referrals_once(app, db):
    referral = factories.referral(state="sent")
    referral.sent_at = utcnow() - timedelta(days=10)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["referrals", "remind"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 1" in result.stdout
    assert "1 reminded" in result.output
    again = runner.invoke(args=["referrals", "remind"])
    assert "Reminders sent: 0" in again.stdout
    subjects = [m["Subject"] for m in inbox(operations.provider_inbox(referral)[0])]
    assert subjects.count(f"Referral {referral.reference} has had no response for 5 working days") == 1


def test_purge_drafts_deletes_old_drafts(app, db):
    old = factories.referral(state="draft")
    kept = factories.referral(state="draft")
    old.updated_at = utcnow() - timedelta(days=91)
    db.session.commit()
    old_id, kept_id = old.id, kept.id
    result = app.test_cli_runner().invoke(args=["referrals", "purge-drafts"])
    assert result.exit_code == 0, result.output
    assert "Drafts deleted: 1" in result.stdout
    db.session.expunge_all()
    assert db.session.get(Referral, old_id) is None and db.session.get(Referral, kept_id) is not None

"""Administrators approve or return listings, seeing each change as a difference from the published version;
anyone can report a problem with a published listing; owners are reminded to check their listings."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import outbox, search_index
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.directory.models import ListingState, ProblemReport, RevisionState, Service
from portal.extensions import db
from search import SearchQuery
from tests.factories import LISTING_ANSWERS as VALID
from tests.factories import sign_in
from tests.html import banner, error_summary, field_error, h1, page, title
from tests.mail import inbox


def found(text: str) -> list[str]:
    """Names of the services a search for `text` finds, once the outbox has updated the index."""
    outbox.relay_once(batch_size=1000)
    return [hit.document["name"] for hit in search_index.backend().search("services", SearchQuery(text=text)).hits]


def differences(response) -> dict[str, list[str]]:
    """The review page's table: field -> [before, after] (or [added] for a new listing)."""
    table = page(response).select_one("table.govuk-table")
    return {row.select_one("th").get_text(strip=True): [td.get_text(" ", strip=True) for td in row.select("td")]
            for row in table.select("tbody tr")}


def unique_name() -> str:
    """The search index outlives each test: a name no other test uses."""
    return f"Lantern {uuid.uuid4().hex[:8]} Housing"


@pytest.fixture
def admin(make):
    return make.user(role=Role.ADMIN)


def test_a_new_listing_is_sent_checked_approved_and_found_in_search(app, client, make, admin):
    name = unique_name()
    owner = make.user(role=Role.PROVIDER)
    sign_in(client, owner)
    created = client.post("/provider/listings/new", data={**VALID, "name": name})
    service = db.session.scalar(select(Service))
    client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version})
    assert found(name) == []  # not published yet

    sign_in(client, admin)
    queue = client.get("/admin/listings")
    assert h1(queue) == "Listings waiting for approval"
    assert [a.get_text(strip=True) for a in page(queue).select("tbody a")] == [name]
    review = client.get(page(queue).select_one("tbody a")["href"])
    assert h1(review) == f"Check ‘{name}’"
    added = differences(review)
    assert added["Name"] == [name] and added["Pathways"] == ["Accommodation"]
    assert added["Addresses"] == ["1 Harbour Street, Leeds, LS1 4AP"]
    assert [th.get_text(strip=True) for th in page(review).select("thead th")] == ["Field", "Added"]

    done = client.post(page(queue).select_one("tbody a")["href"], data={"decision": "approve"}, follow_redirects=True)
    assert f"‘{name}’ has been published" in banner(done)
    assert "No listings are waiting." in page(done).get_text()
    db.session.refresh(service)
    assert service.state == ListingState.PUBLISHED and service.name == name
    assert service.document == service.revisions[0].content
    assert [loc.outcode for loc in service.locations] == ["LS1"]
    assert found(name) == [name]
    assert inbox(owner.email)[-1]["Subject"] == "Your listing has been published"
    assert created.status_code == 302


def test_a_change_waits_for_approval_while_the_published_version_stays_live(client, make, admin):
    old, new = unique_name(), unique_name()
    service = make.listing(name=old)
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    assert found(old) == [old]
    sign_in(client, owner)
    client.post(f"/provider/listings/{service.uuid}/edit", data={
        **VALID, "name": new, "phone": "", "capacity": "full", "version": service.version})
    client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version})
    overview = client.get(f"/provider/listings/{service.uuid}")
    assert "Changes waiting for approval" in page(overview).get_text()
    db.session.refresh(service)
    assert service.name == old and service.capacity == "accepting"
    assert found(old) == [old] and new not in found(new)  # (relaxed, it finds the old name)

    sign_in(client, admin)
    review = client.get(f"/admin/listings/{service.pending_revision.uuid}")
    assert page(review).select_one(".govuk-caption-l").get_text(strip=True) == "Change to a published listing"
    assert [th.get_text(strip=True) for th in page(review).select("thead th")] == ["Field", "Before", "After"]
    assert differences(review) == {"Name": [old, new], "Phone": ["0113 496 0000", "Removed"],
                                   "Capacity": ["Accepting referrals", "Full"]}
    client.post(f"/admin/listings/{service.pending_revision.uuid}", data={"decision": "approve"})
    db.session.refresh(service)
    assert (service.name, service.capacity, service.pending_revision) == (new, "full", None)
    assert found(new) == [new] and old not in found(old)


def test_a_returned_listing_shows_the_provider_why(client, make, admin):
    service = make.listing(state="submitted")
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    revision = service.pending_revision
    sign_in(client, admin)
    no_reason = client.post(f"/admin/listings/{revision.uuid}", data={"decision": "return", "reason": "  "})
    assert no_reason.status_code == 400 and title(no_reason).startswith("Error: ")
    assert field_error(no_reason, "reason") == "Enter what the provider needs to change"
    assert client.post(f"/admin/listings/{revision.uuid}", data={}).status_code == 400
    assert error_summary(client.post(f"/admin/listings/{revision.uuid}", data={})) == [
        "Select whether to approve the listing or return it"]
    returned = client.post(f"/admin/listings/{revision.uuid}", follow_redirects=True, data={
        "decision": "return", "reason": "Add the days the service is open."})
    assert "has been returned to the provider" in banner(returned)
    again = client.post(f"/admin/listings/{revision.uuid}", data={"decision": "approve"})
    assert again.status_code == 400 and "already been decided" in error_summary(again)[0]

    email = inbox(owner.email)[-1]
    assert email["Subject"] == "Your listing needs changes"
    assert "Add the days the service is open." in email.get_content()
    sign_in(client, owner)
    listings = client.get("/provider/listings")
    assert "Returned because: Add the days the service is open." in page(listings).get_text(" ", strip=True)
    overview = client.get(f"/provider/listings/{service.uuid}")
    assert "Add the days the service is open." in page(overview).select_one(".govuk-inset-text").get_text()
    unchanged = client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version},
                            follow_redirects=True)
    assert "Change the listing as the administrator asked" in banner(unchanged)

    # The provider changes it and sends it again: the returned revision stays in the change log as decided.
    client.post(f"/provider/listings/{service.uuid}/edit", data={**VALID, "version": service.version})
    db.session.refresh(service)
    client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version})
    db.session.refresh(service)
    assert [r.state for r in service.revisions] == [RevisionState.RETURNED, RevisionState.SUBMITTED]
    assert service.revisions[0].decision_reason == "Add the days the service is open."


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER, Role.OFFENDER_MANAGER,
                                  Role.PRISON_STAFF])
def test_only_administrators_review_listings(client, make, login_as, role):
    service = make.listing(state="submitted")
    login_as(make.user(role=role, organisation_=service.organisation) if role == Role.PROVIDER else role)
    assert client.get("/admin/listings").status_code == 403
    revision = service.pending_revision
    assert client.post(f"/admin/listings/{revision.uuid}", data={"decision": "approve"}).status_code == 403
    db.session.refresh(service)
    assert service.state == ListingState.DRAFT


def test_administrators_can_look_at_a_listing_but_not_change_it(client, make, admin):
    service = make.listing(state="submitted")
    sign_in(client, admin)
    overview = client.get(f"/provider/listings/{service.uuid}")
    assert overview.status_code == 200
    assert page(overview).find("a", string="Check the change waiting for approval")
    assert client.get(f"/provider/listings/{service.uuid}/edit").status_code == 404
    assert client.get("/provider/listings").status_code == 403


# --- Problem reports ---

def test_anyone_can_report_a_problem_and_the_owner_and_administrators_are_told(app, db, make, admin):
    service = make.listing()
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    visitor = app.test_client()
    form = visitor.get(f"/services/{service.uuid}/report-a-problem")
    assert h1(form) == "Report a problem with this listing"
    sent = visitor.post(f"/services/{service.uuid}/report-a-problem",
                        data={"message": "The phone number no longer works.", "email": "Sam@Example.org"})
    assert sent.status_code == 302
    assert h1(visitor.get(sent.headers["Location"])) == "Problem reported"
    report = db.session.scalar(select(ProblemReport))
    assert (report.message, report.reporter_email) == ("The phone number no longer works.", "sam@example.org")
    for person in (owner, admin):
        [email] = inbox(person.email)
        assert email["Subject"] == "Someone reported a problem with a listing"
        body = email.get_content()
        assert f"/provider/listings/{service.uuid}" in body and "phone number" not in body  # a link, not the details

    # The owner follows the link and reads the report.
    sign_in(visitor, owner)
    overview = visitor.get(re.search(r"https?://\S+", inbox(owner.email)[0].get_content())[0].split("portal.test")[1])
    assert "The phone number no longer works." in page(overview).get_text()


@pytest.mark.parametrize("field, value, message", [
    ("message", "", "Enter what is wrong with this listing"),
    ("message", "x" * 2001, "What is wrong must be 2,000 characters or fewer"),
    ("email", "sam@", "Enter an email address in the correct format, like name@example.com"),
    ("email", "sam@example.org\r\nBcc: x@example.org", "Your email address (optional) must be on one line, "
                                                       "without special characters"),
])
def test_a_bad_problem_report_names_the_field_and_sends_nothing(client, make, field, value, message):
    service = make.listing()
    response = client.post(f"/services/{service.uuid}/report-a-problem",
                           data={"message": "Closed.", "email": "", field: value})
    assert response.status_code == 400 and title(response).startswith("Error: ")
    assert field_error(response, field) == message
    assert db.session.scalar(select(func.count()).select_from(ProblemReport)) == 0


def test_only_published_listings_take_problem_reports(client, make):
    draft = make.listing(state="draft")
    assert client.get(f"/services/{draft.uuid}/report-a-problem").status_code == 404
    assert client.post(f"/services/{draft.uuid}/report-a-problem", data={"message": "x"}).status_code == 404
    assert client.get(f"/services/{uuid.uuid4()}/report-a-problem").status_code == 404


def test_problem_reports_are_limited_per_address(client, make):
    service = make.listing()
    statuses = [client.post(f"/services/{service.uuid}/report-a-problem", data={"message": f"Problem {n}"}
                            ).status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert db.session.scalar(select(func.count()).select_from(ProblemReport)) == 10


# --- Reminders and freshness ---

def test_owners_are_reminded_at_5_and_6_months_once_each_and_stale_listings_fade_from_search(app, db, make):
    name = unique_name()
    service = make.listing(name=name)
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    runner = app.test_cli_runner()

    def remind_after(days: int) -> list[str]:
        service.last_checked_at = utcnow() - timedelta(days=days)
        db.session.commit()
        result = runner.invoke(args=["directory", "remind"])
        assert result.exit_code == 0, result.output
        return [m["Subject"] for m in inbox(owner.email)]

    assert remind_after(140) == []
    assert remind_after(153) == ["Check your listing is still right"]
    assert remind_after(160) == ["Check your listing is still right"]  # not twice
    assert len(remind_after(184)) == 2
    assert len(remind_after(190)) == 2
    bodies = sorted(m.get_content() for m in inbox(owner.email))
    assert ["for 5 months" in bodies[0], "for 6 months" in bodies[1]] == [True, True]
    assert f"/provider/listings/{service.uuid}" in bodies[0]

    assert found(name) == [name]
    remind_after(370)
    db.session.refresh(service)
    assert service.freshness == "unverified"
    [hit] = search_index.backend().search("services", SearchQuery(text=name)).hits
    assert hit.document["verified"] is False
    remind_after(460)
    db.session.refresh(service)
    assert service.freshness == "hidden" and found(name) == []
    assert service.state == ListingState.PUBLISHED  # hidden from search, still the provider's to confirm


def test_reminders_sent_from_the_command_line_link_to_the_public_address(app, db, make):
    """A scheduled command has no web request (and production sets no SERVER_NAME): its emailed links are
    built on BASE_URL."""
    service = make.listing()
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    service.last_checked_at = utcnow() - timedelta(days=153)
    db.session.commit()
    saved = app.config["SERVER_NAME"], app.config["BASE_URL"]
    app.config.update(SERVER_NAME=None, BASE_URL="https://resettlement.example.gov.uk")
    try:
        result = app.test_cli_runner().invoke(args=["directory", "remind"])
    finally:
        app.config.update(SERVER_NAME=saved[0], BASE_URL=saved[1])
    assert result.exit_code == 0, result.output
    [email] = inbox(owner.email)
    assert f"https://resettlement.example.gov.uk/provider/listings/{service.uuid}" in email.get_content()

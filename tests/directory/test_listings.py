"""Provider staff write their organisation's listings: the form, drafts, stale edits, confirming a listing is still
right, and who may do any of it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, OrgStatus, Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.directory import hsds, operations
from portal.directory.models import ListingState, Revision, RevisionState, Service
from portal.extensions import db
from tests.factories import LISTING_ANSWERS as VALID
from tests.html import banner, error_summary, field_error, h1, page, title


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def status_of(response, name: str) -> str:
    """The Status cell of a listing's row on "Your organisation's listings"."""
    for row in page(response).select("tbody tr"):
        if row.find("a").get_text(strip=True) == name:
            return row.select("td")[1].get_text(" ", strip=True)
    raise AssertionError(f"no listing called {name!r}")


def summary(response) -> dict[str, str]:
    rows = page(response).select(".govuk-summary-list__row")
    return {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True) for row in rows}


@pytest.fixture
def provider(make, login_as):
    return login_as(Role.PROVIDER)


def test_a_provider_creates_a_listing_as_a_draft_that_nobody_else_sees_yet(client, provider):
    listings = client.get("/provider/listings")
    assert h1(listings) == "Your organisation's listings"
    assert "Your organisation has no listings yet." in page(listings).get_text()

    form = client.get("/provider/listings/new")
    assert h1(form) == "Create a listing"
    response = client.post("/provider/listings/new", data=VALID)
    assert response.status_code == 302
    overview = client.get(response.headers["Location"])
    assert h1(overview) == "Harbour House Supported Housing"
    assert "saved as a draft" in banner(overview)
    details = summary(overview)
    assert details["Pathways"] == "Accommodation"
    assert details["Addresses"] == "1 Harbour Street, Leeds, LS1 4AP"
    assert details["Website"] == "https://www.harbour-house.example.org"
    assert page(overview).find("button", string=lambda s: s and "Send for approval" in s)

    service = db.session.scalar(select(Service))
    assert service.state == ListingState.DRAFT and service.document is None
    assert service.organisation_id == provider.organisation.id
    revision = service.pending_revision
    assert revision.state == RevisionState.DRAFT and hsds.problems(revision.content) == []
    assert status_of(client.get("/provider/listings"), "Harbour House Supported Housing") == "Draft"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == service.uuid)) == "listing.saved"


def test_the_document_carries_every_answer_as_hsds(client, provider):
    client.post("/provider/listings/new", data={
        **VALID, "gender": "women-only", "pathways": ["accommodation", "women-abuse-violence"],
        "eligibility": ["young-adults", "accepts-arson"], "referral_needed": "no",
        "access_routes": ["self-referral", "portal-referral"], "capacity": "waiting-list",
        "delivery_modes": ["in-person", "phone"], "minimum_age": "18", "maximum_age": "25",
        "cost": "charge", "cost_description": "£10 a week service charge", "languages": "English, Welsh, english",
        "opening_days": ["MO", "WE"], "opens_at": "9.30", "closes_at": "16:00", "postcode": "cf10 1ep"})
    document = db.session.scalar(select(Service)).pending_revision.content
    terms = hsds.terms(document)
    assert ("eligibility", "women-only") in terms and ("eligibility", "no-referral-needed") in terms
    assert ("resettlement-pathway", "women-abuse-violence") in terms
    assert ("capacity-status", "waiting-list") in terms and ("region", "wales") in terms
    assert (document["minimum_age"], document["maximum_age"]) == (18, 25)
    assert document["fees_description"] == "£10 a week service charge"
    assert [lang["name"] for lang in document["languages"]] == ["English", "Welsh"]
    assert document["schedules"][0] | {"byday": "MO,WE", "opens_at": "09:30", "closes_at": "16:00"} \
        == document["schedules"][0]
    location = document["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "CF10 1EP"
    assert (round(location["latitude"], 1), round(location["longitude"], 1)) == (51.5, -3.2)  # Cardiff's centre


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Enter the name of the service"),
    ("name", "x" * 256, "Name of the service must be 255 characters or fewer"),
    ("name", "Harbour\r\nHouse", "Name of the service must be on one line, without special characters"),
    ("description", "", "Enter a description of the service"),
    ("application_process", "", "Enter how people can use the service or be referred to it"),
    ("website", "not a website", "Enter a website address in the correct format, like www.example.org"),
    ("email", "referrals@", "Enter an email address in the correct format, like name@example.com"),
    ("phone", "call us", "Enter a telephone number, like 01632 960 001 or +44 808 157 0192"),
    ("pathways", [], "Select at least one resettlement pathway"),
    ("pathways", ["accommodation", "women-sex-work"],
     "The women's pathways can only be chosen for a service for women only"),
    ("stages", [], "Select when the service works with people"),
    ("gender", "", "Select who the service is for"),
    ("minimum_age", "eighteen", "Minimum age must be a whole number, like 18"),
    ("maximum_age", "16", "Maximum age must be the same as or more than the minimum age"),
    ("referral_needed", "", "Select whether people need a referral"),
    ("access_routes", [], "Select at least one way people can be referred"),
    ("capacity", "", "Select whether the service is taking referrals"),
    ("delivery_modes", [], "Select how the service is delivered"),
    ("town", "", "Enter the town or city"),
    ("postcode", "", "Enter the postcode"),
    ("postcode", "not a postcode", "Enter a real postcode, like LS1 4AP, or the first part of one, like LS1"),
    ("postcode", "EH1 1YZ", "Enter a postcode in England or Wales"),
    ("opens_at", "25:00", "Enter the time the service opens in the 24-hour clock, like 09:00"),
    ("opens_at", "", "Enter the time the service opens, like 09:00"),
    ("closes_at", "08:00", "The closing time must be after the opening time"),
    ("opening_days", [], "Select the days the service is open"),
    ("cost", "", "Select whether the service costs anything"),
    ("cost_description", "", "Describe what the service costs"),
])
def test_bad_answers_name_the_field_and_save_nothing(client, provider, field, value, message):
    also = {"cost_description": {"cost": "charge"}}.get(field, {})  # asked only when the service charges
    response = client.post("/provider/listings/new", data={**VALID, **also, field: value})
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    assert message in error_summary(response)
    assert field_error(response, field) == message
    assert count(Service) == 0 and count(Revision) == 0
    if field != "name":  # what the person typed is kept
        assert page(response).find(id="name")["value"] == VALID["name"]


def test_an_unknown_postcode_district_is_refused_kindly(client, provider):
    response = client.post("/provider/listings/new", data={**VALID, "postcode": "ZZ99 9ZZ"})
    assert response.status_code == 400
    assert field_error(response, "postcode") == \
        "We could not find the postcode area ZZ99. Check it, or try a nearby one"
    assert count(Service) == 0


def test_editing_keeps_every_id_and_what_the_form_does_not_show(client, make, provider):
    service = make.listing(provider.organisation, state="draft")
    before = {**service.pending_revision.content,  # as an imported listing might have it
              "contacts": [{"id": "6f1f5a8e-7d4b-4a51-9a36-3c8c4f9b2e10", "name": "Duty desk"}]}
    service.pending_revision.content = before
    db.session.commit()
    form = client.get(f"/provider/listings/{service.uuid}/edit")
    assert page(form).find(id="name")["value"] == VALID["name"]
    assert page(form).find(id="postcode")["value"] == "LS1 4AP"
    assert page(form).find("input", {"name": "pathways", "value": "accommodation"}).has_attr("checked")
    response = client.post(f"/provider/listings/{service.uuid}/edit", data={
        **VALID, "name": "Harbour House", "version": service.version})
    assert response.status_code == 302
    db.session.refresh(service)
    after = service.pending_revision.content
    assert after["name"] == "Harbour House" and after["id"] == before["id"]
    assert after["contacts"] == before["contacts"]
    for key in ("phones", "schedules", "service_areas", "service_at_locations", "cost_options", "languages",
                "attributes"):
        assert [item["id"] for item in after[key]] == [item["id"] for item in before[key]], key
    assert count(Revision) == 1  # the same draft, changed


def test_a_stale_edit_is_refused_with_a_409_and_nothing_is_lost(client, make, provider):
    service = make.listing(provider.organisation, state="draft")
    seen = service.version
    first = client.post(f"/provider/listings/{service.uuid}/edit", data={**VALID, "name": "First", "version": seen})
    assert first.status_code == 302
    second = client.post(f"/provider/listings/{service.uuid}/edit", data={**VALID, "name": "Second", "version": seen})
    assert second.status_code == 409
    assert h1(second) == "Someone else changed this"
    db.session.refresh(service)
    assert service.pending_revision.content["name"] == "First"
    stale_send = client.post(f"/provider/listings/{service.uuid}/submit", data={"version": seen})
    assert stale_send.status_code == 409
    assert service.pending_revision.state == RevisionState.DRAFT


def test_sending_for_approval_tells_the_administrators(client, make, provider):
    from tests.mail import inbox

    admin = make.user(role=Role.ADMIN)
    service = make.listing(provider.organisation, state="draft")
    response = client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version},
                           follow_redirects=True)
    assert "sent for approval" in banner(response)
    assert "Waiting for approval" in page(response).get_text()
    assert not page(response).find("button", string=lambda s: s and "Send for approval" in s)
    db.session.refresh(service)
    assert service.pending_revision.state == RevisionState.SUBMITTED
    [email] = inbox(admin.email)
    assert email["Subject"] == "A listing is waiting for approval"
    assert f"/admin/listings/{service.pending_revision.uuid}" in email.get_content()
    again = client.post(f"/provider/listings/{service.uuid}/submit", data={"version": service.version},
                        follow_redirects=True)
    assert "There are no changes to send for approval" in banner(again)


def test_the_list_shows_each_listings_state_and_when_it_was_last_checked(client, make, provider):
    org = provider.organisation
    make.listing(org, name="Draft Service", state="draft")
    make.listing(org, name="Waiting Service", state="submitted")
    fresh = make.listing(org, name="Fresh Service")
    stale = make.listing(org, name="Stale Service")
    stale.last_checked_at = utcnow() - timedelta(days=160)
    changing = make.listing(org, name="Changing Service")
    operations.save_draft(org, provider, {**changing.document, "name": "Changing Service"}, changing)
    make.listing(name="Someone Else's Service")  # another organisation's
    db.session.commit()

    response = client.get("/provider/listings")
    names = [a.get_text(strip=True) for a in page(response).select("tbody a")]
    assert names == ["Changing Service", "Draft Service", "Fresh Service", "Stale Service", "Waiting Service"]
    assert status_of(response, "Draft Service") == "Draft"
    assert status_of(response, "Waiting Service") == "Waiting for approval"
    assert status_of(response, "Fresh Service") == "Published"
    assert status_of(response, "Stale Service") == "Published Needs checking"
    assert status_of(response, "Changing Service") == "Published Changes not sent yet"
    cells = {row.find("a").get_text(strip=True): row.select("td")[2].get_text(strip=True)
             for row in page(response).select("tbody tr")}
    assert cells["Draft Service"] == "Not published yet"
    assert cells["Fresh Service"].startswith(f"{fresh.last_checked_at.day} ")
    stale_page = client.get(f"/provider/listings/{stale.uuid}")
    assert "last checked more than 5 months ago" in page(stale_page).select_one(".govuk-warning-text").get_text()


def test_confirming_a_listing_is_still_right_resets_its_last_checked_date(client, make, provider):
    service = make.listing(provider.organisation)
    service.last_checked_at = utcnow() - timedelta(days=200)
    service.reminders_sent = 2
    db.session.commit()
    response = client.post(f"/provider/listings/{service.uuid}/confirm", follow_redirects=True)
    assert "Thank you for confirming this listing is still right" in banner(response)
    assert not page(response).select_one(".govuk-warning-text")
    db.session.refresh(service)
    assert utcnow() - service.last_checked_at < timedelta(minutes=1)
    assert (service.reminders_sent, service.last_checked_by_id) == (0, provider.id)
    draft = make.listing(provider.organisation, state="draft")
    refused = client.post(f"/provider/listings/{draft.uuid}/confirm", follow_redirects=True)
    assert "Only published listings can be confirmed" in banner(refused)


@pytest.mark.parametrize("org_role, can_edit", [(OrgRole.MANAGER, True), (OrgRole.CASEWORKER, True),
                                                (OrgRole.FINANCE, False)])
def test_colleagues_edit_by_their_role_and_finance_staff_only_look(client, make, login_as, org_role, can_edit):
    service = make.listing()
    login_as(make.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=org_role))
    assert client.get("/provider/listings").status_code == 200
    overview = client.get(f"/provider/listings/{service.uuid}")
    assert overview.status_code == 200
    assert bool(page(overview).find("a", string="Change this listing")) is can_edit
    assert client.get(f"/provider/listings/{service.uuid}/edit").status_code == (200 if can_edit else 404)
    assert client.get("/provider/listings/new").status_code == (200 if can_edit else 403)


def test_staff_of_an_organisation_still_waiting_for_approval_have_no_listings_yet(client, make, login_as):
    owner = login_as(Role.LEAD_PROVIDER)
    owner.organisation.status = OrgStatus.PENDING
    db.session.commit()
    assert client.get("/provider/listings").status_code == 403
    assert client.post("/provider/listings/new", data=VALID).status_code == 403
    assert count(Service) == 0


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.EMPLOYER, Role.OFFENDER_MANAGER, Role.PRISON_STAFF])
def test_nobody_outside_the_organisation_can_change_its_listings(client, make, login_as, role):
    service = make.listing()
    login_as(role)
    for path in (f"/provider/listings/{service.uuid}", f"/provider/listings/{service.uuid}/edit"):
        assert client.get(path).status_code == 404
    for action in ("edit", "submit", "confirm"):
        assert client.post(f"/provider/listings/{service.uuid}/{action}", data=VALID).status_code == 404
    db.session.refresh(service)
    assert service.pending_revision is None and service.name == VALID["name"]


def test_signed_out_visitors_are_asked_to_sign_in(client, make):
    service = make.listing()
    for path in ("/provider/listings", "/provider/listings/new", f"/provider/listings/{service.uuid}/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]

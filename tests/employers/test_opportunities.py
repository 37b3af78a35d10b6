"""Posting and changing opportunities, and finding them by text, type, sector, location, distance and area."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.database import utcnow
from portal.employers import operations
from portal.employers.models import Opportunity
from portal.errors import DomainError
from tests.html import field_error, h1, page

NEXT_MONTH = utcnow().date() + timedelta(days=30)
POST = {"kind": "guaranteed-interview", "title": "Warehouse operative", "description": "Picking and packing.",
        "industry": "logistics", "postcodes": "LS1 4AP\nBD1 1AA", "minimum_requirements": "Complete the course",
        "training_course": "Forklift counterbalance", "training_provider": "Leeds College of Building",
        "places": "6", "closing_date-day": str(NEXT_MONTH.day), "closing_date-month": str(NEXT_MONTH.month),
        "closing_date-year": str(NEXT_MONTH.year), "conviction_position": "We cannot accept recent theft offences.",
        "prisons": ["LEI", "DNI"], "contract_package_areas": ["west-yorkshire"]}


def titles(found) -> list[str]:
    return [item.opportunity.title for item in found.items]


def test_an_alliance_employer_posts_a_guaranteed_interview_scheme(client, login_as, alliance, db):
    owner = login_as(alliance.employer())
    response = client.post("/employer/opportunities/new", data=POST)
    assert response.status_code == 302
    opportunity = db.session.scalar(select(Opportunity))
    assert opportunity.organisation_id == owner.organisation.id
    assert [loc.town for loc in opportunity.locations] == ["Leeds", "Bradford"]
    assert {p.code for p in opportunity.prisons} == {"LEI", "DNI"}
    assert opportunity.closing_date == NEXT_MONTH and opportunity.places == 6
    shown = page(client.get(response.headers["Location"])).get_text(" ", strip=True)
    assert "Forklift counterbalance, delivered by Leeds College of Building" in shown
    assert "We cannot accept recent theft offences." in shown


def test_bad_input_names_each_field_and_nothing_is_posted(client, login_as, alliance, db):
    login_as(alliance.employer())
    response = client.post("/employer/opportunities/new", data={**POST, "title": "", "postcodes": "ZZ99 9ZZ",
                                                                  "closing_date-month": "13", "places": "six"})
    assert response.status_code == 400
    assert field_error(response, "title") == "Enter the title or role"
    assert field_error(response, "closing_date") == "Closing date (optional) must be a real date, like 27 3 2027"
    assert field_error(response, "places").startswith("Number of interviews or places must be a whole number")
    response = client.post("/employer/opportunities/new", data={**POST, "postcodes": "ZZ99 9ZZ"})
    assert response.status_code == 400
    assert "We could not find the postcode area ZZ99" in field_error(response, "postcodes")
    response = client.post("/employer/opportunities/new", data={**POST, "minimum_requirements": ""})
    assert field_error(response, "minimum_requirements").startswith("Enter the minimum requirements")
    past = utcnow().date() - timedelta(days=1)
    response = client.post("/employer/opportunities/new", data={
        **POST, "closing_date-day": str(past.day), "closing_date-month": str(past.month),
        "closing_date-year": str(past.year)})
    assert field_error(response, "closing_date") == "The closing date must be today or in the future"
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_an_employer_must_join_before_posting(client, login_as, db):
    login_as(Role.EMPLOYER)
    response = client.get("/employer/opportunities/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/employer/alliance")


def test_a_stale_change_is_a_409_and_changes_nothing(client, login_as, alliance, db):
    owner = login_as(alliance.employer())
    opportunity = alliance.opportunity(owner.organisation)
    version = opportunity.version
    response = client.post(f"/employer/opportunities/{opportunity.public_id}/edit",
                           data={**POST, "title": "Picker", "version": version})
    assert response.status_code == 302
    response = client.post(f"/employer/opportunities/{opportunity.public_id}/edit",
                           data={**POST, "title": "Packer", "version": version})
    assert response.status_code == 409 and h1(response) == "Someone else changed this"
    db.session.refresh(opportunity)
    assert opportunity.title == "Picker"


def test_a_closed_opportunity_cannot_be_found_but_its_employer_still_sees_it(client, login_as, alliance, make, db):
    owner = alliance.employer()
    opportunity = alliance.opportunity(owner.organisation)
    login_as(owner)
    client.post(f"/employer/opportunities/{opportunity.public_id}/close", data={"version": opportunity.version})
    assert client.get(f"/opportunities/{opportunity.public_id}").status_code == 200
    client.post("/sign-out")
    login_as(Role.OFFENDER_MANAGER)
    assert client.get(f"/opportunities/{opportunity.public_id}").status_code == 404
    assert client.get(f"/opportunities/{opportunity.public_id}/nominate").status_code == 404
    assert titles(operations.find_opportunities(operations.OpportunityFilters())) == []


def test_finding_by_text_type_sector_and_location(alliance, db):
    org = alliance.employer().organisation
    alliance.opportunity(org, title="Warehouse operative", industry="logistics")
    alliance.opportunity(org, title="Commis chef", kind="work-placement", industry="hospitality",
                         description="A paid kitchen placement", postcodes=("M1 1AE",), paid=True, rotl=True)
    alliance.opportunity(org, title="Bricklaying course", kind="training", industry="construction",
                         postcodes=("NE1 4ST",))
    alliance.opportunity(org, title="Old scheme", closing_days=-1)  # past its closing date
    parse = operations.OpportunityFilters.parse
    assert sorted(titles(operations.find_opportunities(parse()))) == [
        "Bricklaying course", "Commis chef", "Warehouse operative"]
    assert titles(operations.find_opportunities(parse(text="kitchen"))) == ["Commis chef"]
    assert titles(operations.find_opportunities(parse(text="ware oper"))) == ["Warehouse operative"]
    assert titles(operations.find_opportunities(parse(text="100%_"))) == []
    assert titles(operations.find_opportunities(parse(kinds=["training"]))) == ["Bricklaying course"]
    assert titles(operations.find_opportunities(parse(industries=["hospitality"]))) == ["Commis chef"]
    assert titles(operations.find_opportunities(parse(location="manchester"))) == ["Commis chef"]
    assert titles(operations.find_opportunities(parse(location="NE1"))) == ["Bricklaying course"]
    with pytest.raises(DomainError) as refused:
        parse(kinds=["job"])
    assert refused.value.field == "type"


def test_finding_by_distance_from_a_postcode_nearest_first(alliance, db):
    org = alliance.employer().organisation
    alliance.opportunity(org, title="Leeds", postcodes=("LS1 4AP",))
    alliance.opportunity(org, title="Bradford", postcodes=("BD1 1AA",))
    alliance.opportunity(org, title="Newcastle", postcodes=("NE1 4ST",))
    alliance.opportunity(org, title="Two places", postcodes=("NE1 4ST", "LS2 7HY"))
    found = operations.find_opportunities(operations.OpportunityFilters.parse(postcode="LS1 5AA", miles=25))
    assert titles(found)[0] == "Leeds" and set(titles(found)) == {"Leeds", "Bradford", "Two places"}
    assert found.items[0].miles < 1 and found.items[-1].miles < 25
    near_newcastle = operations.find_opportunities(operations.OpportunityFilters.parse(postcode="NE1", miles=5))
    assert set(titles(near_newcastle)) == {"Newcastle", "Two places"}
    with pytest.raises(DomainError) as refused:
        operations.OpportunityFilters.parse(postcode="not a postcode")
    assert refused.value.field == "postcode"


def test_finding_by_area_region_contract_package_area_and_prison(alliance, db):
    org = alliance.employer().organisation
    alliance.opportunity(org, title="Leeds, any prison", postcodes=("LS1 4AP",))
    alliance.opportunity(org, title="Newcastle, HMP Durham only", postcodes=("NE1 4ST",), prison_codes=("DMI",))
    alliance.opportunity(org, title="London, open to West Yorkshire", postcodes=("SE1 7PB",),
                         cpa_slugs=("west-yorkshire",), prison_codes=("BXI",))
    parse = operations.OpportunityFilters.parse
    assert sorted(titles(operations.find_opportunities(parse(region="yorkshire-humber")))) == [
        "Leeds, any prison", "London, open to West Yorkshire"]
    assert sorted(titles(operations.find_opportunities(parse(cpa="west-yorkshire")))) == [
        "Leeds, any prison", "London, open to West Yorkshire"]
    assert titles(operations.find_opportunities(parse(cpa="northumbria"))) == ["Newcastle, HMP Durham only"]
    assert sorted(titles(operations.find_opportunities(parse(prison="DMI")))) == [
        "Leeds, any prison", "Newcastle, HMP Durham only"]


def test_the_search_page_shows_results_and_refuses_bad_filters_by_name(client, login_as, alliance, db):
    alliance.opportunity(title="Warehouse operative")
    login_as(Role.PRISON_STAFF)
    response = client.get("/opportunities?q=warehouse&type=guaranteed-interview&postcode=LS1&distance=10")
    assert response.status_code == 200
    assert "Warehouse operative" in page(response).get_text()
    response = client.get("/opportunities?postcode=ZZ99")
    assert response.status_code == 400
    assert "We could not find the postcode area ZZ99" in field_error(response, "postcode")
    response = client.get("/opportunities?distance=7")
    assert response.status_code == 400


def test_learners_and_visitors_do_not_use_the_staff_search(client, login_as, db):
    assert client.get("/opportunities").status_code == 302
    login_as(Role.LEARNER, mfa=False)
    staff_search = client.get("/opportunities")  # a learner outside a kiosk session is signed out
    assert staff_search.status_code == 302 and "/opportunities" not in staff_search.headers["Location"]

"""The JSON API for opportunities and nominations, and the employer dashboard's charts."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests.html import page


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_opportunities_are_readable_and_searchable_with_a_token(client, alliance, make, db):
    alliance.opportunity(title="Warehouse operative", postcodes=("LS1 4AP",))
    alliance.opportunity(title="Commis chef", industry="hospitality", postcodes=("M1 1AE",))
    token = make.api_token(make.user(role=Role.PRISON_STAFF))
    body = client.get("/api/v1/opportunities?sector=hospitality", headers=bearer(token)).get_json()
    assert body["total"] == 1 and body["items"][0]["title"] == "Commis chef"
    near = client.get("/api/v1/opportunities?postcode=LS1&distance=10", headers=bearer(token)).get_json()
    assert [i["title"] for i in near["items"]] == ["Warehouse operative"] and near["items"][0]["distance_miles"] < 1
    one = client.get(f"/api/v1/opportunities/{near['items'][0]['id']}", headers=bearer(token))
    assert one.status_code == 200 and one.get_json()["locations"][0]["town"] == "Leeds"
    bad = client.get("/api/v1/opportunities?type=job", headers=bearer(token))
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"][0]["field"] == "type"
    assert client.get("/api/v1/opportunities").status_code == 401
    learner = make.api_token(make.user(role=Role.LEARNER, mfa=False))
    assert client.get("/api/v1/opportunities", headers=bearer(learner)).status_code == 403


def test_nominations_api_gives_each_side_only_what_it_may_see(client, alliance, make, db):
    employer = alliance.employer()
    practitioner = make.user(role=Role.OFFENDER_MANAGER)
    nomination = alliance.nomination(alliance.opportunity(employer.organisation), nominated_by=practitioner,
                                     person_reference="X111222")
    other = alliance.nomination(nominated_by=make.user(role=Role.OFFENDER_MANAGER, probation_region="london"))
    as_employer = client.get("/api/v1/nominations", headers=bearer(make.api_token(employer))).get_json()
    assert [n["reference"] for n in as_employer["items"]] == [nomination.reference]
    assert "person_reference" not in as_employer["items"][0] and as_employer["items"][0]["interview_details"] is None
    assert "X111222" not in str(as_employer)
    practitioner_token = make.api_token(practitioner)
    mine = client.get(f"/api/v1/nominations/{nomination.public_id}", headers=bearer(practitioner_token)).get_json()
    assert mine["person_reference"] == "X111222" and mine["first_name"] == "Jordan"
    assert client.get(f"/api/v1/nominations/{other.public_id}", headers=bearer(practitioner_token)).status_code == 404
    provider = make.api_token(make.user(role=Role.PROVIDER))
    assert client.get("/api/v1/nominations", headers=bearer(provider)).status_code == 403


def test_the_openapi_document_describes_opportunities_and_nominations(client, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/opportunities", "/opportunities/{public_id}", "/nominations", "/nominations/{public_id}"):
        assert path in doc["paths"]
    assert "person_reference" in doc["components"]["schemas"]["Nomination"]["properties"]


def test_the_employer_dashboard_charts_outcomes_by_month_with_the_figures_beside_them(client, login_as, alliance, db):
    employer = alliance.employer()
    opportunity = alliance.opportunity(employer.organisation)
    alliance.nomination(opportunity, state="started")
    alliance.nomination(opportunity)
    login_as(employer)
    response = client.get("/employer/dashboard")
    assert response.status_code == 200
    soup = page(response)
    charts = soup.select("svg.app-chart__svg")
    assert len(charts) == 4
    assert charts[0].find("title").get_text() == "Nominations by month"
    assert "Bar chart of nominations by month" in charts[0].find("desc").get_text()
    tables = soup.select("table caption")
    assert any("Nominations by month: the figures" in c.get_text() for c in tables)
    nominations_table = next(c.find_parent("table") for c in tables if c.get_text().startswith("Nominations by"))
    assert nominations_table.select("tbody tr td")[-1].get_text() == "2"
    assert not soup.select("script:not([src])") or all(s.get("nonce") for s in soup.select("script:not([src])"))
    login_as(alliance.employer())  # another employer sees its own (empty) results
    assert page(client.get("/employer/dashboard")).select("tbody tr td")[0].get_text() == "0"

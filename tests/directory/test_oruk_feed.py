"""The Open Referral UK feed (/api/oruk): shapes checked against the HSDS 3.0 schemas, every filter, search
through the same engine as /services, distance, errors, CORS, and nothing private."""
from __future__ import annotations

import json
from datetime import timedelta

import jsonschema_rs
import pytest
from sqlalchemy import event, select

from portal import outbox, search_index
from portal.accounts.models import Organisation
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.directory import demo_data, feed, hsds, operations, postcodes, vocabulary
from portal.directory.models import ListingState, ProblemReport, Service
from search import SearchQuery
from search.geo import haversine_m
from tests import factories

SIZE = 40
SEED = 5
API = "/api/oruk"
# The HSDS 3.0 API's "Page" (openapi.json, components/schemas/Page), every field required here.
PAGE = {
    "type": "object",
    "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                 "contents"],
    "properties": {
        "total_items": {"type": "integer"}, "total_pages": {"type": "integer"}, "page_number": {"type": "integer"},
        "size": {"type": "integer"}, "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"}, "contents": {"type": "array"},
    },
}


def _schema(name: str) -> dict:
    return json.loads((hsds.SCHEMAS / name).read_text())


def _validator(schema: dict) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


SERVICE = _validator(_schema("service.json"))
SERVICE_LIST = _validator(_schema("service_list.json"))
SAL_LIST = _validator(_schema("service_at_location_list.json"))
_TERM_SCHEMA = _schema("service.json")["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
TAXONOMY_TERM = _validator(_TERM_SCHEMA)
TAXONOMY = _validator(_TERM_SCHEMA["properties"]["taxonomy_detail"])
ENVELOPE = _validator(PAGE)


def assert_valid(validator: jsonschema_rs.Draft202012Validator, instance) -> None:
    problems = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(instance)]
    assert problems == []


def page_of(client, path: str, item: jsonschema_rs.Draft202012Validator | None = SERVICE_LIST, **params) -> dict:
    response = client.get(f"{API}{path}", query_string=params)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert_valid(ENVELOPE, body)
    assert body["size"] == len(body["contents"]) and body["empty"] == (not body["contents"])
    for entry in body["contents"] if item else []:
        assert_valid(item, entry)
    return body


def ids(body: dict) -> list[str]:
    return [entry["id"] for entry in body["contents"]]


def all_ids(client, path: str = "/services", **params) -> list[str]:
    """Every id the list returns, page by page."""
    found, page = [], 1
    while True:
        body = page_of(client, path, per_page=100, page=page, **params)
        found += ids(body)
        if body["last_page"] or body["empty"]:
            return found
        page += 1


LEEDS = postcodes.locate("LS1")[1:]


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return round(point[0] + metres / 111_195, 6), point[1]


def nearest_m(record: dict, point: tuple[float, float]) -> float | None:
    distances = [haversine_m(*point, s["location"]["latitude"], s["location"]["longitude"])
                 for s in record["service_at_locations"] if s["location"].get("latitude") is not None]
    return min(distances) if distances else None



@pytest.fixture
def records(db, empty_index) -> list[dict]:
    """SIZE published services, indexed through the outbox as in the application; three of them a known
    distance north of Leeds city centre (LS1), with ages and dates to filter on."""
    found = list(demo_data.generate_services(SIZE, SEED))
    for record, metres, postcode in zip(found, (800, 3_500, 12_000), ("LS1 4AP", "LS7 3JB", "LS17 6DX"),
                                        strict=False):
        location = record["service_at_locations"][0]["location"]
        location["latitude"], location["longitude"] = north_of(LEEDS, metres)
        location["addresses"][0]["postal_code"] = postcode
    found[3]["minimum_age"], found[4]["minimum_age"] = 16, 21
    found[5]["maximum_age"] = 30
    operations.import_services(found)
    db.session.commit()
    outbox.relay_once(batch_size=100)
    return found


def test_root_says_hsds_uk_and_links_its_openapi(client, db):
    response = client.get(f"{API}/")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert body["version"] == "HSDS-UK-3.0"
    assert body["profile"].startswith("https://") and body["openapi_url"].endswith("/api/oruk/openapi.json")
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.") and {"/services", "/services/{id}", "/service_at_locations",
                                                     "/taxonomies", "/taxonomy_terms"} <= set(document["paths"])


def test_services_are_paginated_with_hsds_totals(client, records):
    first = page_of(client, "/services", per_page=15)
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (SIZE, 3, 1, 15)
    assert first["first_page"] and not first["last_page"]
    last = page_of(client, "/services", per_page=15, page=3)
    assert (last["size"], last["first_page"], last["last_page"]) == (10, False, True)
    beyond = page_of(client, "/services", per_page=15, page=4)
    assert beyond["empty"] and beyond["contents"] == [] and beyond["total_items"] == SIZE
    assert page_of(client, "/services")["size"] == SIZE  # 50 a page unless asked
    every = all_ids(client)
    assert sorted(every) == sorted(r["id"] for r in records) and len(set(every)) == SIZE


def test_a_list_item_has_the_one_to_one_fields_and_the_organisation(client, records):
    item = next(i for i in page_of(client, "/services")["contents"] if i["id"] == records[0]["id"])
    record = records[0]
    assert item["name"] == record["name"] and item["status"] == "active"
    assert item["organization"]["id"] == record["organization"]["id"]
    assert item["organization"]["name"] == record["organization"]["name"]
    assert not {"service_at_locations", "phones", "contacts", "attributes", "schedules"} & set(item)
    assert "organization_identifiers" not in item["organization"]
    full = page_of(client, "/services", item=SERVICE, full="true", per_page=5)
    assert all("service_at_locations" in entry for entry in full["contents"])


def test_a_listing_published_before_list_items_were_kept_is_listed_the_same(client, db, records):
    """A listing keeps its list item beside its document; one published before migration 0019 has none, and the
    feed makes it from the document as it reads it: the same item, with and without a search."""
    kept = [page_of(client, "/services", per_page=20, page=page)["contents"] for page in (1, 2)]
    searched = page_of(client, "/services", search="support")["contents"]
    assert searched and all(service.summary is not None for service in db.session.scalars(select(Service)))
    db.session.execute(Service.__table__.update().values(summary=None))
    db.session.commit()
    assert [page_of(client, "/services", per_page=20, page=page)["contents"] for page in (1, 2)] == kept
    assert page_of(client, "/services", search="support")["contents"] == searched


def test_a_list_item_follows_its_organisations_identifiers_changing(client, db):
    """A new charity number changes the listing's document and its last_modified: its list item shows the same."""
    from portal.accounts.models import OrganisationIdentifier

    org = factories.organisation()
    service = factories.listing(org)
    before = next(i for i in page_of(client, "/services")["contents"] if i["id"] == service.uuid)
    org.identifiers.append(OrganisationIdentifier(scheme="GB-CHC", identifier="1999002"))
    assert operations.refresh_organisation_identifiers(org) == 1
    db.session.commit()
    item = next(i for i in page_of(client, "/services")["contents"] if i["id"] == service.uuid)
    full = client.get(f"{API}/services/{service.uuid}").get_json()
    assert item["last_modified"] == full["last_modified"] != before["last_modified"]


def test_a_service_is_its_published_document_fully_nested(client, records):
    record = records[7]
    response = client.get(f"{API}/services/{record['id']}")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert_valid(SERVICE, body)
    assert body == feed.prune(record)


@pytest.mark.parametrize("service_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "not-an-id", "1"])
def test_an_unknown_service_is_a_json_404(client, records, service_id):
    response = client.get(f"{API}/services/{service_id}")
    assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json()["error"]["message"] == "No published service has this id"


def test_drafts_withdrawn_and_out_of_date_listings_are_not_in_the_feed(client, db, records):
    owner = factories.user(role=Role.PROVIDER)
    draft_document = {**records[10], "id": "11111111-2222-4333-8444-555555555555", "service_at_locations": []}
    draft = operations.save_draft(owner.organisation, owner, draft_document)
    withdrawn = db.session.scalar(select(Service).where(Service.uuid == records[11]["id"]))
    withdrawn.state = ListingState.WITHDRAWN
    stale = db.session.scalar(select(Service).where(Service.uuid == records[12]["id"]))
    stale.last_checked_at = utcnow() - timedelta(days=500)
    db.session.commit()
    assert draft.state == ListingState.DRAFT
    gone = {draft.uuid, records[11]["id"], records[12]["id"]}
    for service_id in gone:
        assert client.get(f"{API}/services/{service_id}").status_code == 404
    listed = all_ids(client)
    assert len(listed) == SIZE - 2 and not gone & set(listed)
    sal_id = records[11]["service_at_locations"][0]["id"]
    assert client.get(f"{API}/service_at_locations/{sal_id}").status_code == 404
    assert not gone & {i["service"]["id"] for i in page_of(client, "/service_at_locations", SAL_LIST,
                                                           per_page=100)["contents"]}


def test_a_change_waiting_for_approval_stays_out_of_the_feed(client, db, records):
    service = db.session.scalar(select(Service).where(Service.uuid == records[0]["id"]))
    owner = factories.user(role=Role.PROVIDER, organisation_=service.organisation)
    operations.save_draft(service.organisation, owner, {**records[0], "name": "Renamed while waiting"},
                          service=service)
    db.session.commit()
    assert client.get(f"{API}/services/{records[0]['id']}").get_json()["name"] == records[0]["name"]
    assert "Renamed while waiting" not in client.get(f"{API}/services?per_page=100").get_data(as_text=True)


def _with_term(records: list[dict], taxonomy: str, code: str | None = None) -> set[str]:
    return {r["id"] for r in records if any(
        a["taxonomy_term"]["taxonomy"] == taxonomy and code in (None, a["taxonomy_term"]["code"])
        for a in r["attributes"])}


def test_filter_by_taxonomy_term(client, records):
    term_id = vocabulary.term_id("resettlement-pathway", "accommodation")
    expected = _with_term(records, "resettlement-pathway", "accommodation")
    assert 0 < len(expected) < SIZE
    assert set(all_ids(client, taxonomy_term_id=term_id)) == expected


def test_filter_by_a_term_the_listing_derives_from_its_locations(client, records):
    by_region = {}
    for record in records:
        for place in hsds.locations(record):
            by_region.setdefault(place.region_slug, set()).add(record["id"])
    region, expected = max(((r, s) for r, s in by_region.items() if r), key=lambda item: len(item[1]))
    assert set(all_ids(client, taxonomy_term_id=vocabulary.term_id("region", region))) == expected


def test_filter_by_taxonomy(client, records):
    expected = _with_term(records, "eligibility")
    assert 0 < len(expected) < SIZE
    assert set(all_ids(client, taxonomy_id=vocabulary.taxonomy_id("eligibility"))) == expected


def test_an_id_that_names_nothing_matches_nothing(client, records):
    nobody = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    for name in ("taxonomy_id", "taxonomy_term_id", "organization_id"):
        assert page_of(client, "/services", **{name: nobody})["total_items"] == 0


def test_filter_by_organisation(client, records):
    counts = {}
    for record in records:
        counts.setdefault(record["organization"]["id"], set()).add(record["id"])
    organization_id, expected = max(counts.items(), key=lambda item: len(item[1]))
    assert len(expected) >= 2
    assert set(all_ids(client, organization_id=organization_id)) == expected


def test_filter_by_modified_after(client, records):
    moments = sorted(hsds.last_modified(r) for r in records)
    cutoff = moments[SIZE // 2]
    expected = {r["id"] for r in records if hsds.last_modified(r) >= cutoff}
    as_text = cutoff.isoformat().replace("+00:00", "Z")
    assert set(all_ids(client, modified_after=as_text)) == expected
    day = cutoff.date()
    assert set(all_ids(client, modified_after=day.isoformat())) == {
        r["id"] for r in records if hsds.last_modified(r).date() >= day}


def test_filter_by_ages_as_the_profile_defines_them(client, records):
    # minimum_age=X: services whose minimum age is at least X; maximum_age=Y: whose maximum age is at most Y
    assert set(all_ids(client, minimum_age=19)) == {r["id"] for r in records if (r.get("minimum_age") or 0) >= 19}
    assert set(all_ids(client, maximum_age=26)) == {r["id"] for r in records if r.get("maximum_age") is not None
                                                     and r["maximum_age"] <= 26}
    assert records[5]["id"] not in all_ids(client, maximum_age=26)


def test_filters_combine_with_and(client, records):
    term_id = vocabulary.term_id("resettlement-pathway", "accommodation")
    cutoff = sorted(hsds.last_modified(r) for r in records)[SIZE // 3]
    expected = {r["id"] for r in records if hsds.last_modified(r) >= cutoff} & _with_term(
        records, "resettlement-pathway", "accommodation")
    found = all_ids(client, taxonomy_term_id=term_id, modified_after=cutoff.isoformat(), minimum_age=18)
    assert set(found) == {i for i in expected if (next(r for r in records if r["id"] == i).get("minimum_age")
                                                  or 0) >= 18}


def test_search_is_the_services_search_typos_and_all(app, client, records):
    with app.app_context():
        engine = search_index.backend().search("services", SearchQuery(text="accommodation", per_page=100))
    assert engine.total > 0
    exact = page_of(client, "/services", search="accommodation", per_page=100)
    typo = page_of(client, "/services", search="acommodation", per_page=100)
    assert ids(exact) == [hit.id for hit in engine.hits] and exact["total_items"] == engine.total
    assert ids(typo) == ids(exact)  # corrected to the indexed word, same ranking
    assert page_of(client, "/services", search="zzzzqqqq")["empty"]


def test_search_combines_with_filters_the_index_does_not_hold(client, records):
    everything = ids(page_of(client, "/services", search="support", per_page=100))
    organisation = records[0]["organization"]["id"]
    own = {r["id"] for r in records if r["organization"]["id"] == organisation}
    combined = ids(page_of(client, "/services", search="support", organization_id=organisation, per_page=100))
    assert combined == [i for i in everything if i in own]  # the engine's order, filtered
    older = ids(page_of(client, "/services", search="support", minimum_age=18, per_page=100))
    assert older == [i for i in everything if (next(r for r in records if r["id"] == i).get("minimum_age")
                                               or 0) >= 18]


def test_search_with_a_term_filter_and_a_distance(client, records):
    term_id = vocabulary.term_id("resettlement-pathway", "accommodation")
    found = ids(page_of(client, "/services", search="support", taxonomy_term_id=term_id, per_page=100))
    assert set(found) <= _with_term(records, "resettlement-pathway", "accommodation")
    near = page_of(client, "/services", search="support", postcode="LS1", proximity=20_000, per_page=100)
    for service_id in ids(near):
        record = next(r for r in records if r["id"] == service_id)
        assert nearest_m(record, LEEDS) <= 20_000


def test_proximity_keeps_services_within_the_radius_nearest_first(client, records):
    body = page_of(client, "/services", postcode="LS1", proximity=15_000)
    distances = {r["id"]: nearest_m(r, LEEDS) for r in records}
    expected = sorted((i for i, d in distances.items() if d is not None and d <= 15_000), key=distances.get)
    assert ids(body) == expected and len(expected) >= 3
    assert ids(body)[:3] == [r["id"] for r in records[:3]]
    assert body["total_items"] == len(expected)
    assert ids(page_of(client, "/services", postcode="LS1 4AP", proximity=2_000)) == [records[0]["id"]]


def test_a_postcode_alone_orders_everything_nearest_first(client, records):
    everything = page_of(client, "/services", postcode="LS1", per_page=100)
    assert everything["total_items"] == SIZE
    distances = [nearest_m(next(r for r in records if r["id"] == i), LEEDS) for i in ids(everything)]
    located = [d for d in distances if d is not None]
    assert located == sorted(located) and distances[:len(located)] == located
    assert ids(page_of(client, "/services", postcode="LS1", per_page=3)) == [r["id"] for r in records[:3]]


def test_services_at_locations(client, records):
    body = page_of(client, "/service_at_locations", SAL_LIST, per_page=100)
    expected = {s["id"]: r for r in records for s in r["service_at_locations"]}
    assert body["total_items"] == len(expected) > SIZE  # some services are delivered in two places
    for entry in body["contents"]:
        record = expected[entry["id"]]
        assert entry["service"]["id"] == record["id"] == entry["service_id"]
        assert entry["location"]["id"] == next(s for s in record["service_at_locations"]
                                               if s["id"] == entry["id"])["location_id"]
    near = page_of(client, "/service_at_locations", SAL_LIST, postcode="LS1", proximity=5_000)
    assert [e["service"]["id"] for e in near["contents"]] == [r["id"] for r in records[:2]]
    term_id = vocabulary.term_id("resettlement-pathway", "accommodation")
    filtered = page_of(client, "/service_at_locations", SAL_LIST, taxonomy_term_id=term_id, per_page=100)
    assert {e["service"]["id"] for e in filtered["contents"]} == _with_term(records, "resettlement-pathway",
                                                                            "accommodation")
    full = page_of(client, "/service_at_locations", SAL_LIST, full="true", per_page=100)
    assert ids(full) == ids(body)
    for entry in full["contents"]:
        record = expected[entry["id"]]
        assert entry["location"] == next(s for s in record["service_at_locations"] if s["id"] == entry["id"])[
            "location"] and entry["service"]["attributes"] == record["attributes"]
    searched = page_of(client, "/service_at_locations", SAL_LIST, search="acommodation", per_page=100)
    services_found = ids(page_of(client, "/services", search="acommodation", per_page=100))
    assert list(dict.fromkeys(e["service"]["id"] for e in searched["contents"])) == services_found


def test_one_service_at_location_nests_its_location_and_service(client, records):
    sal = records[2]["service_at_locations"][0]
    response = client.get(f"{API}/service_at_locations/{sal['id']}")
    body = response.get_json()
    assert response.status_code == 200
    assert_valid(SAL_LIST, body)
    assert body["location"] == sal["location"] and body["service"]["id"] == records[2]["id"]
    assert "service_at_locations" not in body["service"]
    assert client.get(f"{API}/service_at_locations/3fa85f64-5717-4562-b3fc-2c963f66afa6").status_code == 404


def test_taxonomies_and_terms(client, db):
    taxonomies = page_of(client, "/taxonomies", TAXONOMY)
    assert taxonomies["total_items"] == len(vocabulary.TAXONOMIES)
    pathway_id = vocabulary.taxonomy_id("resettlement-pathway")
    one = client.get(f"{API}/taxonomies/{pathway_id}").get_json()
    assert_valid(TAXONOMY, one)
    assert {t["code"] for t in one["taxonomy_terms"]} == set(vocabulary.RESETTLEMENT_PATHWAYS)
    for term in one["taxonomy_terms"]:
        assert_valid(TAXONOMY_TERM, term)
    terms = page_of(client, "/taxonomy_terms", TAXONOMY_TERM, per_page=100)
    assert terms["total_items"] == sum(len(t.terms) for t in vocabulary.TAXONOMIES.values())
    only = page_of(client, "/taxonomy_terms", TAXONOMY_TERM, taxonomy_id=pathway_id, per_page=100)
    assert {t["taxonomy_id"] for t in only["contents"]} == {pathway_id}
    term_id = vocabulary.term_id("eligibility", "women-only")
    assert client.get(f"{API}/taxonomy_terms/{term_id}").get_json()["name"] == "Women only"
    assert client.get(f"{API}/taxonomy_terms/{pathway_id}").status_code == 404
    assert client.get(f"{API}/taxonomies/{term_id}").status_code == 404
    assert page_of(client, "/taxonomy_terms", TAXONOMY_TERM, search="women")["total_items"] >= 2


@pytest.mark.parametrize(("params", "parameter"), [
    ({"page": "abc"}, "page"),
    ({"page": "0"}, "page"),
    ({"per_page": "100000"}, "per_page"),
    ({"per_page": "-5"}, "per_page"),
    ({"proximity": "1000"}, "proximity"),
    ({"postcode": "LS1", "proximity": "far"}, "proximity"),
    ({"postcode": "ZZ99"}, "postcode"),
    ({"postcode": "not a postcode"}, "postcode"),
    ({"modified_after": "yesterday"}, "modified_after"),
    ({"modified_after": "2026-13-45"}, "modified_after"),
    ({"minimum_age": "old"}, "minimum_age"),
    ({"maximum_age": "-1"}, "maximum_age"),
    ({"taxonomy_id": "pathways"}, "taxonomy_id"),
    ({"taxonomy_term_id": "1"}, "taxonomy_term_id"),
    ({"organization_id": "x"}, "organization_id"),
    ({"search": "x" * 201}, "search"),
    ({"format": "ndjson"}, "format"),
    ({"day": "monday"}, "day"),
    ({"full": "maybe"}, "full"),
])
@pytest.mark.parametrize("path", ["/services", "/service_at_locations"])
def test_bad_parameters_are_a_400_naming_the_parameter(client, db, path, params, parameter):
    response = client.get(f"{API}{path}", query_string=params)
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.get_json()["error"]
    assert error["fields"][0]["field"] == parameter and error["message"].startswith(f"{parameter}: ")


def test_every_response_allows_any_origin_and_only_get_is_allowed(client, records):
    for response in (client.get(f"{API}/no-such-thing"), client.post(f"{API}/services"),
                     client.delete(f"{API}/services/{records[0]['id']}"), client.options(f"{API}/services")):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    posted = client.post(f"{API}/services", json={"name": "x"})
    assert posted.status_code == 405 and posted.get_json()["error"]["status"] == 405
    assert client.get(f"{API}/no-such-thing").status_code == 404
    assert "Set-Cookie" not in client.get(f"{API}/services").headers


def test_nothing_private_is_published(client, db, records):
    service = db.session.scalar(select(Service).where(Service.uuid == records[0]["id"]))
    owner = factories.user(role=Role.PROVIDER, organisation_=service.organisation, email="owner.secret@example.org",
                           name="Ownerly Secretname")
    operations.save_draft(service.organisation, owner, {**records[0], "description": "Unpublished wording"},
                          service=service)
    db.session.add(ProblemReport(service=service, message="Private complaint text",
                                 reporter_email="reporter.secret@example.org"))
    db.session.commit()
    organisation = db.session.scalar(select(Organisation).where(Organisation.id == service.organisation_id))
    bodies = [client.get(f"{API}{path}").get_data(as_text=True) for path in (
        "/services?per_page=100", "/services?per_page=100&full=true", f"/services/{records[0]['id']}",
        f"/services?organization_id={organisation.open_referral_id}&full=true",
        "/service_at_locations?per_page=100", f"/service_at_locations/{records[0]['service_at_locations'][0]['id']}",
        "/services?search=support&per_page=100")]
    for secret in ("owner.secret@example.org", "Ownerly Secretname", "Unpublished wording", "Private complaint text",
                   "reporter.secret@example.org", organisation.public_id, "high_risk_approved", "revision"):
        assert all(secret not in body for body in bodies), secret


def test_a_page_costs_the_same_queries_however_long(app, client, records):
    from portal.extensions import db as _db

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    for path in ("/services", "/services?search=support", "/services?postcode=LS1",
                 "/services?search=support&minimum_age=18", "/service_at_locations"):
        costs = []
        for per_page in (2, 30):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            try:
                separator = "&" if "?" in path else "?"
                assert client.get(f"{API}{path}{separator}per_page={per_page}").status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", count)
            costs.append(len(statements))
        assert max(costs) <= 8, (path, costs)  # a handful of statements, never one per item
        if "postcode" not in path:  # nearest first may widen its radius for a longer page: one count each
            assert costs[0] == costs[1], (path, costs)


def test_empty_optional_fields_are_left_out(client, db, empty_index):
    record = next(demo_data.generate_services(1, SEED + 1))
    record["alternate_name"], record["wait_time"] = "", ""
    record["languages"] = []
    record.pop("maximum_age", None)
    operations.import_services([record])
    db.session.commit()
    body = client.get(f"{API}/services/{record['id']}").get_json()
    assert not {"alternate_name", "wait_time", "languages"} & set(body)
    assert_valid(SERVICE, body)
    item = page_of(client, "/services")["contents"][0]
    assert not {"alternate_name", "wait_time", "maximum_age"} & set(item)


def test_a_providers_charity_and_company_numbers_are_its_organization_identifiers(client, db):
    """The feed draws identifiers from the same fields as OCDS and 360Giving (portal.accounts.orgid)."""
    from portal.accounts.models import OrganisationIdentifier

    org = factories.organisation()
    org.identifiers += [OrganisationIdentifier(scheme="GB-COH", identifier="19990001"),
                        OrganisationIdentifier(scheme="GB-CHC", identifier="1999001")]
    db.session.commit()
    service = factories.listing(org)
    body = client.get(f"{API}/services/{service.uuid}").get_json()
    assert_valid(SERVICE, body)
    found = [(i["identifier_scheme"], i["identifier_type"], i["identifier"])
             for i in body["organization"]["organization_identifiers"]]
    assert found == [("GB-CHC", "Charity number", "1999001"), ("GB-COH", "Company number", "19990001")]
    assert {i["organization_id"] for i in body["organization"]["organization_identifiers"]} == {org.open_referral_id}

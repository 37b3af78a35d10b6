"""`flask directory import` and `export`, and the demo directory `flask seed --demo` loads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal import search_index
from portal.accounts.models import Organisation, OrganisationIdentifier
from portal.audit import AuditEvent
from portal.directory import demo_data
from portal.directory.models import ListingState, Location, Service, ServiceTerm
from portal.outbox import OutboxMessage

SIZE = 25


@pytest.fixture
def runner(app):
    return app.test_cli_runner()



@pytest.fixture
def records() -> list[dict]:
    return list(demo_data.generate_services(SIZE, seed=11))


def write(path: Path, records: list, ndjson: bool = False) -> Path:
    if ndjson:
        path.write_text("\n".join(json.dumps(r) for r in records[:10]) + "\n\n"
                        + "\n".join(json.dumps(r) for r in records[10:]) + "\n")
    else:
        path.write_text(json.dumps(records, indent=2))
    return path


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def search_messages(db) -> int:
    return count(db, OutboxMessage, OutboxMessage.topic == "search")


def stored(db) -> dict[str, dict]:
    return dict(db.session.execute(select(Service.uuid, Service.document)).all())


@pytest.mark.parametrize("ndjson", [False, True], ids=["json-array", "ndjson"])
def test_import_publishes_every_service_keeping_ids_locations_and_coordinates(runner, db, tmp_path, records,
                                                                               ndjson):
    path = write(tmp_path / ("services.ndjson" if ndjson else "services.json"), records, ndjson)
    result = runner.invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Imported {path.name}: {SIZE} new, 0 updated, 0 unchanged" in result.stdout
    assert f"Checking {SIZE} services" in result.stderr and "Importing" in result.stderr  # progress
    assert stored(db) == {r["id"]: r for r in records}
    assert count(db, Service, Service.state == ListingState.PUBLISHED) == SIZE
    for record in records:
        service = db.session.scalar(select(Service).where(Service.uuid == record["id"]))
        expected = [(s["location"]["id"], s["id"], s["location"]["latitude"], s["location"]["longitude"],
                     s["location"]["addresses"][0]["postal_code"]) for s in record["service_at_locations"]]
        assert [(loc.uuid, loc.service_at_location_uuid, loc.latitude, loc.longitude, loc.postal_code)
                for loc in service.locations] == expected
        assert service.name == record["name"] and service.minimum_age == record.get("minimum_age")
        assert service.organisation.open_referral_id == record["organization"]["id"]
        pathways = {a["taxonomy_term"]["code"] for a in record["attributes"]
                    if a["link_type"] == "resettlement-pathway"}
        assert set(service.term_codes("resettlement-pathway")) == pathways
    organisations = {r["organization"]["id"] for r in records}
    assert count(db, Organisation) == len(organisations)
    created = db.session.scalars(select(Organisation)).all()  # bulk-written, with the model's defaults
    assert len({o.public_id for o in created}) == len(created)
    assert all(o.status == "approved" and o.kind == "provider" and o.created_at and o.decision_reason == ""
               for o in created)
    assert {(s.version, s.high_risk_approved) for s in db.session.scalars(select(Service))} == {(1, False)}
    identifiers = {(i["identifier_scheme"], i["identifier"]) for r in records
                   for i in r["organization"]["organization_identifiers"]}
    assert count(db, OrganisationIdentifier) == len(identifiers)
    indexed = {uid for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "search"))
               for uid in m.payload["ids"]}
    assert indexed == {r["id"] for r in records}


def test_a_file_with_bad_records_is_refused_whole_and_each_problem_named(runner, db, tmp_path, records):
    records[1]["name"] = " "
    records[3]["attributes"][0]["taxonomy_term"]["code"] = "made-up-pathway"
    records[4]["service_at_locations"][0]["location"]["latitude"] = "north"
    records[6]["id"] = records[0]["id"]
    records[7]["service_at_locations"][0]["id"] = records[2]["service_at_locations"][0]["id"]
    result = runner.invoke(args=["directory", "import", str(write(tmp_path / "bad.json", records))])
    assert result.exit_code == 1
    assert "Nothing was imported: 5 problem(s) in bad.json" in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("record ")]
    assert lines == [
        "record 2: name: a service needs a name",
        "record 4: attributes/0/taxonomy_term/code: 'made-up-pathway' is not a resettlement-pathway term",
        "record 5: service_at_locations/0/location/latitude: \"north\" is not of type \"number\"",
        "record 7: id: the same service id appears earlier in the file, in record 1",
        "record 8: service_at_locations/0/id: this service_at_location id is already used in record 3",
    ]
    for model in (Service, Location, ServiceTerm, Organisation, OutboxMessage, AuditEvent):
        assert count(db, model) == 0, model


def test_a_place_already_published_for_another_service_is_refused(runner, db, tmp_path, records):
    assert runner.invoke(args=["directory", "import", str(write(tmp_path / "first.json", records[:2]))]
                         ).exit_code == 0
    records[5]["service_at_locations"][0]["id"] = records[0]["service_at_locations"][0]["id"]
    result = runner.invoke(args=["directory", "import", str(write(tmp_path / "second.json", records[2:8]))])
    assert result.exit_code == 1
    assert (f"record 4: service_at_locations/0/id: this service_at_location id already belongs to another "
            f"service ({records[0]['id']})") in result.stderr
    assert count(db, Service) == 2


@pytest.mark.parametrize(("content", "message"), [
    ("[{\"id\": 1,", "the file is not valid JSON"),
    ("{\"id\": \"a\"}\nnot json\n", "line 2 is not valid JSON"),
    ("", "the file holds no services"),
    ("[]", "the file holds no services"),
    ("[1, \"two\"]", "record 1: service: must be a JSON object"),
])
def test_unreadable_files_are_refused(runner, db, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)
    result = runner.invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 1 and message in result.stderr
    assert count(db, Service) == 0


def test_one_pretty_printed_service_can_be_imported(runner, db, tmp_path, records):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(records[0], indent=2))
    result = runner.invoke(args=["directory", "import", str(path)])
    assert result.exit_code == 0 and "1 new" in result.stdout


def test_importing_the_same_file_twice_changes_nothing(runner, db, tmp_path, records):
    path = write(tmp_path / "services.json", records)
    assert runner.invoke(args=["directory", "import", str(path)]).exit_code == 0
    before = (stored(db), count(db, Service), count(db, Location), count(db, ServiceTerm), count(db, Organisation),
              count(db, OrganisationIdentifier), search_messages(db),
              dict(db.session.execute(select(Service.uuid, Service.version)).all()))
    again = runner.invoke(args=["directory", "import", str(path)])
    assert again.exit_code == 0 and f"0 new, 0 updated, {SIZE} unchanged" in again.stdout
    db.session.expire_all()
    after = (stored(db), count(db, Service), count(db, Location), count(db, ServiceTerm), count(db, Organisation),
             count(db, OrganisationIdentifier), search_messages(db),
             dict(db.session.execute(select(Service.uuid, Service.version)).all()))
    assert after == before


def test_a_changed_record_updates_its_listing_only(runner, db, tmp_path, records):
    assert runner.invoke(args=["directory", "import", str(write(tmp_path / "a.json", records))]).exit_code == 0
    messages = search_messages(db)
    records[4]["name"] = "Renamed Supported Housing"
    records[4]["service_at_locations"][0]["location"]["latitude"] = 53.8
    result = runner.invoke(args=["directory", "import", str(write(tmp_path / "b.json", records))])
    assert result.exit_code == 0 and f"0 new, 1 updated, {SIZE - 1} unchanged" in result.stdout
    db.session.expire_all()
    service = db.session.scalar(select(Service).where(Service.uuid == records[4]["id"]))
    assert service.name == "Renamed Supported Housing" and service.version == 2
    assert service.locations[0].latitude == 53.8 and service.document == records[4]
    assert search_messages(db) == messages + 1
    assert db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().payload["ids"] == [
        records[4]["id"]]


def test_export_then_import_round_trips_identical_documents(runner, db, tmp_path, records):
    assert runner.invoke(args=["directory", "import", str(write(tmp_path / "in.json", records))]).exit_code == 0
    out = tmp_path / "out.json"
    result = runner.invoke(args=["directory", "export", str(out)])
    assert result.exit_code == 0 and f"Exported {SIZE} services" in result.stdout
    assert "Exporting" in result.stderr
    exported = json.loads(out.read_text())
    assert exported == records
    again = runner.invoke(args=["directory", "import", str(out)])
    assert again.exit_code == 0 and f"{SIZE} unchanged" in again.stdout
    db.session.execute(delete(Service))  # a fresh directory
    db.session.commit()
    fresh = runner.invoke(args=["directory", "import", str(out)])
    assert fresh.exit_code == 0 and f"{SIZE} new" in fresh.stdout
    assert stored(db) == {r["id"]: r for r in records}


def test_export_leaves_out_unpublished_listings(runner, db, tmp_path, records):
    assert runner.invoke(args=["directory", "import", str(write(tmp_path / "in.json", records))]).exit_code == 0
    withdrawn = db.session.scalar(select(Service).where(Service.uuid == records[0]["id"]))
    withdrawn.state = ListingState.WITHDRAWN
    db.session.commit()
    out = tmp_path / "out.json"
    assert runner.invoke(args=["directory", "export", str(out)]).exit_code == 0
    assert [r["id"] for r in json.loads(out.read_text())] == [r["id"] for r in records[1:]]


def test_seed_demo_loads_the_demo_directory_once_and_makes_it_searchable(app, runner, db, client, empty_index):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Importing the demo directory (2,200 services)" in first.output
    assert "2,200 of 2,200 services imported" in first.output
    assert count(db, Service, Service.state == ListingState.PUBLISHED) == demo_data.DEMO_DIRECTORY_SIZE
    # Listings unchecked for over 15 months (a few, on purpose) are out of search until reviewed
    hidden = count(db, Service, Service.freshness == "hidden")
    assert 0 < hidden < 100
    assert f"{demo_data.DEMO_DIRECTORY_SIZE - hidden:,} services searchable" in first.output
    assert search_index.backend().count("services") == demo_data.DEMO_DIRECTORY_SIZE - hidden
    found = client.get("/api/oruk/services", query_string={"search": "housing"}).get_json()
    assert found["total_items"] > 100
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0 and "Importing the demo directory" not in second.output
    assert "Indexing" not in second.output  # the index already holds every listing search should show
    assert count(db, Service) == demo_data.DEMO_DIRECTORY_SIZE

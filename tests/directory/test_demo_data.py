"""The demo data generator: valid HSDS 3.0, reproducible, realistic, and covering England and Wales."""
from __future__ import annotations

import csv
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from portal.directory import demo_data, vocabulary

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "portal" / "directory" / "schemas" / "service.json"  # copy of the HSDS 3.0 compiled schema
OUTCODES = ROOT / "portal" / "directory" / "data" / "uk-outcodes.csv"

# Postcode areas outside England and Wales: Scotland, Northern Ireland, the Channel Islands, the Isle of Man.
ELSEWHERE = {"AB", "BT", "DD", "DG", "EH", "FK", "G", "GY", "HS", "IM", "IV", "JE", "KA", "KW", "KY", "ML", "PA",
             "PH", "TD", "ZE"}
ENGLISH_TD_DISTRICTS = {"TD15"}  # Berwick-upon-Tweed
DRAMA_NUMBER = re.compile(r"0(113|114|115|116|117|118|121|151|161) 496 0\d{3}|0191 498 0\d{3}|020 7946 0\d{3}"
                          r"|029 2018 0\d{3}|01632 960\d{3}|07700 900\d{3}|0808 157 0\d{3}")
POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?) \d[ABD-HJLNP-UW-Z]{2}")


@pytest.fixture(scope="module")
def directory() -> list[dict]:
    return demo_data.generate_demo_directory()


def codes(service: dict, taxonomy: str) -> list[str]:
    return [a["taxonomy_term"]["code"] for a in service["attributes"] if a["taxonomy_term"]["taxonomy"] == taxonomy]


def area_of(outcode: str) -> str:
    return re.match(r"[A-Z]+", outcode).group()


def _is_uri(value: object) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or (parts.scheme in {"http", "https", "urn"} and bool(parts.netloc or parts.path))


def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises ValueError when malformed
        return "T" in value and value.endswith(("Z", "+00:00"))
    return True


def strict_format_checker() -> FormatChecker:
    """jsonschema's own checker skips "uri" and "date-time" unless optional packages are installed."""
    checker = FormatChecker()
    checker.checks("uri")(_is_uri)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


def test_a_sample_validates_against_the_hsds_service_schema(directory):
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()), format_checker=strict_format_checker())
    sample = directory[::11]
    assert len(sample) == 200
    problems = [f"{s['name']}: {'/'.join(map(str, e.path))}: {e.message}"
                for s in sample for e in validator.iter_errors(s)]
    assert problems == []
    for service in sample:
        date.fromisoformat(service["assured_date"])
        assert all(re.fullmatch(r"\d\d:\d\d", s[key]) for s in service["schedules"] for key in ("opens_at",
                                                                                                  "closes_at"))


def test_the_same_seed_streams_the_same_services():
    stream = demo_data.generate_services(5, seed=3)
    assert inspect.isgenerator(stream)
    first = list(demo_data.generate_services(30, seed=3))
    assert list(demo_data.generate_services(30, seed=3)) == first
    assert list(islice(demo_data.generate_services(10**9, seed=3), 12)) == first[:12]  # streams, never a list
    other = list(demo_data.generate_services(30, seed=4))
    assert {s["id"] for s in first}.isdisjoint(s["id"] for s in other)
    assert list(demo_data.generate_services(0)) == []
    with pytest.raises(ValueError):
        demo_data.generate_services(-1)


def test_the_output_does_not_depend_on_the_hash_seed():
    """Iterating a set of strings would make output differ between processes; it must not."""
    def digest(services: list[dict]) -> str:
        return hashlib.sha256(json.dumps(services, sort_keys=True).encode()).hexdigest()

    code = ("import hashlib, json; from portal.directory.demo_data import generate_services; "
            "print(hashlib.sha256(json.dumps(list(generate_services(60, 9)), sort_keys=True).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == digest(list(demo_data.generate_services(60, 9)))


def test_the_demo_directory_covers_every_region_cpa_pathway_and_term(directory):
    assert len(directory) == demo_data.DEMO_DIRECTORY_SIZE == 2200
    for taxonomy, spec in vocabulary.TAXONOMIES.items():
        used = Counter(code for service in directory for code in codes(service, taxonomy))
        assert set(used) == set(spec.terms), taxonomy
    regions = Counter(codes(s, "region")[0] for s in directory)
    assert min(regions.values()) >= 50  # spread, not a token appearance
    pathways = Counter(code for s in directory for code in codes(s, "resettlement-pathway"))
    assert min(pathways.values()) >= 40


def test_each_location_is_in_england_or_wales_and_matches_the_region_and_cpa(directory):
    with OUTCODES.open(newline="") as rows:
        centroids = {r["outcode"]: (float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(rows)}
    for service in directory:
        [cpa], [region] = codes(service, "contract-package-area"), codes(service, "region")
        assert vocabulary.CPA_REGION[cpa] == region
        for at in service["service_at_locations"]:
            location, [address] = at["location"], at["location"]["addresses"]
            match = POSTCODE.fullmatch(address["postal_code"])
            assert match, address["postal_code"]
            outcode = match.group(1)
            assert area_of(outcode) not in ELSEWHERE or outcode in ENGLISH_TD_DISTRICTS
            assert vocabulary.locate_outcode(outcode).cpa == cpa
            assert address["state_province"] == ("Wales" if region == "wales" else "England")
            latitude, longitude = centroids[outcode]
            assert abs(location["latitude"] - latitude) < 0.01 and abs(location["longitude"] - longitude) < 0.015


def test_ids_are_unique_uuids_and_organisations_and_offices_are_shared(directory):
    ids = []
    for service in directory:
        ids.append(service["id"])
        for key in ("phones", "schedules", "service_areas", "service_at_locations", "languages", "cost_options",
                    "funding", "contacts", "attributes"):
            ids += [item["id"] for item in service[key]]
        ids += [phone["id"] for contact in service["contacts"] for phone in contact["phones"]]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 for i in ids)

    organisations = Counter(s["organization"]["id"] for s in directory)
    assert 200 < len(organisations) < len(directory) / 2
    assert organisations.most_common(1)[0][1] >= 5
    offices = Counter(at["location_id"] for s in directory for at in s["service_at_locations"])
    assert len(offices) < len(directory)
    names = {}
    for service in directory:
        organisation = service["organization"]
        assert service["organization_id"] == organisation["id"]
        assert names.setdefault(organisation["id"], organisation["name"]) == organisation["name"]
        [sector] = [a["taxonomy_term"]["code"] for a in organisation["attributes"]]
        assert codes(service, "sector") == [sector]
    assert len(set(names.values())) == len(names)  # one name, one organisation


def test_names_and_descriptions_vary_like_a_real_directory(directory):
    names = [s["name"] for s in directory]
    descriptions = [s["description"] for s in directory]
    assert len(set(names)) / len(names) > 0.6
    assert len(set(descriptions)) / len(descriptions) > 0.8
    words = Counter(w for text in names + descriptions for w in re.findall(r"[a-z']+", text.lower()))
    assert len(words) > 1000
    assert {"hostel", "floating", "deposit", "cscs", "forklift", "mentors", "detox", "opiate", "debt",
            "universal", "parenting", "restorative", "veterans", "gambling", "women"} <= set(words)
    for text in descriptions:
        assert 2 <= len(re.split(r"(?<=[.!?])\s+", text)) <= 4, text
        assert "{" not in text


def test_facets_follow_the_directory_rules(directory):
    for service in directory:
        pathways, eligibility = codes(service, "resettlement-pathway"), codes(service, "eligibility")
        assert 1 <= len(pathways) <= 3
        assert len(set(pathways)) == len(pathways)
        if set(pathways) & set(vocabulary.WOMENS_PATHWAYS):
            assert "women-only" in eligibility, service["name"]
        assert not {"women-only", "men-only"} <= set(eligibility)
        if "young-adults" in eligibility:
            assert (service["minimum_age"], service["maximum_age"]) == (18, 25)
        else:
            assert "maximum_age" not in service and service["minimum_age"] >= 18
        for taxonomy in ("resettlement-stage", "access-route", "delivery-mode"):
            assert codes(service, taxonomy)
        for taxonomy in ("capacity-status", "sector", "region", "contract-package-area"):
            assert len(codes(service, taxonomy)) == 1
        assert ("alert" in service) == (codes(service, "capacity-status") == ["full"])
        for attribute in service["attributes"]:
            term = attribute["taxonomy_term"]
            assert term["code"] in vocabulary.TAXONOMIES[term["taxonomy"]].terms
            assert attribute["taxonomy_term_id"] == term["id"] == vocabulary.term_id(term["taxonomy"], term["code"])
            assert attribute["link_id"] == service["id"] and attribute["link_type"] == term["taxonomy"]
    capacity = Counter(codes(s, "capacity-status")[0] for s in directory)
    sectors = Counter(codes(s, "sector")[0] for s in directory)
    assert capacity.most_common(1)[0][0] == "accepting" and sectors.most_common(1)[0][0] == "voluntary-community"


@pytest.mark.parametrize(("words", "pathway"), [
    (r"Debt|Money|Bank Account|Universal Credit", "finance-benefit-debt"),
    (r"Hostel|Supported Housing|Floating Support|Rent Deposit|Tenancy|Housing First", "accommodation"),
    (r"CSCS|Forklift|Jobs Club|Employability|Construction", "education-training-employment"),
    (r"Detox|Opiate|Drug and Alcohol|Mutual Aid", "drugs-alcohol"),
    (r"Parenting|Family Visits|Family Reconnection", "children-families"),
    (r"Restorative|Anger Management|Perpetrator|Mentoring", "attitudes-thinking-behaviour"),
    (r"Sex Work|Prostitution", "women-sex-work"),
])
def test_services_list_the_pathway_their_name_promises(directory, words, pathway):
    matching = [s for s in directory if re.search(words, s["name"])]
    assert len(matching) >= 20
    assert all(pathway in codes(s, "resettlement-pathway") for s in matching), words


def test_contact_details_cannot_reach_anyone_real(directory):
    for service in directory:
        numbers = [p["number"] for p in service["phones"]]
        numbers += [p["number"] for c in service["contacts"] for p in c["phones"]]
        assert all(DRAMA_NUMBER.fullmatch(n) for n in numbers), numbers
        addresses = [service["email"], service["organization"]["email"]] + [c["email"] for c in service["contacts"]]
        assert all(a.endswith(".example.org") for a in addresses)
        for url in (service["url"], service["organization"]["website"]):
            assert urlsplit(url).hostname.endswith(".example.org")
        for identifier in service["organization"]["organization_identifiers"]:
            assert identifier["identifier"].startswith("19")  # above any charity or company number issued


@pytest.mark.parametrize(("outcode", "cpa", "town"), [
    ("LS1", "west-yorkshire", "Leeds"),
    ("ls1", "west-yorkshire", "Leeds"),
    ("CH41", "merseyside", "Birkenhead"),
    ("CH1", "cheshire-greater-manchester", "Chester"),
    ("CH5", "wales", "Deeside"),
    ("SY1", "warwickshire-west-mercia", "Shrewsbury"),
    ("SY23", "wales", "Aberystwyth"),
    ("DN1", "south-yorkshire", "Doncaster"),
    ("DN31", "humberside-lincolnshire-north-yorkshire", "Grimsby"),
    ("HP11", "thames-valley", "High Wycombe"),
    ("HP1", "bedfordshire-northamptonshire-cambridgeshire-hertfordshire", "Hemel Hempstead"),
    ("TD15", "northumbria", "Berwick-upon-Tweed"),
    ("SW1A", "london", "London"),
    ("PO30", "hampshire-isle-of-wight", "Newport"),
])
def test_postcode_districts_map_to_their_cpa(outcode, cpa, town):
    place = vocabulary.locate_outcode(outcode)
    assert (place.cpa, place.town) == (cpa, town)


@pytest.mark.parametrize("outcode", ["EH1", "G1", "BT1", "JE2", "TD1", "EC1P", "NE99", "XX1", ""])
def test_districts_outside_england_and_wales_or_without_a_place_are_not_located(outcode):
    assert vocabulary.locate_outcode(outcode) is None


def test_the_vocabulary_covers_every_english_and_welsh_postcode_area_and_cpa():
    with OUTCODES.open(newline="") as rows:
        outcodes = [row["outcode"] for row in csv.DictReader(rows)]
    assert {area_of(o) for o in outcodes} - set(vocabulary.POSTCODE_AREAS) == ELSEWHERE
    located = {vocabulary.locate_outcode(o).cpa for o in outcodes if vocabulary.locate_outcode(o)}
    assert located == set(vocabulary.CONTRACT_PACKAGE_AREAS) == set(vocabulary.CPA_REGION)
    assert len(vocabulary.CONTRACT_PACKAGE_AREAS) == 21
    assert set(vocabulary.CPA_REGION.values()) == set(vocabulary.REGIONS)
    assert list(vocabulary.RESETTLEMENT_PATHWAYS) == [
        "accommodation", "education-training-employment", "health", "drugs-alcohol", "finance-benefit-debt",
        "children-families", "attitudes-thinking-behaviour", "women-abuse-violence", "women-sex-work"]
    assert vocabulary.WOMENS_PATHWAYS == ("women-abuse-violence", "women-sex-work")

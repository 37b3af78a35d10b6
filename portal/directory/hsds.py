"""Open Referral HSDS 3.0 documents: validation, and what the portal derives from a published one."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from portal.directory import vocabulary
from portal.directory.postcodes import outcode_of

SCHEMAS = Path(__file__).parent / "schemas"
LISTING_TAXONOMIES = ("resettlement-pathway", "resettlement-stage", "eligibility", "access-route",
                      "delivery-mode", "capacity-status")


@dataclass(frozen=True)
class Problem:
    field: str  # a path into the document, e.g. "service_at_locations/0/location/latitude"
    message: str

    def __str__(self) -> str:
        return f"{self.field or 'service'}: {self.message}"


@cache
def _validator() -> jsonschema_rs.Draft202012Validator:
    """The HSDS 3.0 service schema, compiled once (about 20 microseconds a service), formats checked."""
    schema = json.loads((SCHEMAS / "service.json").read_text())
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def _schema_problems(document: dict) -> list[Problem]:
    validator = _validator()
    if validator.is_valid(document):
        return []
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.instance_path])
    return [Problem("/".join(str(p) for p in e.instance_path), e.message) for e in errors]


def problems(document: Any) -> list[Problem]:
    """Everything wrong with a fully nested service, as field paths and plain messages."""
    if not isinstance(document, dict):
        return [Problem("", "must be a JSON object (one fully nested service)")]
    found = _schema_problems(document)
    if not str(document.get("name", "")).strip():
        found.append(Problem("name", "a service needs a name"))
    for index, (taxonomy, code) in enumerate(_raw_terms(document)):
        if taxonomy in vocabulary.TAXONOMIES and code not in vocabulary.TAXONOMIES[taxonomy].terms:
            found.append(Problem(f"attributes/{index}/taxonomy_term/code", f"'{code}' is not a {taxonomy} term"))
    return found


def _raw_terms(document: dict) -> list[tuple[str, str]]:
    terms = []
    for attribute in document.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        taxonomy = term.get("taxonomy") or attribute.get("link_type") or ""
        terms.append((taxonomy, term.get("code") or ""))
    return terms


def terms(document: dict) -> set[tuple[str, str]]:
    """The portal's taxonomy terms the document carries (other vocabularies are kept in the document only)."""
    return {(t, c) for t, c in _raw_terms(document)
            if t in vocabulary.TAXONOMIES and c in vocabulary.TAXONOMIES[t].terms}


def attribute(service_id: str, taxonomy: str, code: str) -> dict:
    """An HSDS attribute linking a service to one of the portal's taxonomy terms."""
    term_id = vocabulary.term_id(taxonomy, code)
    return {
        "id": vocabulary.term_id(f"{service_id}/{taxonomy}", code),
        "link_id": service_id, "link_type": taxonomy, "link_entity": "service", "taxonomy_term_id": term_id,
        "taxonomy_term": vocabulary.taxonomy_term(taxonomy, code),
    }


def taxonomy(code: str) -> dict:
    definition = vocabulary.TAXONOMIES[code]
    return {"id": vocabulary.taxonomy_id(code), "name": definition.name, "description": definition.description,
            "uri": f"urn:resettlement-partnership-portal:taxonomy:{code}", "version": "1"}


@dataclass
class LocationFacts:
    uuid: str
    service_at_location_uuid: str
    name: str
    postal_code: str
    outcode: str
    latitude: float | None
    longitude: float | None
    cpa_slug: str | None
    region_slug: str | None


def locations(document: dict) -> list[LocationFacts]:
    """Each place the service is delivered, with its postcode district and the region and CPA it falls in."""
    found = []
    for sal in document.get("service_at_locations") or []:
        location = sal.get("location") or {}
        address = next(iter(location.get("addresses") or []), {})
        postal_code = (address.get("postal_code") or "").strip().upper()
        outcode = outcode_of(postal_code) or ""
        place = vocabulary.locate_outcode(outcode) if outcode else None
        cpa = place.cpa if place else None
        found.append(LocationFacts(
            uuid=location.get("id") or sal.get("location_id") or sal["id"],
            service_at_location_uuid=sal["id"], name=location.get("name") or address.get("address_1") or "",
            postal_code=postal_code, outcode=outcode,
            latitude=location.get("latitude"), longitude=location.get("longitude"),
            cpa_slug=cpa, region_slug=vocabulary.CPA_REGION.get(cpa) if cpa else None,
        ))
    return found


def last_modified(document: dict) -> datetime | None:
    value = document.get("last_modified")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

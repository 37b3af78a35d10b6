"""The listing form's answers <-> an HSDS 3.0 fully nested service.

`answers_from(document)` fills the form from a listing; `build_document(answers, organisation, existing)` turns
the answers back into a document. What the form does not show (contacts, funding, accessibility, other
vocabularies' attributes...) is kept from `existing`, and every id already in it is reused, so the feed's ids
stay stable however often a listing is edited. Lists the form edits as one item (phone, schedule, location,
service area) become that one item: the administrator sees anything removed in the review's difference.
"""
from __future__ import annotations

import copy
import uuid
from datetime import datetime

from portal.accounts import orgid
from portal.accounts.models import Organisation
from portal.database import utcnow
from portal.directory import hsds, postcodes, vocabulary

FREE = "This service is free."
DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday",
        "SU": "Sunday"}
GENDERS = {"anyone": "Anyone", "women-only": "Women only", "men-only": "Men only"}
# Eligibility terms the form asks about as a group of checkboxes (gender and referral have their own questions)
ELIGIBILITY_CHOICES = ("young-adults", "accepts-arson", "accepts-sexual-offences")
# Attributes the form decides; any other vocabulary's attributes are kept as they were
MANAGED_TAXONOMIES = frozenset(hsds.LISTING_TAXONOMIES) | {"sector", "region", "contract-package-area"}


def answers_from(document: dict) -> dict:
    """The form's answers for a listing, as the person would have typed them."""
    codes: dict[str, list[str]] = {}
    for taxonomy, code in sorted(hsds.terms(document)):
        codes.setdefault(taxonomy, []).append(code)
    eligibility = codes.get("eligibility", [])
    location = next(iter(document.get("service_at_locations") or []), {}).get("location") or {}
    address = next(iter(location.get("addresses") or []), {})
    schedules = document.get("schedules") or []
    schedule = schedules[0] if len(schedules) == 1 else {}
    fees = document.get("fees_description") or ""
    free = fees == FREE or (not fees and any(o.get("amount") == 0 for o in document.get("cost_options") or []))
    return {
        "name": document.get("name", ""),
        "description": document.get("description", ""),
        "website": document.get("url", ""),
        "email": document.get("email", ""),
        "phone": next((p["number"] for p in document.get("phones") or []), ""),
        "application_process": document.get("application_process", ""),
        "pathways": codes.get("resettlement-pathway", []),
        "stages": codes.get("resettlement-stage", []),
        "gender": next((g for g in ("women-only", "men-only") if g in eligibility), "anyone"),
        "minimum_age": _text(document.get("minimum_age")),
        "maximum_age": _text(document.get("maximum_age")),
        "eligibility": [code for code in eligibility if code in ELIGIBILITY_CHOICES],
        "referral_needed": "no" if "no-referral-needed" in eligibility else "yes",
        "access_routes": codes.get("access-route", []),
        "capacity": next(iter(codes.get("capacity-status", [])), ""),
        "delivery_modes": codes.get("delivery-mode", []),
        "eligibility_description": document.get("eligibility_description", ""),
        "address_1": address.get("address_1", ""),
        "town": address.get("city", ""),
        "postcode": address.get("postal_code", ""),
        "service_area": next((a.get("name", "") for a in document.get("service_areas") or []), ""),
        "opening_days": [day for day in (schedule.get("byday") or "").split(",") if day in DAYS],
        "opens_at": (schedule.get("opens_at") or "")[:5],
        "closes_at": (schedule.get("closes_at") or "")[:5],
        "hours_description": schedule.get("description", "") if schedule else
        "; ".join(s["description"] for s in schedules if s.get("description")),
        "languages": ", ".join(lang["name"] for lang in document.get("languages") or [] if lang.get("name")),
        "cost": "free" if free else "charge" if fees else "",
        "cost_description": "" if free else fees,
    }


IDENTIFIER_TYPES = {"GB-CHC": "Charity number", "GB-SC": "Scottish charity number",
                    "GB-NIC": "Northern Ireland charity number", "GB-COH": "Company number"}


def organization_identifiers(organisation: Organisation) -> list[dict]:
    """The organisation's charity and company numbers (and any other org-id identifiers), as Open Referral UK
    organization_identifiers: the same fields OCDS and 360Giving draw on (`portal.accounts.orgid`). Each entry's
    id is derived from the identifier, so it stays the same from one edit to the next."""
    return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"org-id:{known}")),
             "organization_id": organisation.open_referral_id, "identifier_scheme": known.scheme,
             "identifier_type": IDENTIFIER_TYPES.get(known.scheme, known.scheme), "identifier": known.identifier}
            for known in orgid.all_of(organisation)]


def build_document(answers: dict, organisation: Organisation, existing: dict | None = None,
                   now: datetime | None = None) -> dict:
    """A valid HSDS document from the form's answers (validated already: the postcode is known)."""
    document = copy.deepcopy(existing) if existing else {"id": _new_id(), "status": "active"}
    service_id = document["id"]
    if "organization" not in document:
        document["organization_id"] = organisation.open_referral_id
        document["organization"] = {"id": organisation.open_referral_id, "name": organisation.name,
                                    "description": organisation.description or ""}
    if document["organization"].get("id") == organisation.open_referral_id:
        _set(document["organization"], "organization_identifiers", organization_identifiers(organisation) or None)
    document.update({
        "name": answers["name"].strip(),
        "description": answers["description"].strip(),
        "application_process": answers["application_process"].strip(),
        "eligibility_description": (answers.get("eligibility_description") or "").strip(),
        "fees_description": FREE if answers["cost"] == "free" else answers["cost_description"].strip(),
        "last_modified": (now or utcnow()).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    })
    _set(document, "url", _website(answers.get("website")))
    _set(document, "email", (answers.get("email") or "").strip().lower())
    _set(document, "minimum_age", _number(answers.get("minimum_age")))
    _set(document, "maximum_age", _number(answers.get("maximum_age")))

    def reuse(key: str) -> dict:
        """The first item of one of the document's lists, or a new one (with a new id) for this service."""
        return copy.deepcopy(next(iter(document.get(key) or []), None) or {"id": _new_id(), "service_id": service_id})

    phone = (answers.get("phone") or "").strip()
    document["phones"] = [{**reuse("phones"), "number": phone}] if phone else []
    area = (answers.get("service_area") or "").strip()
    document["service_areas"] = [{**reuse("service_areas"), "name": area}] if area else []
    document["schedules"] = _schedules(answers, reuse("schedules"))
    document["cost_options"] = [{**reuse("cost_options"), "option": "Free of charge", "amount": 0,
                                 "currency": "GBP"}] if answers["cost"] == "free" else []
    document["languages"] = _languages(answers.get("languages") or "", document.get("languages") or [], service_id)
    location, region, cpa = _location(answers, reuse("service_at_locations"), service_id)
    document["service_at_locations"] = [location]
    document["attributes"] = _attributes(answers, document, organisation, region, cpa)
    return document


# --- The parts ---

def _schedules(answers: dict, schedule: dict) -> list[dict]:
    days = [day for day in DAYS if day in (answers.get("opening_days") or [])]
    description = (answers.get("hours_description") or "").strip()
    for key in ("freq", "wkst", "byday", "opens_at", "closes_at", "description"):
        schedule.pop(key, None)
    if days:
        schedule.update(freq="WEEKLY", wkst="MO", byday=",".join(days), opens_at=answers["opens_at"],
                        closes_at=answers["closes_at"])
    if description:
        schedule["description"] = description
    return [schedule] if days or description else []


def _languages(text: str, existing: list[dict], service_id: str) -> list[dict]:
    known = {lang.get("name", "").casefold(): lang for lang in existing}
    found: dict[str, dict] = {}
    for name in (part.strip() for part in text.split(",")):
        if name and name.casefold() not in found:
            record = known.get(name.casefold()) or {"id": _new_id(), "service_id": service_id}
            found[name.casefold()] = {**record, "name": name}
    return list(found.values())


def _location(answers: dict, service_at_location: dict, service_id: str) -> tuple[dict, str | None, str | None]:
    postcode = " ".join(answers["postcode"].upper().split())
    outcode, latitude, longitude = postcodes.locate(postcode)
    place = vocabulary.locate_outcode(outcode)
    cpa = place.cpa if place else None
    region = vocabulary.CPA_REGION.get(cpa) if cpa else None
    location = service_at_location.get("location") or {"id": _new_id(), "location_type": "physical"}
    address = copy.deepcopy(next(iter(location.get("addresses") or []), None) or {"id": _new_id()})
    address_1 = (answers.get("address_1") or "").strip()
    address.update({"location_id": location["id"], "address_1": address_1, "city": answers["town"].strip(),
                    "postal_code": postcode, "country": "GB", "address_type": "physical",
                    "state_province": "Wales" if region == "wales" else "England"})
    _set(address, "region", vocabulary.REGIONS.get(region or ""))
    location.update({"name": location.get("name") or address_1 or answers["town"].strip(),
                     "latitude": latitude, "longitude": longitude, "addresses": [address]})
    service_at_location.update({"service_id": service_id, "location_id": location["id"], "location": location})
    return service_at_location, region, cpa


def _attributes(answers: dict, document: dict, organisation: Organisation, region: str | None,
                cpa: str | None) -> list[dict]:
    eligibility = [*([answers["gender"]] if answers["gender"] in ("women-only", "men-only") else []),
                   *answers.get("eligibility", []),
                   *(["no-referral-needed"] if answers["referral_needed"] == "no" else [])]
    chosen = [("resettlement-pathway", answers["pathways"]), ("resettlement-stage", answers["stages"]),
              ("eligibility", eligibility), ("access-route", answers["access_routes"]),
              ("capacity-status", [answers["capacity"]]), ("delivery-mode", answers["delivery_modes"]),
              ("sector", [organisation.sector] if organisation.sector in vocabulary.SECTORS else []),
              ("region", [region] if region else []), ("contract-package-area", [cpa] if cpa else [])]
    kept, ids = [], {}
    for attribute in document.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        taxonomy = term.get("taxonomy") or attribute.get("link_type") or ""
        if taxonomy in MANAGED_TAXONOMIES:
            ids[taxonomy, term.get("code")] = attribute["id"]
        else:
            kept.append(attribute)
    made = []
    for taxonomy, codes in chosen:
        for code in codes:
            attribute = hsds.attribute(document["id"], taxonomy, code)
            made.append({**attribute, "id": ids.get((taxonomy, code), attribute["id"])})
    return kept + made


# --- Small helpers ---

def _new_id() -> str:
    return str(uuid.uuid4())


def _set(record: dict, key: str, value) -> None:
    """Set a field, or leave it out when it has no value (HSDS prefers a missing field to an empty one)."""
    if value in (None, ""):
        record.pop(key, None)
    else:
        record[key] = value


def _text(value) -> str:
    return "" if value is None else str(int(value)) if isinstance(value, int | float) else str(value)


def _number(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _website(value: str | None) -> str:
    """A website address as people type it ("www.example.org") as a full URL."""
    value = (value or "").strip()
    if value and "://" not in value:
        value = f"https://{value}"
    return value

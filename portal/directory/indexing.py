"""A published listing as a search document. No personal data goes in: only what the listing publishes."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import search_index
from portal.database import utcnow
from portal.directory.models import ListingState, Service
from portal.extensions import db

UNVERIFIED_AFTER = timedelta(days=365)
HIDDEN_AFTER = timedelta(days=456)  # 15 months

TERM_FIELDS = {"resettlement-pathway": "pathways", "resettlement-stage": "stages", "eligibility": "eligibility",
               "delivery-mode": "delivery_modes", "access-route": "access_routes"}


def freshness(service: Service, now: datetime | None = None) -> str:
    """"fresh", "unverified" (checked over 12 months ago: ranks lower) or "hidden" (over 15 months)."""
    age = (now or utcnow()) - (service.last_checked_at or service.published_at or utcnow())
    return "hidden" if age > HIDDEN_AFTER else "unverified" if age > UNVERIFIED_AFTER else "fresh"


def search_document(service: Service) -> dict | None:
    if service.state != ListingState.PUBLISHED or service.document is None or freshness(service) == "hidden":
        return None
    doc = service.document
    first = next((loc for loc in service.locations if loc.latitude is not None), None)
    document = {
        "id": service.uuid,
        "name": service.name,
        "organisation_name": service.organisation.name,
        "description": doc.get("description") or "",
        "keywords": [t.code.replace("-", " ") for t in service.terms]
                    + [area.get("name", "") for area in doc.get("service_areas") or []],
        **{field: service.term_codes(taxonomy) for taxonomy, field in TERM_FIELDS.items()},
        "regions": sorted({loc.region.slug for loc in service.locations if loc.region}),
        "cpas": sorted({loc.contract_package_area.slug for loc in service.locations if loc.contract_package_area}),
        "sector": service.organisation.sector,
        "capacity": service.capacity,
        "min_age": service.minimum_age,
        "max_age": service.maximum_age,
        "lat": first.latitude if first else None,
        "lon": first.longitude if first else None,
        "postcode": first.postal_code if first else None,
        "last_checked": (service.last_checked_at or service.published_at).date().isoformat(),
        "verified": freshness(service) == "fresh",
        "high_risk": ["approved"] if service.takes_high_risk else [],
    }
    return document


def load(uuids: list[str]) -> list[Service]:
    return list(db.session.scalars(
        select(Service).where(Service.uuid.in_(uuids))
        .options(selectinload(Service.locations), selectinload(Service.terms), selectinload(Service.organisation))))


@search_index.register("services")
def build(uuids: list[str]) -> dict[str, dict | None]:
    found = {service.uuid: search_document(service) for service in load(uuids)}
    return {uuid: found.get(uuid) for uuid in uuids}

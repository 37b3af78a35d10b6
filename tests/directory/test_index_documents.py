"""Search documents built from columns (indexing.documents, what reindexing and the outbox use) are exactly the
documents built from the ORM objects (indexing.search_document), for realistic listings and the edge cases."""
from __future__ import annotations

from sqlalchemy import select

from portal.directory import demo_data, indexing, operations
from portal.directory.models import Service
from tests import factories


def by_objects(uuids: list[str]) -> dict[str, dict | None]:
    found = {service.uuid: indexing.search_document(service) for service in indexing.load(uuids)}
    return {uuid: found.get(uuid) for uuid in uuids}


def comparable(documents: dict[str, dict | None]) -> dict[str, dict | None]:
    """Keywords as a sorted list: the ORM's order of a service's terms is whatever the database returns."""
    return {uuid: doc and {**doc, "keywords": sorted(doc["keywords"])} for uuid, doc in documents.items()}


def test_documents_from_columns_equal_documents_from_objects(app, db):
    operations.import_services(list(demo_data.generate_services(150, seed=7)))
    db.session.commit()
    unverified = factories.published_service(name="Old Listing", last_checked_days_ago=400).uuid
    hidden = factories.published_service(name="Very Old Listing", last_checked_days_ago=500).uuid
    uuids = list(db.session.scalars(select(Service.uuid).order_by(Service.id))) + ["no-such-service"]
    db.session.expunge_all()

    built = indexing.documents(uuids)

    assert comparable(built) == comparable(by_objects(uuids))
    assert built[hidden] is None and built["no-such-service"] is None
    assert built[unverified]["verified"] is False
    assert sum(doc is not None for doc in built.values()) >= 150

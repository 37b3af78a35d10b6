"""The Open Referral UK feed: which published listings a request selects, in what order, and how each is shown.

A list request is answered in one of two ways:

- without ``search``, entirely in SQL: the filters, the count, the order and the page (LIMIT/OFFSET), then the
  page's documents in one more query;
- with ``search``, by the search engine behind /services (typo correction, synonyms, ranking). Filters the
  index holds (taxonomy terms, a distance) go to the engine, which pages. Filters it does not hold
  (organisation, modified after, ages, a postcode without a distance) are applied in SQL to the engine's
  ``MAX_RANKED`` best hits, kept in the engine's order: like Meilisearch's ``max_total_hits``, a text search
  counts at most that many results when it is combined with one of those filters.

Only listings search would show are in the feed (published, not hidden as out of date), and only what their
published HSDS document says: nothing from revisions, problem reports or users.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, Text, case, cast, func, select, type_coerce, union_all
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, array

from portal import search_index
from portal.accounts.models import Organisation
from portal.database import utcnow
from portal.directory import hsds, vocabulary
from portal.directory.indexing import HIDDEN_AFTER
from portal.directory.models import ListingState, Location, Service, ServiceTerm
from portal.extensions import db
from portal.reference.models import ContractPackageArea, Region
from search import SearchQuery
from search.geo import EARTH_RADIUS_M, bounding_box

VERSION = "HSDS-UK-3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_RANKED = 1000
INDEX = "services"
NEAREST_FIRST_RADII_M = (10_000, 50_000, 200_000)

# Portal taxonomy -> the search index filter holding its terms (see search/settings/services.json)
ENGINE_FILTERS = {
    "resettlement-pathway": "pathway", "resettlement-stage": "stage", "eligibility": "eligibility",
    "access-route": "access_route", "delivery-mode": "delivery_mode", "capacity-status": "capacity",
    "sector": "sector", "region": "region", "contract-package-area": "cpa",
}


# --- Identifiers ---

@cache
def _taxonomy_ids() -> dict[str, str]:
    return {vocabulary.taxonomy_id(code): code for code in vocabulary.TAXONOMIES}


@cache
def _term_ids() -> dict[str, tuple[str, str]]:
    return {vocabulary.term_id(taxonomy, code): (taxonomy, code)
            for taxonomy, spec in vocabulary.TAXONOMIES.items() for code in spec.terms}


def taxonomy_for(taxonomy_id: str) -> str | None:
    """The portal taxonomy code behind an HSDS taxonomy id, or None if it names none."""
    return _taxonomy_ids().get(taxonomy_id)


def term_for(term_id: str) -> tuple[str, str] | None:
    """(taxonomy, code) of an HSDS taxonomy term id, or None if it names none."""
    return _term_ids().get(term_id)


# --- Queries ---

@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_m: float | None = None  # None: nearest first, however far


@dataclass(frozen=True)
class FeedQuery:
    search: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    taxonomy: str | None = None
    term: tuple[str, str] | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    near: Near | None = None
    matches_nothing: bool = False  # a filter named a taxonomy, term or organisation that does not exist

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def needs_sql(self) -> bool:
        """Whether some filter or order is one the search index cannot apply."""
        return bool(self.organization_id or self.modified_after or self.minimum_age is not None
                    or self.maximum_age is not None or (self.near and self.near.radius_m is None))


@dataclass
class Page:
    items: list[dict]
    total: int
    page: int
    per_page: int

    def envelope(self) -> dict:
        """The HSDS paginated list."""
        total_pages = math.ceil(self.total / self.per_page)
        return {"total_items": self.total, "total_pages": total_pages, "page_number": self.page,
                "size": len(self.items), "first_page": self.page == 1, "last_page": self.page >= total_pages,
                "empty": not self.items, "contents": self.items}


def _listed() -> list[ColumnElement[bool]]:
    """Listings the feed shows: published and not hidden as out of date (as search does).

    Written so SQLite answers from indexes: a listing's row holds its whole document, so reading a column
    stored after it (such as last_checked_at) from 100,000 rows costs a second, while the few hidden listings
    are found through the last_checked_at index.
    """
    cutoff = utcnow() - HIDDEN_AFTER
    hidden = union_all(
        select(Service.id).where(Service.last_checked_at <= cutoff),
        select(Service.id).where(Service.last_checked_at.is_(None), Service.published_at <= cutoff))
    return [Service.state == ListingState.PUBLISHED, Service.id.not_in(hidden)]


def _has_term(taxonomy: str, code: str) -> ColumnElement[bool]:
    if taxonomy == "region":
        return Service.id.in_(select(Location.service_id).join(Region, Region.id == Location.region_id)
                              .where(Region.slug == code))
    if taxonomy == "contract-package-area":
        return Service.id.in_(select(Location.service_id)
                              .join(ContractPackageArea, ContractPackageArea.id == Location.contract_package_area_id)
                              .where(ContractPackageArea.slug == code))
    if taxonomy == "sector":
        return Service.organisation_id.in_(select(Organisation.id).where(Organisation.sector == code))
    return Service.id.in_(select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == taxonomy,
                                                               ServiceTerm.code == code))


def _has_taxonomy(taxonomy: str) -> ColumnElement[bool]:
    if taxonomy == "region":
        return Service.id.in_(select(Location.service_id).where(Location.region_id.is_not(None)))
    if taxonomy == "contract-package-area":
        return Service.id.in_(select(Location.service_id).where(Location.contract_package_area_id.is_not(None)))
    if taxonomy == "sector":
        return Service.organisation_id.in_(select(Organisation.id).where(
            Organisation.sector.in_(list(vocabulary.SECTORS))))
    return Service.id.in_(select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == taxonomy))


def _conditions(query: FeedQuery) -> list[ColumnElement[bool]]:
    """Every filter of the query, in SQL (distance aside)."""
    conditions = _listed()
    if query.term:
        conditions.append(_has_term(*query.term))
    if query.taxonomy:
        conditions.append(_has_taxonomy(query.taxonomy))
    if query.organization_id:  # through the organisation_id index, not each listing's row
        organisation = select(Organisation.id).where(Organisation.open_referral_id == query.organization_id)
        conditions.append(Service.id.in_(select(Service.id).where(Service.organisation_id.in_(organisation))))
    if query.modified_after:  # through the last_modified index
        conditions.append(Service.id.in_(select(Service.id).where(Service.last_modified >= query.modified_after)))
    if query.minimum_age is not None:
        conditions.append(Service.minimum_age >= query.minimum_age)
    if query.maximum_age is not None:
        conditions.append(Service.maximum_age <= query.maximum_age)
    return conditions


def _distance_m(near: Near) -> ColumnElement[float]:
    """Great-circle distance from the point to a location, in metres (haversine, as the search engine uses)."""
    half_dlat = func.radians(Location.latitude - near.latitude) / 2
    half_dlon = func.radians(Location.longitude - near.longitude) / 2
    h = (func.sin(half_dlat) * func.sin(half_dlat) + math.cos(math.radians(near.latitude))
         * func.cos(func.radians(Location.latitude)) * func.sin(half_dlon) * func.sin(half_dlon))
    return 2 * EARTH_RADIUS_M * func.asin(func.sqrt(h))


def _located(near: Near, distance: ColumnElement[float]) -> list[ColumnElement[bool]]:
    conditions = [Location.latitude.is_not(None), Location.longitude.is_not(None)]
    if near.radius_m is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(near.latitude, near.longitude, near.radius_m)
        conditions += [Location.latitude.between(min_lat, max_lat), Location.longitude.between(min_lon, max_lon),
                       distance <= near.radius_m]
    return conditions


def _nearest(near: Near):
    """Each service's nearest location's distance (services with a location in range only, given a radius)."""
    distance = _distance_m(near)
    return (select(Location.service_id.label("service_id"), func.min(distance).label("distance"))
            .where(*_located(near, distance)).group_by(Location.service_id).subquery())


# --- Services ---

def services(query: FeedQuery, full: bool = False) -> Page:
    """One page of services, as HSDS list items (fully nested services with ``full``)."""
    if query.matches_nothing:
        return Page([], 0, query.page, query.per_page)
    if query.search:
        ids, total = _searched_services(query)
    else:
        ids, total = _sql_services(query)
    items = {uid: full_service(document) for uid, document in _documents(ids).items()} if full else _summaries(ids)
    return Page([items[i] for i in ids if i in items], total, query.page, query.per_page)


def _sql_services(query: FeedQuery) -> tuple[list[str], int]:
    conditions = _conditions(query)

    def listing(near: Near | None) -> tuple[Select, list]:
        statement = select(Service.uuid).where(*conditions)
        if near is None:
            return statement, [Service.id]
        nearest = _nearest(near)
        on = nearest.c.service_id == Service.id
        statement = statement.outerjoin(nearest, on) if near.radius_m is None else statement.join(nearest, on)
        return statement, [nearest.c.distance.asc().nulls_last(), Service.id]

    return _paged(query, listing)


def _paged(query: FeedQuery, listing) -> tuple[list, int]:
    """(the page's rows, the total) of the list ``listing(near)`` builds, nearest first given a point.

    Nearest first with no radius needs every location's distance: slow at scale, so the page is looked for
    within a widening radius first, and only a page beyond the largest computes them all.
    """
    statement, order = listing(query.near)
    total = _count(statement)
    if query.near is not None and query.near.radius_m is None:
        wanted = query.offset + query.per_page
        for radius in NEAREST_FIRST_RADII_M:
            within, within_order = listing(replace(query.near, radius_m=radius))
            found = _count(within)
            if found >= wanted or found == total:
                statement, order = within, within_order
                break
    rows = db.session.execute(statement.order_by(*order).limit(query.per_page).offset(query.offset)).all()
    return [row[0] if len(row) == 1 else tuple(row) for row in rows], total


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def _engine_query(query: FeedQuery, page: int, per_page: int) -> SearchQuery:
    filters: dict[str, list[str]] = {}
    if query.taxonomy:
        filters[ENGINE_FILTERS[query.taxonomy]] = list(vocabulary.TAXONOMIES[query.taxonomy].terms)
    if query.term:  # narrows the taxonomy's filter when both name the same taxonomy
        filters[ENGINE_FILTERS[query.term[0]]] = [query.term[1]]
    geo, sort = None, "relevance"
    if query.near and query.near.radius_m is not None:
        geo, sort = (query.near.latitude, query.near.longitude, query.near.radius_m), "distance"
    return SearchQuery(text=query.search, filters=filters, geo=geo, sort=sort, page=page, per_page=per_page,
                       ids_only=True)  # the feed reads the documents from its own rows


def _ranked(query: FeedQuery) -> list[str]:
    """The ids of the engine's ``MAX_RANKED`` best matches, best first: one request, ids only."""
    result = search_index.backend().search(INDEX, _engine_query(query, 1, MAX_RANKED))
    return [hit.id for hit in result.hits]


def _searched_services(query: FeedQuery) -> tuple[list[str], int]:
    if not query.needs_sql:
        result = search_index.backend().search(INDEX, _engine_query(query, query.page, query.per_page))
        return [hit.id for hit in result.hits], result.total
    ranked = _ranked(query)
    rank = {uid: n for n, uid in enumerate(ranked)}
    matching: list[tuple[str, float | None]] = []
    for chunk in _chunks(ranked, 500):
        statement = select(Service.uuid).where(Service.uuid.in_(chunk), *_conditions(query))
        if query.near:  # nearest first (a postcode without a distance), the engine's order among equals
            nearest = _nearest(query.near)
            statement = statement.add_columns(nearest.c.distance).outerjoin(
                nearest, nearest.c.service_id == Service.id)
            matching += [(uid, distance) for uid, distance in db.session.execute(statement)]
        else:
            matching += [(uid, None) for uid in db.session.scalars(statement)]
    matching.sort(key=lambda m: (m[1] is None, m[1] or 0.0, rank[m[0]]))
    return [uid for uid, _ in matching[query.offset:query.offset + query.per_page]], len(matching)


def _documents(ids: list[str]) -> dict[str, dict]:
    """uuid -> published document, for those of ``ids`` still listed (the index may lag a moment behind)."""
    if not ids:
        return {}
    rows = db.session.execute(select(Service.uuid, Service.document, *_LISTED_BY).where(Service.uuid.in_(ids)))
    return {uid: document for uid, document, *facts in rows if _is_listed(*facts)}


def _summaries(ids: list[str]) -> dict[str, dict]:
    """uuid -> service list item, for those of ``ids`` still listed: the item kept with the listing (a fifth of its
    document's JSON, nothing to prune: 50 items in 1.5 ms where pruning documents as they were read took 2.3 ms);
    for a listing last published before items were kept, made from its document, which the database first
    strips of the arrays a list item does not show."""
    if not ids:
        return {}
    stripped = type_coerce(case((Service.summary.is_(None), _stripped_document())), JSON)
    rows = db.session.execute(select(Service.uuid, Service.summary, stripped, *_LISTED_BY)
                              .where(Service.uuid.in_(ids)))
    return {uid: summary if summary is not None else service_summary(document)
            for uid, summary, document, *facts in rows if _is_listed(*facts)}


# What _is_listed() reads. Looking up a few rows by id, checking these in Python is cheaper than _listed():
# with its conditions SQLite would walk the state index rather than the id's.
_LISTED_BY = (Service.state, Service.last_checked_at, Service.published_at)


def _is_listed(state: str, last_checked_at: datetime | None, published_at: datetime | None) -> bool:
    checked = last_checked_at or published_at  # as indexing.freshness() reads it
    return state == ListingState.PUBLISHED and (checked is None or checked > utcnow() - HIDDEN_AFTER)


def _stripped_document() -> ColumnElement[dict]:
    paths = [(key,) for key in _nested()] + [("organization", key) for key in _nested("organization")]
    if db.session.get_bind().dialect.name == "postgresql":
        document = cast(Service.document, JSONB)
        for path in paths:
            document = document.op("#-")(cast(array(path), ARRAY(Text)))
        return document
    return type_coerce(func.json_remove(Service.document, *("$." + ".".join(path) for path in paths)), JSON)


def service(service_id: str) -> dict | None:
    """The fully nested service as published, or None if the feed does not show it."""
    row = db.session.execute(select(Service.document, *_LISTED_BY).where(Service.uuid == service_id)).first()
    return row[0] if row is not None and _is_listed(*row[1:]) else None


# --- Services at locations ---

def services_at_locations(query: FeedQuery, full: bool = False) -> Page:
    """One page of service_at_location list items: each place a listed service is delivered (with ``full``,
    each fully nested, as ``service_at_location`` gives one)."""
    if query.matches_nothing:
        return Page([], 0, query.page, query.per_page)
    conditions = _conditions(query)

    def listing(near: Near | None) -> tuple[Select, list]:
        statement = select(Location.service_at_location_uuid, Service.uuid).join(Service).where(*conditions)
        if near is None:
            return statement, [Location.id]
        distance = _distance_m(near)
        statement = statement.add_columns(distance.label("distance"))
        if near.radius_m is not None:
            statement = statement.where(*_located(near, distance))
        return statement, [distance.asc().nulls_last(), Location.id]

    if query.search:
        rows = _searched_locations(query, listing(query.near)[0])
        total, rows = len(rows), rows[query.offset:query.offset + query.per_page]
    else:
        rows, total = _paged(query, listing)
    documents = _documents(list({row[1] for row in rows}))
    show = full_location if full else location_summary
    items = [show(documents[row[1]], row[0]) for row in rows if row[1] in documents]
    return Page([item for item in items if item], total, query.page, query.per_page)


def _searched_locations(query: FeedQuery, statement) -> list:
    ranked = _ranked(query)
    rank = {uid: n for n, uid in enumerate(ranked)}
    rows = []
    for chunk in _chunks(ranked, 500):
        rows += db.session.execute(statement.where(Service.uuid.in_(chunk))).all()
    if query.near:
        rows.sort(key=lambda r: (r[2] is None, r[2] or 0.0, rank[r[1]]))
    else:
        rows.sort(key=lambda r: rank[r[1]])  # locations of one service keep their order: the sort is stable
    return rows


def service_at_location(sal_id: str) -> dict | None:
    """One service_at_location, fully nested, with the service it belongs to; None if the feed does not show it."""
    row = db.session.execute(select(Service.document, *_LISTED_BY).join(Location).where(
        Location.service_at_location_uuid == sal_id)).first()
    if row is None or not _is_listed(*row[1:]):
        return None
    return full_location(row[0], sal_id)


def full_location(document: dict, sal_id: str) -> dict | None:
    """A service_at_location fully nested, with its service (all of it bar its other places)."""
    sal = next((s for s in document.get("service_at_locations") or [] if s.get("id") == sal_id), None)
    if sal is None:
        return None
    service_part = {key: value for key, value in document.items() if key != "service_at_locations"}
    return prune({**sal, "service_id": document["id"], "service": service_part})


def location_summary(document: dict, sal_id: str) -> dict | None:
    """A service_at_location list item: its one-to-one fields, its location's and its service's."""
    sal = next((s for s in document.get("service_at_locations") or [] if s.get("id") == sal_id), None)
    if sal is None:
        return None
    item = {key: sal[key] for key in _fields("service_at_location_list.json") if key in sal}
    item["service_id"] = document["id"]
    if location := sal.get("location"):
        item["location"] = {key: location[key] for key in _fields("service_at_location_list.json", "location")
                            if key in location}
    item["service"] = service_summary(document)
    return prune(item)


# --- Serialising ---

def service_summary(document: dict) -> dict:
    """A service list item: the service's one-to-one fields, and its organisation's and programme's."""
    item = {key: document[key] for key in _fields("service_list.json") if key in document}
    for nested in ("organization", "program"):
        if isinstance(part := document.get(nested), dict):
            item[nested] = {key: part[key] for key in _fields("service_list.json", nested) if key in part}
    return prune(item)


def full_service(document: dict) -> dict:
    return prune(document)


@cache
def _schema(name: str) -> dict:
    return json.loads((hsds.SCHEMAS / name).read_text())


@cache
def _fields(schema: str, *path: str) -> tuple[str, ...]:
    """The one-to-one (not object or array) properties a list schema gives an item, or one of its objects."""
    node = _schema(schema)
    for key in path:
        node = node["properties"][key]
    return tuple(key for key, spec in node["properties"].items() if spec.get("type") not in ("object", "array"))


@cache
def _nested(*path: str) -> tuple[str, ...]:
    """What a list item leaves out of a service (or of its part at ``path``): the properties holding arrays or
    objects, bar the organization and program it shows."""
    node = _schema("service.json")
    for key in path:
        node = node["properties"][key]
    return tuple(key for key, spec in node["properties"].items()
                 if spec.get("type") in ("object", "array") and key not in ("organization", "program"))


@cache
def _required() -> frozenset[str]:
    """Every property name some HSDS object requires: kept even when empty, so a document stays valid."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(node.get("required") or [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_schema("service.json"))
    return frozenset(found)


def prune(value: Any) -> Any:
    """The value without empty optional fields (null, "", [] and {}), all the way down."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            item = prune(item)
            if item is None or item == [] or item == {} or (item == "" and key not in _required()):
                continue
            kept[key] = item
        return kept
    if isinstance(value, list):
        return [item for item in (prune(v) for v in value) if item is not None and item != {}]
    return value


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- Taxonomies ---

def taxonomies(search: str = "") -> list[dict]:
    found = [hsds.taxonomy(code) for code in vocabulary.TAXONOMIES]
    return [t for t in found if _matches(search, t["name"], t["description"])]


def taxonomy(taxonomy_id: str) -> dict | None:
    code = taxonomy_for(taxonomy_id)
    if code is None:
        return None
    return {**hsds.taxonomy(code), "taxonomy_terms": [vocabulary.taxonomy_term(code, term)
                                                      for term in vocabulary.TAXONOMIES[code].terms]}


def taxonomy_terms(search: str = "", taxonomy_code: str | None = None) -> list[dict]:
    found = [vocabulary.taxonomy_term(code, term) for code, spec in vocabulary.TAXONOMIES.items()
             if taxonomy_code in (None, code) for term in spec.terms]
    return [t for t in found if _matches(search, t["name"], t["code"], t["description"])]


def taxonomy_term(term_id: str) -> dict | None:
    found = term_for(term_id)
    return vocabulary.taxonomy_term(*found) if found else None


def _matches(search: str, *texts: str) -> bool:
    return not search or any(search.casefold() in text.casefold() for text in texts)


def paginate(items: list[dict], page: int, per_page: int) -> Page:
    start = (page - 1) * per_page
    return Page(items[start:start + per_page], len(items), page, per_page)

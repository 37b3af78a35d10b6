"""The Open Referral UK feed under /api/oruk: public, anonymous, read only.

HSDS 3.0 with the UK profile (``GET /`` says ``"version": "HSDS-UK-3.0"``). Every response, errors included,
carries ``Access-Control-Allow-Origin: *`` so any web page may read it. No token or cookie is needed or
read, and there is nothing to post, so CSRF does not apply. Errors are JSON in the API's one error shape,
naming the parameter that was wrong. The views only parse and check parameters; `feed` does the rest.
"""
from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import ServiceUnavailable

from portal.directory import feed, postcodes
from portal.directory.blueprint import bp
from portal.errors import DomainError
from portal.extensions import csrf
from search import InvalidQuery, SearchUnavailable

oruk = Blueprint("oruk", __name__, url_prefix="/api/oruk")
csrf.exempt(oruk)

PREFIX = "/api/oruk"
MAX_PAGE = 100_000
MAX_PROXIMITY_M = 1_000_000
MAX_SEARCH_CHARS = 200
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# HSDS and UK profile parameters this feed does not offer: refused rather than silently ignored.
NOT_OFFERED = ("minimal", "start_time", "end_time", "day", "top_only", "parent_id", "full_service")
CACHE_SECONDS = 60


class ParameterError(DomainError):
    """A query parameter the feed cannot use; the message names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}", parameter)


class NotFound(DomainError):
    status = 404


# --- Parameters ---

def _text(name: str, limit: int = MAX_SEARCH_CHARS) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > limit:
        raise ParameterError(name, f"must be {limit} characters or fewer")
    return value


def _whole_number(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not lowest <= int(raw) <= highest:
        raise ParameterError(name, f"must be a whole number from {lowest:,} to {highest:,}")
    return int(raw)


def _number(name: str, lowest: float, highest: float, unit: str = "") -> float | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not lowest <= value <= highest:
        raise ParameterError(name, f"must be a number from {lowest:g} to {highest:g}{unit}")
    return value


def _uuid(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not UUID.fullmatch(raw):
        raise ParameterError(name, "must be an id like 3fa85f64-5717-4562-b3fc-2c963f66afa6")
    return raw.lower()


def _boolean(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw not in ("", "true", "false"):
        raise ParameterError(name, "must be true or false")
    return raw == "true"


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+")) if "T" in raw \
            else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    except ValueError:
        raise ParameterError(name, "must be a date or date and time, like 2026-10-01 or 2026-10-01T09:30:00Z")\
            from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _common() -> None:
    for name in NOT_OFFERED:
        if name in request.args:
            raise ParameterError(name, "this feed does not offer this parameter")
    if request.args.get("format", "json").strip().lower() != "json":
        raise ParameterError("format", "only json is offered")


def _paging() -> tuple[int, int]:
    return (_whole_number("page", 1, 1, MAX_PAGE),
            _whole_number("per_page", feed.DEFAULT_PER_PAGE, 1, feed.MAX_PER_PAGE))


def _near() -> feed.Near | None:
    postcode, proximity = _text("postcode", 10), _number("proximity", 1, MAX_PROXIMITY_M, " metres")
    if not postcode:
        if proximity is not None:
            raise ParameterError("proximity", "needs a postcode to measure from")
        return None
    try:
        _, latitude, longitude = postcodes.locate(postcode)
    except DomainError as exc:
        raise ParameterError("postcode", exc.message) from None
    return feed.Near(latitude, longitude, proximity)


def _listing_query() -> feed.FeedQuery:
    """The filters shared by /services and /service_at_locations."""
    _common()
    page, per_page = _paging()
    taxonomy_id, term_id, organization_id = _uuid("taxonomy_id"), _uuid("taxonomy_term_id"), _uuid("organization_id")
    taxonomy = feed.taxonomy_for(taxonomy_id) if taxonomy_id else None
    term = feed.term_for(term_id) if term_id else None
    minimum_age, maximum_age = _number("minimum_age", 0, 150), _number("maximum_age", 0, 150)
    return feed.FeedQuery(
        search=_text("search"), page=page, per_page=per_page, taxonomy=taxonomy, term=term,
        organization_id=organization_id, modified_after=_moment("modified_after"), minimum_age=minimum_age,
        maximum_age=maximum_age, near=_near(),
        matches_nothing=bool(taxonomy_id and taxonomy is None) or bool(term_id and term is None))


def _searching(run, query: feed.FeedQuery) -> feed.Page:
    try:
        return run(query)
    except InvalidQuery as exc:
        raise ParameterError("search", str(exc)) from None
    except SearchUnavailable:
        raise ServiceUnavailable("Search is unavailable at the moment. Try again in a few minutes.") from None


# --- Endpoints ---

@oruk.get("/")
def root():
    return jsonify({"version": feed.VERSION, "profile": feed.PROFILE_URL,
                    "openapi_url": url_for(".openapi", _external=True)})


@oruk.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@oruk.get("/services")
def services():
    query = _listing_query()
    full = _boolean("full")
    return jsonify(_searching(lambda q: feed.services(q, full=full), query).envelope())


@oruk.get("/services/<service_id>")
def service(service_id: str):
    document = feed.service(service_id) if UUID.fullmatch(service_id) else None
    if document is None:
        raise NotFound("No published service has this id")
    return jsonify(feed.full_service(document))


@oruk.get("/service_at_locations")
def service_at_locations():
    query = _listing_query()
    full = _boolean("full")
    return jsonify(_searching(lambda q: feed.services_at_locations(q, full=full), query).envelope())


@oruk.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str):
    found = feed.service_at_location(sal_id) if UUID.fullmatch(sal_id) else None
    if found is None:
        raise NotFound("No published service is delivered at a service_at_location with this id")
    return jsonify(found)


@oruk.get("/taxonomies")
def taxonomies():
    _common()
    page, per_page = _paging()
    return jsonify(feed.paginate(feed.taxonomies(_text("search")), page, per_page).envelope())


@oruk.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = feed.taxonomy(taxonomy_id)
    if found is None:
        raise NotFound("No taxonomy has this id")
    return jsonify(found)


@oruk.get("/taxonomy_terms")
def taxonomy_terms():
    _common()
    page, per_page = _paging()
    taxonomy_id = _uuid("taxonomy_id")
    code = feed.taxonomy_for(taxonomy_id) if taxonomy_id else None
    terms = [] if taxonomy_id and code is None else feed.taxonomy_terms(_text("search"), code)
    return jsonify(feed.paginate(terms, page, per_page).envelope())


@oruk.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    found = feed.taxonomy_term(term_id)
    if found is None:
        raise NotFound("No taxonomy term has this id")
    return jsonify(found)


@oruk.after_app_request
def open_to_every_origin(response):
    """CORS on every feed response, errors and unknown paths included (UK profile: 'all HTTP responses')."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        if response.status_code == 200 and request.method in ("GET", "HEAD"):
            response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


bp.register_blueprint(oruk)


# --- The feed's OpenAPI document ---

HSDS_SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"


def _parameter(name: str, description: str, kind: str = "string", **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": kind, **extra}}


PAGING = [
    _parameter("page", "Page number, from 1.", "integer", minimum=1, maximum=MAX_PAGE, default=1),
    _parameter("per_page", "Results a page.", "integer", minimum=1, maximum=feed.MAX_PER_PAGE,
               default=feed.DEFAULT_PER_PAGE),
]
FILTERS = [
    _parameter("search", "Full text search, as on the portal's service search: typos corrected, synonyms "
                         "matched, best matches first."),
    _parameter("taxonomy_id", "Services with any term of this taxonomy.", format="uuid"),
    _parameter("taxonomy_term_id", "Services with this taxonomy term.", format="uuid"),
    _parameter("organization_id", "Services this organisation provides.", format="uuid"),
    _parameter("modified_after", "Services modified on or after this date or date and time.", format="date-time"),
    _parameter("minimum_age", "Services whose minimum age is at least this.", "number"),
    _parameter("maximum_age", "Services whose maximum age is at most this.", "number"),
    _parameter("postcode", "Nearest first from the centre of this postcode's district."),
    _parameter("proximity", "With postcode: only services with a location within this many metres.", "number",
               minimum=1, maximum=MAX_PROXIMITY_M),
]


def _page_of(schema: str) -> dict:
    return {"200": {"description": "A page of results", "content": {"application/json": {"schema": {
        "allOf": [{"$ref": "#/components/schemas/Page"}],
        "properties": {"contents": {"type": "array", "items": {"$ref": f"{HSDS_SCHEMAS}/{schema}"}}}}}}},
        "400": {"$ref": "#/components/responses/BadParameter"}}


def _one(schema: str, what: str) -> dict:
    return {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"summary": f"One {what}", "responses": {
                "200": {"description": what, "content": {"application/json": {"schema": {
                    "$ref": f"{HSDS_SCHEMAS}/{schema}"}}}},
                "404": {"$ref": "#/components/responses/NotFound"}}}}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Resettlement Partnership Portal: Open Referral UK feed", "version": feed.VERSION,
                 "description": "Published resettlement services as HSDS 3.0 with the Open Referral UK profile. "
                                "Public, read only, no key needed."},
        "servers": [{"url": url_for(".root", _external=True).rstrip("/")}],
        "paths": {
            "/": {"get": {"summary": "About this feed", "responses": {"200": {"description": "version, profile "
                                                                                 "and openapi_url"}}}},
            "/services": {"get": {"summary": "Services", "parameters": [
                *FILTERS, *PAGING, _parameter("full", "true: fully nested services", "boolean")],
                "responses": _page_of("compiled/service_list.json")}},
            "/services/{id}": _one("compiled/service.json", "fully nested service"),
            "/service_at_locations": {"get": {"summary": "Each place a service is delivered",
                                              "parameters": [*FILTERS, *PAGING, _parameter(
                                                  "full", "true: each fully nested", "boolean")],
                                              "responses": _page_of("compiled/service_at_location_list.json")}},
            "/service_at_locations/{id}": _one("compiled/service_at_location_list.json", "service at a location"),
            "/taxonomies": {"get": {"summary": "Taxonomies", "parameters": [FILTERS[0], *PAGING],
                                    "responses": _page_of("taxonomy.json")}},
            "/taxonomies/{id}": _one("taxonomy.json", "taxonomy, with its terms"),
            "/taxonomy_terms": {"get": {"summary": "Taxonomy terms", "parameters": [FILTERS[0], FILTERS[1],
                                                                                      *PAGING],
                                        "responses": _page_of("taxonomy_term.json")}},
            "/taxonomy_terms/{id}": _one("taxonomy_term.json", "taxonomy term"),
        },
        "components": {
            "schemas": {"Page": {"type": "object", "properties": {
                "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                "page_number": {"type": "integer"}, "size": {"type": "integer"},
                "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
                "empty": {"type": "boolean"}}}},
            "responses": {
                "BadParameter": {"description": "A parameter was wrong; error.fields names it"},
                "NotFound": {"description": "Nothing published has this id"},
            },
        },
    }

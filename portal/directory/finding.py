"""Finding services: searching the published directory, counting searches that find nothing, showing one
published listing, and the lists staff save services to.

No request objects here: views hand in `Criteria` (already parsed from the search form) and users.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from portal import audit, search_index
from portal.accounts.models import User
from portal.database import utcnow
from portal.directory import vocabulary
from portal.directory.indexing import freshness
from portal.directory.models import ListingState, SavedList, SavedListItem, SearchGap, Service
from portal.errors import DomainError
from portal.extensions import db
from portal.mail import queue_email
from search import SearchQuery, SearchResult
from search.text import tokenise

log = logging.getLogger(__name__)

INDEX = "services"
MAX_QUERY_CHARS = 200  # longer searches are cut to this (and the page says so)
PER_PAGE = 20
MAX_PAGE = 50  # 1,000 results: as far as an honest total goes
DISTANCES_MILES = (5, 10, 25, 50)
DEFAULT_MILES = 25
METRES_PER_MILE = 1609.344
SORTS = {"relevance": "Relevance", "distance": "Distance", "last_checked": "Last checked"}

# The facets shown on the search page, in order: filter name (search/settings/services.json) -> options.
FACETS: dict[str, tuple[str, dict[str, str]]] = {
    "pathway": ("Resettlement pathway", vocabulary.RESETTLEMENT_PATHWAYS),
    "stage": ("Resettlement stage", vocabulary.RESETTLEMENT_STAGES),
    "region": ("Region", vocabulary.REGIONS),
    "cpa": ("Contract package area", vocabulary.CONTRACT_PACKAGE_AREAS),
    "eligibility": ("Who it is for", vocabulary.ELIGIBILITY),
    "delivery_mode": ("How it is delivered", vocabulary.DELIVERY_MODES),
    "sector": ("Sector", vocabulary.SECTORS),
    "capacity": ("Capacity", vocabulary.CAPACITY_STATUSES),
    "high_risk": ("Risk of serious harm", vocabulary.HIGH_RISK),
}
# Facets shown only to those who refer people (the filter works for anyone who has the link)
REFERRER_FACETS = frozenset({"high_risk"})


# --- Searching ---

@dataclass(frozen=True)
class Place:
    """The centre of a postcode district: all the portal keeps of a postcode someone searched near."""

    outcode: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Criteria:
    """A search, as understood: clean text, known filter values only, a located place."""

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    age: int | None = None
    place: Place | None = None
    miles: int = DEFAULT_MILES
    sort: str = "relevance"
    page: int = 1

    def query(self, **changes) -> SearchQuery:
        geo = (self.place.latitude, self.place.longitude, self.miles * METRES_PER_MILE) if self.place else None
        sort = self.sort if self.sort != "distance" or geo else "relevance"
        query = SearchQuery(text=self.text, filters={k: list(v) for k, v in self.filters.items() if v},
                            facets=list(FACETS), geo=geo, sort=sort, page=self.page, per_page=PER_PAGE,
                            numeric_filters={"age": self.age} if self.age is not None else {})
        return dataclasses.replace(query, **changes)

    @property
    def is_browsing(self) -> bool:
        """Nothing asked for: the whole directory."""
        return not (self.text.strip() or self.filters or self.age is not None or self.place)

    def args(self, **changes) -> dict:
        """URL parameters for this search (pagination, sorting): canonical, and only a postcode's district."""
        values = dataclasses.replace(self, **changes)
        args: dict = {"q": values.text} if values.text else {}
        args |= {name: list(codes) for name, codes in values.filters.items() if codes}
        if values.age is not None:
            args["age"] = values.age
        if values.place:
            args |= {"postcode": values.place.outcode, "distance": values.miles}
        if values.sort != "relevance":
            args["sort"] = values.sort
        if values.page != 1:
            args["page"] = values.page
        return args


def clean_text(text: str) -> tuple[str, bool]:
    """Search text without control characters, whitespace collapsed, cut to MAX_QUERY_CHARS; and whether cut."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text or "")
    text = " ".join(text.split())
    return text[:MAX_QUERY_CHARS], len(text) > MAX_QUERY_CHARS


def shown_facets(criteria: Criteria, refers: bool) -> list[str]:
    """The facets the search page shows: all but those for referrers, unless the person refers or chose one."""
    return [name for name in FACETS if refers or name not in REFERRER_FACETS or criteria.filters.get(name)]


def find_services(criteria: Criteria, facets: Collection[str] | None = None,
                  fields: tuple[str, ...] | None = None) -> SearchResult:
    """One page of services matching the criteria, with facet counts; a search that finds nothing is counted.

    Facet counts are disjunctive: the counts of a facet with options chosen ignore that facet's own choice,
    so its other options still show how many services they would add. Only ``facets`` are counted (default:
    all of FACETS) and, given ``fields``, hits carry only those fields of their documents. Raises SearchError
    (SearchUnavailable when the backend is down).
    """
    counted_facets = list(FACETS) if facets is None else [name for name in FACETS if name in facets]
    chosen = [name for name in counted_facets if criteria.filters.get(name)]
    # a chosen facet's counts come from its own query, without its choice
    query = criteria.query(facets=[name for name in counted_facets if name not in chosen], fields=fields)
    counts = [dataclasses.replace(query, filters={k: v for k, v in query.filters.items() if k != name},
                                  facets=[name], page=1, per_page=1, sort="relevance", ids_only=True)
              for name in chosen]
    # One round trip to the engine: the page and, for each facet with a choice, its counts without that choice
    result, *counted = search_index.backend().search_many(INDEX, [query, *counts])
    for name, facet_result in zip(chosen, counted, strict=True):
        result.facets[name] = facet_result.facets.get(name, {})
    if result.total == 0 and criteria.page == 1 and not criteria.is_browsing:
        record_search_gap(normalise_query(criteria.text), canonical_filters(criteria))
    return result


# --- Searches that found nothing ---

_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.IGNORECASE)
# Whole chunks (between spaces) that are not words: an email address, a link with or without its scheme
# ("https://x.example/a", "www.x.example", "x.example/offer", "evil.com"), anything with a scheme ("mailto:").
_NOT_WORDS = re.compile(r"\S*@\S*|\S*://\S*|\S*\bwww\.\S*|\S*[\w-]\.[^\W\d_]{2,}\b\S*|\S*\b[a-z]+:\S+",
                        re.IGNORECASE)
LINK_WORDS = frozenset({"http", "https", "www", "ftp", "mailto", "javascript", "data", "file"})  # left by a link
MAX_GAP_WORDS = 8  # the words of a search as counted: enough to show what was looked for
MAX_GAP_WORD_CHARS = 24  # a longer "word" is a code, a token or a message, not a search word
MAX_GAP_CHARS = 80


def normalise_query(text: str) -> str:
    """The words of a search as counted and as shown to administrators: plain folded words only (never a link, an
    email address or a long string), at most eight, without what could identify someone (a postcode's last part,
    numbers of four digits or more such as phone or prison numbers). Used when recording and again when showing
    what was recorded before these rules."""
    text = _NOT_WORDS.sub(" ", _FULL_POSTCODE.sub(r"\1", text or ""))
    words = ["#" if sum(c.isdigit() for c in word) >= 4 else word for word in tokenise(text)
             if len(word) <= MAX_GAP_WORD_CHARS and word not in LINK_WORDS]
    return " ".join(words[:MAX_GAP_WORDS])[:MAX_GAP_CHARS].strip()


def canonical_filters(criteria: Criteria) -> str:
    """The filters as one stable string ("age=19; pathway=accommodation,health; within=10mi:LS1")."""
    parts = [f"{name}={','.join(sorted(codes))}" for name, codes in sorted(criteria.filters.items()) if codes]
    if criteria.age is not None:
        parts.append(f"age={criteria.age}")
    if criteria.place:
        parts.append(f"within={criteria.miles}mi:{criteria.place.outcode}")
    return "; ".join(sorted(parts))[:500]


def record_search_gap(query: str, filters: str) -> None:
    """Count one search that found nothing: an atomic insert-or-increment, safe when two requests race."""
    if not (query or filters):
        return
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SearchGap).values(query=query, filters=filters, count=1, first_seen=now, last_seen=now)
    statement = statement.on_conflict_do_update(
        index_elements=["query", "filters"],
        set_={"count": SearchGap.__table__.c.count + 1, "last_seen": statement.excluded.last_seen})
    db.session.execute(statement)


def frequent_search_gaps(limit: int = 50) -> list[SearchGap]:
    return list(db.session.scalars(select(SearchGap).order_by(SearchGap.count.desc(), SearchGap.last_seen.desc())
                                   .limit(limit)))


def describe_filters(canonical: str) -> list[str]:
    """A canonical filters string in words: ["Resettlement pathway: Accommodation, Health", "Age: 19", ...]."""
    described = []
    for part in filter(None, canonical.split("; ")):
        name, _, value = part.partition("=")
        if name in FACETS:
            legend, options = FACETS[name]
            described.append(f"{legend}: {', '.join(options.get(code, code) for code in value.split(','))}")
        elif name == "age":
            described.append(f"Age: {value}")
        elif name == "within":
            miles, _, outcode = value.partition("mi:")
            described.append(f"Within {miles} miles of {outcode}")
        else:
            described.append(part)
    return described


# --- One published listing ---

def listed_service(service_uuid: str) -> Service | None:
    """A published listing anyone may see: not a draft, not withdrawn, not hidden for being out of date."""
    service = db.session.scalar(
        select(Service).where(Service.uuid == service_uuid, Service.state == ListingState.PUBLISHED)
        .options(selectinload(Service.organisation), selectinload(Service.terms)))
    if service is None or service.document is None or not is_listed(service):
        return None
    return service


def is_listed(service: Service) -> bool:
    return (service.state == ListingState.PUBLISHED and service.document is not None
            and service.freshness != "hidden" and freshness(service) != "hidden")


# --- Saved lists ---

LIST_NAME_MAX = 100


def saved_lists(user: User) -> list[SavedList]:
    return list(db.session.scalars(select(SavedList).where(SavedList.user_id == user.id)
                                   .order_by(SavedList.updated_at.desc(), SavedList.id.desc())
                                   .options(selectinload(SavedList.items))))


SAVED_LIST_LOADING = (selectinload(SavedList.items).selectinload(SavedListItem.service),)


def saved_list(list_uuid: str) -> SavedList | None:
    return db.session.scalar(select(SavedList).where(SavedList.uuid == list_uuid).options(*SAVED_LIST_LOADING))


def _check_list_name(user: User, name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter a name for the new list", "new_list_name")
    if len(name) > LIST_NAME_MAX:
        raise DomainError(f"List name must be {LIST_NAME_MAX} characters or fewer", "new_list_name")
    taken = db.session.scalar(select(func.count()).select_from(SavedList).where(
        SavedList.user_id == user.id, func.lower(SavedList.name) == name.lower()))
    if taken:
        raise DomainError(f"You already have a list called ‘{name}’. Choose it, or use another name",
                          "new_list_name")
    return name


def save_service(user: User, service: Service, list_uuid: str | None, new_list_name: str = "") -> SavedList:
    """Add a listed service to one of the user's lists, or to a new list with the name given."""
    if list_uuid:
        chosen = saved_list(list_uuid)
        if chosen is None or chosen.user_id != user.id:
            raise DomainError("Select a list to save the service to", "saved_list")
        if any(item.service_id == service.id for item in chosen.items):
            raise DomainError(f"This service is already in ‘{chosen.name}’. Choose another list", "saved_list")
    else:
        chosen = SavedList(user_id=user.id, name=_check_list_name(user, new_list_name))
        db.session.add(chosen)
    chosen.items.append(SavedListItem(service=service))
    chosen.updated_at = utcnow()
    db.session.flush()
    return chosen


def remove_service(chosen: SavedList, service_uuid: str) -> Service | None:
    item = next((item for item in chosen.items if item.service.uuid == service_uuid), None)
    if item is None:
        return None
    chosen.items.remove(item)
    chosen.updated_at = utcnow()
    return item.service


def delete_list(chosen: SavedList) -> None:
    db.session.delete(chosen)


def send_list(chosen: SavedList, sender: User, address: str) -> int:
    """Email a link to each listed service in the list (no personal details: the list's name and public
    listings only). Returns how many services the email names."""
    services = [item.service for item in chosen.items if is_listed(item.service)]
    if not services:
        raise DomainError("There are no services in this list to send", "email")
    links = [{"name": service.name, "link": url_for("directory.service", service_uuid=service.uuid, _external=True)}
             for service in services]
    queue_email(address.strip(), "A list of resettlement services", "saved_list",
                list_name=chosen.name, services=links)
    audit.record("saved_list.emailed", "saved_list", chosen.uuid, actor=sender, details={"services": len(links)})
    return len(links)

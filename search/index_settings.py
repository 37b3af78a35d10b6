"""Index settings, loaded from ``search/settings/<index>.json``, and query validation against them.

A settings file holds:

- ``primary_key``: the document field holding the unique id.
- ``searchable``: text fields and their weights, most important first.
- ``filters``: public filter name -> document field. Only these names can be filtered on; a value
  may be a string, a boolean ("true"/"false") or a list of strings.
- ``facets``: the filter names whose value counts can be asked for.
- ``numeric_filters``: name -> {"min": field, "max": field}; a query value X keeps documents whose
  min is null or <= X and whose max is null or >= X.
- ``sorts``: public sort name -> "field:desc" or "field:asc" ("relevance" and "distance" are built in).
- ``geo``: {"lat": field, "lon": field} when documents have a location.
- ``demote``: {"field", "value", "factor"}: documents whose boolean field equals value rank below the others.
  The embedded backend multiplies their text score by factor; Meilisearch ranks them after the
  typo rule, so they still come before documents that match the query less well.
- ``max_total_hits``: the most results Meilisearch counts exactly; totals above it are capped.
- ``stop_words`` and ``synonyms``: groups of interchangeable words or phrases, or the name of a file in
  ``settings/`` holding them, one group a line, phrases separated by commas, ``#`` starting a comment.
- ``weak_words``: words a query can do without, left out first when no document holds every word ("help").
- ``places``: {"file": gazetteer CSV in ``settings/``}: place words in a query rank nearby documents first
  (needs ``geo``). See ``search/relevance.py``.
- ``diversify``: fields that together make near-duplicates (same organisation, same name): their repeats
  move down the first results.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from search import MAX_IDS_PER_PAGE, MAX_PER_PAGE, InvalidQuery, SearchError, SearchQuery
from search.relevance import Gazetteer, Understood
from search.text import MAX_QUERY_CHARS, Phrase, Synonyms, fold, query_terms
from search.util import as_list

SETTINGS_DIR = Path(__file__).with_name("settings")
_INDEX_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")

MAX_FILTER_VALUES = 50
MAX_FILTER_VALUE_CHARS = 200
MAX_RADIUS_M = 1_000_000


@dataclass(frozen=True)
class RangeFilter:
    min_field: str
    max_field: str


@dataclass(frozen=True)
class SortOrder:
    field: str
    descending: bool


@dataclass(frozen=True)
class GeoFields:
    lat: str
    lon: str


@dataclass(frozen=True)
class Demotion:
    field: str
    value: Any
    factor: float


@dataclass(frozen=True)
class IndexSettings:
    name: str
    primary_key: str
    searchable: dict[str, float]
    filters: dict[str, str]
    facets: tuple[str, ...]
    numeric_filters: dict[str, RangeFilter]
    sorts: dict[str, SortOrder]
    geo: GeoFields | None
    demote: Demotion | None
    max_total_hits: int
    stop_words: frozenset[str]
    synonyms: Synonyms
    weak_words: frozenset[str] = frozenset()
    places_file: str | None = None
    diversify: tuple[str, ...] = ()

    @property
    def gazetteer(self) -> Gazetteer | None:
        return Gazetteer.load(self.places_file, self.stop_words) if self.places_file and self.geo else None

    def units(self, terms: list[str]) -> list[tuple[Phrase, tuple[Phrase, ...]]]:
        """The query's units of meaning (``Synonyms.units``) that must match: weak words ("help", "urgent")
        only when the query has nothing else, as they would exclude services that never use them."""
        units = self.synonyms.units(terms)
        strong = [u for u in units if not (len(u[0]) == 1 and u[0][0] in self.weak_words)]
        return strong or units

    def understand(self, text: str) -> Understood:
        """The query's words to match as text, and the place it names (see ``search.relevance``)."""
        terms = query_terms(text, self.stop_words)
        gazetteer = self.gazetteer
        return gazetteer.understand(text[:MAX_QUERY_CHARS], terms) if gazetteer else Understood(terms)

    @property
    def attribute_fields(self) -> tuple[str, ...]:
        """Every non-text field the backends filter, sort or rank on."""
        fields = [*self.filters.values()]
        for rf in self.numeric_filters.values():
            fields += [rf.min_field, rf.max_field]
        fields += [s.field for s in self.sorts.values()]
        if self.demote:
            fields.append(self.demote.field)
        return tuple(dict.fromkeys(fields))

    def texts(self, doc: dict[str, Any]) -> list[str]:
        """The document's searchable fields as text, most important first (lists joined by spaces)."""
        return [" ".join(str(v) for v in as_list(doc.get(f))) for f in self.searchable]

    def point(self, doc: dict[str, Any]) -> tuple[float, float] | None:
        """The document's (lat, lon), or None if it has no location."""
        if self.geo is None or doc.get(self.geo.lat) is None or doc.get(self.geo.lon) is None:
            return None
        return float(doc[self.geo.lat]), float(doc[self.geo.lon])

    def check(self, query: SearchQuery) -> SearchQuery:
        """Validate a query against this index; return it normalised (deduplicated values, page bounds).

        Raises InvalidQuery with a message fit for a user.
        """
        if not isinstance(query.text, str):
            raise InvalidQuery("Search text must be text")
        return dataclasses.replace(
            query,
            filters=self._check_filters(query.filters),
            facets=self._check_facets(query.facets),
            geo=self._check_geo(query.geo),
            sort=self._check_sort(query.sort, query.geo),
            page=max(1, _as_int(query.page, "Page")),
            per_page=min(max(1, _as_int(query.per_page, "Results per page")),
                         MAX_IDS_PER_PAGE if query.ids_only else MAX_PER_PAGE),
            numeric_filters=self._check_numeric(query.numeric_filters),
            fields=self._check_fields(query.fields),
        )

    @staticmethod
    def _check_fields(fields: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if fields is None:
            return None
        if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
            raise InvalidQuery("Fields must be a list of field names")
        return tuple(dict.fromkeys(fields))

    def hit_document(self, query: SearchQuery, doc: dict[str, Any]) -> dict[str, Any]:
        """What a hit carries of its document: the id alone (``ids_only``), the id and the query's ``fields``,
        or the whole document."""
        if query.ids_only:
            return {self.primary_key: doc[self.primary_key]}
        if query.fields is not None:
            return {name: doc[name] for name in (self.primary_key, *query.fields) if name in doc}
        return doc

    def _check_filters(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        checked: dict[str, list[str]] = {}
        for name, values in filters.items():
            if name not in self.filters:
                raise InvalidQuery(f"There is no filter called ‘{_shown(name)}’")
            if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
                raise InvalidQuery(f"Filter ‘{name}’ needs a list of values")
            if len(values) > MAX_FILTER_VALUES:
                raise InvalidQuery(f"Choose at most {MAX_FILTER_VALUES} options for ‘{name}’")
            if any(len(v) > MAX_FILTER_VALUE_CHARS for v in values):
                raise InvalidQuery(f"An option for ‘{name}’ is too long")
            if values:
                checked[name] = list(dict.fromkeys(values))
        return checked

    def _check_facets(self, facets: list[str]) -> list[str]:
        for name in facets:
            if name not in self.facets:
                raise InvalidQuery(f"Results cannot be counted by ‘{_shown(name)}’")
        return list(dict.fromkeys(facets))

    def _check_geo(self, geo: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
        if geo is None:
            return None
        if self.geo is None:
            raise InvalidQuery("These results cannot be searched by location")
        try:
            lat, lon, radius = (_as_number(v, "Location") for v in geo)
        except (TypeError, ValueError):
            raise InvalidQuery("Location must be a latitude, a longitude and a distance") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidQuery("Location is not a valid latitude and longitude")
        if not 0 < radius <= MAX_RADIUS_M:
            raise InvalidQuery(f"Distance must be more than 0 and at most {MAX_RADIUS_M // 1000} km")
        return (lat, lon, radius)

    def _check_sort(self, sort: str, geo: tuple[float, float, float] | None) -> str:
        allowed = ["relevance", *(["distance"] if self.geo else []), *self.sorts]
        if sort not in allowed:
            raise InvalidQuery(f"Sort by one of: {', '.join(allowed)}")
        if sort == "distance" and geo is None:
            raise InvalidQuery("Enter a location to sort by distance")
        return sort

    def _check_numeric(self, numeric: dict[str, float]) -> dict[str, float]:
        for name in numeric:
            if name not in self.numeric_filters:
                raise InvalidQuery(f"There is no filter called ‘{_shown(name)}’")
        return {name: _as_number(value, name.capitalize()) for name, value in numeric.items()}


def _shown(name: object) -> str:
    """A name from a query, cut short for an error message."""
    text = str(name)
    return text if len(text) <= 40 else text[:39] + "…"


def _as_number(value: object, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidQuery(f"{label} must be a number")
    return float(value)


def _as_int(value: object, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidQuery(f"{label} must be a whole number")
    return value


def facet_key(value: object) -> str:
    """How a filterable value is matched and counted: booleans as "true"/"false", others as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@cache
def load_settings(index: str) -> IndexSettings:
    """The settings of ``index``, read once per process."""
    path = SETTINGS_DIR / f"{index}.json"
    if not _INDEX_NAME.fullmatch(index) or not path.is_file():
        raise SearchError(f"Unknown search index {index!r}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    demote = raw.get("demote")
    geo = raw.get("geo")
    stop_words = frozenset(fold(w) for w in raw.get("stop_words", ()))
    settings = IndexSettings(
        name=index,
        primary_key=raw["primary_key"],
        searchable=dict(sorted(raw["searchable"].items(), key=lambda kv: -kv[1])),
        filters=dict(raw["filters"]),
        facets=tuple(raw.get("facets", ())),
        numeric_filters={
            name: RangeFilter(spec["min"], spec["max"]) for name, spec in raw.get("numeric_filters", {}).items()
        },
        sorts={name: _sort_order(spec) for name, spec in raw.get("sorts", {}).items()},
        geo=GeoFields(geo["lat"], geo["lon"]) if geo else None,
        demote=Demotion(demote["field"], demote["value"], float(demote["factor"])) if demote else None,
        max_total_hits=int(raw.get("max_total_hits", 1000)),
        stop_words=stop_words,
        synonyms=Synonyms(_synonym_groups(raw.get("synonyms", ())), stop_words),
        weak_words=frozenset(fold(w) for w in raw.get("weak_words", ())),
        places_file=(raw.get("places") or {}).get("file"),
        diversify=tuple(raw.get("diversify", ())),
    )
    unknown = set(settings.facets) - settings.filters.keys()
    if unknown:
        raise SearchError(f"{path.name}: facets {sorted(unknown)} are not filters")
    if settings.demote and not isinstance(settings.demote.value, bool):
        raise SearchError(f"{path.name}: demote.value must be true or false")
    return settings


def _synonym_groups(spec: str | list[list[str]]) -> list[list[str]]:
    if not isinstance(spec, str):
        return spec
    groups = []
    for line in (SETTINGS_DIR / spec).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([phrase.strip() for phrase in line.split(",") if phrase.strip()])
    return groups


def _sort_order(spec: str) -> SortOrder:
    field, _, direction = spec.partition(":")
    if direction not in ("asc", "desc"):
        raise SearchError(f"Sort {spec!r} must end in :asc or :desc")
    return SortOrder(field, direction == "desc")


def sort_facet_counts(counts: dict[str, int]) -> dict[str, int]:
    """Facet counts in display order: most common first, then alphabetical."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

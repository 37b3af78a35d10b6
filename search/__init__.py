"""Search: one interface, two backends.

``get_backend(config)`` returns the Meilisearch backend when ``MEILI_URL`` is set, otherwise the embedded
SQLite FTS5 backend. Both take a ``SearchQuery`` and return a ``SearchResult``; what an index can be
searched, filtered, faceted and sorted by is data, in ``search/settings/<index>.json``.

Create one backend per process and share it between threads: the embedded backend keeps per-index
state in memory that is expensive to rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "Hit",
    "InvalidQuery",
    "SearchBackend",
    "SearchError",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "get_backend",
]

MAX_PER_PAGE = 100
MAX_IDS_PER_PAGE = 1000  # per page when only ids come back (SearchQuery.ids_only)


class SearchError(Exception):
    """Any failure of the search layer."""


class SearchUnavailable(SearchError):
    """The backend cannot be reached or is not working; show a 'try again later' page."""


class InvalidQuery(SearchError):
    """The query asks for something the index does not offer. The message is fit to show a user."""


@dataclass
class SearchQuery:
    """What to look for.

    ``filters`` maps a filter name to accepted values: any value of one name may match (OR), every
    name must match (AND). ``geo`` is (latitude, longitude, radius in metres): only documents within
    the radius match. ``sort`` is "relevance", "distance" (nearest first; needs ``geo``) or a sort the
    index settings name, e.g. "last_checked" (newest first). ``numeric_filters`` maps a range filter
    name to a number the document's range must accept, e.g. ``{"age": 19}`` keeps services whose
    ``min_age`` is null or at most 19 and whose ``max_age`` is null or at least 19.
    """

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: list[str] = field(default_factory=list)
    geo: tuple[float, float, float] | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    numeric_filters: dict[str, float] = field(default_factory=dict)
    ids_only: bool = False
    """Hits carry only their id (``document`` is ``{primary key: id}``) and ``per_page`` may go up to
    ``MAX_IDS_PER_PAGE``: for callers that use nothing else (the feed ranks ids, then reads its own rows).
    No "Showing results for" correction is inferred (it reads the top hits' words)."""
    fields: tuple[str, ...] | None = None
    """The document fields the caller reads: hits carry only these and the id (``None``: whole documents). The
    engine returns no more than ranking, diversifying and the correction need, so a page decodes less."""


@dataclass
class Hit:
    """One result. ``score`` is higher for better matches, comparable only within one result list.
    ``distance_m`` is set when the query has ``geo``. ``document`` is the document as indexed."""

    id: str
    score: float
    distance_m: float | None
    document: dict[str, Any]


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    total_is_capped: bool
    facets: dict[str, dict[str, int]]
    corrected_text: str | None = None
    # Words of the query no result holds, left out so that the search finds something ("help")
    left_out: list[str] = field(default_factory=list)
    # The place the query's text named ("Leeds", "LS9"): results within its reach come first
    place: str | None = None


class SearchBackend(Protocol):
    """The operations the app relies on. ``index`` names a settings file, e.g. ``"services"``."""

    def ensure_index(self, index: str) -> None:
        """Create the index if needed and apply its settings. Idempotent; call at start-up."""

    def search(self, index: str, query: SearchQuery) -> SearchResult: ...

    def search_many(self, index: str, queries: list[SearchQuery]) -> list[SearchResult]:
        """The results of several queries, in order, in one round trip to the engine where it allows
        (Meilisearch's multi-search): e.g. a page's results plus the facet counts of each chosen facet."""

    def upsert(self, index: str, docs: list[dict[str, Any]]) -> None:
        """Add or replace documents by primary key; visible to searches once this returns."""

    def delete(self, index: str, ids: list[str]) -> None: ...

    def rebuild(
        self,
        index: str,
        docs: Iterable[dict[str, Any]],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Replace the whole index with ``docs``; searches see the old content until it is done.

        ``total`` is how many documents ``docs`` holds, if known, for the caller's progress display;
        ``progress`` is called with the number of documents written so far.
        """

    def count(self, index: str) -> int: ...

    def health(self) -> bool: ...


def get_backend(config: Mapping[str, Any]) -> SearchBackend:
    """The Meilisearch backend when ``MEILI_URL`` is configured, else the embedded one."""
    if config.get("MEILI_URL"):
        from search.meili import MeiliBackend

        return MeiliBackend(
            config["MEILI_URL"],
            api_key=config.get("MEILI_KEY"),
            search_key=config.get("MEILI_SEARCH_KEY"),
        )
    from search.sqlite_fts import SqliteBackend

    return SqliteBackend(config["SEARCH_SQLITE_PATH"])

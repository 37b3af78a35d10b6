"""Meilisearch backend (``MEILI_URL``, ``MEILI_KEY``, optional ``MEILI_SEARCH_KEY``).

Settings come from the same ``search/settings/<index>.json`` as the embedded backend and every
settings or document task is waited on, so a write is searchable when the call returns. Filter
expressions are built only from the fixed filter list, every value escaped and quoted.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError
from meilisearch.index import Index
from meilisearch.models.task import TaskInfo

from search import Hit, SearchError, SearchQuery, SearchResult, SearchUnavailable
from search.geo import haversine_m
from search.index_settings import IndexSettings, load_settings, sort_facet_counts
from search.relevance import DIVERSIFY_WINDOW, Place, diversify, duplicate_key, informativeness, left_out_words, relax
from search.spelling import corrected_text, infer_corrections
from search.text import ONE_TYPO_MIN_CHARS, TWO_TYPOS_MIN_CHARS, Phrase, nothing_to_search_for
from search.util import batches

BATCH_SIZE = 1000
REBUILD_BATCH_SIZE = 10_000  # a full rebuild sends fewer, larger batches: Meilisearch indexes them faster
SEARCH_TIMEOUT_S = 5  # a search slower than this is reported as SearchUnavailable
WRITE_TIMEOUT_S = 60
TASK_TIMEOUT_MS = 600_000
TASK_POLL_MS = 10
CORRECTION_HITS = 3  # top hits whose words reveal how Meilisearch corrected a typo


def meili_settings(settings: IndexSettings) -> dict[str, Any]:
    """The Meilisearch form of an index's settings."""
    geo = ["_geo"] if settings.geo else []
    ranges = [f for rf in settings.numeric_filters.values() for f in (rf.min_field, rf.max_field)]
    # "sort" first: an explicit sort (distance, last checked) is strict, as in the embedded backend
    ranking = ["sort", "words", "typo", "proximity", "attribute", "exactness"]
    if settings.demote:
        # after "typo": among documents matching the query equally well, the demoted ones come last
        direction = "desc" if settings.demote.value is False else "asc"
        ranking.insert(ranking.index("typo") + 1, f"{settings.demote.field}:{direction}")
    return {
        "searchableAttributes": list(settings.searchable),
        "filterableAttributes": list(dict.fromkeys([*settings.filters.values(), *ranges, *geo, settings.primary_key])),
        "sortableAttributes": [*(s.field for s in settings.sorts.values()), *geo],
        "rankingRules": ranking,
        "synonyms": settings.synonyms.as_mapping(),
        "stopWords": sorted(settings.stop_words),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_MIN_CHARS, "twoTypos": TWO_TYPOS_MIN_CHARS},
        },
        "pagination": {"maxTotalHits": settings.max_total_hits},
        "facetSearch": False,  # unused, and building it slows every write
    }


def quote(value: str) -> str:
    """A Meilisearch filter string literal: backslashes and double quotes escaped, then quoted."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expressions(settings: IndexSettings, query: SearchQuery) -> list[str]:
    """The query's filters as Meilisearch expressions, all of which must hold.

    Attribute names come only from the settings (the query was checked against them); values are
    only ever quoted literals or numbers.
    """
    expressions = [
        f"{settings.filters[name]} IN [{', '.join(quote(v) for v in values)}]" for name, values in query.filters.items()
    ]
    for name, value in query.numeric_filters.items():
        rf = settings.numeric_filters[name]
        expressions += [
            f"({rf.min_field} NOT EXISTS OR {rf.min_field} IS NULL OR {rf.min_field} <= {value!r})",
            f"({rf.max_field} NOT EXISTS OR {rf.max_field} IS NULL OR {rf.max_field} >= {value!r})",
        ]
    if query.geo:
        lat, lon, radius = query.geo
        expressions.append(f"_geoRadius({lat!r}, {lon!r}, {radius!r})")
    return expressions


@dataclass
class _Plan:
    """How one query is asked: its windows, and what turning their responses into a result needs."""

    query: SearchQuery
    place: Place | None
    filters: list[str]
    units: list[tuple[Phrase, tuple[Phrase, ...]]]
    skip: int  # results before the page within the windows' first results
    diversifying: bool
    windows: list[dict[str, Any]]
    text: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    empty: SearchResult | None = None  # the answer without asking: nothing to search for


class MeiliBackend:
    """Thread-safe: each thread gets its own client (the client's request headers are shared state) and its own
    search connection."""

    def __init__(
        self, url: str, api_key: str | None = None, search_key: str | None = None, index_prefix: str = ""
    ) -> None:
        """``index_prefix`` namespaces index uids, e.g. to share one server between environments or tests."""
        self._url = url
        self._api_key = api_key
        self._search_key = search_key or api_key
        self._prefix = index_prefix
        self._local = threading.local()
        self._ensured: set[str] = set()

    # -- interface ---------------------------------------------------------------------------

    def ensure_index(self, index: str) -> None:
        settings = load_settings(index)
        uid = self._uid(index)
        self._create(uid, settings.primary_key)
        self._configure(uid, settings)
        self._ensured.add(index)

    def search_many(self, index: str, queries: list[SearchQuery]) -> list[SearchResult]:
        """Every query's windows (place tiers, the first results to diversify) in one multi-search: one HTTP
        request for a page and its facet counts. A query no document fully matches is then relaxed, which
        asks again (the counts that choose the words to leave out, then the relaxed search)."""
        settings = load_settings(index)
        checked = [settings.check(query) for query in queries]  # a bad query is refused before any request
        plans = [self._plan(index, settings, query) for query in checked]
        sent = [request for plan in plans for request in plan.requests]
        responses = self._multi(sent) if sent else []
        results: list[SearchResult] = []
        for plan in plans:
            if plan.empty is not None:
                results.append(plan.empty)
                continue
            mine, responses = responses[: len(plan.requests)], responses[len(plan.requests) :]
            results.append(self._finish(index, settings, plan, mine))
        return results

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        return self.search_many(index, [query])[0]

    def _plan(self, index: str, settings: IndexSettings, query: SearchQuery) -> _Plan:
        """The multi-search queries that answer ``query`` (a checked query)."""
        understood = settings.understand(query.text)
        terms = understood.terms
        place = understood.place if query.geo is None else None  # a distance search names its own place
        if nothing_to_search_for(query.text, terms) and understood.place is None:  # an empty `q` finds everything
            return _Plan(query, place, [], [], 0, False, [], empty=SearchResult(
                hits=[], total=0, total_is_capped=False, facets={name: {} for name in query.facets},
                corrected_text=None))
        filters = filter_expressions(settings, query)
        offset = (query.page - 1) * query.per_page
        # A single first result is never moved by diversifying (facet counts ask for one)
        diversifying = (bool(settings.diversify) and query.sort == "relevance" and offset < DIVERSIFY_WINDOW
                        and offset + query.per_page > 1)
        # One query gives the page, the total and the facet counts; with a place named in the text, one
        # per tier gives those within its reach and the rest. From the first page to DIVERSIFY_WINDOW,
        # the first results are fetched so that near-duplicates can be moved down.
        if place is None and not diversifying:
            windows = [{"filter": filters, "page": query.page, "hitsPerPage": query.per_page}]
            skip = 0
        else:
            need = max(DIVERSIFY_WINDOW, offset + query.per_page) if diversifying else offset + query.per_page
            windows = [{"filter": filters, "page": 1, "hitsPerPage": need}]
            skip = offset
        if place is not None and query.sort == "relevance":
            # Tiers: in the place itself, within its reach, the rest
            inner, outer = (f"_geoRadius({place.latitude!r}, {place.longitude!r}, {r!r})" for r in place.rings)
            tiers = [[inner], [outer, f"NOT {inner}"], [f"NOT {outer}"]]
            windows = [{**windows[0], "filter": [*filters, *tier]} for tier in tiers]
            if not terms:
                for window in windows[:2]:
                    window["sort"] = [f"_geoPoint({place.latitude!r}, {place.longitude!r}):asc"]
        retrieve = _retrieved(settings, query, diversifying)
        if retrieve is not None:
            windows = [{**window, "attributesToRetrieve": retrieve} for window in windows]
        units = settings.units(terms)
        text = " ".join(word for words, _ in units for word in words)
        plan = _Plan(query, place, filters, units, skip, diversifying, windows, text=text)
        plan.requests = self._requests(index, settings, query, text, windows)
        return plan

    def _finish(
        self, index: str, settings: IndexSettings, plan: _Plan, responses: list[dict[str, Any]]
    ) -> SearchResult:
        """The result of a plan from its responses, relaxing the query if nothing matched every word."""
        query, units, windows, text = plan.query, plan.units, plan.windows, plan.text
        left_out: list[str] = []
        if sum(r["totalHits"] for r in responses) == 0 and len(units) > 1:
            kept, searched, left_out = self._relaxed(index, units, plan.filters, settings)
            if left_out:
                # Services holding any of the words searched, those holding the most and rarest first
                # (Meilisearch's "frequency" strategy); should that find nothing, as it can when words have
                # synonyms (Meilisearch 1.21), those holding the kept words
                text = " ".join(searched)
                responses = self._multi(self._requests(index, settings, query, text, windows, strategy="frequency"))
                if sum(r["totalHits"] for r in responses) == 0:
                    text = " ".join(kept)
                    responses = self._multi(self._requests(index, settings, query, text, windows))
        hits: list[tuple[dict[str, Any], float]] = []
        for lift, response in zip(range(len(responses) - 1, -1, -1), responses, strict=True):
            hits += [(hit, hit["_rankingScore"] + lift) for hit in response["hits"]]
        documents = {id(hit): _stored(hit) for hit, _ in hits}
        if plan.diversifying:
            first = hits[:DIVERSIFY_WINDOW]
            keys = [duplicate_key(documents[id(hit)], settings.diversify) for hit, _ in first]
            hits = diversify(first, keys) + hits[DIVERSIFY_WINDOW:]
        page = hits[plan.skip : plan.skip + query.per_page]
        scores = _descending([score for _, score in page])
        total = sum(r["totalHits"] for r in responses)
        facets: dict[str, dict[str, int]] = {}
        for name in query.facets:
            counted: Counter[str] = Counter()
            for response in responses:
                counted.update(response.get("facetDistribution", {}).get(settings.filters[name], {}))
            facets[name] = sort_facet_counts(dict(counted))
        ordered = [documents[id(hit)] for hit, _ in page]
        return SearchResult(
            hits=[
                Hit(doc[settings.primary_key], score, _distance(settings, query, doc),
                    settings.hit_document(query, doc))
                for doc, score in zip(ordered, scores, strict=True)
            ],
            total=total,
            total_is_capped=any(r["totalHits"] >= settings.max_total_hits for r in responses),
            facets=facets,
            corrected_text=None if query.ids_only else _correction(settings, query.text, text.split(), ordered),
            left_out=left_out,
            place=plan.place.name if plan.place else None,
        )

    def _requests(
        self,
        index: str,
        settings: IndexSettings,
        query: SearchQuery,
        text: str,
        windows: list[dict[str, Any]],
        strategy: str = "all",
    ) -> list[dict[str, Any]]:
        """One multi-search query per window (filters, page)."""
        common: dict[str, Any] = {
            "indexUid": self._uid(index),
            "q": text,
            "facets": [settings.filters[name] for name in query.facets],
            "showRankingScore": True,
            "matchingStrategy": strategy,  # "all": every word must match, as in the embedded backend
        }
        if query.sort == "distance" and query.geo:
            common["sort"] = [f"_geoPoint({query.geo[0]!r}, {query.geo[1]!r}):asc"]
        elif query.sort not in ("relevance", "distance"):
            order = settings.sorts[query.sort]
            common["sort"] = [f"{order.field}:{'desc' if order.descending else 'asc'}"]
        return [{**common, **window} for window in windows]

    def _multi(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The results of ``queries``, in order, from one multi-search request (on this thread's connection)."""
        searcher: _Searcher | None = getattr(self._local, "searcher", None)
        if searcher is None or searcher.pid != os.getpid():  # a forked worker opens its own
            searcher = self._local.searcher = _Searcher(self._url, self._search_key, SEARCH_TIMEOUT_S)
        return searcher.multi_search(queries)

    def _relaxed(
        self, index: str, units: list[tuple[Phrase, tuple[Phrase, ...]]], filters: list[str], settings: IndexSettings
    ) -> tuple[list[str], list[str], list[str]]:
        """When no document holds every unit of the query: the words to keep and those left out
        (``search.relevance.relax``, counting with multi-searches)."""
        typed = [words for words, _ in units]

        def counts(texts: list[str]) -> list[int]:
            queries = [
                {"indexUid": self._uid(index), "q": text, "filter": filters, "page": 1, "hitsPerPage": 0,
                 "matchingStrategy": "all"}
                for text in texts
            ]
            return [r["totalHits"] for r in self._multi(queries)]

        *alone, total = counts([" ".join(words) for words in typed] + [""])
        weak = [len(words) == 1 and words[0] in settings.weak_words for words in typed]
        relaxed = relax(
            len(typed), alone, total, weak,
            lambda subsets: counts([" ".join(w for i in subset for w in typed[i]) for subset in subsets]),
        )
        if not relaxed.kept:
            return [], [], []
        # The kept words and every other informative one (as the embedded backend ranks them)
        # in order of importance
        info = informativeness(alone, total, weak)
        others = [i for i in range(len(typed)) if alone[i] and not weak[i] and i not in relaxed.kept]
        chosen = sorted(relaxed.kept, key=lambda i: -info[i]) + sorted(others, key=lambda i: -info[i])
        kept = [w for i in relaxed.kept for w in typed[i]]
        return kept, [w for i in chosen for w in typed[i]], left_out_words(typed, relaxed.left_out)

    def upsert(self, index: str, docs: list[dict[str, Any]]) -> None:
        settings = load_settings(index)
        self._ensure_once(index)
        self._add(self._client().index(self._uid(index)), settings, docs)

    def delete(self, index: str, ids: list[str]) -> None:
        settings = load_settings(index)
        self._ensure_once(index)
        target = self._client().index(self._uid(index))
        for batch in batches(ids, BATCH_SIZE):
            expression = f"{settings.primary_key} IN [{', '.join(quote(i) for i in batch)}]"
            self._run(partial(target.delete_documents, filter=expression))

    def rebuild(
        self,
        index: str,
        docs: Iterable[dict[str, Any]],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Fill ``<index>_new``, swap it with ``<index>`` and delete the old content.

        Creating the staging index, applying its settings and adding every batch are queued without waiting
        (Meilisearch runs one index's tasks in order), so documents are built while the engine works; the
        tasks are waited on once, at the end, before the swap.
        """
        settings = load_settings(index)
        uid = self._uid(index)
        client = self._client()
        staging = f"{uid}_new"
        self._drop(staging)  # left by a rebuild that failed
        with _meili_errors():
            queued = [client.create_index(staging, {"primaryKey": settings.primary_key}).task_uid,
                      client.index(staging).update_settings(meili_settings(settings)).task_uid]
        added = self._send(client.index(staging), settings, docs, REBUILD_BATCH_SIZE)
        for task_uid in queued:
            self._await(task_uid)
        self._await_added(added, progress)
        self._create(uid, settings.primary_key)  # swapping needs both; its settings come from staging
        self._run(lambda: client.swap_indexes([{"indexes": [uid, staging]}]))
        self._drop(staging)
        self._ensured.add(index)

    def count(self, index: str) -> int:
        with _meili_errors():
            return self._client().index(self._uid(index)).get_stats().number_of_documents

    def health(self) -> bool:
        return self._client().is_healthy()

    # -- helpers -------------------------------------------------------------------------------

    def _ensure_once(self, index: str) -> None:
        """Before this process first writes to an index: create it with its settings if needed.

        (Adding documents to a missing index would otherwise create it with no filterable attributes.)
        """
        if index not in self._ensured:
            self.ensure_index(index)

    def _uid(self, index: str) -> str:
        return f"{self._prefix}{index}"

    def _client(self) -> meilisearch.Client:
        """This thread's client for writes and administration (searches go through ``_Searcher``)."""
        client: meilisearch.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = meilisearch.Client(self._url, self._api_key, timeout=WRITE_TIMEOUT_S)
        return client

    def _run(self, enqueue: Callable[[], TaskInfo]) -> None:
        """Enqueue a task and wait for it."""
        with _meili_errors():
            task_uid = enqueue().task_uid
        self._await(task_uid)

    def _await(self, task_uid: int) -> None:
        """Wait for a task; raise SearchError if it failed."""
        with _meili_errors():
            task = self._client().wait_for_task(task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=TASK_POLL_MS)
        if task.status != "succeeded":
            message = (task.error or {}).get("message", task.status)
            raise SearchError(f"Meilisearch task {task.uid} ({task.type}) failed: {message}")

    def _create(self, uid: str, primary_key: str) -> None:
        """Create the index if it is missing."""
        if not self._exists(uid):
            self._run(lambda: self._client().create_index(uid, {"primaryKey": primary_key}))

    def _configure(self, uid: str, settings: IndexSettings) -> None:
        """Apply the settings (Meilisearch re-indexes only if they changed)."""
        self._run(lambda: self._client().index(uid).update_settings(meili_settings(settings)))

    def _drop(self, uid: str) -> None:
        if self._exists(uid):
            self._run(lambda: self._client().delete_index(uid))

    def _exists(self, uid: str) -> bool:
        with _meili_errors():
            try:
                self._client().get_raw_index(uid)
            except MeilisearchApiError as exc:
                if exc.code == "index_not_found":
                    return False
                raise
        return True

    def _add(
        self,
        target: Index,
        settings: IndexSettings,
        docs: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """Send ``docs`` in batches, then wait for them (Meilisearch merges queued batches)."""
        self._await_added(self._send(target, settings, docs, batch_size), progress)

    def _send(
        self, target: Index, settings: IndexSettings, docs: Iterable[dict[str, Any]], batch_size: int
    ) -> list[tuple[int, int]]:
        """Queue ``docs`` in batches without waiting: [(task uid, documents in it)]."""
        sent: list[tuple[int, int]] = []
        with _meili_errors():
            for batch in batches(docs, batch_size):
                task = target.add_documents([_indexed(settings, doc) for doc in batch], settings.primary_key)
                sent.append((task.task_uid, len(batch)))
        return sent

    def _await_added(self, sent: list[tuple[int, int]], progress: Callable[[int], None] | None) -> None:
        """Wait for the batches in turn, reporting the documents written so far."""
        done = 0
        for task_uid, size in sent:
            self._await(task_uid)
            done += size
            if progress:
                progress(done)


class _Searcher:
    """Multi-searches over one keep-alive HTTP connection (one per thread).

    The Meilisearch client opens a new connection for every request (``requests.post``): connecting cost
    a search page about as much time as the engine's own work. A ``requests.Session`` keeps the connection
    but sends the request's headers and body in two writes, and on a reused connection the reply then waits
    for a delayed acknowledgement (about 40 ms); ``http.client`` sends them in one write.
    """

    def __init__(self, url: str, key: str | None, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SearchUnavailable(f"Meilisearch is unavailable: not an http(s) address: {url!r}")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._path = parts.path.rstrip("/") + "/multi-search"
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if key:
            self._headers["Authorization"] = f"Bearer {key}"
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self.pid = os.getpid()

    def multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = json.dumps({"queries": queries}).encode()
        while True:
            reused = self._connection is not None
            connection = self._connection or self._connect()
            try:
                connection.request("POST", self._path, body, self._headers)
                response = connection.getresponse()
                data = response.read()
            except TimeoutError as exc:
                self.close()
                raise SearchUnavailable(f"Meilisearch is unavailable: no answer in {self._timeout} s") from exc
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if reused:  # the server closed the idle connection: a search is safe to send again
                    continue
                raise SearchUnavailable(f"Meilisearch is unavailable: {exc}") from exc
            if response.will_close:
                self.close()
            return _answer(response.status, data)

    def _connect(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        self._connection = kind(self._host, self._port, timeout=self._timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _answer(status: int, data: bytes) -> list[dict[str, Any]]:
    """A multi-search reply's results; an error status as SearchUnavailable (5xx) or SearchError."""
    try:
        reply = json.loads(data)
    except ValueError:
        reply = None
    if 200 <= status < 300 and isinstance(reply, dict) and isinstance(reply.get("results"), list):
        results: list[dict[str, Any]] = reply["results"]
        return results
    message = reply.get("message") if isinstance(reply, dict) else None
    message = message or f"HTTP {status}: {data[:200].decode(errors='replace')}"
    if status >= 500 or status < 400:
        raise SearchUnavailable(f"Meilisearch is unavailable: {message}")
    raise SearchError(f"Meilisearch refused the request: {message}")


def _retrieved(settings: IndexSettings, query: SearchQuery, diversifying: bool) -> list[str] | None:
    """The attributes Meilisearch returns (``None``: all of them). For a query naming what it reads (``ids_only``,
    ``fields``): those, the near-duplicate key when diversifying, the location for a distance and, unless ids
    only, the searchable text a "Showing results for" correction reads."""
    if not query.ids_only and query.fields is None:
        return None
    retrieve = [settings.primary_key, *(query.fields or ()), *(settings.diversify if diversifying else ())]
    if query.geo is not None and settings.geo is not None:
        retrieve += [settings.geo.lat, settings.geo.lon]
    if not query.ids_only:
        retrieve += list(settings.searchable)
    return list(dict.fromkeys(retrieve))


def _correction(settings: IndexSettings, text: str, terms: list[str], documents: list[dict[str, Any]]) -> str | None:
    """The text for "Showing results for ...", inferred from the words of the top hits."""
    texts = [field for doc in documents[:CORRECTION_HITS] for field in settings.texts(doc)]
    return corrected_text(text, infer_corrections(terms, texts, settings.synonyms.words))


def _descending(scores: list[float]) -> list[float]:
    """Scores made to decrease down a reordered page (a moved-down repeat takes the score above it)."""
    out: list[float] = []
    for score in scores:
        out.append(min(score, out[-1]) if out else score)
    return out


def _indexed(settings: IndexSettings, doc: dict[str, Any]) -> dict[str, Any]:
    """The document as sent to Meilisearch: with ``_geo`` when it has a location."""
    point = settings.point(doc)
    return doc if point is None else {**doc, "_geo": {"lat": point[0], "lng": point[1]}}


def _stored(hit: dict[str, Any]) -> dict[str, Any]:
    """The document as the app gave it: without ``_geo``, ``_rankingScore`` and the like."""
    return {k: v for k, v in hit.items() if not k.startswith("_")}


def _distance(settings: IndexSettings, query: SearchQuery, doc: dict[str, Any]) -> float | None:
    point = settings.point(doc)
    return None if query.geo is None or point is None else haversine_m(query.geo[0], query.geo[1], *point)


@contextmanager
def _meili_errors() -> Iterator[None]:
    """Client errors as SearchUnavailable (unreachable, timed out, server error) or SearchError."""
    try:
        yield
    except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
        raise SearchUnavailable(f"Meilisearch is unavailable: {exc}") from exc
    except MeilisearchApiError as exc:
        if exc.status_code >= 500:
            raise SearchUnavailable(f"Meilisearch is unavailable: {exc.message}") from exc
        raise SearchError(f"Meilisearch refused the request: {exc.message}") from exc

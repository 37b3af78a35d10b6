"""Embedded search backend: SQLite FTS5 in a database file of its own.

Per index ``<ix>``, in one SQLite file (WAL mode, so searches never wait for writes):

- ``<ix>_docs``: rowid, id, the document as JSON, and ``attrs``, the JSON of its filter/sort fields
- ``<ix>_text``: FTS5 over the searchable fields (rowid = docs rowid); ``<ix>_vocab`` reads its words
- ``<ix>_geo``: R*Tree of document points, for the bounding-box prefilter of distance searches
- ``<ix>_log``: one row per changed rowid, so every process can bring its in-memory state up to date
- ``search_meta``: an epoch per index, bumped by ``rebuild``

Text matching, bm25 ranking (in tiers by field, see ``_ranked_page``) and the geo prefilter run in
SQLite. Filters, totals, facet counts and
ordering run on an in-memory ``_Snapshot`` per index: for each value of each filterable field, the
set of documents holding it as a bitset (see ``search.bitset``). Counting every facet value of a
100,000-document result set is then ~100 C-level ``&``/``bit_count`` operations on 12.5 kB ints.

A snapshot is immutable; a search first reads the index epoch and the newest log sequence number
(one indexed query) and, if another process or thread wrote since, swaps in a patched copy.
"""

from __future__ import annotations

import functools
import heapq
import json
import operator
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from search import Hit, SearchError, SearchQuery, SearchResult, SearchUnavailable, bitset
from search.geo import EARTH_RADIUS_M, bounding_box
from search.index_settings import IndexSettings, facet_key, load_settings, sort_facet_counts
from search.relevance import (
    DIVERSIFY_WINDOW,
    diversify,
    duplicate_key,
    informativeness,
    left_out_words,
    relax,
)
from search.spelling import Vocabulary, corrected_text
from search.text import Phrase, nothing_to_search_for
from search.util import as_list, batches

WRITE_BATCH = 1000
LOG_KEEP = 50_000  # log rows kept; a process further behind than this reloads its snapshot
VOCABULARY_MAX_AGE_S = 60.0  # after writes, reload the typo-correction vocabulary at most this often
PREFIX_MIN_CHARS = 2  # the last query word also matches as a prefix from this length ("hous" -> housing)
# Up to this many matches (after filters) are passed to SQLite when ranking, so that bm25 is computed
# for them only rather than for every document holding the words.
PUSHDOWN_MAX_CANDIDATES = 25_000
# Documents matching only through synonyms rank as if their bm25 were this much weaker: a search for
# "debt advice" puts "Debt Advice" before "Money Advice" (Meilisearch's exactness rule does the same).
SYNONYM_FACTOR = 0.7


@dataclass(frozen=True)
class _Snapshot:
    """One index's filter, range, demotion and sort values, as of log sequence ``seq``."""

    epoch: int
    seq: int
    size: int  # every rowid is below this
    live: int
    postings: dict[str, dict[Any, int]]  # field -> value -> rowids holding it
    sort_values: dict[str, dict[int, Any]]  # sort field -> rowid -> value
    _orders: dict[tuple[str, bool], list[int]] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls, settings: IndexSettings, epoch: int, seq: int, size: int, rows: Iterable[tuple[int, str]]
    ) -> _Snapshot:
        keyed_fields = [*settings.filters.values(), *([settings.demote.field] if settings.demote else [])]
        range_fields = [f for rf in settings.numeric_filters.values() for f in (rf.min_field, rf.max_field)]
        members: dict[str, dict[Any, list[int]]] = {f: {} for f in (*keyed_fields, *range_fields)}
        sort_values: dict[str, dict[int, Any]] = {s.field: {} for s in settings.sorts.values()}
        live: list[int] = []
        for rowid, attrs_json in rows:
            attrs = json.loads(attrs_json)
            live.append(rowid)
            for name in keyed_fields:
                for value in as_list(attrs.get(name)):
                    members[name].setdefault(facet_key(value), []).append(rowid)
            for name in range_fields:
                value = attrs.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    members[name].setdefault(value, []).append(rowid)
            for name, values in sort_values.items():
                if attrs.get(name) is not None:
                    values[rowid] = attrs[name]
        postings = {
            name: {value: bitset.from_rowids(rowids, size) for value, rowids in by_value.items()}
            for name, by_value in members.items()
        }
        return cls(epoch, seq, size, bitset.from_rowids(live, size), postings, sort_values)

    def patched(self, settings: IndexSettings, seq: int, changed: set[int], rows: list[tuple[int, str]]) -> _Snapshot:
        """A copy with the ``changed`` rowids replaced by ``rows`` (changed rowids absent from rows were deleted)."""
        size = max(self.size, max(changed) + 1)
        fresh = _Snapshot.build(settings, self.epoch, seq, size, rows)
        keep = ~bitset.from_rowids(changed, size)
        postings = {}
        for name, by_value in self.postings.items():
            merged = {v: bits & keep for v, bits in by_value.items()}
            for value, bits in fresh.postings[name].items():
                merged[value] = merged.get(value, 0) | bits
            postings[name] = {v: bits for v, bits in merged.items() if bits}
        sort_values = {}
        for name, values in self.sort_values.items():
            sort_values[name] = values.copy()
            for rowid in changed:
                sort_values[name].pop(rowid, None)
            sort_values[name].update(fresh.sort_values[name])
        return _Snapshot(self.epoch, seq, size, (self.live & keep) | fresh.live, postings, sort_values)

    def matching(self, settings: IndexSettings, query: SearchQuery) -> int:
        """Live documents passing the query's filters and numeric filters."""
        matches = self.live
        for name, values in query.filters.items():
            by_value = self.postings[settings.filters[name]]
            matches &= bitset.union(by_value.get(v, 0) for v in values)
        for name, wanted in query.numeric_filters.items():
            rf = settings.numeric_filters[name]
            too_old = bitset.union(b for v, b in self.postings[rf.min_field].items() if v > wanted)
            too_young = bitset.union(b for v, b in self.postings[rf.max_field].items() if v < wanted)
            matches &= ~(too_old | too_young)
        return matches

    def facet_counts(self, settings: IndexSettings, names: list[str], matches: int) -> dict[str, dict[str, int]]:
        counts = {}
        for name in names:
            by_value = self.postings[settings.filters[name]]
            counts[name] = sort_facet_counts(
                {value: n for value, bits in by_value.items() if (n := (bits & matches).bit_count())}
            )
        return counts

    def demoted(self, settings: IndexSettings) -> int:
        if settings.demote is None:
            return 0
        return self.postings[settings.demote.field].get(facet_key(settings.demote.value), 0)

    def order(self, name: str, descending: bool) -> list[int]:
        """Rowids with a value for sort field ``name``, sorted by it (ties by rowid); built once per snapshot."""
        key = (name, descending)
        if key not in self._orders:
            values = self.sort_values[name]
            ranked = sorted(values, key=lambda r: (values[r], -r if descending else r), reverse=descending)
            self._orders[key] = ranked
        return self._orders[key]


class SqliteBackend:
    """The embedded backend. Thread-safe: one SQLite connection per thread, snapshots swapped under a lock."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = os.fspath(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._ready: set[str] = set()
        self._snapshots: dict[str, _Snapshot] = {}
        self._vocabularies: dict[str, tuple[tuple[int, int], float, Vocabulary]] = {}

    # -- interface ---------------------------------------------------------------------------

    def ensure_index(self, index: str) -> None:
        self._ensure(self._connection(), load_settings(index))

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        settings = load_settings(index)
        query = settings.check(query)
        understood = settings.understand(query.text)
        terms = understood.terms
        place = understood.place if query.geo is None else None  # a distance search names its own place
        with self._reading(settings) as (conn, snap):
            matches = snap.matching(settings, query)
            distances: dict[int, float] = {}
            if query.geo:
                distances = self._within(conn, settings.name, query.geo)
                matches &= bitset.from_rowids(distances, snap.size)
            corrections = self._corrections(conn, snap, settings, terms)
            text: _TextMatches | None = None
            left_out: list[str] = []
            if nothing_to_search_for(query.text, terms) and understood.place is None:
                matches = 0
            elif terms:
                units = settings.units([corrections.get(t, t) for t in terms])
                text, left_out = self._relaxed_text_matches(conn, snap, settings, units, matches)
                matches &= text.rowids
            near: dict[int, float] | None = None
            if place is not None:
                near = self._within(conn, settings.name, (place.latitude, place.longitude, place.radius_m))
            offset = (query.page - 1) * query.per_page

            def ranked(start: int, limit: int) -> list[tuple[int, float]]:
                return self._page(conn, snap, settings, query, text, matches, distances, near, start, limit,
                                  place.rings if place else (0.0, 0.0))

            page, documents = self._diversified(conn, settings, query, ranked, offset)
            if query.ids_only or query.fields is not None:
                documents = {rowid: settings.hit_document(query, doc) for rowid, doc in documents.items()}
            return SearchResult(
                hits=[
                    Hit(documents[rowid][settings.primary_key], score, distances.get(rowid), documents[rowid])
                    for rowid, score in page
                ],
                total=matches.bit_count(),
                total_is_capped=False,
                facets=snap.facet_counts(settings, query.facets, matches),
                corrected_text=None if query.ids_only else corrected_text(query.text, corrections),
                left_out=left_out,
                place=place.name if place else None,
            )

    def search_many(self, index: str, queries: list[SearchQuery]) -> list[SearchResult]:
        """In process there is no round trip to save: one query after another."""
        return [self.search(index, query) for query in queries]

    def _page(
        self,
        conn: sqlite3.Connection,
        snap: _Snapshot,
        settings: IndexSettings,
        query: SearchQuery,
        text: _TextMatches | None,
        matches: int,
        distances: dict[int, float],
        near: dict[int, float] | None,
        offset: int,
        limit: int,
        place_rings: tuple[float, float] = (0.0, 0.0),
    ) -> list[tuple[int, float]]:
        """(rowid, score) of ``limit`` matches from ``offset`` in the query's order; with a place named in the
        text (``near``: rowid -> distance within its reach), those within reach first."""

        def ordered(subset: int, start: int, count: int, nearest: dict[int, float] | None) -> list[tuple[int, float]]:
            if count <= 0 or not subset:
                return []
            if text is not None and query.sort == "relevance":
                return self._ranked_page(conn, snap, settings, text, subset, start, count)
            if nearest is not None and query.sort == "relevance":
                member = bitset.flags(subset, snap.size)
                return list(islice(((r, 0.0) for r in nearest if member[r]), start, start + count))
            return list(islice(self._order(snap, settings, query, subset, distances), start, start + count))

        if query.sort != "relevance" or (near is None and (text is None or not text.tiers)):
            return ordered(matches, offset, limit, None)
        # Tiers, each ranked within: by place (in the place itself, within its reach, the rest), then by the
        # words of a relaxed query each document holds; scores of a tier stay above the next's.
        places: list[tuple[int, dict[int, float] | None]] = [(matches, None)]
        if near is not None:
            inner_radius = min(place_rings)
            inner = {r: d for r, d in near.items() if d <= inner_radius}
            outer = {r: d for r, d in near.items() if d > inner_radius}
            places = [(bitset.from_rowids(inner, snap.size), inner), (bitset.from_rowids(outer, snap.size), outer),
                      (matches, None)]
        words = list(text.tiers) if text is not None and text.tiers else [matches]
        tiers = [(where & holding, nearest) for where, nearest in places for holding in words]
        page: list[tuple[int, float]] = []
        remaining, skip = matches, offset
        lift = len(settings.searchable) + 1
        for k, (members, nearest) in enumerate(tiers):
            subset = remaining & members
            remaining &= ~subset
            size = subset.bit_count()
            if skip < size and len(page) < limit:
                bonus = lift * (len(tiers) - 1 - k)
                page += [(r, s + bonus) for r, s in ordered(subset, skip, limit - len(page), nearest)]
            skip = max(0, skip - size)
        return page

    def _diversified(
        self,
        conn: sqlite3.Connection,
        settings: IndexSettings,
        query: SearchQuery,
        ranked: Callable[[int, int], list[tuple[int, float]]],
        offset: int,
    ) -> tuple[list[tuple[int, float]], dict[int, dict[str, Any]]]:
        """One page from ``ranked`` and its documents, near-duplicates moved down within the first results."""
        if not settings.diversify or query.sort != "relevance" or offset >= DIVERSIFY_WINDOW:
            page = ranked(offset, query.per_page)
            return page, self._documents(conn, settings, [rowid for rowid, _ in page], query.ids_only)
        window = ranked(0, DIVERSIFY_WINDOW)
        documents = self._documents(conn, settings, [rowid for rowid, _ in window])
        window = diversify(window, [duplicate_key(documents[rowid], settings.diversify) for rowid, _ in window])
        page = window[offset : offset + query.per_page]
        if len(page) < query.per_page and len(window) == DIVERSIFY_WINDOW:
            rest = ranked(DIVERSIFY_WINDOW, offset + query.per_page - DIVERSIFY_WINDOW)
            page += rest
            documents |= self._documents(conn, settings, [rowid for rowid, _ in rest])
        return _descending(page), documents

    def upsert(self, index: str, docs: list[dict[str, Any]]) -> None:
        settings = load_settings(index)
        rows = [_Row.of(settings, doc) for doc in docs]
        with self._writing(settings) as conn:
            for row in rows:
                rowid = _store(conn, settings, row)
                conn.execute(f"INSERT INTO {settings.name}_log (rowid) VALUES (?)", (rowid,))
            _prune_log(conn, settings.name)

    def delete(self, index: str, ids: list[str]) -> None:
        settings = load_settings(index)
        ix = settings.name
        with self._writing(settings) as conn:
            rowids = [
                r
                for (r,) in conn.execute(
                    f"SELECT rowid FROM {ix}_docs WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
                )
            ]
            for rowid in rowids:
                for table, key in ((f"{ix}_docs", "rowid"), (f"{ix}_text", "rowid"), (f"{ix}_geo", "id")):
                    conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (rowid,))
                conn.execute(f"INSERT INTO {ix}_log (rowid) VALUES (?)", (rowid,))
            _prune_log(conn, ix)

    def rebuild(
        self,
        index: str,
        docs: Iterable[dict[str, Any]],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Drop and refill the index in one transaction: searches see the old content until it commits."""
        settings = load_settings(index)
        ix = settings.name
        with self._writing(settings) as conn:
            for table in ("vocab", "text", "geo", "log", "docs"):
                conn.execute(f"DROP TABLE IF EXISTS {ix}_{table}")
            _create_tables(conn, settings)
            done = 0
            for batch in batches(docs, WRITE_BATCH):
                for doc in batch:
                    _store(conn, settings, _Row.of(settings, doc))
                done += len(batch)
                if progress:
                    progress(done)
            conn.execute(f"INSERT INTO {ix}_text ({ix}_text) VALUES ('optimize')")
            conn.execute("UPDATE search_meta SET epoch = epoch + 1 WHERE index_name = ?", (ix,))
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def count(self, index: str) -> int:
        settings = load_settings(index)
        conn = self._connection()
        self._ensure(conn, settings)
        with _sqlite_errors():
            return int(conn.execute(f"SELECT count(*) FROM {settings.name}_docs").fetchone()[0])

    def health(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except (sqlite3.Error, SearchError):
            return False
        return True

    def close(self) -> None:
        """Close every connection this backend opened (e.g. at the end of a test)."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._local = threading.local()

    # -- connections and transactions ---------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a new one in a forked child (SQLite connections must not cross a fork)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            try:
                conn = sqlite3.connect(self._path, timeout=10, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA mmap_size = 1073741824")
                conn.execute("PRAGMA cache_size = -65536")
            except sqlite3.Error as exc:
                raise SearchUnavailable(f"Cannot open the search database: {exc}") from exc
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._connections.append(conn)
        return conn

    def _ensure(self, conn: sqlite3.Connection, settings: IndexSettings) -> None:
        if settings.name in self._ready:
            return
        with _sqlite_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS search_meta (index_name TEXT PRIMARY KEY, epoch INTEGER NOT NULL)"
                )
                conn.execute("INSERT OR IGNORE INTO search_meta VALUES (?, 0)", (settings.name,))
                _create_tables(conn, settings)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        self._ready.add(settings.name)

    @contextmanager
    def _reading(self, settings: IndexSettings) -> Iterator[tuple[sqlite3.Connection, _Snapshot]]:
        """A read transaction (a consistent view of the file) and the index's up-to-date snapshot."""
        conn = self._connection()
        self._ensure(conn, settings)
        with _sqlite_errors():
            conn.execute("BEGIN")
            try:
                yield conn, self._snapshot(conn, settings)
            finally:
                conn.execute("COMMIT")

    def _view(self, conn: sqlite3.Connection, ix: str) -> tuple[int, int]:
        """(epoch, newest log seq) as seen by the current read transaction, which this first read pins."""
        epoch = "SELECT epoch FROM search_meta WHERE index_name = ?"
        view: tuple[int, int] = conn.execute(f"SELECT ({epoch}), (SELECT coalesce(max(seq), 0) FROM {ix}_log)",
                                             (ix,)).fetchone()
        return view

    @contextmanager
    def _writing(self, settings: IndexSettings) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        self._ensure(conn, settings)
        with _sqlite_errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- snapshots ----------------------------------------------------------------------------

    def _snapshot(self, conn: sqlite3.Connection, settings: IndexSettings) -> _Snapshot:
        """The snapshot matching this read transaction's view, or a newer one of the same epoch.

        A newer snapshot of the same epoch is fine (rowids only grow within an epoch, and documents it
        lacks or has deleted are masked out). One of a newer epoch is not: then the transaction began
        before a rebuild committed, and is restarted to see the rebuilt index.
        """
        ix = settings.name
        epoch, seq = self._view(conn, ix)
        snap = self._snapshots.get(ix)
        if snap is not None and snap.epoch > epoch:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            epoch, seq = self._view(conn, ix)
        if snap is not None and snap.epoch == epoch and snap.seq >= seq:
            return snap
        with self._lock:
            snap = self._snapshots.get(ix)
            if snap is not None and snap.epoch == epoch and snap.seq >= seq:
                return snap
            changes = (
                []
                if snap is None or snap.epoch != epoch
                else conn.execute(f"SELECT seq, rowid FROM {ix}_log WHERE seq > ? ORDER BY seq", (snap.seq,)).fetchall()
            )
            if snap is not None and changes and changes[0][0] == snap.seq + 1:
                changed = {rowid for _, rowid in changes}
                rows = conn.execute(
                    f"SELECT rowid, attrs FROM {ix}_docs WHERE rowid IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(changed)),),
                ).fetchall()
                snap = snap.patched(settings, seq, changed, rows)
            else:
                size = conn.execute(f"SELECT coalesce(max(rowid), 0) + 1 FROM {ix}_docs").fetchone()[0]
                snap = _Snapshot.build(settings, epoch, seq, size, conn.execute(f"SELECT rowid, attrs FROM {ix}_docs"))
            self._snapshots[ix] = snap
            return snap

    # -- text -------------------------------------------------------------------------------------

    def _corrections(
        self, conn: sqlite3.Connection, snap: _Snapshot, settings: IndexSettings, terms: list[str]
    ) -> dict[str, str]:
        """Terms the index does not hold (synonyms aside) mapped to the likeliest indexed word."""
        if not terms:
            return {}
        corrections = {}
        for i, term in enumerate(terms):
            as_prefix = i == len(terms) - 1 and len(term) >= PREFIX_MIN_CHARS
            if (term in settings.synonyms.words or term in settings.weak_words
                    or _indexed(conn, settings.name, term, as_prefix)):
                continue
            better = self._vocabulary(conn, snap, settings.name).correct(term)
            if better is not None and _indexed(conn, settings.name, better, prefix=False):
                corrections[term] = better
        return corrections

    def _vocabulary(self, conn: sqlite3.Connection, snap: _Snapshot, ix: str) -> Vocabulary:
        """The index's words, reloaded after a rebuild, or after writes once it is a minute old."""
        cached = self._vocabularies.get(ix)
        now = time.monotonic()
        if cached is not None:
            (epoch, seq), loaded_at, vocabulary = cached
            if epoch == snap.epoch and (seq == snap.seq or now - loaded_at < VOCABULARY_MAX_AGE_S):
                return vocabulary
        vocabulary = Vocabulary(dict(conn.execute(f"SELECT term, doc FROM {ix}_vocab")))
        self._vocabularies[ix] = ((snap.epoch, snap.seq), now, vocabulary)
        return vocabulary

    def _text_matches(
        self, conn: sqlite3.Connection, snap: _Snapshot, settings: IndexSettings, terms: list[str]
    ) -> _TextMatches:
        groups = settings.synonyms.expand(terms)
        expression = match_expression(groups)
        rowids = _matching(conn, settings.name, expression, snap.size)
        synonym_only = 0
        if any(len(group) > 1 for group in groups):
            literal = match_expression([((term,),) for term in terms])
            synonym_only = rowids & ~_matching(conn, settings.name, literal, snap.size)
        return _TextMatches(expression, rowids, synonym_only)

    def _relaxed_text_matches(
        self,
        conn: sqlite3.Connection,
        snap: _Snapshot,
        settings: IndexSettings,
        units: list[tuple[Phrase, tuple[Phrase, ...]]],
        allowed: int,
    ) -> tuple[_TextMatches, list[str]]:
        """Documents holding every unit of the query; if none within ``allowed`` does, those holding the
        most informative units some document holds (``search.relevance.relax``), and the words left out."""
        typed = [words for words, _ in units]
        every = self._text_matches(conn, snap, settings, [w for words in typed for w in words])
        if len(units) < 2 or every.rowids & allowed:
            return every, []
        last = len(units) - 1
        holding = [
            _matching(conn, settings.name, match_expression([group], prefix=i == last), snap.size) & allowed
            for i, (_, group) in enumerate(units)
        ]

        def count_all(subsets: list[list[int]]) -> list[int]:
            return [functools.reduce(operator.and_, (holding[i] for i in subset)).bit_count() for subset in subsets]

        weak = [len(words) == 1 and words[0] in settings.weak_words for words in typed]
        counts = [h.bit_count() for h in holding]
        relaxed = relax(len(units), counts, allowed.bit_count(), weak, count_all)
        if not relaxed.kept:
            return every, []
        # Every document holding a kept word or an informative one, ranked by how informative the words it
        # holds are (those holding the kept words first)
        info = informativeness(counts, allowed.bit_count(), weak)
        chosen = sorted(set(relaxed.kept) | {i for i in range(len(units)) if counts[i] and not weak[i]})
        rowids = functools.reduce(operator.or_, (holding[i] for i in chosen))
        by_weight: dict[float, list[int]] = {}
        flags = [bitset.flags(holding[i], snap.size) for i in chosen]
        for rowid in bitset.iterate(rowids, snap.size):
            weight = round(sum(info[i] for i, held in zip(chosen, flags, strict=True) if held[rowid]), 6)
            by_weight.setdefault(weight, []).append(rowid)
        best = functools.reduce(operator.and_, (holding[i] for i in relaxed.kept))
        ordered_tiers = [best] + [
            bitset.from_rowids(rowids_, snap.size) & ~best for _, rowids_ in sorted(by_weight.items(), reverse=True)
        ]
        expression = " OR ".join(f"({match_expression([units[i][1]], prefix=i == last)})" for i in chosen)
        text = _TextMatches(expression, rowids, 0, tuple(t for t in ordered_tiers if t))
        return text, left_out_words(typed, relaxed.left_out)

    def _ranked_page(
        self,
        conn: sqlite3.Connection,
        snap: _Snapshot,
        settings: IndexSettings,
        text: _TextMatches,
        matches: int,
        offset: int,
        limit: int,
    ) -> list[tuple[int, float]]:
        """(rowid, score) of one page of ``matches``, most relevant first.

        Documents are ranked in tiers, like Meilisearch's "attribute" rule: first those the query
        matches within the most important field, then within the two most important, and so on;
        within a tier by bm25 with the demotion and synonym factors. bm25 is computed only for the
        tiers the page reaches, which for a broad query is a small part of the matches. The score
        is the tier's rank plus the adjusted bm25 squashed into [0, 1): it decreases down the list.
        """
        ix = settings.name
        fields = list(settings.searchable)
        weights = ", ".join(repr(float(w)) for w in settings.searchable.values())
        demoted = bitset.flags(snap.demoted(settings), snap.size)
        synonym_only = bitset.flags(text.synonym_only, snap.size)
        demote = settings.demote.factor if settings.demote else 1.0
        factors = (1.0, demote, SYNONYM_FACTOR, demote * SYNONYM_FACTOR)
        candidates = None
        if matches.bit_count() <= PUSHDOWN_MAX_CANDIDATES:
            candidates = json.dumps(bitset.to_rowids(matches, snap.size))
        remaining, skip = matches, offset
        page: list[tuple[int, float]] = []
        for depth in range(1, len(fields) + 1):
            if len(page) == limit or not remaining:
                break
            last = depth == len(fields)
            scope = text.expression if last else f"{{{' '.join(fields[:depth])}}} : ({text.expression})"
            sql = f"SELECT rowid, bm25({ix}_text, {weights}) AS score FROM {ix}_text WHERE {ix}_text MATCH ?"
            params: list[Any] = [scope]
            if candidates is not None:
                # "+rowid" stops SQLite using the IN list as FTS5 rowid lookups, which would be far slower
                sql += " AND +rowid IN (SELECT value FROM json_each(?))"
                params.append(candidates)
            ranked = conn.execute(sql + " ORDER BY score", params).fetchall()
            tier = remaining & bitset.from_rowids((rowid for rowid, _ in ranked), snap.size)
            count = tier.bit_count()
            if skip < count:
                rescored = _rescored(ranked, bitset.flags(tier, snap.size), demoted, synonym_only, factors)
                rank = len(fields) - depth
                page += [(r, rank + s / (1 + s)) for r, s in islice(rescored, skip, skip + limit - len(page))]
            skip = max(0, skip - count)
            remaining &= ~tier
        return page

    # -- geo, ordering and documents --------------------------------------------------------------

    def _within(self, conn: sqlite3.Connection, ix: str, geo: tuple[float, float, float]) -> dict[int, float]:
        """rowid -> distance in metres of the documents within the circle, nearest first."""
        lat, lon, radius = geo
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
        rows = conn.execute(
            f"SELECT id, {_HAVERSINE_SQL} AS d FROM {ix}_geo "
            "WHERE max_lat >= :min_lat AND min_lat <= :max_lat AND max_lon >= :min_lon AND min_lon <= :max_lon "
            "AND d <= :radius ORDER BY d",
            {
                "lat": lat,
                "lon": lon,
                "radius": radius,
                "min_lat": min_lat,
                "max_lat": max_lat,
                "min_lon": min_lon,
                "max_lon": max_lon,
            },
        )
        return dict(rows)

    def _order(
        self,
        snap: _Snapshot,
        settings: IndexSettings,
        query: SearchQuery,
        matches: int,
        distances: dict[int, float],
    ) -> Iterator[tuple[int, float]]:
        """(rowid, score) of the matching documents in the requested order (text relevance aside), lazily."""
        member = bitset.flags(matches, snap.size)
        if query.sort == "distance":
            return ((r, 0.0) for r in distances if member[r])
        if query.sort != "relevance":
            order = settings.sorts[query.sort]
            return ((r, 0.0) for r in snap.order(order.field, order.descending) if member[r])
        demoted = snap.demoted(settings)
        rowids = chain(bitset.iterate(matches & ~demoted, snap.size), bitset.iterate(matches & demoted, snap.size))
        return ((r, 0.0) for r in rowids)

    def _documents(
        self, conn: sqlite3.Connection, settings: IndexSettings, rowids: list[int], ids_only: bool = False
    ) -> dict[int, dict[str, Any]]:
        """rowid -> stored document; with ``ids_only``, ``{primary key: id}`` without reading the JSON."""
        column = "id" if ids_only else "doc"
        rows = conn.execute(
            f"SELECT rowid, {column} FROM {settings.name}_docs WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(rowids),),
        )
        if ids_only:
            return {rowid: {settings.primary_key: uid} for rowid, uid in rows}
        return {rowid: json.loads(doc) for rowid, doc in rows}


def _descending(page: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Scores made to decrease down a reordered page (a moved-down repeat takes the score above it)."""
    out: list[tuple[int, float]] = []
    for rowid, score in page:
        out.append((rowid, min(score, out[-1][1]) if out else score))
    return out


@dataclass(frozen=True)
class _TextMatches:
    expression: str  # the FTS5 MATCH expression, synonyms included
    rowids: int
    synonym_only: int  # matches that hold none of the query's own words, only synonyms
    tiers: tuple[int, ...] = ()  # a relaxed query's matches, grouped best first by the words they hold


def _rescored(
    ranked: list[tuple[int, float]],
    member: bytearray,
    demoted: bytearray,
    synonym_only: bytearray,
    factors: tuple[float, float, float, float],
) -> Iterator[tuple[int, float]]:
    """(rowid, -adjusted bm25) of the ``ranked`` rows that are members, best first.

    The adjusted bm25 is bm25 times ``factors[demoted + 2 * synonym_only]``. Lazy, so a first page
    reads only the head of ``ranked`` (sorted by bm25): bm25 is negative and every factor at most 1,
    so no row after one with bm25 ``s`` can score below ``s``, and buffered rows at most ``s`` are final.
    """
    pending: list[tuple[float, int]] = []
    for rowid, score in ranked:
        if member[rowid]:
            heapq.heappush(pending, (score * factors[demoted[rowid] + 2 * synonym_only[rowid]], rowid))
        while pending and pending[0][0] <= score:
            adjusted, best = heapq.heappop(pending)
            yield best, -adjusted
    while pending:
        adjusted, best = heapq.heappop(pending)
        yield best, -adjusted


@dataclass(frozen=True)
class _Row:
    """A document as stored: its id, JSON, filter/sort attributes, searchable texts and point."""

    id: str
    doc: str
    attrs: str
    texts: tuple[str, ...]
    point: tuple[float, float] | None

    @classmethod
    def of(cls, settings: IndexSettings, doc: dict[str, Any]) -> _Row:
        doc_id = doc.get(settings.primary_key)
        if not isinstance(doc_id, str) or not doc_id:
            raise SearchError(f"Document without a text {settings.primary_key!r}")
        attrs = {name: doc.get(name) for name in settings.attribute_fields}
        return cls(doc_id, json.dumps(doc), json.dumps(attrs), tuple(settings.texts(doc)), settings.point(doc))


def _create_tables(conn: sqlite3.Connection, settings: IndexSettings) -> None:
    ix = settings.name
    columns = ", ".join(settings.searchable)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {ix}_docs "
        "(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL, attrs TEXT NOT NULL)"
    )
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {ix}_text USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {ix}_vocab USING fts5vocab({ix}_text, 'row')")
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {ix}_geo USING rtree(id, min_lat, max_lat, min_lon, max_lon)")
    conn.execute(f"CREATE TABLE IF NOT EXISTS {ix}_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, rowid INTEGER NOT NULL)")


def _store(conn: sqlite3.Connection, settings: IndexSettings, row: _Row) -> int:
    """Insert or replace one document; its rowid."""
    ix = settings.name
    rowid: int = conn.execute(
        f"INSERT INTO {ix}_docs (id, doc, attrs) VALUES (?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, attrs = excluded.attrs RETURNING rowid",
        (row.id, row.doc, row.attrs),
    ).fetchone()[0]
    conn.execute(
        f"INSERT OR REPLACE INTO {ix}_text (rowid, {', '.join(settings.searchable)}) "
        f"VALUES (?, {', '.join('?' * len(row.texts))})",
        (rowid, *row.texts),
    )
    if row.point is None:
        conn.execute(f"DELETE FROM {ix}_geo WHERE id = ?", (rowid,))
    else:
        lat, lon = row.point
        conn.execute(f"INSERT OR REPLACE INTO {ix}_geo VALUES (?, ?, ?, ?, ?)", (rowid, lat, lat, lon, lon))
    return rowid


def _prune_log(conn: sqlite3.Connection, ix: str) -> None:
    conn.execute(f"DELETE FROM {ix}_log WHERE seq <= (SELECT max(seq) FROM {ix}_log) - ?", (LOG_KEEP,))


def _matching(conn: sqlite3.Connection, ix: str, expression: str, size: int) -> int:
    """The rowids matching an FTS5 expression (fetched as one string: far cheaper than a row each)."""
    (rowids,) = conn.execute(
        f"SELECT group_concat(rowid) FROM {ix}_text WHERE {ix}_text MATCH ?", (expression,)
    ).fetchone()
    return bitset.from_csv(rowids, size)


def _indexed(conn: sqlite3.Connection, ix: str, word: str, prefix: bool) -> bool:
    expression = _quote(word) + ("*" if prefix else "")
    return (
        conn.execute(f"SELECT 1 FROM {ix}_text WHERE {ix}_text MATCH ? LIMIT 1", (expression,)).fetchone() is not None
    )


def match_expression(groups: list[tuple[Phrase, ...]], prefix: bool = True) -> str:
    """An FTS5 MATCH expression requiring every group, any phrase of a group; only quoted strings.

    The last group, when it is a single word of ``PREFIX_MIN_CHARS`` or more, also matches as a prefix
    (unless ``prefix`` is false).
    """
    parts = []
    for i, group in enumerate(groups):
        phrases = [_phrase(phrase) for phrase in group]
        single_word = len(group) == 1 and len(group[0]) == 1 and len(group[0][0]) >= PREFIX_MIN_CHARS
        if prefix and i == len(groups) - 1 and single_word:
            phrases = [phrases[0] + "*"]
        parts.append(phrases[0] if len(phrases) == 1 else f"({' OR '.join(phrases)})")
    return " AND ".join(parts)


# Words of a phrase may have up to this many others between them: the "s" of "women's centre" and the stop
# words a query drops ("reading and writing" is searched as "reading writing").
PHRASE_GAP = 2


def _phrase(words: Phrase) -> str:
    if len(words) == 1:
        return _quote(words[0])
    return f"NEAR({' '.join(_quote(w) for w in words)}, {PHRASE_GAP * (len(words) - 1)})"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


_UNAVAILABLE = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY"}


@contextmanager
def _sqlite_errors() -> Iterator[None]:
    """SQLite errors as SearchUnavailable (locked, unreadable or full database) or SearchError."""
    try:
        yield
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if any(name.startswith(prefix) for prefix in _UNAVAILABLE):
            raise SearchUnavailable(f"Search database unavailable: {exc}") from exc
        raise SearchError(f"Search database error: {exc}") from exc


# A point is stored as a box R*Tree rounds outwards to 32-bit floats (within ~0.5 m): boxes are
# matched by overlap, and distances measured from the box centre.
_HAVERSINE_SQL = (
    f"2 * {EARTH_RADIUS_M!r} * asin(min(1, sqrt("
    "pow(sin(radians((min_lat + max_lat) / 2 - :lat) / 2), 2) + "
    "cos(radians(:lat)) * cos(radians((min_lat + max_lat) / 2)) * "
    "pow(sin(radians((min_lon + max_lon) / 2 - :lon) / 2), 2))))"
)

"""The application's link to the search library: one backend per process, updated through the outbox.

Writers call `queue(index, id)` inside their transaction; the relay's handler re-reads the record and
upserts (or deletes) its current search document, so updates are idempotent, survive the search engine
being down (the outbox retries) and cannot apply out of order.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app

from portal import outbox
from portal.metrics import observe_search
from search import SearchBackend, SearchUnavailable, get_backend

# index name -> function(ids) returning {id: search document, or None to remove it from the index}
DOCUMENT_BUILDERS: dict[str, Callable[[list[str]], dict[str, dict | None]]] = {}


def backend() -> SearchBackend:
    """The process's search backend, made on first use (its indexes created with their settings then)."""
    app = current_app._get_current_object()
    if "search_backend" not in app.extensions:
        instance = get_backend(app.config)
        for index in DOCUMENT_BUILDERS:
            try:
                instance.ensure_index(index)
            except SearchUnavailable:  # the engine is down: searches say so, the outbox catches up later
                break
        app.extensions["search_backend"] = instance
    return _Timed(app.extensions["search_backend"])


class _Timed:
    """The backend, with each search's time and outcome counted for the metrics (portal/metrics.py)."""

    def __init__(self, inner: SearchBackend):
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def search(self, index, query):
        started = time.perf_counter()
        outcome = "error"
        try:
            result = self._inner.search(index, query)
            outcome = "ok"
            return result
        finally:
            observe_search(index, outcome, time.perf_counter() - started)

    def search_many(self, index, queries):
        """Several queries in one round trip (a search page and its facet counts): counted as one search."""
        started = time.perf_counter()
        outcome = "error"
        try:
            results = self._inner.search_many(index, queries)
            outcome = "ok"
            return results
        finally:
            observe_search(index, outcome, time.perf_counter() - started)


def register(index: str):
    def decorator(fn: Callable[[list[str]], dict[str, dict | None]]):
        DOCUMENT_BUILDERS[index] = fn
        return fn

    return decorator


def queue(index: str, record_ids: list[str]) -> None:
    """Bring the index up to date with these records once the current transaction commits."""
    outbox.enqueue("search", {"index": index, "ids": record_ids})


@outbox.handler("search")
def apply(payload: dict) -> None:
    index = payload["index"]
    documents = DOCUMENT_BUILDERS[index](payload["ids"])
    if upserts := [doc for doc in documents.values() if doc is not None]:
        backend().upsert(index, upserts)
    if deletes := [record_id for record_id, doc in documents.items() if doc is None]:
        backend().delete(index, deletes)

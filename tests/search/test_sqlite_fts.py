"""What only the embedded backend has to get right: other processes' writes, threads, its own file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import search.sqlite_fts as sqlite_fts
from search import SearchQuery, SearchUnavailable, get_backend
from search.sqlite_fts import SqliteBackend

Docs = list[dict[str, Any]]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "search.sqlite3"


@pytest.fixture
def pair(path: Path) -> Iterator[tuple[SqliteBackend, SqliteBackend]]:
    """Two backends on one file, as two app processes (web worker and outbox relay) would be."""
    writer, reader = SqliteBackend(path), SqliteBackend(path)
    yield writer, reader
    writer.close()
    reader.close()


def ids(backend: SqliteBackend, **query: Any) -> set[str]:
    return {hit.id for hit in backend.search("services", SearchQuery(per_page=100, **query)).hits}


def test_get_backend_picks_the_embedded_backend_without_meili_url(path: Path) -> None:
    assert isinstance(get_backend({"SEARCH_SQLITE_PATH": str(path), "MEILI_URL": ""}), SqliteBackend)


def test_another_processes_writes_are_seen(pair: tuple[SqliteBackend, SqliteBackend], services: Docs) -> None:
    writer, reader = pair
    writer.upsert("services", services[:10])
    assert len(ids(reader)) == 10  # the reader has built its in-memory state

    writer.upsert("services", [{**services[0], "capacity": "full"}, services[10]])
    writer.delete("services", [services[1]["id"]])

    assert ids(reader) == {d["id"] for d in services[:11]} - {services[1]["id"]}
    assert ids(reader, filters={"capacity": ["full"]}) == {services[0]["id"]} | {
        d["id"] for d in services[2:11] if d["capacity"] == "full"
    }


def test_a_reader_left_behind_by_the_log_reloads(
    pair: tuple[SqliteBackend, SqliteBackend], services: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_fts, "LOG_KEEP", 2)
    writer, reader = pair
    writer.upsert("services", services[:3])
    assert len(ids(reader)) == 3

    for doc in services[3:8]:
        writer.upsert("services", [doc])

    assert ids(reader) == {d["id"] for d in services[:8]}


def test_another_processes_rebuild_is_seen(pair: tuple[SqliteBackend, SqliteBackend], services: Docs) -> None:
    writer, reader = pair
    writer.upsert("services", services[:5])
    assert len(ids(reader)) == 5

    writer.rebuild("services", services[20:23])

    assert ids(reader) == {d["id"] for d in services[20:23]}
    assert ids(reader, text="mentoring") <= {d["id"] for d in services[20:23]}


def test_searches_from_many_threads_while_writing(path: Path, services: Docs) -> None:
    backend = SqliteBackend(path)
    backend.upsert("services", services)
    errors: list[BaseException] = []

    def search_repeatedly() -> None:
        try:
            for text in ["housing", "debt advice", "acommodation", ""] * 10:
                result = backend.search("services", SearchQuery(text=text, facets=["region"]))
                assert result.total >= len(result.hits)
        except BaseException as exc:  # noqa: BLE001 - collected for the main thread
            errors.append(exc)

    def write_repeatedly() -> None:
        for doc in services[:20]:
            backend.upsert("services", [{**doc, "capacity": "full"}])

    threads = [threading.Thread(target=search_repeatedly) for _ in range(6)] + [
        threading.Thread(target=write_repeatedly)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    backend.close()

    assert errors == []


def test_ranking_is_the_same_with_and_without_passing_candidates_to_sqlite(
    path: Path, services: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = SqliteBackend(path)
    backend.upsert("services", services)
    query = SearchQuery(text="support", filters={"sector": ["voluntary"]}, per_page=100)

    monkeypatch.setattr(sqlite_fts, "PUSHDOWN_MAX_CANDIDATES", 10**9)
    pushed = [(h.id, round(h.score, 9)) for h in backend.search("services", query).hits]
    monkeypatch.setattr(sqlite_fts, "PUSHDOWN_MAX_CANDIDATES", 0)
    scanned = [(h.id, round(h.score, 9)) for h in backend.search("services", query).hits]
    backend.close()

    assert pushed == scanned and len(pushed) > 5


def test_scores_decrease_down_the_list(path: Path, services: Docs) -> None:
    backend = SqliteBackend(path)
    backend.upsert("services", services)
    scores = [hit.score for hit in backend.search("services", SearchQuery(text="advice", per_page=100)).hits]
    backend.close()

    assert scores == sorted(scores, reverse=True) and len(scores) > 5


def test_an_unopenable_file_is_unavailable(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "missing-directory" / "search.sqlite3")

    assert not backend.health()
    with pytest.raises(SearchUnavailable):
        backend.search("services", SearchQuery(text="housing"))

"""Fixtures for the search tests: fixture services, a real Meilisearch server, and backends of both kinds."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import meilisearch
import pytest

from search import SearchBackend
from search.meili import MeiliBackend
from search.meili_server import MeiliServer, running
from search.sqlite_fts import SqliteBackend

BACKENDS = ["embedded", "meili"]
Docs = list[dict[str, Any]]


@pytest.fixture(scope="session")
def services() -> Docs:
    """59 services across England and Wales, 4 national (no location), two identical but for ``verified``."""
    return json.loads((Path(__file__).with_name("services.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def meili_server(meili_binary) -> Iterator[MeiliServer]:
    with running(in_memory=True) as server:
        yield server


@pytest.fixture(scope="session")
def meili_search_key(meili_server: MeiliServer) -> str:
    """A key allowed to search only, as the app uses at query time."""
    client = meilisearch.Client(meili_server.url, meili_server.master_key)
    return client.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None}).key


def _new_backend(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchBackend:
    """An empty backend of ``kind`` with storage of its own, its services index ensured."""
    backend: SearchBackend
    if kind == "embedded":
        backend = SqliteBackend(tmp_path_factory.mktemp("search") / "search.sqlite3")
    else:
        server: MeiliServer = request.getfixturevalue("meili_server")
        backend = MeiliBackend(
            server.url,
            api_key=server.master_key,
            search_key=request.getfixturevalue("meili_search_key"),
            index_prefix=f"t{uuid.uuid4().hex[:8]}_",
        )
    backend.ensure_index("services")
    return backend


def _close(backend: SearchBackend) -> None:
    if isinstance(backend, SqliteBackend):
        backend.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, services: Docs
) -> Iterator[SearchBackend]:
    """A backend holding the fixture services, shared by the read-only tests of a session."""
    loaded = _new_backend(request.param, request, tmp_path_factory)
    loaded.rebuild("services", services)
    yield loaded
    _close(loaded)


@pytest.fixture(params=BACKENDS)
def empty_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchBackend]:
    """A fresh, empty backend for tests that write."""
    fresh = _new_backend(request.param, request, tmp_path_factory)
    yield fresh
    _close(fresh)

"""What only the Meilisearch backend has to get right: settings, keys, swaps and an absent server."""

from __future__ import annotations

import http.server
import json
import socketserver
import threading
from typing import Any

import meilisearch
import pytest

from search import SearchError, SearchQuery, SearchUnavailable, get_backend
from search.index_settings import load_settings
from search.meili import MeiliBackend, _Searcher, meili_settings
from search.meili_server import MeiliServer

Docs = list[dict[str, Any]]


@pytest.fixture
def admin(meili_server: MeiliServer) -> meilisearch.Client:
    return meilisearch.Client(meili_server.url, meili_server.master_key)


def backend_for(server: MeiliServer, prefix: str, **keys: Any) -> MeiliBackend:
    return MeiliBackend(server.url, **({"api_key": server.master_key} | keys), index_prefix=prefix)


def test_get_backend_picks_meilisearch_when_configured(meili_server: MeiliServer) -> None:
    backend = get_backend({"MEILI_URL": meili_server.url, "MEILI_KEY": meili_server.master_key})

    assert isinstance(backend, MeiliBackend) and backend.health()


def test_settings_are_applied(meili_server: MeiliServer, admin: meilisearch.Client) -> None:
    backend_for(meili_server, "settings_").ensure_index("services")

    applied = admin.index("settings_services").get_settings()
    expected = meili_settings(load_settings("services"))
    assert applied["rankingRules"] == expected["rankingRules"]
    assert applied["searchableAttributes"] == expected["searchableAttributes"]
    assert set(applied["filterableAttributes"]) == set(expected["filterableAttributes"])
    assert applied["synonyms"]["rehab"] == expected["synonyms"]["rehab"]
    assert applied["pagination"]["maxTotalHits"] == 1000


def test_searches_use_the_search_key(meili_server: MeiliServer, meili_search_key: str, services: Docs) -> None:
    writer = backend_for(meili_server, "keys_")
    writer.ensure_index("services")
    writer.upsert("services", services[:3])

    search_only = backend_for(meili_server, "keys_", api_key="not-the-master-key", search_key=meili_search_key)
    assert search_only.search("services", SearchQuery()).total == 3
    with pytest.raises(SearchError):
        search_only.upsert("services", services[3:4])
    wrong_key = backend_for(meili_server, "keys_", search_key="not-a-key")
    with pytest.raises(SearchError):
        wrong_key.search("services", SearchQuery())


def test_rebuild_swaps_and_leaves_no_staging_index(
    meili_server: MeiliServer, admin: meilisearch.Client, services: Docs
) -> None:
    backend = backend_for(meili_server, "swap_")
    backend.rebuild("services", services[:4])  # creates the index on first use
    backend.rebuild("services", services[4:6])

    uids = {index["uid"] for index in admin.get_raw_indexes({"limit": 1000})["results"]}
    assert "swap_services" in uids and "swap_services_new" not in uids
    assert backend.count("services") == 2


def test_an_unreachable_server_is_unavailable() -> None:
    backend = MeiliBackend("http://127.0.0.1:9", api_key="x")

    assert not backend.health()
    with pytest.raises(SearchUnavailable):
        backend.search("services", SearchQuery(text="housing"))
    with pytest.raises(SearchUnavailable):
        backend.upsert("services", [{"id": "1"}])


def test_first_write_creates_the_index_with_its_settings(meili_server: MeiliServer, services: Docs) -> None:
    backend = backend_for(meili_server, "lazy_")  # no ensure_index
    backend.upsert("services", services[:8])

    in_london = [d for d in services[:8] if "london" in d["regions"]]
    assert backend.search("services", SearchQuery(filters={"region": ["london"]})).total == len(in_london) > 0


def test_a_search_and_its_facet_counts_are_one_request_and_ids_only_fetches_only_ids(
    meili_server: MeiliServer, services: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_for(meili_server, "ids_")
    backend.rebuild("services", services)
    sent: list[list[dict[str, Any]]] = []
    real = _Searcher.multi_search
    monkeypatch.setattr(_Searcher, "multi_search",
                        lambda searcher, queries: sent.append(queries) or real(searcher, queries))
    page = SearchQuery(text="housing leeds", filters={"pathway": ["accommodation"], "region": ["yorkshire-humber"]},
                       facets=["pathway", "region"])
    counts = [SearchQuery(text="housing leeds", filters=rest, facets=[name], per_page=1, ids_only=True)
              for name, rest in (("pathway", {"region": ["yorkshire-humber"]}),
                                 ("region", {"pathway": ["accommodation"]}))]

    results = backend.search_many("services", [page, *counts])

    assert len(sent) == 1  # the page's place tiers and both facets' counts
    assert [r.facets for r in results[1:]] == [backend.search("services", q).facets for q in counts]
    assert results[0].hits and "name" in results[0].hits[0].document
    ids_only = [q for q in sent[0] if q.get("attributesToRetrieve")]
    assert ids_only and all(q["attributesToRetrieve"] == ["id"] for q in ids_only)
    assert all(q.get("hitsPerPage") == 1 for q in ids_only)  # a count's single hit is never diversified


class _OneAnswerPerConnection(socketserver.ThreadingTCPServer):
    """A stand-in for Meilisearch that answers every multi-search on a kept-alive connection, counts the
    connections it accepts and, when told, closes a connection after answering (as a server closing an idle
    connection does)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.connections = 0
        self.close_after_answer = False
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                server.connections += 1

            def do_POST(self) -> None:
                queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
                body = json.dumps({"results": [{"hits": [], "totalHits": 0, "query": q["q"]} for q in queries]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())
                self.close_connection = server.close_after_answer

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


def test_searches_keep_one_connection_and_survive_the_server_closing_it() -> None:
    with _OneAnswerPerConnection() as fake:
        threading.Thread(target=fake.serve_forever, daemon=True).start()
        backend = MeiliBackend(f"http://127.0.0.1:{fake.server_address[1]}", api_key="x")
        query = [{"indexUid": "services", "q": "housing"}]

        assert backend._multi(query)[0]["query"] == "housing"
        assert backend._multi(query)[0]["query"] == "housing"
        assert fake.connections == 1  # kept alive between searches

        fake.close_after_answer = True
        backend._multi(query)  # answered, then the server closes the connection
        fake.close_after_answer = False
        assert backend._multi(query)[0]["query"] == "housing"  # sent again on a new connection
        assert fake.connections == 2
        fake.shutdown()

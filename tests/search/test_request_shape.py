"""The request shape both backends offer for speed: several queries at once, and ids only."""

from __future__ import annotations

import pytest

from search import InvalidQuery, SearchBackend, SearchQuery
from search.index_settings import load_settings

LEEDS = (53.7997, -1.5492)


def test_search_many_answers_each_query_as_search_would(backend: SearchBackend) -> None:
    queries = [
        SearchQuery(text="housing", facets=["pathway"]),
        SearchQuery(text="housing", filters={"pathway": ["accommodation"]}, facets=["region"], per_page=5),
        SearchQuery(text="' OR 1=1 --"),  # nothing searchable: finds nothing, without asking the engine
        SearchQuery(facets=["sector"], geo=(*LEEDS, 50_000), sort="distance"),
    ]
    together = backend.search_many("services", queries)
    alone = [backend.search("services", query) for query in queries]
    assert [[hit.id for hit in r.hits] for r in together] == [[hit.id for hit in r.hits] for r in alone]
    assert [(r.total, r.facets) for r in together] == [(r.total, r.facets) for r in alone]
    assert together[2].total == 0


def test_ids_only_gives_the_same_matches_in_the_same_order_with_nothing_but_ids(backend: SearchBackend) -> None:
    for query in (SearchQuery(text="housing support"), SearchQuery(geo=(*LEEDS, 80_000), sort="distance"),
                  SearchQuery(filters={"pathway": ["health"]}, sort="last_checked")):
        full = backend.search("services", query)
        bare = backend.search("services", SearchQuery(**{**vars(query), "ids_only": True}))
        assert [hit.id for hit in bare.hits] == [hit.id for hit in full.hits]
        assert bare.total == full.total
        assert all(hit.document == {"id": hit.id} for hit in bare.hits)
        assert [hit.distance_m is None for hit in bare.hits] == [hit.distance_m is None for hit in full.hits]


def test_ids_only_pages_may_be_larger_than_a_page_of_documents(backend: SearchBackend) -> None:
    everything = backend.search("services", SearchQuery(per_page=1000, ids_only=True))
    assert len(everything.hits) == everything.total > 50
    settings = load_settings("services")
    assert settings.check(SearchQuery(per_page=1000, ids_only=True)).per_page == 1000
    assert settings.check(SearchQuery(per_page=1000)).per_page == 100  # whole documents: 100 at most


def test_search_many_refuses_a_bad_query_whole(backend: SearchBackend) -> None:
    with pytest.raises(InvalidQuery):
        backend.search_many("services", [SearchQuery(text="housing"), SearchQuery(filters={"nope": ["x"]})])


def test_fields_give_the_same_matches_order_and_correction_with_only_those_fields(backend: SearchBackend) -> None:
    fields = ("name", "pathways")
    for query in (SearchQuery(text="housing support"), SearchQuery(text="acommodation leeds", per_page=5),
                  SearchQuery(geo=(*LEEDS, 80_000), sort="distance")):
        full = backend.search("services", query)
        some = backend.search("services", SearchQuery(**{**vars(query), "fields": fields}))
        assert [hit.id for hit in some.hits] == [hit.id for hit in full.hits] != []
        assert (some.total, some.corrected_text, some.place) == (full.total, full.corrected_text, full.place)
        assert [hit.distance_m for hit in some.hits] == [hit.distance_m for hit in full.hits]
        assert all(hit.document == {k: full_hit.document[k] for k in ("id", *fields) if k in full_hit.document}
                   for hit, full_hit in zip(some.hits, full.hits, strict=True))
        assert all("description" not in hit.document for hit in some.hits)

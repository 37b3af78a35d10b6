"""The contract both search backends meet, run against each on the same fixture services."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from search import InvalidQuery, SearchBackend, SearchQuery, SearchResult
from search.geo import haversine_m

Docs = list[dict[str, Any]]
LEEDS = (53.7997, -1.5492)


def search(backend: SearchBackend, **query: Any) -> SearchResult:
    return backend.search("services", SearchQuery(**query))


def every_id(backend: SearchBackend, **query: Any) -> set[str]:
    result = search(backend, per_page=100, **query)
    assert result.total <= 100, "fixture queries fit on one page"
    return {hit.id for hit in result.hits}


def names(result: SearchResult) -> list[str]:
    return [hit.document["name"] for hit in result.hits]


def ids_where(services: Docs, **wanted: list[str]) -> set[str]:
    """Ids of services having, for every field, at least one of the wanted values."""

    def has(doc: dict[str, Any], field: str, values: list[str]) -> bool:
        held = doc[field] if isinstance(doc[field], list) else [doc[field]]
        return any(str(v).lower() in values for v in held)

    return {d["id"] for d in services if all(has(d, f, v) for f, v in wanted.items())}


# -- relevance, typos and synonyms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "top"),
    [
        ("debt advice", "Money Matters Debt Advice"),
        ("women's centre leeds", "Leeds Women's Centre"),
        ("night shelter", "Night Shelter Sheffield"),
        ("naloxone", "Naloxone Training Project"),
        ("residential rehab", "Residential Rehab Referral"),
        ("jobs club", "Jobs Club Westminster"),
        ("cafe resume", "Café Résumé"),
        ("Apprentice", "Birmingham Apprenticeships Link"),
    ],
)
def test_best_match_comes_first(backend: SearchBackend, text: str, top: str) -> None:
    assert names(search(backend, text=text))[0] == top


@pytest.mark.parametrize(
    ("text", "corrected", "word"),
    [("acommodation", "accommodation", "accommodation"), ("emplyment", "employment", "employment")],
)
def test_typos_are_corrected(backend: SearchBackend, text: str, corrected: str, word: str) -> None:
    result = search(backend, text=text)

    assert result.total > 0
    assert word in str(result.hits[0].document).lower()
    assert result.corrected_text == corrected


def test_correctly_spelled_query_is_not_corrected(backend: SearchBackend) -> None:
    assert search(backend, text="housing advice").corrected_text is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("housing", "Supported Accommodation Project"),  # says "accommodation", never "housing"
        ("rehab", "Liverpool Drug Treatment Service"),  # "drug treatment"
        ("rehab", "Substance Misuse Through the Gate"),  # "substance misuse"
        ("job", "Employment Support Programme"),
        ("wellbeing", "Mental Health Liaison Team"),
    ],
)
def test_synonyms_match(backend: SearchBackend, text: str, expected: str) -> None:
    assert expected in names(search(backend, text=text, per_page=100))


def test_unverified_ranks_below_its_verified_twin(backend: SearchBackend) -> None:
    hits = search(backend, text="gateway peer mentors").hits

    assert [h.document["name"] for h in hits[:2]] == ["Gateway Peer Mentors"] * 2
    assert [h.document["verified"] for h in hits[:2]] == [True, False]


def test_without_text_verified_services_come_first(backend: SearchBackend) -> None:
    flags = [hit.document["verified"] for hit in search(backend, per_page=100).hits]

    assert flags == sorted(flags, reverse=True)
    assert False in flags


# -- filters, facets and totals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"region": ["london", "wales"]},
        {"region": ["london", "wales"], "pathway": ["accommodation"]},
        {"eligibility": ["women-only"], "delivery_mode": ["phone"]},
        {"verified": ["false"]},
        {"sector": ["public"], "capacity": ["accepting", "waiting-list"]},
        {"region": ["atlantis"]},
    ],
)
def test_filters_are_or_within_and_across(
    backend: SearchBackend, services: Docs, filters: dict[str, list[str]]
) -> None:
    fields = {
        "region": "regions",
        "pathway": "pathways",
        "eligibility": "eligibility",
        "sector": "sector",
        "delivery_mode": "delivery_modes",
        "verified": "verified",
        "capacity": "capacity",
    }
    expected = ids_where(services, **{fields[name]: values for name, values in filters.items()})

    assert every_id(backend, filters=filters) == expected
    assert search(backend, filters=filters).total == len(expected)


@pytest.mark.parametrize("age", [17, 19, 30, 60])
def test_age_filter_keeps_services_accepting_that_age(backend: SearchBackend, services: Docs, age: int) -> None:
    expected = {
        d["id"]
        for d in services
        if (d["min_age"] is None or d["min_age"] <= age) and (d["max_age"] is None or d["max_age"] >= age)
    }

    assert every_id(backend, numeric_filters={"age": age}) == expected


def test_facet_counts_cover_the_whole_result_set(backend: SearchBackend, services: Docs) -> None:
    filters = {"region": ["yorkshire-humber", "north-west"]}
    matching = [d for d in services if d["id"] in ids_where(services, regions=filters["region"])]

    result = search(backend, filters=filters, facets=["pathway", "capacity", "sector"], per_page=1)

    assert len(result.hits) == 1
    assert result.total == len(matching)
    pathway_counts = Counter(p for d in matching for p in d["pathways"])
    assert list(result.facets["pathway"].items()) == sorted(pathway_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert result.facets["capacity"] == dict(Counter(d["capacity"] for d in matching))
    assert result.facets["sector"] == dict(Counter(d["sector"] for d in matching))


def test_facet_counts_agree_with_the_total_of_a_text_search(backend: SearchBackend) -> None:
    result = search(backend, text="support", facets=["capacity", "sector"], per_page=2)

    assert result.total > 2
    assert sum(result.facets["capacity"].values()) == result.total
    assert sum(result.facets["sector"].values()) == result.total


def test_total_is_exact_or_flagged_as_capped(empty_backend: SearchBackend, services: Docs) -> None:
    template = {**services[0], "description": "Bulk.", "keywords": []}
    many = [{**template, "id": f"bulk-{i}", "name": f"Bulk service {i}"} for i in range(1050)]
    empty_backend.upsert("services", many)

    result = search(empty_backend, text="bulk")

    assert (result.total, result.total_is_capped) in {(1050, False), (1000, True)}


def test_pages_partition_the_results(backend: SearchBackend, services: Docs) -> None:
    newest_first = [d["id"] for d in sorted(services, key=lambda d: d["last_checked"], reverse=True)]
    seen: list[str] = []
    for page in range(1, 20):
        result = search(backend, sort="last_checked", page=page, per_page=7)
        assert result.total == len(services)
        if not result.hits:
            break
        seen += [hit.id for hit in result.hits]

    assert seen == newest_first


def test_sort_by_last_checked_keeps_the_same_matches(backend: SearchBackend) -> None:
    by_relevance = search(backend, text="support", per_page=100)
    by_date = search(backend, text="support", sort="last_checked", per_page=100)
    dates = [hit.document["last_checked"] for hit in by_date.hits]

    assert dates == sorted(dates, reverse=True)
    assert {h.id for h in by_date.hits} == {h.id for h in by_relevance.hits}


# -- distance ---------------------------------------------------------------------------------------


def test_distance_sort_lists_services_within_the_radius_nearest_first(backend: SearchBackend, services: Docs) -> None:
    radius = 15_000
    distances = {d["id"]: haversine_m(*LEEDS, d["lat"], d["lon"]) for d in services if d["lat"] is not None}
    assert all(abs(m - radius) > 200 for m in distances.values()), "no fixture service on the circle's edge"
    expected = sorted((i for i, m in distances.items() if m <= radius), key=distances.__getitem__)

    result = search(backend, geo=(*LEEDS, radius), sort="distance", per_page=100)

    assert [hit.id for hit in result.hits] == expected
    assert len(expected) >= 5
    for hit in result.hits:
        assert hit.distance_m == pytest.approx(distances[hit.id], abs=5)


def test_distance_combines_with_text_and_filters(backend: SearchBackend, services: Docs) -> None:
    result = search(
        backend, text="advice", filters={"pathway": ["finance-benefit-debt"]}, geo=(*LEEDS, 50_000), per_page=100
    )

    assert names(result) == ["Money Matters Debt Advice"]
    assert result.hits[0].distance_m is not None and result.hits[0].distance_m < 50_000


def test_services_without_a_location_never_match_a_distance_search(backend: SearchBackend, services: Docs) -> None:
    national = {d["id"] for d in services if d["lat"] is None}

    assert national
    assert not national & every_id(backend, geo=(51.5, -0.12, 1_000_000))


# -- hostile input --------------------------------------------------------------------------------


HOSTILE_TEXT = [
    "",
    "   ",
    '"',
    '""',
    "'",
    "*",
    "-",
    ":",
    "^",
    "(",
    ")",
    "NEAR(",
    "NEAR(housing advice, 2)",
    "housing AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "housing -accommodation",
    "name:housing",
    "{name}: housing",
    "housing*",
    "\\",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00\x01\x1b[31m",
    "\n\t\r",
    "😀🏠",
    "housing 🏠",
    "\u202eevil",
    "\ud800",
    "ﬁnance",
    "x" * 10_000,
    "housing " * 2_000,
    '"housing" OR "x"',
    "%_%",
    "a" * 200 + "*",
]


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_any_text_is_safe(backend: SearchBackend, text: str) -> None:
    result = search(backend, text=text, facets=["pathway"])

    assert result.total >= len(result.hits) >= 0


INJECTIONS = [
    'London" OR sector = "x',
    'london" OR sector = "voluntary',
    'london" OR regions = "wales',
    "london\\",
    '\\" OR 1=1 OR regions = \\"wales',
    'x") OR (regions IN ["london"]',
    "london' OR '1'='1",
    "",
]


@pytest.mark.parametrize("value", INJECTIONS, ids=range(len(INJECTIONS)))
def test_filter_values_cannot_inject(backend: SearchBackend, services: Docs, value: str) -> None:
    assert search(backend, filters={"region": [value]}).total == 0
    assert every_id(backend, filters={"region": ["wales", value]}) == ids_where(services, regions=["wales"])


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(filters={'region" OR sector': ["london"]}),
        SearchQuery(filters={"postcode": ["LS1"]}),
        SearchQuery(filters={"region": "london"}),  # type: ignore[dict-item]
        SearchQuery(facets=["name"]),
        SearchQuery(sort="name"),
        SearchQuery(sort="distance"),
        SearchQuery(geo=(53.8, -1.5, -5)),
        SearchQuery(geo=(953.8, -1.5, 5000)),
        SearchQuery(geo=(float("nan"), -1.5, 5000)),
        SearchQuery(numeric_filters={"height": 3}),
        SearchQuery(numeric_filters={"age": float("inf")}),
        SearchQuery(page="2"),  # type: ignore[arg-type]
    ],
)
def test_invalid_queries_raise_invalid_query(backend: SearchBackend, query: SearchQuery) -> None:
    with pytest.raises(InvalidQuery):
        backend.search("services", query)


def test_page_size_is_kept_between_1_and_100(backend: SearchBackend, services: Docs) -> None:
    assert len(search(backend, per_page=1000).hits) == min(100, len(services))
    assert len(search(backend, per_page=0).hits) == 1


# -- writes ----------------------------------------------------------------------------------------


def test_upserts_and_deletes_are_visible(empty_backend: SearchBackend, services: Docs) -> None:
    first, second, third = copy.deepcopy(services[:3])
    empty_backend.upsert("services", [first, second, third])
    assert empty_backend.count("services") == 3
    assert names(search(empty_backend, text="night shelter")) == ["Night Shelter Sheffield"]

    renamed = {**third, "name": "Evening Refuge Sheffield", "description": "Beds for the evening.", "keywords": []}
    empty_backend.upsert("services", [{**renamed, "capacity": "full"}])
    assert search(empty_backend, text="night shelter").total == 0
    assert names(search(empty_backend, text="evening refuge")) == ["Evening Refuge Sheffield"]
    assert search(empty_backend, facets=["capacity"]).facets["capacity"] == {
        "full": 1,
        "accepting": 1,
        "waiting-list": 1,
    }

    empty_backend.delete("services", [first["id"]])
    assert empty_backend.count("services") == 2
    assert first["id"] not in every_id(empty_backend)
    assert first["id"] not in {hit.id for hit in search(empty_backend, text="leeds housing advice").hits}


def test_rebuild_replaces_the_content(empty_backend: SearchBackend, services: Docs) -> None:
    empty_backend.upsert("services", services[:2])
    progress: list[int] = []

    empty_backend.rebuild("services", iter(services[10:15]), total=5, progress=progress.append)

    assert every_id(empty_backend) == {d["id"] for d in services[10:15]}
    assert empty_backend.count("services") == 5
    assert progress[-1] == 5


def test_backend_reports_health(backend: SearchBackend, services: Docs) -> None:
    assert backend.health()
    assert backend.count("services") == len(services)

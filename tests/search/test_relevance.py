"""Relevance both backends share: relaxing a query no service fully matches, place words, synonyms from the
field's vocabulary, and near-duplicates kept from crowding the first results. Run against each backend."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from search import SearchBackend, SearchQuery, SearchResult
from search.geo import haversine_m
from search.index_settings import load_settings

Docs = list[dict[str, Any]]
COVENTRY = (52.4068, -1.5197)
LEEDS = (53.7997, -1.5492)


def search(backend: SearchBackend, **query: Any) -> SearchResult:
    return backend.search("services", SearchQuery(**query))


def names(result: SearchResult) -> list[str]:
    return [hit.document["name"] for hit in result.hits]


# -- relaxation ------------------------------------------------------------------------------------


def test_a_word_no_service_holds_is_left_out_and_named(backend: SearchBackend) -> None:
    result = search(backend, text="debt advice bicycle")

    assert names(result)[0] == "Money Matters Debt Advice"
    assert result.left_out == ["bicycle"]


def test_words_a_practitioner_adds_do_not_stop_the_service_being_found(backend: SearchBackend) -> None:
    """"someone" and "urgently" are in no description of a naloxone service: weak words never exclude one."""
    result = search(backend, text="naloxone training someone urgently")

    assert names(result) == ["Naloxone Training Project"]
    assert result.left_out == []


def test_weak_words_alone_are_still_searched_for(backend: SearchBackend) -> None:
    assert search(backend, text="help").total >= 1


def test_when_every_word_matches_nothing_is_left_out(backend: SearchBackend) -> None:
    result = search(backend, text="debt advice")

    assert result.left_out == [] and result.total >= 1


def test_the_informative_word_is_kept_when_two_words_never_meet(backend: SearchBackend) -> None:
    """"naloxone" and "apprenticeship" both match, never in one service: the rarer word is kept, and results
    are not everything that holds the common word."""
    result = search(backend, text="naloxone employment")

    assert names(result)[0] == "Naloxone Training Project"
    assert result.left_out == ["employment"]


def test_a_single_unknown_word_still_finds_nothing(backend: SearchBackend) -> None:
    result = search(backend, text="xqzv")

    assert result.total == 0 and result.hits == [] and result.left_out == []


def test_relaxation_stays_within_the_filters(backend: SearchBackend) -> None:
    result = search(backend, text="debt advice bicycle", filters={"region": ["south-west"]})

    assert names(result) == ["Plymouth Money Advice"]
    assert result.left_out == ["bicycle"]


# -- place words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place", "top"),
    [
        ("hostel coventry", "Coventry", "Young Adults Hostel"),
        ("women's centre cardiff", "Cardiff", "Women's Centre Cardiff"),
        ("drugs LS9", "LS9", "Leeds Recovery Hub"),
        ("wellbeing Swansea", "Swansea", "Swansea Wellbeing Service"),
    ],
)
def test_a_place_in_the_text_ranks_services_there_first(
    backend: SearchBackend, text: str, place: str, top: str
) -> None:
    result = search(backend, text=text)

    assert result.place == place
    assert names(result)[0] == top
    assert result.left_out == []


def test_services_elsewhere_follow_those_near_the_place(backend: SearchBackend) -> None:
    everywhere = search(backend, text="women's centre", per_page=100)
    in_cardiff = search(backend, text="women's centre cardiff", per_page=100)
    in_leeds = search(backend, text="women's centre leeds", per_page=100)

    assert sorted(names(in_cardiff)) == sorted(names(everywhere)) == sorted(names(in_leeds))  # it never filters
    assert names(in_cardiff)[0] == "Women's Centre Cardiff"
    assert names(in_leeds)[0] == "Leeds Women's Centre"


def test_a_place_alone_lists_everything_nearest_that_place_first(backend: SearchBackend, services: Docs) -> None:
    result = search(backend, text="Leeds", per_page=5)

    assert result.total == len(services)
    nearest = min(haversine_m(*LEEDS, d["lat"], d["lon"]) for d in services if d.get("lat") is not None)
    first = result.hits[0].document
    assert haversine_m(*LEEDS, first["lat"], first["lon"]) < nearest + 6_000


def test_a_place_name_that_is_also_a_word_is_a_place_only_with_a_capital(backend: SearchBackend) -> None:
    assert search(backend, text="housing Reading").place == "Reading"
    assert search(backend, text="reading writing").place is None


def test_a_distance_search_is_not_overridden_by_a_town_in_the_text(backend: SearchBackend) -> None:
    result = search(backend, text="hostel leeds", geo=(*COVENTRY, 10_000))

    assert result.place is None
    assert names(result) == ["Young Adults Hostel"]


# -- synonyms --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("counseling", "Counselling for Men"),  # American spelling
        ("ex forces", "Veterans in Custody Support"),  # plain words
        ("dv", "Domestic Abuse Helpline"),  # abbreviation
        ("ptsd", "Counselling for Men"),  # jargon
        ("drink problem", "Alcohol Recovery Community"),
        ("nfa", "Leeds Housing Advice Service"),  # probation shorthand: no fixed abode
    ],
)
def test_the_fields_own_words_find_the_service(backend: SearchBackend, text: str, found: str) -> None:
    assert found in names(search(backend, text=text))


@pytest.mark.parametrize(("text", "most"), [("dv", 3), ("ptsd", 2), ("ex forces", 2), ("counseling", 5)])
def test_a_synonym_does_not_flood_the_results(backend: SearchBackend, text: str, most: int) -> None:
    assert search(backend, text=text).total <= most


def test_the_synonyms_come_from_one_reviewed_file() -> None:
    synonyms = load_settings("services").synonyms
    assert len(synonyms.groups) >= 180
    groups_of: dict[tuple[str, ...], set[int]] = {}
    for i, group in enumerate(synonyms.groups):
        for phrase in group:
            groups_of.setdefault(phrase, set()).add(i)
    assert not [p for p, groups in groups_of.items() if len(groups) > 1], "a phrase belongs to one group only"
    phrases = set(groups_of)
    assert all(len(group) >= 2 for group in synonyms.groups)
    generic = {("help",), ("support",), ("service",), ("advice",), ("shelter",)}
    assert not generic & set(phrases), "words in almost every description would flood results"


# -- near-duplicates -------------------------------------------------------------------------------


def test_the_same_service_in_many_towns_does_not_crowd_the_first_results(
    empty_backend: SearchBackend, services: Docs
) -> None:
    template = next(d for d in services if d["name"] == "Leeds Recovery Hub")
    others = [copy.deepcopy(d) for d in services if d["name"] in ("Alcohol Recovery Community", "Leeds Recovery Hub")]
    towns = [(51.4545, -2.5879), (52.4862, -1.8904), (53.4808, -2.2426), (53.3811, -1.4701), (52.9548, -1.1581)]
    chain = [
        {**copy.deepcopy(template), "id": f"chain-{i}", "name": "Recovery Hub", "organisation_name": "Big Recovery",
         "lat": lat, "lon": lon}
        for i, (lat, lon) in enumerate(towns)
    ]
    empty_backend.upsert("services", chain + others)

    result = search(empty_backend, text="recovery", per_page=10)

    assert names(result)[:3].count("Recovery Hub") == 1
    assert names(result).count("Recovery Hub") == 5  # moved down, not dropped
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    paged = [h.id for p in (1, 2, 3) for h in search(empty_backend, text="recovery", per_page=3, page=p).hits]
    assert paged == [hit.id for hit in result.hits]

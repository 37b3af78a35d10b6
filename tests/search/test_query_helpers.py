"""The pieces both backends share: tokenising, synonyms, spelling, settings, escaping, bitsets, geometry."""

from __future__ import annotations

import math

import pytest

from search import InvalidQuery, SearchError, SearchQuery, bitset
from search.geo import bounding_box, haversine_m
from search.index_settings import load_settings
from search.meili import filter_expressions, meili_settings, quote
from search.spelling import Vocabulary, corrected_text, infer_corrections
from search.sqlite_fts import match_expression
from search.text import Synonyms, edit_distance, query_terms, tokenise, typo_budget

SERVICES = load_settings("services")


def test_tokenise_folds_case_and_accents_and_drops_everything_but_words() -> None:
    assert tokenise('Café RÉSUMÉ: "NEAR(x*" -y 😀 \x00ﬁnance') == ["cafe", "resume", "near", "x", "y", "finance"]


def test_query_terms_drop_stop_words_and_single_letters_and_stop_at_ten() -> None:
    assert query_terms("Help with housing for women's services near me", SERVICES.stop_words) == [
        "help",
        "housing",
        "women",
        "services",
    ]
    assert len(query_terms("word " * 50, SERVICES.stop_words)) == 10


def test_synonyms_group_the_longest_phrase_first() -> None:
    synonyms = Synonyms([["mental health", "wellbeing"], ["health", "nhs"]])

    assert synonyms.expand(["mental", "health", "leeds"]) == [
        (("mental", "health"), ("wellbeing",)),
        (("leeds",),),
    ]
    assert synonyms.expand(["health"]) == [(("health",), ("nhs",))]
    assert synonyms.as_mapping()["wellbeing"] == ["mental health"]


@pytest.mark.parametrize(
    ("a", "b", "limit", "distance"),
    [
        ("acommodation", "accommodation", 2, 1),
        ("hosuing", "housing", 1, 1),  # a transposition is one edit
        ("emplyment", "employment", 2, 1),
        ("housing", "homeless", 1, 2),  # beyond the limit: limit + 1
        ("debt", "debt", 0, 0),
    ],
)
def test_edit_distance(a: str, b: str, limit: int, distance: int) -> None:
    assert edit_distance(a, b, limit) == distance


def test_typo_budget_grows_with_word_length() -> None:
    assert [typo_budget(w) for w in ("job", "debt", "housing", "employment")] == [0, 1, 1, 2]


def test_vocabulary_corrects_to_the_nearest_then_most_common_word() -> None:
    vocabulary = Vocabulary({"accommodation": 50, "accommodate": 3, "housing": 40, "hosting": 2, "job": 9})

    assert vocabulary.correct("acommodation") == "accommodation"
    assert vocabulary.correct("acomodation") == "accommodation"  # two typos, same first letter
    assert vocabulary.correct("hosing") == "housing"  # housing and hosting are both one edit away
    assert vocabulary.correct("jbo") is None  # too short to correct
    assert vocabulary.correct("zzzzzzzz") is None


def test_corrections_are_inferred_from_the_words_of_the_hits() -> None:
    texts = ["Supported accommodation for men", "Employment support"]

    assert infer_corrections(["acommodation"], texts, frozenset()) == {"acommodation": "accommodation"}
    assert infer_corrections(["suport"], texts, frozenset()) == {"suport": "support"}
    assert infer_corrections(["employ"], texts, frozenset()) == {}  # a prefix of the last word
    assert infer_corrections(["housing"], texts, frozenset({"housing"})) == {}  # matched through synonyms


def test_corrected_text_keeps_the_users_words() -> None:
    assert corrected_text("Help with ACOMMODATION!", {"acommodation": "accommodation"}) == "help with accommodation"
    assert corrected_text("housing", {}) is None


def test_match_expression_is_quoted_phrases_only() -> None:
    groups = [(("housing",), ("drug", "treatment")), (("leeds",),)]

    assert match_expression(groups) == '("housing" OR NEAR("drug" "treatment", 2)) AND "leeds"*'
    assert match_expression([(('a"b',),)]) == '"a""b"*'
    assert match_expression([(("x",),)]) == '"x"'  # one letter: no prefix search


def test_meili_filter_values_are_escaped_and_quoted() -> None:
    assert quote('London" OR sector = "x') == '"London\\" OR sector = \\"x"'
    assert quote("a\\") == '"a\\\\"'
    query = SERVICES.check(SearchQuery(filters={"region": ['London" OR sector = "x'], "verified": ["true"]}))

    assert filter_expressions(SERVICES, query) == [
        'regions IN ["London\\" OR sector = \\"x"]',
        'verified IN ["true"]',
    ]


def test_meili_filter_for_age_and_distance() -> None:
    query = SERVICES.check(SearchQuery(numeric_filters={"age": 19}, geo=(53.8, -1.55, 5000)))

    assert filter_expressions(SERVICES, query) == [
        "(min_age NOT EXISTS OR min_age IS NULL OR min_age <= 19.0)",
        "(max_age NOT EXISTS OR max_age IS NULL OR max_age >= 19.0)",
        "_geoRadius(53.8, -1.55, 5000.0)",
    ]


def test_meili_settings_come_from_the_settings_file() -> None:
    settings = meili_settings(SERVICES)

    assert settings["searchableAttributes"] == ["name", "organisation_name", "keywords", "description"]
    assert settings["rankingRules"] == ["sort", "words", "typo", "verified:desc", "proximity", "attribute", "exactness"]
    assert {"regions", "pathways", "min_age", "_geo", "id"} <= set(settings["filterableAttributes"])
    assert settings["sortableAttributes"] == ["last_checked", "_geo"]
    assert {"accommodation", "homeless", "homelessness"} <= set(settings["synonyms"]["housing"])
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 4, "twoTypos": 8}


def test_settings_names_are_checked() -> None:
    with pytest.raises(SearchError):
        load_settings("../../etc/passwd")
    with pytest.raises(SearchError):
        load_settings("nonexistent")


def test_check_normalises_a_query() -> None:
    query = SERVICES.check(
        SearchQuery(
            filters={"region": ["london", "london"], "pathway": []}, facets=["region", "region"], page=0, per_page=500
        )
    )

    assert query.filters == {"region": ["london"]}
    assert query.facets == ["region"]
    assert (query.page, query.per_page) == (1, 100)


def test_check_refuses_too_many_filter_values() -> None:
    with pytest.raises(InvalidQuery):
        SERVICES.check(SearchQuery(filters={"region": [f"r{i}" for i in range(51)]}))


def test_bitsets_round_trip() -> None:
    rowids = [0, 1, 7, 8, 9, 63, 64, 999]
    bits = bitset.from_rowids(rowids, 1000)

    assert bits.bit_count() == len(rowids)
    assert bitset.to_rowids(bits, 1000) == rowids
    assert bitset.from_csv("0,1,7,8,9,63,64,999", 1000) == bits
    assert bitset.from_csv(None, 1000) == 0
    assert [i for i, flag in enumerate(bitset.flags(bits, 1000)) if flag] == rowids
    assert bitset.union([bitset.from_rowids([1], 10), bitset.from_rowids([2], 10)]) == bitset.from_rowids([1, 2], 10)


def test_haversine_and_bounding_box() -> None:
    london, leeds = (51.5074, -0.1278), (53.8008, -1.5491)
    assert haversine_m(*london, *leeds) == pytest.approx(272_000, rel=0.01)

    lat, lon, radius = 53.8, -1.55, 25_000
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    for bearing in range(0, 360, 5):  # points on the circle lie inside the box
        b = math.radians(bearing)
        d = radius / 6_371_008.8
        plat = math.asin(
            math.sin(math.radians(lat)) * math.cos(d) + math.cos(math.radians(lat)) * math.sin(d) * math.cos(b)
        )
        plon = math.radians(lon) + math.atan2(
            math.sin(b) * math.sin(d) * math.cos(math.radians(lat)),
            math.cos(d) - math.sin(math.radians(lat)) * math.sin(plat),
        )
        assert min_lat - 1e-9 <= math.degrees(plat) <= max_lat + 1e-9  # the circle touches the box
        assert min_lon - 1e-9 <= math.degrees(plon) <= max_lon + 1e-9

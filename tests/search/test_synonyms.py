"""The synonyms (search/settings/synonyms.txt): well-formed data, groups that help and groups that do not flood.

Both backends read the same file (the embedded engine expands queries with it; Meilisearch gets it as its
``synonyms`` setting), so the behaviour tests run on both.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from search import SearchBackend, SearchQuery
from search.index_settings import load_settings
from search.text import query_terms

ROOT = Path(__file__).resolve().parents[2]
SYNONYMS = ROOT / "search" / "settings" / "synonyms.txt"
MAX_ADDED_SHARE = 0.15  # a group may widen its best phrase's matches by at most this share of the directory


def _lines() -> list[str]:
    return [line for line in SYNONYMS.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_there_are_hundreds_of_groups_and_each_phrase_is_in_one_only() -> None:
    settings = load_settings("services")
    assert len(settings.synonyms.groups) >= 300
    groups_of: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for n, line in enumerate(_lines()):
        for phrase in line.split(","):
            reduced = tuple(query_terms(phrase.strip(), settings.stop_words, limit=False))
            assert reduced, f"‘{phrase.strip()}’ has no word a search keeps"
            groups_of[reduced].add(n)
    shared = {" ".join(phrase): sorted(lines) for phrase, lines in groups_of.items() if len(lines) > 1}
    assert not shared, f"phrases in more than one group (as searched): {shared}"


def test_no_group_holds_a_weak_word_alone() -> None:
    settings = load_settings("services")
    weak = [phrase for group in settings.synonyms.groups for phrase in group
            if len(phrase) == 1 and phrase[0] in settings.weak_words - {"organisation", "organisations"}]
    assert not weak  # "help", "support", "service" would pull in most of the directory


def test_no_group_floods_the_labelled_directory() -> None:
    """Over the relevance set's 317 services: the services a group matches are at most its best phrase's
    plus MAX_ADDED_SHARE of the directory (adding "service" or "advice" to a group fails this)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from relevance_set.corpus import documents

    settings = load_settings("services")
    docs = documents()
    texts = [f" {' '.join(query_terms(' '.join(settings.texts(doc)), settings.stop_words, limit=False))} "
             for doc in docs]

    def matching(phrase: tuple[str, ...]) -> set[int]:
        needle = f" {' '.join(phrase)} "
        return {i for i, text in enumerate(texts) if needle in text}

    flooding = {}
    for group in settings.synonyms.groups:
        each = [matching(phrase) for phrase in group]
        added = len(set().union(*each)) - max(len(m) for m in each)
        if added > MAX_ADDED_SHARE * len(docs):
            flooding[" ".join(group[0])] = added
    assert not flooding


def _service(n: int, name: str, description: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"syn-{n}", "name": name, "organisation_name": f"Organisation {n}", "description": description,
            "keywords": [], "pathways": ["health"], "regions": ["yorkshire-humber"], "cpas": ["yorkshire"],
            "stages": ["community"], "eligibility": [], "delivery_modes": ["in-person"], "sector": "voluntary",
            "capacity": "accepting", "access_routes": [], "min_age": 18, "max_age": None, "lat": 53.8,
            "lon": -1.55, "postcode": "LS1", "last_checked": "2026-11-01", "verified": True, "high_risk": [],
            **fields}


# Every description says "support" and "service": a search must not find them all through a synonym
DIRECTORY = [
    _service(1, "Thinking Forward", "Cognitive behavioural therapy in small groups: support to manage thoughts "
                                    "and feelings, a service for people on licence."),
    _service(2, "Claims Clinic", "Support with benefit claims, sanctions and appeals: a drop-in service."),
    _service(7, "Dry Days", "Support for people on an alcohol treatment requirement: a service with groups."),
    _service(3, "Open Door Resettlement", "Support for men moving to open conditions before release; a "
                                          "service run with prison staff."),
    _service(4, "Harbour Keyworkers", "Each resident has a key worker who gives practical support; a "
                                      "service for people leaving hostels."),
    _service(5, "Growing Together", "Support through horticulture on allotments, a service in the park."),
    _service(6, "Tenancy Ready", "Support to find a flat of your own: an advice service on tenancies."),
]


@pytest.mark.parametrize(("text", "expected"), [
    ("cbt", ["Thinking Forward"]),  # an abbreviation for what the service spells out
    ("cognitive behavioral therapy", ["Thinking Forward"]),  # the American spelling
    ("atr", ["Dry Days"]),
    ("benefit sanctions", ["Claims Clinic"]),
    ("open prison", ["Open Door Resettlement"]),  # practitioners' plain word for "open conditions"
    ("keyworker", ["Harbour Keyworkers"]),
    ("apartment", ["Tenancy Ready"]),  # an American word for a British one
])
def test_a_synonym_finds_the_service_and_nothing_unrelated(
    empty_backend: SearchBackend, text: str, expected: list[str]
) -> None:
    empty_backend.upsert("services", DIRECTORY)

    result = empty_backend.search("services", SearchQuery(text=text, per_page=20))

    assert [hit.document["name"] for hit in result.hits] == expected
    assert result.total == len(expected) and not result.left_out


def test_a_word_in_every_description_is_not_a_synonym_of_anything(empty_backend: SearchBackend) -> None:
    empty_backend.upsert("services", DIRECTORY)
    # "gardening" has synonyms (horticulture, allotment...): only the gardening service, not every "support"
    gardening = empty_backend.search("services", SearchQuery(text="gardening support", per_page=20))
    assert [hit.document["name"] for hit in gardening.hits][:1] == ["Growing Together"]
    assert gardening.total == 1

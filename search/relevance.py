"""What both backends do alike to make a search answer the question asked, before and after matching text.

- Place words: a town, county or postcode district in the text ("housing leeds", "LS9 debt") is taken out of
  the words to match and becomes a place: services within its reach rank above the same services elsewhere.
  The gazetteer is ``settings/places.csv`` (made from the directory's place data by the portal).
- Relaxation: when no document holds every word, the least informative words are left out (words matching
  nothing first, then weak words such as "help", then the commonest) until something matches; the result
  says which words were left out, so the page can tell the user.
- Diversification: near-duplicates (the same service of one organisation in several towns) do not crowd the
  first results: the first of each group keeps its place, its repeats move down behind the other services.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

from search.text import Phrase, tokenise

SETTINGS_DIR = Path(__file__).with_name("settings")
MAX_COMBINATIONS = 64  # subsets of words tried at each size when relaxing a query
DIVERSIFY_WINDOW = 60  # near-duplicates are moved down within the first this many results


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    radius_m: float

    @property
    def rings(self) -> tuple[float, float]:
        """Radii of the tiers that rank first: in the place itself, then within its reach."""
        return (self.radius_m / 4, self.radius_m)


@dataclass(frozen=True)
class Understood:
    """A query's words to match as text, and the place it names, if any (with the words that named it)."""

    terms: list[str]
    place: Place | None = None
    place_words: tuple[str, ...] = ()


class Gazetteer:
    """Place names (as sequences of query words) and postcode districts, each with a centre and a reach."""

    def __init__(self, rows: Sequence[dict[str, str]], stop_words: frozenset[str] = frozenset()) -> None:
        self.names: dict[Phrase, Place] = {}
        self.ambiguous: set[Phrase] = set()
        for row in rows:
            place = Place(row["name"], float(row["latitude"]), float(row["longitude"]), float(row["radius_m"]))
            words = tuple(w for w in tokenise(row["name"]) if len(w) > 1 and w not in stop_words)
            if not words or words in self.names:
                continue
            self.names[words] = place
            if row["kind"].endswith("ambiguous"):
                self.ambiguous.add(words)
        self.longest = max((len(k) for k in self.names), default=1)

    @classmethod
    @cache
    def load(cls, filename: str, stop_words: frozenset[str]) -> Gazetteer:
        with (SETTINGS_DIR / filename).open(newline="", encoding="utf-8") as source:
            return cls(list(csv.DictReader(source)), stop_words)

    def understand(self, text: str, terms: list[str]) -> Understood:
        """Take the first place named in ``terms`` (a place name or a postcode district, with the rest of a
        full postcode) out of them. A name that is also an ordinary word counts only when typed with a capital."""
        capitalised = {w.casefold() for w in text.split() if w[:1].isupper()}
        i = 0
        while i < len(terms):
            for length in range(min(self.longest, len(terms) - i), 0, -1):
                words = tuple(terms[i : i + length])
                place = self.names.get(words)
                if place is None:
                    continue
                if words in self.ambiguous and not all(w in capitalised for w in words):
                    continue
                end = i + length
                if length == 1 and _is_outcode(words[0]) and end < len(terms) and _is_inward(terms[end]):
                    end += 1  # "ls9 7ab": the second half of the postcode goes too
                return Understood(terms[:i] + terms[end:], place, tuple(terms[i:end]))
            i += 1
        return Understood(list(terms))


def _is_outcode(word: str) -> bool:
    return word[:1].isalpha() and any(c.isdigit() for c in word)


def _is_inward(word: str) -> bool:
    return len(word) == 3 and word[0].isdigit() and word[1:].isalpha()


# -- relaxation ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relaxed:
    kept: list[int]  # indexes of the units kept, in query order
    left_out: list[int]  # indexes of the units left out


def informativeness(counts: Sequence[int], total: int, weak: Sequence[bool]) -> list[float]:
    """How much each unit of a query narrows the search: inverse document frequency, weak words barely."""
    return [
        0.0 if n == 0 else (0.01 if is_weak else math.log((total + 1) / (n + 0.5)) + 0.02)
        for n, is_weak in zip(counts, weak, strict=True)
    ]


def relax(
    size: int,
    counts: Sequence[int],
    total: int,
    weak: Sequence[bool],
    count_all: Callable[[list[list[int]]], list[int]],
) -> Relaxed:
    """The largest set of units some document matches, preferring to keep the informative ones.

    ``counts`` is how many documents (within the filters) each unit matches alone, ``total`` how many there
    are in all; ``count_all(subsets)`` how many match every unit of each subset. Called only when no
    document matches every unit. Units matching nothing are left out first; then subsets of each size, from
    one fewer down to one, are tried in order of how informative their units are.
    """
    useful = [i for i in range(size) if counts[i] > 0]
    if not useful:
        return Relaxed([], list(range(size)))
    info = informativeness(counts, total, weak)
    if len(useful) < size and count_all([useful])[0] > 0:
        return Relaxed(useful, [i for i in range(size) if i not in useful])
    for keep in range(len(useful) - 1, 0, -1):
        ranked = sorted(combinations(useful, keep), key=lambda s: (-sum(info[i] for i in s), s))
        subsets = [list(s) for s in ranked[:MAX_COMBINATIONS]]
        for subset, found in zip(subsets, count_all(subsets), strict=True):
            if found > 0:
                return Relaxed(subset, [i for i in range(size) if i not in subset])
    best = max(useful, key=lambda i: (info[i], -i))
    return Relaxed([best], [i for i in range(size) if i != best])


# -- diversification -----------------------------------------------------------------------------------


def duplicate_key(doc: dict[str, Any], fields: Sequence[str]) -> tuple[str, ...] | None:
    if not fields:
        return None
    return tuple(" ".join(tokenise(str(doc.get(f) or ""))) for f in fields)


def diversify(items: list[Any], keys: list[tuple[str, ...] | None]) -> list[Any]:
    """``items`` with each key's repeats moved down: first every key's first item, then every key's second
    item, and so on, each round in the original order. Items without a key are never moved."""
    seen: dict[tuple[str, ...], int] = {}
    rounds: list[tuple[int, int, Any]] = []
    for position, (item, key) in enumerate(zip(items, keys, strict=True)):
        occurrence = 0
        if key is not None:
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
        rounds.append((occurrence, position, item))
    return [item for _, _, item in sorted(rounds, key=lambda r: (r[0], r[1]))]


def left_out_words(units: Sequence[Phrase], left_out: Sequence[int]) -> list[str]:
    return [" ".join(units[i]) for i in left_out]

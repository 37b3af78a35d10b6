"""Turning user text into query terms, the same way for both backends.

Whatever a user types (quotes, operators, control characters, emoji, 10,000 characters) becomes a
short list of plain lower-case words; backends never see the raw text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_QUERY_CHARS = 500
MAX_TERMS = 10  # Meilisearch also reads only the first ten words of a query
ONE_TYPO_MIN_CHARS = 4
TWO_TYPOS_MIN_CHARS = 8

# Letters and digits only: the same split as SQLite's unicode61 tokenizer ("_" and marks separate words).
_WORD = re.compile(r"[^\W_]+")

Phrase = tuple[str, ...]


def fold(text: str) -> str:
    """Case-fold and strip diacritics ("Café" -> "cafe"), like unicode61 with remove_diacritics 2."""
    if text.isascii():  # nothing to decompose or strip: the same answer, 15 times faster
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokenise(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def query_terms(text: str, stop_words: frozenset[str], limit: bool = True) -> list[str]:
    """The words of a user's query worth searching for: no stop words, no single letters (the "s" of "women's")."""
    words = [w for w in tokenise(text[:MAX_QUERY_CHARS]) if len(w) > 1 and w not in stop_words]
    return words[:MAX_TERMS] if limit else words


def nothing_to_search_for(text: str, terms: list[str]) -> bool:
    """Text was typed but none of it can be searched for (only stop words, single letters or punctuation, like
    `' OR 1=1 --` or `%`): such a search finds nothing, rather than everything as an empty search would."""
    return bool(text.strip()) and not terms


def typo_budget(word: str) -> int:
    """How many typos a word may contain: none under 4 letters, 1 up to 7, 2 from 8."""
    if len(word) >= TWO_TYPOS_MIN_CHARS:
        return 2
    return 1 if len(word) >= ONE_TYPO_MIN_CHARS else 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a transposition counts once), or ``limit + 1`` if above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


class Synonyms:
    """Groups of interchangeable phrases, e.g. ("housing", "accommodation", "homeless")."""

    def __init__(self, groups: Iterable[Iterable[str]], stop_words: frozenset[str] = frozenset()) -> None:
        """Phrases are reduced to the words a query keeps ("on release" -> "release"), so that they can match."""
        reduced = (
            dict.fromkeys(p for phrase in group if (p := tuple(query_terms(phrase, stop_words, limit=False))))
            for group in groups
        )
        self.groups: tuple[tuple[Phrase, ...], ...] = tuple(tuple(group) for group in reduced if len(group) > 1)
        self._group_of: dict[Phrase, int] = {phrase: i for i, group in enumerate(self.groups) for phrase in group}
        self._longest = max((len(p) for p in self._group_of), default=1)
        self.words = frozenset(word for phrase in self._group_of for word in phrase)

    def expand(self, terms: Sequence[str]) -> list[tuple[Phrase, ...]]:
        """Split terms into groups of alternative phrases, matching the longest synonym phrase first.

        ``["mental", "health", "leeds"]`` -> ``[(("mental", "health"), ("wellbeing",), ...), (("leeds",),)]``
        """
        return [group for _, group in self.units(terms)]

    def units(self, terms: Sequence[str]) -> list[tuple[Phrase, tuple[Phrase, ...]]]:
        """Terms as units of meaning: (the words typed, the group of alternative phrases they stand for)."""
        units: list[tuple[Phrase, tuple[Phrase, ...]]] = []
        i = 0
        while i < len(terms):
            for length in range(min(self._longest, len(terms) - i), 0, -1):
                typed = tuple(terms[i : i + length])
                group = self._group_of.get(typed)
                if group is not None:
                    units.append((typed, self.groups[group]))
                    i += length
                    break
            else:
                units.append(((terms[i],), ((terms[i],),)))
                i += 1
        return units

    def as_mapping(self) -> dict[str, list[str]]:
        """Each phrase mapped to the others of its group (the Meilisearch form)."""
        mapping: dict[str, list[str]] = {}
        for group in self.groups:
            phrases = [" ".join(p) for p in group]
            for phrase in phrases:
                mapping[phrase] = [other for other in phrases if other != phrase]
        return mapping

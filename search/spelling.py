"""Typo correction, so that "acommodation" finds accommodation services and the page can say
"Showing results for accommodation".

The embedded backend corrects a query word that the index does not contain, from the index
vocabulary. Meilisearch corrects typos itself but does not say how; ``infer_corrections`` recovers
that from the words of the top hits.
"""

from __future__ import annotations

import string
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from search.text import MAX_QUERY_CHARS, edit_distance, tokenise, typo_budget

_ALPHABET = string.ascii_lowercase + string.digits


class Vocabulary:
    """The words of an index with the number of documents holding each."""

    def __init__(self, doc_counts: Mapping[str, int]) -> None:
        self._doc_counts = dict(doc_counts)
        self._by_head: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self._doc_counts:
            self._by_head[word[0], len(word)].append(word)

    def correct(self, word: str) -> str | None:
        """The most common indexed word within the word's typo budget, nearest first; None if none.

        One-typo candidates are all generated and looked up. Two-typo candidates are searched among
        words sharing the first letter, as most spelling correctors (and Meilisearch, which counts a
        wrong first letter as two typos) assume.
        """
        budget = typo_budget(word)
        if budget == 0:
            return None
        candidates = {w: 1 for w in _one_edit(word) if w in self._doc_counts}
        if not candidates and budget == 2:
            candidates = {
                w: distance
                for length in range(len(word) - 2, len(word) + 3)
                for w in self._by_head.get((word[0], length), ())
                if (distance := edit_distance(word, w, 2)) <= 2
            }
        if not candidates:
            return None
        return min(candidates, key=lambda w: (candidates[w], -self._doc_counts[w], w))


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _ALPHABET]
    inserts = [a + c + b for a, b in splits for c in _ALPHABET]
    return set(deletes + transposes + replaces + inserts) - {word}


def infer_corrections(terms: Sequence[str], texts: Iterable[str], exempt: frozenset[str]) -> dict[str, str]:
    """Query terms absent from ``texts`` mapped to the nearest word of ``texts`` within their typo budget.

    The last term counts as present when a word starts with it (prefix search). Terms in ``exempt``
    (synonyms) are never corrected: they match through other words by design.
    """
    words = set(tokenise(" ".join(texts)))
    corrections: dict[str, str] = {}
    for i, term in enumerate(terms):
        is_last = i == len(terms) - 1
        if term in words or term in exempt or (is_last and any(w.startswith(term) for w in words)):
            continue
        budget = typo_budget(term)
        near = {w: d for w in words if (d := edit_distance(term, w, budget)) <= budget}
        if near:
            corrections[term] = min(near, key=lambda w: (near[w], w))
    return corrections


def corrected_text(text: str, corrections: Mapping[str, str]) -> str | None:
    """The user's words with corrections applied (for "Showing results for ..."), or None."""
    if not corrections:
        return None
    return " ".join(corrections.get(word, word) for word in tokenise(text[:MAX_QUERY_CHARS]))

"""Small helpers shared by both backends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")


def as_list(value: Any) -> list[Any]:
    """A document field's values: [] for null, the list itself, or a one-item list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch

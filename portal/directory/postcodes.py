"""Postcode districts to approximate points (district centroids from OS Code-Point Open)."""
from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from portal.errors import DomainError

_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})?$")


@cache
def _centroids() -> dict[str, tuple[float, float]]:
    with open(Path(__file__).parent / "data" / "uk-outcodes.csv", newline="") as f:
        return {row["outcode"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(f)}


_FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.IGNORECASE)


def districts_only(text: str) -> str:
    """The text with every full postcode in it cut to its district ("near LS1 4AP" -> "near LS1")."""
    return _FULL_POSTCODE.sub(lambda match: match.group(1).upper(), text)


def outcode_of(postcode: str) -> str | None:
    """The outward code ("LS1") of a full postcode or district, or None when it is not shaped like one."""
    match = _POSTCODE.match(postcode.strip().upper())
    return match.group(1) if match else None


def locate(postcode: str, field: str = "postcode") -> tuple[str, float, float]:
    """(outcode, latitude, longitude) of the district's centre, or a DomainError a person can act on."""
    outcode = outcode_of(postcode)
    if outcode is None:
        raise DomainError("Enter a real postcode, like LS1 4AP, or the first part of one, like LS1", field)
    point = _centroids().get(outcode)
    if point is None:
        raise DomainError(f"We could not find the postcode area {outcode}. Check it, or try a nearby one", field)
    return outcode, *point

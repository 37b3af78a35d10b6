"""The one way the portal writes CSV: every value exactly as typed, except one that a spreadsheet would run as a
formula (CSV injection), which gets a leading apostrophe so it shows as text.

A spreadsheet runs a cell as a formula when it starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one of those, which some spreadsheets skip). Numbers are left alone: `-12.50` and `+44` are values, not
formulas, and ordinary text (`O'Brien`, `Re: referral`, `50% of places`) is never changed.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|\d*\.\d+)([eE][+-]?\d+)?$")


def cell(value) -> str | int | float:
    """A value ready for a CSV cell: numbers and ordinary text unchanged, a would-be formula made harmless."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(TRIGGERS) and not NUMBER.match(text):
        return "'" + text
    return text


def rows_to_csv(rows: Iterable[Iterable]) -> str:
    """CSV text (RFC 4180 quoting, CRLF line ends as spreadsheets expect) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()

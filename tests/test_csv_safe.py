"""The portal's one CSV helper: values as typed, except what a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io

import pytest

from portal import csv_safe


@pytest.mark.parametrize("typed, written", [
    ("=HYPERLINK(\"http://x.invalid\")", "'=HYPERLINK(\"http://x.invalid\")"),
    ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@SUM(1)", "'@SUM(1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-5 tips", "'-5 tips"),
    # Ordinary text and numbers are never changed
    ("O'Brien", "O'Brien"), ("Re: referral", "Re: referral"), ("50% of places", "50% of places"),
    ("-12.50", "-12.50"), ("+44", "+44"), ("1,250.00", "1,250.00"), ("", ""), ("a=b", "a=b"),
    (48500.5, 48500.5), (-3, -3), (None, ""),
])
def test_cells(typed, written):
    assert csv_safe.cell(typed) == written


def test_rows_read_back_as_written():
    text = csv_safe.rows_to_csv([["Name", "Amount"], ["=1+1", -12.5], ["Comma, \"quoted\"", 3]])
    assert list(csv.reader(io.StringIO(text))) == [["Name", "Amount"], ["'=1+1", "-12.5"],
                                                   ["Comma, \"quoted\"", "3"]]

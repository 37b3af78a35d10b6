"""The place names search understands: made from the directory's own place data and kept up to date."""
from __future__ import annotations

import pytest

from portal.directory import gazetteer
from search.geo import haversine_m
from search.index_settings import load_settings


def test_the_checked_in_places_file_is_what_the_directory_data_makes():
    assert gazetteer.PLACES_CSV.read_text(encoding="utf-8") == gazetteer.render(), (
        "search/settings/places.csv is out of date: run `flask --app app search places`")


@pytest.mark.parametrize(("text", "place", "where"), [
    ("housing in Swansea", "Swansea", (51.6214, -3.9436)),
    ("newcastle jobs", "Newcastle", (54.9783, -1.6178)),
    ("rehab stoke on trent", "Stoke-on-Trent", (53.0027, -2.1794)),
    ("debt advice LS9 7AB", "LS9", (53.8000, -1.5100)),
    ("mentoring in Brixton", "Brixton", (51.4613, -0.1156)),
    ("hostel Newport", "Newport", (51.5842, -2.9977)),
])
def test_towns_and_postcode_districts_are_placed_where_they_are(text, place, where):
    understood = load_settings("services").understand(text)

    assert understood.place is not None and understood.place.name == place
    assert haversine_m(understood.place.latitude, understood.place.longitude, *where) < 6_000
    assert not {"swansea", "newcastle", "stoke", "trent", "ls9", "7ab", "brixton", "newport"} & set(understood.terms)


def test_ordinary_words_are_not_places():
    for text in ("reading and writing classes", "bath and shower", "rugby club", "help with forms"):
        assert load_settings("services").understand(text).place is None

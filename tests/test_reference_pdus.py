"""The probation delivery units of England and Wales, shipped as data (portal/reference/probation_delivery_units.csv,
source and licence in portal/reference/probation_delivery_units.md) and loaded by migration 0018."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from sqlalchemy import select

from portal.reference import data
from portal.reference.models import ProbationDeliveryUnit

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "portal" / "reference" / "probation_delivery_units.csv"


def _shipped() -> list[dict]:
    with CSV.open(newline="") as f:
        return list(csv.DictReader(f))


def test_each_unit_maps_to_one_of_the_twelve_probation_regions():
    rows = _shipped()
    regions = {slug for slug, _ in data.PROBATION_REGIONS}
    assert len(regions) == 12
    assert [r["slug"] for r in rows if r["probation_region"] not in regions] == []
    assert {r["probation_region"] for r in rows} == regions  # every region has units
    assert len({r["slug"] for r in rows}) == len(rows) and len({r["name"] for r in rows}) == len(rows)
    assert all(r["name"].strip() == r["name"] and r["name"] for r in rows)


def test_the_migration_loads_exactly_the_shipped_list(app, db):
    spec = importlib.util.spec_from_file_location(
        "pdus", ROOT / "migrations" / "versions" / "0018_probation_delivery_units.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    shipped = {(r["slug"], r["name"], r["probation_region"]) for r in _shipped()}
    assert set(migration.PDUS) == shipped
    loaded = {(u.slug, u.name, u.probation_region.slug) for u in db.session.scalars(select(ProbationDeliveryUnit))}
    assert loaded == shipped

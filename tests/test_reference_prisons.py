"""The prisons of England and Wales: the shipped list, the migration that loads it and the import that keeps
it current (`flask --app app reference import-prisons FILE`)."""
from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.reference.data import PRISONS, PRISONS_CSV, REGIONS
from portal.reference.models import Prison
from tests.html import page

ROOT = Path(__file__).resolve().parents[1]


def migration_list() -> list[tuple[str, str, str]]:
    spec = importlib.util.spec_from_file_location("m0014", ROOT / "migrations" / "versions" / "0014_all_prisons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PRISONS


def held(db) -> dict[str, tuple[str, str]]:
    return {p.code: (p.name, p.region.slug) for p in db.session.scalars(select(Prison))}


@pytest.fixture
def restore_prisons(db):
    """Reference tables outlive each test: put the prisons back as they were."""
    before = {p.code: (p.name, p.region_id) for p in db.session.scalars(select(Prison))}
    yield
    db.session.rollback()
    for prison in db.session.scalars(select(Prison)):
        if prison.code not in before:
            db.session.delete(prison)
        else:
            prison.name, prison.region_id = before[prison.code]
    db.session.commit()


def test_the_database_holds_every_prison_of_england_and_wales_from_the_shipped_list(db):
    assert len(PRISONS) >= 115  # about 120 prisons; the first migration shipped 25
    codes = Counter(code for code, _, _ in PRISONS)
    assert max(codes.values()) == 1
    assert {region for _, _, region in PRISONS} == {slug for slug, _ in REGIONS}  # every region has prisons
    assert held(db) == {code: (name, region) for code, name, region in PRISONS}
    # The migration carries its own copy; at the time of shipping the two agree
    assert migration_list() == PRISONS
    for code, name, _ in PRISONS:
        assert len(code) == 3 and code.isupper() and code.endswith("I"), code
        assert name.startswith(("HMP ", "HMYOI ")), name


def test_the_shipped_file_names_its_source_and_licence():
    readme = (PRISONS_CSV.parent / "README.md").read_text()
    assert "prisons.csv" in readme and "Open Government Licence v3.0" in readme
    assert "import-prisons" in readme


def test_staff_are_placed_at_any_prison_not_just_the_first_25(client, db, login_as):
    login_as(Role.ADMIN)
    form = page(client.get("/admin/users/new"))
    offered = {option.get_text(strip=True) for option in form.select("select#prison option")}
    assert {"HMP Berwyn", "HMP Five Wells", "HMP Wakefield", "HMYOI Feltham"} <= offered
    assert len(offered) == len(PRISONS) + 1  # and "Select a prison"


def test_import_adds_and_updates_by_code_with_progress_and_is_idempotent(app, db, tmp_path, restore_prisons):
    rows = [("code", "name", "region")] + [(c, n, r) for c, n, r in PRISONS]
    rows.append(("ZZI", "HMP Example Newtown", "North West"))  # a region by its name works too
    rows = [("LEI", "HMP Leeds (Armley)", "yorkshire-humber") if row[0] == "LEI" else row for row in rows]
    path = tmp_path / "prisons.csv"
    with path.open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reference", "import-prisons", str(path)])
    assert first.exit_code == 0, first.output
    assert f"{len(PRISONS) + 1:,} of {len(PRISONS) + 1:,} rows checked" in first.output
    assert "Prisons: 1 added, 1 updated, " in first.output and "Added: ZZI" in first.output
    prisons = held(db)
    assert prisons["ZZI"] == ("HMP Example Newtown", "north-west")
    assert prisons["LEI"] == ("HMP Leeds (Armley)", "yorkshire-humber")

    again = runner.invoke(args=["reference", "import-prisons", str(path)])
    assert again.exit_code == 0 and f"Prisons: 0 added, 0 updated, {len(PRISONS) + 1} unchanged" in again.output
    assert held(db) == prisons


def test_prisons_left_out_of_a_file_stay_and_inactive_rows_are_skipped(app, db, tmp_path, restore_prisons):
    path = tmp_path / "register.csv"
    path.write_text("prisonId,prisonName,active,region\nZYI,HMP Closed Example,false,london\n"
                    "LEI,HMP Leeds,true,yorkshire-humber\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["reference", "import-prisons", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 1 unchanged, 1 inactive skipped" in result.output
    assert "ZYI" not in held(db) and len(held(db)) == len(PRISONS)


@pytest.mark.parametrize("content, messages", [
    ("prison,region\nLEI,london\n", ["missing code, name"]),
    ("code,name,region\nLEEDS,HMP Leeds,yorkshire-humber\n", ["Line 2, code: enter a prison code of three letters"]),
    ("code,name,region\nLEI,,yorkshire-humber\n", ["Line 2, name: enter the prison's name"]),
    ("code,name,region\nLEI,HMP Leeds,Scotland\n", ["Line 2, region: 'Scotland' is not a region of England and "
                                                    "Wales"]),
    ("code,name,region\nLEI,HMP Leeds,yorkshire-humber\nlei,HMP Leeds,yorkshire-humber\n",
     ["Line 3, code: LEI is already on line 2"]),
    ("code,name,region\n", ["The file has no prisons in it"]),
])
def test_a_bad_file_says_which_line_and_field(app, db, tmp_path, content, messages):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = held(db)
    result = app.test_cli_runner().invoke(args=["reference", "import-prisons", str(path)])
    assert result.exit_code == 1
    assert "was not imported, nothing changed" in result.output
    for message in messages:
        assert message in result.output
    assert held(db) == before


def test_one_bad_row_and_nothing_is_imported(app, db, tmp_path, restore_prisons):
    path = tmp_path / "mixed.csv"
    path.write_text("code,name,region\nZXI,HMP New Example,london\nLEI,HMP Leeds,Yorkshire\n", encoding="utf-8")
    before = held(db)
    result = app.test_cli_runner().invoke(args=["reference", "import-prisons", str(path)])
    assert result.exit_code == 1 and "Line 3, region: 'Yorkshire' is not a region" in result.output
    assert held(db) == before and "ZXI" not in held(db)

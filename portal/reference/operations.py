"""Keeping reference lists current: the prisons of England and Wales, upserted from a CSV file."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.reference.models import Prison, Region

# Column names accepted for each field: ours (portal/reference/prisons.csv) and the HMPPS prison register's
_COLUMNS = {
    "code": ("code", "prison code", "prisonid", "prison_id", "agency code", "agency_id"),
    "name": ("name", "prison name", "prisonname", "prison_name"),
    "region": ("region", "region slug", "region name"),
}
_ACTIVE_COLUMNS = ("active",)
_CODE = re.compile(r"[A-Z]{3}")  # NOMIS agency codes of prisons: three capital letters, like LEI
_FALSE = {"false", "no", "n", "0", "inactive"}


class PrisonImportError(ValueError):
    """The file cannot be imported; nothing was changed. `problems` lists each one with its line and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class PrisonImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped_inactive: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _PrisonRow:
    code: str
    name: str
    region: Region


def _header_map(header: Iterable[str]) -> tuple[dict[str, str], str | None, list[str]]:
    found: dict[str, str] = {}
    active = None
    for column in header:
        key = (column or "").strip().lower()
        for name, aliases in _COLUMNS.items():
            if key in aliases and name not in found:
                found[name] = column
        if key in _ACTIVE_COLUMNS:
            active = column
    missing = [name for name in _COLUMNS if name not in found]
    return found, active, missing


def import_prisons(text: str, progress: Callable[[int, int], None] | None = None) -> PrisonImportResult:
    """Upsert prisons by code from CSV text (columns code, name, region; the region as its slug, like
    "north-west", or its name, like "North West"). All or nothing: any problem raises PrisonImportError
    naming the line and field, and nothing changes. Prisons missing from the file are kept (people and
    records point at them); a row whose `active` column is false is skipped."""
    regions = {region.slug: region for region in db.session.scalars(select(Region))}
    by_name = {region.name.lower(): region for region in regions.values()}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns, active_column, missing = _header_map(reader.fieldnames or [])
    if missing:
        raise PrisonImportError([f"The first line must name the columns: missing {', '.join(missing)} "
                                 f"(expected code,name,region)"])
    rows: list[_PrisonRow | str] = []  # a prison, or the code of an inactive one (skipped)
    problems: list[str] = []
    seen: dict[str, int] = {}  # code -> the line it is on
    for line, row in enumerate(reader, start=2):
        code = (row.get(columns["code"]) or "").strip().upper()
        name = " ".join((row.get(columns["name"]) or "").split())
        region_text = (row.get(columns["region"]) or "").strip()
        if active_column and (row.get(active_column) or "").strip().lower() in _FALSE:
            rows.append(code)
            continue
        if not _CODE.fullmatch(code):
            problems.append(f"Line {line}, code: enter a prison code of three letters, like LEI "
                            f"(found {code[:20]!r})")
        elif code in seen:
            problems.append(f"Line {line}, code: {code} is already on line {seen[code]}")
        else:
            seen[code] = line
        if not name:
            problems.append(f"Line {line}, name: enter the prison's name")
        elif len(name) > 120:
            problems.append(f"Line {line}, name: the name must be 120 characters or fewer")
        region = regions.get(region_text.lower()) or by_name.get(region_text.lower())
        if region is None:
            problems.append(f"Line {line}, region: {region_text[:40]!r} is not a region of England and Wales "
                            f"(use one of: {', '.join(sorted(regions))})")
        else:
            rows.append(_PrisonRow(code, name, region))
    if not any(isinstance(entry, _PrisonRow) for entry in rows) and not problems:
        problems.append("The file has no prisons in it")
    if problems:
        raise PrisonImportError(problems)

    existing = {prison.code: prison for prison in db.session.scalars(select(Prison))}
    result = PrisonImportResult()
    for done, entry in enumerate(rows, start=1):
        if isinstance(entry, str):
            result.skipped_inactive.append(entry)
        elif (prison := existing.get(entry.code)) is None:
            db.session.add(Prison(code=entry.code, name=entry.name, region=entry.region))
            result.created.append(entry.code)
        elif (prison.name, prison.region_id) != (entry.name, entry.region.id):
            prison.name, prison.region = entry.name, entry.region
            result.updated.append(entry.code)
        else:
            result.unchanged += 1
        if progress and (done % 25 == 0 or done == len(rows)):
            progress(done, len(rows))
    db.session.flush()
    return result

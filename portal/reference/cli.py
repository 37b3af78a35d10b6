"""`flask --app app reference import-prisons FILE`: keep the prisons list current."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.extensions import db

reference_cli = AppGroup("reference", help="Reference lists (prisons).")


@reference_cli.command("import-prisons")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_prisons_command(file):
    """Add and update prisons from a CSV file with the columns code,name,region (like
    portal/reference/prisons.csv). All or nothing: any problem is reported by line and field and nothing
    changes. Prisons missing from the file are kept."""
    from portal.reference import operations

    click.echo(f"Reading prisons from {file.name}...")
    try:
        result = operations.import_prisons(
            file.read(), progress=lambda done, total: click.echo(f"  {done:,} of {total:,} rows checked"))
    except operations.PrisonImportError as exc:
        db.session.rollback()
        click.echo(f"Error: {file.name} was not imported, nothing changed:", err=True)
        for problem in exc.problems[:50]:
            click.echo(f"  {problem}", err=True)
        if len(exc.problems) > 50:
            click.echo(f"  ...and {len(exc.problems) - 50} more", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Prisons: {len(result.created)} added, {len(result.updated)} updated, {result.unchanged} unchanged"
               + (f", {len(result.skipped_inactive)} inactive skipped" if result.skipped_inactive else ""))
    for label, codes in (("Added", result.created), ("Updated", result.updated)):
        if codes:
            click.echo(f"  {label}: {', '.join(codes)}")

"""`flask --app app directory ...` and `flask --app app search ...`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.cli_support import scheduled_command
from portal.directory import operations
from portal.extensions import db

directory_cli = AppGroup("directory", help="Import, export and look after the service directory.")
search_cli = AppGroup("search", help="Look after the search index.")


@directory_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path):
    """Import HSDS services (a JSON array, one object, or newline-delimited JSON): all of the file, or none."""
    try:
        records = operations.read_records(path)
        click.echo(f"Checking {len(records):,} services...", err=True)
        with click.progressbar(length=len(records), label="Importing", file=sys.stderr) as bar:
            done = [0]

            def advance(n: int) -> None:
                bar.update(n - done[0])
                done[0] = n

            result = operations.import_services(records, progress=advance)
    except operations.ImportRejected as rejected:
        db.session.rollback()
        click.echo(f"Nothing was imported: {len(rejected.problems)} problem(s) in {path.name}", err=True)
        for position, problem in rejected.problems[:200]:
            click.echo(f"  record {position}: {problem}" if position else f"  {problem.message}", err=True)
        if len(rejected.problems) > 200:
            click.echo(f"  ... and {len(rejected.problems) - 200} more", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Imported {path.name}: {result.created:,} new, {result.updated:,} updated, "
               f"{result.unchanged:,} unchanged")


@directory_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path):
    """Write every published service as a JSON array of HSDS fully nested services."""
    total = operations.published_count()
    with click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
        count = operations.export_services(path, operations.published_documents(), progress=lambda n: bar.update(1))
    click.echo(f"Exported {count:,} services to {path}")


@directory_cli.command("remind")
@scheduled_command("directory-remind")
def remind_command():
    """Email owners of listings not checked for 5 and 6 months; re-rank or hide stale listings."""
    total = operations.published_count()
    with click.progressbar(length=total, label="Checking listings", file=sys.stderr) as bar:
        counts = operations.send_reminders(progress=lambda n: bar.update(1), checkpoint=db.session.commit)
    db.session.commit()
    click.echo(f"Reminders sent: {counts['first']} at 5 months, {counts['second']} at 6 months; "
               f"{counts['reindexed']} listings re-ranked or hidden")
    return sum(counts.values())


@search_cli.command("reindex")
@click.option("--batch-size", default=5000)
def reindex_command(batch_size: int):
    """Rebuild the services index from the database (Meilisearch: into a new index, then swapped in)."""
    from portal.search_index import backend

    with click.progressbar(length=operations.published_count(), label="Indexing services",
                           file=sys.stderr) as bar:
        done = [0]

        def advance(n: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        operations.rebuild_search_index(batch_size, progress=advance)
    click.echo(f"Indexed {backend().count('services'):,} services")


@search_cli.command("places")
def places_command():
    """Rewrite search/settings/places.csv (the place names search understands) from the directory's place data."""
    from portal.directory import gazetteer

    count = gazetteer.write()
    click.echo(f"Wrote {count:,} places to {gazetteer.PLACES_CSV}")

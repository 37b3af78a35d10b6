"""`flask --app app funding ...`: reminders of what is due, and the open-data exports."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.cli_support import scheduled_command
from portal.errors import DomainError
from portal.extensions import db
from portal.funding import operations
from portal.funding.opendata import grants_csv

funding_cli = AppGroup("funding", help="Funding reminders and open-data exports.")


@funding_cli.command("remind")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Act as if today were this date")
@scheduled_command("funding-remind")
def remind_command(on):
    """Email finance staff about reports, milestones and payments due in 30 days or overdue (run daily)."""
    with click.progressbar(length=1, label="Checking requirements", file=sys.stderr) as bar:
        last = [0]

        def advance(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - last[0])
            last[0] = done

        sent = operations.remind(on.date() if on else None, progress=advance)
    db.session.commit()
    click.echo(f"Queued {sent} reminder email(s)")
    return sent


@funding_cli.command("export")
@click.argument("organisation")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "kind", type=click.Choice(["360giving-json", "360giving-csv", "ocds"]),
              default="360giving-json")
@click.option("--funder", default=None, help="360Giving: only the grants from this funder (its key, as in the "
                                                 "file names on the Open data page), one funding organisation a file")
def export_command(organisation, path: Path, kind, funder):
    """Write an organisation's grants (360Giving) or contracts (OCDS), validated first: nothing is written when
    anything is wrong."""
    org = db.session.scalar(select(Organisation).where(
        (Organisation.public_id == organisation) | (Organisation.name == organisation)))
    if org is None:
        click.echo(f"Error: no organisation called {organisation!r}", err=True)
        sys.exit(1)
    try:
        if kind == "ocds":
            package = operations.export_contracts(None, org)
        else:
            package = operations.export_grants(None, org, funder=funder)
    except operations.ExportRejected as rejected:
        click.echo(f"Nothing was written: {len(rejected.problems)} problem(s)", err=True)
        for problem in rejected.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except DomainError as exc:
        click.echo(f"Nothing was written: {exc.message}", err=True)
        sys.exit(1)
    body = grants_csv(package) if kind == "360giving-csv" else json.dumps(package, indent=2, ensure_ascii=False)
    path.write_text(body, encoding="utf-8")
    count = len(package.get("grants") or package.get("releases"))
    click.echo(f"Wrote {count} {'release' if kind == 'ocds' else 'grant'}(s) to {path}")



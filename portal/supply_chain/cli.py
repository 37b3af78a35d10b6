"""`flask --app app supply ...`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.cli_support import scheduled_command
from portal.extensions import db
from portal.supply_chain import operations

supply_cli = AppGroup("supply", help="Look after expressions of interest and supply chains.")


@supply_cli.command("remind")
@scheduled_command("supply-remind")
def remind_command():
    """Email owners of published entries 30 and 7 days before they expire, and when they have (run daily)."""
    total = operations.reminder_candidates()
    with click.progressbar(length=total, label="Checking expressions of interest", file=sys.stderr) as bar:
        counts = operations.send_reminders(progress=lambda n: bar.update(1))
    db.session.commit()
    click.echo(f"Reminders sent: {counts[1]} at 30 days, {counts[2]} at 7 days, {counts[3]} expired")
    return sum(counts.values())

"""`flask --app app employers ...`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.cli_support import scheduled_command
from portal.employers import operations
from portal.extensions import db

employers_cli = AppGroup("employers", help="Look after the Corporate Alliance.")


@employers_cli.command("remind")
@scheduled_command("employers-remind")
def remind_command():
    """Email a reminder (reference and link only) for every nomination with a step due (run daily)."""
    total = operations.open_nomination_count()
    with click.progressbar(length=total, label="Checking nominations", file=sys.stderr) as bar:
        counts = operations.send_reminders(progress=bar.update)
    db.session.commit()
    click.echo(f"Reminders queued: {counts['emails']} email(s) for {counts['nominations']} nomination(s) "
               f"with a step due")
    return counts["emails"]

"""`flask --app app referrals ...`: reminders about referrals with no response, and purging old drafts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.cli_support import scheduled_command
from portal.extensions import db
from portal.referrals import operations

referrals_cli = AppGroup("referrals", help="Look after referrals: reminders and purging old drafts.")


@referrals_cli.command("remind")
@scheduled_command("referrals-remind")
def remind_command():
    """Remind providers once about referrals with no response after 5 working days (run daily)."""
    click.echo("Looking for referrals with no response after 5 working days...", err=True)
    count = operations.remind_overdue(progress=lambda n: click.echo(f"  {n:,} reminded", err=True))
    db.session.commit()
    click.echo(f"Reminders sent: {count:,}")
    return count


@referrals_cli.command("purge-drafts")
@scheduled_command("referrals-purge-drafts")
def purge_drafts_command():
    """Delete draft referrals not sent within 90 days of their last change (run daily)."""
    click.echo("Looking for drafts unchanged for 90 days...", err=True)
    count = operations.purge_drafts()
    db.session.commit()
    click.echo(f"Drafts deleted: {count:,}")
    return count

"""Operator commands: `flask --app app <group> <command>`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.accounts import operations as accounts
from portal.accounts.roles import OrgRole, Role
from portal.cli_support import fail as _fail
from portal.errors import DomainError
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API personal access tokens.")
outbox_cli = AppGroup("outbox", help="Deliver queued emails and search updates.")
schedule_cli = AppGroup("schedule", help="Run the scheduled jobs (reminders, purges) at their times.")
storage_cli = AppGroup("storage", help="The storage of every uploaded file.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role if r != Role.LEARNER]))
@click.option("--organisation", "organisation_name", help="Organisation name or id (organisation staff roles)")
@click.option("--org-role", type=click.Choice([r.value for r in OrgRole]), default=OrgRole.OWNER.value)
@click.option("--prison", "prison_code", help="Prison code, for prison staff (e.g. LEI)")
@click.option("--probation-region", help="Probation region slug, for offender managers (e.g. london)")
@click.option("--probation-delivery-unit", help="Probation delivery unit slug, for offender managers (their team, "
                                                "e.g. leeds; sets the region too)")
@click.option("--sees-whole-region", is_flag=True, help="A regional probation lead: sees every referral of the region")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email, name, role, organisation_name, org_role, prison_code, probation_region,
                probation_delivery_unit, sees_whole_region, password):
    """Create a user (prompts for the password unless --password is given)."""
    organisation = None
    if organisation_name:
        organisation = accounts.find_organisation(organisation_name)
        if organisation is None:
            _fail(f"no organisation called {organisation_name!r}")
    try:
        user = accounts.create_user(email=email, name=name, role=Role(role), password=password,
                                    organisation=organisation, org_role=OrgRole(org_role),
                                    prison_code=prison_code, probation_region_slug=probation_region,
                                    probation_delivery_unit_slug=probation_delivery_unit,
                                    sees_whole_region=sees_whole_region)
    except DomainError as exc:
        db.session.rollback()
        _fail(f"{exc.field or 'input'}: {exc.message}")
    db.session.commit()
    click.echo(f"Created {user.role_enum.label.lower()} {user.email} ({user.public_id})")


@users_cli.command("disable")
@click.argument("email")
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def disable_user(email, reason):
    """Disable an account: it cannot sign in and every session it holds ends at once."""
    user = accounts.find_user_by_email(email)
    if user is None:
        _fail(f"no user with email {email}")
    accounts.disable_user(user, None, reason)
    db.session.commit()
    click.echo(f"Disabled {user.email}; all of its sessions have ended")


@users_cli.command("code")
@click.argument("email")
def demo_code(email):
    """Print the current two-factor code of a demo account (demo accounts only)."""
    from portal.demo import current_code

    code = current_code(email)
    if code is None:
        _fail("codes are only shown for demo accounts that use two-factor authentication")
    click.echo(code)


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="Command line", help="What the token is for")
def create_token(email, name):
    """Create a personal access token; the token is printed alone on the last line."""
    user = accounts.find_user_by_email(email)
    if user is None:
        _fail(f"no user with email {email}")
    _, token = accounts.create_api_token(user, name)
    db.session.commit()
    click.echo(f"Token created for {user.email}. It is shown once; store it safely:", err=True)
    click.echo(token)


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due, then stop")
@click.option("--interval", default=1.0, help="Seconds between polls when idle")
def run_outbox(once, interval):
    """Deliver outbox messages (emails, search updates) until stopped."""
    from portal import outbox

    if once:
        click.echo(f"Delivered {outbox.relay_once(batch_size=10_000)} message(s)")
        return
    click.echo("Outbox relay running; Ctrl+C stops it")
    try:
        outbox.run_forever(interval)
    except KeyboardInterrupt:
        pass


@outbox_cli.command("purge")
def purge_outbox():
    """Delete delivered messages older than OUTBOX_RETENTION_DAYS (the scheduler does this every hour)."""
    from portal import outbox

    deleted = outbox.purge_delivered(checkpoint=db.session.commit)
    db.session.commit()
    click.echo(f"Deleted {deleted:,} delivered message(s)")


@schedule_cli.command("run")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then stop")
@click.option("--tick", default=30.0, help="Seconds between looks at what is due")
def run_schedule(once, tick):
    """Run every scheduled job at its time until stopped (one run per job and time, across all schedulers)."""
    from portal import scheduler

    if once:
        for run in scheduler.run_due():
            click.echo(f"{run.job}: {run.outcome}, {run.items if run.items is not None else '-'} item(s)")
        return
    click.echo("Scheduler running; Ctrl+C stops it. Jobs:")
    for job in scheduler.JOBS.values():
        click.echo(f"  {job.name:<24} {job.when}")
    try:
        scheduler.run_forever(tick)
    except KeyboardInterrupt:
        pass


@schedule_cli.command("run-job")
@click.argument("name")
def run_scheduled_job(name):
    """Run one scheduled job now (under the same lock as the scheduler, so never twice at once)."""
    from portal import scheduler

    job = scheduler.JOBS.get(name)
    if job is None:
        _fail(f"no job called {name!r}; `flask schedule list` shows them")
    click.echo(f"Running {name}...", err=True)
    run = scheduler.run_job(job, slot=scheduler.utcnow())
    if run is None:
        _fail(f"{name} is running elsewhere; try again when it has finished")
    click.echo(f"{name}: {run.outcome}, {run.items if run.items is not None else '-'} item(s)")


@schedule_cli.command("list")
def list_schedule():
    """Each job, when it runs and how its last run went."""
    from portal import scheduler

    for job, run in scheduler.latest_runs():
        last = f"last {run.started_at:%Y-%m-%d %H:%M} UTC, {run.outcome}" if run else "not run yet"
        click.echo(f"{job.name:<24} {job.when:<22} {last}")


@storage_cli.command("init")
def storage_init():
    """Create the object storage bucket when it does not exist (S3 only), then check the storage answers."""
    from portal.storage import S3Storage, storage

    backend = storage()
    if isinstance(backend, S3Storage):
        backend.ensure_bucket()
    if not backend.health():
        _fail(f"the {backend.name} storage is not answering or not writable")
    click.echo(f"The {backend.name} storage is ready")


@click.command("seed")
@click.option("--demo", is_flag=True, help="Load demonstration organisations and users")
@click.option("--services", type=click.IntRange(min=0), default=None,
              help="How many services the demo directory holds (default 2,200; fewer start quicker)")
def seed(demo, services):
    """Load demo data (idempotent)."""
    from portal import demo as demo_data

    if not demo:
        _fail("say what to load: --demo")
    demo_data.load(echo=click.echo, services=services)


@click.command("backup")
@click.argument("destination", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(destination):
    """Back up the database and every stored file into one archive (default: instance/backups/)."""
    from pathlib import Path

    from portal import backup

    instance = Path(current_app.instance_path)
    target = Path(destination) if destination else \
        instance / "backups" / f"portal-{backup.utcnow():%Y%m%d-%H%M%S}.tar.gz"
    from portal.storage import storage

    db.session.remove()
    backup.create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], instance, target, progress=click.echo,
                         storage=storage())


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive):
    """Restore an archive made by `backup` into this portal's (empty) database, then check every table."""
    from pathlib import Path

    from portal import backup

    db.session.remove()
    db.engine.dispose()
    try:
        from portal.storage import storage

        different = backup.restore_backup(Path(archive), current_app.config["SQLALCHEMY_DATABASE_URI"],
                                          Path(current_app.instance_path), progress=click.echo, storage=storage())
    except backup.RestoreRefused as exc:
        _fail(str(exc))
    if different:
        _fail(f"the restored data does not match the backup in: {', '.join(different)}")
    click.echo("Restored: every table matches the backup's row counts and checksums, and every file its checksum.")


def init_app(app: Flask) -> None:
    from portal.directory.cli import directory_cli, search_cli
    from portal.employers.cli import employers_cli
    from portal.funding.cli import funding_cli
    from portal.reference.cli import reference_cli
    from portal.referrals.cli import referrals_cli
    from portal.supply_chain.cli import supply_cli

    for command in (users_cli, tokens_cli, outbox_cli, schedule_cli, storage_cli, seed, directory_cli, search_cli,
                    referrals_cli, supply_cli,
                    employers_cli, funding_cli, backup_command, restore_command, reference_cli):
        app.cli.add_command(command)

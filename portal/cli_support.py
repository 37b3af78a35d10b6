"""What every domain's commands share (portal/<domain>/cli.py). Imports no domain (the scheduler's job table is
filled by the domains' jobs modules), so any domain may import it."""
from __future__ import annotations

import functools
import sys

import click

from portal import scheduler


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def scheduled_command(job_name: str):
    """An operator's command that does a scheduled job's work (`directory remind`...): it runs as a run of that
    job, under the same PostgreSQL advisory lock as the scheduler (so a hand run while the scheduler, or another
    operator, runs the job does nothing and says so, instead of sending every reminder twice), inside a request
    on BASE_URL (for the links in its emails), and is recorded like the scheduler's runs (shown on /admin/status,
    marked "by hand"). The command returns how many items it handled."""
    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            def work(checkpoint) -> int:
                return int(command(*args, **kwargs) or 0)

            record = scheduler.run_job(scheduler.JOBS[job_name], slot=scheduler.utcnow(), work=work, by_hand=True)
            if record is None:
                fail(f"{job_name} is running now (the scheduler or another operator started it), so nothing was "
                     "done here. Run it again once that run has finished: `flask --app app schedule list` "
                     "shows its last run.")
            if record.error:
                fail(f"{job_name} failed ({record.error}); the run is recorded on /admin/status and the "
                     "details are in the log")
        return run
    return decorate

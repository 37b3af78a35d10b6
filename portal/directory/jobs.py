"""The directory's scheduled job, registered with the scheduler (portal/scheduler.py)."""
from __future__ import annotations

from datetime import time as clock

from portal.directory import operations
from portal.scheduler import Checkpoint, Job, register, total


def _remind(checkpoint: Checkpoint) -> int:
    return total(operations.send_reminders(checkpoint=checkpoint))


register(Job("directory-remind", "Remind listing owners at 5 and 6 months; re-rank or hide stale listings", _remind,
             at=clock(6, 0)))

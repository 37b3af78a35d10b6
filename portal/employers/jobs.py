"""The Corporate Alliance's scheduled job, registered with the scheduler (portal/scheduler.py)."""
from __future__ import annotations

from datetime import time as clock

from portal.employers import operations
from portal.scheduler import Checkpoint, Job, register


def _remind(checkpoint: Checkpoint) -> int:
    return operations.send_reminders()["emails"]


register(Job("employers-remind", "Remind employers and practitioners of nomination steps due", _remind,
             at=clock(6, 20)))

"""Funding's scheduled job, registered with the scheduler (portal/scheduler.py)."""
from __future__ import annotations

from datetime import time as clock

from portal.funding import operations
from portal.scheduler import Checkpoint, Job, register


def _remind(checkpoint: Checkpoint) -> int:
    return operations.remind()


register(Job("funding-remind", "Remind finance staff of reports, milestones and payments due", _remind,
             at=clock(6, 30)))

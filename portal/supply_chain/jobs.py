"""Supply chains' scheduled job, registered with the scheduler (portal/scheduler.py)."""
from __future__ import annotations

from datetime import time as clock

from portal.scheduler import Checkpoint, Job, register, total
from portal.supply_chain import operations


def _remind(checkpoint: Checkpoint) -> int:
    return total(operations.send_reminders())


register(Job("supply-remind", "Remind owners of expressions of interest before expiry", _remind, at=clock(6, 10)))

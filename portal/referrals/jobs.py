"""Referrals' scheduled jobs, registered with the scheduler (portal/scheduler.py)."""
from __future__ import annotations

from datetime import time as clock

from portal.referrals import operations
from portal.scheduler import Checkpoint, Job, register


def _remind(checkpoint: Checkpoint) -> int:
    return operations.remind_overdue()


def _purge_drafts(checkpoint: Checkpoint) -> int:
    return operations.purge_drafts()


register(Job("referrals-purge-drafts", "Delete draft referrals unsent for 90 days", _purge_drafts, at=clock(2, 0)),
         Job("referrals-remind", "Remind providers of referrals with no response after 5 working days", _remind,
             at=clock(7, 0)))

"""Access rules for the administrators' area (every route under /admin asks `admin.access` first)."""
from __future__ import annotations

from portal import policy
from portal.accounts.rules import is_admin

policy.register({
    "admin.access": is_admin,
    "audit_log.view": is_admin,
})

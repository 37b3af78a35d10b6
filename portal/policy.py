"""Access rules: the one place that answers "may this user do this to this object?".

Every view, API call and operation asks `can(user, action, obj)` or `authorize(user, action, obj)`. This module is
the core only: the registry of rules, the two entry points and the checks that apply to every action (who counts as
signed in, what an anonymous visitor and the staff of an unapproved organisation may be granted). It imports no
domain module. Each domain keeps its rules, and the scoped queries that list what a user may see, beside its code
in `portal/<domain>/rules.py`, which calls `register(...)` when imported; the predicates several domains share
(roles, membership, teams) are in `portal/accounts/rules.py`. `create_app` imports every rules module before the
first request, and an action without a registered rule raises rather than being allowed or quietly refused.

Where an object's existence is itself a secret (referrals, drafts, finances), refusal is a 404 so other users
cannot learn that it exists.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.exceptions import Forbidden, NotFound

Rule = Callable[[Any, Any], bool]

RULES: dict[str, Rule] = {}
# Actions an anonymous visitor may be granted (the rule still decides per object).
PUBLIC_ACTIONS: set[str] = set()
# What staff of an organisation that is not approved (pending, rejected or suspended) may do besides what an
# anonymous visitor may: see their own organisation's registration status. Nothing else, so no email leaves the
# portal on its behalf (sharing lists, inviting colleagues), no API token, no employer opportunities (issue #12).
UNAPPROVED_ACTIONS: set[str] = set()


class UnknownAction(KeyError):
    """An action nobody registered a rule for: a programming error, never a refusal."""


def register(rules: Mapping[str, Rule], *, public: Iterable[str] = (), unapproved: Iterable[str] = ()) -> None:
    """Add a domain's rules. `public` names the actions an anonymous visitor may be granted, `unapproved` those the
    staff of an unapproved organisation keep. An action registered twice is an error (two domains claiming it)."""
    public, unapproved = set(public), set(unapproved)
    clashes = sorted(action for action, rule in rules.items() if RULES.get(action, rule) is not rule)
    if clashes:
        raise ValueError(f"access rules registered twice: {', '.join(clashes)}")
    strays = sorted((public | unapproved) - set(rules))
    if strays:
        raise ValueError(f"public or unapproved actions without a rule: {', '.join(strays)}")
    RULES.update(rules)
    PUBLIC_ACTIONS.update(public)
    UNAPPROVED_ACTIONS.update(unapproved)


def can(user: Any, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise UnknownAction(f"no access rule for {action!r}: register one in its domain's rules module "
                            f"(portal/<domain>/rules.py), imported by create_app")
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    if signed_in and user.awaiting_approval and action not in UNAPPROVED_ACTIONS:
        signed_in = False  # treated as an anonymous visitor for everything else
    if not signed_in and action not in PUBLIC_ACTIONS:
        return False
    return bool(rule(user if signed_in else None, obj))


def authorize(user: Any, action: str, obj: Any = None, *, secret: bool = False) -> None:
    """Raise 404 (when the object's existence is secret) or 403 unless the user may act."""
    if not can(user, action, obj):
        raise NotFound() if secret else Forbidden()

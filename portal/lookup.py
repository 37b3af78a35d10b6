"""Loading a row by the identifier in its address, and authorising it: the one helper views, API routes and
operations share (issue #18), instead of a copy per domain.

`load_or_404` answers 404 when no row has that identifier; `authorized` also asks the access policy, answering 404
when the row's existence is itself a secret (the default: referrals, nominations, finances, messages...) and 403
when it is not (`secret=False`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal import policy
from portal.extensions import db

Row = TypeVar("Row")


def load_or_404(model: type[Row], public_id: str, *, key: str = "public_id", where: Iterable[Any] = (),
                options: Iterable[Any] = ()) -> Row:
    """The row of `model` whose `key` column (its public id unless said) is `public_id`, meeting every condition in
    `where`, loaded with `options`; 404 when there is none."""
    found = db.session.scalar(select(model).where(getattr(model, key) == public_id, *where).options(*options))
    if found is None:
        raise NotFound()
    return found


def authorized(user: Any, action: str, model: type[Row], public_id: str, *, secret: bool = True,
               key: str = "public_id", where: Iterable[Any] = (), options: Iterable[Any] = ()) -> Row:
    """The row, if `user` may do `action` to it: 404 when there is none, and when refused 404 (`secret`) or 403."""
    found = load_or_404(model, public_id, key=key, where=where, options=options)
    policy.authorize(user, action, found, secret=secret)
    return found

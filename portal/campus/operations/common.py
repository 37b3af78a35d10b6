"""What every campus sub-domain shares: the audit subject reference, the learner behind a user, and loading a
row by public id with its authorisation (404 when refused)."""
from __future__ import annotations

from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.campus.models import Learner
from portal.extensions import db


def subject_ref(learner: Learner) -> str:
    return f"learner:{learner.public_id}"


def learner_of(user: User) -> Learner | None:
    return db.session.scalar(select(Learner).where(Learner.user_id == user.id))


def _not_found():
    from werkzeug.exceptions import NotFound

    return NotFound()


def _authorized(model, public_id: str, user: User, action: str):
    """The row with this public id, if the user may act on it; 404 otherwise (its existence stays secret)."""
    found = db.session.scalar(select(model).where(model.public_id == public_id))
    if found is None:
        raise _not_found()
    policy.authorize(user, action, found, secret=True)
    return found


def normalise_prison_number(value: str) -> str:
    return "".join((value or "").split()).upper()

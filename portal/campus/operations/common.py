"""What every campus sub-domain shares: the audit subject reference and the learner behind a user. (Loading a row
by public id with its authorisation is portal.lookup.authorized, 404 when refused.)"""
from __future__ import annotations

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.campus.models import Learner
from portal.extensions import db


def subject_ref(learner: Learner) -> str:
    return f"learner:{learner.public_id}"


def learner_of(user: User) -> Learner | None:
    return db.session.scalar(select(Learner).where(Learner.user_id == user.id))


def learner_record(learner_user: User) -> Learner:
    """The learner behind a learner's account (every learner user has one); 404 for any other user."""
    learner = learner_of(learner_user)
    if learner is None:
        raise NotFound()
    return learner


def normalise_prison_number(value: str) -> str:
    return "".join((value or "").split()).upper()

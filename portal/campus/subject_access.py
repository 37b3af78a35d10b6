"""What the Virtual Campus holds about a learner, by prison number: their record, kiosk sessions, progress, CV,
messages, interests in opportunities and contact blocks, and their learner account."""
from __future__ import annotations

from sqlalchemy import delete, select

from portal import audit, subject_access
from portal.accounts.models import User
from portal.campus.models import ContactBlock, Cv, CvEntry, Interest, KioskSession, Learner, Message, Progress
from portal.extensions import db

_LEARNER_ROWS = (KioskSession, Progress, Interest, Message, ContactBlock)  # interests point at messages
_SECRETS = ("code_hash",)


def _about(person: str) -> Learner | None:
    if not subject_access.PRISON_NUMBER.match(person):
        return None  # the campus knows learners by prison number
    return db.session.scalar(select(Learner).where(Learner.prison_number == person))


def _export(person: str) -> dict | None:
    learner = _about(person)
    if learner is None:
        return None
    out = {"learner": {**subject_access.row(learner, ("id", "user_id")), "name": learner.user.name}}
    for model in _LEARNER_ROWS:
        rows = db.session.scalars(select(model).where(model.learner_id == learner.id).order_by(model.id))
        out[model.__tablename__] = [subject_access.row(r, ("id", "learner_id", *_SECRETS)) for r in rows]
    cv = db.session.scalar(select(Cv).where(Cv.learner_id == learner.id))
    out["cv"] = None if cv is None else {**subject_access.row(cv, ("id", "learner_id")),
                                         "entries": [subject_access.row(e, ("id", "cv_id")) for e in cv.entries]}
    return out


def _erase(admin, person: str, reason: str) -> int:
    learner = _about(person)
    if learner is None:
        return 0
    audit.record("campus.learner_erased", "learner", learner.public_id, actor=admin, reason=reason[:500])
    learner_id, user_id = learner.id, learner.user_id
    cv_ids = select(Cv.id).where(Cv.learner_id == learner_id)
    # Messages are never edited or deleted in the ordinary course; erasure is the one exception, done in SQL
    db.session.execute(delete(CvEntry).where(CvEntry.cv_id.in_(cv_ids)))
    db.session.execute(delete(Cv).where(Cv.learner_id == learner_id))
    db.session.execute(delete(Message).where(Message.learner_id == learner_id, Message.in_reply_to_id.is_not(None)))
    for model in _LEARNER_ROWS:
        db.session.execute(delete(model).where(model.learner_id == learner_id))
    db.session.execute(delete(Learner).where(Learner.id == learner_id))
    db.session.execute(delete(User).where(User.id == user_id, User.role == "learner"))
    db.session.expire_all()
    return 1


HOLDING = subject_access.register(subject_access.Holding(
    "campus", frozenset({"campus_learners", "campus_sessions", "campus_progress", "campus_cvs", "campus_cv_entries",
                         "campus_messages", "campus_contact_blocks", "campus_interests"}),
    _export, lambda person: int(_about(person) is not None), _erase, "Virtual Campus record"))

"""What the employers' domain holds about a person: nominations for opportunities made under their CRN or prison
number, with their steps."""
from __future__ import annotations

from sqlalchemy import select

from portal import audit, subject_access
from portal.employers.models import Nomination
from portal.extensions import db


def _about(person: str) -> list[Nomination]:
    return list(db.session.scalars(select(Nomination).where(Nomination.person_reference == person)
                                   .order_by(Nomination.id)))


def _export(person: str) -> list[dict]:
    return [{**subject_access.row(n, ("id", "opportunity_id", "nominated_by_id")),
             "opportunity": n.opportunity.title, "employer": n.opportunity.organisation.name,
             "steps": [subject_access.row(s, ("id", "nomination_id", "recorded_by_id")) for s in n.steps]}
            for n in _about(person)]


def _erase(admin, person: str, reason: str) -> int:
    nominations = _about(person)
    for nomination in nominations:
        audit.record("nomination.erased", "nomination", nomination.public_id, actor=admin,
                     subject_ref=nomination.reference, reason=reason[:500])
        db.session.delete(nomination)
    db.session.flush()
    return len(nominations)


HOLDING = subject_access.register(subject_access.Holding(
    "employer_nominations", frozenset({"employer_nominations", "employer_nomination_steps"}),
    _export, lambda person: len(_about(person)), _erase, "employment nomination"))

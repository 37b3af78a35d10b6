"""What the referrals domain holds about a person, by CRN: the referrals and all that hangs from them."""
from __future__ import annotations

from sqlalchemy import select

from portal import audit, subject_access
from portal.audit import AuditEvent
from portal.extensions import db
from portal.referrals.models import Referral, ReferralPerson


def _about(person: str) -> list[Referral]:
    if not subject_access.CRN.match(person):
        return []  # referrals know people by CRN only
    return list(db.session.scalars(select(Referral).join(ReferralPerson).where(ReferralPerson.crn == person)
                                   .order_by(Referral.created_at)))


def _export(person: str) -> dict:
    from portal.referrals.operations import export_referral

    referrals = _about(person)
    ids = [r.public_id for r in referrals]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "referral",
                                                         AuditEvent.object_id.in_(ids)).order_by(AuditEvent.id))
    return {"referrals": [export_referral(r) for r in referrals],
            "access_log": [{"at": e.at.isoformat(), "action": e.action, "referral": e.object_id,
                            "by_role": e.actor_role} for e in events]}


def _erase(admin, person: str, reason: str) -> int:
    referrals = _about(person)
    for referral in referrals:
        audit.record("referral.erased", "referral", referral.public_id, actor=admin, subject_ref=referral.reference,
                     reason=reason[:500])
        db.session.delete(referral)
    db.session.flush()
    return len(referrals)


HOLDING = subject_access.register(subject_access.Holding(
    "referrals", frozenset({"referrals", "referral_people", "referral_needs", "referral_sessions",
                            "referral_events"}),
    _export, lambda person: len(_about(person)), _erase, "referral"))

"""Referral pages in the authorisation matrix. The owner is whoever the page is for: the offender manager who
made the referral for the referring side's pages, the provider's manager or the assigned caseworker for the
provider's steps. Everyone else (another region's offender manager, another provider, employers, prison staff,
administrators) gets 404 and learns nothing. Starting a referral is for offender managers only (403 for others:
the service itself is public)."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case


def _referrer():
    """The matrix signs in a fresh user per role, and an offender manager's team is their probation delivery unit
    (a regional probation lead's, the region): the owner works in a region no other matrix user is in (they
    default to the North East); test_probation_teams adds colleagues of the owner's unit and region."""
    return factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")


def _referral(state: str, **extra):
    def build():
        owner = _referrer()
        referral = factories.referral(state=state, referrer=owner)
        return {"public_id": referral.public_id, **extra}, owner
    return build


def _escalated():
    """An accepted referral whose person became very high risk: its referrer decides what happens next."""
    from portal.referrals import operations

    owner = _referrer()
    referral = factories.referral(state="accepted", referrer=owner)
    with factories._request_context():
        operations.amend(owner, referral, {"risk_level": "very-high"}, "New assessment")
        factories.db.session.commit()
    return {"public_id": referral.public_id}, owner


def _provider_owned(state: str, who: str = "manager"):
    """A referral in `state` whose owner is the provider's manager ("manager") or its assigned caseworker."""
    def build():
        referral = factories.referral(state=state, referrer=_referrer())
        owner = referral.assigned_to if who == "caseworker" else factories._provider_manager(referral.organisation)
        return {"public_id": referral.public_id}, owner
    return build


def _service():
    return {"service_uuid": factories.referrable_service().uuid}, None


SECRET = {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}

CASES: dict[str, Case] = {
    "referrals.referral": Case("GET", _referral("sent"), SECRET, team=True),
    "referrals.start": Case("GET", _service, {Role.OFFENDER_MANAGER: 200, ANONYMOUS: SIGN_IN, "*": 403},
                            owned=False),
    # The draft: its author (and their team) alone
    "referrals.draft": Case("GET", _referral("draft"), SECRET, team=True),
    "referrals.section": Case("GET", _referral("draft", section="person"), SECRET, team=True),
    "referrals.check": Case("GET", _referral("draft"), SECRET, team=True),
    "referrals.send": Case("POST", _referral("draft"), {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}, team=True),
    "referrals.change_service": Case("POST", _referral("draft"), {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}, team=True),
    "referrals.delete_draft": Case("GET", _referral("draft"), SECRET, team=True),
    "referrals.sent": Case("GET", _referral("sent"), SECRET, team=True),
    # After sending: the referring side amends and withdraws
    "referrals.amend": Case("GET", _referral("sent", section="contact"), SECRET, team=True),
    "referrals.withdraw": Case("GET", _referral("sent"), SECRET, team=True),
    "referrals.decide_escalation": Case("GET", _escalated, SECRET, team=True),
    # The provider's steps, owned by its manager or the assigned caseworker
    "referrals.accept": Case("GET", _provider_owned("sent"), SECRET),
    "referrals.decline": Case("GET", _provider_owned("sent"), SECRET),
    "referrals.assign": Case("GET", _provider_owned("accepted"), SECRET),
    "referrals.end_early": Case("GET", _provider_owned("accepted"), SECRET),
    "referrals.book": Case("GET", _provider_owned("assigned", "caseworker"), SECRET),
    "referrals.record_session": Case("GET", _provider_owned("booked", "caseworker"), SECRET),
    "referrals.complete": Case("GET", _provider_owned("in_progress", "caseworker"), SECRET),
}

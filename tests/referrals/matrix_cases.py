"""Referral pages in the authorisation matrix. The owner is the offender manager who made the referral;
everyone else (another region's offender manager, another provider, employers, prison staff, administrators)
gets 404 and learns nothing; the provider's own staff are tested in the referral tests."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case


def _referral(state: str):
    """The matrix signs in a fresh user per role, and an offender manager's team is their probation region:
    the owner works in a region no other matrix user is in (they default to the North East)."""
    def build():
        owner = factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")
        referral = factories.referral(state=state, referrer=owner)
        return {"public_id": referral.public_id}, owner
    return build


CASES: dict[str, Case] = {
    "referrals.referral": Case("GET", _referral("sent"), {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
}

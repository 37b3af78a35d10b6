"""Referral API routes in the authorisation matrix. The matrix sends a bearer token for the role's user (the API
ignores session cookies). The owner is the offender manager who made the referral, in a probation region no
other matrix user is in; everyone else - another region's offender manager, another provider, an employer,
prison staff, an administrator - gets 404 and none of the referral, and a caller without a token 401. The
provider's own staff are tested in tests/referrals/test_api.py."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.matrix import ANONYMOUS, OWNER, Case


def _referral(state: str):
    def build():
        owner = factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")
        referral = factories.referral(state=state, referrer=owner)
        return {"public_id": referral.public_id}, owner
    return build


def _only_the_owner(status: int = 200) -> dict:
    return {OWNER: status, ANONYMOUS: 401, "*": 404}


def _escalated():
    owner = factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")
    referral = factories.escalated_referral(referrer=owner)
    return {"public_id": referral.public_id}, owner


CASES: dict[str, Case] = {
    "api.decide_escalation": Case("POST", _escalated, _only_the_owner(), data={"decision": "refer-on"}, team=True),
    "api.referral": Case("GET", _referral("sent"), _only_the_owner(), team=True),
    "api.update_referral": Case("PATCH", _referral("draft"), _only_the_owner(),
                                data={"answers": {"availability": "Evenings"}}, team=True),
    "api.send_referral": Case("POST", _referral("draft"), _only_the_owner(), team=True),
    "api.referral_transition": Case("POST", _referral("sent"), _only_the_owner(),
                                    data={"action": "withdraw", "reason_code": "needs-met"}, team=True),
    "api.amend_referral": Case("POST", _referral("accepted"), _only_the_owner(),
                               data={"answers": {"availability": "Evenings"}, "reason": "Started a job"}, team=True),
}

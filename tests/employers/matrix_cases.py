"""Corporate Alliance routes in the authorisation matrix (tests/test_authorisation_matrix.py).

Nominations are secret outside the employer whose opportunity it is and the nominating practitioner's team
(404). The matrix's offender manager is in the same probation region as the nominating one, so is in their team.
"""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.employers import factories as alliance
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case


def _membership():
    owner = factories.user(role=Role.EMPLOYER)
    return {"public_id": alliance.membership(owner.organisation, verified=False).public_id}, owner


def _opportunity():
    owner = alliance.employer()
    return {"public_id": alliance.opportunity(owner.organisation).public_id}, owner


def _nomination_by_practitioner():
    # In a region no other matrix user is in: the matrix's offender manager is in another team
    nominator = factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")
    return {"public_id": alliance.nomination(nominated_by=nominator).public_id}, nominator


def _step_for_employer():
    owner = alliance.employer()
    nomination = alliance.nomination(alliance.opportunity(owner.organisation))
    return {"public_id": nomination.public_id, "step": "interview-offered"}, owner


def _api(build):
    def run():
        kwargs, _ = build()
        return {"public_id": kwargs["public_id"]}, None
    return run


FINDERS = {ANONYMOUS: SIGN_IN, "*": 200}
CASES: dict[str, Case] = {
    "employers.decide_membership": Case("GET", _membership, {Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403}),
    "employers.edit_opportunity": Case("GET", _opportunity, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "employers.close_opportunity": Case("POST", _opportunity, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # An open opportunity is for every signed-in staff member to find.
    "employers.opportunity": Case("GET", _opportunity, FINDERS),
    "employers.nominate": Case("GET", _opportunity, {Role.OFFENDER_MANAGER: 200, Role.PRISON_STAFF: 200,
                                                     ANONYMOUS: SIGN_IN, "*": 403}),
    "employers.nomination": Case("GET", _nomination_by_practitioner, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404},
                                 team=True),
    # Offering an interview is the employer's step: the practitioner's team may see the nomination (403), nobody
    # else may know it exists (404).
    "employers.record_step": Case("GET", _step_for_employer, {
        OWNER: 200, Role.OFFENDER_MANAGER: 403, ANONYMOUS: SIGN_IN, "*": 404}),
    # The API (each role with its own token): the same rules as the pages.
    "api.employers_opportunity": Case("GET", _api(_opportunity), {ANONYMOUS: 401, "*": 200}, owned=False),
    "api.employers_nomination": Case("GET", _nomination_by_practitioner, {OWNER: 200, ANONYMOUS: 401, "*": 404},
                                     team=True),
}

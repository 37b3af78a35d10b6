"""Supply-chain routes in the authorisation matrix (tests/test_authorisation_matrix.py).

Drafts, returned and rejected entries and their files are secret to the organisation and administrators (404 for
everyone else); published entries are for lead providers and administrators; shortlists belong to one lead
provider; invitations to the two organisations involved."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case
from tests.supply_chain import factories as supply


def _entry(state: str):
    def build():
        owner = factories.user(role=Role.PROVIDER)
        return {"expression_id": supply.expression(owner, state=state).public_id}, owner
    return build


def _version(state: str):
    def build():
        owner = factories.user(role=Role.PROVIDER)
        return {"version_id": supply.expression(owner, state=state).latest_version.public_id}, owner
    return build


def _document(state: str):
    def build():
        owner = factories.user(role=Role.PROVIDER)
        found = supply.expression(owner, state=state)
        return {"document_id": supply.document(found, owner).public_id}, owner
    return build


def _shortlist():
    owner = supply.lead_provider()
    return {"shortlist_id": supply.shortlist(owner, supply.expression()).public_id}, owner


def _shortlist_item():
    owner = supply.lead_provider()
    entry = supply.expression()
    return {"shortlist_id": supply.shortlist(owner, entry).public_id, "expression_id": entry.public_id}, owner


def _invitation_to_provider():
    """Owned by the invited provider."""
    owner = factories.user(role=Role.PROVIDER)
    made = supply.invitation(found=supply.expression(owner))
    return {"invitation_id": made.public_id}, owner


def _invitation_from_lead():
    """Owned by the inviting lead provider."""
    owner = supply.lead_provider()
    made = supply.invitation(lead=owner)
    return {"invitation_id": made.public_id}, owner


LEAD = Role.LEAD_PROVIDER
CASES: dict[str, Case] = {
    # A published entry: lead providers and administrators (and its own organisation) see it; nobody else learns
    # it exists. Unpublished entries: see tests/supply_chain/test_access.py.
    "supply_chain.partner": Case("GET", _entry("published"),
                                 {OWNER: 200, LEAD: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.shortlist_partner": Case("GET", _entry("published"),
                                           {LEAD: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403,
                                            Role.PROVIDER: 404, Role.EMPLOYER: 404, Role.OFFENDER_MANAGER: 404,
                                            Role.PRISON_STAFF: 404}),
    "supply_chain.invite_partner": Case("GET", _entry("published"),
                                        {LEAD: 200, ANONYMOUS: SIGN_IN, Role.ADMIN: 403, OWNER: 403, "*": 404}),
    # A draft's review page and a draft's file: the organisation (for the file) and administrators only.
    "supply_chain.review": Case("GET", _version("submitted"), {Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.start_review": Case("POST", _version("submitted"),
                                      {Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.download_document": Case("GET", _document("draft"),
                                           {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.remove_document": Case("POST", _document("draft"), {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # A lead provider's shortlist is its own.
    "supply_chain.shortlist": Case("GET", _shortlist, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.export_shortlist": Case("GET", _shortlist, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.delete_shortlist": Case("GET", _shortlist, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.remove_from_shortlist": Case("POST", _shortlist_item, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # Invitations: the invited organisation replies; the inviting lead provider may withdraw.
    "supply_chain.invitation": Case("GET", _invitation_to_provider,
                                    {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "supply_chain.withdraw_invitation": Case("POST", _invitation_from_lead,
                                             {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # The API (each role with its own token) is the partner database for lead providers' tools: other roles,
    # the entry's own organisation included, are refused (403: the API's existence is no secret).
    "api.get_expression_of_interest": Case("GET", _entry("published"), {
        LEAD: 200, Role.ADMIN: 200, ANONYMOUS: 401, "*": 403}),
}

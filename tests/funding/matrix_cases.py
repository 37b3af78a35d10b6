"""Funding pages in the authorisation matrix. An organisation's finances are secret to its owners, managers and
finance staff (404 for everyone else: other organisations' owners, administrators, offender managers...).
The lead provider's view of a shared sub-contract, caseworkers, and donors' receipts are tested in
tests/funding/test_agreements.py and test_donations.py."""
from __future__ import annotations

from portal.accounts.roles import OrgRole
from tests.funding import factories as funding
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case

SECRET = {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}


def _agreement(kind: str = "grant"):
    def build():
        owner = funding.finance_user()
        return {"public_id": funding.agreement(owner.organisation, kind=kind).public_id}, owner
    return build


def _sub_contract():
    item, _ = funding.sub_contract(shared=False)
    owner = funding.finance_user(item.organisation, org_role=OrgRole.MANAGER)
    return {"public_id": item.public_id}, owner


def _requirement():
    owner = funding.finance_user()
    return {"public_id": funding.requirement(funding.agreement(owner.organisation)).public_id}, owner


def _measure():
    from decimal import Decimal

    from portal.extensions import db
    from portal.funding.models import OutcomeMeasure

    owner = funding.finance_user()
    measure = OutcomeMeasure(agreement=funding.agreement(owner.organisation, kind="contract"), kind="frequency",
                             name="Reconvictions", baseline=Decimal("1.7"), threshold_percent=Decimal("7.5"),
                             price_pence=200_000)
    db.session.add(measure)
    db.session.commit()
    return {"public_id": measure.public_id}, owner


def _donation():
    owner = funding.finance_user()
    return {"public_id": funding.donation(owner.organisation).public_id}, owner


def _donating_organisation():
    owner = funding.finance_user()
    funding.donations_on(owner.organisation)  # but no Stripe keys in the matrix: donations are off
    return {"public_id": owner.organisation.public_id}, owner


def _export():
    owner = funding.finance_user()
    funding.agreement(owner.organisation)
    return {"name": "360giving.json"}, owner


def _funder_export():
    owner = funding.finance_user()
    funding.agreement(owner.organisation, counterparty_identifier="GB-CHC-1999002")
    return {"funder": "GB-CHC-1999002", "fmt": "json"}, owner


def _published(**extra):
    """An organisation that publishes its open data, with a grant and a contract: public files for anyone."""
    def build():
        from portal.extensions import db
        from portal.funding.models import OpenDataPublication

        owner = funding.finance_user()
        funding.agreement(owner.organisation, counterparty_identifier="GB-CHC-1999002")
        funding.agreement(owner.organisation, kind="contract")
        db.session.add(OpenDataPublication(organisation_id=owner.organisation.id, published=True))
        db.session.commit()
        return {"public_id": owner.organisation.public_id, **extra}, owner
    return build


def _unpublished():
    owner = funding.finance_user()
    funding.agreement(owner.organisation)
    return {"public_id": owner.organisation.public_id, "fmt": "json"}, owner


def _document():
    import tempfile

    from flask import current_app

    from portal.extensions import db
    from portal.funding import operations
    from tests.supply_chain.factories import PDF

    current_app.config["STORAGE_DIR"] = tempfile.mkdtemp(prefix="matrix-funding-")
    owner = funding.finance_user()
    document = operations.add_document(owner, funding.agreement(owner.organisation), "Agreement", "a.pdf", PDF)
    db.session.commit()
    return {"public_id": document.public_id}, owner


CASES: dict[str, Case] = {
    "funding.agreement": Case("GET", _agreement(), SECRET),
    "funding.new_requirement": Case("GET", _agreement(), SECRET),
    "funding.new_entry": Case("GET", _agreement(), SECRET),
    "funding.new_document": Case("GET", _agreement(), SECRET),
    "funding.document": Case("GET", _document, SECRET),
    "funding.new_measure": Case("GET", _agreement("contract"), SECRET),
    "funding.share": Case("POST", _sub_contract, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}, data={"share": "yes"}),
    "funding.requirement": Case("GET", _requirement, SECRET),
    "funding.new_result": Case("GET", _measure, SECRET),
    "funding.refund": Case("GET", _donation, SECRET),
    # Other organisations' finance staff get their own (empty) export; everyone else is refused.
    "funding.export": Case("GET", _export, {OWNER: 200, ANONYMOUS: SIGN_IN, "provider": 400, "lead_provider": 400,
                                            "*": 403}),
    "funding.export_funder": Case("GET", _funder_export, {OWNER: 200, ANONYMOUS: SIGN_IN, "provider": 404,
                                                          "lead_provider": 404, "*": 403}),
    # Public open data: everyone reads a publishing organisation's files; nobody an unpublished one's (in
    # test_exports.py: unpublishing takes them down, and a sub-contract not published is never named).
    "funding.public_ocds": Case("GET", _published(), {"*": 200}, owned=False),
    "funding.public_grants": Case("GET", _unpublished, {"*": 404}, owned=False),
    "funding.public_funder_grants": Case("GET", _published(funder="GB-CHC-1999002", fmt="csv"), {"*": 200},
                                         owned=False),
    # Without Stripe keys nobody can donate; with them, see test_donations.py.
    "funding.donate": Case("GET", _donating_organisation, {"*": 404}, owned=False),
    # A receipt is the donor's (their session holds it) and the organisation's finance staff's.
    "funding.receipt": Case("GET", _donation, {OWNER: 200, "*": 404}),
    "funding.pay": Case("GET", _donation, {OWNER: 302, "*": 404}),
}

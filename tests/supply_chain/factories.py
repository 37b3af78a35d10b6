"""Factories for supply-chain models: entries in any state, documents, shortlists and invitations. Entries are made
through the operations, as a provider and an administrator would, so their history is real."""
from __future__ import annotations

from datetime import timedelta

from portal.accounts.roles import Role
from portal.database import utcnow
from portal.extensions import db
from portal.supply_chain import operations
from portal.supply_chain.models import Expression, PartnershipInvitation, Shortlist, ShortlistItem
from tests import factories

COMPLETE = {
    "organisation_name": "Harbour Mentoring Trust", "description": "Peer mentoring for men and women leaving prison.",
    "website": "www.harbour-mentoring.example.org", "contact_email": "partners@harbour-mentoring.example.org",
    "contact_phone": "0151 496 0000", "charity_number": "1123456", "company_number": "",
    "sector": "voluntary-community", "income_band": "small", "staff": 8, "volunteers": 40,
    "pathways": ["attitudes-thinking-behaviour", "education-training-employment"],
    "specialisms": ["mentoring", "veterans"], "other_specialisms": "", "settings": ["through-the-gate", "community"],
    "cpas": ["merseyside"], "regions": [], "capacity": 120, "case_studies": "Worked with 300 veterans since 2019.",
    "quality_marks": "PQASSO level 1", "outcomes": "62% in work or training after a year.",
    "references": "Merseyside CRC", "safeguarding_policy": "yes", "data_protection_policy": "yes",
    "insurance": "yes", "risk_appetite": "share",
}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def admin():
    return factories.user(role=Role.ADMIN)


def expression(owner=None, *, state: str = "published", name: str | None = None, reviewer=None,
               **answers) -> Expression:
    """An entry whose latest version is in `state`: draft, submitted, in_review, published, returned or rejected.
    The owner is a provider (organisation owner) created when not given."""
    owner = owner or factories.user(role=Role.PROVIDER)
    organisation = owner.organisation
    data = {**COMPLETE, **answers}
    if name:
        data["organisation_name"] = name
    found = operations.save_draft(organisation, owner, data)
    version = found.latest_version
    if state != "draft":
        operations.submit(found, owner)
    if state not in ("draft", "submitted"):
        reviewer = reviewer or admin()
        operations.start_review(version, reviewer)
        if state != "in_review":
            operations.decide(version, reviewer, {"published": "publish", "returned": "return",
                                                  "rejected": "reject"}[state], "Add your outcomes for 2025")
    db.session.commit()
    return found


def expire(found: Expression, days_ago: int = 1) -> None:
    found.expires_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def document(found: Expression, owner, *, kind: str = "case-study", filename: str = "case-study.pdf",
             data: bytes = PDF):
    made = operations.add_document(found.organisation, owner, kind, "", filename, data)
    db.session.commit()
    return made


def lead_provider(**kwargs):
    return factories.user(role=Role.LEAD_PROVIDER, **kwargs)


def shortlist(owner, *entries, name: str | None = None) -> Shortlist:
    made = Shortlist(name=name or f"Shortlist {next(factories._seq)}", created_by_id=owner.id,
                     organisation_id=owner.organisation.id if owner.organisation else None,
                     items=[ShortlistItem(expression=e) for e in entries])
    db.session.add(made)
    db.session.commit()
    return made


def invitation(lead=None, found: Expression | None = None, *, contract: str = "Through the gate 2026",
               area: str = "merseyside") -> PartnershipInvitation:
    lead = lead or lead_provider()
    found = found or expression()
    made = operations.invite(found, lead, contract_name=contract, cpa_slug=area, services="Peer mentoring",
                             risk_share_percent=20, risk_notes="20% held back until outcomes are verified")
    db.session.commit()
    return made



"""Small read-only questions about the Alliance that the access rules and the operations both ask. This module
imports no views, operations or rules, so `rules -> queries` never leads back to the rules."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organisation
from portal.accounts.roles import OrgStatus
from portal.database import utcnow
from portal.employers.models import AllianceMembership, Opportunity
from portal.extensions import db


def today() -> date:
    return utcnow().date()


def membership_for(organisation: Organisation | None) -> AllianceMembership | None:
    if organisation is None:
        return None
    return db.session.scalar(select(AllianceMembership).where(AllianceMembership.organisation_id == organisation.id)
                             .options(selectinload(AllianceMembership.pledges)))


def is_findable(opportunity: Opportunity) -> bool:
    """Open, not past its closing date, from an approved employer that has joined the Alliance."""
    return (opportunity.status == "open" and (opportunity.closing_date is None or opportunity.closing_date >= today())
            and opportunity.organisation.status == OrgStatus.APPROVED
            and membership_for(opportunity.organisation) is not None)

"""Small read-only questions about an organisation's funding settings that the access rules and the operations
both ask. This module imports no views, operations or rules, so `rules -> queries` never leads back to the rules."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.extensions import db
from portal.funding import payments
from portal.funding.models import DonationSettings, OpenDataPublication


def open_data_publication(organisation: Organisation) -> OpenDataPublication | None:
    return db.session.scalar(select(OpenDataPublication).where(OpenDataPublication.organisation_id == organisation.id))


def publishes_open_data(organisation: Organisation) -> bool:
    found = open_data_publication(organisation)
    return bool(found and found.published)


def donation_settings(organisation: Organisation) -> DonationSettings | None:
    return db.session.scalar(select(DonationSettings).where(DonationSettings.organisation_id == organisation.id))


def donations_enabled(organisation: Organisation) -> bool:
    settings = donation_settings(organisation)
    return bool(settings and settings.enabled)


def donations_open(organisation: Organisation) -> bool:
    return payments.configured() and donations_enabled(organisation)

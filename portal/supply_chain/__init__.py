"""Supply chains: one Expression of Interest per organisation, moderated publication, the partner database for
lead providers, shortlists, invitations into supply chains, and coverage for administrators."""
from flask import Blueprint

bp = Blueprint("supply_chain", __name__)

from portal.supply_chain import admin_views, partner_views, views  # noqa: E402,F401

"""Funding: grants and contracts, milestones and reports, payment by results, open-data exports, donations."""
from flask import Blueprint

bp = Blueprint("funding", __name__)

from portal.funding import cli, views  # noqa: E402,F401

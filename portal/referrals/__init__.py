"""Referrals: offender managers refer people to directory services; providers respond, deliver and report."""
from flask import Blueprint

bp = Blueprint("referrals", __name__)

from portal.referrals import admin_views, report_views, views  # noqa: E402,F401

"""The service directory: listings, moderation, search, the Open Referral UK feed, import and export."""
from flask import Blueprint

bp = Blueprint("directory", __name__)

from portal.directory import api, indexing, manage_views, views  # noqa: E402,F401

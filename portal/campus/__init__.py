"""The Virtual Campus: supervised kiosk sessions for prisoners, learning content, the CV builder, the market
place and checked messages."""
from flask import Blueprint

bp = Blueprint("campus", __name__, url_prefix="/campus")

from portal.campus import author_views, gate, staff_views, views  # noqa: E402,F401

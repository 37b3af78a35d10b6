"""Site-wide pages: home, dashboard, health checks, accessibility statement, privacy and cookies."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from portal.main import views  # noqa: F401

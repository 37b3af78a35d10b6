"""The administrators' blueprint, on its own so that the package's __init__ imports none of its views. Every route
under /admin asks `admin.access` first."""
from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from portal import policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def administrators_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    policy.authorize(current_user, "admin.access")

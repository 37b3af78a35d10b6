"""Administration: moderation queues and reference data. Every route is for administrators only."""
from flask import Blueprint
from flask_login import current_user

from portal import policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def administrators_only():
    if not current_user.is_authenticated:
        from flask import current_app

        return current_app.login_manager.unauthorized()
    policy.authorize(current_user, "admin.access")


from portal.admin import audit_views, views  # noqa: F401,E402

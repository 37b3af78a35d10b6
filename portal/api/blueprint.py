"""The JSON API under /api/v1: personal access tokens, one error shape, an OpenAPI document.

Requests authenticate only with `Authorization: Bearer <token>`; session cookies are ignored here, so the
API needs no CSRF token and a browser cannot be tricked into calling it.
"""
from __future__ import annotations

from flask import Blueprint, g, request

from portal.accounts import operations as accounts
from portal.api import bodies
from portal.errors import error_response
from portal.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_app_request
def guard_api_bodies():
    """Every body sent under /api/ (this API, the Stripe webhook, any later one) is held to a size and a nesting
    depth before a view or a JSON parser reads it: see portal.api.bodies."""
    if request.path.startswith("/api/"):
        bodies.guard_raw_body()


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    found = accounts.user_for_api_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if found is None:
        response = error_response(401, "Send a valid personal access token as 'Authorization: Bearer <token>'")
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if request.method in ("POST", "PUT", "PATCH") and (b"\\u0000" in (raw := request.get_data())
                                                        or b"\x00" in raw):
        # No text anywhere in the portal may hold a NUL (PostgreSQL cannot store one): refuse the body whole
        return error_response(400, "The request contains a NUL character (\\u0000), which no field may hold. "
                                   "Remove it and send the request again.")
    user, api_token = found
    if api_token in db.session.dirty:  # last_used_at, written at most every few minutes: no commit otherwise
        db.session.commit()
    request.environ["portal.api_token_id"] = api_token.id
    g.api_token = api_token
    g._login_user = user  # Flask-Login's current_user, for this request only: no session cookie is set
    g._user_public_id = user.public_id  # for log lines, without loading the user again after the commit


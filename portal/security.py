"""Security applied to every request: who is signed in, idle time-outs, security headers."""
from __future__ import annotations

import re
import secrets
import time
import uuid
from urllib.parse import urlencode

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask import Request as FlaskRequest
from flask_login import current_user, logout_user
from sqlalchemy import select
from werkzeug.utils import cached_property

from portal.accounts.models import User
from portal.directory import postcodes
from portal.extensions import db, login_manager

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,40}")
# Query parameters of GET forms where people type places (and may type a full postcode): a full postcode never
# stays in a URL (access logs, browser history, bookmarks, the Referer header); only its district does.
PLACE_PARAMETERS = ("postcode", "location", "q")
IDLE_EXEMPT_ENDPOINTS = {"static", "main.healthz", "main.readyz"}


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    public_id, _, version = session_id.partition(".")
    user = db.session.scalar(select(User).where(User.public_id == public_id))
    if user is None or not user.is_active or str(user.session_version) != version:
        return None  # signed out elsewhere, password changed or disabled: this cookie no longer works
    g._user_public_id = public_id  # for log lines (portal/logs.py), without loading the user after a commit
    return user


def _content_security_policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _without_nul(values):
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return type(values)((key.replace("\x00", ""), value.replace("\x00", "")) for key, value in values.items(multi=True))


class Request(FlaskRequest):
    """Query parameters (search boxes, filters) never carry a NUL character: no one types one, PostgreSQL refuses
    one in a query (a 500) and SQLite ends a LIKE pattern at one (a search for it matched everything). Forms keep
    theirs, for their validators to refuse with a message; uploads and raw bodies are left as they came."""

    @cached_property
    def args(self):
        return _without_nul(super().args)


def init_app(app: Flask) -> None:
    app.request_class = Request
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.session_protection = "basic"

    @app.before_request
    def start_request():
        # A proxy's request id is kept only when it is plain (letters, digits, - _ . :): it is stored with audit
        # records, and control characters (a NUL, line breaks, terminal escapes) must not reach them.
        given = request.headers.get("X-Request-Id", "")[:40]
        request.environ["portal.request_id"] = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def districts_only_in_urls():
        if request.method != "GET" or request.path.startswith(("/api/", "/static/")):
            return None
        args = request.args
        if not any(name in args for name in PLACE_PARAMETERS):
            return None
        cleaned = [(key, postcodes.districts_only(value) if key in PLACE_PARAMETERS else value)
                   for key, value in args.items(multi=True)]
        if cleaned == list(args.items(multi=True)):
            return None
        return redirect(f"{request.path}?{urlencode(cleaned)}")

    @app.before_request
    def idle_timeout():
        if request.endpoint in IDLE_EXEMPT_ENDPOINTS or request.blueprint == "api":
            return None
        if not current_user.is_authenticated:
            return None
        limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
        now = time.time()
        last = session.get("last_active", now)
        if now - last > limit:
            logout_user()
            session.clear()
            flash(f"You were signed out because you had done nothing for {limit // 60} minutes")
            return redirect(url_for("accounts.sign_in"))
        if request.endpoint != "main.keep_alive" and not request.path.startswith("/static"):
            session["last_active"] = now
        return None

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _content_security_policy(g.get("csp_nonce", "none")))
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        # A user loaded for this request (g._user_public_id) answers without reading the user after a commit. Static
        # files hold nothing personal: browsers may keep them (portal/static_files.py)
        if request.endpoint != "static" and (request.blueprint == "api" or "Set-Cookie" in headers
                                             or g.get("_user_public_id") or current_user.is_authenticated):
            headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def template_globals():
        return {
            "csp_nonce": g.get("csp_nonce", ""),
            "idle_timeout_seconds": current_app.config["IDLE_TIMEOUT_MINUTES"] * 60,
        }

"""The learner gate, run before every request in the portal.

A learner is let in only through a live kiosk session: on every request the session is checked (ended by staff,
past its time limit, idle for 10 minutes, learner moved or released) and, once it no longer lets them in, they
are signed out with the browser told to clear everything it holds for the site. Learners reach campus pages
only: anything else in the portal sends them back to the campus home page.
"""
from __future__ import annotations

import time

from flask import g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from portal.accounts.roles import Role
from portal.campus import operations
from portal.campus.blueprint import bp
from portal.errors import register_error_layout
from portal.extensions import db

SESSION_KEY = "campus_session"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
OPEN_TO_ALL = {"static", "main.healthz", "main.readyz", "main.favicon"}
KIOSK_ENDPOINTS = {"campus.kiosk", "campus.session_ended"}


def learner_at_the_kiosk() -> bool:
    """A learner's errors, like every page they see, keep the campus layout: nothing links outside the campus.
    The kiosk's session cookie says so without the database (which may be why this is an error page)."""
    if request.endpoint in KIOSK_ENDPOINTS or SESSION_KEY in session:
        return True
    try:
        return bool(current_user and current_user.is_authenticated and current_user.role == Role.LEARNER)
    except Exception:  # noqa: BLE001 - the user cannot be loaded (database away): not known to be a learner
        return False


register_error_layout(learner_at_the_kiosk, "campus/error.html")


def signed_out_response(reason: str):
    """Forget the learner here and in the browser: the session cookie, cache and storage."""
    logout_user()
    session.clear()
    response = redirect(url_for("campus.session_ended", reason=reason))
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@bp.before_app_request
def learner_gate():
    if request.endpoint in OPEN_TO_ALL:
        return None
    if not current_user.is_authenticated:
        if SESSION_KEY in session:  # the learner's session was ended elsewhere (by staff, or moved on)
            return signed_out_response("ended")
        return None
    if current_user.role != Role.LEARNER:
        return None
    kiosk = operations.current_session(current_user, session.get(SESSION_KEY))
    problem = operations.session_problem(kiosk)
    if problem is not None:
        if kiosk is not None and kiosk.ended_at is None:
            operations.end_session(kiosk, problem, None)
            db.session.commit()
        return signed_out_response(problem)
    if request.blueprint != "campus":
        return redirect(url_for("campus.learner_home"))
    operations.touch(kiosk)
    db.session.commit()
    session["last_active"] = time.time()
    g.kiosk_session = kiosk
    return None

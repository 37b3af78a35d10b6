from __future__ import annotations

import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Response, current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from portal.config import ROOT
from portal.extensions import csrf, db, migrate
from portal.main.blueprint import bp
from portal.main.presenters import dashboard_for


@bp.route("/")
def home():
    return render_template("main/home.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", dashboard=dashboard_for(current_user))


@bp.route("/accessibility")
def accessibility():
    return render_template("content/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("content/privacy.html")


@bp.route("/cookies")
def cookies():
    return render_template("content/cookies.html")


@bp.route("/session/keep-alive", methods=["POST"])
@login_required
def keep_alive():
    session["last_active"] = time.time()
    return jsonify({"ok": True, "idle_timeout_seconds": current_app.config["IDLE_TIMEOUT_MINUTES"] * 60})


@bp.route("/healthz")
@csrf.exempt
def healthz():
    return jsonify({"status": "ok"})


def _migration_heads() -> tuple[set[str], set[str]]:
    script = ScriptDirectory(str(ROOT / migrate.directory))
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads())


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    """Ready when this process can do its own work: its database answers at the migration the code expects.
    Search, the outbox, the scheduler and storage are shared by every server: their health is on the status page
    (/admin/status) and in the metrics, never a reason to take every server out of rotation at once."""
    problems: dict[str, str] = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure here means "not ready"
        problems["database"] = f"not answering ({type(exc).__name__})"
    else:
        current, heads = _migration_heads()
        if current != heads:
            problems["migrations"] = f"database at {sorted(current) or 'nothing'}, code expects {sorted(heads)}"
    status = 503 if problems else 200
    return jsonify({"status": "unavailable" if problems else "ready", "problems": problems}), status


@bp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="govuk-frontend/assets/images/favicon.ico"))

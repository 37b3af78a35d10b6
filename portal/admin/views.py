from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import policy
from portal.accounts import operations as accounts
from portal.accounts.models import Organisation
from portal.admin import bp
from portal.admin.forms import DecisionForm
from portal.extensions import db
from portal.views import REFUSED, attempt, render_form


@bp.route("/")
def index():
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations")
def organisations():
    return render_template("admin/organisations.html", pending=accounts.pending_organisations())


@bp.route("/organisations/<public_id>", methods=["GET", "POST"])
def organisation(public_id: str):
    org = db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))
    if org is None:
        abort(404)
    policy.authorize(current_user, "organisation.approve", org)
    form = DecisionForm()
    if form.validate_on_submit():
        if attempt(form, lambda: accounts.decide_organisation(org, current_user, form.decision.data == "approve",
                                                              form.reason.data or "")) is not REFUSED:
            flash(f"{org.name} has been {'approved' if org.is_approved else 'rejected'}", "success")
            return redirect(url_for("admin.organisations"))
    return render_form("admin/organisation.html", form, organisation=org)


@bp.route("/status")
def status():
    from portal import status as service_status

    return render_template("admin/status.html", status=service_status.gather())

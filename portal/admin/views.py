from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import status as service_status
from portal.accounts import operations as accounts
from portal.accounts.forms import ConfirmForm
from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.admin.blueprint import bp
from portal.admin.forms import DecisionForm, InviteStaffForm, ProbationTeamForm, ReasonForm
from portal.extensions import db
from portal.forms import choices
from portal.lookup import authorized
from portal.reference.models import Prison, ProbationDeliveryUnit, ProbationRegion
from portal.views import REFUSED, attempt, render_form


@bp.route("/")
def index():
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations")
def organisations():
    return render_template("admin/organisations.html", pending=accounts.pending_organisations())


@bp.route("/organisations/<public_id>", methods=["GET", "POST"])
def organisation(public_id: str):
    org = authorized(current_user, "organisation.approve", Organisation, public_id, secret=False)
    form = DecisionForm()
    if form.validate_on_submit():
        if attempt(form, lambda: accounts.decide_organisation(org, current_user, form.decision.data == "approve",
                                                              form.reason.data or "")) is not REFUSED:
            flash(f"{org.name} has been {'approved' if org.is_approved else 'rejected'}", "success")
            return redirect(url_for("admin.organisations"))
    return render_form("admin/organisation.html", form, organisation=org)


# --- Users (issue #17): invite staff, disable and re-enable, reset a second factor, sign-in history ---

def _user_or_404(public_id: str) -> User:
    return authorized(current_user, "user.manage", User, public_id, secret=False)


@bp.route("/users")
def users():
    return render_template("admin/users.html", users=accounts.staff_users())


@bp.route("/users/new", methods=["GET", "POST"])
def invite_user():
    form = InviteStaffForm()
    form.prison.choices = choices([("", "Select a prison")] + [
        (p.code, p.name) for p in db.session.scalars(select(Prison).order_by(Prison.name))])
    form.probation_delivery_unit.choices = _unit_choices()
    if form.validate_on_submit():
        invited = attempt(form, lambda: accounts.invite_staff(
            current_user, email=form.email.data, name=form.name.data, role=Role(form.role.data),
            prison_code=form.prison.data or "", probation_delivery_unit_slug=form.probation_delivery_unit.data or "",
            sees_whole_region=form.scope.data == "region"))
        if invited is not REFUSED:
            flash(f"We have emailed {invited.email} a link to set up their account", "success")
            return redirect(url_for("admin.user", public_id=invited.public_id))
    return render_form("admin/invite_user.html", form)


def _unit_choices():
    return choices([("", "Select a probation delivery unit")] + [
        (unit.slug, f"{unit.name} ({region.name})") for unit, region in db.session.execute(
            select(ProbationDeliveryUnit, ProbationRegion).join(ProbationRegion)
            .order_by(ProbationRegion.name, ProbationDeliveryUnit.name)).tuples()])


def _team_form(found, formdata=None) -> ProbationTeamForm:
    form = ProbationTeamForm(formdata=formdata, data=None if formdata is not None else {
        "probation_delivery_unit": found.probation_delivery_unit.slug if found.probation_delivery_unit else "",
        "scope": "region" if found.sees_whole_region else "unit"})
    form.probation_delivery_unit.choices = _unit_choices()
    return form


@bp.route("/users/<public_id>/probation-team", methods=["POST"])
def set_probation_team(public_id: str):
    found = _user_or_404(public_id)
    form = _team_form(found, request.form)
    if form.validate_on_submit():
        if attempt(form, lambda: accounts.change_probation_team(
                found, current_user, form.probation_delivery_unit.data or "", form.scope.data == "region")) \
                is not REFUSED:
            flash(f"{found.name}'s probation team has been changed", "success")
            return redirect(url_for("admin.user", public_id=found.public_id))
    history = accounts.sign_in_history(found, current_user)
    db.session.commit()
    return render_form("admin/user.html", form, user=found, history=history, **_user_forms(team_form=form))


@bp.route("/users/<public_id>")
def user(public_id: str):
    found = _user_or_404(public_id)
    history = accounts.sign_in_history(found, current_user)
    db.session.commit()
    return render_template("admin/user.html", user=found, history=history, **_user_forms(team_form=_team_form(found)))


def _user_forms(**given) -> dict:
    """The page's three forms; the disable and reset forms each have their own field names (one page)."""
    return {"disable_form": ReasonForm(prefix="disable"), "reset_form": ReasonForm(prefix="reset"),
            "confirm": ConfirmForm(), **given}



def _act(public_id: str, operation, done: str, prefix: str | None = None):
    found = _user_or_404(public_id)
    form = ReasonForm(prefix=prefix) if prefix else ConfirmForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operation(found, form)) is not REFUSED:
            flash(done.format(name=found.name), "success")
            return redirect(url_for("admin.user", public_id=found.public_id))
    history = accounts.sign_in_history(found, current_user)
    db.session.commit()
    forms = _user_forms(team_form=_team_form(found), **({f"{prefix}_form": form} if prefix else {}))
    return render_form("admin/user.html", form, user=found, history=history, **forms)


@bp.route("/users/<public_id>/disable", methods=["POST"])
def disable_user(public_id: str):
    return _act(public_id, lambda found, form: accounts.disable_user_by_admin(found, current_user, form.reason.data),
                "{name} has been disabled: their sessions and API tokens have ended", prefix="disable")


@bp.route("/users/<public_id>/enable", methods=["POST"])
def enable_user(public_id: str):
    return _act(public_id, lambda found, form: accounts.enable_user(found, current_user),
                "{name} can sign in again")


@bp.route("/users/<public_id>/reset-two-factor", methods=["POST"])
def reset_two_factor(public_id: str):
    return _act(public_id, lambda found, form: accounts.reset_second_factor(found, current_user, form.reason.data),
                "{name}'s two-factor authentication has been reset: we have emailed them a link to set it up again",
                prefix="reset")


@bp.route("/status")
def status():
    return render_template("admin/status.html", status=service_status.gather())

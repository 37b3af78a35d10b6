"""Administrators' referral tools: a subject access export and an erasure, both by CRN, and approving directory
services to take people at high risk of serious harm. Each action is an operation that records itself in the
audit log; administrators never browse referrals here, they answer requests."""
from __future__ import annotations

import json

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from portal import paging, policy
from portal.accounts.models import Organisation
from portal.database import utcnow
from portal.directory import operations as directory
from portal.directory.models import ListingState, Service, ServiceTerm
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import NoControlCharacters, Required
from portal.referrals import operations
from portal.referrals.blueprint import bp
from portal.views import REFUSED, add_error, attempt, render_form

CRN_HINT = ("A case reference number (CRN), a letter followed by six digits like X123456, or a prison number like "
            "A1234BC. Referrals, employment nominations and Virtual Campus records are all covered")


class CrnForm(FlaskForm):
    crn = StringField("Case reference number (CRN) or prison number", validators=[
        Required("Enter the person's case reference number (CRN)"), Length(max=20, message="Enter a CRN like "
                                                                                             "X123456"),
        NoControlCharacters()])


class ErasureForm(CrnForm):
    reason = TextAreaField("Why are you erasing this person's records?", validators=[
        Required("Enter the reason for erasing, such as the request's reference"),
        Length(max=500, message="The reason must be 500 characters or fewer")])
    confirmed = HiddenField()


class HighRiskForm(FlaskForm):
    service = HiddenField(validators=[Required("Select a service")])
    decision = HiddenField(validators=[Required("Say whether to approve the service")])


def _records(counts: dict[str, int]) -> str:
    """{"referrals": 2, "campus": 1} in words: "2 referrals and 1 Virtual Campus record"."""
    from portal import subject_access

    holdings = subject_access.holdings()
    parts = [f"{n} {holdings[name].describe}{'' if n == 1 else 's'}" for name, n in counts.items() if n]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts) or "Nothing"


def _administrators_only() -> None:
    policy.authorize(current_user, "referral.subject_access")


@bp.route("/admin/referrals")
@login_required
def admin_tools():
    _administrators_only()
    return render_template("referrals/admin/index.html")


@bp.route("/admin/referrals/subject-access", methods=["GET", "POST"])
@login_required
def subject_access():
    _administrators_only()
    form = CrnForm()
    if form.validate_on_submit():
        export = attempt(form, lambda: operations.subject_access_export(current_user, form.crn.data))
        if export is not REFUSED:
            crn = export["crn"]
            response = make_response(json.dumps(export, indent=2, ensure_ascii=False))
            response.headers["Content-Type"] = "application/json; charset=utf-8"
            response.headers["Content-Disposition"] = (f'attachment; filename="subject-access-{crn}-'
                                                       f'{utcnow():%Y-%m-%d}.json"')
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_form("referrals/admin/subject_access.html", form, hint=CRN_HINT)


@bp.route("/admin/referrals/erasure", methods=["GET", "POST"])
@login_required
def erasure():
    """Two steps: the CRN and the reason, then a page that says what will go and asks to confirm."""
    _administrators_only()
    form = ErasureForm()
    if form.validate_on_submit():
        try:
            held = operations.held_about(form.crn.data)
            if form.confirmed.data == "yes":
                erased = operations.erase_person(current_user, form.crn.data, form.reason.data)
                db.session.commit()
                flash(f"{_records(erased)} about this person {'was' if sum(erased.values()) == 1 else 'were'} "
                      "erased", "success")
                return redirect(url_for("referrals.erasure"))
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            form.confirmed.data = "yes"
            from portal import subject_access

            person = subject_access.identifier(form.crn.data)
            referrals = subject_access.holdings()["referrals"].export(person)["referrals"]
            return render_template("referrals/admin/erasure_confirm.html", form=form, referrals=referrals,
                                   held=_records(held), total=sum(held.values()), person=person,
                                   others=_records({k: v for k, v in held.items() if k != "referrals" and v})
                                   if any(v for k, v in held.items() if k != "referrals") else "")
    return render_form("referrals/admin/erasure.html", form, hint=CRN_HINT)


@bp.route("/admin/referrals/high-risk-services", methods=["GET", "POST"])
@login_required
def high_risk_services():
    """Services of voluntary and private organisations that take portal referrals, and whether each may take
    people at high risk of serious harm (public-sector services always may)."""
    policy.authorize(current_user, "listing.review")
    form = HighRiskForm()
    if form.validate_on_submit():
        service = db.session.scalar(select(Service).where(Service.uuid == form.service.data))
        if service is None or form.decision.data not in ("approve", "withdraw"):
            form.form_errors.append("Select a service from the list")
        else:
            approved = form.decision.data == "approve"
            directory.set_high_risk_approval(service, current_user, approved)
            db.session.commit()
            flash(f"‘{service.name}’ {'can now' if approved else 'can no longer'} take referrals of people at high "
                  "risk of serious harm", "success")
            return redirect(url_for("referrals.high_risk_services", q=request.args.get("q", "")))
    text = " ".join(request.args.get("q", "").split())[:100]
    portal_ids = select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == "access-route",
                                                      ServiceTerm.code == "portal-referral")
    query = (select(Service).join(Organisation).where(Organisation.sector != "public",
                                                      Service.state == ListingState.PUBLISHED,
                                                      Service.id.in_(portal_ids))
             .options(selectinload(Service.organisation)).order_by(Service.name))
    approved = list(db.session.scalars(query.where(Service.high_risk_approved.is_(True))))
    found = []
    if text:
        # The text is matched literally: %, _ and \ typed by the administrator are not LIKE wildcards
        pattern = paging.containing(text.lower())
        found = list(db.session.scalars(query.where(
            Service.high_risk_approved.is_(False),
            or_(func.lower(Service.name).like(pattern, escape=paging.LIKE_ESCAPE),
                func.lower(Organisation.name).like(pattern, escape=paging.LIKE_ESCAPE))).limit(50)))
    return render_form("referrals/admin/high_risk.html", form, approved=approved, found=found, q=text)

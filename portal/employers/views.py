"""Corporate Alliance pages. Thin: check access, validate the form, call one operation, commit, redirect;
or re-render the form with its errors (400)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import paging, policy
from portal.directory import vocabulary as places
from portal.employers import forms, operations, presenters
from portal.employers import vocabulary as v
from portal.employers.blueprint import bp
from portal.employers.models import AllianceMembership, Nomination, Opportunity
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized, load_or_404
from portal.views import REFUSED, add_error, attempt, attempt_or_flash, render_form

# --- For everyone: the Alliance and the guidance ---


@bp.route("/alliance")
def alliance():
    level = request.args.get("level", "")
    region = request.args.get("region", "")
    level_value = int(level) if level.isdigit() and int(level) in v.LEVELS else None
    region_value = region if region in places.REGIONS else None
    rows = presenters.alliance_page(operations.alliance_members(level_value, region_value))
    return render_template("employers/alliance.html", rows=rows, totals=presenters.alliance_totals(rows),
                           level=level_value, region=region_value, regions=places.REGIONS)


@bp.route("/employers/guidance")
def guidance():
    return render_template("employers/guidance/index.html")


@bp.route("/employers/guidance/fair-recruitment")
def guidance_fair_recruitment():
    return render_template("employers/guidance/fair_recruitment.html")


@bp.route("/employers/guidance/disclosure")
def guidance_disclosure():
    return render_template("employers/guidance/disclosure.html")


@bp.route("/employers/guidance/fidelity-bonds")
def guidance_fidelity_bonds():
    return render_template("employers/guidance/fidelity_bonds.html")


# --- Employers: membership ---


@bp.route("/employer/alliance")
@login_required
def alliance_membership():
    organisation = current_user.organisation
    policy.authorize(current_user, "alliance.view_own", organisation)
    return render_template("employers/membership.html", organisation=organisation,
                           membership=operations.membership_for(organisation),
                           can_change=policy.can(current_user, "alliance.join", organisation),
                           pledge_kinds=v.PLEDGE_KINDS)


@bp.route("/employer/alliance/level", methods=["GET", "POST"])
@login_required
def pledge_level():
    organisation = current_user.organisation
    policy.authorize(current_user, "alliance.join", organisation)
    membership = operations.membership_for(organisation)
    form = forms.LevelForm(data={"version": membership.version} if membership and request.method == "GET" else None)
    if membership is not None:
        form.level.choices = [c for c in form.level.choices if int(c.value) > membership.level]
        form.level.label.text = "Which level is your organisation moving up to?"
        if not form.level.choices:
            flash("Your organisation has pledged to the highest level already")
            return redirect(url_for("employers.alliance_membership"))
    if form.validate_on_submit():
        if attempt(form, lambda: operations.pledge_level(
                current_user, organisation, int(form.level.data), form.pledges(),
                expected_version=forms.as_version(form.version) if membership else None)) is not REFUSED:
            flash(f"{organisation.name} has pledged to level {form.level.data}. An administrator will verify it",
                  "success")
            return redirect(url_for("employers.alliance_membership"))
    return render_form("employers/level.html", form, organisation=organisation, membership=membership)


# --- Administrators: verifying levels ---


@bp.route("/admin/alliance")
@login_required
def membership_queue():
    policy.authorize(current_user, "alliance.verify")
    return render_template("employers/admin/queue.html", memberships=operations.pending_memberships())


@bp.route("/admin/alliance/<public_id>", methods=["GET", "POST"])
@login_required
def decide_membership(public_id: str):
    policy.authorize(current_user, "alliance.verify")
    membership = load_or_404(AllianceMembership, public_id)
    form = forms.MembershipDecisionForm(data={"version": membership.version} if request.method == "GET" else None)
    if form.validate_on_submit():
        name = membership.organisation.name
        if attempt(form, lambda: operations.decide_membership(
                current_user, membership, form.decision.data == "verify", form.reason.data or "",
                expected_version=forms.as_version(form.version))) is not REFUSED:
            flash(f"{name}: level {'verified' if form.decision.data == 'verify' else 'not verified'}", "success")
            return redirect(url_for("employers.membership_queue"))
    return render_form("employers/admin/decide.html", form, membership=membership)


# --- Employers: opportunities ---


@bp.route("/employer/opportunities")
@login_required
def my_opportunities():
    organisation = current_user.organisation
    policy.authorize(current_user, "alliance.view_own", organisation)
    return render_template("employers/my_opportunities.html", organisation=organisation,
                           opportunities=operations.organisation_opportunities(current_user),
                           membership=operations.membership_for(organisation), status=presenters.opportunity_status,
                           kinds=v.OPPORTUNITY_KINDS,
                           can_post=policy.can(current_user, "opportunity.post", organisation))


def _opportunity(public_id: str, action: str = "opportunity.view"):
    return authorized(current_user, action, Opportunity, public_id, options=operations.OPPORTUNITY_LOADING)


def _managed_opportunity(public_id: str):
    return _opportunity(public_id, "opportunity.manage")


@bp.route("/employer/opportunities/new", methods=["GET", "POST"])
@login_required
def new_opportunity():
    policy.authorize(current_user, "opportunity.post", current_user.organisation)
    if operations.membership_for(current_user.organisation) is None:
        flash("Join the Corporate Alliance before you post opportunities")
        return redirect(url_for("employers.alliance_membership"))
    return _opportunity_form(None)


@bp.route("/employer/opportunities/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit_opportunity(public_id: str):
    return _opportunity_form(_managed_opportunity(public_id))


def _opportunity_form(opportunity):
    if request.method == "GET" and opportunity is not None:
        form = forms.OpportunityForm(data=forms.OpportunityForm.data_from(opportunity))
    else:
        form = forms.OpportunityForm()
    if form.validate_on_submit():
        saved = attempt(form, lambda: operations.save_opportunity(current_user, current_user.organisation,
                                                                  form.answers(), opportunity,
                                                                  expected_version=forms.as_version(form.version)))
        if saved is not REFUSED:
            flash(f"‘{saved.title}’ has been {'posted' if opportunity is None else 'changed'}", "success")
            return redirect(url_for("employers.opportunity", public_id=saved.public_id))
    return render_form("employers/opportunity_form.html", form, opportunity=opportunity)


@bp.route("/employer/opportunities/<public_id>/close", methods=["POST"])
@login_required
def close_opportunity(public_id: str):
    opportunity = _managed_opportunity(public_id)
    form = forms.VersionForm()
    if form.validate_on_submit():
        if attempt_or_flash(lambda: operations.close_opportunity(current_user, opportunity,
                                                                 forms.as_version(form.version))) is not REFUSED:
            flash(f"‘{opportunity.title}’ has been closed", "success")
    return redirect(url_for("employers.opportunity", public_id=opportunity.public_id))


@bp.route("/employer/dashboard")
@login_required
def dashboard():
    organisation = current_user.organisation
    policy.authorize(current_user, "employer.dashboard", organisation)
    outcomes = operations.monthly_outcomes(organisation)
    return render_template("employers/dashboard.html", organisation=organisation,
                           membership=operations.membership_for(organisation),
                           results=operations.results_by_organisation([organisation.id]).get(
                               organisation.id, operations.Results()),
                           measures=presenters.dashboard_charts(outcomes))


# --- Finding opportunities ---


@bp.route("/opportunities")
@login_required
def find():
    policy.authorize(current_user, "opportunity.find")
    form = forms.SearchForm(formdata=request.args)
    form.validate()
    found, status = None, 200
    try:
        page = paging.page_number(request.args.get("page"), most=500)
        filters = operations.OpportunityFilters.parse(
            text=form.q.data or "", kinds=form.type.data or [], industries=form.sector.data or [],
            location=form.location.data or "", postcode=form.postcode.data or "", miles=form.distance.data,
            region=form.region.data or "", cpa=form.cpa.data or "", prison=form.prison.data or "")
        found = operations.find_opportunities(filters, page=page)
    except DomainError as exc:
        add_error(form, DomainError(exc.message, {"type": "type", "sector": "sector"}.get(exc.field, exc.field)))
        status = 400
    if form.errors:
        status = 400
    args = {k: request.args.getlist(k) for k in request.args if k != "page"}
    pagination = found and paging.pagination(found.page, found.pages,
                                             lambda number: url_for("employers.find", page=number, **args),
                                             label="Pages of opportunities")
    return render_template("employers/find.html", form=form, found=found, pagination=pagination,
                           kinds=v.OPPORTUNITY_KINDS, industries=v.INDUSTRIES), status


@bp.route("/opportunities/<public_id>")
@login_required
def opportunity(public_id: str):
    opportunity = _opportunity(public_id)
    return render_template("employers/opportunity.html", opportunity=opportunity,
                           rows=presenters.opportunity_rows(opportunity),
                           status=presenters.opportunity_status(opportunity),
                           can_manage=policy.can(current_user, "opportunity.manage", opportunity),
                           can_nominate=policy.can(current_user, "nomination.create", opportunity)
                           and operations.is_findable(opportunity),
                           close_form=forms.VersionForm(data={"version": opportunity.version}))


@bp.route("/opportunities/<public_id>/nominate", methods=["GET", "POST"])
@login_required
def nominate(public_id: str):
    opportunity = _opportunity(public_id)
    policy.authorize(current_user, "nomination.create", opportunity)
    form = forms.NominationForm()
    if form.validate_on_submit():
        nomination = attempt(form, lambda: operations.nominate(current_user, opportunity, form.answers()))
        if nomination is not REFUSED:
            flash(f"The nomination has been sent to {opportunity.organisation.name}. Its reference is "
                  f"{nomination.reference}", "success")
            return redirect(url_for("employers.nomination", public_id=nomination.public_id))
    return render_form("employers/nominate.html", form, opportunity=opportunity,
                       reference_hint="A CRN, like X123456" if current_user.role == "offender_manager"
                       else "A prison number, like A1234BC")


# --- Nominations ---


@bp.route("/nominations")
@login_required
def nominations():
    policy.authorize(current_user, "nomination.list")
    state = request.args.get("state", "")
    found = operations.list_nominations(current_user, state if state in v.STEPS else None)
    rows = presenters.nomination_rows(found)  # before the commit expires what it reads
    db.session.commit()  # the audit record of who saw the list
    return render_template("employers/nominations.html", rows=rows,
                           is_employer=current_user.role == "employer", state=state, steps=v.STEPS)


def _nomination_or_404(public_id: str):
    return authorized(current_user, "nomination.view", Nomination, public_id, options=operations.NOMINATION_LOADING)


@bp.route("/nominations/<public_id>")
@login_required
def nomination(public_id: str):
    nomination = _nomination_or_404(public_id)
    party = operations.view_nomination(current_user, nomination)
    db.session.commit()
    return render_template("employers/nomination.html",
                           nomination=presenters.nomination_view(nomination, party, current_user))


@bp.route("/nominations/<public_id>/<step>", methods=["GET", "POST"])
@login_required
def record_step(public_id: str, step: str):
    nomination = _nomination_or_404(public_id)
    if step not in operations.allowed_steps(current_user, nomination):
        if step in v.STEPS and step in v.TRANSITIONS[nomination.state]:
            abort(403)
        flash(f"That step cannot be recorded now: this nomination is at ‘{v.STEPS[nomination.state].label}’")
        return redirect(url_for("employers.nomination", public_id=nomination.public_id))
    form = forms.StepForm(data={"version": nomination.version} if request.method == "GET" else None)
    form.on_date.label.text = v.STEPS[step].date_label
    form.on_date.required_message = f"Enter the {v.STEPS[step].date_label.lower()}"
    if form.validate_on_submit():
        if attempt(form, lambda: operations.record_step(
                current_user, nomination, step, form.on_date.data, reason=form.reason.data or "",
                note=form.note.data or "", expected_version=forms.as_version(form.version))) is not REFUSED:
            flash(f"{nomination.reference}: ‘{v.STEPS[step].label}’ has been recorded", "success")
            return redirect(url_for("employers.nomination", public_id=nomination.public_id))
    return render_form("employers/step.html", form, nomination=nomination, step=step, step_info=v.STEPS[step])

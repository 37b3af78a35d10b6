"""Referral pages: starting from a service, the draft's task list and question pages, checking and sending, the
referral page both sides share, one page per step, amendments, and the dashboards.

Thin: each view finds the referral (404 for anyone who may not see it), checks the step is allowed, parses its
form, calls one operation, commits and redirects; or re-renders with 400 and the field errors. A stale version
re-renders the same form with a 409, keeping what was typed and saying someone else changed the referral.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import paging, policy
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.referrals import operations, presenters, rules
from portal.referrals.blueprint import bp
from portal.referrals.forms import (
    AdditionalForm,
    AssignForm,
    BookForm,
    ConsentForm,
    ContactForm,
    EscalationForm,
    LocationForm,
    NeedsForm,
    PersonForm,
    ReasonForm,
    ReferrerForm,
    RiskForm,
    SessionForm,
    StepForm,
    complete_form,
    needs_form,
)
from portal.referrals.models import Referral
from portal.referrals.workflow import AMENDABLE, TRANSITIONS, Actor, State
from portal.views import REFUSED, add_error, attempt_or_flash, render_form

PER_PAGE = 25
CONFLICT_FORM = ("Someone else changed this referral while you were working on it, so what you entered below has "
                 "not been saved. Check the latest version of the referral, then send this form again if your "
                 "answers are still right.")

SECTION_FORMS = {"person": PersonForm, "location": LocationForm, "contact": ContactForm, "risk": RiskForm,
                 "consent": ConsentForm, "additional": AdditionalForm,
                 "referrer": ReferrerForm}


def _version(form) -> int | None:
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


def _conflict(template: str, form, referral: Referral, **context):
    """Someone else changed the referral first: the same page, what was typed kept, and a 409."""
    db.session.rollback()
    form.version.data = str(referral.version)  # sending again is now a decision taken knowing that
    form.form_errors.append(CONFLICT_FORM)
    return render_template(template, form=form, referral=referral, conflict=True, **context), 409


def _moved_on(form, referral: Referral, message: str, context: dict):
    """The referral moved on (someone else took a step) while this form was open: a 409 showing the form as it
    was sent, so a typed comment or notes can be copied, and no button to send it again."""
    db.session.rollback()
    form.form_errors.append(f"Someone else changed this referral while you were working on it. {message}. What you "
                            "entered is shown below but has not been saved.")
    return render_template("referrals/step.html", form=form, referral=referral, conflict=True, moved_on=True,
                           **context), 409


def _referral_page(referral: Referral):
    return redirect(url_for("referrals.referral", public_id=referral.public_id))


# --- Starting from a service ---

@bp.route("/services/<service_uuid>/refer", methods=["GET", "POST"])
@login_required
def start(service_uuid: str):
    policy.authorize(current_user, "referral.create")
    service = operations.service_for_referral(service_uuid)
    if service is None:
        abort(404)
    barrier = operations.referral_barrier(service)
    form = StepForm()
    if not barrier and form.validate_on_submit():
        referral = operations.start_draft(current_user, service)
        db.session.commit()
        return redirect(url_for("referrals.draft", public_id=referral.public_id))
    return render_template("referrals/start.html", service=service, barrier=barrier, form=form)


# --- The draft ---

def _draft_or_redirect(public_id: str):
    """The draft, if the user may edit it; a sent referral's old draft links lead to the referral page."""
    referral = operations.referral_for(current_user, public_id)
    if referral.state != State.DRAFT:
        return None, _referral_page(referral)
    policy.authorize(current_user, "referral.edit_draft", referral, secret=True)
    return referral, None


@bp.route("/referrals/<public_id>/draft")
@login_required
def draft(public_id: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    suggestions = operations.suggest_services(referral)
    db.session.commit()
    return render_template("referrals/draft.html", referral=referral, tasks=presenters.task_list(referral),
                           suggestions=suggestions, form=None, change_form=StepForm(),
                           barrier=operations.referral_barrier(referral.service),
                           ready=not operations.missing_answers(referral))


def _section_form(section: str, referral: Referral, amending: bool = False):
    if section not in presenters.SECTIONS:
        abort(404)
    form_class = SECTION_FORMS.get(section)
    if request.method == "POST":
        form = needs_form() if section == "needs" else form_class()
    else:
        values = operations.answers_of(referral)
        initial = (form_class or NeedsForm).initial(values)
        data = {**initial, "version": str(referral.version)}
        form = needs_form(data=data) if section == "needs" else form_class(data=data)
    if amending:
        form.reason.label.text = "Why are you changing the referral?"
    return form


def _render_section(form, referral: Referral, section: str, amending: bool, status: int | None = None):
    context = {"referral": referral, "section": presenters.SECTIONS[section], "amending": amending,
               "extra_outcome": request.form.get("add_outcome") == "yes"}
    if status:
        return render_template("referrals/section.html", form=form, **context), status
    return render_form("referrals/section.html", form, **context)


@bp.route("/referrals/<public_id>/draft/<section>", methods=["GET", "POST"])
@login_required
def section(public_id: str, section: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    form = _section_form(section, referral)
    if request.method == "GET":
        operations.record_view(current_user, referral, f"draft: {section}")
        db.session.commit()
    elif request.form.get("add_outcome") == "yes":  # "Add another outcome" without JavaScript: nothing saved yet
        return _render_section(form, referral, section, False, 200)
    elif form.validate_on_submit():
        try:
            operations.save_draft(current_user, referral, form.answers(), expected_version=_version(form))
            missing = [(name, message) for name, message in operations.missing_answers(referral)
                       if name in presenters.SECTIONS[section].fields]
            if missing:
                raise InvalidInput(missing)
        except Conflict:
            return _conflict("referrals/section.html", form, referral, section=presenters.SECTIONS[section],
                             amending=False, extra_outcome=False)
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("referrals.draft", public_id=referral.public_id))
    return _render_section(form, referral, section, False)


@bp.route("/referrals/<public_id>/check")
@login_required
def check(public_id: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    operations.record_view(current_user, referral, "check answers")
    db.session.commit()
    return _render_check(referral, StepForm(data={"version": str(referral.version)}))


def _render_check(referral: Referral, form, status: int = 200, conflict: bool = False):
    return render_template(
        "referrals/check.html", referral=referral, form=form, conflict=conflict,
        sections=presenters.answer_sections(referral, current_user, "draft"),
        missing=presenters.missing_links(referral), warnings=operations.eligibility_warnings(referral),
        refusal=operations.risk_refusal(referral), barrier=operations.referral_barrier(referral.service)), status


@bp.route("/referrals/<public_id>/send", methods=["POST"])
@login_required
def send(public_id: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    form = StepForm()
    if form.validate_on_submit():
        try:
            operations.apply(current_user, referral, "send", expected_version=_version(form))
        except Conflict:
            db.session.rollback()
            form.version.data = str(referral.version)
            form.form_errors.append(CONFLICT_FORM)
            return _render_check(referral, form, 409, conflict=True)
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("referrals.sent", public_id=referral.public_id))
    return _render_check(referral, form, 400)


@bp.route("/referrals/<public_id>/sent")
@login_required
def sent(public_id: str):
    referral = operations.referral_for(current_user, public_id)
    if referral.state == State.DRAFT or Actor.REFERRER not in rules.referral_actors(current_user, referral):
        return _referral_page(referral)
    return render_template("referrals/sent.html", referral=referral, due=operations.response_due(referral))


@bp.route("/referrals/<public_id>/service", methods=["POST"])
@login_required
def change_service(public_id: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    form = StepForm()
    if form.validate_on_submit():
        service = operations.service_for_referral(request.form.get("service", ""))
        if service is None:
            flash("Choose a service from the suggestions or the directory")
            return redirect(url_for("referrals.draft", public_id=referral.public_id))
        if attempt_or_flash(lambda: operations.change_service(current_user, referral, service,
                                                              expected_version=_version(form))) is not REFUSED:
            flash(f"The referral is now to {service.name}", "success")
    return redirect(url_for("referrals.draft", public_id=referral.public_id))


@bp.route("/referrals/<public_id>/delete", methods=["GET", "POST"])
@login_required
def delete_draft(public_id: str):
    referral, elsewhere = _draft_or_redirect(public_id)
    if elsewhere:
        return elsewhere
    form = StepForm()
    if form.validate_on_submit():
        reference = referral.reference
        operations.delete_draft(current_user, referral)
        db.session.commit()
        flash(f"Draft referral {reference} has been deleted", "success")
        return redirect(url_for("referrals.dashboard"))
    return render_template("referrals/delete.html", referral=referral, form=form)


# --- The referral page, both sides ---

@bp.route("/referrals/<public_id>")
@login_required
def referral(public_id: str):
    item = operations.referral_for(current_user, public_id)
    operations.record_view(current_user, item)
    db.session.commit()
    if item.state == State.DRAFT:
        return redirect(url_for("referrals.draft", public_id=item.public_id))
    return render_template("referrals/referral.html", page=presenters.referral_page(item, current_user))


# --- Amending after sending (the referring side) ---

@bp.route("/referrals/<public_id>/change/<section>", methods=["GET", "POST"])
@login_required
def amend(public_id: str, section: str):
    referral = operations.referral_for(current_user, public_id)
    policy.authorize(current_user, "referral.amend", referral)
    if referral.state == State.DRAFT:
        return redirect(url_for("referrals.section", public_id=referral.public_id, section=section))
    if referral.state not in AMENDABLE:
        flash(f"The referral is {State(referral.state).label.lower()}, so its details can no longer be changed")
        return _referral_page(referral)
    form = _section_form(section, referral, amending=True)
    if request.method == "GET":
        operations.record_view(current_user, referral, f"change: {section}")
        db.session.commit()
    elif request.form.get("add_outcome") == "yes":
        return _render_section(form, referral, section, True, 200)
    elif form.validate_on_submit():
        try:
            operations.amend(current_user, referral, form.answers(), form.reason.data,
                             expected_version=_version(form))
        except Conflict:
            return _conflict("referrals/section.html", form, referral, section=presenters.SECTIONS[section],
                             amending=True, extra_outcome=False)
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            flash("The referral has been changed. The provider has been told", "success")
            return _referral_page(referral)
    return _render_section(form, referral, section, True)


# --- The decision after a risk escalation (the referring side) ---

@bp.route("/referrals/<public_id>/risk-escalation", methods=["GET", "POST"])
@login_required
def decide_escalation(public_id: str):
    referral = operations.referral_for(current_user, public_id)
    if not referral.escalation_pending:
        flash("There is no risk escalation waiting for a decision on this referral")
        return _referral_page(referral)
    policy.authorize(current_user, "referral.decide_escalation", referral)
    form = EscalationForm(data={"version": str(referral.version)} if request.method == "GET" else None)
    context = {"directory_href": url_for("directory.search", high_risk="approved")}
    if form.validate_on_submit():
        try:
            operations.decide_escalation(current_user, referral, form.decision.data or None,
                                         plan_document=form.plan_document.data or "",
                                         review_date=form.review_date.data, comment=form.comment.data or "",
                                         expected_version=_version(form))
        except Conflict:
            return _conflict("referrals/escalation.html", form, referral, **context)
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            if referral.escalation_decision == "refer-on":
                flash("You have withdrawn the referral. The provider has been told. Refer the person to a "
                      "public-sector service or one approved for high-risk cases", "success")
            else:
                flash("The provider continues under the risk management plan, paid as fee for service. The "
                      "provider has been told", "success")
            return _referral_page(referral)
    return render_form("referrals/escalation.html", form, referral=referral, **context)


# --- One page per step ---

STEP_PAGES = {  # step -> (URL slug, page heading)
    "accept": ("accept", "Accept this referral"),
    "decline": ("decline", "Decline this referral"),
    "assign": ("assign", "Assign a caseworker"),
    "book": ("book", "Book the first appointment"),
    "record_session": ("record-session", "Record a session"),
    "complete": ("complete", "Complete the referral"),
    "withdraw": ("withdraw", "Withdraw this referral"),
    "end_early": ("end-early", "End the service early"),
}
REASON_WORDING = {  # step -> (legend, comment label)
    "decline": ("Why are you declining the referral?", "Comment for the probation practitioner"),
    "withdraw": ("Why are you withdrawing the referral?", "Comment for the provider"),
    "end_early": ("Why is the service ending early?", "Comment for the probation practitioner"),
}
DONE = {
    "accept": "You have accepted the referral. Risk details are now shown below",
    "decline": "You have declined the referral. The probation practitioner has been told",
    "assign": "The referral has been assigned",
    "book": "The first appointment has been booked. The probation practitioner has been told",
    "record_session": "The session has been recorded",
    "complete": "The referral is complete. The probation practitioner has been sent the end-of-service report",
    "withdraw": "You have withdrawn the referral. The provider has been told",
    "end_early": "The service has been ended early. The probation practitioner has been told",
}


def _step_form(step: str, referral: Referral):
    data = {"version": str(referral.version)} if request.method == "GET" else None
    if step in REASON_WORDING:
        legend, comment = REASON_WORDING[step]
        return ReasonForm(TRANSITIONS[step].reasons, legend, comment, data=data)
    if step == "assign":
        people = operations.caseworkers(referral)
        if presenters.is_caseworker(current_user):
            people = [u for u in people if u.id == current_user.id]
        return AssignForm(people, data=data)
    if step == "book":
        return BookForm(data=data)
    if step == "record_session":
        return SessionForm(data=data)
    if step == "complete":
        return complete_form(referral.desired_outcomes or [], data=data)
    return StepForm(data=data)


def _step_input(step: str, form) -> operations.StepInput:
    if step in REASON_WORDING:
        return operations.StepInput(reason_code=form.reason_code.data or None, comment=form.comment.data or "")
    if step == "assign":
        chosen = form.people.get(form.caseworker.data or "")
        if presenters.is_caseworker(current_user):
            chosen = current_user._get_current_object()
        return operations.StepInput(caseworker=chosen)
    if step == "book":
        return operations.StepInput(appointment_at=form.when)
    if step == "record_session":
        return operations.StepInput(session_at=form.when, attendance=form.attendance.data or None,
                                    notes=form.notes.data or "")
    if step == "complete":
        return operations.StepInput(achievements=form.achievements, report=form.report.data or "")
    return operations.StepInput()


# Field names the operations use -> the form field that shows the message
STEP_FIELDS = {"appointment_at": "when_date", "session_at": "when_date", "achievements": "report"}


def _take_step(step: str, public_id: str):
    referral = operations.referral_for(current_user, public_id)
    policy.authorize(current_user, f"referral.{step}", referral)
    transition = TRANSITIONS[step]
    form = _step_form(step, referral)
    context = {"step": step, "heading": STEP_PAGES[step][1], "action": STEP_PAGES[step][0],
               "caseworker_only": step == "assign" and presenters.is_caseworker(current_user)}
    if State(referral.state) not in transition.to:
        message = (f"You cannot {transition.label.lower()} because the referral is "
                   f"{State(referral.state).label.lower()}")
        if request.method == "POST":  # someone else moved it on while this form was open: keep what was typed
            return _moved_on(form, referral, message, context)
        flash(message)
        return _referral_page(referral)
    if form.validate_on_submit():
        try:
            operations.apply(current_user, referral, step, _step_input(step, form), expected_version=_version(form))
        except Conflict:
            return _conflict("referrals/step.html", form, referral, **context)
        except DomainError as exc:
            db.session.rollback()
            if exc.field == "action":  # the state changed under the person: say so, keeping what they typed
                return _moved_on(form, referral, exc.message, context)
            if exc.field in STEP_FIELDS and exc.field not in form._fields:
                exc = DomainError(exc.message, STEP_FIELDS[exc.field])
            add_error(form, exc)
        else:
            db.session.commit()
            flash(DONE[step], "success")
            if not policy.can(current_user, "referral.view", referral):
                return redirect(url_for("referrals.dashboard"))
            return _referral_page(referral)
    return render_form("referrals/step.html", form, referral=referral, **context)


def _register_step(step: str, slug: str) -> None:
    def view(public_id: str):
        return _take_step(step, public_id)

    view.__name__ = step
    bp.add_url_rule(f"/referrals/<public_id>/{slug}", endpoint=step, view_func=login_required(view),
                    methods=["GET", "POST"])


for _step, (_slug, _) in STEP_PAGES.items():
    _register_step(_step, _slug)


# --- Dashboards ---

@bp.route("/referrals", methods=["GET", "POST"])
@login_required
def dashboard():
    policy.authorize(current_user, "referral.list")
    if request.method == "POST":
        # A search is by CRN or name: it is posted and kept on the server under a random key, never put in a URL
        # (URLs end up in access logs, browser history and bookmarks) nor in the session cookie (readable by anyone
        # who holds it: it is signed, not encrypted).
        text = operations.search_words(request.form.get("q"))
        if not text:
            return redirect(url_for("referrals.dashboard"))
        key = operations.remember_search(current_user, text)
        db.session.commit()
        return redirect(url_for("referrals.dashboard", search=key))
    tabs = operations.dashboard_tabs(current_user)
    tab = request.args.get("tab") if request.args.get("tab") in tabs else next(iter(tabs))
    search = request.args.get("search") or None
    text = operations.recalled_search(current_user, search)
    page = paging.page_number(request.args.get("page"), most=9_999)
    rows, total = operations.dashboard_page(current_user, tab, text, page, PER_PAGE)
    counts = operations.dashboard_counts(current_user)
    shown = presenters.dashboard_rows(rows, current_user)  # before the commit expires the rows it reads
    db.session.commit()  # the audit record of who saw which referrals
    shown_search = search if text else None
    pagination = paging.pagination(
        page, paging.page_count(total, PER_PAGE),
        lambda number: url_for("referrals.dashboard", tab=tab, search=shown_search, page=number),
        label="Pages of referrals")
    return render_template("referrals/dashboard.html", tabs=tabs, tab=tab, counts=counts, text=text,
                           rows=shown, total=total, pagination=pagination, search=shown_search,
                           side=operations.dashboard_side(current_user),
                           can_create=policy.can(current_user, "referral.create"))

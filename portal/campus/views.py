"""Learner pages: kiosk sign-in and sign-out, learning, the CV builder, the market place and messages.

Every page here is reached only through a live kiosk session (see gate.py) and uses the learner layout, which
links nowhere outside the campus and loads nothing from any other host.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import abort, flash, g, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.exceptions import Forbidden

from portal import policy
from portal.accounts.roles import Role
from portal.campus import operations, presenters, rendering
from portal.campus.blueprint import bp
from portal.campus.forms import ConfirmForm, CvEntryForm, CvForm, KioskSignInForm, MarketSearchForm, MessageForm
from portal.campus.gate import SESSION_KEY, signed_out_response
from portal.campus.models import EndReason
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.views import REFUSED, add_error, attempt, attempt_or_flash, render_form
from search import SearchError


def learner_only(view):
    """A page for a learner in a live session (the gate has checked it). Others: the kiosk sign-in, or 403."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("campus.kiosk"))
        if current_user.role != Role.LEARNER:
            raise Forbidden("This page is for learners on the Virtual Campus")
        g.learner = operations.learner_of(current_user)
        return view(*args, **kwargs)
    return wrapped


# --- Signing in and out at the kiosk ---

@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def kiosk():
    if current_user.is_authenticated:
        if current_user.role == Role.LEARNER:
            return redirect(url_for("campus.learner_home"))
        raise Forbidden("Staff cannot sign in as a learner. Sign out first, then let the learner sign in")
    form = KioskSignInForm()
    if form.validate_on_submit():
        try:
            kiosk_session = operations.kiosk_sign_in(form.prison_number.data, form.code.data)
        except DomainError as exc:
            db.session.commit()  # count the wrong code
            add_error(form, exc)
        else:
            user = kiosk_session.learner.user
            public_id = kiosk_session.public_id
            db.session.commit()
            session.clear()
            login_user(user)
            session[SESSION_KEY] = public_id
            session["last_active"] = time.time()
            return redirect(url_for("campus.learner_home"))
    return render_form("campus/kiosk.html", form)


@bp.route("/signed-out")
def session_ended():
    reason = request.args.get("reason", "")
    return render_template("campus/session_ended.html", reason=EndReason.LABELS.get(reason, ""),
                           idle=reason == EndReason.IDLE)


@bp.route("/sign-out", methods=["GET", "POST"])
@learner_only
def learner_sign_out():
    if request.method == "GET":
        return render_template("campus/sign_out.html", form=ConfirmForm())
    if ConfirmForm().validate_on_submit():
        operations.end_session(g.kiosk_session, EndReason.SIGNED_OUT, current_user._get_current_object())
        db.session.commit()
        return signed_out_response(EndReason.SIGNED_OUT)
    abort(400)


@bp.route("/keep-alive", methods=["POST"])
@learner_only
def keep_alive():
    return jsonify({"ok": True, "idle_timeout_seconds": operations.IDLE_MINUTES * 60})


# --- Home, learning and progress ---

@bp.route("/")
@learner_only
def learner_home():
    return render_template("campus/learner/home.html", home=presenters.learner_home(g.learner, g.kiosk_session))


@bp.route("/learning")
@learner_only
def learning():
    return render_template("campus/learner/learning.html",
                           topics=presenters.library(operations.progress_of(g.learner)))


@bp.route("/learning/<public_id>")
@learner_only
def content(public_id: str):
    item = operations.published_item(public_id)
    progress = next(p for p in operations.progress_of(g.learner) if p.item.id == item.id)
    return render_template("campus/learner/content.html", item=item, progress=progress)


@bp.route("/learning/lessons/<public_id>", methods=["GET", "POST"])
@learner_only
def lesson(public_id: str):
    lesson_ = operations.published_lesson(public_id)
    form = ConfirmForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        answers = {q.id: request.form.get(f"question-{q.id}", "") for q in lesson_.questions}
        try:
            progress = operations.complete_lesson(current_user, lesson_, answers)
        except DomainError as exc:
            db.session.rollback()
            errors = dict(getattr(exc, "errors", [(exc.field, exc.message)]))
        else:
            db.session.commit()
            message = (f"Lesson completed. You got {progress.score} out of {progress.out_of}"
                       if progress.out_of else "Lesson completed")
            flash(message, "success")
            following = presenters.next_lesson(lesson_)
            return redirect(url_for("campus.lesson", public_id=following.public_id) if following
                            else url_for("campus.content", public_id=lesson_.content.public_id))
    status = 400 if errors else 200
    return render_template("campus/learner/lesson.html", lesson=lesson_, body=rendering.render_markdown(lesson_.body),
                           form=form, errors=errors, answers=request.form), status


@bp.route("/images/<public_id>")
def image(public_id: str):
    policy.authorize(current_user, "campus.image.view")
    found = presenters.image_file(public_id)
    if found is None:
        abort(404)
    data, media_type = found
    response = make_response(data)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- The CV ---

@bp.route("/cv", methods=["GET", "POST"])
@learner_only
def cv():
    cv_ = operations.cv_for(g.learner)
    form = CvForm(obj=cv_)
    if form.validate_on_submit():
        if attempt(form, lambda: operations.update_cv(current_user, form.personal_statement.data, form.skills.data,
                                                      form.references.data, form.disclosure.data)) is not REFUSED:
            flash("Your CV has been saved", "success")
            return redirect(url_for("campus.cv"))
    db.session.commit()
    return render_form("campus/learner/cv.html", form, cv=cv_, confirm=ConfirmForm(),
                       has_content=operations.cv_has_content(cv_), learner=g.learner)


@bp.route("/cv/entries/new", methods=["GET", "POST"])
@learner_only
def cv_entry_add():
    form = CvEntryForm()
    if request.method == "GET" and request.args.get("kind"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        if attempt(form, lambda: operations.add_cv_entry(current_user, form.kind.data, form.title.data, form.place.data,
                                                         form.dates.data, form.description.data)) is not REFUSED:
            flash("The entry has been added to your CV", "success")  # its words stay out of the session cookie
            return redirect(url_for("campus.cv"))
    return render_form("campus/learner/cv_entry.html", form)


@bp.route("/cv/entries/<public_id>/remove", methods=["POST"])
@learner_only
def cv_entry_remove(public_id: str):
    if ConfirmForm().validate_on_submit():
        operations.remove_cv_entry(current_user, public_id)
        db.session.commit()
        flash("The entry has been removed from your CV", "success")
    return redirect(url_for("campus.cv"))


@bp.route("/cv/pdf")
@learner_only
def cv_pdf():
    cv_ = operations.cv_for(g.learner)
    db.session.commit()
    return presenters.pdf_response(rendering.cv_pdf(operations.cv_snapshot(cv_)), "cv.pdf")


@bp.route("/cv/share", methods=["POST"])
@learner_only
def cv_share():
    if ConfirmForm().validate_on_submit():
        if attempt_or_flash(lambda: operations.share_cv_with_offender_manager(current_user)) is not REFUSED:
            flash("Your offender manager can now see your CV as it is today", "success")
    return redirect(url_for("campus.cv"))


# --- The market place ---

@bp.route("/market")
@learner_only
def market():
    form = MarketSearchForm(formdata=request.args)
    form.pathway.choices = presenters.pathway_choices()
    if request.args.get("q") is not None or request.args.get("pathway") is not None:
        form.validate()  # a first visit has asked nothing yet, so there is nothing to check
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() else 1
    result, problem = None, None
    try:
        result = operations.find_services(g.learner, form.q.data or "", form.pathway.data or "", page)
    except (SearchError, DomainError) as exc:
        problem = getattr(exc, "message", None) or "Search is not working at the moment. Try again later."
    db.session.commit()
    return render_template("campus/learner/market.html", form=form,
                           market=presenters.market(g.learner, result, operations.find_opportunities(g.learner,
                                                                                                    form.q.data or "")),
                           interests=operations.learner_interests(g.learner), problem=problem)


@bp.route("/market/services/<service_uuid>")
@learner_only
def market_service(service_uuid: str):
    service = operations.market_service(service_uuid)
    return render_template("campus/learner/service.html", service=presenters.market_service(service))


# --- Messages ---

@bp.route("/messages")
@learner_only
def messages():
    return render_template("campus/learner/messages.html",
                           conversations=presenters.conversations(operations.learner_messages(current_user)),
                           learner=g.learner)


@bp.route("/messages/contacts")
@learner_only
def contacts():
    text = request.args.get("q", "")[:100]
    return render_template("campus/learner/contacts.html", q=text,
                           organisations=operations.find_contacts(text) if text.strip() else [])


@bp.route("/messages/with/<organisation_id>")
@learner_only
def conversation(organisation_id: str):
    organisation = operations.approved_contact(organisation_id)
    if organisation is None:
        abort(404)
    thread = [m for m in operations.learner_messages(current_user) if m.organisation_id == organisation.id]
    for message in thread:
        if not message.from_learner:
            operations.mark_read(current_user, message)
    db.session.commit()
    return render_template("campus/learner/conversation.html", organisation=organisation, thread=thread,
                           cannot_write=operations.can_write(g.learner, organisation))


@bp.route("/messages/with/<organisation_id>/write", methods=["GET", "POST"])
@learner_only
def write(organisation_id: str):
    organisation = operations.approved_contact(organisation_id)
    if organisation is None:
        abort(404)
    problem = operations.can_write(g.learner, organisation)
    form = MessageForm()
    if request.method == "GET":
        form.subject.data = presenters.interest_subject(request.args.get("service", ""), organisation,
                                                        request.args.get("opportunity", ""))
    if problem is None and form.validate_on_submit():
        if attempt(form, lambda: operations.send_message_about(
                current_user, organisation, form.subject.data, form.body.data, form.include_cv.data,
                request.args.get("opportunity", "")[:40])) is not REFUSED:
            flash("Your message has been sent for checking. Staff at your prison will check it before it is "
                  "delivered", "success")
            return redirect(url_for("campus.conversation", organisation_id=organisation.public_id))
    return render_form("campus/learner/write.html", form, organisation=organisation, problem=problem,
                       rules=operations.MESSAGE_RULES)


@bp.app_template_global("campus_opportunity_status")
def _campus_opportunity_status(opportunity):
    """For the employer's own pages (drawn by employers): whether learners see the opportunity, and why not."""
    return operations.campus_status(opportunity)


@bp.app_template_filter("campus_clock")
def campus_clock(value) -> str:
    return presenters.clock(value)

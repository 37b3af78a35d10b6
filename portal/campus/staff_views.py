"""Staff pages: prison staff (learners, sessions, checking messages), organisations' campus inboxes, and CVs
shared with offender managers. Thin: each view calls one operation; the rules and access checks are there and
in portal.policy."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import policy
from portal.campus import operations, presenters, rendering
from portal.campus.blueprint import bp
from portal.campus.forms import (
    BlockForm,
    ConfirmForm,
    DecisionForm,
    InterestNominationForm,
    LearnerForm,
    NotTakenForm,
    OffenderManagerForm,
    OpenSessionForm,
    OpportunityDecisionForm,
    ReasonForm,
    ReplyForm,
    TransferForm,
)
from portal.campus.models import EndReason
from portal.extensions import db
from portal.forms import choices
from portal.reference.models import Prison
from portal.views import REFUSED, attempt, attempt_or_flash, render_form


def _details(form: LearnerForm) -> operations.LearnerDetails:
    return operations.LearnerDetails(form.name.data, form.prison_number.data, form.release_date_value,
                                     form.release_area.data)


# --- Prison staff: learners and sessions ---

@bp.route("/staff")
@login_required
def staff_home():
    policy.authorize(current_user, "campus.manage_learners")
    sessions = operations.live_sessions(current_user)
    waiting = operations.messages_to_check(current_user)
    interested = operations.interests_to_handle(current_user)
    db.session.commit()
    return render_template("campus/staff/home.html", sessions=sessions, waiting=waiting, interested=interested,
                           confirm=ConfirmForm(),
                           clock=presenters.clock, minutes_left=presenters.minutes_left)


@bp.route("/staff/interests")
@login_required
def interests():
    interests_ = operations.interests_to_handle(current_user)
    return render_template("campus/staff/interests.html", interests=interests_,
                           opportunity_of=operations.opportunity_of)


@bp.route("/staff/interests/<public_id>", methods=["GET", "POST"])
@login_required
def interest(public_id: str):
    interest_ = operations.interest_for_staff(current_user, public_id)
    opportunity = operations.opportunity_of(interest_)
    form = InterestNominationForm(data={"first_name": interest_.learner.name.split(" ")[0]}
                                  if request.method == "GET" else None)
    if interest_.state == "waiting" and form.validate_on_submit():
        nomination = attempt(form, lambda: operations.nominate_from_interest(current_user, interest_, form.answers()))
        if nomination is not REFUSED:
            flash(f"{interest_.learner.name} has been put forward to {opportunity.organisation.name}: nomination "
                  f"{nomination.reference}", "success")
            return redirect(url_for("campus.interests"))
    return render_form("campus/staff/interest.html", form, interest=interest_, opportunity=opportunity,
                       nominate=form, not_taken=NotTakenForm(prefix="not"))


@bp.route("/staff/interests/<public_id>/not-taken", methods=["POST"])
@login_required
def interest_not_taken(public_id: str):
    interest_ = operations.interest_for_staff(current_user, public_id)
    not_taken = NotTakenForm(prefix="not")
    if not_taken.validate_on_submit():
        if attempt(not_taken, lambda: operations.not_taken_forward(current_user, interest_,
                                                                   not_taken.reason.data)) is not REFUSED:
            flash(f"Recorded: {interest_.learner.name} is not being put forward", "success")
            return redirect(url_for("campus.interests"))
    return render_form("campus/staff/interest.html", not_taken, interest=interest_,
                       opportunity=operations.opportunity_of(interest_), nominate=InterestNominationForm(formdata=None),
                       not_taken=not_taken)


@bp.route("/staff/learners")
@login_required
def learners():
    policy.authorize(current_user, "campus.manage_learners")
    return render_template("campus/staff/learners.html", learners=operations.learners_at(current_user),
                           area=operations.release_area_label)


@bp.route("/staff/learners/new", methods=["GET", "POST"])
@login_required
def new_learner():
    policy.authorize(current_user, "campus.manage_learners")
    form = LearnerForm()
    if form.validate_on_submit():
        learner = attempt(form, lambda: operations.create_learner(current_user, _details(form)))
        if learner is not REFUSED:
            flash("The learner's campus account has been created", "success")
            return redirect(url_for("campus.learner", public_id=learner.public_id))
    return render_form("campus/staff/learner_form.html", form, learner=None)


@bp.route("/staff/learners/<public_id>")
@login_required
def learner(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    return render_template(
        "campus/staff/learner.html", learner=learner_, area=operations.release_area_label(learner_.release_area),
        sessions=operations.recent_sessions(learner_), progress=operations.progress_of(learner_),
        history=operations.learner_message_history(learner_), blocks=operations.active_blocks(learner_),
        contacts=operations.contact_summary(learner_),
        session_form=OpenSessionForm(), confirm=ConfirmForm(), om_form=OffenderManagerForm(
            offender_manager_email=learner_.offender_manager.email if learner_.offender_manager else ""))


@bp.route("/staff/learners/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit_learner(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = LearnerForm()
    if request.method == "GET":
        form.name.data, form.prison_number.data = learner_.name, learner_.prison_number
        form.release_date.data = learner_.release_date.strftime("%-d %-m %Y") if learner_.release_date else ""
        form.release_area.data = learner_.release_area
    if form.validate_on_submit():
        if attempt(form, lambda: operations.update_learner(current_user, learner_, _details(form))) is not REFUSED:
            flash("The learner's details have been saved", "success")
            return redirect(url_for("campus.learner", public_id=public_id))
    return render_form("campus/staff/learner_form.html", form, learner=learner_)


@bp.route("/staff/learners/<public_id>/offender-manager", methods=["POST"])
@login_required
def set_offender_manager(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = OffenderManagerForm()
    if form.validate_on_submit():
        if attempt_or_flash(lambda: operations.set_offender_manager(current_user, learner_,
                                                                    form.offender_manager_email.data)) is not REFUSED:
            flash("The learner's offender manager has been saved", "success")
    return redirect(url_for("campus.learner", public_id=public_id))


@bp.route("/staff/learners/<public_id>/session", methods=["POST"])
@login_required
def open_session(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = OpenSessionForm()
    if form.validate_on_submit():
        opened = attempt(form, lambda: operations.open_session(current_user, learner_, int(form.minutes.data)))
        if opened is not REFUSED:
            kiosk, code = opened
            # The code is shown once, on this response (not stored, never in a URL or a log).
            return render_template("campus/staff/session_opened.html", learner=learner_, kiosk=kiosk, code=code,
                                   ends_at=presenters.clock(kiosk.expires_at))
    return render_form("campus/staff/open_session.html", form, learner=learner_)


@bp.route("/staff/sessions/<public_id>/end", methods=["POST"])
@login_required
def end_session(public_id: str):
    kiosk = operations.session_for_staff(current_user, public_id)
    if ConfirmForm().validate_on_submit():
        operations.end_session(kiosk, EndReason.ENDED_BY_STAFF, current_user)
        db.session.commit()
        flash("The learner's session has ended", "success")  # no name: flashes travel in the session cookie
    return redirect(request.form.get("back") == "learner" and url_for("campus.learner",
                                                                      public_id=kiosk.learner.public_id)
                    or url_for("campus.staff_home"))


@bp.route("/staff/sessions/<public_id>/new-code", methods=["POST"])
@login_required
def reissue_code(public_id: str):
    kiosk = operations.session_for_staff(current_user, public_id)
    if ConfirmForm().validate_on_submit():
        code = attempt_or_flash(lambda: operations.reissue_code(current_user, kiosk))
        if code is not REFUSED:
            db.session.commit()
            # The code is shown once, on this response (not stored, never in a URL or a log).
            return render_template("campus/staff/session_opened.html", learner=kiosk.learner, kiosk=kiosk, code=code,
                                   ends_at=presenters.clock(kiosk.expires_at), reissued=True)
    return redirect(url_for("campus.staff_home"))


@bp.route("/staff/learners/<public_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer_learner(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = TransferForm()
    prisons = db.session.scalars(select(Prison).order_by(Prison.name)).all()
    form.prison.choices = choices([("", "Select a prison")] + [(p.code, p.name) for p in prisons
                                                               if p.id != learner_.prison_id])
    if form.validate_on_submit():
        if attempt(form, lambda: operations.transfer_learner(current_user, learner_, form.prison.data)) is not REFUSED:
            flash("The learner has been transferred. Staff at their new prison now manage their campus account",
                  "success")
            return redirect(url_for("campus.learners"))
    return render_form("campus/staff/transfer.html", form, learner=learner_)


@bp.route("/staff/learners/<public_id>/release", methods=["GET", "POST"])
@login_required
def release_learner(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.release_learner(current_user, learner_)) is not REFUSED:
            flash("The learner has been recorded as released. They can no longer use the campus", "success")
            return redirect(url_for("campus.learner", public_id=public_id))
    return render_form("campus/staff/release.html", form, learner=learner_)


@bp.route("/staff/learners/<public_id>/messaging", methods=["GET", "POST"])
@login_required
def messaging(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = ReasonForm() if not learner_.messaging_suspended else ConfirmForm()
    if form.validate_on_submit():
        def change():
            if learner_.messaging_suspended:
                operations.resume_messaging(current_user, learner_)
            else:
                operations.suspend_messaging(current_user, learner_, form.reason.data)

        if attempt(form, change) is not REFUSED:
            flash("The learner's messages are paused" if learner_.messaging_suspended
                  else "The learner can send messages again", "success")
            return redirect(url_for("campus.learner", public_id=public_id))
    return render_form("campus/staff/messaging.html", form, learner=learner_)


@bp.route("/staff/learners/<public_id>/block", methods=["GET", "POST"])
@login_required
def block_contact(public_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    form = BlockForm()
    form.organisation.choices = choices([("", "Select an organisation")] + [
        (org.public_id, org.name) for org in operations.contacts_of(learner_)])
    if form.validate_on_submit():
        if attempt(form, lambda: operations.block_contact(current_user, learner_, form.organisation.data,
                                                          form.reason.data)) is not REFUSED:
            flash("The organisation has been blocked for this learner", "success")
            return redirect(url_for("campus.learner", public_id=public_id))
    return render_form("campus/staff/block.html", form, learner=learner_)


@bp.route("/staff/learners/<public_id>/blocks/<organisation_id>/lift", methods=["POST"])
@login_required
def lift_block(public_id: str, organisation_id: str):
    learner_ = operations.learner_for_staff(current_user, public_id)
    if ConfirmForm().validate_on_submit():
        operations.lift_block(current_user, learner_, organisation_id)
        db.session.commit()
        flash("The block has been lifted", "success")
    return redirect(url_for("campus.learner", public_id=public_id))


# --- Prison staff: checking messages ---

@bp.route("/staff/messages")
@login_required
def check_queue():
    policy.authorize(current_user, "campus.manage_learners")
    return render_template("campus/staff/check_queue.html", messages=operations.messages_to_check(current_user))


@bp.route("/staff/messages/<public_id>", methods=["GET", "POST"])
@login_required
def check_message(public_id: str):
    message = operations.message_for_staff(current_user, public_id)
    form = DecisionForm()
    if message.state == "waiting" and form.validate_on_submit():
        if attempt(form, lambda: operations.decide_message(current_user, message, form.decision.data == "approve",
                                                           form.reason.data)) is not REFUSED:
            flash("The message has been delivered" if form.decision.data == "approve"
                  else "The message has been stopped. The learner will see your reason", "success")
            return redirect(url_for("campus.check_queue"))
    return render_form("campus/staff/check_message.html", form, message=message,
                       cv=message.cv_snapshot, sections=rendering.SECTION_TITLES)


# --- Employers' opportunities checked for the campus (administrators, and staff at a prison they are open to) ---

@bp.route("/opportunities")
@login_required
def opportunities_to_check():
    return render_template("campus/staff/opportunities.html",
                           opportunities=operations.opportunities_to_check(current_user))


@bp.route("/opportunities/<public_id>", methods=["GET", "POST"])
@login_required
def check_opportunity(public_id: str):
    opportunity = operations.opportunity_for_review(current_user, public_id)
    form = OpportunityDecisionForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        if attempt(form, lambda: operations.review_opportunity(current_user, opportunity, approve,
                                                               form.reason.data)) is not REFUSED:
            flash("Learners can now see this opportunity" if approve
                  else "Learners will not see this opportunity. The employer will see your reason", "success")
            return redirect(url_for("campus.opportunities_to_check"))
    return render_form("campus/staff/check_opportunity.html", form, opportunity=opportunity,
                       status=operations.campus_status(opportunity),
                       problems=operations.text_problems(opportunity))


# --- Organisations: the campus inbox ---

@bp.route("/inbox")
@login_required
def inbox():
    policy.authorize(current_user, "campus.inbox")
    return render_template("campus/org/inbox.html", messages=operations.organisation_inbox(current_user),
                           organisation=current_user.organisation)


@bp.route("/inbox/<public_id>", methods=["GET", "POST"])
@login_required
def inbox_message(public_id: str):
    message = operations.inbox_message(current_user, public_id)
    form = ReplyForm()
    if message.from_learner and form.validate_on_submit():
        if attempt(form, lambda: operations.reply(current_user, message, form.body.data)) is not REFUSED:
            flash("Your reply has been sent. Staff at the prison check every message before the learner sees it",
                  "success")
            return redirect(url_for("campus.inbox"))
    if message.from_learner:
        operations.mark_read(current_user, message)
        db.session.commit()
    replies = [m for m in operations.organisation_inbox(current_user) if m.in_reply_to_id == message.id]
    return render_form("campus/org/message.html", form, message=message, replies=replies,
                       rules=operations.MESSAGE_RULES)


@bp.route("/inbox/<public_id>/cv.pdf")
@login_required
def inbox_cv(public_id: str):
    message = operations.inbox_message(current_user, public_id)
    if not message.cv_snapshot:
        abort(404)
    return presenters.pdf_response(rendering.cv_pdf(message.cv_snapshot), "cv.pdf")


# --- Offender managers: CVs shared with them ---

@bp.route("/shared-cvs")
@login_required
def shared_cvs():
    policy.authorize(current_user, "campus.shared_cvs")
    return render_template("campus/om/shared_cvs.html", cvs=operations.cvs_shared_with(current_user))


@bp.route("/shared-cvs/<public_id>.pdf")
@login_required
def shared_cv_pdf(public_id: str):
    cv = operations.shared_cv(current_user, public_id)
    db.session.commit()
    return presenters.pdf_response(rendering.cv_pdf(cv.shared_snapshot), "cv.pdf")

"""Writing campus content: administrators and approved providers write guides and course modules (Markdown,
sanitised when shown) and upload pictures. A provider's draft is sent for review, approved by an administrator,
then published; nothing reaches learners until it is published."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import policy
from portal.campus import operations, rendering
from portal.campus.blueprint import bp
from portal.campus.forms import ConfirmForm, ContentForm, ImageForm, LessonForm, QuestionForm, ReviewForm
from portal.campus.models import ContentImage
from portal.extensions import db
from portal.views import REFUSED, attempt, attempt_or_flash, render_form


def _details(form: ContentForm) -> operations.ContentDetails:
    return operations.ContentDetails(form.topic.data, form.title.data, form.summary.data, form.accredited_by.data)


@bp.route("/content")
@login_required
def manage_content():
    policy.authorize(current_user, "campus.content.write")
    to_review = operations.content_to_review(current_user) if policy.can(current_user, "campus.content.review") else []
    return render_template("campus/author/list.html", items=operations.authored_content(current_user),
                           to_review=to_review)


@bp.route("/content/new", methods=["GET", "POST"])
@login_required
def new_content():
    policy.authorize(current_user, "campus.content.write")
    form = ContentForm()
    if form.validate_on_submit():
        item = attempt(form, lambda: operations.create_content(current_user, _details(form)))
        if item is not REFUSED:
            flash("Saved as a draft. Add lessons, then publish it", "success")
            return redirect(url_for("campus.manage_item", public_id=item.public_id))
    return render_form("campus/author/content_form.html", form, item=None)


@bp.route("/content/<public_id>")
@login_required
def manage_item(public_id: str):
    item = operations.content_for_author(current_user, public_id)
    return render_template("campus/author/item.html", item=item, confirm=ConfirmForm(), review=ReviewForm(),
                           steps=operations.allowed_steps(current_user, item),
                           problems=operations.content_problems(item), render=rendering.render_markdown)


@bp.route("/content/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit_content(public_id: str):
    item = operations.content_for_author(current_user, public_id)
    form = ContentForm(obj=item)
    if form.validate_on_submit():
        if attempt(form, lambda: operations.update_content(current_user, item, _details(form))) is not REFUSED:
            flash("Your changes have been saved", "success")
            return redirect(url_for("campus.manage_item", public_id=public_id))
    return render_form("campus/author/content_form.html", form, item=item)


@bp.route("/content/<public_id>/lessons/new", methods=["GET", "POST"])
@login_required
def new_lesson(public_id: str):
    item = operations.content_for_author(current_user, public_id)
    form = LessonForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.add_lesson(current_user, item, form.title.data,
                                                       form.body.data)) is not REFUSED:
            flash("The lesson has been added", "success")
            return redirect(url_for("campus.manage_item", public_id=public_id))
    return render_form("campus/author/lesson_form.html", form, item=item, lesson=None)


@bp.route("/content/lessons/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit_lesson(public_id: str):
    lesson = operations.lesson_for_author(current_user, public_id)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        if attempt(form, lambda: operations.update_lesson(current_user, lesson, form.title.data,
                                                          form.body.data)) is not REFUSED:
            flash("The lesson has been saved", "success")
            return redirect(url_for("campus.manage_item", public_id=lesson.content.public_id))
    return render_form("campus/author/lesson_form.html", form, item=lesson.content, lesson=lesson)


@bp.route("/content/lessons/<public_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(public_id: str):
    lesson = operations.lesson_for_author(current_user, public_id)
    form = QuestionForm()
    if form.validate_on_submit():
        options = [form.option_1.data, form.option_2.data, form.option_3.data, form.option_4.data]
        if attempt(form, lambda: operations.add_question(current_user, lesson, form.question.data, options,
                                                         form.correct.data)) is not REFUSED:
            flash("The question has been added to the quiz", "success")
            return redirect(url_for("campus.manage_item", public_id=lesson.content.public_id))
    return render_form("campus/author/question_form.html", form, lesson=lesson)


DONE = {
    "submit": "‘{}’ has been sent for review. An administrator will check it before it can be published",
    "approve": "‘{}’ is approved: its authors can publish it now",
    "send_back": "‘{}’ has been sent back to its authors with what to change",
    "publish": "‘{}’ is published: learners can see it now",
    "withdraw": "‘{}’ is a draft again: learners do not see it",
}


def _step(public_id: str, step: str):
    item = operations.content_for_author(current_user, public_id)
    form = ReviewForm()
    if form.validate_on_submit():
        if attempt_or_flash(lambda: operations.take_step(current_user, item, step, form.note.data)) is not REFUSED:
            flash(DONE[step].format(item.title), "success")
    return redirect(url_for("campus.manage_item", public_id=public_id))


@bp.route("/content/<public_id>/submit", methods=["POST"])
@login_required
def submit_content(public_id: str):
    return _step(public_id, "submit")


@bp.route("/content/<public_id>/approve", methods=["POST"])
@login_required
def approve_content(public_id: str):
    return _step(public_id, "approve")


@bp.route("/content/<public_id>/send-back", methods=["POST"])
@login_required
def send_back_content(public_id: str):
    return _step(public_id, "send_back")


@bp.route("/content/<public_id>/publish", methods=["POST"])
@login_required
def publish_content(public_id: str):
    return _step(public_id, "publish")


@bp.route("/content/<public_id>/withdraw", methods=["POST"])
@login_required
def withdraw_content(public_id: str):
    return _step(public_id, "withdraw")


@bp.route("/content/images", methods=["GET", "POST"])
@login_required
def images():
    policy.authorize(current_user, "campus.content.write")
    form = ImageForm()
    if form.validate_on_submit():
        upload = request.files.get("image")
        data = upload.read(rendering.MAX_IMAGE_BYTES + 1) if upload else b""
        image = attempt(form, lambda: operations.upload_image(current_user, data, form.alt_text.data))
        if image is not REFUSED:
            flash(f"Picture uploaded. To show it in a lesson, write ![{image.alt_text}](image:{image.public_id})",
                  "success")
            return redirect(url_for("campus.images"))
    query = select(ContentImage).order_by(ContentImage.created_at.desc())
    if current_user.organisation is not None:
        query = query.where(ContentImage.organisation_id == current_user.organisation.id)
    return render_form("campus/author/images.html", form, uploaded=db.session.scalars(query.limit(50)).all())

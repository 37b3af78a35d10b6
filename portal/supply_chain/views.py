"""Provider staff: their organisation's Expression of Interest, its evidence documents, and the invitations into
supply chains it receives. Also the one route that serves evidence files, to whoever the policy allows.
Thin: each view checks access, validates its form, calls one operation, commits and redirects."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.lookup import authorized, load_or_404
from portal.supply_chain import operations, presenters, uploads
from portal.supply_chain import vocabulary as v
from portal.supply_chain.blueprint import bp
from portal.supply_chain.forms import ButtonForm, DocumentForm, ExpressionForm, RespondForm
from portal.supply_chain.models import ExpressionDocument, PartnershipInvitation
from portal.views import REFUSED, attempt, attempt_or_flash, render_form


def _organisation():
    organisation = current_user.organisation
    policy.authorize(current_user, "eoi.own", organisation)
    return organisation


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


@bp.route("/expression-of-interest")
@login_required
def my_expression():
    organisation = _organisation()
    expression = operations.expression_for(organisation)
    working = operations.working_version(expression)
    published = expression.published_version if expression else None
    return render_template(
        "supply_chain/expression.html", organisation=organisation, expression=expression, working=working,
        published=published, status=presenters.expression_status(expression),
        sections=presenters.sections(working), missing=operations.missing_answers(working) if working else [],
        documents=expression.documents_of(working) if expression else [], kinds=v.DOCUMENT_KINDS,
        can_edit=policy.can(current_user, "eoi.edit", organisation), form=ButtonForm(),
        history=[d for version in (expression.versions if expression else []) for d in version.decisions][::-1])


@bp.route("/expression-of-interest/edit", methods=["GET", "POST"])
@login_required
def edit_expression():
    organisation = current_user.organisation
    policy.authorize(current_user, "eoi.edit", organisation)
    expression = operations.expression_for(organisation)
    working = operations.working_version(expression)
    if request.method == "GET":
        answers = working.answers if working else {"organisation_name": organisation.name,
                                                    "description": organisation.description,
                                                    "website": organisation.website,
                                                    "sector": organisation.sector if organisation.sector in v.SECTORS
                                                    else None}
        form = ExpressionForm(data={**ExpressionForm.data_from(answers),
                                    "version": expression.version if expression else ""})
    else:
        form = ExpressionForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.save_draft(organisation, current_user, form.answers(),
                                                       expected_version=_version(form))) is not REFUSED:
            flash("Your answers have been saved as a draft", "success")
            return redirect(url_for("supply_chain.my_expression"))
    return render_form("supply_chain/edit.html", form, organisation=organisation, working=working)


def _one_button(act, done: str):
    organisation = current_user.organisation
    policy.authorize(current_user, "eoi.edit", organisation)
    expression = operations.expression_for(organisation)
    form = ButtonForm()
    if form.validate_on_submit():
        if expression is None:
            flash("Start your expression of interest first")
            return redirect(url_for("supply_chain.my_expression"))
        if attempt_or_flash(lambda: act(expression, current_user, _version(form))) is not REFUSED:
            flash(done, "success")
    return redirect(url_for("supply_chain.my_expression"))


@bp.route("/expression-of-interest/submit", methods=["POST"])
@login_required
def submit_expression():
    return _one_button(operations.submit, "Your expression of interest has been sent for review. "
                                          "An administrator will check it")


@bp.route("/expression-of-interest/withdraw", methods=["POST"])
@login_required
def withdraw_expression():
    return _one_button(operations.withdraw, "Your expression of interest has been taken back from review. "
                                            "It is a draft again")


@bp.route("/expression-of-interest/renew", methods=["POST"])
@login_required
def renew_expression():
    return _one_button(operations.renew, "Your expression of interest has been renewed for 12 months")


@bp.route("/expression-of-interest/documents", methods=["GET", "POST"])
@login_required
def upload_document():
    organisation = current_user.organisation
    policy.authorize(current_user, "eoi.edit", organisation)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(uploads.MAX_BYTES + 1) if upload else b""  # one byte over is enough to refuse it
        if attempt(form, lambda: operations.add_document(organisation, current_user, form.kind.data,
                                                         form.title.data or "", getattr(upload, "filename", "") or "",
                                                         data)) is not REFUSED:
            flash(f"‘{uploads.clean_filename(upload.filename)}’ has been added to your draft", "success")
            return redirect(url_for("supply_chain.my_expression"))
    return render_form("supply_chain/upload.html", form, max_mb=uploads.MAX_BYTES // (1024 * 1024),
                       allowed=uploads.ALLOWED_DESCRIPTION)


@bp.route("/expression-of-interest/documents/<document_id>/remove", methods=["POST"])
@login_required
def remove_document(document_id: str):
    document = load_or_404(ExpressionDocument, document_id)
    policy.authorize(current_user, "eoi.edit", document.expression.organisation, secret=True)
    if ButtonForm().validate_on_submit():
        name = document.filename
        unused = attempt_or_flash(lambda: operations.remove_document(document, current_user))
        if unused is not REFUSED:
            if unused:
                uploads.delete(unused)
            flash(f"‘{name}’ has been removed from your draft", "success")
    return redirect(url_for("supply_chain.my_expression"))


@bp.route("/supply-chain/documents/<document_id>")
@login_required
def download_document(document_id: str):
    document = authorized(current_user, "eoi.document", ExpressionDocument, document_id)
    data = uploads.read(document.stored_name)
    if data is None:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


# --- Invitations into supply chains ---

@bp.route("/supply-chain/invitations")
@login_required
def my_invitations():
    organisation = _organisation()
    return render_template("supply_chain/invitations.html", organisation=organisation,
                           invitations=operations.invitations_to(organisation))


@bp.route("/supply-chain/invitations/<invitation_id>", methods=["GET", "POST"])
@login_required
def invitation(invitation_id: str):
    found = authorized(current_user, "invitation.view", PartnershipInvitation, invitation_id)
    can_respond = policy.can(current_user, "invitation.respond", found)
    form = RespondForm()
    if request.method == "POST":
        policy.authorize(current_user, "invitation.respond", found, secret=True)
        if form.validate_on_submit():
            if attempt(form, lambda: operations.respond(found, current_user, form.decision.data,
                                                        form.note.data or "")) is not REFUSED:
                flash(f"You have {'accepted' if form.decision.data == 'accept' else 'declined'} the invitation to "
                      f"‘{found.contract_name}’", "success")
                return redirect(url_for("supply_chain.invitation", invitation_id=found.public_id))
    return render_form("supply_chain/invitation.html", form, invitation=found, can_respond=can_respond,
                       can_withdraw=policy.can(current_user, "invitation.withdraw", found),
                       button=ButtonForm())

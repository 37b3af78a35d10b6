"""Listings: provider staff write and look after their organisation's listings, administrators approve each
change, and anyone can report a problem with a published listing. Thin: each view checks access, validates its
form, calls one operation, commits and redirects."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import paging, policy
from portal.accounts.models import Organisation
from portal.directory import listing_form, operations
from portal.directory.blueprint import bp
from portal.directory.forms import ListingForm, ProblemForm, ResolveProblemForm, ReviewForm, SubmitForm
from portal.directory.models import Revision, RevisionState, Service
from portal.extensions import limiter
from portal.lookup import authorized, load_or_404
from portal.views import REFUSED, attempt, attempt_or_flash, render_form

# --- Provider staff ---


@bp.route("/provider/listings")
@login_required
def my_listings():
    organisation = current_user.organisation
    policy.authorize(current_user, "listing.list", organisation)
    return render_template("directory/manage/listings.html", organisation=organisation,
                           services=operations.organisation_listings(organisation),
                           can_edit=policy.can(current_user, "listing.edit", organisation),
                           needs_checking=operations.needs_checking)


@bp.route("/provider/listings/new", methods=["GET", "POST"])
@login_required
def new_listing():
    policy.authorize(current_user, "listing.edit", current_user.organisation)
    return _listing_form(current_user.organisation)


@bp.route("/provider/listings/<service_uuid>")
@login_required
def manage(service_uuid: str):
    service = _service(service_uuid, "listing.view")
    document = operations.working_document(service)
    return render_template("directory/manage/listing.html", service=service, document=document,
                           pending=service.pending_revision, details=operations.describe(document),
                           reports=operations.open_problem_reports(service),
                           resolved=operations.resolved_problem_reports(service),
                           needs_checking=operations.needs_checking(service),
                           can_edit=policy.can(current_user, "listing.edit", service.organisation))


@bp.route("/provider/listings/<service_uuid>/edit", methods=["GET", "POST"])
@login_required
def edit_listing(service_uuid: str):
    service = _editable_service(service_uuid)
    return _listing_form(service.organisation, service)


@bp.route("/provider/listings/<service_uuid>/submit", methods=["POST"])
@login_required
def submit_listing(service_uuid: str):
    service = _editable_service(service_uuid)
    return _one_button(service, lambda version: operations.submit(service, current_user, expected_version=version),
                       "Your listing has been sent for approval. An administrator will check it")


@bp.route("/provider/listings/<service_uuid>/confirm", methods=["POST"])
@login_required
def confirm_listing(service_uuid: str):
    service = _editable_service(service_uuid)
    return _one_button(service, lambda version: operations.confirm_still_right(service, current_user),
                       "Thank you for confirming this listing is still right")


@bp.route("/provider/listings/<service_uuid>/problems/<report_uuid>", methods=["GET", "POST"])
@login_required
def resolve_problem(service_uuid: str, report_uuid: str):
    service = _editable_service(service_uuid)
    report = operations.problem_report(service, report_uuid)
    if report is None:
        abort(404)
    form = ResolveProblemForm()
    if report.resolved_at is None and form.validate_on_submit():
        if attempt(form, lambda: operations.resolve_problem(report, current_user, form.note.data)) is not REFUSED:
            flash("The problem is marked resolved", "success")
            return redirect(url_for("directory.manage", service_uuid=service.uuid))
    return render_form("directory/manage/resolve_problem.html", form, service=service, report=report,
                       document=operations.working_document(service))


def _listing_form(organisation: Organisation, service: Service | None = None):
    """Create or change a listing: the answers become a draft; the published version stays live."""
    existing = operations.working_document(service) if service else None
    if request.method == "GET" and existing:
        form = ListingForm(data={**listing_form.answers_from(existing), "version": service.version})
    else:
        form = ListingForm()
    if form.validate_on_submit():
        document = listing_form.build_document(form.answers(), organisation, existing)
        saved = attempt(form, lambda: operations.save_draft(organisation, current_user, document, service,
                                                            expected_version=_version(form) if service else None))
        if saved is not REFUSED:
            flash("Your listing has been saved as a draft. Check it, then send it for approval", "success")
            return redirect(url_for("directory.manage", service_uuid=saved.uuid))
    return render_form("directory/manage/edit.html", form, service=service,
                       name=existing["name"] if existing else None)


def _one_button(service: Service, act, done: str):
    form = SubmitForm()
    if form.validate_on_submit():
        if attempt_or_flash(lambda: act(_version(form))) is not REFUSED:
            flash(done, "success")
    return redirect(url_for("directory.manage", service_uuid=service.uuid))


def _version(form) -> int | None:
    return int(form.version.data) if (form.version.data or "").isdigit() else None


def _service(service_uuid: str, action: str) -> Service:
    return authorized(current_user, action, Service, service_uuid, key="uuid")


def _editable_service(service_uuid: str) -> Service:
    service = load_or_404(Service, service_uuid, key="uuid")
    policy.authorize(current_user, "listing.edit", service.organisation, secret=True)
    return service


# --- Administrators ---


@bp.route("/admin/listings")
@login_required
def review_queue():
    policy.authorize(current_user, "listing.review")
    return render_template("directory/admin/queue.html", revisions=operations.pending_reviews())


@bp.route("/admin/problem-reports")
@login_required
def problem_reports():
    policy.authorize(current_user, "listing.review")
    status = "resolved" if request.args.get("status") == "resolved" else "open"
    number = paging.page_number(request.args.get("page"), most=99_999)
    reports, total = operations.problem_reports(current_user, status == "resolved", number)
    args = {"status": "resolved"} if status == "resolved" else {}
    pagination = paging.pagination(number, paging.page_count(total, operations.PROBLEMS_PER_PAGE),
                                   lambda page: url_for("directory.problem_reports", page=page, **args),
                                   label="Pages of problem reports")
    return render_template("directory/admin/problem_reports.html", reports=reports, total=total, status=status,
                           pagination=pagination)


@bp.route("/admin/listings/<revision_uuid>", methods=["GET", "POST"])
@login_required
def review(revision_uuid: str):
    policy.authorize(current_user, "listing.review")
    revision = load_or_404(Revision, revision_uuid, key="uuid")
    form = ReviewForm()
    if form.validate_on_submit():
        name = revision.content["name"]

        def decide():
            if form.decision.data == "approve":
                operations.approve(revision, current_user)
            else:
                operations.return_for_changes(revision, current_user, form.reason.data or "")

        if attempt(form, decide) is not REFUSED:
            flash(f"‘{name}’ has been {'published' if form.decision.data == 'approve' else 'returned to the provider'}",
                  "success")
            return redirect(url_for("directory.review_queue"))
    service = revision.service
    return render_form("directory/admin/review.html", form, revision=revision, service=service,
                       changes=operations.changes(service.document, revision.content),
                       waiting=revision.state == RevisionState.SUBMITTED)


# --- Anyone ---


@bp.route("/services/<service_uuid>/report-a-problem", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def report_problem(service_uuid: str):
    service = _service(service_uuid, "listing.report")
    form = ProblemForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.report_problem(service, form.message.data,
                                                           form.email.data or "")) is not REFUSED:
            return redirect(url_for("directory.problem_reported", service_uuid=service.uuid))
    return render_form("directory/manage/report_problem.html", form, service=service)


@bp.route("/services/<service_uuid>/report-a-problem/sent")
def problem_reported(service_uuid: str):
    service = _service(service_uuid, "listing.report")
    return render_template("directory/manage/problem_reported.html", service=service)

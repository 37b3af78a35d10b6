"""Funding pages. Thin: check access, validate the form, call one operation, commit, redirect (or 400 with the
errors). Organisation pages use the signed-in user's organisation; object pages take a random public id."""
from __future__ import annotations

import io
import json
import logging

from flask import Response, abort, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import policy
from portal.accounts.models import Organisation
from portal.errors import Conflict, DomainError
from portal.extensions import csrf, db, limiter
from portal.forms import choices
from portal.funding import operations, payments, presenters
from portal.funding.blueprint import bp
from portal.funding.forms import (
    AgreementForm,
    CohortForm,
    DocumentForm,
    DonateForm,
    DonationSettingsForm,
    EntryForm,
    MeasureForm,
    PublishForm,
    RefundForm,
    RequirementForm,
    ShareForm,
    StatusForm,
)
from portal.funding.models import Agreement, AgreementDocument, Donation, OutcomeMeasure, Requirement
from portal.funding.opendata import grants_csv
from portal.funding.pbr import pence
from portal.lookup import authorized, load_or_404
from portal.reference.models import ContractPackageArea
from portal.supply_chain import uploads
from portal.views import REFUSED, add_error, attempt, attempt_or_flash, render_form

log = logging.getLogger(__name__)


@bp.app_template_filter("pence")
def _pence(value: int | None) -> str:
    return "" if value is None else pence(value)


@bp.app_template_global("donations_open")
def _donations_open(organisation: Organisation) -> bool:
    """Whether an organisation's page shows a Donate button."""
    return policy.can(current_user, "donation.give", organisation)


def _organisation():
    organisation = current_user.organisation
    policy.authorize(current_user, "funding.manage", organisation)
    return organisation


def _version(value) -> int | None:
    return int(value) if (value or "").isdigit() else None


# --- The organisation's funding ---

@bp.route("/funding")
@login_required
def dashboard():
    organisation = _organisation()
    return render_template("funding/dashboard.html", page=presenters.dashboard(current_user, organisation))


@bp.route("/funding/agreements/new", methods=["GET", "POST"])
@login_required
def new_agreement():
    organisation = _organisation()
    form = AgreementForm(data={"kind": request.args.get("kind")} if request.method == "GET" else None)
    form.contract_package_area.choices = choices([("", "None")] + [
        (c.slug, c.name) for c in db.session.scalars(select(ContractPackageArea).order_by(ContractPackageArea.name))])
    form.lead_agreement.choices = choices([("", "Not a sub-contract")] + [
        (a.public_id, f"{a.title} ({a.organisation.name})") for a in operations.lead_contracts(organisation)])
    if form.validate_on_submit():
        answers = operations.AgreementAnswers(
            kind=form.kind.data, title=form.title.data, counterparty_name=form.counterparty_name.data,
            amount_pence=form.amount.pence, award_date=form.award_date.date, start_date=form.start_date.date,
            end_date=form.end_date.date, reference=form.reference.data or "", description=form.description.data or "",
            counterparty_identifier=form.counterparty_identifier.data or "", programme=form.programme.data or "",
            conditions=form.conditions.data or "", documents_url=form.documents_url.data or "",
            contract_role=form.contract_role.data or None, contract_package_area=form.contract_package_area.data or "",
            fee_for_service_pence=form.fee_for_service.pence or 0, fee_schedule=form.fee_schedule.data or "",
            outcome_payments_pence=form.outcome_payments.pence or 0, lead_agreement=form.lead_agreement.data or "")
        agreement = attempt(form, lambda: operations.create_agreement(current_user, organisation, answers))
        if agreement is not REFUSED:
            flash(f"‘{agreement.title}’ has been recorded", "success")
            return redirect(url_for("funding.agreement", public_id=agreement.public_id))
    return render_form("funding/agreement_form.html", form)


@bp.route("/funding/agreements/<public_id>")
@login_required
def agreement(public_id: str):
    item = authorized(current_user, "agreement.view", Agreement, public_id)
    return render_template("funding/agreement.html", page=presenters.agreement_page(current_user, item),
                           share_form=ShareForm())


def _editable(public_id: str) -> Agreement:
    item = authorized(current_user, "agreement.edit", Agreement, public_id)
    return item


@bp.route("/funding/agreements/<public_id>/requirements/new", methods=["GET", "POST"])
@login_required
def new_requirement(public_id: str):
    item = _editable(public_id)
    form = RequirementForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.add_requirement(current_user, item, kind=form.kind.data,
                                                            title=form.title.data, due_date=form.due_date.date,
                                                            amount_pence=form.amount.pence)) is not REFUSED:
            flash(f"‘{form.title.data.strip()}’ has been added", "success")
            return redirect(url_for("funding.agreement", public_id=item.public_id))
    return render_form("funding/requirement_form.html", form, agreement=item)


@bp.route("/funding/requirements/<public_id>", methods=["GET", "POST"])
@login_required
def requirement(public_id: str):
    item = load_or_404(Requirement, public_id)
    policy.authorize(current_user, "agreement.edit", item.agreement, secret=True)
    form = StatusForm(data={"version": item.version} if request.method == "GET" else None)
    form.status.choices = choices([(s, operations.STATUS_LABELS[s]) for s in ("met", "partly_met", "not_met")
                                   if s in operations.TRANSITIONS[item.status]])
    if form.validate_on_submit():
        if attempt(form, lambda: operations.set_status(current_user, item, form.status.data, form.note.data or "",
                                                       expected_version=_version(form.version.data))) is not REFUSED:
            flash(f"‘{item.title}’ is now marked {operations.STATUS_LABELS[item.status].lower()}", "success")
            return redirect(url_for("funding.agreement", public_id=item.agreement.public_id))
    return render_form("funding/requirement.html", form, requirement=item, labels=operations.STATUS_LABELS)


@bp.route("/funding/agreements/<public_id>/entries/new", methods=["GET", "POST"])
@login_required
def new_entry(public_id: str):
    item = _editable(public_id)
    form = EntryForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.add_entry(current_user, item, direction=form.direction.data,
                                                      planned=form.planned.data == "planned",
                                                      amount_pence=form.amount.pence, on=form.on.date,
                                                      description=form.description.data)) is not REFUSED:
            flash("The amount has been added", "success")
            return redirect(url_for("funding.agreement", public_id=item.public_id))
    return render_form("funding/entry_form.html", form, agreement=item)


@bp.route("/funding/agreements/<public_id>/documents/new", methods=["GET", "POST"])
@login_required
def new_document(public_id: str):
    item = _editable(public_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if attempt(form, lambda: operations.add_document(current_user, item, form.title.data or "",
                                                         getattr(upload, "filename", "") or "",
                                                         upload.read() if upload else b"")) is not REFUSED:
            flash(f"‘{uploads.clean_filename(upload.filename)}’ has been added", "success")
            return redirect(url_for("funding.agreement", public_id=item.public_id))
    return render_form("funding/document_form.html", form, agreement=item,
                       max_mb=uploads.MAX_BYTES // (1024 * 1024), allowed=uploads.ALLOWED_DESCRIPTION)


@bp.route("/funding/documents/<public_id>")
@login_required
def document(public_id: str):
    """A grant or contract's file: for whoever may see the agreement (its finance staff; the lead provider of a
    shared sub-contract)."""
    item = load_or_404(AgreementDocument, public_id)
    policy.authorize(current_user, "agreement.view", item.agreement, secret=True)
    data = uploads.read(item.stored_name)
    if data is None:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    return response


@bp.route("/funding/agreements/<public_id>/share", methods=["POST"])
@login_required
def share(public_id: str):
    item = _editable(public_id)
    form = ShareForm()
    if form.validate_on_submit():
        if attempt_or_flash(lambda: operations.share_with_lead(current_user, item,
                                                               form.share.data == "yes")) is not REFUSED:
            flash(f"{item.lead_organisation.name} can now see this sub-contract" if item.shared_with_lead_at else
                  f"{item.lead_organisation.name} can no longer see this sub-contract", "success")
    return redirect(url_for("funding.agreement", public_id=item.public_id))


@bp.route("/funding/agreements/<public_id>/measures/new", methods=["GET", "POST"])
@login_required
def new_measure(public_id: str):
    item = _editable(public_id)
    form = MeasureForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.add_measure(current_user, item, kind=form.kind.data, name=form.name.data,
                                                        baseline=form.baseline.number,
                                                        threshold_percent=form.threshold.number,
                                                        price_pence=form.price.pence, cap_pence=form.cap.pence,
                                                        method=form.method.data or "")) is not REFUSED:
            flash(f"‘{form.name.data.strip()}’ has been added", "success")
            return redirect(url_for("funding.agreement", public_id=item.public_id))
    return render_form("funding/measure_form.html", form, agreement=item)


@bp.route("/funding/measures/<public_id>/results/new", methods=["GET", "POST"])
@login_required
def new_result(public_id: str):
    measure = load_or_404(OutcomeMeasure, public_id)
    policy.authorize(current_user, "agreement.edit", measure.agreement, secret=True)
    form = CohortForm()
    if form.validate_on_submit():
        answers = operations.CohortAnswers(
            cohort=form.cohort.data, cohort_size=form.cohort_size.number, outcomes=form.outcomes.number,
            comparison_size=form.comparison_size.number, comparison_outcomes=form.comparison_outcomes.number,
            validator_name=form.validator_name.data or "", validated_on=form.validated_on.date,
            validator_cohort_size=form.validator_cohort_size.number,
            validator_outcomes=form.validator_outcomes.number)
        result = attempt(form, lambda: operations.record_result(current_user, measure, answers))
        if result is not REFUSED:
            flash(f"Payment due for ‘{result.cohort}’: {pence(result.payment_pence)}", "success")
            return redirect(url_for("funding.agreement", public_id=measure.agreement.public_id) + "#results")
    return render_form("funding/result_form.html", form, measure=measure)


@bp.route("/funding/supply-chain")
@login_required
def supply_chain():
    organisation = current_user.organisation
    policy.authorize(current_user, "funding.supply_chain", organisation)
    return render_template("funding/supply_chain.html", organisation=organisation,
                           agreements=operations.shared_sub_contracts(current_user, organisation))


# --- Open data ---

EXPORTS = {
    "ocds.json": ("Contracts: OCDS release package (JSON)", operations.export_contracts),
    "360giving.json": ("Grants received, every funder: 360Giving (JSON)", operations.export_grants),
    "360giving.csv": ("Grants received, every funder: 360Giving (CSV)", operations.export_grants),
}
JSON = "application/json"


def _export_page(organisation, status: int = 200, form: PublishForm | None = None, **failure):
    form = form or PublishForm(data={"publish": "yes" if operations.publishes_open_data(organisation) else "no"},
                               formdata=None)
    return render_template("funding/exports.html", exports=EXPORTS, organisation=organisation,
                           funders=operations.grant_funders(organisation), form=form,
                           published=operations.publishes_open_data(organisation),
                           settings=operations.open_data_settings(), **failure), status


def _file(package: dict, fmt: str, filename: str, *, download: bool) -> Response:
    if fmt == "csv":
        body, mimetype = grants_csv(package), "text/csv"
    else:
        body, mimetype = json.dumps(package, indent=2, ensure_ascii=False), JSON
    disposition = "attachment" if download else "inline"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


def _attempt_export(organisation, make):
    try:
        return make(), None
    except operations.ExportRejected as rejected:
        return None, _export_page(organisation, 400, failed=True, problems=rejected.problems,
                                  message=rejected.message)
    except DomainError as exc:
        return None, _export_page(organisation, 400, failed=True, problems=[], message=exc.message)


@bp.route("/funding/exports", methods=["GET", "POST"])
@login_required
def exports():
    organisation = _organisation()
    if request.method == "POST":
        form = PublishForm()
        if form.validate_on_submit():
            publish = form.publish.data == "yes"
            try:
                operations.set_open_data(current_user, organisation, publish)
            except operations.ExportRejected as rejected:
                db.session.rollback()
                return _export_page(organisation, 400, failed=True, problems=rejected.problems,
                                    message="Your files cannot be published until these problems are fixed")
            except DomainError as exc:
                db.session.rollback()
                return _export_page(organisation, 400, failed=True, problems=[], message=exc.message)
            db.session.commit()
            flash("Your grants and contracts are published as open data" if publish else
                  "Your grants and contracts are no longer published", "success")
            return redirect(url_for("funding.exports"))
        return _export_page(organisation, 400, form, failed=True, problems=[], message="Select yes or no")
    return _export_page(organisation)


@bp.route("/funding/exports/<name>")
@login_required
def export(name: str):
    organisation = _organisation()
    if name not in EXPORTS:
        abort(404)
    package, refused = _attempt_export(organisation, lambda: EXPORTS[name][1](current_user, organisation))
    if refused:
        return refused
    return _file(package, name.rsplit(".", 1)[1], f"{organisation.public_id}-{name}", download=True)


@bp.route("/funding/exports/funders/<funder>/360giving.<any(json, csv):fmt>")
@login_required
def export_funder(funder: str, fmt: str):
    """One funder's grants to the organisation: one funding organisation id in the file."""
    organisation = _organisation()
    if funder not in operations.grant_funders(organisation):
        abort(404)
    package, refused = _attempt_export(organisation, lambda: operations.export_grants(current_user, organisation,
                                                                                     funder=funder))
    if refused:
        return refused
    return _file(package, fmt, f"{organisation.public_id}-{funder}-360giving.{fmt}", download=True)


# Public open-data files: stable addresses, readable by anyone (and any website), for organisations that publish.

def _public(public_id: str):
    organisation = operations.public_organisation(public_id)
    if organisation is None:
        abort(404)
    return organisation


def _public_file(package_of, fmt: str, filename: str) -> Response:
    try:
        package = package_of()
    except operations.ExportRejected:
        log.warning("A published open-data file failed its schema check and was not served")
        abort(503)
    except DomainError:
        abort(404)
    response = _file(package, fmt, filename, download=False)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/open-data")
def open_data():
    settings = operations.open_data_settings()
    return render_template("funding/open_data.html", settings=settings, publishers=[
        (org, operations.grant_funders(org), any(a.kind == "contract" for a in operations.agreements_of(org)))
        for org in operations.published_organisations()])


@bp.route("/open-data/publication-policy")
def publication_policy():
    return render_template("funding/publication_policy.html", settings=operations.open_data_settings())


@bp.route("/open-data/<public_id>/ocds.json")
def public_ocds(public_id: str):
    organisation = _public(public_id)
    return _public_file(lambda: operations.export_contracts(None, organisation, public=True), "json", "ocds.json")


@bp.route("/open-data/<public_id>/360giving.<any(json, csv):fmt>")
def public_grants(public_id: str, fmt: str):
    organisation = _public(public_id)
    return _public_file(lambda: operations.export_grants(None, organisation, public=True), fmt, f"360giving.{fmt}")


@bp.route("/open-data/<public_id>/funders/<funder>/360giving.<any(json, csv):fmt>")
def public_funder_grants(public_id: str, funder: str, fmt: str):
    organisation = _public(public_id)
    return _public_file(lambda: operations.export_grants(None, organisation, funder=funder, public=True), fmt,
                        f"360giving.{fmt}")


# --- Donations: the organisation's side ---

@bp.route("/funding/donations", methods=["GET", "POST"])
@login_required
def donations():
    organisation = _organisation()
    enabled = operations.donations_enabled(organisation)
    form = DonationSettingsForm(data={"enabled": "yes" if enabled else "no"} if request.method == "GET" else None)
    if form.validate_on_submit():
        if attempt(form, lambda: operations.set_donations(current_user, organisation,
                                                          form.enabled.data == "yes")) is not REFUSED:
            flash("Donations are switched on: your organisation's page has a Donate button"
                  if form.enabled.data == "yes" else "Donations are switched off", "success")
            return redirect(url_for("funding.donations"))
    return render_form("funding/donations.html", form, organisation=organisation,
                       donations=operations.donations_of(organisation), configured=payments.configured(),
                       total=operations.donations_total(organisation))


@bp.route("/funding/donations/<public_id>/refund", methods=["GET", "POST"])
@login_required
def refund(public_id: str):
    donation = authorized(current_user, "donation.refund", Donation, public_id)
    left = pence(donation.amount_pence - donation.refunded_pence).lstrip("£")
    form = RefundForm(data={"version": donation.version, "amount": left} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.refund(current_user, donation, form.amount.pence, expected_version=_version(form.version.data))
        except Conflict:
            raise
        except operations.PaymentServiceUnavailable:
            raise
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            flash(f"{pence(form.amount.pence)} has been refunded", "success")
            return redirect(url_for("funding.donations"))
    return render_form("funding/refund.html", form, donation=donation)


# --- Donations: the donor's side ---

class _ReceiptClaim:
    def __init__(self, donation: Donation):
        self.donation = donation
        self.held = session.get("donations", [])


@bp.route("/organisations/<public_id>/donate", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def donate(public_id: str):
    organisation = authorized(current_user, "organisation.view", Organisation, public_id)
    if not operations.donations_open(organisation):
        message = ("Donations are switched off: the portal has no payment service configured"
                   if not payments.configured() else f"{organisation.name} is not taking donations online")
        return render_template("funding/donations_off.html", organisation=organisation, message=message), 404
    form = DonateForm()
    if form.validate_on_submit():
        gift_aid = (operations.GiftAid(form.name.data, form.address.data, form.postcode.data)
                    if form.gift_aid.data else None)
        try:
            donation = operations.start_donation(organisation, form.amount.pence, gift_aid)
        except operations.PaymentServiceUnavailable as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return render_form("funding/donate.html", form, organisation=organisation)[0], 503
        except DomainError as exc:
            db.session.rollback()
            add_error(form, exc)
        else:
            db.session.commit()
            session["donations"] = operations.record_receipt_claim(session.get("donations", []), donation)
            return redirect(url_for("funding.pay", public_id=donation.public_id))
    return render_form("funding/donate.html", form, organisation=organisation)


def _donors_donation(public_id: str) -> Donation:
    donation = load_or_404(Donation, public_id)
    policy.authorize(current_user, "donation.receipt", _ReceiptClaim(donation), secret=True)
    return donation


@bp.route("/donations/<public_id>/pay")
def pay(public_id: str):
    donation = _donors_donation(public_id)
    if donation.state not in ("pending", "failed"):
        return redirect(url_for("funding.receipt", public_id=donation.public_id))
    if not payments.configured():
        abort(404)
    from flask import current_app

    response = Response(render_template(
        "funding/pay.html", donation=donation, client_secret=operations.client_secret(donation),
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
        return_url=url_for("funding.receipt", public_id=donation.public_id, _external=True)))
    # The one page that may load Stripe's script and frames: every other page keeps the portal's own policy.
    response.headers["Content-Security-Policy"] = payments.content_security_policy(g.csp_nonce)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/donations/<public_id>/receipt")
def receipt(public_id: str):
    donation = _donors_donation(public_id)
    response = Response(render_template("funding/receipt.html", donation=donation))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/stripe/webhook", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events. No CSRF token (Stripe cannot send one): the signature on the raw body is the
    check, and nothing else is trusted; the donation is re-read from Stripe."""
    if not payments.configured():
        abort(404)
    try:
        event = payments.construct_event(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except (ValueError, payments.SignatureError):
        log.warning("Stripe webhook refused: bad signature or body")
        abort(400)
    try:
        outcome = operations.handle_event(event)
        db.session.commit()
    except payments.PaymentError:
        db.session.rollback()
        log.warning("Stripe webhook %s could not be applied: Stripe did not answer", event.id)
        return {"received": False}, 503  # Stripe retries later
    except Exception as exc:
        db.session.rollback()
        if operations.event_already_handled(event.id):  # a concurrent delivery of the same event won
            return {"received": True}, 200
        if isinstance(exc, IntegrityError | StaleDataError):  # lost a race with another event: Stripe retries
            log.warning("Stripe webhook %s collided with a concurrent update; asking Stripe to retry", event.id)
            return {"received": False}, 503
        raise
    log.info("Stripe event %s (%s): %s", event.id, event.type, outcome)
    return {"received": True}, 200

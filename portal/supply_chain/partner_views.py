"""Lead provider staff (and administrators): the partner database, shortlists, CSV exports, invitations into a
supply chain and the supply chain page. Thin: parse, call one operation, build the page with a presenter."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal import policy
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized
from portal.supply_chain import operations, presenters, rules
from portal.supply_chain import vocabulary as v
from portal.supply_chain.blueprint import bp
from portal.supply_chain.forms import ButtonForm, InviteForm, ShortlistForm
from portal.supply_chain.models import Expression, InvitationState, PartnershipInvitation, Shortlist
from portal.views import REFUSED, attempt, attempt_or_flash, render_form

MAX_TEXT = 200


def criteria_from(args: MultiDict, *, strict: bool = False) -> operations.Criteria:
    """Search criteria from query parameters. Values a page cannot offer are dropped; with `strict` (the API)
    they are refused, naming the parameter."""
    text = " ".join((args.get("q") or "").split())[:MAX_TEXT]
    chosen = {}
    for name, facet in v.FACETS.items():
        values = [value for raw in args.getlist(name) for value in raw.split(",") if value.strip()]
        unknown = [value for value in values if value not in facet.terms]
        if unknown and strict:
            raise DomainError(f"{name}: {unknown[0]!r} is not one of the values this filter takes", name)
        chosen[name] = [value for value in dict.fromkeys(values) if value in facet.terms]
    raw_page = (args.get("page") or "1").strip()
    if strict and not (raw_page.isdigit() and 1 <= int(raw_page) <= 10_000):
        raise DomainError("page: must be a whole number from 1 to 10,000", "page")
    page = int(raw_page) if raw_page.isdigit() and 1 <= int(raw_page) <= 10_000 else 1
    return operations.Criteria(text, chosen, page)


@bp.route("/partners")
@login_required
def partners():
    policy.authorize(current_user, "partners.search")
    criteria = criteria_from(request.args)
    found = operations.search(criteria)
    return render_template("supply_chain/partners.html",
                           page=presenters.search_page(criteria, found, operations.PER_PAGE))


def _csv(versions, name: str) -> Response:
    body = presenters.to_csv(versions)
    filename = f"{name}-{date.today().isoformat()}.csv"
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/partners/export.csv")
@login_required
def export_partners():
    policy.authorize(current_user, "partners.search")
    criteria = criteria_from(request.args)
    found = operations.search(criteria, everything=True)
    return _csv(found.versions, "partner-search")


def _entry_or_404(expression_id: str) -> Expression:
    return authorized(current_user, "eoi.view", Expression, expression_id)


@bp.route("/partners/<expression_id>")
@login_required
def partner(expression_id: str):
    expression = _entry_or_404(expression_id)
    version = expression.published_version if expression.is_live() else None
    if version is None:  # an administrator or the organisation looking at an entry that is not published
        return redirect(url_for("supply_chain.review", version_id=expression.latest_version.public_id)
                        if policy.can(current_user, "eoi.review") else url_for("supply_chain.my_expression"))
    return render_template("supply_chain/partner.html", expression=expression, version=version,
                           sections=presenters.sections(version), documents=expression.documents_of(version),
                           kinds=v.DOCUMENT_KINDS, can_search=policy.can(current_user, "partners.search"),
                           can_invite=policy.can(current_user, "supply_chain.invite", expression))


@bp.route("/partners/<expression_id>/shortlist", methods=["GET", "POST"])
@login_required
def shortlist_partner(expression_id: str):
    expression = _entry_or_404(expression_id)
    policy.authorize(current_user, "partners.search")
    if not expression.is_live():
        abort(404)
    lists = list(db.session.scalars(rules.visible_shortlists(current_user)))
    form = ShortlistForm(lists)
    if form.validate_on_submit():
        chosen = attempt(form, lambda: operations.add_to_shortlist(current_user, expression, form.shortlist.data,
                                                                   form.new_name.data))
        if chosen is not REFUSED:
            flash(f"{expression.published_version.name} has been added to ‘{chosen.name}’", "success")
            return redirect(url_for("supply_chain.partner", expression_id=expression.public_id))
    return render_form("supply_chain/add_to_shortlist.html", form, expression=expression,
                       version=expression.published_version, lists=lists)


@bp.route("/partners/<expression_id>/invite", methods=["GET", "POST"])
@login_required
def invite_partner(expression_id: str):
    expression = _entry_or_404(expression_id)
    policy.authorize(current_user, "supply_chain.invite", expression)
    version = expression.published_version
    form = InviteForm()
    if request.method == "GET" and len(version.answers.get("cpas") or []) == 1:
        form.contract_package_area.data = version.answers["cpas"][0]
    if form.validate_on_submit():
        if attempt(form, lambda: operations.invite(
                expression, current_user, contract_name=form.contract_name.data,
                cpa_slug=form.contract_package_area.data, services=form.services.data,
                risk_share_percent=int(form.risk_share_percent.data.strip().rstrip("%").strip()),
                risk_notes=form.risk_notes.data or "")) is not REFUSED:
            flash(f"{version.name} has been invited to join ‘{form.contract_name.data.strip()}’", "success")
            return redirect(url_for("supply_chain.supply_chain"))
    return render_form("supply_chain/invite.html", form, expression=expression, version=version,
                       declared=", ".join(v.CONTRACT_PACKAGE_AREAS[c] for c in version.answers.get("cpas") or []
                                          if c in v.CONTRACT_PACKAGE_AREAS))


# --- Shortlists ---

@bp.route("/shortlists")
@login_required
def shortlists():
    policy.authorize(current_user, "partners.search")
    return render_template("supply_chain/shortlists.html",
                           lists=list(db.session.scalars(rules.visible_shortlists(current_user))))


def _shortlist_or_404(shortlist_id: str) -> Shortlist:
    return authorized(current_user, "shortlist.manage", Shortlist, shortlist_id)


@bp.route("/shortlists/<shortlist_id>")
@login_required
def shortlist(shortlist_id: str):
    found = _shortlist_or_404(shortlist_id)
    versions = operations.shortlist_versions(found)
    return render_template("supply_chain/shortlist.html", shortlist=found,
                           results=[presenters.result(version) for version in versions],
                           expression_ids=[version.expression.public_id for version in versions],
                           hidden=len(found.items) - len(versions), form=ButtonForm())


@bp.route("/shortlists/<shortlist_id>/export.csv")
@login_required
def export_shortlist(shortlist_id: str):
    found = _shortlist_or_404(shortlist_id)
    slug = "".join(ch if ch.isalnum() else "-" for ch in found.name.lower()).strip("-")[:40] or "shortlist"
    return _csv(operations.shortlist_versions(found), slug)


@bp.route("/shortlists/<shortlist_id>/remove/<expression_id>", methods=["POST"])
@login_required
def remove_from_shortlist(shortlist_id: str, expression_id: str):
    found = _shortlist_or_404(shortlist_id)
    if ButtonForm().validate_on_submit():
        removed = operations.remove_from_shortlist(found, current_user, expression_id)
        db.session.commit()
        if removed is not None:
            flash(f"{removed.published_version.name if removed.published_version else 'The organisation'} has been "
                  f"removed from ‘{found.name}’", "success")
    return redirect(url_for("supply_chain.shortlist", shortlist_id=found.public_id))


@bp.route("/shortlists/<shortlist_id>/delete", methods=["GET", "POST"])
@login_required
def delete_shortlist(shortlist_id: str):
    found = _shortlist_or_404(shortlist_id)
    form = ButtonForm()
    if form.validate_on_submit():
        name = found.name
        operations.delete_shortlist(found, current_user)
        db.session.commit()
        flash(f"‘{name}’ has been deleted", "success")
        return redirect(url_for("supply_chain.shortlists"))
    return render_template("supply_chain/delete_shortlist.html", shortlist=found, form=form)


# --- The lead provider's supply chain ---

@bp.route("/supply-chain")
@login_required
def supply_chain():
    policy.authorize(current_user, "supply_chain.manage")
    invitations = operations.invitations_from(current_user.organisation)
    areas: dict[str, list] = {}
    for invitation in sorted((i for i in invitations if i.state == InvitationState.ACCEPTED),
                             key=lambda i: (i.contract_package_area.name, i.organisation.name.lower())):
        areas.setdefault(invitation.contract_package_area.name, []).append(invitation)
    return render_template("supply_chain/supply_chain.html", areas=areas,
                           waiting=[i for i in invitations if i.state == InvitationState.INVITED],
                           closed=[i for i in invitations if i.state in (InvitationState.DECLINED,
                                                                          InvitationState.WITHDRAWN)],
                           form=ButtonForm())


@bp.route("/supply-chain/invitations/<invitation_id>/withdraw", methods=["POST"])
@login_required
def withdraw_invitation(invitation_id: str):
    found = authorized(current_user, "invitation.withdraw", PartnershipInvitation, invitation_id)
    if ButtonForm().validate_on_submit():
        if attempt_or_flash(lambda: operations.withdraw_invitation(found, current_user)) is not REFUSED:
            flash(f"The invitation to {found.organisation.name} has been withdrawn", "success")
    return redirect(url_for("supply_chain.supply_chain"))

"""Directory pages for everyone: search, a service's page, saved lists for staff, and the searches that found
nothing (for administrators). Thin: parse the form, call one operation in `finding`, build the page with a
presenter."""
from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.accounts.models import Organisation
from portal.directory import finding, operations, presenters
from portal.directory.blueprint import bp
from portal.directory.models import SavedList
from portal.directory.search_forms import ConfirmForm, EmailListForm, SaveServiceForm, SearchForm
from portal.extensions import db, limiter
from portal.lookup import authorized
from portal.views import REFUSED, attempt, render_form
from search import InvalidQuery, SearchError

log = logging.getLogger(__name__)

UNAVAILABLE = "Search is temporarily unavailable. Try again in a few minutes."


@bp.app_template_global("published_services")
def _published_services(organisation: Organisation) -> list:
    """For an organisation's public page (drawn by accounts): the listings anyone can find."""
    return operations.published_services(organisation)


@bp.route("/services")
def search():
    form = SearchForm(formdata=request.args)
    form.validate()
    criteria = form.criteria(request.args.get("page"))
    if criteria.place and form.postcode.data != criteria.place.outcode and not form.errors:
        # Keep only the district in the address bar and history: that is all the search uses.
        return redirect(url_for("directory.search", **criteria.args()))
    result, problem, status = None, None, 400 if form.errors else 200
    try:
        shown = finding.shown_facets(criteria, refers=policy.can(current_user, "referral.create"))
        result = finding.find_services(criteria, facets=shown, fields=presenters.RESULT_FIELDS)
    except InvalidQuery as exc:
        problem = str(exc)
    except SearchError as exc:
        log.warning("search failed: %s", type(exc).__name__)
        problem, status = UNAVAILABLE, 503
    db.session.commit()  # a search that found nothing has been counted
    page = presenters.search_page(criteria, result, text_was_cut=form.text_was_cut, user=current_user,
                                  problem=problem)
    return render_template("directory/search.html", form=form, page=page), status


def _listed_or_404(service_uuid: str):
    service = finding.listed_service(service_uuid)
    if service is None:
        abort(404)
    return service


@bp.route("/services/<service_uuid>")
def service(service_uuid: str):
    listing = _listed_or_404(service_uuid)
    return render_template("directory/service.html", service=presenters.service_page(listing, current_user),
                           back_href=_back_to_results())


def _back_to_results() -> str:
    """The search the person came from (same site, search page only), else a new search."""
    search_url = url_for("directory.search")
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host + search_url):
        path = referrer.removeprefix(host)
        if path == search_url or path.startswith(search_url + "?"):
            return path
    return search_url


@bp.route("/services/<service_uuid>/save", methods=["GET", "POST"])
@login_required
def save_service(service_uuid: str):
    policy.authorize(current_user, "directory.save")
    listing = _listed_or_404(service_uuid)
    form = SaveServiceForm(finding.saved_lists(current_user))
    if form.validate_on_submit():
        saved = attempt(form, lambda: finding.save_service(current_user, listing, form.chosen_list_uuid,
                                                           form.new_list_name.data))
        if saved is not REFUSED:
            flash(f"{listing.name} has been saved to ‘{saved.name}’", "success")
            return redirect(url_for("directory.service", service_uuid=listing.uuid))
    return render_form("directory/save.html", form, service=presenters.service_page(listing, current_user))


@bp.route("/lists")
@login_required
def saved_lists():
    policy.authorize(current_user, "directory.save")
    return render_template("directory/lists.html",
                           lists=presenters.saved_lists_page(finding.saved_lists(current_user)))


def _own_list_or_404(list_uuid: str):
    return authorized(current_user, "saved_list.manage", SavedList, list_uuid, key="uuid",
                      options=finding.SAVED_LIST_LOADING)


@bp.route("/lists/<list_uuid>")
@login_required
def saved_list(list_uuid: str):
    saved = _own_list_or_404(list_uuid)
    return render_template("directory/list.html", saved=presenters.saved_list_page(saved), form=ConfirmForm())


@bp.route("/lists/<list_uuid>/remove/<service_uuid>", methods=["POST"])
@login_required
def remove_from_list(list_uuid: str, service_uuid: str):
    saved = _own_list_or_404(list_uuid)
    if ConfirmForm().validate_on_submit():
        removed = finding.remove_service(saved, service_uuid)
        db.session.commit()
        if removed is not None:
            flash(f"{removed.name} has been removed from ‘{saved.name}’", "success")
    return redirect(url_for("directory.saved_list", list_uuid=saved.uuid))


@bp.route("/lists/<list_uuid>/delete", methods=["GET", "POST"])
@login_required
def delete_list(list_uuid: str):
    saved = _own_list_or_404(list_uuid)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = saved.name
        finding.delete_list(saved)
        db.session.commit()
        flash(f"‘{name}’ has been deleted", "success")
        return redirect(url_for("directory.saved_lists"))
    return render_template("directory/delete_list.html", saved=presenters.saved_list_page(saved), form=form)


@bp.route("/lists/<list_uuid>/email", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], deduct_when=lambda response: response.status_code == 302)
def email_list(list_uuid: str):
    saved = _own_list_or_404(list_uuid)
    form = EmailListForm()
    if form.validate_on_submit():
        count = attempt(form, lambda: finding.send_list(saved, current_user, form.email.data))
        if count is not REFUSED:
            flash(f"We have sent ‘{saved.name}’ ({presenters.services_count(count)}) to {form.email.data.strip()}",
                  "success")
            return redirect(url_for("directory.saved_list", list_uuid=saved.uuid))
    return render_form("directory/email_list.html", form, saved=presenters.saved_list_page(saved))


@bp.route("/admin/search-gaps")
@login_required
def search_gaps():
    policy.authorize(current_user, "directory.search_gaps")
    return render_template("directory/search_gaps.html",
                           page=presenters.search_gaps_page(finding.frequent_search_gaps()))

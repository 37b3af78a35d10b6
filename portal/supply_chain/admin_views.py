"""Administrators: the review queue, reviewing one version (start, then publish, return or reject), and the
coverage dashboard."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.lookup import authorized
from portal.supply_chain import operations, presenters
from portal.supply_chain import vocabulary as v
from portal.supply_chain.blueprint import bp
from portal.supply_chain.forms import ButtonForm, ReviewForm
from portal.supply_chain.models import ExpressionVersion, VersionState
from portal.views import REFUSED, attempt, attempt_or_flash, render_form


@bp.route("/admin/expressions-of-interest")
@login_required
def review_queue():
    policy.authorize(current_user, "eoi.review")
    return render_template("supply_chain/admin/queue.html", versions=operations.review_queue())


def _version_or_404(version_id: str) -> ExpressionVersion:
    return authorized(current_user, "eoi.review", ExpressionVersion, version_id)


@bp.route("/admin/expressions-of-interest/<version_id>", methods=["GET", "POST"])
@login_required
def review(version_id: str):
    version = _version_or_404(version_id)
    form = ReviewForm()
    if version.state == VersionState.IN_REVIEW and form.validate_on_submit():
        decision = form.decision.data
        if attempt(form, lambda: operations.decide(version, current_user, decision,
                                                   form.comment.data or "")) is not REFUSED:
            done = {"publish": "published", "return": "returned for changes", "reject": "rejected"}[decision]
            flash(f"The expression of interest from {version.name} has been {done}", "success")
            return redirect(url_for("supply_chain.review_queue"))
    expression = version.expression
    published = expression.published_version
    return render_form("supply_chain/admin/review.html", form, version=version, expression=expression,
                       published=published if published is not version else None,
                       sections=presenters.sections(version, blanks=True),
                       before={row.key: row.value for _, rows in presenters.sections(published, blanks=True)
                               for row in rows} if published is not None and published is not version else None,
                       documents=expression.documents_of(version), kinds=v.DOCUMENT_KINDS, button=ButtonForm(),
                       decisions=version.decisions)


@bp.route("/admin/expressions-of-interest/<version_id>/start", methods=["POST"])
@login_required
def start_review(version_id: str):
    version = _version_or_404(version_id)
    if ButtonForm().validate_on_submit():
        if attempt_or_flash(lambda: operations.start_review(version, current_user)) is not REFUSED:
            flash("You have started reviewing this entry. Other administrators can see you are reviewing it",
                  "success")
    return redirect(url_for("supply_chain.review", version_id=version.public_id))


@bp.route("/admin/supply-chain-coverage")
@login_required
def coverage():
    policy.authorize(current_user, "supply_chain.coverage")
    return render_template("supply_chain/admin/coverage.html",
                           page=presenters.CoveragePage(operations.coverage()))

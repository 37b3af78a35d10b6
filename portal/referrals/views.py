"""Referral pages (the lead's placeholder: the web helper replaces this with the full pages)."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from portal.referrals import bp, operations


@bp.route("/referrals/<public_id>")
@login_required
def referral(public_id: str):
    item = operations.referral_for(current_user, public_id)
    operations.record_view(current_user, item)
    return render_template("referrals/referral.html", referral=item)

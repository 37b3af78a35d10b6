from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from portal.api.blueprint import bp
from portal.api.openapi import document


@bp.route("/me")
def me():
    organisation = current_user.organisation
    return jsonify({
        "id": current_user.public_id,
        "name": current_user.name,
        "email": current_user.email,
        "role": current_user.role,
        "organisation": None if organisation is None else {
            "id": organisation.public_id, "name": organisation.name, "kind": organisation.kind,
            "status": organisation.status, "org_role": current_user.membership.org_role,
        },
        "mfa_enabled": current_user.mfa_enabled_at is not None,
    })


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())

"""Sign-in, registration, verification, two-factor, passwords, colleagues and API tokens. Thin: each view
validates its form, calls one operation, commits and redirects."""
from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal import policy
from portal.accounts import bp, credentials, operations
from portal.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    EmailForm,
    InviteForm,
    NewPasswordForm,
    RegisterForm,
    SignInForm,
)
from portal.accounts.models import ApiToken, Organisation, User
from portal.accounts.roles import OrgKind, OrgRole
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.views import REFUSED, add_error, attempt, render_form, safe_next

PENDING_KEY = "pending_sign_in"
PENDING_MAX_AGE = 300  # seconds to enter the two-factor code after the password


def _account_key() -> str:
    return "sign-in:" + operations.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    return response.status_code != 302


def _address_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT_ADDRESS"]


def _account_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT_ACCOUNT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keep the failed-attempt audit record
            form.form_errors.append("Enter a correct email address and password")
        elif user.email_verified_at is None:
            operations.send_verification_email(user)
            db.session.commit()
            form.form_errors.append("Confirm your email address before signing in. We have sent you a new link")
        elif user.mfa_required:
            session.clear()
            session[PENDING_KEY] = {"id": user.get_id(), "at": time.time(), "next": safe_next("")}
            db.session.commit()
            return redirect(url_for("accounts.two_factor" if user.mfa_enabled_at else "accounts.two_factor_setup"))
        else:
            return _finish_sign_in(user, safe_next(url_for("main.dashboard")))
    return render_form("accounts/sign_in.html", form)


def _finish_sign_in(user: User, next_url: str):
    session.clear()  # a fresh session on privilege change (no fixation)
    operations.complete_sign_in(user)
    db.session.commit()
    login_user(user)
    session["last_active"] = time.time()
    return redirect(next_url or url_for("main.dashboard"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_MAX_AGE:
        return None
    public_id, _, version = pending["id"].partition(".")
    user = db.session.scalar(select(User).where(User.public_id == public_id))
    if user is None or str(user.session_version) != version or not user.is_active:
        return None
    return user


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
def two_factor():
    user = _pending_user()
    if user is None or user.mfa_enabled_at is None:
        flash("Your sign-in took too long. Sign in again")
        return redirect(url_for("accounts.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            operations.check_mfa_code(user, form.code.data)
        except DomainError as exc:
            db.session.commit()
            add_error(form, exc)
        else:
            return _finish_sign_in(user, session.get(PENDING_KEY, {}).get("next", ""))
    return render_form("accounts/two_factor.html", form)


@bp.route("/sign-in/two-factor/set-up", methods=["GET", "POST"])
def two_factor_setup():
    user = _pending_user()
    if user is None or user.mfa_enabled_at is not None:
        flash("Your sign-in took too long. Sign in again")
        return redirect(url_for("accounts.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            operations.confirm_mfa_enrolment(user, form.code.data)
        except DomainError as exc:
            add_error(form, exc)
        else:
            response = _finish_sign_in(user, session.get(PENDING_KEY, {}).get("next", ""))
            flash("Two-factor authentication is set up", "success")
            return response
    secret = operations.start_mfa_enrolment(user)
    db.session.commit()
    uri = credentials.totp_uri(secret, user.email)
    return render_form("accounts/two_factor_setup.html", form, secret=secret, qr_svg=credentials.totp_qr_svg(uri))


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.sign_in"))
        return render_template("accounts/sign_out.html", form=ConfirmForm())
    if current_user.is_authenticated:
        operations.end_all_sessions(current_user, "signed out")
        db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("accounts.signed_out"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/signed-out")
def signed_out():
    return render_template("accounts/signed_out.html", reason=request.args.get("reason"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], deduct_when=lambda r: r.status_code == 302)
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        registration = operations.Registration(
            organisation_name=form.organisation_name.data, kind=OrgKind(form.kind.data),
            sector=form.sector.data, name=form.name.data, email=form.email.data, password=form.password.data,
            charity_number=form.charity_number.data or "", company_number=form.company_number.data or "",
            region_slugs=form.regions.data, cpa_slugs=form.contract_package_areas.data,
            description=form.description.data or "",
        )
        if attempt(form, lambda: operations.register_organisation(registration)) is not REFUSED:
            return redirect(url_for("accounts.check_email"))
    return render_form("accounts/register.html", form)


@bp.route("/register/check-your-email")
def check_email():
    return render_template("accounts/check_email.html")


@bp.route("/verify-email/<token>")
def verify_email(token: str):
    try:
        operations.verify_email(token)
    except DomainError as exc:
        return render_template("accounts/link_invalid.html", message=exc.message), 400
    db.session.commit()
    flash("Your email address is confirmed. You can now sign in", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/reset_sent.html")
    return render_form("accounts/forgot_password.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if operations.user_for_reset_token(token) is None:
        return render_template("accounts/link_invalid.html",
                               message="This link has expired or has already been used. Ask for a new one"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.reset_password(token, form.password.data)) is not REFUSED:
            flash("Your password has been changed. Sign in with your new password", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_form("accounts/reset_password.html", form)


@bp.route("/account")
@login_required
def account():
    tokens = db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == current_user.id, ApiToken.revoked_at.is_(None)).order_by(ApiToken.created_at)).all()
    return render_template("accounts/account.html", tokens=tokens, confirm=ConfirmForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.change_password(current_user, form.current_password.data,
                                                            form.new_password.data)) is not REFUSED:
            logout_user()
            session.clear()
            flash("Your password has been changed and you have been signed out everywhere. Sign in again", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_form("accounts/change_password.html", form)


@bp.route("/account/tokens/new", methods=["GET", "POST"])
@login_required
def new_token():
    form = ApiTokenForm()
    if form.validate_on_submit():
        _, token = operations.create_api_token(current_user, form.name.data)
        db.session.commit()
        return render_template("accounts/token_created.html", token=token)
    return render_form("accounts/new_token.html", form)


@bp.route("/account/tokens/<public_id>/revoke", methods=["POST"])
@login_required
def revoke_token(public_id: str):
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id))
    if api_token is None:
        abort(404)
    policy.authorize(current_user, "api_token.manage", api_token, secret=True)
    if ConfirmForm().validate_on_submit():
        operations.revoke_api_token(api_token, current_user)
        db.session.commit()
        flash(f"Token ‘{api_token.name}’ has been revoked", "success")
    return redirect(url_for("accounts.account"))


def _organisation_or_404(public_id: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))
    if organisation is None:
        abort(404)
    return organisation


@bp.route("/organisations/<public_id>")
def organisation(public_id: str):
    org = _organisation_or_404(public_id)
    policy.authorize(current_user, "organisation.view", org, secret=True)
    return render_template("accounts/organisation.html", organisation=org,
                           can_see_members=policy.can(current_user, "organisation.members", org),
                           can_invite=policy.can(current_user, "organisation.invite", org))


@bp.route("/organisations/<public_id>/invite", methods=["GET", "POST"])
@login_required
def invite(public_id: str):
    org = _organisation_or_404(public_id)
    policy.authorize(current_user, "organisation.invite", org)
    form = InviteForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.invite_colleague(org, current_user, form.email.data,
                                                             OrgRole(form.org_role.data))) is not REFUSED:
            # No address in the message: flashed messages travel in the session cookie, which is signed, not encrypted
            flash("We have sent the invitation by email", "success")
            return redirect(url_for("accounts.organisation", public_id=org.public_id))
    return render_form("accounts/invite.html", form, organisation=org)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = operations.invitation_for_token(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html",
                               message="This invitation has expired or has already been used. Ask for a new one"), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        if attempt(form, lambda: operations.accept_invitation(token, form.name.data,
                                                              form.password.data)) is not REFUSED:
            flash("Your account is ready. Sign in", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_form("accounts/accept_invitation.html", form, invitation=invitation)

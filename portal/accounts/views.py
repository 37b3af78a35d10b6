"""Sign-in, registration, verification, two-factor, passwords, colleagues and API tokens. Thin: each view
validates its form, calls one operation, commits and redirects."""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse as parse_limit
from sqlalchemy import select

from portal import policy
from portal.accounts import credentials, operations
from portal.accounts.blueprint import bp
from portal.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailForm,
    EnrolForm,
    IdentifiersForm,
    InviteForm,
    NewPasswordForm,
    RegisterForm,
    SignInCodeForm,
    SignInForm,
)
from portal.accounts.models import ApiToken, Organisation, User
from portal.accounts.roles import OrgKind, OrgRole
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.lookup import authorized
from portal.views import REFUSED, add_error, attempt, render_form, safe_next

PENDING_KEY = "pending_sign_in"
PENDING_MAX_AGE = 300  # seconds to enter the two-factor code after the password


def _account_key() -> str:
    """Failed passwords count per account AND client address: a stranger failing someone's password locks
    only themselves out, not the account holder (issue #12)."""
    return f"sign-in:{get_remote_address()}:" + operations.normalise_email(request.form.get("email", ""))


def _two_factor_account_key() -> str:
    """Two-factor codes count per account, whichever addresses the guesses come from."""
    pending = session.get(PENDING_KEY) or {}
    return "two-factor:" + str(pending.get("id", "none")).partition(".")[0]


LOCK_OUT_NOTICE = parse_limit("1 per 15 minutes")


def _locked_out(limit) -> None:
    """A lock-out began: tell the account holder (once per 15 minutes at most), never the requester."""
    email = operations.normalise_email(request.form.get("email", ""))
    if email and limiter.limiter.hit(LOCK_OUT_NOTICE, "lock-out-notice", email):
        if operations.notify_lock_out(email):
            db.session.commit()


def _failed(response) -> bool:
    return response.status_code != 302


def _address_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT_ADDRESS"]


def _account_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT_ACCOUNT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed,
               on_breach=_locked_out)
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
        elif user.mfa_required and user.mfa_enabled_at is None:
            # Enrolment goes through the mailbox: whoever holds only the password cannot enrol their own app
            operations.send_enrolment_email(user, "signed in before setting up two-factor authentication")
            db.session.commit()
            form.form_errors.append("Set up two-factor authentication before signing in. We have emailed you a "
                                    "link to do it")
        elif user.mfa_required:
            session.clear()
            session[PENDING_KEY] = {"id": user.get_id(), "at": time.time(), "next": safe_next("")}
            db.session.commit()
            return redirect(url_for("accounts.two_factor"))
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
@limiter.limit(lambda: current_app.config["TWO_FACTOR_RATE_LIMIT_ACCOUNT"], key_func=_two_factor_account_key,
               methods=["POST"], deduct_when=_failed)
def two_factor():
    user = _pending_user()
    if user is None or user.mfa_enabled_at is None:
        flash("Your sign-in took too long. Sign in again")
        return redirect(url_for("accounts.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        try:
            operations.check_mfa_code(user, form.code.data)
        except DomainError as exc:
            db.session.commit()
            add_error(form, exc)
        else:
            return _finish_sign_in(user, session.get(PENDING_KEY, {}).get("next", ""))
    return render_form("accounts/two_factor.html", form)


@bp.route("/enrol/<token>", methods=["GET", "POST"])
def enrol(token: str):
    """Set up two-factor authentication (and a password, for an invited account) from the emailed link."""
    user = operations.user_for_enrolment_token(token)
    if user is None:
        return render_template("accounts/link_invalid.html", message="This link has expired or has already been "
                               "used. Sign in to get a new one, or ask an administrator"), 400
    form = EnrolForm()
    needs_password = user.password_hash is None
    if form.validate_on_submit():
        if needs_password and not form.password.data:
            add_error(form, DomainError("Enter a password", "password"))
        else:
            result = attempt(form, lambda: operations.enrol(token, form.code.data, form.password.data))
            if result is not REFUSED:
                _, codes = result
                session.clear()
                return render_template("accounts/recovery_codes.html", codes=codes, enrolled=True)
    secret = operations.start_mfa_enrolment(user)
    db.session.commit()
    uri = credentials.totp_uri(secret, user.email)
    return render_form("accounts/two_factor_setup.html", form, secret=secret, qr_svg=credentials.totp_qr_svg(uri),
                       needs_password=needs_password)


@bp.route("/account/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    if current_user.mfa_enabled_at is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.account"))
    codes = operations.new_recovery_codes(current_user, current_user)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, enrolled=False)


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


def _registration_email_key() -> str:
    return "register:" + operations.normalise_email(request.form.get("email", ""))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])  # every attempt from one client address, failed ones too
@limiter.limit("3 per hour", key_func=_registration_email_key, methods=["POST"],
               deduct_when=lambda r: r.status_code == 302)  # per email address: each sends that address an email
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
    return render_template("accounts/account.html", tokens=tokens, confirm=ConfirmForm(),
                           recovery_codes_left=operations.recovery_codes_left(current_user))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.account"))
    operations.end_all_credentials(current_user, current_user, "signed out everywhere")
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out on every device and your API tokens have been revoked", "success")
    return redirect(url_for("accounts.sign_in"))


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
    policy.authorize(current_user, "api_token.create")
    form = ApiTokenForm()
    if form.validate_on_submit():
        _, token = operations.create_api_token(current_user, form.name.data)
        db.session.commit()
        return render_template("accounts/token_created.html", token=token)
    return render_form("accounts/new_token.html", form)


@bp.route("/account/tokens/<public_id>/revoke", methods=["POST"])
@login_required
def revoke_token(public_id: str):
    api_token = authorized(current_user, "api_token.manage", ApiToken, public_id)
    if ConfirmForm().validate_on_submit():
        operations.revoke_api_token(api_token, current_user)
        db.session.commit()
        flash(f"Token ‘{api_token.name}’ has been revoked", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/organisations/<public_id>")
def organisation(public_id: str):
    org = authorized(current_user, "organisation.view", Organisation, public_id)
    return render_template("accounts/organisation.html", organisation=org,
                           can_see_members=policy.can(current_user, "organisation.members", org),
                           can_invite=policy.can(current_user, "organisation.invite", org),
                           can_edit=policy.can(current_user, "organisation.edit", org))


@bp.route("/organisations/<public_id>/identifiers", methods=["GET", "POST"])
@login_required
def identifiers(public_id: str):
    """Owners, managers and administrators record or change the charity and company numbers."""
    org = authorized(current_user, "organisation.edit", Organisation, public_id, secret=False)
    form = IdentifiersForm(data=operations.identifier_numbers(org)) if request.method == "GET" else IdentifiersForm()
    if form.validate_on_submit():
        changed = attempt(form, lambda: operations.change_identifiers(
            org, current_user, charity_number=form.charity_number.data or "",
            company_number=form.company_number.data or ""))
        if changed is not REFUSED:
            flash("Charity and company numbers saved" if changed else "Nothing was changed", "success")
            return redirect(url_for("accounts.organisation", public_id=org.public_id))
    return render_form("accounts/identifiers.html", form, organisation=org)


@bp.route("/organisations/<public_id>/invite", methods=["GET", "POST"])
@login_required
def invite(public_id: str):
    org = authorized(current_user, "organisation.invite", Organisation, public_id, secret=False)
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

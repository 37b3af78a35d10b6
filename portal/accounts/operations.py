"""Account rules: registration, verification, approval, sign-in, two-factor, invitations, tokens.

No request objects here: views pass in plain values and the acting user.
"""
from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import func, select

from portal import audit, policy
from portal.accounts import credentials
from portal.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationIdentifier,
    User,
)
from portal.accounts.roles import ORGANISATION_ROLES, OrgKind, OrgRole, OrgStatus, Role
from portal.database import utcnow
from portal.errors import DomainError, InvalidInput
from portal.extensions import db
from portal.mail import queue_email
from portal.reference.models import ContractPackageArea, ProbationDeliveryUnit, Region

VERIFY_EMAIL_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
INVITATION_DAYS = 7

# scheme: (what people call it, pattern, form field). Charity Commission numbers are 6 or 7 digits and Companies
# House numbers 8 characters (digits, or two letters then six digits), as 360Giving's data quality checks expect.
IDENTIFIER_SCHEMES = {
    "GB-CHC": ("charity number", r"^\d{6,7}$", "charity_number"),
    "GB-COH": ("company number", r"^(\d{8}|[A-Z]{2}\d{6})$", "company_number"),
}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _email_taken(email: str) -> bool:
    return find_user_by_email(email) is not None


def _mailbox(user: User) -> str:
    """The address account emails go to. Only learners, who sign in at a kiosk and are sent none, have no
    address, so a user without one here is a bug, not a case to handle."""
    if user.email is None:
        raise ValueError(f"user {user.public_id} has no email address to write to")
    return user.email


def _check_password(password: str, role: str, field_name: str = "password") -> None:
    if problem := credentials.password_problem(password, role):
        raise DomainError(problem, field_name)


# --- Registration ---

@dataclass
class Registration:
    organisation_name: str
    kind: OrgKind
    sector: str
    name: str
    email: str
    password: str
    charity_number: str = ""
    company_number: str = ""
    region_slugs: list[str] = field(default_factory=list)
    cpa_slugs: list[str] = field(default_factory=list)
    description: str = ""
    website: str = ""


def register_organisation(reg: Registration) -> User | None:
    """Create a pending organisation with its first user (its owner) and send the verification email.

    When the email address already has an account nothing is created and its owner is told by email instead:
    the person registering sees the same "check your email" either way, so the form cannot be used to find out
    who has an account. Returns the new user, or None in that case."""
    _check_password(reg.password, reg.kind.staff_role)
    # Hashed before the first query: on SQLite a POST holds the write lock from its first query to its commit, and
    # argon2 is slow on purpose (on a busy machine, long enough for queued registrations to time out: issue #18)
    password_hash = credentials.hash_password(reg.password)
    if existing := find_user_by_email(reg.email):
        audit.record("user.registration_refused", "user", existing.public_id, reason="email address has an account")
        queue_email(_mailbox(existing), "Someone tried to register with your email address", "registration_existing",
                    sign_in_link=url_for("accounts.sign_in", _external=True),
                    reset_link=url_for("accounts.forgot_password", _external=True))
        return None
    organisation = Organisation(
        name=reg.organisation_name.strip(), kind=reg.kind, sector=reg.sector,
        description=reg.description.strip(), website=reg.website.strip(), status=OrgStatus.PENDING,
    )
    for scheme, value in (("GB-CHC", reg.charity_number), ("GB-COH", reg.company_number)):
        if value.strip():
            _add_identifier(organisation, scheme, value)
    organisation.regions = list(db.session.scalars(select(Region).where(Region.slug.in_(reg.region_slugs))))
    organisation.contract_package_areas = list(
        db.session.scalars(select(ContractPackageArea).where(ContractPackageArea.slug.in_(reg.cpa_slugs)))
    )
    user = User(
        email=normalise_email(reg.email), name=reg.name.strip(), role=reg.kind.staff_role,
        password_hash=password_hash, password_changed_at=utcnow(),
    )
    db.session.add_all([organisation, user])
    db.session.add(Membership(user=user, organisation=organisation, org_role=OrgRole.OWNER))
    db.session.flush()
    audit.record("organisation.registered", "organisation", organisation.public_id, actor=user)
    send_verification_email(user)
    return user


def _checked_identifier(organisation: Organisation, scheme: str, value: str) -> str:
    """The number as stored (capitals, no spaces), or DomainError naming the field."""
    label, pattern, field_name = IDENTIFIER_SCHEMES[scheme]
    value = value.strip().upper().replace(" ", "")
    if not re.match(pattern, value):
        raise DomainError(f"Enter a {label} in the correct format", field_name)
    holder = db.session.scalar(select(OrganisationIdentifier).where(
        OrganisationIdentifier.scheme == scheme, OrganisationIdentifier.identifier == value))
    if holder is not None and (organisation.id is None or holder.organisation_id != organisation.id):
        raise DomainError(f"An organisation with this {label} is already registered", field_name)
    return value


def _add_identifier(organisation: Organisation, scheme: str, value: str) -> None:
    organisation.identifiers.append(
        OrganisationIdentifier(scheme=scheme, identifier=_checked_identifier(organisation, scheme, value)))


def identifier_numbers(organisation: Organisation) -> dict[str, str]:
    """The organisation's charity and company numbers by form field ("" when it has none)."""
    found = {field_name: "" for _, _, field_name in IDENTIFIER_SCHEMES.values()}
    for identifier in organisation.identifiers:
        if identifier.scheme in IDENTIFIER_SCHEMES:
            found[IDENTIFIER_SCHEMES[identifier.scheme][2]] = identifier.identifier
    return found


# Other domains keep copies of an organisation's identifiers (the directory's published listing documents): each
# registers what to do when they change (`on_identifiers_changed`), so accounts imports none of them.
IDENTIFIER_LISTENERS: list[Callable[[Organisation], object]] = []


def on_identifiers_changed(listener: Callable[[Organisation], object]) -> Callable[[Organisation], object]:
    if listener not in IDENTIFIER_LISTENERS:
        IDENTIFIER_LISTENERS.append(listener)
    return listener


def change_identifiers(organisation: Organisation, actor: User, *, charity_number: str, company_number: str) -> bool:
    """Record, change or remove the organisation's charity and company numbers (owners, managers and
    administrators). Every open-data output draws on them: the Open Referral UK feed's published documents are
    brought up to date here, and OCDS and 360Giving exports count the change as one (`identifiers_changed_at`).
    Audited with the old and new numbers (public register numbers, not personal data). Returns whether anything
    changed."""
    policy.authorize(actor, "organisation.edit", organisation)
    wanted = {"GB-CHC": charity_number, "GB-COH": company_number}
    checked, problems = {}, []
    for scheme, value in wanted.items():
        try:
            checked[scheme] = _checked_identifier(organisation, scheme, value) if value.strip() else ""
        except DomainError as exc:
            problems.append((exc.field, exc.message))
    if problems:
        raise InvalidInput(problems)
    before = identifier_numbers(organisation)
    changed = {}
    for scheme, value in checked.items():
        field_name = IDENTIFIER_SCHEMES[scheme][2]
        if before[field_name] == value:
            continue
        changed[field_name] = {"from": before[field_name], "to": value}
        for existing in [i for i in organisation.identifiers if i.scheme == scheme]:
            organisation.identifiers.remove(existing)
        if value:
            db.session.flush()  # the old row goes first: (scheme, identifier) is unique
            organisation.identifiers.append(OrganisationIdentifier(scheme=scheme, identifier=value))
    if not changed:
        return False
    organisation.identifiers_changed_at = utcnow()
    db.session.flush()
    audit.record("organisation.identifiers_changed", "organisation", organisation.public_id, actor=actor,
                 details=changed)
    for listener in IDENTIFIER_LISTENERS:
        listener(organisation)
    return True


def send_verification_email(user: User) -> None:
    # The link carries a keyed digest of the address, not the address: a signed token is readable, not secret.
    address = _mailbox(user)
    token = credentials.make_link_token("verify", {"u": user.public_id, "e": credentials.email_fingerprint(address)})
    queue_email(address, "Confirm your email address", "verify_email",
                link=url_for("accounts.verify_email", token=token, _external=True))


def verify_email(token: str) -> User:
    data = credentials.read_link_token("verify", token, VERIFY_EMAIL_MAX_AGE)
    user = db.session.scalar(select(User).where(User.public_id == data["u"])) if data else None
    if (data is None or user is None or user.email is None
            or not hmac.compare_digest(credentials.email_fingerprint(user.email), str(data["e"]))):
        raise DomainError("This link has expired or is not valid. Sign in to get a new one")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("user.email_verified", "user", user.public_id, actor=user)
    return user


# --- Approval of organisations ---

def decide_organisation(organisation: Organisation, admin: User, approve: bool, reason: str = "") -> None:
    if organisation.status != OrgStatus.PENDING:
        raise DomainError("This organisation has already been decided")
    if not approve and not reason.strip():
        raise DomainError("Enter the reason for rejecting this organisation", "reason")
    organisation.status = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
    organisation.decided_at = utcnow()
    organisation.decided_by_id = admin.id
    organisation.decision_reason = reason.strip()
    audit.record("organisation.approved" if approve else "organisation.rejected", "organisation",
                 organisation.public_id, actor=admin, reason=reason.strip())
    for membership in organisation.memberships:
        if membership.org_role == OrgRole.OWNER and membership.user.email:
            queue_email(membership.user.email,
                        "Your organisation has been approved" if approve else "Your registration was not approved",
                        "organisation_decided", approved=approve, reason=reason.strip(),
                        link=url_for("accounts.sign_in", _external=True))


def pending_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == OrgStatus.PENDING).order_by(Organisation.created_at)))


# --- Sign-in ---

def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None. Takes the same time whether or not the email exists."""
    user = find_user_by_email(email) if email else None
    ok = credentials.verify_password(user.password_hash if user else None, password)
    if not (user and ok and user.is_active):
        if user:
            audit.record("user.sign_in_failed", "user", user.public_id, actor=user)
        return None
    if user.password_hash is not None and credentials.needs_rehash(user.password_hash):
        user.password_hash = credentials.hash_password(password)
    return user


def notify_lock_out(email: str) -> bool:
    """Tell the holder of the account `email` names that sign-in from some device is paused after failed
    passwords (the requester learns nothing: the page is the same whether or not the account exists)."""
    user = find_user_by_email(email) if email else None
    if user is None or not user.is_active or not user.email:
        return False
    audit.record("user.locked_out", "user", user.public_id, actor=user)
    queue_email(user.email, "Someone is trying to sign in to your account", "locked_out",
                reset_link=url_for("accounts.forgot_password", _external=True))
    return True


def complete_sign_in(user: User) -> None:
    user.last_signed_in_at = utcnow()
    audit.record("user.signed_in", "user", user.public_id, actor=user)


def end_all_sessions(user: User, reason: str) -> None:
    """Every session the user holds, on any device, stops working on its next request."""
    user.session_version += 1
    audit.record("user.sessions_ended", "user", user.public_id, actor=user, reason=reason)


def end_all_credentials(user: User, actor: User | None, reason: str) -> int:
    """Every session and every API token the user holds stops working (password changed or reset, "sign out
    everywhere", disabled, second factor reset). The user may create new tokens afterwards. Returns how many
    tokens were revoked."""
    user.session_version += 1
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                            ApiToken.revoked_at.is_(None))))
    for api_token in tokens:
        api_token.revoked_at = utcnow()
    audit.record("user.credentials_ended", "user", user.public_id, actor=actor, reason=reason,
                 details={"api_tokens_revoked": len(tokens)})
    return len(tokens)


# --- Two-factor ---

ENROLMENT_MAX_AGE = 7 * 24 * 3600


def _enrolment_fingerprint(user: User) -> str:
    # Changes when the user enrols, when their credentials are ended and when their password is set, so each
    # link works once and an old link dies with the credentials it was sent for.
    return credentials.fingerprint(f"{user.session_version}:{user.mfa_enabled_at}:{user.password_hash}")


def send_enrolment_email(user: User, reason: str) -> None:
    """Email a one-time link to set up two-factor authentication (and, for an invited account, a password).
    A privileged account enrols through its mailbox, never on first sign-in by whoever holds the password."""
    token = credentials.make_link_token("enrol", {"u": user.public_id, "f": _enrolment_fingerprint(user)})
    invited = user.password_hash is None
    queue_email(_mailbox(user), "Set up your account" if invited else "Set up two-factor authentication",
                "enrolment", invited=invited, link=url_for("accounts.enrol", token=token, _external=True))
    audit.record("user.enrolment_sent", "user", user.public_id, reason=reason)


def user_for_enrolment_token(token: str) -> User | None:
    data = credentials.read_link_token("enrol", token, ENROLMENT_MAX_AGE)
    user = db.session.scalar(select(User).where(User.public_id == data["u"])) if data else None
    if (data is None or user is None or not user.is_active
            or not hmac.compare_digest(_enrolment_fingerprint(user), str(data["f"]))):
        return None
    return user


def start_mfa_enrolment(user: User) -> str:
    """The secret to show for enrolment: made once, kept until confirmed so a mistyped code can be retried."""
    if user.mfa_enabled_at is None and not user.totp_secret:
        user.totp_secret = credentials.new_totp_secret()
    if user.totp_secret is None:  # two-factor is on, and it is never on without a secret (reset clears both)
        raise ValueError(f"user {user.public_id} has two-factor authentication on but no secret")
    return user.totp_secret


def enrol(token: str, code: str, password: str | None = None) -> tuple[User, list[str]]:
    """Finish enrolment from the emailed link: set the password (invited accounts), confirm the app's code and
    make ten recovery codes. Returns the user and the codes, to show once."""
    user = user_for_enrolment_token(token)
    if user is None:
        raise DomainError("This link has expired or has already been used. Ask an administrator for a new one")
    if user.password_hash is None:
        _check_password(password or "", user.role)
    counter = credentials.totp_match(user.totp_secret or "", code, None)
    if counter is None:
        raise DomainError("Enter the 6-digit code your authenticator app shows now", "code")
    if user.password_hash is None:
        user.password_hash = credentials.hash_password(password or "")
        user.password_changed_at = utcnow()
    user.totp_last_counter = counter
    user.mfa_enabled_at = utcnow()
    if user.email_verified_at is None:  # the link proves they read the mailbox
        user.email_verified_at = utcnow()
    audit.record("user.mfa_enabled", "user", user.public_id, actor=user)
    return user, new_recovery_codes(user, user)


def new_recovery_codes(user: User, actor: User) -> list[str]:
    """Ten new single-use recovery codes; any earlier ones stop working."""
    from portal.accounts.models import RecoveryCode

    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = [credentials.new_recovery_code() for _ in range(credentials.RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=credentials.hash_recovery_code(code)) for code in codes)
    audit.record("user.recovery_codes_made", "user", user.public_id, actor=actor)
    return codes


def recovery_codes_left(user: User) -> int:
    from portal.accounts.models import RecoveryCode

    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _use_recovery_code(user: User, code: str) -> bool:
    from portal.accounts.models import RecoveryCode

    found = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == credentials.hash_recovery_code(code),
        RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    found.used_at = utcnow()
    audit.record("user.recovery_code_used", "user", user.public_id, actor=user)
    return True


def check_mfa_code(user: User, code: str) -> None:
    """A code from the app, or one of the user's unused recovery codes (each works once)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(credentials.normalise_recovery_code(code)) == 12 and _use_recovery_code(user, code):
        return
    counter = credentials.totp_match(user.totp_secret or "", digits, user.totp_last_counter) if len(
        digits) == 6 and len(code.strip()) <= 8 else None
    if counter is None:
        audit.record("user.mfa_failed", "user", user.public_id, actor=user)
        raise DomainError("The code is not right or has already been used. Enter the code your app shows now, "
                          "or one of your recovery codes", "code")
    user.totp_last_counter = counter


def reset_second_factor(user: User, admin: User, reason: str) -> None:
    """An administrator resets a user's second factor: it, their recovery codes, sessions and tokens end, and
    the user re-enrols through an emailed link."""
    from portal.accounts.models import RecoveryCode

    if not user.mfa_required:
        raise DomainError("This user does not sign in with two-factor authentication")
    user.totp_secret = None
    user.totp_last_counter = None
    user.mfa_enabled_at = None
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    end_all_credentials(user, admin, "second factor reset")
    audit.record("user.mfa_reset", "user", user.public_id, actor=admin, reason=reason)
    send_enrolment_email(user, "second factor reset")


# --- Passwords ---

def change_password(user: User, current: str, new: str) -> None:
    if not credentials.verify_password(user.password_hash, current):
        raise DomainError("Your current password is not right", "current_password")
    _set_password(user, new, "new_password")


def _set_password(user: User, new: str, field_name: str) -> None:
    _check_password(new, user.role, field_name)
    user.password_hash = credentials.hash_password(new)
    user.password_changed_at = utcnow()
    end_all_credentials(user, user, "password changed")


def request_password_reset(email: str) -> None:
    """Email a reset link when the account exists; say nothing either way to the requester."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.password_hash is None:
        return
    token = credentials.make_link_token(
        "reset", {"u": user.public_id, "f": credentials.fingerprint(user.password_hash)})
    queue_email(_mailbox(user), "Reset your password", "reset_password",
                link=url_for("accounts.reset_password", token=token, _external=True))


def user_for_reset_token(token: str) -> User | None:
    data = credentials.read_link_token("reset", token, RESET_MAX_AGE)
    user = db.session.scalar(select(User).where(User.public_id == data["u"])) if data else None
    if data is None or user is None or credentials.fingerprint(user.password_hash) != data["f"]:
        return None
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise DomainError("This link has expired or has already been used. Ask for a new one")
    _set_password(user, new, "password")
    if user.email_verified_at is None:  # the link proves they read the mailbox
        user.email_verified_at = utcnow()
    return user


# --- Colleagues ---

def invite_colleague(organisation: Organisation, inviter: User, email: str, org_role: OrgRole) -> Invitation:
    email = normalise_email(email)
    if _email_taken(email):
        raise DomainError("Someone already has an account with this email address", "email")
    token, token_hash = credentials.new_secret_token()
    invitation = Invitation(organisation=organisation, email=email, org_role=org_role, token_hash=token_hash,
                            invited_by=inviter, expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record("organisation.invited", "organisation", organisation.public_id, actor=inviter,
                 details={"invitation": invitation.public_id, "org_role": str(org_role)})
    queue_email(email, f"You have been invited to join {organisation.name}", "invitation",
                organisation=organisation.name,
                link=url_for("accounts.accept_invitation", token=token, _external=True))
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == credentials.hash_token(token)))
    if invitation is None or invitation.accepted_at or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(token: str, name: str, password: str) -> User:
    invitation = invitation_for_token(token)
    if invitation is None:
        raise DomainError("This invitation has expired or has already been used. Ask for a new one")
    role = invitation.organisation.kind_enum.staff_role
    _check_password(password, role)
    if _email_taken(invitation.email):
        raise DomainError("Someone already has an account with this email address")
    user = User(email=invitation.email, name=name.strip(), role=role, email_verified_at=utcnow(),
                password_hash=credentials.hash_password(password), password_changed_at=utcnow())
    db.session.add(user)
    db.session.add(Membership(user=user, organisation=invitation.organisation, org_role=invitation.org_role))
    invitation.accepted_at = utcnow()
    db.session.flush()
    audit.record("organisation.joined", "organisation", invitation.organisation.public_id, actor=user)
    return user


# --- Operators (CLI) ---

def create_user(*, email: str, name: str, role: Role, password: str, organisation: Organisation | None = None,
                org_role: OrgRole = OrgRole.OWNER, prison_code: str | None = None,
                probation_region_slug: str | None = None, probation_delivery_unit_slug: str | None = None,
                sees_whole_region: bool = False) -> User:
    from portal.reference.models import Prison, ProbationRegion

    if role == Role.LEARNER:
        raise DomainError("Learners are created by prison staff in the Virtual Campus", "role")
    if _email_taken(email):
        raise DomainError("A user with this email address already exists", "email")
    if role in ORGANISATION_ROLES and organisation is None:
        raise DomainError(f"A {role.label.lower()} user needs an organisation", "organisation")
    _check_password(password, role)
    user = User(email=normalise_email(email), name=name.strip(), role=role, email_verified_at=utcnow(),
                password_hash=credentials.hash_password(password), password_changed_at=utcnow())
    if prison_code:
        user.prison = db.session.scalar(select(Prison).where(Prison.code == prison_code))
    if probation_region_slug:
        user.probation_region = db.session.scalar(
            select(ProbationRegion).where(ProbationRegion.slug == probation_region_slug))
    if probation_delivery_unit_slug:
        set_probation_team(user, probation_delivery_unit_slug, sees_whole_region)
    db.session.add(user)
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, org_role=org_role))
    db.session.flush()
    audit.record("user.created", "user", user.public_id)
    return user


def find_organisation(name_or_id: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(
        (Organisation.public_id == name_or_id) | (func.lower(Organisation.name) == name_or_id.strip().lower())))


def disable_user(user: User, admin: User | None, reason: str) -> None:
    user.disabled_at = utcnow()
    end_all_credentials(user, admin, "disabled")
    audit.record("user.disabled", "user", user.public_id, actor=admin, reason=reason)


# --- API tokens ---

def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    if not name.strip():
        raise DomainError("Enter a name for the token, such as the system that will use it", "name")
    token, token_hash = credentials.new_secret_token()
    api_token = ApiToken(user=user, name=name.strip()[:100], token_hash=token_hash, prefix=token[:10])
    db.session.add(api_token)
    db.session.flush()
    audit.record("api_token.created", "api_token", api_token.public_id, actor=user)
    return api_token, token


def revoke_api_token(api_token: ApiToken, actor: User) -> None:
    api_token.revoked_at = utcnow()
    audit.record("api_token.revoked", "api_token", api_token.public_id, actor=actor)


def user_for_api_token(token: str) -> tuple[User, ApiToken] | None:
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == credentials.hash_token(token)))
    if api_token is None or api_token.revoked_at or not api_token.user.is_active:
        return None
    if not policy.can(api_token.user, "api.use"):  # e.g. its organisation is not, or no longer, approved
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5):
        api_token.last_used_at = now
    return api_token.user, api_token


# --- Administrators' user screens (issue #17) ---

STAFF_ROLES = (Role.OFFENDER_MANAGER, Role.PRISON_STAFF, Role.ADMIN)
SIGN_IN_EVENTS = {
    "user.signed_in": "Signed in",
    "user.sign_in_failed": "Wrong password",
    "user.mfa_failed": "Wrong two-factor code",
    "user.locked_out": "Sign-in paused after failed passwords",
    "user.recovery_code_used": "Signed in with a recovery code",
}


def set_probation_team(user: User, unit_slug: str, sees_whole_region: bool = False) -> ProbationDeliveryUnit:
    """An offender manager's probation delivery unit (their team, whose referrals they see) and so their region;
    a regional probation lead sees every referral of the region. Returns the unit."""
    unit = db.session.scalar(select(ProbationDeliveryUnit).where(ProbationDeliveryUnit.slug == (unit_slug or "")))
    if unit is None:
        raise DomainError("Select their probation delivery unit", "probation_delivery_unit")
    user.probation_delivery_unit = unit
    user.probation_region_id = unit.probation_region_id
    user.sees_whole_region = bool(sees_whole_region)
    return unit


def change_probation_team(user: User, admin: User, unit_slug: str, sees_whole_region: bool) -> None:
    """An administrator moves an offender manager to another unit, or makes them a regional lead (or not)."""
    if user.role != Role.OFFENDER_MANAGER:
        raise DomainError("Only offender managers belong to a probation delivery unit")
    unit = set_probation_team(user, unit_slug, sees_whole_region)
    audit.record("user.probation_team_changed", "user", user.public_id, actor=admin,
                 details={"unit": unit.slug, "sees_whole_region": user.sees_whole_region})


def invite_staff(admin: User, *, email: str, name: str, role: Role, prison_code: str = "",
                 probation_region_slug: str = "", probation_delivery_unit_slug: str = "",
                 sees_whole_region: bool = False) -> User:
    """An administrator creates an offender manager, prison staff member or administrator. The person chooses
    their own password and enrols their second factor through the emailed link."""
    from portal.reference.models import Prison

    if role not in STAFF_ROLES:
        raise DomainError("Select offender manager, prison staff or administrator", "role")
    if _email_taken(email):
        raise DomainError("Someone already has an account with this email address", "email")
    user = User(email=normalise_email(email), name=name.strip(), role=role)
    if role == Role.PRISON_STAFF:
        user.prison = db.session.scalar(select(Prison).where(Prison.code == prison_code))
        if user.prison is None:
            raise DomainError("Select the prison they work in", "prison")
    if role == Role.OFFENDER_MANAGER:
        set_probation_team(user, probation_delivery_unit_slug, sees_whole_region)
    db.session.add(user)
    db.session.flush()
    audit.record("user.invited", "user", user.public_id, actor=admin,
                 details={"role": str(role), **({"sees_whole_region": True} if user.sees_whole_region else {})})
    send_enrolment_email(user, "invited by an administrator")
    return user


def staff_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_([str(r) for r in STAFF_ROLES]))
                                   .order_by(User.role, User.name)))


def enable_user(user: User, admin: User) -> None:
    if user.disabled_at is None:
        raise DomainError("This user is not disabled")
    user.disabled_at = None
    audit.record("user.enabled", "user", user.public_id, actor=admin)


def disable_user_by_admin(user: User, admin: User, reason: str) -> None:
    if user.id == admin.id:
        raise DomainError("You cannot disable your own account", "reason")
    if user.disabled_at is not None:
        raise DomainError("This user is already disabled")
    if not reason.strip():
        raise DomainError("Enter the reason for disabling this user", "reason")
    disable_user(user, admin, reason.strip())


def sign_in_history(user: User, admin: User, limit: int = 100) -> list[tuple[datetime, str]]:
    """(when, what) for the user's sign-ins and failed attempts, newest first (never a password or code).
    Looking is itself recorded."""
    from portal.audit import AuditEvent

    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == user.public_id,
        AuditEvent.action.in_(SIGN_IN_EVENTS)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    history = [(event.at, SIGN_IN_EVENTS[event.action]) for event in events]
    audit.record("user.sign_in_history_viewed", "user", user.public_id, actor=admin)
    return history

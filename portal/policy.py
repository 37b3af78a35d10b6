"""Access rules: the one place that answers "may this user do this to this object?".

Every view and API call asks `authorize(user, action, obj)`. Rules are plain functions in RULES, keyed by
action; an action without a rule is refused. Where an object's existence is itself a secret (referrals,
drafts), refusal is a 404 so other users cannot learn that it exists.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, and_, false, or_, select
from werkzeug.exceptions import Forbidden, NotFound

from portal.accounts.models import Organisation, User
from portal.accounts.roles import ORGANISATION_ROLES, OrgKind, OrgRole, OrgStatus, Role

Rule = Callable[[User, Any], bool]


def _is(user: User | None, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def _is_admin(user: User | None, obj: Any = None) -> bool:
    return _is(user, Role.ADMIN)


def _member_of(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    if not (user and user.is_authenticated and organisation and user.membership):
        return False
    membership = user.membership
    return membership.organisation_id == organisation.id and (not org_roles or membership.org_role in org_roles)


def _listing_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Provider staff of an approved organisation (with one of `org_roles`, when given)."""
    return (_is(user, Role.PROVIDER, Role.LEAD_PROVIDER) and organisation is not None
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *org_roles))


LISTING_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)


# --- Corporate Alliance (employers) ---

OPPORTUNITY_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)
OPPORTUNITY_FINDERS = (Role.ADMIN, Role.OFFENDER_MANAGER, Role.PRISON_STAFF, Role.EMPLOYER, Role.PROVIDER,
                       Role.LEAD_PROVIDER)


def _employer_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Staff of an approved employer organisation (with one of `org_roles`, when given)."""
    return (_is(user, Role.EMPLOYER) and organisation is not None and organisation.status == OrgStatus.APPROVED
            and _member_of(user, organisation, *org_roles))


def _practitioner(user: User | None) -> bool:
    """Offender managers and prison staff nominate people for opportunities."""
    return _is(user, Role.OFFENDER_MANAGER, Role.PRISON_STAFF)


def _findable(opportunity: Any) -> bool:
    from portal.employers.operations import is_findable  # the employers' views import this module

    return is_findable(opportunity)


def _nominatable(opportunity: Any) -> bool:
    from portal.employers.vocabulary import NOMINATABLE

    return opportunity.kind in NOMINATABLE


def same_team(user: User | None, colleague: User | None) -> bool:
    """A practitioner's team: offender managers of the same probation region, or staff of the same prison."""
    if not (_practitioner(user) and colleague is not None and colleague.role == user.role):
        return False
    if user.id == colleague.id:
        return True
    if user.role == Role.OFFENDER_MANAGER:
        return user.probation_region_id is not None and colleague.probation_region_id == user.probation_region_id
    return user.prison_id is not None and colleague.prison_id == user.prison_id


def nomination_party(user: User | None, nomination: Any) -> str | None:
    """Whose side of a nomination the user is on: "employer" (staff of the opportunity's employer),
    "practitioner" (the nominating practitioner or their team), or None (may not see it)."""
    if _employer_staff(user, nomination.opportunity.organisation):
        return "employer"
    if same_team(user, nomination.nominated_by):
        return "practitioner"
    return None


def _published(user: User | None, service: Any) -> bool:
    from portal.directory.models import ListingState  # imported here: the directory's views import this module

    return service.state == ListingState.PUBLISHED


# --- Referrals: criminal-offence data, so the narrowest rules in the portal ---

def _referrer(user: User | None, referral: Any) -> bool:
    """The offender manager who made the referral, or one in their team (the same probation region)."""
    return _is(user, Role.OFFENDER_MANAGER) and (
        referral.created_by_id == user.id
        or (user.probation_region_id is not None and referral.probation_region_id == user.probation_region_id))


def _provider_staff(user: User | None, referral: Any) -> bool:
    """Staff of the provider organisation, once the referral is sent. Caseworkers see the cases assigned to
    them and the unassigned queue; owners and managers see all; finance staff see none."""
    from portal.referrals.workflow import State

    if referral.state == State.DRAFT or not _listing_staff(user, referral.organisation, *LISTING_EDITORS):
        return False
    if user.membership.org_role == OrgRole.CASEWORKER:
        return referral.assigned_to_id in (None, user.id)
    return True


def referral_actors(user: User | None, referral: Any) -> set:
    """Which parts (workflow.Actor) the user plays for this referral: the transition table says what each may do."""
    from portal.referrals.workflow import Actor

    actors = set()
    if _referrer(user, referral):
        actors.add(Actor.REFERRER)
    if _provider_staff(user, referral):
        actors.add(Actor.PROVIDER)
        if user.membership.org_role in (OrgRole.OWNER, OrgRole.MANAGER):
            actors |= {Actor.PROVIDER_MANAGER, Actor.DELIVERER}
        elif referral.assigned_to_id == user.id:
            actors.add(Actor.DELIVERER)
    return actors


def _may_take(step: str) -> Rule:
    def rule(user: User | None, referral: Any) -> bool:
        from portal.referrals.workflow import TRANSITIONS

        return bool(TRANSITIONS[step].actors & referral_actors(user, referral))
    return rule


def _sees_risk(user: User | None, referral: Any) -> bool:
    from portal.referrals.workflow import ACCEPTED_OR_LATER

    return _referrer(user, referral) or (_provider_staff(user, referral) and referral.state in ACCEPTED_OR_LATER)


def _referral_reports(user: User | None, organisation: Organisation | None) -> bool:
    return _is_admin(user) or _listing_staff(user, organisation, OrgRole.OWNER, OrgRole.MANAGER)


# --- Funding: an organisation's finances are for its owners, managers and finance staff alone ---

FINANCE_ROLES = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.FINANCE)


def _finance_staff(user: User | None, organisation: Organisation | None) -> bool:
    """Owners, managers and finance staff of an approved provider or lead provider (caseworkers never)."""
    return (_is(user, Role.PROVIDER, Role.LEAD_PROVIDER) and organisation is not None
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *FINANCE_ROLES))


def _sees_agreement(user: User | None, agreement: Any) -> bool:
    """The organisation's finance staff, and for a sub-contract its sub-contractor has shared, the lead
    provider organisation's finance staff."""
    return _finance_staff(user, agreement.organisation) or (
        agreement.is_sub_contract and agreement.shared_with_lead_at is not None
        and _finance_staff(user, agreement.lead_organisation))


def _takes_donations(user: User | None, organisation: Organisation | None) -> bool:
    from portal.funding.operations import donations_open  # imported here: funding's views import this module

    return organisation is not None and organisation.status == OrgStatus.APPROVED and donations_open(organisation)


def _publishes_open_data(user: User | None, organisation: Organisation | None) -> bool:
    """An organisation's public open-data files: anyone, once it is approved and has chosen to publish."""
    from portal.funding.operations import publishes_open_data  # imported here: funding's views import this module

    return organisation is not None and organisation.status == OrgStatus.APPROVED and publishes_open_data(organisation)


def _donor_or_finance(user: User | None, claim: Any) -> bool:
    """A receipt: the donor's browser (which holds the donation's id in its session), or the finance staff."""
    return claim.donation.public_id in claim.held or _finance_staff(user, claim.donation.organisation)


REFERRAL_STEPS = ("send", "accept", "decline", "assign", "book", "record_session", "complete", "withdraw",
                  "end_early")

def _eoi_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Staff of an approved service provider (the organisations that send an Expression of Interest)."""
    return (_is(user, Role.PROVIDER) and organisation is not None and organisation.kind == OrgKind.PROVIDER
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *org_roles))


def _lead_provider_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    return (_is(user, Role.LEAD_PROVIDER) and organisation is not None
            and organisation.kind == OrgKind.LEAD_PROVIDER and organisation.status == OrgStatus.APPROVED
            and _member_of(user, organisation, *org_roles))


def _partner_finder(user: User | None) -> bool:
    """Who may search the partner database: administrators and staff of approved lead providers."""
    return _is_admin(user) or _lead_provider_staff(user, user.organisation if user else None)


RULES: dict[str, Rule] = {
    "admin.access": _is_admin,
    "audit_log.view": _is_admin,
    "organisation.approve": _is_admin,
    "user.manage": _is_admin,
    "organisation.view": lambda user, org: _is_admin(user) or _member_of(user, org) or org.status == OrgStatus.APPROVED,
    "organisation.edit": lambda user, org: _is_admin(user) or _member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.invite": lambda user, org: _member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.members": lambda user, org: _is_admin(user) or _member_of(user, org),
    "api_token.manage": lambda user, token: bool(user and user.is_authenticated and token.user_id == user.id),
    "api_token.create": lambda user, _=None: _is(user, *(role for role in Role if role != Role.LEARNER)),
    # A token works only while its holder may use the API (staff of unapproved organisations may not)
    "api.use": lambda user, _=None: _is(user, *Role),
    # Finding services: any signed-in staff member (not a learner) keeps lists of services, each list its
    # owner's alone; administrators see which searches find nothing.
    "directory.save": lambda user, _=None: _is(user, *(role for role in Role if role != Role.LEARNER)),
    "saved_list.manage": lambda user, saved_list: bool(
        _is(user, *(role for role in Role if role != Role.LEARNER)) and saved_list.user_id == user.id),
    "directory.search_gaps": _is_admin,
    # Directory listings: `listing.list` and `listing.edit` take the organisation, the others the service.
    "listing.list": lambda user, org: _listing_staff(user, org),
    "listing.edit": lambda user, org: _listing_staff(user, org, *LISTING_EDITORS),
    "listing.view": lambda user, service: _is_admin(user) or _listing_staff(user, service.organisation),
    "listing.review": _is_admin,
    "listing.report": _published,
    # Referrals. Administrators do not browse referrals: they answer subject access and erasure requests.
    "referral.create": lambda user, _=None: _is(user, Role.OFFENDER_MANAGER),
    # The referral dashboards: offender managers, and provider staff who deliver services
    "referral.list": lambda user, _=None: _is(user, Role.OFFENDER_MANAGER) or (
        user is not None and _listing_staff(user, user.organisation, *LISTING_EDITORS)),
    "referral.view": lambda user, referral: _referrer(user, referral) or _provider_staff(user, referral),
    "referral.view_risk": _sees_risk,
    "referral.edit_draft": lambda user, referral: referral.state == "draft" and _referrer(user, referral),
    "referral.amend": lambda user, referral: _referrer(user, referral),
    # After a risk escalation, the referring side decides: refer on, or continue under a risk management plan
    "referral.decide_escalation": lambda user, referral: _referrer(user, referral) and referral.escalation_pending,
    **{f"referral.{step}": _may_take(step) for step in REFERRAL_STEPS},
    "referral.reports": _referral_reports,
    "referral.subject_access": _is_admin,

    # --- Supply chain (issue #5) ---
    # Expressions of interest: `eoi.edit` and `eoi.own` take the organisation. A provider's entry (drafts,
    # returned and rejected versions included) is its organisation's and the administrators'; lead providers see
    # an entry only while it is published and not expired.
    "eoi.own": lambda user, org: _eoi_staff(user, org),
    "eoi.edit": lambda user, org: _eoi_staff(user, org, *LISTING_EDITORS),
    "eoi.view": lambda user, expression: (_is_admin(user) or _member_of(user, expression.organisation)
                                          or (_partner_finder(user) and expression.is_live())),
    "eoi.document": lambda user, document: (
        _is_admin(user) or _member_of(user, document.expression.organisation)
        or (_partner_finder(user) and document.expression.is_live()
            and document.in_version(document.expression.published_version.number))),
    "eoi.review": _is_admin,
    # The partner database: lead provider staff and administrators.
    "partners.search": lambda user, _=None: _partner_finder(user),
    "shortlist.manage": lambda user, shortlist: _partner_finder(user) and (
        _member_of(user, shortlist.organisation) if shortlist.organisation_id is not None
        else shortlist.created_by_id == user.id),
    # Supply chains: lead providers invite (`supply_chain.invite` takes the published entry); the invited
    # organisation replies; the inviting lead provider may withdraw.
    "supply_chain.manage": lambda user, org=None: _lead_provider_staff(user, org or user.organisation),
    "supply_chain.invite": lambda user, expression: (
        _lead_provider_staff(user, user.organisation, *LISTING_EDITORS) and expression.is_live()),
    "invitation.respond": lambda user, invitation: _eoi_staff(user, invitation.organisation, *LISTING_EDITORS),
    "invitation.view": lambda user, invitation: (_is_admin(user) or _member_of(user, invitation.organisation)
                                                 or _member_of(user, invitation.lead_organisation)),
    "invitation.withdraw": lambda user, invitation: _lead_provider_staff(user, invitation.lead_organisation,
                                                                         *LISTING_EDITORS),
    "supply_chain.coverage": _is_admin,

    # --- Corporate Alliance (employers) ---
    # Employer staff (of an approved employer organisation) join the Alliance, post and look after their
    # organisation's opportunities and follow the nominations made for them; administrators verify levels.
    "alliance.join": lambda user, org: _employer_staff(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "alliance.view_own": lambda user, org: _employer_staff(user, org),
    "alliance.verify": _is_admin,
    "opportunity.post": lambda user, org: _employer_staff(user, org, *OPPORTUNITY_EDITORS),
    "opportunity.manage": lambda user, opportunity: _employer_staff(user, opportunity.organisation,
                                                                    *OPPORTUNITY_EDITORS),
    "opportunity.find": lambda user, _=None: _is(user, *OPPORTUNITY_FINDERS),
    "opportunity.view": lambda user, opportunity: _is_admin(user) or _employer_staff(
        user, opportunity.organisation) or (_is(user, *OPPORTUNITY_FINDERS) and _findable(opportunity)),
    "nomination.create": lambda user, opportunity: _practitioner(user) and _findable(opportunity)
    and _nominatable(opportunity),
    "nomination.list": lambda user, _=None: _practitioner(user) or _is(user, Role.EMPLOYER),
    "nomination.view": lambda user, nomination: nomination_party(user, nomination) is not None,
    "employer.dashboard": lambda user, org: _employer_staff(user, org),

    # Funding. `funding.manage` and `funding.supply_chain` take the organisation.
    "funding.manage": _finance_staff,
    "funding.supply_chain": lambda user, org: _finance_staff(user, org) and org.kind == "lead_provider",
    "agreement.view": _sees_agreement,
    "agreement.edit": lambda user, agreement: _finance_staff(user, agreement.organisation),
    "donation.give": _takes_donations,
    "funding.open_data": _publishes_open_data,
    "donation.receipt": _donor_or_finance,
    "donation.refund": lambda user, donation: _finance_staff(user, donation.organisation),
}


# Actions an anonymous visitor may be granted (the rule still decides per object).
PUBLIC_ACTIONS = frozenset({"organisation.view", "listing.report", "donation.give", "donation.receipt",
                            "funding.open_data"})
# What staff of an organisation that is not approved (pending, rejected or suspended) may do besides what an
# anonymous visitor may: see their own organisation's registration status. Nothing else, so no email leaves the
# portal on its behalf (sharing lists, inviting colleagues), no API token, no employer opportunities (issue #12).
UNAPPROVED_ACTIONS = frozenset({"organisation.view"})


def awaiting_approval(user: User | None) -> bool:
    """Organisation staff whose organisation is not (or no longer) approved."""
    if not (user and user.is_authenticated and user.role in ORGANISATION_ROLES):
        return False
    organisation = user.organisation
    return organisation is None or organisation.status != OrgStatus.APPROVED


def can(user: User | None, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no access rule for {action!r}")
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    if signed_in and awaiting_approval(user) and action not in UNAPPROVED_ACTIONS:
        signed_in = False  # treated as an anonymous visitor for everything else
    if not signed_in and action not in PUBLIC_ACTIONS:
        return False
    return bool(rule(user if signed_in else None, obj))


def authorize(user: User | None, action: str, obj: Any = None, *, secret: bool = False) -> None:
    """Raise 404 (when the object's existence is secret) or 403 unless the user may act."""
    if not can(user, action, obj):
        raise NotFound() if secret else Forbidden()


# --- Scoped queries: what a user may list ---

def visible_referrals(user: User | None) -> Select:
    """The referrals a user may list: the same rules as `referral.view`, as a query."""
    from sqlalchemy import false, or_

    from portal.referrals.models import Referral
    from portal.referrals.workflow import State

    query = select(Referral)
    if _is(user, Role.OFFENDER_MANAGER):
        mine = Referral.created_by_id == user.id
        if user.probation_region_id is not None:
            mine = or_(mine, Referral.probation_region_id == user.probation_region_id)
        return query.where(mine)
    organisation = user.organisation if user and user.is_authenticated else None
    if not _listing_staff(user, organisation, *LISTING_EDITORS):
        return query.where(false())
    query = query.where(Referral.organisation_id == organisation.id, Referral.state != State.DRAFT)
    if user.membership.org_role == OrgRole.CASEWORKER:
        query = query.where(or_(Referral.assigned_to_id.is_(None), Referral.assigned_to_id == user.id))
    return query


def visible_organisations(user: User | None) -> Select:
    query = select(Organisation)
    if _is_admin(user):
        return query
    return query.where(Organisation.status == OrgStatus.APPROVED)


# --- Supply chain (issue #5) ---

def live_expressions(now=None) -> Select:
    """Published versions of entries that have not expired: all the partner database ever shows."""
    from portal.database import utcnow
    from portal.supply_chain.models import Expression, ExpressionVersion, VersionState

    return (select(ExpressionVersion.id).join(Expression)
            .where(ExpressionVersion.state == VersionState.PUBLISHED, Expression.expires_at > (now or utcnow())))


def visible_shortlists(user: User | None) -> Select:
    from portal.supply_chain.models import Shortlist

    query = select(Shortlist).order_by(Shortlist.name)
    if not _partner_finder(user):
        return query.where(False)
    if user.organisation is not None:
        return query.where(Shortlist.organisation_id == user.organisation.id)
    return query.where(Shortlist.organisation_id.is_(None), Shortlist.created_by_id == user.id)

def team_members(user: User | None) -> Select:
    """The practitioners in the user's team (the user included): offender managers of the same probation
    region, or staff of the same prison. Nobody else is anybody's team."""
    if not _practitioner(user):
        return select(User).where(false())
    query = select(User).where(User.role == user.role)
    key = User.probation_region_id if user.role == Role.OFFENDER_MANAGER else User.prison_id
    value = user.probation_region_id if user.role == Role.OFFENDER_MANAGER else user.prison_id
    return query.where(or_(User.id == user.id, and_(key.is_not(None), key == value)) if value is not None
                       else User.id == user.id)


def visible_nominations(user: User | None) -> Select:
    """Nominations the user may see: employer staff, those for their organisation's opportunities; a
    practitioner, those they or their team made; everyone else, none (administrators included)."""
    from portal.employers.models import Nomination, Opportunity

    query = select(Nomination)
    if _is(user, Role.EMPLOYER) and user.organisation is not None and user.organisation.status == OrgStatus.APPROVED:
        return query.join(Opportunity, Nomination.opportunity_id == Opportunity.id).where(
            Opportunity.organisation_id == user.organisation.id)
    if _practitioner(user):
        return query.where(Nomination.nominated_by_id.in_(team_members(user).with_only_columns(User.id)))
    return query.where(false())


def managed_opportunities(user: User | None) -> Select:
    """The opportunities of the user's employer organisation (any state), for its staff."""
    from portal.employers.models import Opportunity

    if not _employer_staff(user, user.organisation if user else None):
        return select(Opportunity).where(false())
    return select(Opportunity).where(Opportunity.organisation_id == user.organisation.id)

def visible_agreements(user: User | None) -> Select:
    """Agreements a user may list: their organisation's (finance staff), and sub-contracts shared with it."""
    from sqlalchemy import and_, false, or_

    from portal.funding.models import Agreement, ContractRole

    organisation = user.organisation if user and user.is_authenticated else None
    if not _finance_staff(user, organisation):
        return select(Agreement).where(false())
    return select(Agreement).where(or_(
        Agreement.organisation_id == organisation.id,
        and_(Agreement.lead_organisation_id == organisation.id, Agreement.contract_role == ContractRole.SUB_CONTRACTOR,
             Agreement.shared_with_lead_at.is_not(None))))

# --- Virtual Campus: learners are seen by staff at their own prison only; organisations see only the messages
# delivered to them (and their own replies); a learner sees only their own record, and only while signed in
# through a live kiosk session (checked on every request by portal.campus.gate). ---

def _prison_staff(user: User | None, _=None) -> bool:
    return _is(user, Role.PRISON_STAFF) and user.prison_id is not None


def _staff_of_learner(user: User | None, learner: Any) -> bool:
    return _prison_staff(user) and learner.prison_id == user.prison_id


def _campus_org_staff(user: User | None, organisation: Organisation | None) -> bool:
    """Staff of an approved provider or employer organisation (not its finance staff)."""
    return (_is(user, Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER) and organisation is not None
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *LISTING_EDITORS))


def _org_sees_message(user: User | None, message: Any) -> bool:
    from portal.campus.models import Direction, MessageState

    if not _campus_org_staff(user, message.organisation):
        return False
    return message.direction == Direction.TO_LEARNER or message.state == MessageState.APPROVED


def _learner_sees_message(user: User | None, message: Any) -> bool:
    from portal.campus.models import Direction, MessageState

    return (_is(user, Role.LEARNER) and message.learner.user_id == user.id
            and (message.direction == Direction.TO_ORGANISATION or message.state == MessageState.APPROVED))


def _content_author(user: User | None, _=None) -> bool:
    return _is_admin(user) or _listing_staff(user, user.organisation if user else None, *LISTING_EDITORS)


RULES.update({
    "campus.manage_learners": _prison_staff,
    "campus.learner.manage": _staff_of_learner,
    "campus.session.end": lambda user, kiosk: _prison_staff(user) and kiosk.prison_id == user.prison_id,
    "campus.message.check": lambda user, message: _staff_of_learner(user, message.learner),
    "campus.message.view": lambda user, message: (_learner_sees_message(user, message)
                                                  or _org_sees_message(user, message)
                                                  or _staff_of_learner(user, message.learner)),
    "campus.message.read_org": _org_sees_message,
    "campus.message.reply": lambda user, message: (
        _org_sees_message(user, message) and message.direction == "to_organisation"),
    "campus.inbox": lambda user, _=None: _campus_org_staff(user, user.organisation if user else None),
    "campus.content.write": _content_author,
    "campus.content.edit": lambda user, item: _is_admin(user) or (
        item.organisation_id is not None and _listing_staff(user, item.organisation, *LISTING_EDITORS)),
    # Safeguarding checks (issue #13): content written outside the administrators' team is approved by an
    # administrator; employers' opportunities reach learners once an administrator or prison staff approve them.
    "campus.content.review": lambda user, _=None: _is_admin(user),
    "campus.opportunity.review": lambda user, opportunity=None: _is_admin(user) or (_prison_staff(user) and (
        opportunity is None or not opportunity.prisons or user.prison_id in {p.id for p in opportunity.prisons})),
    "campus.cv.view_shared": lambda user, cv: (_is(user, Role.OFFENDER_MANAGER)
                                               and cv.learner.offender_manager_id == user.id),
    "campus.shared_cvs": lambda user, _=None: _is(user, Role.OFFENDER_MANAGER),
    "campus.image.view": lambda user, _=None: _is(user, *Role),
})


def campus_readable_organisations() -> Select:
    """Ids of organisations with someone who can read their campus inbox now (see `_campus_org_staff`): an active,
    verified provider or employer user who is an owner, manager or caseworker of an approved organisation.
    Learners are offered only these, so nobody writes to an inbox that nobody reads."""
    from portal.accounts.models import Membership

    return (select(Membership.organisation_id).join(User, Membership.user_id == User.id)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(User.role.in_([Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER]), User.disabled_at.is_(None),
                   User.email_verified_at.is_not(None), Membership.org_role.in_(LISTING_EDITORS),
                   Organisation.status == OrgStatus.APPROVED))


def visible_learners(user: User | None) -> Select:
    from sqlalchemy import false

    from portal.campus.models import Learner

    query = select(Learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def checkable_messages(user: User | None) -> Select:
    from sqlalchemy import false

    from portal.campus.models import Learner, Message

    query = select(Message).join(Message.learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def learner_visible_messages(user: User | None) -> Select:
    from sqlalchemy import false, or_

    from portal.campus.models import Direction, Learner, Message, MessageState

    query = select(Message).join(Message.learner)
    if not _is(user, Role.LEARNER):
        return query.where(false())
    return query.where(Learner.user_id == user.id, or_(Message.direction == Direction.TO_ORGANISATION,
                                                       Message.state == MessageState.APPROVED))


def organisation_visible_messages(user: User | None) -> Select:
    from sqlalchemy import false, or_

    from portal.campus.models import Direction, Message, MessageState

    query = select(Message)
    organisation = user.organisation if user and user.is_authenticated else None
    if not _campus_org_staff(user, organisation):
        return query.where(false())
    return query.where(Message.organisation_id == organisation.id,
                       or_(Message.direction == Direction.TO_LEARNER, Message.state == MessageState.APPROVED))

"""Supply-chain rules: Expressions of Interest and their versions, moderation, renewal and reminders, evidence
documents, shortlists, invitations into supply chains, and coverage.

Every function takes the acting user, checks what the rule needs, writes, records an audit event and queues
emails in the same transaction; the caller commits. Bad input raises DomainError naming the field.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.exceptions import NotFound

from portal import audit, paging, policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.mail import queue_email
from portal.reference.models import ContractPackageArea
from portal.supply_chain import rules, uploads
from portal.supply_chain import vocabulary as v
from portal.supply_chain.models import (
    Expression,
    ExpressionDecision,
    ExpressionDocument,
    ExpressionTag,
    ExpressionVersion,
    InvitationState,
    PartnershipInvitation,
    Shortlist,
    ShortlistItem,
    VersionState,
)

PUBLISHED_FOR = timedelta(days=365)
# Owners are reminded 30 days and 7 days before their entry expires, and told when it has expired.
REMINDERS = ((1, timedelta(days=30)), (2, timedelta(days=7)), (3, timedelta(0)))


# --- The state machine: which step moves a version from which states to which, and who may take it ---

OWNER, ADMIN, SYSTEM = "owner", "admin", "system"


@dataclass(frozen=True)
class Step:
    from_states: tuple[str, ...]
    to_state: str
    who: str
    words: str  # "send it for review": used in refusals
    comment_needed: str = ""  # the message when a comment is required and missing


S = VersionState
STEPS: dict[str, Step] = {
    "submit": Step((S.DRAFT,), S.SUBMITTED, OWNER, "send it for review"),
    "withdraw": Step((S.SUBMITTED,), S.DRAFT, OWNER, "take it back from review"),
    "start_review": Step((S.SUBMITTED,), S.IN_REVIEW, ADMIN, "start reviewing it"),
    "publish": Step((S.IN_REVIEW,), S.PUBLISHED, ADMIN, "publish it"),
    "return": Step((S.IN_REVIEW,), S.RETURNED, ADMIN, "return it for changes",
                   "Enter what the organisation needs to change"),
    "reject": Step((S.IN_REVIEW,), S.REJECTED, ADMIN, "reject it", "Enter why the entry is rejected"),
    "renew": Step((S.PUBLISHED,), S.PUBLISHED, OWNER, "renew it"),
    "supersede": Step((S.PUBLISHED,), S.SUPERSEDED, SYSTEM, "replace it"),
}


def _may(user: User | None, who: str, version: ExpressionVersion) -> bool:
    if who == OWNER:
        return policy.can(user, "eoi.edit", version.expression.organisation)
    if who == ADMIN:
        return policy.can(user, "eoi.review")
    return True  # system steps follow from another step already allowed


def apply(version: ExpressionVersion, action: str, user: User | None, comment: str = "") -> ExpressionDecision:
    """Take one step of the state machine, or refuse it with a clear message; the step is kept for good."""
    step = STEPS[action]
    if not _may(user, step.who, version):
        raise DomainError(f"You cannot {step.words}")
    if version.state not in step.from_states:
        raise DomainError(f"You cannot {step.words}: this version is {version.state_label.lower()}")
    comment = (comment or "").strip()
    if step.comment_needed and not comment:
        raise DomainError(step.comment_needed, "comment")
    decision = ExpressionDecision(version=version, action=action, from_state=version.state, to_state=step.to_state,
                                  actor_id=getattr(user, "id", None), actor_role=getattr(user, "role", "") or "",
                                  comment=comment, at=utcnow())
    db.session.add(decision)
    version.state = step.to_state
    version.expression.updated_at = utcnow()  # bumps the entry's version: pages opened before get a 409
    audit.record(f"eoi.{action}", "expression", version.expression.public_id, actor=user,
                 reason=comment if step.who == ADMIN else "", details={"version": version.number})
    return decision


def _check_version(expression: Expression, expected_version: int | None) -> None:
    if expected_version is not None and expression.version != expected_version:
        raise Conflict()


# --- The organisation's entry ---

def expression_for(organisation: Organisation) -> Expression | None:
    return db.session.scalar(select(Expression).where(Expression.organisation_id == organisation.id)
                             .options(selectinload(Expression.versions)))


def working_version(expression: Expression | None) -> ExpressionVersion | None:
    """The version the organisation works on: the newest one (a draft, one waiting, or the published one)."""
    return expression.latest_version if expression else None


def draft_for_editing(expression: Expression, user: User) -> ExpressionVersion:
    """The draft to change: the current draft, or a new one copied from the newest version (the published one
    stays published meanwhile). Refused while an administrator has the entry."""
    latest = expression.latest_version
    if latest is not None and latest.state == S.DRAFT:
        return latest
    if latest is not None and latest.state == S.SUBMITTED:
        raise DomainError("Your entry has been sent for review. Take it back from review before you change it")
    if latest is not None and latest.state == S.IN_REVIEW:
        raise DomainError("An administrator is reviewing your entry. You can change it once they have decided")
    draft = ExpressionVersion(expression=expression, number=(latest.number + 1) if latest else 1,
                              answers=dict(latest.answers) if latest else {}, created_by_id=user.id)
    db.session.add(draft)
    _derive(draft)
    return draft


def save_draft(organisation: Organisation, user: User, answers: dict[str, Any], expected_version: int | None = None
               ) -> Expression:
    """Keep the answers as the organisation's draft (whatever is missing can be added later)."""
    policy.authorize(user, "eoi.edit", organisation, secret=True)
    expression = expression_for(organisation)
    if expression is None:
        expression = Expression(organisation=organisation)
        db.session.add(expression)
    else:
        _check_version(expression, expected_version)
    draft = draft_for_editing(expression, user)
    draft.answers = {**draft.answers, **answers}
    _derive(draft)
    expression.updated_at = utcnow()
    db.session.flush()
    audit.record("eoi.saved", "expression", expression.public_id, actor=user, details={"version": draft.number})
    return expression


def _derive(version: ExpressionVersion) -> None:
    """Copy what search filters and counts on out of the answers: tags, a name, the words text search reads."""
    answers = version.answers
    tags: set[tuple[str, str]] = set()
    for facet, key in v.FACET_ANSWERS.items():
        value = answers.get(key)
        for code in (value if isinstance(value, list) else [value] if value else []):
            if code in v.FACETS[facet].terms:
                tags.add((facet, code))
    from portal.reference.data import CONTRACT_PACKAGE_AREAS

    cpa_regions = {slug: region for slug, _, region in CONTRACT_PACKAGE_AREAS}
    tags |= {("region", cpa_regions[code]) for facet, code in list(tags) if facet == "cpa"}
    version.tags = [ExpressionTag(facet=facet, code=code) for facet, code in sorted(tags)]
    name = (answers.get("organisation_name") or version.expression.organisation.name).strip()
    words = [name, answers.get("description"), answers.get("other_specialisms"), answers.get("quality_marks"),
             answers.get("case_studies"), answers.get("outcomes"),
             *(v.SPECIALISMS.get(c, "") for c in answers.get("specialisms") or []),
             *(v.PATHWAYS.get(c, "") for c in answers.get("pathways") or [])]
    version.name = name[:200]
    version.search_text = " ".join(w for w in words if w).lower()


# What must be answered before an entry is sent for review: (answer, form field, message).
REQUIRED = [
    ("organisation_name", "organisation_name", "Enter your organisation's name"),
    ("description", "description", "Enter what your organisation does"),
    ("contact_email", "contact_email", "Enter an email address lead providers can use"),
    ("sector", "sector", "Select your sector"),
    ("income_band", "income_band", "Select your annual income"),
    ("staff", "staff", "Enter how many paid staff you have (0 if none)"),
    ("volunteers", "volunteers", "Enter how many volunteers you have (0 if none)"),
    ("pathways", "pathways", "Select at least one resettlement pathway"),
    ("settings", "settings", "Select where you work with people"),
    ("cpas", "cpas", "Select at least one contract package area"),
    ("capacity", "capacity", "Enter how many people you could work with in a year"),
    ("safeguarding_policy", "safeguarding_policy", "Select whether you have a safeguarding policy"),
    ("data_protection_policy", "data_protection_policy", "Select whether you have a data protection policy"),
    ("insurance", "insurance", "Select whether you hold public and employer's liability insurance"),
    ("risk_appetite", "risk_appetite", "Select your appetite for payment-by-results risk"),
]


def missing_answers(version: ExpressionVersion | None) -> list[tuple[str, str]]:
    """(form field, message) for every answer needed before the entry can be sent for review."""
    answers = version.answers if version else {}
    return [(field, message) for key, field, message in REQUIRED if answers.get(key) in (None, "", [])]


def submit(expression: Expression, user: User, expected_version: int | None = None) -> ExpressionVersion:
    _check_version(expression, expected_version)
    version = expression.latest_version
    if version is None or version.state != S.DRAFT:
        raise DomainError("There are no changes to send for review")
    if missing := missing_answers(version):
        raise DomainError(f"Your entry is not finished: {missing[0][1][0].lower()}{missing[0][1][1:]}")
    apply(version, "submit", user)
    version.submitted_at, version.submitted_by_id = utcnow(), user.id
    link = url_for("supply_chain.review", version_id=version.public_id, _external=True)
    for admin in db.session.scalars(select(User).where(User.role == Role.ADMIN, User.disabled_at.is_(None))):
        if admin.email is not None:
            queue_email(admin.email, "An expression of interest is waiting for review", "eoi_submitted", link=link)
    return version


def withdraw(expression: Expression, user: User, expected_version: int | None = None) -> None:
    _check_version(expression, expected_version)
    version = expression.latest_version
    if version is None:
        raise DomainError("There is nothing to take back")
    apply(version, "withdraw", user)


def renew(expression: Expression, user: User, expected_version: int | None = None, now: datetime | None = None
          ) -> None:
    """Keep a published entry for another 12 months from today. An expired entry goes back through review."""
    _check_version(expression, expected_version)
    now = now or utcnow()
    version = expression.published_version
    if version is None:
        raise DomainError("Only a published entry can be renewed")
    if not expression.is_live(now):
        raise DomainError("Your entry has expired. Check it, change anything out of date and send it for review "
                          "again")
    apply(version, "renew", user)
    expression.expires_at = now + PUBLISHED_FOR
    expression.reminders_sent = 0


# --- Administrators ---

def review_queue() -> list[ExpressionVersion]:
    return list(db.session.scalars(
        select(ExpressionVersion).where(ExpressionVersion.state.in_([S.SUBMITTED, S.IN_REVIEW]))
        .order_by(ExpressionVersion.submitted_at).options(selectinload(ExpressionVersion.expression))))


def start_review(version: ExpressionVersion, admin: User) -> None:
    apply(version, "start_review", admin)


def decide(version: ExpressionVersion, admin: User, decision: str, comment: str = "") -> None:
    if decision not in ("publish", "return", "reject"):
        raise DomainError("Select whether to publish, return or reject the entry", "decision")
    expression = version.expression
    previous = expression.published_version
    apply(version, decision, admin, comment)
    if decision == "publish":
        if previous is not None and previous is not version:
            apply(previous, "supersede", admin)
        now = utcnow()
        expression.approved_at, expression.expires_at, expression.reminders_sent = now, now + PUBLISHED_FOR, 0
    subject = {"publish": "Your expression of interest has been published",
               "return": "Your expression of interest needs changes",
               "reject": "Your expression of interest has been rejected"}[decision]
    _tell_organisation(expression.organisation, subject, "eoi_decided",
                       link=url_for("supply_chain.my_expression", _external=True), decision=decision)


def _tell_organisation(organisation: Organisation, subject: str, template: str, **context: object) -> None:
    for membership in organisation.memberships:
        if membership.user.email and membership.user.is_active:
            queue_email(membership.user.email, subject, template, **context)


# --- Expiry reminders ---

def send_reminders(now: datetime | None = None, progress: Callable[[int], None] | None = None) -> dict[int, int]:
    """Remind owners 30 and 7 days before their published entry expires, and tell them when it has; each once."""
    now = now or utcnow()
    counts = {stage: 0 for stage, _ in REMINDERS}
    expressions = db.session.scalars(
        select(Expression).where(Expression.expires_at.is_not(None), Expression.reminders_sent < len(REMINDERS),
                                 Expression.expires_at <= now + REMINDERS[0][1])
        .options(selectinload(Expression.organisation)))
    for n, expression in enumerate(expressions, start=1):
        expires_at = expression.expires_at  # never None: the query leaves out entries that do not expire
        stage = max((s for s, before in REMINDERS if expires_at is not None and expires_at - now <= before),
                    default=0)
        if expression.published_version is not None and stage > expression.reminders_sent:
            expired = stage == len(REMINDERS)
            _tell_organisation(
                expression.organisation,
                "Your expression of interest has expired" if expired else "Renew your expression of interest",
                "eoi_reminder", link=url_for("supply_chain.my_expression", _external=True), expired=expired,
                expires=expression.expires_at)
            expression.reminders_sent = stage
            counts[stage] += 1
            audit.record("eoi.reminded", "expression", expression.public_id, details={"stage": stage})
        if progress:
            progress(n)
    return counts


def reminder_candidates(now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(select(func.count()).select_from(Expression).where(
        Expression.expires_at.is_not(None), Expression.reminders_sent < len(REMINDERS),
        Expression.expires_at <= now + REMINDERS[0][1])) or 0


# --- Evidence documents ---

def add_document(organisation: Organisation, user: User, kind: str, title: str, filename: str, data: bytes
                 ) -> ExpressionDocument:
    policy.authorize(user, "eoi.edit", organisation, secret=True)
    if kind not in v.DOCUMENT_KINDS:
        raise DomainError("Select what kind of document it is", "kind")
    checked = uploads.check(filename, data)
    expression = expression_for(organisation)
    if expression is None:
        expression = save_draft(organisation, user, {})
    draft = draft_for_editing(expression, user)
    db.session.flush()
    document = ExpressionDocument(
        expression=expression, kind=kind, title=(title or "").strip()[:200] or v.DOCUMENT_KINDS[kind],
        filename=checked.filename, stored_name=uploads.store(checked.data), content_type=checked.content_type,
        size=len(checked.data), sha256=checked.sha256, added_in=draft.number, uploaded_by_id=user.id)
    db.session.add(document)
    expression.updated_at = utcnow()
    db.session.flush()
    audit.record("eoi.document_added", "expression", expression.public_id, actor=user,
                 details={"document": document.public_id, "kind": kind, "size": document.size})
    return document


def remove_document(document: ExpressionDocument, user: User) -> str | None:
    """Take a document out of the draft (the published version keeps it). Returns the stored file to delete once
    the transaction commits, when no version ever showed it."""
    expression = document.expression
    policy.authorize(user, "eoi.edit", expression.organisation, secret=True)
    draft = draft_for_editing(expression, user)
    db.session.flush()
    if not document.in_version(draft.number):
        raise DomainError("This document has already been removed")
    audit.record("eoi.document_removed", "expression", expression.public_id, actor=user,
                 details={"document": document.public_id})
    expression.updated_at = utcnow()
    if document.added_in == draft.number:
        stored = document.stored_name
        db.session.delete(document)
        return stored
    document.removed_in = draft.number
    return None


# --- The partner database ---

PER_PAGE = 20


@dataclass
class Criteria:
    text: str = ""
    chosen: dict[str, list[str]] = field(default_factory=dict)  # facet -> the codes ticked
    page: int = 1

    def __post_init__(self) -> None:
        self.chosen = {name: list(codes) for name, codes in (self.chosen or {}).items() if codes}

    def args(self, **change: object) -> dict[str, object]:
        """The query string arguments of these criteria (with `change` applied), for `url_for`."""
        args: dict[str, object] = {"q": self.text} if self.text else {}
        args.update({name: codes for name, codes in self.chosen.items()})
        args.update(change)
        return args


@dataclass
class FacetCount:
    code: str
    label: str
    count: int
    chosen: bool


@dataclass
class SearchResult:
    versions: list[ExpressionVersion]
    total: int
    facets: dict[str, list[FacetCount]]


def _matching(criteria: Criteria, leave_out: str | None = None, now: datetime | None = None) -> Select[tuple[int]]:
    """The ids of live versions matching the criteria (ignoring one facet's choices, to count that facet)."""
    query = rules.live_expressions(now)
    for word in criteria.text.lower().split()[:10]:
        query = query.where(ExpressionVersion.search_text.like(paging.containing(word), escape=paging.LIKE_ESCAPE))
    for facet, codes in criteria.chosen.items():
        if facet != leave_out:
            query = query.where(ExpressionVersion.id.in_(
                select(ExpressionTag.version_id).where(ExpressionTag.facet == facet, ExpressionTag.code.in_(codes))))
    return query


def search(criteria: Criteria, *, per_page: int = PER_PAGE, everything: bool = False) -> SearchResult:
    """Published, unexpired entries matching the criteria, by name, with facet counts. Each facet is counted
    over the entries matching every other facet, so a count says what ticking that box would give."""
    matching = _matching(criteria).subquery()
    total = db.session.scalar(select(func.count()).select_from(matching)) or 0
    query = (select(ExpressionVersion).where(ExpressionVersion.id.in_(select(matching.c.id)))
             .order_by(func.lower(ExpressionVersion.name), ExpressionVersion.id)
             .options(selectinload(ExpressionVersion.tags),
                      selectinload(ExpressionVersion.expression).selectinload(Expression.organisation)))
    if not everything:
        query = query.limit(per_page).offset(paging.offset(criteria.page, per_page))
    versions = list(db.session.scalars(query))
    facets = {}
    for name, facet in v.FACETS.items():
        counted = dict(db.session.execute(
            select(ExpressionTag.code, func.count()).where(
                ExpressionTag.facet == name, ExpressionTag.version_id.in_(_matching(criteria, leave_out=name)))
            .group_by(ExpressionTag.code)).tuples().all())
        chosen = set(criteria.chosen.get(name, []))
        facets[name] = [FacetCount(code, label, counted.get(code, 0), code in chosen)
                        for code, label in facet.terms.items()]
    return SearchResult(versions, total, facets)


def live_expression(public_id: str) -> Expression | None:
    return db.session.scalar(select(Expression).where(Expression.public_id == public_id))


# --- Shortlists ---

def add_to_shortlist(user: User, expression: Expression, shortlist_id: str | None, new_name: str) -> Shortlist:
    policy.authorize(user, "partners.search")
    if not expression.is_live():
        raise DomainError("Only published entries can be shortlisted")
    if shortlist_id and shortlist_id != "new":
        shortlist = db.session.scalar(rules.visible_shortlists(user).where(Shortlist.public_id == shortlist_id))
        if shortlist is None:
            raise DomainError("Select a shortlist", "shortlist")
    else:
        name = (new_name or "").strip()
        if not name:
            raise DomainError("Enter a name for the new shortlist" if shortlist_id == "new"
                              else "Select a shortlist or enter a name for a new one", "new_name")
        if db.session.scalar(rules.visible_shortlists(user).where(func.lower(Shortlist.name) == name.lower())):
            raise DomainError(f"You already have a shortlist called ‘{name}’. Choose it from the list", "new_name")
        shortlist = Shortlist(name=name, created_by_id=user.id,
                              organisation_id=user.organisation.id if user.organisation else None)
        db.session.add(shortlist)
        db.session.flush()
    if any(item.expression_id == expression.id for item in shortlist.items):
        raise DomainError(f"This organisation is already on ‘{shortlist.name}’", "shortlist")
    shortlist.items.append(ShortlistItem(expression=expression))
    audit.record("shortlist.added", "shortlist", shortlist.public_id, actor=user,
                 details={"expression": expression.public_id})
    return shortlist


def remove_from_shortlist(shortlist: Shortlist, user: User, expression_id: str) -> Expression | None:
    policy.authorize(user, "shortlist.manage", shortlist, secret=True)
    for item in shortlist.items:
        if item.expression.public_id == expression_id:
            shortlist.items.remove(item)
            audit.record("shortlist.removed", "shortlist", shortlist.public_id, actor=user,
                         details={"expression": expression_id})
            return item.expression
    return None


def delete_shortlist(shortlist: Shortlist, user: User) -> None:
    policy.authorize(user, "shortlist.manage", shortlist, secret=True)
    audit.record("shortlist.deleted", "shortlist", shortlist.public_id, actor=user)
    db.session.delete(shortlist)


def shortlist_versions(shortlist: Shortlist) -> list[ExpressionVersion]:
    """The published version of each entry on the list that is still live (expired ones drop out of sight)."""
    return [version for item in shortlist.items
            if item.expression.is_live() and (version := item.expression.published_version) is not None]


# --- Supply chains ---

INVITATION_STEPS = {  # action -> (from states, to state, which side may take it)
    "accept": ((InvitationState.INVITED,), InvitationState.ACCEPTED, "invited"),
    "decline": ((InvitationState.INVITED,), InvitationState.DECLINED, "invited"),
    "withdraw": ((InvitationState.INVITED, InvitationState.ACCEPTED), InvitationState.WITHDRAWN, "lead"),
}


def invite(expression: Expression, user: User, *, contract_name: str, cpa_slug: str, services: str,
           risk_share_percent: int, risk_notes: str = "") -> PartnershipInvitation:
    policy.authorize(user, "supply_chain.invite", expression, secret=True)
    contract_name, services = (contract_name or "").strip(), (services or "").strip()
    if not contract_name:
        raise DomainError("Enter the name of the contract", "contract_name")
    if not services:
        raise DomainError("Enter the services the organisation would deliver", "services")
    if not 0 <= risk_share_percent <= 100:
        raise DomainError("Share of the sub-contract's value paid by results must be a whole number from 0 to 100",
                          "risk_share_percent")
    cpa = db.session.scalar(select(ContractPackageArea).where(ContractPackageArea.slug == cpa_slug))
    if cpa is None:
        raise DomainError("Select the contract package area", "contract_package_area")
    lead = user.organisation
    if lead is None:  # never: `supply_chain.invite` is for staff of a lead provider
        raise NotFound()
    duplicate = db.session.scalar(select(PartnershipInvitation).where(
        PartnershipInvitation.lead_organisation_id == lead.id,
        PartnershipInvitation.organisation_id == expression.organisation_id,
        PartnershipInvitation.contract_package_area_id == cpa.id,
        func.lower(PartnershipInvitation.contract_name) == contract_name.lower(),
        PartnershipInvitation.state.in_([InvitationState.INVITED, InvitationState.ACCEPTED])))
    if duplicate is not None:
        raise DomainError(f"You have already invited this organisation to ‘{duplicate.contract_name}’ in "
                          f"{cpa.name}", "contract_name")
    invitation = PartnershipInvitation(
        lead_organisation=lead, organisation_id=expression.organisation_id, contract_name=contract_name,
        contract_package_area=cpa, services=services, risk_share_percent=risk_share_percent,
        risk_notes=(risk_notes or "").strip(), invited_by_id=user.id, invited_at=utcnow())
    db.session.add(invitation)
    db.session.flush()
    audit.record("supply_chain.invited", "invitation", invitation.public_id, actor=user,
                 details={"expression": expression.public_id, "area": cpa.slug})
    _tell_organisation(expression.organisation, "You have been invited into a supply chain", "supply_invitation",
                       link=url_for("supply_chain.invitation", invitation_id=invitation.public_id, _external=True))
    return invitation


def _move(invitation: PartnershipInvitation, action: str, user: User, note: str = "") -> None:
    from_states, to_state, side = INVITATION_STEPS[action]
    rule = "invitation.respond" if side == "invited" else "invitation.withdraw"
    policy.authorize(user, rule, invitation, secret=True)
    if invitation.state not in from_states:
        raise DomainError(f"This invitation has already been {invitation.state_label.lower()}"
                          if invitation.state != InvitationState.INVITED else "This invitation is still waiting")
    invitation.state = to_state
    if side == "invited":
        invitation.responded_by_id, invitation.responded_at = user.id, utcnow()
        invitation.response_note = (note or "").strip()
    invitation.updated_at = utcnow()
    audit.record(f"supply_chain.{action}", "invitation", invitation.public_id, actor=user)


def respond(invitation: PartnershipInvitation, user: User, decision: str, note: str = "",
            expected_version: int | None = None) -> None:
    if expected_version is not None and invitation.version != expected_version:
        raise Conflict()
    if decision not in ("accept", "decline"):
        raise DomainError("Select whether to accept or decline the invitation", "decision")
    _move(invitation, decision, user, note)
    subject = ("Your supply chain invitation was accepted" if decision == "accept"
               else "Your supply chain invitation was declined")
    _tell_organisation(invitation.lead_organisation, subject, "supply_invitation_answered",
                       link=url_for("supply_chain.supply_chain", _external=True), accepted=decision == "accept")


def withdraw_invitation(invitation: PartnershipInvitation, user: User) -> None:
    _move(invitation, "withdraw", user)
    _tell_organisation(invitation.organisation, "A supply chain invitation was withdrawn", "supply_invitation",
                       link=url_for("supply_chain.invitation", invitation_id=invitation.public_id, _external=True),
                       withdrawn=True)


def invitations_from(organisation: Organisation) -> list[PartnershipInvitation]:
    return list(db.session.scalars(
        select(PartnershipInvitation).where(PartnershipInvitation.lead_organisation_id == organisation.id)
        .order_by(PartnershipInvitation.invited_at.desc())
        .options(selectinload(PartnershipInvitation.organisation),
                 selectinload(PartnershipInvitation.contract_package_area))))


def invitations_to(organisation: Organisation) -> list[PartnershipInvitation]:
    return list(db.session.scalars(
        select(PartnershipInvitation).where(PartnershipInvitation.organisation_id == organisation.id)
        .order_by(PartnershipInvitation.invited_at.desc())
        .options(selectinload(PartnershipInvitation.lead_organisation),
                 selectinload(PartnershipInvitation.contract_package_area))))


# --- Coverage ---

@dataclass
class Coverage:
    areas: list[tuple[str, str]]  # (slug, name)
    pathways: list[tuple[str, str]]
    cells: dict[tuple[str, str], int]  # (area, pathway) -> organisations
    totals: dict[str, int]  # area -> organisations declaring it at all


def coverage(now: datetime | None = None) -> Coverage:
    """For each contract package area and pathway, how many published organisations declared both."""
    live = rules.live_expressions(now)
    area, pathway = aliased(ExpressionTag), aliased(ExpressionTag)
    cells = {(a, p): n for a, p, n in db.session.execute(
        select(area.code, pathway.code, func.count())
        .join(pathway, and_(pathway.version_id == area.version_id, pathway.facet == "pathway"))
        .where(area.facet == "cpa", area.version_id.in_(live)).group_by(area.code, pathway.code))}
    totals = dict(db.session.execute(select(ExpressionTag.code, func.count()).where(
        ExpressionTag.facet == "cpa", ExpressionTag.version_id.in_(live)).group_by(ExpressionTag.code)).tuples().all())
    return Coverage(list(v.CONTRACT_PACKAGE_AREAS.items()), list(v.PATHWAYS.items()), cells, totals)

"""Learners: prison staff create, update, transfer and release them, and record their offender manager."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, policy
from portal.accounts.models import User
from portal.accounts.operations import find_user_by_email
from portal.accounts.roles import Role
from portal.campus import rules
from portal.campus.models import EndReason, Learner, LearnerStatus
from portal.campus.operations.common import normalise_prison_number, subject_ref
from portal.campus.operations.sessions import _end_sessions_of
from portal.database import utcnow
from portal.directory import vocabulary
from portal.directory.postcodes import locate, outcode_of
from portal.errors import DomainError, InvalidInput
from portal.extensions import db
from portal.lookup import authorized
from portal.reference.models import Prison

PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")


@dataclass
class LearnerDetails:
    name: str
    prison_number: str
    release_date: date | None
    release_area: str


def _release_area(value: str) -> str:
    """A postcode district (LS1) or a region's slug; a full postcode is cut to its district (all we need)."""
    value = " ".join((value or "").split())
    if not value:
        raise DomainError("Enter the area the learner will be released to", "release_area")
    slug = value.lower().replace(" ", "-")
    if slug in vocabulary.REGIONS:
        return slug
    named = {name.lower(): slug for slug, name in vocabulary.REGIONS.items()}
    if value.lower() in named:
        return named[value.lower()]
    if outcode_of(value) is None:
        raise DomainError("Enter a postcode district, like LS1, or a region, like Yorkshire and the Humber",
                          "release_area")
    outcode, _, _ = locate(value, "release_area")
    return outcode


def release_area_label(area: str) -> str:
    return vocabulary.REGIONS.get(area, area)


def _check_details(details: LearnerDetails, learner: Learner | None = None) -> LearnerDetails:
    errors: list[tuple[str | None, str]] = []
    name = " ".join((details.name or "").split())
    if not name:
        errors.append(("name", "Enter the learner's full name"))
    elif len(name) > 200:
        errors.append(("name", "Full name must be 200 characters or fewer"))
    number = normalise_prison_number(details.prison_number)
    if not PRISON_NUMBER.match(number):
        errors.append(("prison_number", "Enter a prison number in the correct format, like A1234BC"))
    elif db.session.scalar(select(Learner.id).where(Learner.prison_number == number,
                                                    Learner.id != (learner.id if learner else -1))):
        errors.append(("prison_number", "A learner with this prison number already has a campus account"))
    if details.release_date is not None and details.release_date < date.today() - timedelta(days=1):
        errors.append(("release_date", "Release date must be today or in the future"))
    try:
        area = _release_area(details.release_area)
    except DomainError as exc:
        errors.append((exc.field, exc.message))
        area = ""
    if errors:
        raise InvalidInput(errors)
    return LearnerDetails(name, number, details.release_date, area)


def create_learner(staff: User, details: LearnerDetails) -> Learner:
    policy.authorize(staff, "campus.manage_learners")
    details = _check_details(details)
    user = User(email=None, name=details.name, role=Role.LEARNER, password_hash=None, prison_id=staff.prison_id)
    learner = Learner(user=user, prison_id=staff.prison_id, prison_number=details.prison_number,
                      release_date=details.release_date, release_area=details.release_area)
    db.session.add_all([user, learner])
    db.session.flush()
    audit.record("campus.learner_created", "learner", learner.public_id, actor=staff, subject_ref=subject_ref(learner))
    return learner


def update_learner(staff: User, learner: Learner, details: LearnerDetails) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    details = _check_details(details, learner)
    learner.user.name = details.name
    learner.prison_number = details.prison_number
    learner.release_date = details.release_date
    learner.release_area = details.release_area
    audit.record("campus.learner_updated", "learner", learner.public_id, actor=staff, subject_ref=subject_ref(learner))


def learners_at(staff: User) -> list[Learner]:
    return list(db.session.scalars(rules.visible_learners(staff).options(selectinload(Learner.user))
                                   .order_by(Learner.status, Learner.prison_number)))


def learner_for_staff(staff: User, public_id: str) -> Learner:
    return authorized(staff, "campus.learner.manage", Learner, public_id)


def transfer_learner(staff: User, learner: Learner, prison_code: str) -> None:
    """The learner moves to another prison: their sessions end and this prison's staff no longer see them."""
    policy.authorize(staff, "campus.learner.manage", learner)
    prison = db.session.scalar(select(Prison).where(Prison.code == (prison_code or "")))
    if prison is None:
        raise DomainError("Select the prison the learner has moved to", "prison")
    if prison.id == learner.prison_id:
        raise DomainError("Select a different prison from the one the learner is in now", "prison")
    _end_sessions_of(learner, EndReason.LEFT_PRISON, staff)
    learner.prison_id = prison.id
    learner.user.prison_id = prison.id
    learner.status_changed_at, learner.status_changed_by_id = utcnow(), staff.id
    audit.record("campus.learner_transferred", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), details={"to_prison": prison.code})


def release_learner(staff: User, learner: Learner) -> None:
    """Released: no more sessions, and no messages in either direction. The history is kept."""
    policy.authorize(staff, "campus.learner.manage", learner)
    if learner.status == LearnerStatus.RELEASED:
        raise DomainError("This learner has already been recorded as released")
    _end_sessions_of(learner, EndReason.LEFT_PRISON, staff)
    learner.status = LearnerStatus.RELEASED
    learner.status_changed_at, learner.status_changed_by_id = utcnow(), staff.id
    learner.user.disabled_at = utcnow()
    audit.record("campus.learner_released", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner))


def set_offender_manager(staff: User, learner: Learner, email: str) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    manager = find_user_by_email(email or "") if (email or "").strip() else None
    if (email or "").strip() and (manager is None or manager.role != Role.OFFENDER_MANAGER):
        raise DomainError("Enter the email address of an offender manager who uses the portal",
                          "offender_manager_email")
    learner.offender_manager_id = manager.id if manager else None
    audit.record("campus.offender_manager_set", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner))

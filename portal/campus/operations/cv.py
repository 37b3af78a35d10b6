"""The learner's CV: writing it, its frozen snapshot, and sharing it with their offender manager."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import audit, policy
from portal.accounts.models import User
from portal.campus.models import Cv, CvEntry, CvEntryKind, Learner
from portal.campus.operations.common import learner_record, subject_ref
from portal.database import utcnow
from portal.errors import DomainError, InvalidInput
from portal.extensions import db

CV_TEXT_MAX = 3000


def cv_for(learner: Learner) -> Cv:
    cv = db.session.scalar(select(Cv).where(Cv.learner_id == learner.id))
    if cv is None:
        cv = Cv(learner=learner)
        db.session.add(cv)
        db.session.flush()
    return cv


def cv_has_content(cv: Cv) -> bool:
    return bool(cv.personal_statement or cv.skills or cv.entries)


def _clean_block(value: str, field: str, label: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > CV_TEXT_MAX:
        raise DomainError(f"{label} must be {CV_TEXT_MAX:,} characters or fewer", field)
    return value


def update_cv(learner_user: User, statement: str, skills: str, references: str, disclosure: str) -> Cv:
    cv = cv_for(learner_record(learner_user))
    errors: list[tuple[str | None, str]] = []
    values = {}
    for field, value, label in (("personal_statement", statement, "Personal statement"), ("skills", skills, "Skills"),
                                ("references", references, "References"),
                                ("disclosure", disclosure, "What you say about your conviction")):
        try:
            values[field] = _clean_block(value, field, label)
        except DomainError as exc:
            errors.append((exc.field, exc.message))
    if errors:
        raise InvalidInput(errors)
    for field, value in values.items():
        setattr(cv, field, value)
    return cv


def add_cv_entry(learner_user: User, kind: str, title: str, place: str, dates: str, description: str) -> CvEntry:
    cv = cv_for(learner_record(learner_user))
    errors = []
    if kind not in CvEntryKind.LABELS:
        errors.append(("kind", "Select what kind of entry this is"))
    title = " ".join((title or "").split())
    if not title:
        errors.append(("title", "Enter the job title, course or qualification"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    if len(place or "") > 200:
        errors.append(("place", "Where must be 200 characters or fewer"))
    if len(dates or "") > 100:
        errors.append(("dates", "When must be 100 characters or fewer"))
    if len(description or "") > CV_TEXT_MAX:
        errors.append(("description", f"What you did must be {CV_TEXT_MAX:,} characters or fewer"))
    if errors:
        raise InvalidInput(errors)
    entry = CvEntry(cv=cv, kind=kind, title=title, place=" ".join((place or "").split()),
                    dates=" ".join((dates or "").split()), description=(description or "").strip())
    db.session.add(entry)
    cv.updated_at = utcnow()
    return entry


def remove_cv_entry(learner_user: User, public_id: str) -> None:
    cv = cv_for(learner_record(learner_user))
    entry = next((e for e in cv.entries if e.public_id == public_id), None)
    if entry is None:
        raise NotFound()
    cv.entries.remove(entry)


def cv_snapshot(cv: Cv) -> dict[str, object]:
    """The CV as it is now, frozen: what a message carries and what an offender manager is shown."""
    sections = {kind: [{"title": e.title, "place": e.place, "dates": e.dates, "description": e.description}
                       for e in cv.entries if e.kind == kind] for kind in CvEntryKind.LABELS}
    return {"name": cv.learner.user.name, "personal_statement": cv.personal_statement,
            "skills": [line.strip(" -•*") for line in cv.skills.splitlines() if line.strip(" -•*")],
            "sections": sections, "references": cv.references, "disclosure": cv.disclosure,
            "made_at": utcnow().date().isoformat()}


def share_cv_with_offender_manager(learner_user: User) -> Cv:
    learner = learner_record(learner_user)
    if learner.offender_manager_id is None:
        raise DomainError("Staff at your prison have not yet recorded your offender manager. Ask them to add them")
    cv = cv_for(learner)
    if not cv_has_content(cv):
        raise DomainError("Your CV is empty. Write your CV first")
    cv.shared_snapshot = cv_snapshot(cv)
    cv.shared_with_offender_manager_at = utcnow()
    audit.record("campus.cv_shared", "learner", learner.public_id, actor=learner_user,
                 subject_ref=subject_ref(learner))
    return cv


def cvs_shared_with(manager: User) -> list[Cv]:
    return list(db.session.scalars(select(Cv).join(Cv.learner).where(
        Learner.offender_manager_id == manager.id, Cv.shared_snapshot.is_not(None))
        .options(selectinload(Cv.learner).selectinload(Learner.user))))


def shared_cv(manager: User, learner_public_id: str) -> Cv:
    cv = db.session.scalar(select(Cv).join(Cv.learner).where(Learner.public_id == learner_public_id))
    if cv is None or cv.shared_snapshot is None:
        raise NotFound()
    policy.authorize(manager, "campus.cv.view_shared", cv, secret=True)
    audit.record("campus.cv_viewed", "learner", cv.learner.public_id, actor=manager,
                 subject_ref=subject_ref(cv.learner))
    return cv

"""Campus factories: learners made by real prison staff through the operations, sessions opened and signed
into through the kiosk page, messages sent and checked."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from portal.accounts.roles import OrgKind, Role
from portal.campus import operations
from portal.campus.models import ContentItem, Learner, Lesson, Message, QuizQuestion
from portal.database import utcnow
from portal.extensions import db
from tests import factories

_numbers = itertools.count(1000)


def prison_staff(prison_code: str = "LEI", **kwargs):
    return factories.user(role=Role.PRISON_STAFF, prison_code=prison_code, **kwargs)


def learner(staff=None, *, prison_code: str = "LEI", name: str | None = None, release_area: str = "LS1",
            prison_number: str | None = None) -> Learner:
    staff = staff or prison_staff(prison_code)
    n = next(_numbers)
    made = operations.create_learner(staff, operations.LearnerDetails(
        name=name or f"Learner {n}", prison_number=prison_number or f"A{n}BC", release_date=None,
        release_area=release_area))
    db.session.commit()
    return made


def staff_of(learner_: Learner):
    from portal.accounts.models import User

    return db.session.scalar(select(User).where(User.role == Role.PRISON_STAFF,
                                                User.prison_id == learner_.prison_id)) or \
        prison_staff(learner_.prison.code)


def open_session(learner_: Learner, minutes: int = 60, staff=None):
    kiosk, code = operations.open_session(staff or staff_of(learner_), learner_, minutes)
    db.session.commit()
    return kiosk, code


def sign_in_at_kiosk(client, learner_: Learner, minutes: int = 60):
    """Staff opens a session; the learner signs in on the kiosk page. Returns the kiosk session."""
    kiosk, code = open_session(learner_, minutes)
    response = client.post("/campus/sign-in", data={"prison_number": learner_.prison_number, "code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith("/campus/"), response.status_code
    return kiosk


def organisation(kind: str = OrgKind.EMPLOYER, *, readers: bool = True, **kwargs):
    """An approved organisation; with `readers`, it has a user who reads its campus inbox (so learners are offered
    it)."""
    made = factories.organisation(kind=kind, **kwargs)
    if readers:
        org_user(made)
    return made


def org_user(organisation_):
    role = {OrgKind.EMPLOYER: Role.EMPLOYER, OrgKind.PROVIDER: Role.PROVIDER,
            OrgKind.LEAD_PROVIDER: Role.LEAD_PROVIDER}[organisation_.kind]
    return factories.user(role=role, organisation_=organisation_)


def message(learner_: Learner, organisation_=None, *, state: str = "waiting", body: str = "I would like to know "
            "more about your kitchen jobs.") -> Message:
    organisation_ = organisation_ or organisation()
    sent = operations.send_message(learner_.user, organisation_, "Kitchen jobs", body)
    db.session.commit()
    if state != "waiting":
        operations.decide_message(staff_of(learner_), sent, state == "approved", "Not appropriate")
        db.session.commit()
    return sent


def reply(original: Message, *, state: str = "waiting", body: str = "Thank you. We would like to meet you.") -> Message:
    writer = org_user(original.organisation)
    sent = operations.reply(writer, original, body)
    db.session.commit()
    if state != "waiting":
        operations.decide_message(staff_of(original.learner), sent, state == "approved", "Not appropriate")
        db.session.commit()
    return sent


def content(*, published: bool = True, title: str = "Writing a CV that works", questions: bool = True,
            body: str = "## Start with you\n\nSay what you are good at.") -> ContentItem:
    author = factories.user(role=Role.ADMIN)
    item = ContentItem(topic="cv", title=title, summary="How to write a CV.", created_by_id=author.id,
                       state="published" if published else "draft", published_at=utcnow() if published else None)
    lesson = Lesson(content=item, position=1, title="Your personal statement", body=body)
    if questions:
        lesson.questions = [QuizQuestion(position=1, question="What goes first?",
                                         options=["Your statement", "Your hobbies"], correct=0)]
    db.session.add(item)
    db.session.commit()
    return item

"""Learning content: guides and course modules, lessons, quizzes, pictures, publication and learners' progress."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden, NotFound

from portal import audit, policy
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.campus import contact_filter, rendering
from portal.campus.models import (
    TOPICS,
    ContentImage,
    ContentItem,
    ContentState,
    Learner,
    Lesson,
    Progress,
    QuizQuestion,
)
from portal.campus.operations.common import learner_record
from portal.database import utcnow
from portal.errors import DomainError, InvalidInput
from portal.extensions import db
from portal.lookup import authorized, load_or_404
from portal.storage import storage


@dataclass
class ContentDetails:
    topic: str
    title: str
    summary: str
    accredited_by: str = ""


def _check_content(details: ContentDetails) -> ContentDetails:
    errors = []
    if details.topic not in TOPICS:
        errors.append(("topic", "Select a topic"))
    title = " ".join((details.title or "").split())
    if not title:
        errors.append(("title", "Enter a title"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    if len(details.summary or "") > 1000:
        errors.append(("summary", "Summary must be 1,000 characters or fewer"))
    for field, value, where in (("title", title, "the title"), ("summary", details.summary, "the summary"),
                                ("accredited_by", details.accredited_by, "who accredits it")):
        if (problem := _contact_problem(value, where)) is not None:
            errors.append((field, problem))
    if errors:
        raise InvalidInput(errors)
    return ContentDetails(details.topic, title, (details.summary or "").strip(),
                          " ".join((details.accredited_by or "").split())[:200])


def _authors_organisation_id(author: User) -> int | None:
    """Whose content the author writes: an administrator's belongs to no organisation, anyone else's to their own
    (`campus.content.write` admits only staff of an organisation besides administrators)."""
    if author.role == Role.ADMIN:
        return None
    organisation = author.organisation
    if organisation is None:
        raise Forbidden()
    return organisation.id


def create_content(author: User, details: ContentDetails) -> ContentItem:
    policy.authorize(author, "campus.content.write")
    details = _check_content(details)
    item = ContentItem(topic=details.topic, title=details.title, summary=details.summary,
                       accredited_by=details.accredited_by, created_by_id=author.id,
                       organisation_id=_authors_organisation_id(author))
    db.session.add(item)
    db.session.flush()
    audit.record("campus.content_created", "campus_content", item.public_id, actor=author)
    return item


def _editable(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if item.is_published:
        raise DomainError("Withdraw this item before changing it: learners see only what has been published")
    if item.state != ContentState.DRAFT:
        raise DomainError("Withdraw this item before changing it: what was sent for review cannot change")


def update_content(author: User, item: ContentItem, details: ContentDetails) -> None:
    _editable(author, item)
    details = _check_content(details)
    item.topic, item.title, item.summary, item.accredited_by = (details.topic, details.title, details.summary,
                                                                details.accredited_by)


def _check_lesson(title: str, body: str) -> tuple[str, str]:
    errors = []
    title = " ".join((title or "").split())
    if not title:
        errors.append(("title", "Enter a title for the lesson"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    body = (body or "").strip()
    if not body:
        errors.append(("body", "Enter the lesson's text"))
    elif len(body) > 50_000:
        errors.append(("body", "The lesson's text must be 50,000 characters or fewer"))
    for field, value, where in (("title", title, "the lesson's title"), ("body", body, "the lesson's text")):
        if (problem := _contact_problem(value, where)) is not None:
            errors.append((field, problem))
    if errors:
        raise InvalidInput(errors)
    return title, body


def _contact_problem(text: str | None, where: str) -> str | None:
    """Contact details in words a learner will read, refused with the place they were found: the line (of a
    longer text) and the words around them."""
    text = text or ""
    if contact_filter.first_problem(text) is None:
        return None
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if len(lines) > 1 and contact_filter.first_problem(line) is not None:
            return contact_filter.refusal(line, f"{where}, line {number}", show_place=True)
    return contact_filter.refusal(text, where, show_place=True)


def content_problems(item: ContentItem) -> list[str]:
    """Everything in an item a learner would read that carries contact details, each with its place."""
    places = [(item.title, "the title"), (item.summary, "the summary"), (item.accredited_by, "who accredits it")]
    for lesson in item.lessons:
        name = f"lesson {lesson.position} (‘{lesson.title}’)"
        places += [(lesson.title, f"the title of {name}"), (lesson.body, f"the text of {name}")]
        for question in lesson.questions:
            words = " ".join([question.question, *question.options])
            places.append((words, f"quiz question {question.position} of {name}"))
    return [problem for text, where in places if (problem := _contact_problem(text, where)) is not None]


def add_lesson(author: User, item: ContentItem, title: str, body: str) -> Lesson:
    _editable(author, item)
    title, body = _check_lesson(title, body)
    lesson = Lesson(content=item, position=len(item.lessons) + 1, title=title, body=body)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(author: User, lesson: Lesson, title: str, body: str) -> None:
    _editable(author, lesson.content)
    lesson.title, lesson.body = _check_lesson(title, body)


def add_question(author: User, lesson: Lesson, question: str, options: list[str], correct: str) -> QuizQuestion:
    _editable(author, lesson.content)
    errors = []
    question = " ".join((question or "").split())
    if not question:
        errors.append(("question", "Enter the question"))
    elif len(question) > 500:
        errors.append(("question", "Question must be 500 characters or fewer"))
    filled = [(i, " ".join((o or "").split())[:200]) for i, o in enumerate(options)]
    answers = [text for _, text in filled if text]
    if len(answers) < 2:
        errors.append(("option_1", "Enter at least 2 answers"))
    index = int(correct) - 1 if (correct or "").isdigit() else -1
    if not 0 <= index < len(filled) or not filled[index][1]:
        errors.append(("correct", "Select the right answer, one you have written"))
    if (problem := _contact_problem(" ".join([question, *answers]), "the question or its answers")) is not None:
        errors.append(("question", problem))
    if errors:
        raise InvalidInput(errors)
    correct_text = filled[index][1]
    entry = QuizQuestion(lesson=lesson, position=len(lesson.questions) + 1, question=question, options=answers,
                         correct=answers.index(correct_text))
    db.session.add(entry)
    return entry


def upload_image(author: User, data: bytes, alt_text: str) -> ContentImage:
    """Check an uploaded picture (PNG or JPEG, under 2MB) and keep it in the portal's storage."""
    policy.authorize(author, "campus.content.write")
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise DomainError("Describe the picture", "alt_text")
    media_type = rendering.check_image(data)
    image = ContentImage(uploaded_by_id=author.id, media_type=media_type, size=len(data), alt_text=alt_text[:300],
                         organisation_id=author.organisation.id if author.organisation else None)
    db.session.add(image)
    db.session.flush()
    storage().put(rendering.image_key(image.public_id), data, media_type)
    audit.record("campus.image_uploaded", "campus_image", image.public_id, actor=author)
    return image


# Each step: the states it starts from, the state it leads to, and the policy action that allows it. Content an
# organisation wrote is reviewed by an administrator before it can be published; administrators' own content
# (no organisation) may be published from a draft. Every step is stamped and audited.
TRANSITIONS = {
    "submit": ({ContentState.DRAFT}, ContentState.SUBMITTED, "campus.content.edit"),
    "approve": ({ContentState.SUBMITTED}, ContentState.APPROVED, "campus.content.review"),
    "send_back": ({ContentState.SUBMITTED, ContentState.APPROVED}, ContentState.DRAFT, "campus.content.review"),
    "publish": ({ContentState.APPROVED}, ContentState.PUBLISHED, "campus.content.edit"),
    "withdraw": ({ContentState.SUBMITTED, ContentState.APPROVED, ContentState.PUBLISHED}, ContentState.DRAFT,
                 "campus.content.edit"),
}
REFUSALS = {
    "submit": "Only a draft can be sent for review",
    "approve": "Only content waiting for review can be approved",
    "send_back": "Only content waiting for review, or approved, can be sent back",
    "publish": "Only approved content can be published. Send it for review first",
    "withdraw": "This item is a draft already",
}


def _starts_from(item: ContentItem, step: str) -> set[str]:
    starts = set(TRANSITIONS[step][0])
    if step == "publish" and item.organisation_id is None:
        starts.add(ContentState.DRAFT)  # written by the administrators' team
    return starts


def allowed_steps(user: User, item: ContentItem) -> list[str]:
    return [step for step, (_, _, action) in TRANSITIONS.items()
            if item.state in _starts_from(item, step) and policy.can(user, action, item)]


def take_step(user: User, item: ContentItem, step: str, note: str = "") -> None:
    """Move the item one step (see TRANSITIONS), refusing anything else with a clear message."""
    if step not in TRANSITIONS:
        raise NotFound()
    starts, to, action = TRANSITIONS[step]
    policy.authorize(user, "campus.content.edit", item, secret=True)
    policy.authorize(user, action, item)
    if item.state not in _starts_from(item, step):
        raise DomainError(REFUSALS[step])
    if step in ("submit", "approve", "publish"):
        if not item.lessons:
            raise DomainError("Add at least one lesson or page first")
        if problems := content_problems(item):
            raise DomainError(problems[0])
    note = (note or "").strip()
    if step == "send_back" and not note:
        raise DomainError("Enter what the author needs to change", "note")
    if len(note) > 1000:
        raise DomainError("What the author needs to change must be 1,000 characters or fewer", "note")
    now = utcnow()
    if step == "submit":
        item.submitted_at, item.submitted_by_id, item.review_note = now, user.id, ""
    elif step in ("approve", "send_back"):
        item.reviewed_at, item.reviewed_by_id, item.review_note = now, user.id, note
    elif step == "publish":
        item.published_at, item.published_by_id = now, user.id
    item.state = to
    audit.record(f"campus.content_{step}", "campus_content", item.public_id, actor=user, reason=note,
                 details={"to": to})


def publish_content(author: User, item: ContentItem) -> None:
    take_step(author, item, "publish")


def withdraw_content(author: User, item: ContentItem) -> None:
    take_step(author, item, "withdraw")


def content_to_review(user: User) -> list[ContentItem]:
    policy.authorize(user, "campus.content.review")
    return list(db.session.scalars(select(ContentItem).where(ContentItem.state == ContentState.SUBMITTED)
                                   .options(selectinload(ContentItem.organisation))
                                   .order_by(ContentItem.submitted_at)))


def content_for_author(author: User, public_id: str) -> ContentItem:
    return authorized(author, "campus.content.edit", ContentItem, public_id)


def lesson_for_author(author: User, public_id: str) -> Lesson:
    lesson = load_or_404(Lesson, public_id)
    policy.authorize(author, "campus.content.edit", lesson.content, secret=True)
    return lesson


def authored_content(author: User) -> list[ContentItem]:
    query = select(ContentItem).order_by(ContentItem.topic, ContentItem.title)
    if author.role != Role.ADMIN:
        query = query.where(ContentItem.organisation_id == _authors_organisation_id(author))
    return list(db.session.scalars(query))


def published_content() -> list[ContentItem]:
    return list(db.session.scalars(select(ContentItem).where(ContentItem.state == ContentState.PUBLISHED)
                                   .options(selectinload(ContentItem.lessons))
                                   .order_by(ContentItem.topic, ContentItem.title)))


def published_item(public_id: str) -> ContentItem:
    return load_or_404(ContentItem, public_id, where=[ContentItem.state == ContentState.PUBLISHED])


def published_lesson(public_id: str) -> Lesson:
    lesson = db.session.scalar(select(Lesson).join(Lesson.content).where(
        Lesson.public_id == public_id, ContentItem.state == ContentState.PUBLISHED))
    if lesson is None:
        raise NotFound()
    return lesson


def complete_lesson(learner_user: User, lesson: Lesson, answers: dict[int, str]) -> Progress:
    """Record a finished lesson. With a quiz, every question needs an answer; the score is kept (a retry
    replaces it)."""
    learner = learner_record(learner_user)
    errors = []
    score = 0
    for question in lesson.questions:
        answer = answers.get(question.id)
        if answer is None or not answer.isdigit() or not 0 <= int(answer) < len(question.options):
            errors.append((f"question-{question.id}", f"Select an answer to question {question.position}"))
        elif int(answer) == question.correct:
            score += 1
    if errors:
        raise InvalidInput(errors)
    progress = db.session.scalar(select(Progress).where(Progress.learner_id == learner.id,
                                                        Progress.lesson_id == lesson.id))
    if progress is None:
        progress = Progress(learner_id=learner.id, lesson_id=lesson.id, completed_at=utcnow())
        db.session.add(progress)
    progress.completed_at = utcnow()
    progress.score, progress.out_of = (score, len(lesson.questions)) if lesson.questions else (None, None)
    db.session.flush()
    return progress


@dataclass
class ItemProgress:
    item: ContentItem
    done: int
    total: int
    scores: dict[int, Progress]

    @property
    def status(self) -> str:
        return "Completed" if self.total and self.done >= self.total else "In progress" if self.done else "Not started"


def progress_of(learner: Learner) -> list[ItemProgress]:
    done = {p.lesson_id: p for p in db.session.scalars(select(Progress).where(Progress.learner_id == learner.id))}
    return [ItemProgress(item, sum(1 for lesson in item.lessons if lesson.id in done), len(item.lessons),
                         {lesson.id: done[lesson.id] for lesson in item.lessons if lesson.id in done})
            for item in published_content()]

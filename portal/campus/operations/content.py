"""Learning content: guides and course modules, lessons, quizzes, pictures, publication and learners' progress."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, policy
from portal.accounts.models import User
from portal.accounts.roles import Role
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
from portal.campus.operations.common import _authorized, _not_found, learner_of
from portal.database import utcnow
from portal.errors import DomainError, InvalidInput
from portal.extensions import db


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
    if errors:
        raise InvalidInput(errors)
    return ContentDetails(details.topic, title, (details.summary or "").strip(),
                          " ".join((details.accredited_by or "").split())[:200])


def create_content(author: User, details: ContentDetails) -> ContentItem:
    policy.authorize(author, "campus.content.write")
    details = _check_content(details)
    item = ContentItem(topic=details.topic, title=details.title, summary=details.summary,
                       accredited_by=details.accredited_by, created_by_id=author.id,
                       organisation_id=author.organisation.id if author.role != Role.ADMIN else None)
    db.session.add(item)
    db.session.flush()
    audit.record("campus.content_created", "campus_content", item.public_id, actor=author)
    return item


def _editable(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if item.is_published:
        raise DomainError("Withdraw this item before changing it: learners see only what has been published")


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
    if errors:
        raise InvalidInput(errors)
    return title, body


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
    if errors:
        raise InvalidInput(errors)
    correct_text = filled[index][1]
    entry = QuizQuestion(lesson=lesson, position=len(lesson.questions) + 1, question=question, options=answers,
                         correct=answers.index(correct_text))
    db.session.add(entry)
    return entry


def upload_image(author: User, data: bytes, alt_text: str) -> ContentImage:
    """Check an uploaded picture (PNG or JPEG, under 2MB) and keep it under the instance folder."""
    from portal.campus import rendering

    policy.authorize(author, "campus.content.write")
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise DomainError("Describe the picture", "alt_text")
    media_type = rendering.check_image(data)
    image = ContentImage(uploaded_by_id=author.id, media_type=media_type, size=len(data), alt_text=alt_text[:300],
                         organisation_id=author.organisation.id if author.organisation else None)
    db.session.add(image)
    db.session.flush()
    (rendering.image_folder() / image.public_id).write_bytes(data)
    audit.record("campus.image_uploaded", "campus_image", image.public_id, actor=author)
    return image


def publish_content(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if item.is_published:
        raise DomainError("This item is already published")
    if not item.lessons:
        raise DomainError("Add at least one lesson or page before publishing")
    item.state, item.published_at, item.published_by_id = ContentState.PUBLISHED, utcnow(), author.id
    audit.record("campus.content_published", "campus_content", item.public_id, actor=author)


def withdraw_content(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if not item.is_published:
        raise DomainError("This item is not published")
    item.state = ContentState.DRAFT
    audit.record("campus.content_withdrawn", "campus_content", item.public_id, actor=author)


def content_for_author(author: User, public_id: str) -> ContentItem:
    return _authorized(ContentItem, public_id, author, "campus.content.edit")


def lesson_for_author(author: User, public_id: str) -> Lesson:
    lesson = db.session.scalar(select(Lesson).where(Lesson.public_id == public_id))
    if lesson is None:
        raise _not_found()
    policy.authorize(author, "campus.content.edit", lesson.content, secret=True)
    return lesson


def authored_content(author: User) -> list[ContentItem]:
    query = select(ContentItem).order_by(ContentItem.topic, ContentItem.title)
    if author.role != Role.ADMIN:
        query = query.where(ContentItem.organisation_id == author.organisation.id)
    return list(db.session.scalars(query))


def published_content() -> list[ContentItem]:
    return list(db.session.scalars(select(ContentItem).where(ContentItem.state == ContentState.PUBLISHED)
                                   .options(selectinload(ContentItem.lessons))
                                   .order_by(ContentItem.topic, ContentItem.title)))


def published_item(public_id: str) -> ContentItem:
    item = db.session.scalar(select(ContentItem).where(ContentItem.public_id == public_id,
                                                       ContentItem.state == ContentState.PUBLISHED))
    if item is None:
        raise _not_found()
    return item


def published_lesson(public_id: str) -> Lesson:
    lesson = db.session.scalar(select(Lesson).join(Lesson.content).where(
        Lesson.public_id == public_id, ContentItem.state == ContentState.PUBLISHED))
    if lesson is None:
        raise _not_found()
    return lesson


def complete_lesson(learner_user: User, lesson: Lesson, answers: dict[int, str]) -> Progress:
    """Record a finished lesson. With a quiz, every question needs an answer; the score is kept (a retry
    replaces it)."""
    learner = learner_of(learner_user)
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

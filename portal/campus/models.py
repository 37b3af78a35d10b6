"""The Virtual Campus: learners (prisoners), supervised kiosk sessions, learning content and progress, the CV
builder and checked messages.

A learner is a `User` with the learner role, no email and no password, at one prison; `Learner` holds the rest
of their record. They can only be signed in through a `KioskSession` a member of staff at their prison opened.
Messages are append-only once sent for checking: see `_messages_are_never_edited` at the end.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime
from portal.extensions import db
from portal.reference.models import Prison


class LearnerStatus:
    IN_PRISON = "in_prison"
    RELEASED = "released"  # no more sessions; a transfer moves the record to the new prison instead


class Learner(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "campus_learners"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    prison_number: Mapped[str] = mapped_column(String(7), unique=True)
    release_date: Mapped[date | None] = mapped_column(Date)
    release_area: Mapped[str] = mapped_column(String(80), default="")  # a postcode district or a region slug
    status: Mapped[str] = mapped_column(String(20), default=LearnerStatus.IN_PRISON, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    messaging_suspended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    messaging_suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    messaging_suspended_reason: Mapped[str] = mapped_column(Text, default="")
    offender_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    prison: Mapped[Prison] = relationship()
    offender_manager: Mapped[User | None] = relationship(foreign_keys=[offender_manager_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def in_prison(self) -> bool:
        return self.status == LearnerStatus.IN_PRISON

    @property
    def messaging_suspended(self) -> bool:
        return self.messaging_suspended_at is not None


class EndReason:
    SIGNED_OUT = "signed_out"
    TIME_LIMIT = "time_limit"
    IDLE = "idle"
    ENDED_BY_STAFF = "ended_by_staff"
    NEW_SESSION = "new_session"
    LEFT_PRISON = "left_prison"

    LABELS = {
        "signed_out": "Signed out", "time_limit": "Time limit reached", "idle": "Nothing done for 10 minutes",
        "ended_by_staff": "Ended by staff", "new_session": "Replaced by a new session",
        "left_prison": "Transferred or released",
    }


class KioskSession(PublicIdMixin, TimestampMixin, db.Model):
    """One supervised session: opened by staff for a named learner, signed into once with a short code."""

    __tablename__ = "campus_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id", ondelete="CASCADE"), index=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    limit_minutes: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    code_used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(TZDateTime)  # wrong codes: the code waits until then
    last_active_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(String(20), default="")

    learner: Mapped[Learner] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])

    @property
    def end_reason_label(self) -> str:
        return EndReason.LABELS.get(self.end_reason, "")


# --- Learning content ---

TOPICS = {
    "careers": "Careers advice",
    "cv": "Writing a CV",
    "money": "Managing money and debt",
    "family": "Family and relationships",
    "housing": "Housing on release",
    "course": "Course modules",
}


class ContentState:
    """draft -> submitted (for an administrator's review) -> approved -> published. Administrators' own content may
    go from draft straight to published; anything changed goes back to draft. See operations.content.TRANSITIONS."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"

    LABELS = {"draft": "Draft", "submitted": "Waiting for review", "approved": "Approved, not yet published",
              "published": "Published"}


class ContentItem(PublicIdMixin, TimestampMixin, db.Model):
    """An advice guide or a course module: lessons in order, each perhaps with a short quiz."""

    __tablename__ = "campus_content"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    accredited_by: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default=ContentState.DRAFT, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")  # why it was sent back, for the author
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation | None] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(back_populates="content", order_by="Lesson.position",
                                                 cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def topic_label(self) -> str:
        return TOPICS.get(self.topic, self.topic)

    @property
    def is_published(self) -> bool:
        return self.state == ContentState.PUBLISHED

    @property
    def state_label(self) -> str:
        return ContentState.LABELS.get(self.state, self.state)


class Lesson(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "campus_lessons"
    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("campus_content.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised

    content: Mapped[ContentItem] = relationship(back_populates="lessons")
    questions: Mapped[list[QuizQuestion]] = relationship(back_populates="lesson", order_by="QuizQuestion.position",
                                                         cascade="all, delete-orphan")


class QuizQuestion(TimestampMixin, db.Model):
    __tablename__ = "campus_quiz_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("campus_lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list] = mapped_column(JSON)
    correct: Mapped[int] = mapped_column(Integer)  # index into options

    lesson: Mapped[Lesson] = relationship(back_populates="questions")


class Progress(TimestampMixin, db.Model):
    """A learner finished a lesson (and how they did in its quiz)."""

    __tablename__ = "campus_progress"
    __table_args__ = (UniqueConstraint("learner_id", "lesson_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("campus_lessons.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(TZDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    out_of: Mapped[int | None] = mapped_column(Integer)

    lesson: Mapped[Lesson] = relationship()


class ContentImage(PublicIdMixin, TimestampMixin, db.Model):
    """An uploaded picture, stored under the instance folder and served only through the campus."""

    __tablename__ = "campus_images"
    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    media_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(300))


# --- The CV builder ---

class CvEntryKind:
    WORK = "work"
    PRISON_WORK = "prison_work"
    TRAINING = "training"
    QUALIFICATION = "qualification"

    LABELS = {"work": "Job", "prison_work": "Work in prison", "training": "Training or volunteering",
              "qualification": "Qualification"}


class Cv(TimestampMixin, db.Model):
    __tablename__ = "campus_cvs"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id", ondelete="CASCADE"), unique=True)
    personal_statement: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[str] = mapped_column(Text, default="")  # one a line
    references: Mapped[str] = mapped_column(Text, default="")
    disclosure: Mapped[str] = mapped_column(Text, default="")  # what they choose to say about convictions
    shared_with_offender_manager_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    shared_snapshot: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    learner: Mapped[Learner] = relationship()
    entries: Mapped[list[CvEntry]] = relationship(back_populates="cv", order_by="CvEntry.id",
                                                  cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class CvEntry(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "campus_cv_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    cv_id: Mapped[int] = mapped_column(ForeignKey("campus_cvs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    dates: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    cv: Mapped[Cv] = relationship(back_populates="entries")

    @property
    def kind_label(self) -> str:
        return CvEntryKind.LABELS.get(self.kind, self.kind)


# --- Checked messages ---

class Direction:
    TO_ORGANISATION = "to_organisation"
    TO_LEARNER = "to_learner"


class MessageState:
    WAITING = "waiting"  # for a member of staff at the learner's prison to check
    APPROVED = "approved"  # delivered
    STOPPED = "stopped"

    LABELS = {"waiting": "Waiting to be checked", "approved": "Delivered", "stopped": "Stopped"}


class Message(PublicIdMixin, TimestampMixin, db.Model):
    """A message between a learner and an organisation. Its words never change once sent for checking; only
    the check (decided_*) and the reading (read_at) are recorded on it afterwards."""

    __tablename__ = "campus_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    cv_snapshot: Mapped[dict | None] = mapped_column(JSON)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("campus_messages.id"))
    sent_at: Mapped[datetime] = mapped_column(TZDateTime)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default=MessageState.WAITING, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    learner: Mapped[Learner] = relationship()
    organisation: Mapped[Organisation] = relationship()
    sent_by: Mapped[User] = relationship(foreign_keys=[sent_by_id])
    in_reply_to: Mapped[Message | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return MessageState.LABELS[self.state]

    @property
    def from_learner(self) -> bool:
        return self.direction == Direction.TO_ORGANISATION


class ContactBlock(TimestampMixin, db.Model):
    """Staff stopped a learner writing to (and hearing from) one organisation."""

    __tablename__ = "campus_contact_blocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    blocked_at: Mapped[datetime] = mapped_column(TZDateTime)
    blocked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    lifted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship()


class OpportunityReview(TimestampMixin, db.Model):
    """An employer's opportunity checked for the campus by an administrator or prison staff. Learners see an
    opportunity only while its words are the ones approved (`fingerprint`): any change waits for a new check."""

    __tablename__ = "campus_opportunity_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("employer_opportunities.id", ondelete="CASCADE"),
                                                unique=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class InterestState:
    WAITING = "waiting"  # for staff at the learner's prison
    NOMINATED = "nominated"  # staff put the learner forward to the employer, with their consent
    NOT_TAKEN = "not-taken"  # staff recorded why not (the learner changed their mind, the opportunity closed...)


class Interest(PublicIdMixin, TimestampMixin, db.Model):
    """A learner said "I am interested" in an employer's opportunity. Staff at their prison see it and, with the
    learner's consent, turn it into a nomination to the employer in one step (or record why not)."""

    __tablename__ = "campus_interests"
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("campus_learners.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("employer_opportunities.id", ondelete="CASCADE"),
                                                index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("campus_messages.id"))
    state: Mapped[str] = mapped_column(String(20), default=InterestState.WAITING, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why not taken forward (for the learner)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("employer_nominations.id", ondelete="SET NULL"))

    learner: Mapped[Learner] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class MessageIsFixed(Exception):
    """A message's words, sender and recipient cannot change, and no message can be deleted."""


FIXED_MESSAGE_FIELDS = ("learner_id", "organisation_id", "direction", "subject", "body", "cv_snapshot",
                        "in_reply_to_id", "sent_at", "sent_by_id")


@event.listens_for(Session, "before_flush")
def _messages_are_never_edited(session: Session, flush_context, instances) -> None:
    from sqlalchemy import inspect

    for obj in session.deleted:
        if isinstance(obj, Message):
            raise MessageIsFixed("messages are never deleted")
    for obj in session.dirty:
        if isinstance(obj, Message):
            state = inspect(obj)
            changed = [name for name in FIXED_MESSAGE_FIELDS if state.attrs[name].history.has_changes()]
            if changed:
                raise MessageIsFixed(f"messages are never edited ({', '.join(changed)})")

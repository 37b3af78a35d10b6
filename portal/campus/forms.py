"""Virtual Campus forms. The rules (formats, limits, who may) live in operations; these parse and give GOV.UK
messages for missing answers."""
from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)

from portal.campus.models import TOPICS, CvEntryKind
from portal.campus.operations import DEFAULT_SESSION_MINUTES, MAX_SESSION_MINUTES, MIN_SESSION_MINUTES
from portal.employers.forms import NominationForm
from portal.employers.operations import NominationInput
from portal.forms import NoControlCharacters, Required, choices


def parse_date(text: str) -> date | None:
    """A date written as "27 3 2027", "27/03/2027" or "2027-03-27"."""
    parts = re.split(r"[\s/.-]+", (text or "").strip())
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    day, month, year = (parts[2], parts[1], parts[0]) if len(parts[0]) == 4 else parts
    try:
        return date(int(year), int(month), int(day)) if len(year) == 4 else None
    except ValueError:
        return None


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token, for one-button actions."""


class KioskSignInForm(FlaskForm):
    prison_number = StringField("Prison number", validators=[Required("Enter your prison number"),
                                                             NoControlCharacters()])
    code = StringField("Code", validators=[Required("Enter the code your member of staff gave you"),
                                           NoControlCharacters()])


class LearnerForm(FlaskForm):
    name = StringField("Full name", validators=[Required("Enter the learner's full name"), NoControlCharacters()])
    prison_number = StringField("Prison number", validators=[Required("Enter the learner's prison number"),
                                                             NoControlCharacters()])
    release_date = StringField("Release date (optional)", validators=[NoControlCharacters()])
    release_area = StringField("Area they will be released to",
                               validators=[Required("Enter the area the learner will be released to"),
                                           NoControlCharacters()])

    def validate_release_date(self, field):
        if (field.data or "").strip() and parse_date(field.data) is None:
            raise ValidationError("Release date must be a real date, like 27 3 2027")

    @property
    def release_date_value(self) -> date | None:
        return parse_date(self.release_date.data or "")


class OffenderManagerForm(FlaskForm):
    offender_manager_email = StringField("Offender manager's email address (optional)",
                                         validators=[NoControlCharacters()])


class OpenSessionForm(FlaskForm):
    minutes = StringField("Session length in minutes", default=str(DEFAULT_SESSION_MINUTES),
                          validators=[Required("Enter the session length in minutes")])

    def validate_minutes(self, field):
        value = (field.data or "").strip()
        if not value.isdigit() or not MIN_SESSION_MINUTES <= int(value) <= MAX_SESSION_MINUTES:
            raise ValidationError(f"Session length must be a whole number of minutes between {MIN_SESSION_MINUTES} "
                                  f"and {MAX_SESSION_MINUTES}")


class TransferForm(FlaskForm):
    prison = SelectField("Which prison has the learner moved to?", choices=[],
                         validators=[Required("Select the prison the learner has moved to")])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[Required("Enter the reason")])


class BlockForm(FlaskForm):
    organisation = SelectField("Organisation", choices=[], validators=[Required("Select the organisation to block")])
    reason = TextAreaField("Reason", validators=[Required("Enter the reason for blocking this organisation")])


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", choices=choices([("approve", "Approve and deliver"),
                                                             ("stop", "Stop this message")]),
                          validators=[Required("Select whether to approve or stop this message")])
    reason = TextAreaField("Reason for stopping it (the learner will see this)")


class OpportunityDecisionForm(FlaskForm):
    decision = RadioField("Can learners see this opportunity?",
                          choices=choices([("approve", "Yes, show it to learners"),
                                           ("refuse", "No, do not show it to learners")]),
                          validators=[Required("Select whether learners can see this opportunity")])
    reason = TextAreaField("Reason for not showing it (the employer will see this)",
                           validators=[NoControlCharacters()])


class MessageForm(FlaskForm):
    subject = StringField("What is your message about?", validators=[Required("Enter what your message is about"),
                                                                    NoControlCharacters()])
    body = TextAreaField("Your message", validators=[Required("Enter your message")])
    include_cv = BooleanField("Send my CV with this message")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[Required("Enter your reply")])


class ContentForm(FlaskForm):
    topic = RadioField("Topic", choices=choices(TOPICS.items()), validators=[Required("Select a topic")])
    title = StringField("Title", validators=[Required("Enter a title"), NoControlCharacters()])
    summary = TextAreaField("Summary")
    accredited_by = StringField("Accredited by (optional)", validators=[NoControlCharacters()])


class LessonForm(FlaskForm):
    title = StringField("Lesson title", validators=[Required("Enter a title for the lesson"), NoControlCharacters()])
    body = TextAreaField("Text (Markdown)", validators=[Required("Enter the lesson's text")])


class QuestionForm(FlaskForm):
    question = StringField("Question", validators=[Required("Enter the question"), NoControlCharacters()])
    option_1 = StringField("Answer 1", validators=[NoControlCharacters()])
    option_2 = StringField("Answer 2", validators=[NoControlCharacters()])
    option_3 = StringField("Answer 3 (optional)", validators=[NoControlCharacters()])
    option_4 = StringField("Answer 4 (optional)", validators=[NoControlCharacters()])
    correct = RadioField("Which answer is right?", choices=choices([(str(n), f"Answer {n}") for n in range(1, 5)]),
                         validators=[Required("Select the right answer")])


class ImageForm(FlaskForm):
    image = FileField("Picture (PNG or JPG, smaller than 2MB)")
    alt_text = StringField("Describe the picture for people who cannot see it",
                           validators=[Required("Describe the picture"), NoControlCharacters()])


class CvForm(FlaskForm):
    personal_statement = TextAreaField("Personal statement")
    skills = TextAreaField("Skills")
    disclosure = TextAreaField("What you want to say about your conviction (optional)")
    references = TextAreaField("References")


class CvEntryForm(FlaskForm):
    kind = RadioField("What is this?", choices=choices(CvEntryKind.LABELS.items()),
                      validators=[Required("Select what kind of entry this is")])
    title = StringField("Job title, course or qualification",
                        validators=[Required("Enter the job title, course or qualification"), NoControlCharacters()])
    place = StringField("Where (optional)", validators=[NoControlCharacters()])
    dates = StringField("When (optional)", validators=[NoControlCharacters()])
    description = TextAreaField("What you did or learned (optional)")


class MarketSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[NoControlCharacters()])
    pathway = SelectField("What kind of help", choices=[], default="", validate_choice=False)

    def validate_pathway(self, field):
        if field.data not in {value for value, *_ in field.choices}:
            raise ValidationError("Select what kind of help from the list")


class ReviewForm(FlaskForm):
    """A step in content review; sending back needs a note for the author (checked by the operation)."""

    note = TextAreaField("What the author needs to change", validators=[NoControlCharacters()])


class InterestNominationForm(NominationForm):
    """Prison staff put a learner forward from their interest: the employers' nomination form without the
    reference (the learner's prison number is known) and with the learner's first name filled in."""

    person_reference = None

    def answers(self) -> NominationInput:
        return NominationInput(
            person_reference="", first_name=self.first_name.data, skills=self.skills.data,
            training=self.training.data or "", availability=self.availability.data,
            interview_details=self.interview_details.data or "", consent_method=self.consent_method.data,
            consent_confirmed=bool(self.consent.data))


class NotTakenForm(FlaskForm):
    reason = TextAreaField("Why is the learner not being put forward?", validators=[
        Required("Enter why the learner is not being put forward (they will see this)")])

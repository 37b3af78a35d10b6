"""Referral forms: one per section of the draft (reused to amend after sending) and one per step.

Forms only parse what was typed (a date that exists, a time, yes or no) and say what each page must answer.
Every rule about the answers themselves (formats, limits, dates that fit together) is in `operations`, whose
field-level errors land on these fields by name: each field is named after the answer it holds.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import Optional, ValidationError

from portal.extensions import db
from portal.forms import DateInput, Required, choices
from portal.reference.models import Pathway, Prison
from portal.referrals.operations import MAX_OUTCOMES
from portal.referrals.workflow import (
    ACHIEVEMENT,
    ATTENDANCE,
    CONSENT_METHODS,
    ESCALATION_DECISIONS,
    GENDERS,
    RAG,
    RISK_LEVELS,
)

LONDON = ZoneInfo("Europe/London")
TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")
TIME_12 = re.compile(r"^\s*(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?\s*([ap])\.?m\.?\s*$", re.IGNORECASE)
YES_NO = [("yes", "Yes"), ("no", "No")]


# --- Fields ---

class YesNo(RadioField):
    """A yes/no question whose answer is True, False or None (not answered)."""

    def __init__(self, label: str, message: str | None = None, **kwargs):
        validators = [Required(message)] if message else [Optional()]
        super().__init__(label, choices=choices(YES_NO), validators=validators, **kwargs)

    def process_data(self, value):
        self.data = {True: "yes", False: "no"}.get(value, value)

    def pre_validate(self, form):
        if self.data not in (None, "", "yes", "no"):
            # ValidationError, not a bare ValueError: WTForms only turns the former into a field message (a 500 else)
            raise ValidationError(f"Select yes or no for ‘{self.label.text}’")

    @property
    def answer(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data)


class TextList(Field):
    """Several short answers: boxes named <name>-0, <name>-1, ... (`data` is the list of non-empty ones).

    `boxes` is how many boxes the page shows: what was typed, plus one empty box to add another."""

    def __init__(self, label: str, most: int, least_boxes: int = 3, **kwargs):
        super().__init__(label, **kwargs)
        self.most = most
        self.least_boxes = least_boxes
        self.typed: list[str] = []

    @property
    def summary_anchor(self) -> str:
        return f"{self.id}-0"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.object_data = data
        self.typed = list(data) if data not in (unset_value, None) else []
        if formdata is not None:
            keys = sorted((int(k.rsplit("-", 1)[1]), k) for k in formdata
                          if k.startswith(f"{self.name}-") and k.rsplit("-", 1)[1].isdigit())
            if keys:
                self.typed = [(formdata.get(k) or "") for _, k in keys[:1000]]
        self.data = [t.strip() for t in self.typed if t.strip()]

    def boxes(self, extra: int = 0) -> list[str]:
        count = min(self.most, max(self.least_boxes, len(self.data) + 1)) + extra
        values = [*self.data, *[""] * count]
        return values[:max(count, len(self.data))]


# --- The draft's sections (also used to amend after sending) ---

class SectionForm(FlaskForm):
    version = HiddenField()  # the referral's version when the page was opened: a stale save is a 409
    reason = TextAreaField("Why are you changing the referral?")  # only shown (and needed) when amending

    FIELDS: tuple[str, ...] = ()

    def answers(self) -> dict:
        return {name: self._fields[name].data for name in self.FIELDS}

    @classmethod
    def initial(cls, values: dict) -> dict:
        """The form's starting data from `operations.answers_of` (dates as ISO text)."""
        return {name: values.get(name) for name in cls.FIELDS}


def _iso(value):
    return date.fromisoformat(value) if isinstance(value, str) and value else value


class PersonForm(SectionForm):
    FIELDS = ("first_name", "last_name", "date_of_birth", "crn", "gender")
    first_name = StringField("First name")
    last_name = StringField("Last name")
    date_of_birth = DateInput("Date of birth", "Date of birth")
    crn = StringField("Case reference number (CRN)")
    gender = RadioField("Gender", choices=choices(GENDERS.items()), validators=[Optional()])

    def answers(self) -> dict:
        answers = super().answers()
        answers["gender"] = answers["gender"] or None
        return answers

    @classmethod
    def initial(cls, values: dict) -> dict:
        return {**super().initial(values), "date_of_birth": _iso(values.get("date_of_birth"))}


class LocationForm(SectionForm):
    FIELDS = ("in_custody", "prison", "expected_release_date", "postcode")
    in_custody = RadioField("Where is the person now?", choices=choices([
        ("custody", "In custody (in prison)"), ("community", "In the community")]), validators=[Optional()])
    prison = SelectField("Prison", validators=[Optional()])
    expected_release_date = DateInput("Expected release date", "Expected release date")
    postcode = StringField("Postcode district")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prisons = db.session.scalars(select(Prison).order_by(Prison.name))
        self.prison.choices = choices([("", "Select a prison"), *((p.code, p.name) for p in prisons)])

    def answers(self) -> dict:
        in_custody = {"custody": True, "community": False}.get(self.in_custody.data)
        answers = {"in_custody": in_custody, "postcode": self.postcode.data or ""}
        if in_custody:
            answers |= {"prison": self.prison.data or None, "expected_release_date": self.expected_release_date.data}
        else:  # someone in the community has no prison or release date (the boxes may still hold old ones)
            answers |= {"prison": None, "expected_release_date": None}
        return answers

    @classmethod
    def initial(cls, values: dict) -> dict:
        return {"in_custody": {True: "custody", False: "community"}.get(values.get("in_custody")),
                "prison": values.get("prison") or "", "postcode": values.get("postcode") or "",
                "expected_release_date": _iso(values.get("expected_release_date"))}


class ContactForm(SectionForm):
    FIELDS = ("phone", "interpreter_language", "disability_needs", "caring_responsibilities", "availability")
    phone = StringField("Phone number (optional)")
    interpreter = YesNo("Does the person need an interpreter?")
    interpreter_language = StringField("Which language?")
    disability_needs = TextAreaField("Disability and access needs (optional)")
    caring_responsibilities = TextAreaField("Caring responsibilities (optional)")
    availability = TextAreaField("When is the person available? (optional)")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.interpreter.answer and not (self.interpreter_language.data or "").strip():
            self.interpreter_language.errors = [*self.interpreter_language.errors,
                                                "Enter the language the person needs an interpreter for"]
            valid = False
        return valid

    def answers(self) -> dict:
        answers = super().answers()
        if not self.interpreter.answer:
            answers["interpreter_language"] = ""
        return answers

    @classmethod
    def initial(cls, values: dict) -> dict:
        language = values.get("interpreter_language") or ""
        return {**super().initial(values), "interpreter": "yes" if language else None}


class ReferrerForm(SectionForm):
    FIELDS = ("referrer_phone",)
    referrer_phone = StringField("Your phone number")


class NeedsForm(SectionForm):
    """Pathways with a red/amber/green rating each (one radio group per pathway, revealed when ticked), and
    the outcomes the referral is for. Build it with `needs_form`, which adds the pathways' rating fields."""

    FIELDS = ("needs", "desired_outcomes")
    needs = SelectMultipleField("Which resettlement pathways does the person need help with?",
                                validators=[Optional()])
    desired_outcomes = TextList("Desired outcomes", most=MAX_OUTCOMES)
    pathways: list = []

    def rating(self, slug: str) -> RadioField:
        return self._fields[rating_name(slug)]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for pathway in self.pathways:
            field = self.rating(pathway.slug)
            if pathway.slug in (self.needs.data or []) and field.data not in RAG:
                field.errors = [f"Select red, amber or green for {pathway.name}"]
                valid = False
        return valid

    def answers(self) -> dict:
        return {"needs": [{"pathway": slug, "rating": self.rating(slug).data} for slug in self.needs.data or []
                          if rating_name(slug) in self._fields],
                "desired_outcomes": self.desired_outcomes.data}

    @classmethod
    def initial(cls, values: dict) -> dict:
        needs = values.get("needs") or []
        return {"needs": [n["pathway"] for n in needs], "desired_outcomes": values.get("desired_outcomes") or [],
                **{rating_name(n["pathway"]): n["rating"] for n in needs}}


def rating_name(slug: str) -> str:
    return "rating_" + slug.replace("-", "_")


def needs_form(**kwargs) -> NeedsForm:
    pathways = list(db.session.scalars(select(Pathway).order_by(Pathway.position)))
    fields = {rating_name(p.slug): RadioField(f"How much help does the person need with {p.name.lower()}?",
                                              choices=choices(RAG.items()), validators=[Optional()])
              for p in pathways}
    form_class = type("PathwayNeedsForm", (NeedsForm,), {**fields, "pathways": pathways})
    form = form_class(**kwargs)
    form.needs.choices = choices((p.slug, p.name) for p in pathways)
    return form


class RiskForm(SectionForm):
    FIELDS = ("risk_level", "mappa", "risk_summary", "arson_conviction", "sexual_offence_conviction")
    risk_level = RadioField("Risk of serious harm", choices=choices(RISK_LEVELS.items()), validators=[Optional()])
    mappa = YesNo("Is the person managed under MAPPA (multi-agency public protection arrangements)?")
    risk_summary = TextAreaField("Risk summary")
    arson_conviction = YesNo("Does the person have a conviction for arson?",
                             "Select whether the person has a conviction for arson")
    sexual_offence_conviction = YesNo("Does the person have a conviction for a sexual offence?",
                                      "Select whether the person has a conviction for a sexual offence")

    def answers(self) -> dict:
        return {"risk_level": self.risk_level.data or None, "mappa": self.mappa.answer,
                "risk_summary": self.risk_summary.data or "", "arson_conviction": self.arson_conviction.answer,
                "sexual_offence_conviction": self.sexual_offence_conviction.answer}


class ConsentForm(SectionForm):
    FIELDS = ("consent_given", "consent_date", "consent_method")
    consent_given = YesNo("Has the person agreed to be referred to this service?",
                          "Select whether the person has agreed to be referred")
    consent_date = DateInput("When did they agree?", "Date consent was given")
    consent_method = RadioField("How did they agree?", choices=choices(CONSENT_METHODS.items()),
                                validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.consent_given.answer is False:
            self.consent_given.errors = [*self.consent_given.errors,
                                         "You can only refer someone who has agreed to it. Talk to the person "
                                         "first, then come back to this page"]
            valid = False
        return valid

    def answers(self) -> dict:
        return {"consent_given": bool(self.consent_given.answer), "consent_date": self.consent_date.data,
                "consent_method": self.consent_method.data or None}

    @classmethod
    def initial(cls, values: dict) -> dict:
        return {"consent_given": True if values.get("consent_given") else None,
                "consent_date": _iso(values.get("consent_date")), "consent_method": values.get("consent_method")}


class AdditionalForm(SectionForm):
    FIELDS = ("additional_information",)
    additional_information = TextAreaField("Anything else the provider should know (optional)")


# --- Steps ---

class StepForm(FlaskForm):
    """A step's form: at least the version the person saw."""

    version = HiddenField()


class ReasonForm(StepForm):
    """Decline, withdraw or end early: a reason code and a comment."""

    reason_code = RadioField("Reason", validators=[Optional()])
    comment = TextAreaField("Comment")

    def __init__(self, reasons: dict[str, str], legend: str, comment_label: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_code.choices = choices(reasons.items())
        self.reason_code.label.text = legend
        self.comment.label.text = comment_label


class EscalationForm(StepForm):
    """The offender manager's decision after a risk escalation."""

    decision = RadioField("What happens next?", choices=choices(ESCALATION_DECISIONS.items()),
                          validators=[Optional()])
    plan_document = StringField("Where is the risk management plan held?")
    review_date = DateInput("When will the plan be reviewed?", "The plan's review date")
    comment = TextAreaField("Comment for the provider (optional)")


class AssignForm(StepForm):
    caseworker = SelectField("Caseworker", validators=[Optional()])

    def __init__(self, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {u.public_id: u for u in people}
        self.caseworker.choices = choices([("", "Select a caseworker"), *((u.public_id, u.name) for u in people)])


def parse_time(value: str | None) -> time | None:
    if match := TIME.match(value or ""):
        return time(int(match.group(1)), int(match.group(2)))
    if match := TIME_12.match(value or ""):
        hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "p" else 0)
        return time(hour, int(match.group(2) or 0))
    return None


class WhenForm(StepForm):
    """A date and a time of day, in UK time."""

    when_date = DateInput("Date", "The date")
    when_time = StringField("Time")
    WHAT = "the appointment"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.when_date.errors and self.when_date.data is None:
            self.when_date.errors = [f"Enter the date of {self.WHAT}"]
            valid = False
        if parse_time(self.when_time.data) is None:
            self.when_time.errors = [f"Enter the time of {self.WHAT} in the 24-hour clock, like 14:30, or like 2:30pm"
                                     if (self.when_time.data or "").strip() else f"Enter the time of {self.WHAT}"]
            valid = False
        return valid

    @property
    def when(self) -> datetime | None:
        at = parse_time(self.when_time.data)
        if self.when_date.data is None or at is None:
            return None
        return datetime.combine(self.when_date.data, at, tzinfo=LONDON)


class BookForm(WhenForm):
    when_date = DateInput("Date of the first appointment", "The date of the first appointment")
    when_time = StringField("Time")
    WHAT = "the first appointment"


class SessionForm(WhenForm):
    when_date = DateInput("Date of the session", "The date of the session")
    when_time = StringField("Time it started")
    attendance = RadioField("Did the person attend?", choices=choices(ATTENDANCE.items()), validators=[Optional()])
    notes = TextAreaField("Notes")
    WHAT = "the session"


class CompleteForm(StepForm):
    """One achieved / partly / not achieved answer per desired outcome, and the end-of-service report. Build it
    with `complete_form`, which adds one radio group per outcome."""

    report = TextAreaField("End-of-service report")
    outcomes: list = []

    def achievement_fields(self) -> list[RadioField]:
        return [self._fields[f"achievement_{i}"] for i in range(len(self.outcomes))]

    @property
    def achievements(self) -> list[str]:
        return [field.data for field in self.achievement_fields()]


def complete_form(outcomes: list[dict], **kwargs) -> CompleteForm:
    fields = {f"achievement_{i}": RadioField(
        f"Outcome {i + 1}: {outcome['text']}", choices=choices(ACHIEVEMENT.items()),
        validators=[Required(f"Select whether outcome {i + 1} was achieved, partly achieved or not achieved")])
        for i, outcome in enumerate(outcomes)}
    form_class = type("OutcomesCompleteForm", (CompleteForm,), {**fields, "outcomes": outcomes})
    return form_class(**kwargs)

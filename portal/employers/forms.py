"""Corporate Alliance forms: joining or moving up, verifying, opportunities, searching, nominating, steps."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, Regexp, StopValidation
from wtforms.widgets import TextInput

from portal.directory import vocabulary as areas
from portal.employers import operations
from portal.employers import vocabulary as v
from portal.extensions import db
from portal.forms import NoControlCharacters, Required, choices
from portal.reference.models import Prison

PLEDGE_ROWS = 3


def _length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")


def _whole_number(label: str, example: str = "10") -> list:
    return [Optional(), Regexp(r"^\s*\d{1,6}\s*$", message=f"{label} must be a whole number, like {example}")]


def as_int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def as_version(field: Field) -> int | None:
    return as_int(field.data)


class DateField(Field):
    """A GOV.UK date input: three boxes named <name>-day, <name>-month and <name>-year."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, required_message: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message
        self.parts = {"day": "", "month": "", "year": ""}

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = data if isinstance(data, date) else None
        if formdata is not None and any(f"{self.name}-{part}" in formdata for part in self.parts):
            self.parts = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in self.parts}
            self.data = None
        elif self.data is not None:
            self.parts = {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}

    def pre_validate(self, form):
        label = self.label.text
        if not any(self.parts.values()):
            if self.required_message:
                raise StopValidation(self.required_message)
            return
        missing = [part for part, value in self.parts.items() if not value]
        if missing:
            raise StopValidation(f"{label} must include a {missing[0]}")
        if not all(value.isdigit() for value in self.parts.values()) or len(self.parts["year"]) != 4:
            raise StopValidation(f"{label} must be a real date, like 27 3 2027")
        try:
            self.data = date(int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"]))
        except ValueError:
            raise StopValidation(f"{label} must be a real date, like 27 3 2027") from None


# --- Alliance membership ---

class LevelForm(FlaskForm):
    version = HiddenField()
    level = RadioField("Which level is your organisation joining at?",
                       choices=choices((str(k), label) for k, label in v.LEVELS.items()),
                       validators=[Required("Select the level your organisation is joining at")])

    def pledges(self) -> list[operations.PledgeInput]:
        found = []
        for n in range(1, PLEDGE_ROWS + 1):
            kind, description = self[f"pledge_{n}_kind"].data, self[f"pledge_{n}_description"].data or ""
            if description.strip() or (kind and n == 1):
                found.append(operations.PledgeInput(kind=kind or "", description=description,
                                                    area=self[f"pledge_{n}_area"].data or "",
                                                    quantity=as_int(self[f"pledge_{n}_quantity"].data), row=n))
        return found

    def pledge_rows(self) -> list[dict]:
        return [{name: self[f"pledge_{n}_{name}"] for name in ("kind", "description", "area", "quantity")}
                | {"number": n} for n in range(1, PLEDGE_ROWS + 1)]


for _n in range(1, PLEDGE_ROWS + 1):
    _first = _n == 1
    setattr(LevelForm, f"pledge_{_n}_kind", SelectField(
        "What you will do" if _first else "What you will do (optional)",
        choices=choices([("", "Choose a pledge"), *v.PLEDGE_KINDS.items()]),
        validators=[Required("Select what you are pledging")] if _first else [Optional()]))
    setattr(LevelForm, f"pledge_{_n}_description", TextAreaField(
        "Describe the pledge" if _first else "Describe the pledge (optional)",
        validators=([Required("Describe what you will donate, train, place or recruit")] if _first else [])
        + [_length("The pledge", 2000)]))
    setattr(LevelForm, f"pledge_{_n}_area", StringField("Where (optional)", validators=[
        Optional(), _length("Where", 200), NoControlCharacters()]))
    setattr(LevelForm, f"pledge_{_n}_quantity", StringField("How many (optional)",
                                                            validators=_whole_number("How many")))


class MembershipDecisionForm(FlaskForm):
    version = HiddenField()
    decision = RadioField("Decision", choices=choices([("verify", "Verify this level"),
                                                       ("decline", "Do not verify it")]),
                          validators=[Required("Select whether to verify the level")])
    reason = TextAreaField("Reason (needed if you do not verify it)", validators=[_length("Reason", 2000)])


# --- Opportunities ---

def prison_choices() -> list:
    return choices((p.code, p.name) for p in db.session.scalars(select(Prison).order_by(Prison.name)))


class OpportunityForm(FlaskForm):
    version = HiddenField()
    kind = RadioField("Type of opportunity", choices=choices(v.OPPORTUNITY_KINDS.items()),
                      validators=[Required("Select the type of opportunity")])
    title = StringField("Title or role", validators=[
        Required("Enter the title or role"), _length("Title or role", 200), NoControlCharacters()])
    description = TextAreaField("Description", validators=[
        Required("Enter a description of the opportunity"), _length("Description", 5000)])
    industry = SelectField("Sector", choices=choices([("", "Choose a sector"), *v.INDUSTRIES.items()]),
                           validators=[Required("Select the sector")])
    postcodes = TextAreaField("Postcodes of the places where it happens", validators=[
        Required("Enter the postcode of at least one place where the opportunity is"), _length("Postcodes", 400)])
    minimum_requirements = TextAreaField("Minimum requirements (needed for guaranteed interviews)", validators=[
        _length("Minimum requirements", 3000)])
    training_course = StringField("Linked training course (optional)", validators=[
        Optional(), _length("Linked training course", 300), NoControlCharacters()])
    training_provider = StringField("Who delivers the training (optional)", validators=[
        Optional(), _length("Who delivers the training", 200), NoControlCharacters()])
    paid = RadioField("Is the placement paid? (work placements)", choices=choices([("yes", "Paid"),
                                                                                  ("no", "Unpaid")]),
                      validators=[Optional()])
    rotl = BooleanField("Open to people on release on temporary licence (ROTL)")
    places = StringField("Number of interviews or places (needed for guaranteed interviews)",
                         validators=_whole_number("Number of interviews or places"))
    closing_date = DateField("Closing date (optional)")
    conviction_position = TextAreaField("Your position on particular convictions (optional)", validators=[
        _length("Your position on particular convictions", 3000)])
    prisons = SelectMultipleField("Prisons it is open to (optional)", choices=[], validators=[Optional()])
    contract_package_areas = SelectMultipleField(
        "Contract package areas it is open to (optional)",
        choices=choices(areas.CONTRACT_PACKAGE_AREAS.items()), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prisons.choices = prison_choices()

    def answers(self) -> operations.OpportunityInput:
        return operations.OpportunityInput(
            kind=self.kind.data, title=self.title.data, description=self.description.data,
            industry=self.industry.data, postcodes=[line for line in (self.postcodes.data or "").splitlines()
                                                    for line in line.split(",")],
            minimum_requirements=self.minimum_requirements.data or "", training_course=self.training_course.data or "",
            training_provider=self.training_provider.data or "",
            paid={"yes": True, "no": False}.get(self.paid.data), rotl=bool(self.rotl.data),
            places=as_int(self.places.data), closing_date=self.closing_date.data,
            conviction_position=self.conviction_position.data or "", prison_codes=list(self.prisons.data or []),
            cpa_slugs=list(self.contract_package_areas.data or []))

    @staticmethod
    def data_from(opportunity) -> dict:
        return {
            "version": opportunity.version, "kind": opportunity.kind, "title": opportunity.title,
            "description": opportunity.description, "industry": opportunity.industry,
            "postcodes": "\n".join(location.postcode for location in opportunity.locations),
            "minimum_requirements": opportunity.minimum_requirements,
            "training_course": opportunity.training_course, "training_provider": opportunity.training_provider,
            "paid": {True: "yes", False: "no"}.get(opportunity.paid), "rotl": opportunity.rotl,
            "places": "" if opportunity.places is None else str(opportunity.places),
            "closing_date": opportunity.closing_date, "conviction_position": opportunity.conviction_position,
            "prisons": [p.code for p in opportunity.prisons],
            "contract_package_areas": [c.slug for c in opportunity.contract_package_areas],
        }


class VersionForm(FlaskForm):
    """A one-button form (close an opportunity) carrying the version the person saw."""

    version = HiddenField()


class SearchForm(FlaskForm):
    """Finding opportunities (GET: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField("Search opportunities", validators=[Optional()])
    type = SelectMultipleField("Type", choices=choices(v.OPPORTUNITY_KINDS.items()), validators=[Optional()])
    sector = SelectMultipleField("Sector", choices=choices(v.INDUSTRIES.items()), validators=[Optional()])
    location = StringField("Town or postcode district", validators=[Optional()])
    postcode = StringField("Near postcode", validators=[Optional()])
    distance = SelectField("Within", choices=choices((str(m), f"{m} miles") for m in operations.DISTANCES_MILES),
                           default=str(operations.DEFAULT_MILES), validators=[Optional()])
    region = SelectField("Region", choices=choices([("", "Any region"), *areas.REGIONS.items()]),
                         validators=[Optional()])
    cpa = SelectField("Contract package area", choices=choices([("", "Any contract package area"),
                                                                *areas.CONTRACT_PACKAGE_AREAS.items()]),
                      validators=[Optional()])
    prison = SelectField("Prison", choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prison.choices = choices([("", "Any prison")]) + prison_choices()


# --- Nominations ---

class NominationForm(FlaskForm):
    person_reference = StringField("Their reference", validators=[
        Required("Enter the person's reference"), _length("Their reference", 12), NoControlCharacters()])
    first_name = StringField("First name", validators=[
        Required("Enter the person's first name"), _length("First name", 100), NoControlCharacters()])
    skills = TextAreaField("Skills", validators=[Required("Enter the person's skills"), _length("Skills", 2000)])
    training = TextAreaField("Relevant training (optional)", validators=[_length("Relevant training", 2000)])
    availability = TextAreaField("Availability", validators=[
        Required("Enter when the person is available"), _length("Availability", 1000)])
    interview_details = TextAreaField("Details to share if an interview is offered (optional)", validators=[
        _length("Details to share if an interview is offered", 2000)])
    consent_method = RadioField("How did the person give their consent?", choices=choices(v.CONSENT_METHODS.items()),
                                validators=[Required("Select how the person gave their consent")])
    consent = BooleanField("The person has agreed to be nominated and to share these details with the employer",
                           validators=[Required("Confirm the person has agreed to be nominated and to share these "
                                                "details")])

    def answers(self) -> operations.NominationInput:
        return operations.NominationInput(
            person_reference=self.person_reference.data, first_name=self.first_name.data,
            skills=self.skills.data, training=self.training.data or "", availability=self.availability.data,
            interview_details=self.interview_details.data or "", consent_method=self.consent_method.data,
            consent_confirmed=bool(self.consent.data))


class StepForm(FlaskForm):
    version = HiddenField()
    on_date = DateField("Date", required_message="Enter the date")
    reason = RadioField("Why is the nomination closing?", choices=choices(v.CLOSE_REASONS.items()),
                        validators=[Optional()])
    note = TextAreaField("Anything to add (optional)", validators=[_length("Anything to add", 1000)])

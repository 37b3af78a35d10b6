"""Supply-chain forms: the Expression of Interest, evidence uploads, an administrator's decision, shortlists,
invitations and replies. The Expression of Interest form checks only the shape of each answer, so a half-finished
entry can be saved as a draft; what must be answered before it is sent for review is a rule in operations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, Regexp, StopValidation, ValidationError

from portal.directory.forms import Website
from portal.forms import NoControlCharacters, Required, choices
from portal.supply_chain import vocabulary as v
from portal.supply_chain.uploads import ALLOWED_DESCRIPTION, MAX_BYTES


class OptionalRadioField(RadioField):
    """Radios that may be left unanswered in a draft; an answer must still be one of the choices."""

    def pre_validate(self, form):
        if self.data in (None, "", "None"):
            self.data = None
            return
        if self.data not in {c.value for c in self.choices}:
            raise ValidationError(f"Select one of the options for {self.label.text.lower().rstrip('?')}")


class KnownChoices:
    """Ticked boxes must be among the choices offered (a forged value is named, not ignored)."""

    def __call__(self, form, field) -> None:
        offered = {c.value for c in field.choices}
        if any(value not in offered for value in field.data or []):
            raise StopValidation(f"Choose {field.label.text.lower()} from the options shown")


def _length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")


def _line(label: str, limit: int) -> list:
    return [Optional(), _length(label, limit), NoControlCharacters()]


def _ticks(label: str, terms: dict[str, str]) -> SelectMultipleField:
    return SelectMultipleField(label, choices=choices(terms.items()), validators=[KnownChoices()],
                               validate_choice=False)


def _whole(label: str, example: str) -> list:
    return [Optional(), Regexp(r"^\s*\d{1,7}\s*$", message=f"{label} must be a whole number, like {example}")]


class ExpressionForm(FlaskForm):
    version = HiddenField()  # the entry's version when the form was opened: a stale save is refused (409)

    # Organisation details and identifiers
    organisation_name = StringField("Organisation name", validators=_line("Organisation name", 200))
    description = TextAreaField("What your organisation does", validators=[
        Optional(), _length("What your organisation does", 3000)])
    website = StringField("Website (optional)", validators=[*_line("Website", 300), Website()])
    contact_email = StringField("Email address for lead providers", validators=[
        *_line("Email address", 254),
        Email(message="Enter an email address in the correct format, like name@example.com",
              check_deliverability=False)])
    contact_phone = StringField("Telephone number (optional)", validators=[
        Optional(), Regexp(r"^\+?[\d\s()-]{7,24}$",
                           message="Enter a telephone number, like 01632 960 001 or +44 808 157 0192")])
    charity_number = StringField("Registered charity number (optional)", validators=[
        Optional(), Regexp(r"^\s*\d{6,8}(-\d{1,2})?\s*$",
                           message="Enter a registered charity number, like 1123456")])
    company_number = StringField("Company number (optional)", validators=[
        Optional(), Regexp(r"^\s*[A-Za-z0-9]{8}\s*$", message="Enter a company number of 8 characters, like 08123456")])

    # Sector and size
    sector = OptionalRadioField("Sector", choices=choices(v.SECTORS.items()))
    income_band = OptionalRadioField("Annual income", choices=choices(v.INCOME_BANDS.items()))
    staff = StringField("Paid staff", validators=_whole("Paid staff", "12"))
    volunteers = StringField("Volunteers", validators=_whole("Volunteers", "40"))

    # Expertise
    pathways = _ticks("Resettlement pathways", v.PATHWAYS)
    specialisms = _ticks("Specialisms", v.SPECIALISMS)
    other_specialisms = StringField("Other specialisms (optional)", validators=_line("Other specialisms", 300))
    settings = _ticks("Where you work with people", v.SETTINGS)

    # Where, and how many
    cpas = _ticks("Contract package areas", v.CONTRACT_PACKAGE_AREAS)
    regions = _ticks("Regions", v.REGIONS)
    capacity = StringField("How many people you could work with in a year",
                           validators=_whole("How many people you could work with in a year", "150"))

    # Evidence
    case_studies = TextAreaField("Case studies", validators=[Optional(), _length("Case studies", 5000)])
    quality_marks = TextAreaField("Quality marks and accreditations", validators=[
        Optional(), _length("Quality marks and accreditations", 2000)])
    outcomes = TextAreaField("Outcomes data", validators=[Optional(), _length("Outcomes data", 5000)])
    references = TextAreaField("References", validators=[Optional(), _length("References", 2000)])
    safeguarding_policy = OptionalRadioField("Do you have a safeguarding policy?", choices=choices(v.YES_NO.items()))
    data_protection_policy = OptionalRadioField("Do you have a data protection policy?",
                                                choices=choices(v.YES_NO.items()))
    insurance = OptionalRadioField("Do you hold public and employer's liability insurance?",
                                   choices=choices(v.YES_NO.items()))

    # Risk
    risk_appetite = OptionalRadioField("Appetite for payment-by-results risk",
                                       choices=choices(v.RISK_APPETITES.items()))

    ANSWERS = ("organisation_name", "description", "website", "contact_email", "contact_phone", "charity_number",
               "company_number", "sector", "income_band", "staff", "volunteers", "pathways", "specialisms",
               "other_specialisms", "settings", "cpas", "regions", "capacity", "case_studies", "quality_marks",
               "outcomes", "references", "safeguarding_policy", "data_protection_policy", "insurance",
               "risk_appetite")

    def answers(self) -> dict:
        """The answers as stored: text trimmed, numbers as numbers, lists in the order of the choices."""
        out: dict = {}
        for name in self.ANSWERS:
            value = self[name].data
            if isinstance(value, list):
                order = [c.value for c in self[name].choices]
                out[name] = [code for code in order if code in set(value)]
            elif name in ("staff", "volunteers", "capacity"):
                out[name] = int(value) if value and value.strip().isdigit() else None
            else:
                out[name] = (value or "").strip() if isinstance(value, str) or value is None else value
        if out["charity_number"]:
            out["charity_number"] = out["charity_number"].strip()
        if out["company_number"]:
            out["company_number"] = out["company_number"].upper()
        return out

    @classmethod
    def data_from(cls, answers: dict) -> dict:
        return {name: ("" if answers.get(name) is None else str(answers[name]))
                if name in ("staff", "volunteers", "capacity") else answers.get(name)
                for name in cls.ANSWERS if name in answers}


class DocumentForm(FlaskForm):
    kind = RadioField("What kind of document is it?", choices=choices(v.DOCUMENT_KINDS.items()),
                      validators=[Required("Select what kind of document it is")])
    title = StringField("Title (optional)", validators=_line("Title", 200))
    file = FileField("Upload a file", description=f"{ALLOWED_DESCRIPTION}, {MAX_BYTES // (1024 * 1024)} MB at most")


class ButtonForm(FlaskForm):
    """A one-button action, carrying the version the person saw."""

    version = HiddenField()


class ReviewForm(FlaskForm):
    decision = RadioField("Decision", choices=choices([
        ("publish", "Publish it"), ("return", "Return it for changes"), ("reject", "Reject it")]),
        validators=[Required("Select whether to publish, return or reject the entry")])
    comment = TextAreaField("Comments for the organisation (needed when returning or rejecting)", validators=[
        _length("Comments", 3000)])


class ShortlistForm(FlaskForm):
    shortlist = OptionalRadioField("Which shortlist?")
    new_name = StringField("Name of the new shortlist", validators=_line("Name of the new shortlist", 100))

    def __init__(self, shortlists, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shortlist.choices = choices([(s.public_id, s.name) for s in shortlists] + [("new", "A new shortlist")])


class InviteForm(FlaskForm):
    contract_name = StringField("Name of the contract", validators=[
        Required("Enter the name of the contract"), _length("Name of the contract", 200), NoControlCharacters()])
    contract_package_area = SelectField("Contract package area", choices=choices(
        [("", "Choose an area"), *v.CONTRACT_PACKAGE_AREAS.items()]),
        validators=[Required("Select the contract package area")])
    services = TextAreaField("Services the organisation would deliver", validators=[
        Required("Enter the services the organisation would deliver"),
        _length("Services the organisation would deliver", 3000)])
    risk_share_percent = StringField("Share of the sub-contract's value paid by results", validators=[
        Required("Enter the share of the sub-contract's value paid by results, from 0 to 100"),
        Regexp(r"^\s*(100|\d{1,2})\s*%?\s*$",
               message="Share of the sub-contract's value paid by results must be a whole number from 0 to 100")])
    risk_notes = TextAreaField("What financial risk passes to the organisation (optional)", validators=[
        Optional(), _length("What financial risk passes to the organisation", 2000)])


class RespondForm(FlaskForm):
    decision = RadioField("Do you want to join this supply chain?", choices=choices([
        ("accept", "Yes, accept the invitation"), ("decline", "No, decline it")]),
        validators=[Required("Select whether to accept or decline the invitation")])
    note = TextAreaField("A note for the lead provider (optional)", validators=[
        Optional(), _length("Note", 2000)])

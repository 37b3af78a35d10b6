"""Funding forms: GOV.UK wording; money is read as pounds and pence and kept as integer pence."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, Length, Optional, StopValidation, ValidationError

from portal.forms import NoControlCharacters, Required, choices
from portal.funding.models import AgreementKind, ContractRole, MeasureKind, RequirementKind

MONEY = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
DATE_FORMATS = (re.compile(r"^(\d{1,2})[/ .-](\d{1,2})[/ .-](\d{4})$"), re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"))


def to_pence(text: str) -> int | None:
    """'£1,234.5' -> 123450; None when it is not an amount of money."""
    text = (text or "").strip()
    if not MONEY.match(text):
        return None
    return int(Decimal(text.lstrip("£").strip().replace(",", "")) * 100)


def to_date(text: str) -> date | None:
    text = (text or "").strip()
    for number, pattern in enumerate(DATE_FORMATS):
        found = pattern.match(text)
        if found:
            parts = [int(p) for p in found.groups()]
            day, month, year = parts if number == 0 else reversed(parts)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


class Money:
    """Pounds and pence, like 1,250.00 or £1250. `field.pence` holds the amount in pence."""

    def __init__(self, what: str, required: bool = True, minimum: int = 0):
        self.what, self.required, self.minimum = what, required, minimum

    def __call__(self, form, field) -> None:
        field.pence = None
        if not (field.data or "").strip():
            if self.required:
                raise StopValidation(f"Enter {self.what}")
            return
        pence = to_pence(field.data)
        if pence is None:
            raise StopValidation(f"Enter {self.what} in pounds and pence, like 1,250.00")
        if pence < self.minimum:
            raise StopValidation(f"Enter {self.what} of at least £{self.minimum // 100:,}.{self.minimum % 100:02d}")
        field.pence = pence


class ADate:
    def __init__(self, what: str, required: bool = True):
        self.what, self.required = what, required

    def __call__(self, form, field) -> None:
        field.date = None
        if not (field.data or "").strip():
            if self.required:
                raise StopValidation(f"Enter {self.what}")
            return
        field.date = to_date(field.data)
        if field.date is None or not 1990 <= field.date.year <= 2100:
            raise StopValidation(f"{self.what[0].upper()}{self.what[1:]} must be a real date, like 31/3/2027")


class Number:
    def __init__(self, what: str, required: bool = True, decimal: bool = False):
        self.what, self.required, self.decimal = what, required, decimal

    def __call__(self, form, field) -> None:
        field.number = None
        text = (field.data or "").strip().replace(",", "")
        if not text:
            if self.required:
                raise StopValidation(f"Enter {self.what}")
            return
        try:
            value = Decimal(text) if self.decimal else int(text)
        except (InvalidOperation, ValueError):
            kind = "number, like 7.5" if self.decimal else "whole number"
            raise StopValidation(f"Enter {self.what} as a {kind}") from None
        if self.decimal and not value.is_finite():
            raise StopValidation(f"Enter {self.what} as a number")
        if value < 0:
            raise StopValidation(f"Enter {self.what} as 0 or more")
        field.number = value


def _line(label: str, message: str, maximum: int = 200, required: bool = True) -> StringField:
    validators = [Required(message)] if required else [Optional()]
    return StringField(label, validators=[*validators, Length(max=maximum, message=f"{label} must be {maximum} "
                                                                               "characters or fewer"),
                                          NoControlCharacters()])


DATE_HINT = "For example, 31/3/2027"


class AgreementForm(FlaskForm):
    kind = RadioField("Is this a grant or a contract?", choices=choices(
        [(AgreementKind.GRANT, "A grant"), (AgreementKind.CONTRACT, "A contract")]),
        validators=[Required("Select whether this is a grant or a contract")])
    title = _line("Title", "Enter a title")
    reference = _line("Reference (optional)", "", 60, required=False)
    counterparty_name = _line("Funder or buyer", "Enter the name of the funder or buyer")
    counterparty_identifier = _line("Funder or buyer's organisation identifier (optional)", "", 60, required=False)
    programme = _line("Programme (optional)", "", required=False)
    description = TextAreaField("Description (optional)", validators=[Length(max=4000)])
    amount = StringField("Amount awarded or contract value", validators=[Money("the amount awarded or contract value")])
    award_date = StringField("Date awarded", validators=[ADate("the date awarded")])
    start_date = StringField("Start date", validators=[ADate("the start date")])
    end_date = StringField("End date", validators=[ADate("the end date")])
    conditions = TextAreaField("Conditions (optional)", validators=[Length(max=4000)])
    documents_url = StringField("Link to the documents (optional)", validators=[
        Optional(), Length(max=500), URL(message="Enter a link starting with https://")])
    contract_role = RadioField("Your organisation's role in the contract", choices=choices(ContractRole.LABELS.items()),
                               validators=[Optional()])
    contract_package_area = SelectField("Contract package area (optional)", validators=[Optional()])
    lead_agreement = SelectField("Lead contract (sub-contracts only)", validators=[Optional()])
    fee_for_service = StringField("Fee for service (optional)",
                                  validators=[Money("the fee for service", required=False)])
    fee_schedule = TextAreaField("Fee for service schedule (optional)", validators=[Length(max=2000)])
    outcome_payments = StringField("Outcome payments, at most (optional)",
                                   validators=[Money("the outcome payments", required=False)])

    def validate_contract_role(self, field) -> None:
        if self.kind.data == AgreementKind.CONTRACT and not field.data:
            raise ValidationError("Select your organisation's role in the contract")


class RequirementForm(FlaskForm):
    kind = RadioField("What is due?", choices=choices(RequirementKind.LABELS.items()),
                      validators=[Required("Select what is due")])
    title = _line("Description", "Enter a short description, like ‘Quarter 1 monitoring report’")
    due_date = StringField("Due date", validators=[ADate("the due date")])
    amount = StringField("Amount due (payments only)", validators=[Money("the amount due", required=False)])


class StatusForm(FlaskForm):
    status = RadioField("Status", choices=[], validators=[Required("Select a status")])
    note = TextAreaField("Note (optional)", validators=[Length(max=2000)])
    version = HiddenField()


class EntryForm(FlaskForm):
    direction = RadioField("Income or spend?", choices=choices([("income", "Income"), ("spend", "Spend")]),
                           validators=[Required("Select income or spend")])
    planned = RadioField("Planned or actual?", choices=choices([("planned", "Planned"), ("actual", "Actual")]),
                         validators=[Required("Select planned or actual")])
    amount = StringField("Amount", validators=[Money("the amount", minimum=1)])
    on = StringField("Date", validators=[ADate("the date")])
    description = _line("Description", "Enter a short description")


class MeasureForm(FlaskForm):
    kind = RadioField("Measure", choices=choices(MeasureKind.LABELS.items()),
                      validators=[Required("Select the kind of measure")])
    name = _line("Name", "Enter a name for the measure")
    baseline = StringField("Baseline", validators=[Number("the baseline", decimal=True)])
    threshold = StringField("Fall needed before any payment, as a percentage",
                            validators=[Number("the threshold", decimal=True)])
    price = StringField("Price per outcome", validators=[Money("the price per outcome")])
    cap = StringField("Most that can be paid for one cohort (optional)", validators=[Money("the cap", required=False)])
    method = TextAreaField("How the contract says results are measured (optional)", validators=[Length(max=4000)])


class CohortForm(FlaskForm):
    cohort = _line("Cohort", "Enter the cohort, like ‘Cohort 1: released 2025 to 2026’", 100)
    cohort_size = StringField("People in the cohort", validators=[Number("the number of people in the cohort")])
    outcomes = StringField("Reoffending in the cohort", validators=[Number("the reoffending figure")])
    comparison_size = StringField("People in the comparison group (optional)",
                                  validators=[Number("the comparison group's size", required=False)])
    comparison_outcomes = StringField("Reoffending in the comparison group (optional)",
                                      validators=[Number("the comparison group's reoffending", required=False)])
    validator_name = _line("Independent validator (optional)", "", required=False)
    validated_on = StringField("Date validated (optional)", validators=[ADate("the date validated", required=False)])
    validator_cohort_size = StringField("Validator's figure: people in the cohort (optional)",
                                        validators=[Number("the validator's cohort size", required=False)])
    validator_outcomes = StringField("Validator's figure: reoffending (optional)",
                                     validators=[Number("the validator's reoffending figure", required=False)])


class DocumentForm(FlaskForm):
    title = _line("Title (optional)", "", required=False)
    file = FileField("Upload a file")


class ShareForm(FlaskForm):
    share = HiddenField()


class PublishForm(FlaskForm):
    publish = RadioField("Publish your grants and contracts as open data?",
                         choices=choices([("yes", "Yes, publish them at the public addresses below"),
                                          ("no", "No, keep them private")]),
                         validators=[Required("Select yes or no")])


class DonationSettingsForm(FlaskForm):
    enabled = RadioField("Take donations on your organisation's page?",
                         choices=choices([("yes", "Yes, show a Donate button"), ("no", "No")]),
                         validators=[Required("Select yes or no")])


class DonateForm(FlaskForm):
    amount = StringField("How much would you like to give?", validators=[Money("an amount", minimum=100)])
    gift_aid = BooleanField("Yes, I want to Gift Aid my donation")
    name = StringField("Full name", validators=[Length(max=200), NoControlCharacters()])
    address = TextAreaField("Home address", validators=[Length(max=500)])
    postcode = StringField("Postcode", validators=[Length(max=10), NoControlCharacters()])
    taxpayer = BooleanField("I am a UK taxpayer and understand that if I pay less Income Tax and/or Capital Gains "
                            "Tax than the amount of Gift Aid claimed on all my donations in that tax year it is my "
                            "responsibility to pay any difference")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.gift_aid.data:
            for field, message in ((self.name, "Enter your full name for Gift Aid"),
                                   (self.address, "Enter your home address for Gift Aid"),
                                   (self.postcode, "Enter your postcode for Gift Aid")):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, message]
                    valid = False
            if not self.taxpayer.data:
                self.taxpayer.errors = [*self.taxpayer.errors, "Confirm that you are a UK taxpayer to add Gift Aid"]
                valid = False
        return valid


class RefundForm(FlaskForm):
    amount = StringField("Amount to refund", validators=[Money("the amount to refund", minimum=1)])
    version = HiddenField()

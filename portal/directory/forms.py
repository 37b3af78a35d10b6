"""Directory forms: a provider's listing, an administrator's decision, and reporting a problem."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, Regexp, StopValidation, ValidationError

from portal.directory import postcodes, vocabulary
from portal.directory.listing_form import DAYS, ELIGIBILITY_CHOICES, GENDERS
from portal.errors import DomainError
from portal.forms import NoControlCharacters, Required, choices

TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def _length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")


def _age(label: str) -> list:
    return [Optional(), Regexp(r"^\s*\d{1,3}\s*$", message=f"{label} must be a whole number, like 18")]


def _time(label: str) -> list:
    return [Optional(), Regexp(TIME, message=f"Enter the time the service {label} in the 24-hour clock, like 09:00")]


class Website:
    def __call__(self, form: FlaskForm, field) -> None:
        value = field.data.strip()
        try:
            parts = urlsplit(value if "://" in value else f"https://{value}")
        except ValueError:  # "[" is read as the start of an IPv6 address and refused by urlsplit itself
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
            raise ValidationError("Enter a website address in the correct format, like www.example.org")


class KnownPostcode:
    """The postcode must be one we can place on the map, in England or Wales."""

    def __call__(self, form: FlaskForm, field) -> None:
        try:
            outcode, _, _ = postcodes.locate(field.data)
        except DomainError as exc:
            raise StopValidation(exc.message) from exc
        if vocabulary.locate_outcode(outcode) is None:
            raise StopValidation("Enter a postcode in England or Wales")


class ListingForm(FlaskForm):
    version = HiddenField()  # the listing's version when the form was opened: a stale save is refused (409)

    name = StringField("Name of the service", validators=[
        Required("Enter the name of the service"), _length("Name of the service", 255), NoControlCharacters()])
    description = TextAreaField("Description", validators=[
        Required("Enter a description of the service"), _length("Description", 5000)])
    website = StringField("Website (optional)", validators=[
        Optional(), _length("Website", 300), NoControlCharacters(), Website()])
    email = StringField("Email address (optional)", validators=[
        Optional(), _length("Email address", 254), NoControlCharacters(),
        Email(message="Enter an email address in the correct format, like name@example.com",
              check_deliverability=False)])
    phone = StringField("Telephone number (optional)", validators=[
        Optional(), Regexp(r"^\+?[\d\s()-]{7,24}$",
                           message="Enter a telephone number, like 01632 960 001 or +44 808 157 0192")])
    application_process = TextAreaField("How people can use the service", validators=[
        Required("Enter how people can use the service or be referred to it"),
        _length("How people can use the service", 2000)])

    pathways = SelectMultipleField("Resettlement pathways", choices=choices(vocabulary.RESETTLEMENT_PATHWAYS.items()),
                                   validators=[Required("Select at least one resettlement pathway")])
    stages = SelectMultipleField("When the service works with people",
                                 choices=choices(vocabulary.RESETTLEMENT_STAGES.items()),
                                 validators=[Required("Select when the service works with people")])
    gender = RadioField("Who the service is for", choices=choices(GENDERS.items()),
                        validators=[Required("Select who the service is for")])
    minimum_age = StringField("Minimum age (optional)", validators=_age("Minimum age"))
    maximum_age = StringField("Maximum age (optional)", validators=_age("Maximum age"))
    eligibility = SelectMultipleField("The service (optional)", choices=choices(
        (code, vocabulary.ELIGIBILITY[code]) for code in ELIGIBILITY_CHOICES))
    referral_needed = RadioField("Do people need a referral?", choices=choices([("yes", "Yes"), ("no", "No")]),
                                 validators=[Required("Select whether people need a referral")])
    access_routes = SelectMultipleField("How people can be referred",
                                        choices=choices(vocabulary.ACCESS_ROUTES.items()),
                                        validators=[Required("Select at least one way people can be referred")])
    capacity = RadioField("Is the service taking referrals?", choices=choices(vocabulary.CAPACITY_STATUSES.items()),
                          validators=[Required("Select whether the service is taking referrals")])
    delivery_modes = SelectMultipleField("How the service is delivered",
                                         choices=choices(vocabulary.DELIVERY_MODES.items()),
                                         validators=[Required("Select how the service is delivered")])
    eligibility_description = TextAreaField("Who the service is for, in your own words (optional)", validators=[
        Optional(), _length("Who the service is for", 2000)])

    address_1 = StringField("Building and street (optional)", validators=[
        Optional(), _length("Building and street", 200), NoControlCharacters()])
    town = StringField("Town or city", validators=[
        Required("Enter the town or city"), _length("Town or city", 100), NoControlCharacters()])
    postcode = StringField("Postcode", validators=[Required("Enter the postcode"), KnownPostcode()])
    service_area = StringField("Area the service covers (optional)", validators=[
        Optional(), _length("Area the service covers", 200), NoControlCharacters()])

    opening_days = SelectMultipleField("Days open (optional)", choices=choices(DAYS.items()))
    opens_at = StringField("Opens at", validators=_time("opens"))
    closes_at = StringField("Closes at", validators=_time("closes"))
    hours_description = StringField("Describe the opening hours (optional)", validators=[
        Optional(), _length("Opening hours", 300), NoControlCharacters()])
    languages = StringField("Languages spoken (optional)", validators=[
        Optional(), _length("Languages", 300), NoControlCharacters()])
    cost = RadioField("Does the service cost anything?", choices=choices([("free", "No, it is free"),
                                                                            ("charge", "Yes")]),
                      validators=[Required("Select whether the service costs anything")])
    cost_description = TextAreaField("If it costs something, describe the cost", validators=[
        Optional(), _length("Cost", 1000)])

    def validate(self, extra_validators=None) -> bool:
        """Each field's own checks, then the rules that join fields together."""
        valid = super().validate(extra_validators)
        for field, message in self._cross_field_problems():
            if not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def _cross_field_problems(self):
        womens = set(self.pathways.data or []) & set(vocabulary.WOMENS_PATHWAYS)
        if womens and self.gender.data != "women-only":
            yield self.pathways, "The women's pathways can only be chosen for a service for women only"
        low, high = _number(self.minimum_age.data), _number(self.maximum_age.data)
        if low is not None and high is not None and high < low:
            yield self.maximum_age, "Maximum age must be the same as or more than the minimum age"
        opens, closes = _clock(self.opens_at.data), _clock(self.closes_at.data)
        if self.opening_days.data and not opens:
            yield self.opens_at, "Enter the time the service opens, like 09:00"
        if self.opening_days.data and not closes:
            yield self.closes_at, "Enter the time the service closes, like 17:00"
        if (opens or closes) and not self.opening_days.data:
            yield self.opening_days, "Select the days the service is open"
        if opens and closes and closes <= opens:
            yield self.closes_at, "The closing time must be after the opening time"
        if self.cost.data == "charge" and not (self.cost_description.data or "").strip():
            yield self.cost_description, "Describe what the service costs"

    def answers(self) -> dict:
        """The answers as listing_form.build_document takes them (times as HH:MM)."""
        return {**self.data, "opens_at": _clock(self.opens_at.data), "closes_at": _clock(self.closes_at.data)}


def _number(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _clock(value: str | None) -> str:
    match = TIME.match(value or "")
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else ""


class SubmitForm(FlaskForm):
    """A one-button action on a listing, carrying the version the person saw."""

    version = HiddenField()


class ReviewForm(FlaskForm):
    decision = RadioField("Decision", choices=choices([("approve", "Approve and publish"),
                                                       ("return", "Return to the provider")]),
                          validators=[Required("Select whether to approve the listing or return it")])
    reason = TextAreaField("What the provider needs to change (needed when returning it)", validators=[
        Length(max=2000, message="What the provider needs to change must be 2,000 characters or fewer")])


class ProblemForm(FlaskForm):
    message = TextAreaField("What is wrong with this listing?", validators=[
        Required("Enter what is wrong with this listing"),
        Length(max=2000, message="What is wrong must be 2,000 characters or fewer")])
    email = StringField("Your email address (optional)", validators=[
        Optional(), Length(max=254, message="Email address must be 254 characters or fewer"), NoControlCharacters(),
        Email(message="Enter an email address in the correct format, like name@example.com",
              check_deliverability=False)])


class ResolveProblemForm(FlaskForm):
    note = TextAreaField("What did you do about it?", validators=[
        Required("Enter what you did about this problem"),
        Length(max=1000, message="What you did must be 1,000 characters or fewer")])

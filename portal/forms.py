"""Form helpers shared by every domain: GOV.UK wording and field limits."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, Length, StopValidation


class Required(DataRequired):
    """DataRequired with the GOV.UK message given per field ("Enter your email address")."""

    def __init__(self, message: str):
        super().__init__(message=message)


class NoControlCharacters:
    """Refuse control characters (CR, LF, NUL...) in single-line fields: they can forge email headers and logs."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        value = field.data or ""
        if any(ord(ch) < 32 for ch in value):
            raise StopValidation(f"{field.label.text} must be on one line, without special characters")


def email_validators(message: str = "Enter your email address") -> list:
    return [
        Required(message),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        NoControlCharacters(),
        Email(message="Enter an email address in the correct format, like name@example.com",
              check_deliverability=False),
    ]


def first_errors(form: FlaskForm) -> list[dict]:
    """[{field, message}] for the error summary and API error bodies: the first error of each field."""
    out = []
    for name, field in form._fields.items():
        if field.errors:
            errors = field.errors
            if isinstance(errors, dict):  # FieldList / FormField nest their errors
                errors = [e for v in errors.values() for e in (v if isinstance(v, list) else [v])]
            out.append({"field": name, "message": str(errors[0])})
    return out


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateInput(Field):
    """A GOV.UK date input: three boxes named <name>-day, <name>-month and <name>-year.

    `data` is a date or None. A date that does not exist (31 February), a missing part or letters give a
    message on the field, never an exception. `parts` keeps what was typed, so the page shows it back."""

    PARTS = ("day", "month", "year")

    def __init__(self, label: str, subject: str, **kwargs):
        super().__init__(label, **kwargs)
        self.subject = subject  # "Date of birth": the start of each message
        self.parts = {part: "" for part in self.PARTS}
        self.bad_parts: set[str] = set()

    @property
    def summary_anchor(self) -> str:
        """Where the error summary's link points: the first box that is wrong (GOV.UK pattern)."""
        first = next((p for p in self.PARTS if p in self.bad_parts), "day")
        return f"{self.id}-{first}"

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.object_data = data
        self.data = None if data is unset_value else data
        if formdata is not None and any(f"{self.name}-{p}" in formdata for p in self.PARTS):
            self.parts = {p: (formdata.get(f"{self.name}-{p}") or "").strip() for p in self.PARTS}
            self.data = self._parse()
        elif isinstance(self.data, date):
            self.parts = {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}

    def _fail(self, message: str, *parts: str) -> None:
        self.process_errors.append(message)
        self.bad_parts = set(parts or self.PARTS)

    def _parse(self) -> date | None:
        typed = {p: v for p, v in self.parts.items() if v}
        if not typed:
            return None
        missing = [p for p in self.PARTS if p not in typed]
        if missing:
            self._fail(f"{self.subject} must include a {' and '.join(missing)}", *missing)
            return None
        not_numbers = [p for p in self.PARTS if not typed[p].isdigit()]
        if not_numbers:
            self._fail(f"{self.subject} must be a real date", *not_numbers)
            return None
        if len(typed["year"]) != 4:
            self._fail(f"{self.subject} must include a year with 4 numbers", "year")
            return None
        try:
            return date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
        except ValueError:
            self._fail(f"{self.subject} must be a real date")
            return None

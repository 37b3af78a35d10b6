"""Form helpers shared by every domain: GOV.UK wording and field limits."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
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

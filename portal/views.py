"""Helpers every blueprint's views share: form rendering with the right status, safe redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request
from flask_wtf import FlaskForm

from portal.errors import DomainError, InvalidInput


def render_form(template: str, form: FlaskForm, **context):
    """Render a page holding a form: 400 when the submission had errors, so clients and tests can tell."""
    status = 400 if form.errors or getattr(form, "form_errors", None) else 200
    return render_template(template, form=form, **context), status


def add_error(form: FlaskForm, exc: DomainError) -> None:
    """Put a rule's refusal on the field it concerns (or on the form as a whole)."""
    for name, message in exc.errors if isinstance(exc, InvalidInput) else [(exc.field, exc.message)]:
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def safe_next(default: str) -> str:
    """The `next` parameter when it is a path on this site, else the default (no open redirects)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target:
        return target
    return default

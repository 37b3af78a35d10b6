"""Helpers every blueprint's views share: form rendering with the right status, running an operation (commit,
or roll back and show the refusal), safe redirects."""
from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from flask import flash, render_template, request
from flask_wtf import FlaskForm

from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db

T = TypeVar("T")


class _Refusal(enum.Enum):
    REFUSED = "refused"


REFUSED = _Refusal.REFUSED  # what attempt() returns when a rule refused the operation (nothing was saved)


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


def attempt(form: FlaskForm, operation: Callable[[], T]) -> T | Literal[_Refusal.REFUSED]:
    """Run one operation and commit, returning its result; if a rule refuses it (DomainError), roll back, put the
    refusal on the form and return REFUSED. A Conflict (someone else saved first) propagates: the 409 page."""
    return _run(operation, lambda exc: add_error(form, exc))


def attempt_or_flash(operation: Callable[[], T]) -> T | Literal[_Refusal.REFUSED]:
    """The same for a button with no form to show errors on: the refusal is flashed for the page redirected to."""
    return _run(operation, lambda exc: flash(exc.message))


def _run(operation: Callable[[], T], refused: Callable[[DomainError], None]) -> T | Literal[_Refusal.REFUSED]:
    try:
        result = operation()
    except Conflict:
        raise
    except DomainError as exc:
        db.session.rollback()
        refused(exc)
        return REFUSED
    db.session.commit()
    return result


def safe_next(default: str) -> str:
    """The `next` parameter when it is a path on this site, else the default (no open redirects)."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc \
            and "\\" not in target:
        return target
    return default

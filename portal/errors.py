"""Domain errors and the one map from exception to error page (HTML) or error body (API)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule refused the operation. `field` names the form field the message belongs to, if any."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Several answers are wrong at once: [(field, message)], each shown against its field (a field of None: against
    the form as a whole, as for a DomainError without one)."""

    def __init__(self, errors: Sequence[tuple[str | None, str]]):
        super().__init__(errors[0][1], errors[0][0])
        self.errors = errors


class Conflict(DomainError):
    """Someone else changed the record first."""

    status = 409

    def __init__(self, message: str = "Someone else changed this while you were working on it. "
                                      "Check the latest version and try again."):
        super().__init__(message)


ERROR_TITLES = {
    400: "There is a problem with your request",
    401: "Authentication needed",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "This action is not allowed",
    409: "Someone else changed this",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, errors: list[dict] | None = None):
    title = ERROR_TITLES.get(status, "Something went wrong")
    if _wants_json():
        body = {"error": {"status": status, "title": title, "message": message or title}}
        if errors:
            body["error"]["fields"] = errors
        return make_response(jsonify(body), status)
    template = _error_template()
    return make_response(render_template(template, status=status, title=title, message=message), status)


# Error pages are drawn in the site's layout unless a domain claims the request for its own: the Virtual Campus does
# (portal/campus/gate.py), so a learner's errors keep the campus layout and nothing links outside the campus.
# Each claim must work without the database, which may be why this is an error page.
ERROR_LAYOUTS: list[tuple[Callable[[], bool], str]] = []


def register_error_layout(claims: Callable[[], bool], template: str) -> None:
    if (claims, template) not in ERROR_LAYOUTS:
        ERROR_LAYOUTS.append((claims, template))


def _error_template() -> str:
    return next((template for claims, template in ERROR_LAYOUTS if claims()), "errors/error.html")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if exc.code in (400, 409, 413) and exc.description else None
        response = error_response(exc.code or 500, message)
        if exc.code == 429:
            response.headers["Retry-After"] = "900"
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "This form has expired or was not sent from this site. Go back, refresh the "
                                   "page and try again.")

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        pairs = exc.errors if isinstance(exc, InvalidInput) else [(exc.field, exc.message)] if exc.field else []
        errors = [{"field": field, "message": message} for field, message in pairs] or None
        return error_response(exc.status, exc.message, errors)

    @app.errorhandler(StaleDataError)
    def stale(exc):
        _discard_failed_transaction()
        return error_response(409, Conflict().message)

    @app.errorhandler(OperationalError)
    def database_away(exc):
        log.error("database unavailable: %s", type(exc).__name__)
        _discard_failed_transaction()
        response = error_response(503, "The service is temporarily unavailable. Try again in a few minutes.")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(ServiceUnavailable)
    def unavailable(exc):
        return error_response(503, exc.description)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url_rule)
        _discard_failed_transaction()
        return error_response(500)


def _discard_failed_transaction() -> None:
    """After a failed write the session refuses every query until rolled back; the error page itself may need
    one (the signed-in user, the navigation), so roll back first. Nothing of the failed request is kept."""
    from portal.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be gone altogether; the page needs no data
        log.warning("could not roll back after an error")

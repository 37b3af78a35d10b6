"""Logging: one line per event, JSON in production (`LOG_FORMAT=json`), each with the request id and the signed-in
user's public id (never a name, an email address or a token), and one line per request with its route pattern
(not its path or query string), status and duration. Errors go to Sentry when `SENTRY_DSN` is set, with no
request bodies, cookies, query strings or addresses.
"""
from __future__ import annotations

import logging
import sys

from flask import Flask, g, has_request_context, request

REQUEST_LOG = logging.getLogger("portal.request")


class ContextFilter(logging.Filter):
    """Adds `request_id` and `user` (a public id) to every record made while a request is being answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = ""
        record.user = ""
        if has_request_context():
            record.request_id = request.environ.get("portal.request_id", "")
            # The id noted when the user was loaded: reading it from the user after a commit would load the
            # user again (a query for each log line, the request's own included)
            record.user = g.get("_user_public_id", "")
            user = g.get("_login_user")
            if not record.user and user is not None and getattr(user, "is_authenticated", False):
                record.user = g._user_public_id = user.public_id
        return True


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return f"{line} [request {record.request_id}]" if getattr(record, "request_id", "") else line


def configure(app: Flask) -> None:
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_portal", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._portal = True
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    if app.config.get("LOG_FORMAT") == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z"))
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    REQUEST_LOG.setLevel(logging.INFO)  # one line per request, whatever level another library set on the root

    @app.after_request
    def _log_request(response):
        if request.endpoint == "static":
            return response
        seconds = g.get("request_seconds")
        REQUEST_LOG.info("request", extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule is not None else "unmatched",
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1) if seconds is not None else None,
        })
        response.headers.setdefault("X-Request-Id", request.environ.get("portal.request_id", ""))
        return response

    if dsn := app.config.get("SENTRY_DSN"):
        _sentry(dsn, app.config.get("SENTRY_ENVIRONMENT", "development"))


def _scrub(event: dict, hint: dict) -> dict:
    """Nothing a person typed reaches Sentry: no body, query string, cookies or headers beyond the request id."""
    req = event.get("request") or {}
    for key in ("data", "query_string", "cookies", "env"):
        req.pop(key, None)
    if "headers" in req:
        req["headers"] = {k: v for k, v in req["headers"].items() if k.lower() in {"x-request-id", "user-agent"}}
    if "url" in req:
        req["url"] = req["url"].split("?", 1)[0]
    event.pop("user", None)
    return event


def _sentry(dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(dsn=dsn, environment=environment, integrations=[FlaskIntegration()],
                    max_request_body_size="never", include_local_variables=False, traces_sample_rate=0,
                    before_send=_scrub)

"""Secrets in URLs never reach a log: reset, verification, invitation and enrolment tokens travel in URL paths
(they arrive from emailed links), and access logs (Werkzeug's in development, gunicorn's in production) write
every path. A filter on those loggers, and on every handler of the root logger, rewrites each record with the
tokens replaced by "[redacted]" before any handler formats it."""
from __future__ import annotations

import logging
import re

TOKEN_PATHS = ("verify-email", "reset-password", "invitations", "enrol")
_IN_PATH = re.compile(r"(/(?:verify-email|reset-password|invitations|enrol)/)[^\s/?#\"']+")
_IN_QUERY = re.compile(r"([?&](?:token|code)=)[^\s&#\"']+", re.IGNORECASE)
_API_TOKEN = re.compile(r"rpp_[A-Za-z0-9_-]{8,}")
REDACTED = "[redacted]"
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    text = _IN_PATH.sub(rf"\g<1>{REDACTED}", text)
    text = _IN_QUERY.sub(rf"\g<1>{REDACTED}", text)
    return _API_TOKEN.sub("rpp_" + REDACTED, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is the logging module's to report, unchanged
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactTokens()


def install() -> None:
    """Idempotent: the access loggers and every handler of the root logger get the filter."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)

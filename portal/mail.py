"""Email, always sent through the outbox. Bodies carry links and references, never personal details."""
from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage

from flask import current_app, render_template

from portal import outbox
from portal.private_files import private_directory, write_private

# Someone is waiting for these (a reset link, a code, an invitation): they go before reminders and notices.
URGENT_TEMPLATES = frozenset({"reset_password", "verify_email", "invitation"})


def queue_email(to: str, subject: str, template: str, **context) -> None:
    """Render a plain-text email now and queue it for delivery when the current transaction commits."""
    body = render_template(f"emails/{template}.txt", **context)
    outbox.enqueue("email", {"to": to, "subject": subject, "body": body, "message_id": uuid.uuid4().hex},
                   urgent=template in URGENT_TEMPLATES)


def _sanitise_header(value: str) -> str:
    # No CR/LF may reach a header: a value with a line break is an injection attempt.
    return " ".join(value.splitlines()).strip()


@outbox.handler("email")
def deliver(payload: dict) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = _sanitise_header(payload["to"])
    message["Subject"] = _sanitise_header(payload["subject"])
    message["Message-ID"] = f"<{payload['message_id']}@portal>"
    message.set_content(payload["body"])
    config = current_app.config
    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    # Private to the portal's user: the folder holds live reset and invitation links.
    folder = private_directory(config["MAIL_DIRECTORY"])
    # Named by message id: delivering the same message twice writes the same file once.
    write_private(folder / f"{payload['message_id']}.eml", bytes(message))

"""Line breaks in values that reach emails or logs.

Emails: the forms whose answers become an email's To or Subject (saved lists sent by email, inviting a colleague,
registering, forgetting a password, reporting a problem) refuse CR, LF and the other line breaks with a field
message and queue nothing; and a value with line breaks that reached the database some other way (an organisation
name from an import) still cannot add a header to the .eml the outbox writes. Logs: values with a line break sent
through forms, search boxes, headers and URLs never make a log record with a second line that looks like a real
log line, and the request id stored with audit records keeps no control characters."""
from __future__ import annotations

import logging
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import mail
from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.extensions import db
from portal.outbox import OutboxMessage
from tests import factories
from tests.html import field_error
from tests.mail import deliver

BREAKS = ["\r\n", "\n", "\r", "\r\n\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]
EXPECTED_HEADERS = {"from", "to", "subject", "message-id", "content-type", "content-transfer-encoding",
                    "mime-version"}


def written_emails(app) -> list:
    deliver()
    folder = Path(app.config["MAIL_DIRECTORY"])
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def assert_no_injected_headers(message) -> None:
    names = {name.lower() for name in message.keys()}
    assert names <= EXPECTED_HEADERS, names - EXPECTED_HEADERS
    for name in ("To", "Subject"):
        assert len(message.get_all(name)) == 1
        assert not re.search(r"[\r\n]", str(message[name]))
    assert "Bcc" not in message and "X-Injected" not in message


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


@pytest.mark.parametrize("line_break", BREAKS, ids=[repr(b) for b in BREAKS])
def test_line_breaks_in_to_or_subject_never_add_a_header(app, db, line_break):
    with app.test_request_context():
        mail.queue_email(f"victim@example.org{line_break}Bcc: evil@example.com",
                         f"Your list{line_break}X-Injected: yes{line_break}{line_break}Forged body",
                         "verify_email", link="https://portal.test/verify")
        db.session.commit()
    messages = written_emails(app)
    assert len(messages) == 1
    assert_no_injected_headers(messages[0])
    assert "Forged body" not in messages[0].get_content()


def test_a_nul_in_a_subject_does_not_break_the_outbox(app, db):
    with app.test_request_context():
        mail.queue_email("someone@example.org", "Hello\x00there", "verify_email", link="https://portal.test/v")
        db.session.commit()
    messages = written_emails(app)
    assert len(messages) == 1
    assert_no_injected_headers(messages[0])


# --- Forms that send email refuse line breaks in what becomes a header ---

def _refused(client, path: str, data: dict, field: str) -> None:
    before = queued()
    response = client.post(path, data=data)
    assert response.status_code == 400, f"{path} {data}: {response.status_code}"
    assert field_error(response, field), f"{path}: no message on {field}"
    assert queued() == before


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\x0b"], ids=repr)
def test_forms_that_send_email_refuse_line_breaks(client, db, line_break):
    injected = f"victim@example.org{line_break}Bcc: evil@example.com"
    _refused(client, "/forgot-password", {"email": injected}, "email")
    _refused(client, "/register", {"organisation_name": f"Harbour{line_break}Bcc: evil@example.com",
                                   "name": f"Sam{line_break}X-Injected: yes", "email": injected,
                                   "password": "a long enough passphrase", "kind": "provider",
                                   "sector": "voluntary-community", "regions": "north-east"}, "organisation_name")
    service = factories.published_service(index=False)
    _refused(client, f"/services/{service.uuid}/report-a-problem",
             {"message": "Wrong phone number", "email": injected}, "email")

    owner = factories.user(role=Role.PROVIDER, org_role=OrgRole.OWNER)
    factories.sign_in(client, owner)
    _refused(client, f"/organisations/{owner.organisation.public_id}/invite",
             {"email": injected, "org_role": "caseworker"}, "email")
    saved = factories.saved_list(owner, service)
    _refused(client, f"/lists/{saved.uuid}/email", {"email": injected}, "email")


def test_an_organisation_name_with_line_breaks_cannot_add_headers_to_an_invitation(app, client, db):
    owner = factories.user(role=Role.PROVIDER, org_role=OrgRole.OWNER)
    owner.organisation.name = "Harbour Trust\r\nBcc: evil@example.com\r\nX-Injected: yes"  # as an import might
    db.session.commit()
    factories.sign_in(client, owner)
    response = client.post(f"/organisations/{owner.organisation.public_id}/invite",
                           data={"email": "colleague@example.org", "org_role": "caseworker"})
    assert response.status_code == 302
    messages = written_emails(app)
    assert len(messages) == 1
    assert_no_injected_headers(messages[0])
    assert messages[0]["To"] == "colleague@example.org"
    assert messages[0]["Subject"].startswith("You have been invited to join Harbour Trust")


# --- Logs ---

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"  # the portal's (portal/__init__.py)
LOOKS_LIKE_A_LOG_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b)")
FORGED = "2026-01-01 09:00:00,000 INFO portal.accounts admin@example.org signed in from 10.0.0.1"


def test_line_breaks_in_input_never_forge_a_log_line(app, client, db, caplog):
    owner = factories.user(role=Role.PROVIDER, email="known@example.org")
    forged = [f"x{br}{FORGED}" for br in ("\n", "\r\n", "\r")]
    caplog.set_level(logging.DEBUG)
    for value in forged:
        client.post("/sign-in", data={"email": value, "password": value})
        client.post("/sign-in", data={"email": owner.email, "password": value})
        client.get("/services", query_string={"q": value, "postcode": value, "age": value})
        client.get("/api/oruk/services", query_string={"search": value, "modified_after": value})
        header = value.replace("\r", "\x0b").replace("\n", "\x0c")  # HTTP itself cannot carry CR or LF in a header
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {header}", "X-Request-Id": header})
        client.get(f"/services/{value}")
        client.post("/api/stripe/webhook", data=value, headers={"Stripe-Signature": header})
        client.post("/forgot-password", data={"email": value}, headers={"X-Request-Id": header})
    formatter = logging.Formatter(LOG_FORMAT)
    for record in caplog.records:
        record.exc_info, record.exc_text = None, None  # a traceback's own lines are not log lines
        lines = formatter.format(record).splitlines()
        for line in lines[1:]:
            assert not LOOKS_LIKE_A_LOG_LINE.match(line), f"forged log line from {record.name}: {line!r}"
        assert not any("signed in from 10.0.0.1" in line for line in lines[1:])


def test_the_request_id_kept_with_audit_records_has_no_control_characters(client, db):
    factories.user(role=Role.PROVIDER, email="known@example.org")
    client.post("/sign-in", data={"email": "known@example.org", "password": "wrong password here"},
                headers={"X-Request-Id": f"abc\x0b\x0c\x1b[2K\x00{FORGED}"[:60]})
    ids = list(db.session.scalars(select(AuditEvent.request_id)))
    assert ids, "the failed sign-in was not audited"
    assert all(not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", request_id) for request_id in ids), ids

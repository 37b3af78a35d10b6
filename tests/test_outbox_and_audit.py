"""The transactional outbox and the append-only audit log."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import audit, outbox
from portal.audit import AuditEvent, AuditLogIsAppendOnly
from portal.mail import queue_email
from portal.outbox import OutboxMessage


def mail_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_DIRECTORY"]).glob("*.eml"))


def test_an_email_queued_in_a_transaction_that_rolls_back_is_never_sent(app, db):
    with app.test_request_context():
        queue_email("a@example.org", "Hello", "verify_email", link="http://portal.test/x")
        db.session.rollback()
        assert outbox.relay_once() == 0
    assert mail_files(app) == []


def test_committed_emails_are_delivered_once_even_if_relayed_twice(app, db):
    with app.test_request_context():
        queue_email("a@example.org", "Hello", "verify_email", link="http://portal.test/x")
        db.session.commit()
        assert outbox.relay_once() == 1
        message = db.session.scalar(select(OutboxMessage))
        # Simulate a relay killed after sending but before marking done: it sends again, the file is the same.
        message.processed_at = None
        db.session.commit()
        assert outbox.relay_once() == 1
    assert len(mail_files(app)) == 1


def test_a_failing_delivery_is_retried_later_and_the_relay_carries_on(app, db, monkeypatch):
    calls = []

    @outbox.handler("test-flaky")
    def flaky(payload):
        calls.append(payload)
        raise ConnectionError("mail server away")

    with app.test_request_context():
        outbox.enqueue("test-flaky", {"n": 1})
        queue_email("b@example.org", "Hi", "verify_email", link="http://portal.test/y")
        db.session.commit()
        assert outbox.relay_once() == 1  # the email still went
        failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "test-flaky"))
        assert failed.attempts == 1 and failed.processed_at is None
        assert failed.available_at > failed.created_at  # backed off
        assert "ConnectionError" in failed.last_error
        assert outbox.relay_once() == 0  # not due yet
        assert outbox.pending_count() == 1
    assert len(calls) == 1


def test_email_headers_cannot_be_injected(app, db):
    with app.test_request_context():
        queue_email("a@example.org", "Hello\r\nBcc: everyone@example.org", "verify_email", link="x")
        db.session.commit()
        outbox.relay_once()
    raw = mail_files(app)[0].read_text()
    assert "\nBcc:" not in raw


def test_unknown_topics_are_refused_at_enqueue(app, db):
    with pytest.raises(ValueError):
        outbox.enqueue("no-such-topic", {})


def test_audit_events_cannot_be_changed_or_deleted(app, db):
    with app.test_request_context():
        event = audit.record("thing.viewed", "thing", "abc")
        db.session.commit()
        event.reason = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_signing_in_and_failing_to_are_audited_without_the_password(client, make, db):
    from portal.accounts.roles import Role

    user = make.user(role=Role.PROVIDER)
    client.post("/sign-in", data={"email": user.email, "password": "wrong password"})
    client.post("/sign-in", data={"email": user.email, "password": "correct horse battery staple"})
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.sign_in_failed", "user.signed_in"]
    events = db.session.scalars(select(AuditEvent)).all()
    assert all("wrong password" not in str(e.details) + e.reason for e in events)

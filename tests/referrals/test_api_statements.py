"""What the referral API costs the database (issue #15): statements counted on the real engine.

The list reply was built after the commit that stores its audit record, so every row and relation was read
again (32 statements for 8 referrals), and token authentication committed on every request.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from tests import factories


@contextmanager
def statements():
    """The SQL statements the application sends while the block runs (COMMITs included)."""
    seen: list[str] = []
    engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 1)[0].upper())

    def on_commit(conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", on_commit)


def test_the_list_costs_the_same_statements_for_one_referral_as_for_eight(client, db):
    service = factories.referrable_service()
    referrer = factories.user(role="offender_manager")
    headers = {"Authorization": f"Bearer {factories.api_token(referrer)}"}
    factories.referral(service=service, referrer=referrer, state="sent")
    client.get("/api/v1/referrals", headers=headers)  # the token's first use is written once

    with statements() as one:
        assert len(client.get("/api/v1/referrals", headers=headers).get_json()["referrals"]) == 1
    for _ in range(7):
        factories.referral(service=service, referrer=referrer, state="sent")
    with statements() as eight:
        body = client.get("/api/v1/referrals", headers=headers).get_json()

    assert len(body["referrals"]) == 8 and all(r["person"]["crn"] for r in body["referrals"])
    assert len(eight) == len(one), (one, eight)
    assert eight.count("COMMIT") == 1  # the audit record of the view, nothing for the token


def test_a_token_used_again_within_minutes_writes_nothing_for_itself(client, db):
    referrer = factories.user(role="offender_manager")
    headers = {"Authorization": f"Bearer {factories.api_token(referrer)}"}
    client.get("/api/v1/referrals", headers=headers)  # no referrals: nothing to audit; records the token's use

    with statements() as again:
        assert client.get("/api/v1/referrals", headers=headers).status_code == 200

    assert "UPDATE" not in again and "COMMIT" not in again, again


def test_creating_and_sending_reads_nothing_after_the_commit_and_keeps_every_audit_record(client, db):
    """The request log and the security headers read the user's id after the reply's commit: that re-read the
    user (a query and a transaction per request). A new draft's needs, events and sessions are known empty."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from portal.audit import AuditEvent

    service = factories.referrable_service()
    referrer = factories.user(role="offender_manager")
    headers = {"Authorization": f"Bearer {factories.api_token(referrer)}"}
    answers = {**factories.COMPLETE_ANSWERS, "date_of_birth": "1990-05-17",
               "consent_date": (date.today() - timedelta(days=1)).isoformat()}
    client.get("/api/v1/referrals", headers=headers)  # the token's first use is written once

    with statements() as created:
        reply = client.post("/api/v1/referrals", headers=headers, json={"service_id": service.uuid,
                                                                        "answers": answers})
    assert reply.status_code == 201, reply.get_json()
    with statements() as sent:
        assert client.post(f"/api/v1/referrals/{reply.get_json()['id']}/send", headers=headers).status_code == 200

    for seen in (created, sent):
        assert seen[-1] == "COMMIT", seen  # nothing after the reply's commit
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == reply.get_json()["id"]).order_by(AuditEvent.id)).all()
    assert actions == ["referral.draft_started", "referral.draft_saved", "referral.viewed", "referral.send",
                       "referral.viewed"]

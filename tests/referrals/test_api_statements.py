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

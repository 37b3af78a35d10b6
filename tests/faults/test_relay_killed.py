"""The outbox relay is killed (SIGKILL) after a handler has delivered a message and before the relay has marked it
done - the window every at-least-once relay has. When it starts again it delivers that message again: nothing is
lost, and nothing takes effect twice. Emails: the mail folder holds one file per message id (a re-delivery
rewrites the same file). Search updates: a handler re-reads the record and upserts its current document, so the
index ends exactly as the database says.

The relay is a real process (`flask outbox run --once`, as `make run` and production use) on the test database;
`RELAY_SCRIPT` wraps every handler so that the process kills itself with SIGKILL right after the Nth delivery,
which places the kill in the window deterministically. No fault point is needed in the application itself."""
from __future__ import annotations

import signal
import subprocess
from collections import Counter
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from portal import outbox
from portal.accounts.roles import OrgRole, Role
from portal.directory import operations
from portal.extensions import db as _db
from search import SearchQuery
from search.sqlite_fts import SqliteBackend
from tests.faults import servers

pytestmark = pytest.mark.faults

RELAY_SCRIPT = """
import os, signal, sys
from app import app
from portal import outbox

die_after = int(os.environ.get("RELAY_DIE_AFTER", "0"))  # deliveries before the kill; 0: never
log = open(os.environ["RELAY_DELIVERY_LOG"], "a")
delivered = 0

def wrap(topic, deliver):
    def handler(payload):
        global delivered
        deliver(payload)
        key = payload.get("message_id") or ",".join(payload.get("ids", []))
        log.write(f"{topic} {key}\\n")
        log.flush()
        delivered += 1
        if delivered == die_after:  # delivered, not yet marked done
            os.kill(os.getpid(), signal.SIGKILL)
    return handler

for topic, deliver in list(outbox._HANDLERS.items()):
    outbox._HANDLERS[topic] = wrap(topic, deliver)
app.cli.main(["outbox", "run", "--once"], prog_name="flask")
"""


def _relay(env: dict[str, str], die_after: int = 0) -> int:
    _db.session.commit()  # nothing of ours holds the database while the relay writes
    finished = subprocess.run([str(servers.BIN / "python"), "-c", RELAY_SCRIPT], cwd=servers.ROOT,  # noqa: S603
                              env={**env, "RELAY_DIE_AFTER": str(die_after)}, capture_output=True, timeout=120)
    return finished.returncode


def _topics_in_order() -> list[tuple[int, str, bool]]:
    _db.session.rollback()
    return [(m.id, m.topic, m.processed_at is not None)
            for m in _db.session.scalars(select(outbox.OutboxMessage).order_by(outbox.OutboxMessage.id))]


def test_a_relay_killed_between_delivering_and_marking_done_loses_nothing_and_doubles_nothing(
        app, db, make, tmp_path):
    admin = make.user(role=Role.ADMIN)
    approved = []
    for n in range(3):
        service = make.listing(state="submitted", name=f"Relay Test Service {n}")
        make.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=OrgRole.OWNER)
        _db.session.refresh(service)
        operations.approve(service.pending_revision, admin)  # a search update, then an email to the owner
        _db.session.commit()
        approved.append(service)
    assert [topic for _, topic, _ in _topics_in_order()] == ["search", "email"] * 3

    mail, index_path, log = tmp_path / "mail", tmp_path / "search.sqlite3", tmp_path / "deliveries.log"
    env = servers.portal_env(tmp_path / "instance", app.config["SQLALCHEMY_DATABASE_URI"],
                             MAIL_DIRECTORY=str(mail), SEARCH_SQLITE_PATH=str(index_path),
                             RELAY_DELIVERY_LOG=str(log))

    # Run 1 dies right after delivering the first email; run 2 re-delivers it, then dies right after the next
    # search update; run 3 is left alone and finishes.
    assert _relay(env, die_after=2) == -signal.SIGKILL
    assert [done for _, _, done in _topics_in_order()] == [True, False, False, False, False, False]
    assert _relay(env, die_after=2) == -signal.SIGKILL
    assert [done for _, _, done in _topics_in_order()] == [True, True, False, False, False, False]
    assert _relay(env) == 0
    assert outbox.pending_count() == 0

    deliveries = Counter(log.read_text().splitlines())
    twice = sorted(line.split()[0] for line, count in deliveries.items() if count == 2)
    assert twice == ["email", "search"], deliveries  # the kills really fell between delivery and "done"
    assert len(deliveries) == 6 and set(deliveries.values()) == {1, 2}

    # Emails: exactly one file per message, each once, to the right owner
    _db.session.rollback()
    queued = {m.payload["message_id"]: m.payload["to"] for m in _db.session.scalars(
        select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == "email"))}
    files = sorted(mail.glob("*.eml"))
    assert sorted(f.stem for f in files) == sorted(queued)
    for file in files:
        message = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
        assert message["Message-ID"] == f"<{file.stem}@portal>"
        assert message["To"] == queued[file.stem]
        assert message["Subject"] == "Your listing has been published"

    # Search: the index holds exactly the published listings, by name
    result = SqliteBackend(index_path).search("services", SearchQuery(per_page=100))
    assert {hit.id: hit.document["name"] for hit in result.hits} == {s.uuid: s.name for s in approved}
    assert result.total == 3

"""Meilisearch stops (killed, as in a crash) while the portal runs: public search says plainly that it is
unavailable on the normal search page, /readyz stays ready (search is for the status page), everything that does
not need the engine keeps working, and writes that change the index still succeed (their index updates wait in
the outbox).
Meilisearch then comes back on the same port with the same data directory - what a restarted search service
does, and the case the outbox is for; an engine that lost its data needs `flask directory reindex`, not a catch-up
- and the relay catches up until the index holds exactly the published listings of the database, by name.

The portal runs in-process on the test database (SQLite), with a real Meilisearch as its search backend."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import meilisearch
import pytest
from sqlalchemy import select

from portal import outbox, search_index
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.directory import operations
from portal.directory.indexing import freshness
from portal.directory.models import ListingState, Service
from portal.extensions import db as _db
from tests.conftest import swapped_search_backend
from tests.factories import LISTING_ANSWERS, sign_in
from tests.faults import servers
from tests.html import page

pytestmark = [pytest.mark.faults, pytest.mark.skipif(servers.meili_unavailable() is not None,
                                                     reason=servers.meili_unavailable() or "")]


@pytest.fixture
def meili(app, db):
    """A restartable Meilisearch behind the app for one test, then the app's own backend again."""
    from search.meili import MeiliBackend

    with servers.restartable_meili() as server:
        backend = MeiliBackend(server.url, api_key=server.master_key, index_prefix=f"f{uuid.uuid4().hex[:6]}_")
        backend.ensure_index("services")
        with swapped_search_backend(app, backend):
            yield server, backend


def _relay_until_empty(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while outbox.pending_count():
        assert time.monotonic() < deadline, f"outbox still has {outbox.pending_count()} messages"
        if outbox.relay_once() == 0:
            time.sleep(0.2)  # a failed message waits out its backoff (2 s after the first failure)


def _indexed(server: servers.RestartableMeili, backend) -> dict[str, str]:
    """Everything in the services index: id -> name."""
    index = meilisearch.Client(server.url, server.master_key).index(backend._uid("services"))
    documents = index.get_documents({"limit": 10_000, "fields": ["id", "name"]}).results
    return {doc.id: doc.name for doc in documents}


def _should_be_indexed() -> dict[str, str]:
    """What search must show, from the database: published listings not hidden for being out of date."""
    _db.session.rollback()
    services = _db.session.scalars(select(Service).where(Service.state == ListingState.PUBLISHED))
    return {s.uuid: s.name for s in services if freshness(s) != "hidden"}


def test_search_stops_writes_carry_on_and_the_index_catches_up_exactly(app, client, db, make, meili):
    server, backend = meili
    word = uuid.uuid4().hex[:8]  # in every name, so one search finds this test's listings
    renamed = make.listing(name=f"Harbour {word} Housing")
    stale = make.listing(name=f"Stale {word} Advice")
    withdrawn = make.listing(name=f"Closing {word} Mentoring")
    kept = make.listing(name=f"Steady {word} Employment")
    _relay_until_empty()
    assert _indexed(server, backend) == _should_be_indexed() and len(_should_be_indexed()) == 4
    assert client.get(f"/services?q={word}").status_code == 200

    server.kill()

    # Public search says so on the search page itself (form and words kept), not an error page or a traceback
    searched = client.get(f"/services?q={word}+housing")
    assert searched.status_code == 503
    text = page(searched).get_text(" ", strip=True)
    assert "Search is temporarily unavailable. Try again in a few minutes." in text
    assert "Your search has not been lost" in text
    assert page(searched).select_one("input[name=q]")["value"] == f"{word} housing"
    assert "Traceback" not in searched.text and "Meilisearch" not in searched.text
    feed = client.get(f"/api/oruk/services?search={word}")
    assert feed.status_code == 503 and "Search is unavailable" in feed.get_data(as_text=True)
    # What does not need the engine still works: a service's own page, the home page
    assert client.get(f"/services/{kept.uuid}").status_code == 200
    assert client.get("/").status_code == 200
    # Every server stays in rotation (search is shared: taking them all out would not help); the status page says
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["problems"] == {}

    # Writes that change the index still succeed while it is down
    admin = make.user(role=Role.ADMIN)
    owner = make.user(role=Role.PROVIDER, organisation_=renamed.organisation)
    sign_in(client, owner)
    assert client.post(f"/provider/listings/{renamed.uuid}/edit", data={
        **LISTING_ANSWERS, "name": f"Lighthouse {word} Housing", "version": renamed.version}).status_code == 302
    submitted = client.post(f"/provider/listings/{renamed.uuid}/submit", data={"version": renamed.version})
    assert submitted.status_code == 302
    newcomer = make.listing(state="submitted", name=f"Newcomer {word} Support")
    sign_in(client, admin)
    for service in (renamed, newcomer):
        _db.session.refresh(service)
        assert client.post(f"/admin/listings/{service.pending_revision.uuid}",
                           data={"decision": "approve"}).status_code == 302
    stale.last_checked_at = utcnow() - timedelta(days=500)  # 16 months unchecked: the daily job hides it
    _db.session.commit()
    operations.send_reminders()
    # (The portal has no withdraw operation yet; this is what one must do: change the state, queue the update.)
    withdrawn.state = ListingState.WITHDRAWN
    search_index.queue("services", [withdrawn.uuid])
    _db.session.commit()

    waiting = outbox.pending_count()
    assert waiting >= 4
    assert outbox.relay_once() < waiting  # the emails go out; every search update fails and waits to retry
    failed = _db.session.scalars(select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == "search",
                                                                     outbox.OutboxMessage.processed_at.is_(None)))
    assert {m.last_error.split(":")[0] for m in failed} == {"SearchUnavailable"}
    assert outbox.pending_count() >= 4

    server.start()  # the same port and data directory: what it had before the crash is still there
    assert client.get("/readyz").status_code == 200
    _relay_until_empty()

    expected = _should_be_indexed()
    assert _indexed(server, backend) == expected
    assert set(expected.values()) == {f"Lighthouse {word} Housing", f"Steady {word} Employment",
                                      f"Newcomer {word} Support"}
    names = [a.get_text(strip=True) for a in page(client.get(f"/services?q={word}")).select("h2 a, h3 a")]
    assert sorted(names) == sorted(expected.values())

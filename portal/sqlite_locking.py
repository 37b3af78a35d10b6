"""SQLite's one write lock, taken only by what writes (docs: README "SQLite locking"). PostgreSQL is untouched.

- Every connection runs in WAL mode: readers never block the writer and the writer never blocks readers.
- Requests that may write (POST, PUT, PATCH, DELETE) begin IMMEDIATE: they queue for the write lock up front (up to
  SQLITE_BUSY_TIMEOUT seconds), so a read-then-write can never meet another writer half way.
- Requests that read (GET, HEAD, OPTIONS) begin DEFERRED: a page that only reads never holds or waits for the
  lock. The writes reads cause (audit rows for looking at personal data, a kiosk session's last-seen stamp, a
  search that found nothing, an API token's last use) are taken out of the read: before a read transaction's first
  write, its read snapshot is committed (it wrote nothing) and an IMMEDIATE transaction begins in its place, which
  waits for the lock like any writer. (Upgrading the read in place could fail at once with SQLITE_BUSY, without
  waiting, whenever another writer holds or has just released the lock: SQLite cannot wait for a lock that a
  transaction with an older snapshot would need.) Audit records made while reading join the session only when it
  commits (`portal.audit`), so that write transaction is one short INSERT and COMMIT, committed before the
  response is sent; if it cannot be written the request fails (503) and shows nothing.
- Outside requests (commands, the outbox relay, the scheduler) transactions begin as the engine's `sqlite_begin`
  execution option says (SQLITE_BEGIN, IMMEDIATE by default; the tests' own session uses DEFERRED).
"""
from __future__ import annotations

import re
import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UPGRADE = "portal.sqlite_upgrade_before_write"
# Statements that need the write lock (a SAVEPOINT too: committing the read snapshot would end it)
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT)\b"
                     r"|\s*WITH\b.*\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE | re.DOTALL)


def reading_request() -> bool:
    """True in a request that only reads by its method (GET, HEAD, OPTIONS)."""
    return has_request_context() and request.method in READING_METHODS


def init_app(app: Flask) -> None:
    """The app's busy timeout (SQLITE_BUSY_TIMEOUT seconds): how long a writer waits for the lock before a 503."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    milliseconds = int(float(app.config.get("SQLITE_BUSY_TIMEOUT", 10)) * 1000)

    @event.listens_for(engine, "connect")
    def busy_timeout(dbapi_connection, connection_record) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout={milliseconds:d}")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, wait on locks, WAL, and let SQLAlchemy manage transactions (savepoints work)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if has_request_context():
        mode = "DEFERRED" if request.method in READING_METHODS else "IMMEDIATE"
        connection.info[_UPGRADE] = mode == "DEFERRED"
    else:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.info[_UPGRADE] = False
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _write_lock_before_first_write(connection, cursor, statement, parameters, context, executemany) -> None:
    """In a reading request, swap the read transaction for an IMMEDIATE one just before its first write."""
    if not connection.info.get(_UPGRADE) or not _WRITES.match(statement):
        return
    connection.info[_UPGRADE] = False
    dbapi_connection = connection.connection.dbapi_connection
    try:
        if dbapi_connection.in_transaction:
            dbapi_connection.execute("COMMIT")  # the read wrote nothing: this only lets its snapshot go
        dbapi_connection.execute("BEGIN IMMEDIATE")  # waits up to the busy timeout
    except sqlite3.OperationalError as exc:  # as SQLAlchemy raises it, so the error pages answer 503
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc

"""The JSON API fuzzed from its own OpenAPI document (Schemathesis): every operation, with generated valid and
invalid input, as several roles. No request may produce a 500, every refusal uses the documented error shape,
and a refused request changes nothing in the database."""
from __future__ import annotations

import functools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import MetaData

from portal import backup
from portal.accounts.roles import OrgRole, Role
from portal.extensions import db as _db
from tests import factories

# Rows that legitimately change on every request (the token's last use, the audit trail, queued emails)
ALWAYS_WRITTEN = {"api_tokens", "audit_events", "outbox_messages"}


@functools.cache
def _tables() -> MetaData:
    import portal.models  # noqa: F401 - every table

    tables = MetaData()
    for table in _db.metadata.sorted_tables:
        if table.name not in ALWAYS_WRITTEN:
            table.to_metadata(tables)
    return tables


def _state() -> dict:
    """Every table's rows (but those always written), fingerprinted."""
    return backup.fingerprints(_db.engine, _tables())


@pytest.fixture
def tokens(app, db):
    """A token for a user of each kind that uses the API, with a referral in the database for the fuzzer."""
    with app.test_request_context():
        found = {}
        for role in (Role.OFFENDER_MANAGER, Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER):
            user = factories.user(role=role, **({} if role == Role.OFFENDER_MANAGER else {"org_role": OrgRole.OWNER}))
            if role == Role.OFFENDER_MANAGER:
                factories.referral(state="sent", referrer=user)
            found[role.value] = factories.api_token(user)
        return found


@pytest.fixture(autouse=True)
def schemathesis_host(app, monkeypatch):
    """Schemathesis calls the app as "localhost": a host this portal serves only when told (ALLOWED_HOSTS)."""
    monkeypatch.setitem(app.config, "ALLOWED_HOSTS", "localhost")


def _operations(app) -> list:
    return [result.ok() for result in schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
            .get_all_operations()]


def test_every_documented_operation_is_fuzzed(app):
    assert len(_operations(app)) >= 14  # referrals, expressions of interest, opportunities, nominations, me...


@pytest.mark.slow
@pytest.mark.timeout(1200)  # about 40 s on a quiet machine; several times that beside the other pass on a busy one
def test_the_api_never_fails_and_refusals_change_nothing(app, tokens):
    checked = 0
    for operation in _operations(app):
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            for role, token in tokens.items():
                with app.app_context():
                    before = _state()
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                where = f"{case.method} {case.formatted_path} as {role}"
                assert response.status_code < 500, f"{where}: {response.status_code}"
                if response.status_code >= 400:
                    body = response.json()
                    assert body["error"]["status"] == response.status_code and body["error"]["message"], where
                    with app.app_context():
                        assert _state() == before, f"{where} was refused but changed data"

        fuzz()
        checked += 1
    assert checked >= 14

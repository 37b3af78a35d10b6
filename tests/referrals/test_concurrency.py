"""Two people act on the same referral at the same moment, each on their own database connection: one
succeeds, the other is told someone else changed it, and nothing is lost.

On PostgreSQL (production) the two transactions truly overlap and the loser's update finds the version moved
on: a 409. SQLite (the embedded default) allows one writer at a time, so there the loser is refused at the
lock instead ("database is locked", shown as the 503 "try again" page); either way exactly one change lands."""
from __future__ import annotations

import threading

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.roles import OrgRole, Role
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import Referral
from portal.referrals.operations import StepInput
from portal.referrals.workflow import State
from tests import factories


def _sqlite_lock(exc: OperationalError) -> bool:
    return db.engine.dialect.name == "sqlite" and "database is locked" in str(exc)


def _race(app, referral_id: int, actions: dict[str, tuple[int, str, StepInput]]) -> dict[str, str]:
    """Run each action in its own thread and connection; all read the referral before any writes."""
    read = threading.Barrier(len(actions))
    results: dict[str, str] = {}

    def act(name: str, user_id: int, step: str, data: StepInput) -> None:
        with app.test_request_context():
            try:
                referral = db.session.get(Referral, referral_id)
                user = db.session.get(factories.User, user_id)
                _ = referral.version, referral.person, referral.service.organisation  # load before the race
                read.wait(timeout=10)
                operations.apply(user, referral, step, data)
                db.session.commit()
                results[name] = "done"
            except StaleDataError:
                db.session.rollback()
                results[name] = "conflict"
            except OperationalError as exc:
                db.session.rollback()
                results[name] = "conflict" if _sqlite_lock(exc) else repr(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(name, *action)) for name, action in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_people_accepting_at_once_one_wins_the_other_is_told(app, db):
    with app.test_request_context():
        referral = factories.referral(state="sent")
        manager = factories._provider_manager(referral.organisation)
        colleague = factories.user(role=Role.PROVIDER, organisation_=referral.organisation, org_role=OrgRole.MANAGER)
        ids = referral.id, manager.id, colleague.id
        version_before = referral.version

    results = _race(app, ids[0], {"first": (ids[1], "accept", StepInput()),
                                  "second": (ids[2], "decline", StepInput(reason_code="full"))})

    assert sorted(results.values()) == ["conflict", "done"]
    with app.app_context():
        stored = db.session.get(Referral, ids[0])
        winner = "first" if results["first"] == "done" else "second"
        assert stored.state == (State.ACCEPTED if winner == "first" else State.DECLINED)
        assert [e.action for e in stored.events] == ["send", "accept" if winner == "first" else "decline"]
        assert stored.version == version_before + 1  # exactly one change landed


def test_a_version_clash_is_shown_as_the_409_page(app, db):
    with app.test_request_context("/referrals/x"):
        response = app.handle_user_exception(StaleDataError("clash"))
        assert response.status_code == 409
        assert "Someone else changed this" in response.get_data(as_text=True)

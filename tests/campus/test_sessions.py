"""Supervised sessions: staff open one for a named learner, the learner signs in once with its code, and the
session ends at its time limit, after 10 idle minutes, when staff end it, or when the learner leaves the prison.
Every end signs out every copy of the cookie and tells the browser to clear the site's data."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.audit import AuditEvent
from portal.campus.models import KioskSession
from portal.database import utcnow
from tests import factories
from tests.campus import helpers
from tests.html import error_summary, field_error, h1, page

CLEAR = '"cache", "cookies", "storage"'


def _copy_cookie(source, target):
    cookie = source.get_cookie("session", domain="portal.test")
    target.set_cookie("session", cookie.value, domain="portal.test")


def test_a_learner_signs_in_once_with_the_code_of_their_session(client, db):
    learner = helpers.learner()
    kiosk, code = helpers.open_session(learner)
    assert len(code) == 6 and code not in kiosk.code_hash
    response = client.post("/campus/sign-in", data={"prison_number": learner.prison_number.lower(),
                                                    "code": code.lower()})
    assert response.status_code == 302
    assert h1(client.get("/campus/")) == f"Welcome, {learner.name}"
    client.post("/campus/sign-out")
    # The code worked once: it cannot open the session again.
    response = client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": code})
    assert response.status_code == 400
    assert field_error(response, "code") == "Enter the prison number and the code your member of staff gave you"


def test_a_code_works_only_for_its_own_learner_and_session(client, db):
    first, second = helpers.learner(), helpers.learner()
    _, code = helpers.open_session(first)
    response = client.post("/campus/sign-in", data={"prison_number": second.prison_number, "code": code})
    assert response.status_code == 400
    _, newer = helpers.open_session(first)  # a new session replaces the old one and its code
    response = client.post("/campus/sign-in", data={"prison_number": first.prison_number, "code": code})
    assert response.status_code == 400
    assert client.post("/campus/sign-in", data={"prison_number": first.prison_number,
                                                "code": newer}).status_code == 302


def test_wrong_codes_make_the_code_wait_longer_but_never_end_the_session(client, db):
    """Anyone at the kiosk could type a learner's prison number: wrong codes slow them down (3 free, then 1, 2,
    4... minutes) and after 12 the code stops working, but the learner's session stays open for a new code."""
    from portal.campus import operations

    learner = helpers.learner()
    kiosk, code = helpers.open_session(learner)
    for _ in range(3):
        response = client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": "AAAAAA"})
        assert field_error(response, "code") == "Enter the prison number and the code your member of staff gave you"
    response = client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": code})
    assert response.status_code == 400  # even the right code waits now
    assert field_error(response, "code") == ("Too many wrong codes. Try again in 1 minute, or ask a member of staff "
                                             "for a new code")
    db.session.refresh(kiosk)
    assert kiosk.ended_at is None and kiosk.failed_attempts == 3
    kiosk.locked_until = utcnow() - timedelta(seconds=1)  # the minute has passed
    db.session.commit()
    client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": "AAAAAA"})
    db.session.refresh(kiosk)
    assert kiosk.failed_attempts == 4
    assert timedelta(minutes=1) < kiosk.locked_until - utcnow() <= timedelta(minutes=2)
    assert [operations.lock_minutes(n) for n in range(1, 13)] == [0, 0, 1, 2, 4, 8, 16, 30, 30, 30, 30, 30]
    kiosk.failed_attempts, kiosk.locked_until = 12, None
    db.session.commit()
    response = client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": code})
    assert field_error(response, "code") == "This code no longer works. Ask a member of staff for a new code"
    db.session.refresh(kiosk)
    assert kiosk.ended_at is None


def test_staff_give_a_new_code_at_once_and_it_is_audited(app, client, db):
    from portal.audit import AuditEvent

    learner = helpers.learner()
    kiosk, old_code = helpers.open_session(learner)
    for _ in range(5):  # the last two wait (and do not count)
        client.post("/campus/sign-in", data={"prison_number": learner.prison_number, "code": "AAAAAA"})
    staff = app.test_client()
    staff_user = helpers.staff_of(learner)
    factories.sign_in(staff, staff_user)
    home = page(staff.get("/campus/staff"))
    assert "Not yet (3 wrong codes)" in home.get_text(" ", strip=True)
    response = staff.post(f"/campus/staff/sessions/{kiosk.public_id}/new-code")
    assert response.status_code == 200
    new_code = page(response).select_one(".app-kiosk-code").get_text(strip=True)
    assert new_code and new_code != old_code
    assert client.post("/campus/sign-in", data={"prison_number": learner.prison_number,
                                                "code": old_code}).status_code == 400
    assert client.post("/campus/sign-in", data={"prison_number": learner.prison_number,
                                                "code": new_code}).status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.session_code_reissued"))
    assert event.actor_id == staff_user.id and event.object_id == kiosk.public_id
    response = staff.post(f"/campus/staff/sessions/{kiosk.public_id}/new-code")  # signed in already
    assert response.status_code == 302
    other_prison = app.test_client()
    factories.sign_in(other_prison, helpers.prison_staff("BMI"))
    assert other_prison.post(f"/campus/staff/sessions/{kiosk.public_id}/new-code").status_code == 404


def test_missing_answers_are_named(client, db):
    response = client.post("/campus/sign-in", data={"prison_number": "", "code": ""})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter your prison number", "Enter the code your member of staff gave you"]


def test_the_session_ends_at_the_time_staff_set(client, db):
    learner = helpers.learner()
    kiosk = helpers.sign_in_at_kiosk(client, learner, minutes=30)
    assert kiosk.expires_at - kiosk.opened_at == timedelta(minutes=30)
    kiosk.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/campus/learning")
    assert response.status_code == 302 and "/campus/signed-out?reason=time_limit" in response.headers["Location"]
    assert response.headers["Clear-Site-Data"] == CLEAR
    db.session.refresh(kiosk)
    assert kiosk.end_reason == "time_limit"
    assert client.get("/campus/learning").status_code == 302


def test_the_session_ends_after_ten_idle_minutes_with_a_warning_on_the_page(client, db):
    learner = helpers.learner()
    kiosk = helpers.sign_in_at_kiosk(client, learner)
    warning = page(client.get("/campus/")).find(id="idle-timeout")
    assert warning["data-seconds"] == "600" and warning["data-keep-alive"] == "/campus/keep-alive"
    kiosk.last_active_at = utcnow() - timedelta(minutes=9)
    db.session.commit()
    assert client.get("/campus/").status_code == 200  # still within the time: and that request counts
    kiosk.last_active_at = utcnow() - timedelta(minutes=10, seconds=5)
    db.session.commit()
    response = client.get("/campus/")
    assert "reason=idle" in response.headers["Location"]
    assert response.headers["Clear-Site-Data"] == CLEAR


def test_keep_alive_keeps_the_session_going(client, db):
    kiosk = helpers.sign_in_at_kiosk(client, helpers.learner())
    kiosk.last_active_at = utcnow() - timedelta(minutes=8)
    db.session.commit()
    assert client.post("/campus/keep-alive").status_code == 200
    db.session.refresh(kiosk)
    assert utcnow() - kiosk.last_active_at < timedelta(minutes=1)


def test_staff_see_live_sessions_at_their_prison_and_end_one_at_once(app, client, db, login_as):
    learner = helpers.learner(prison_code="LEI")
    elsewhere = helpers.learner(prison_code="BXI", name="Someone Elsewhere")
    helpers.sign_in_at_kiosk(client, learner)
    helpers.open_session(elsewhere)
    copy = app.test_client()
    _copy_cookie(client, copy)
    assert copy.get("/campus/").status_code == 200  # the copied cookie works while the session is live

    staff_client = app.test_client()
    staff = helpers.staff_of(learner)
    from tests import factories
    factories.sign_in(staff_client, staff)
    listing = page(staff_client.get("/campus/staff")).get_text(" ", strip=True)
    assert learner.name in listing and "Someone Elsewhere" not in listing
    kiosk = db.session.scalar(select(KioskSession).where(KioskSession.learner_id == learner.id))
    response = staff_client.post(f"/campus/staff/sessions/{kiosk.public_id}/end")
    assert response.status_code == 302

    # Both the learner's browser and the copy are out on their next request, and told to clear the site's data.
    for browser in (client, copy):
        response = browser.get("/campus/")
        assert response.status_code == 302
        assert "/campus/signed-out" in response.headers["Location"] or "/campus/sign-in" in response.headers["Location"]
    assert copy.get("/campus/messages").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.session_ended",
                                                      AuditEvent.actor_id == staff.id)) is not None


def test_staff_cannot_end_another_prisons_session(app, client, db, login_as):
    kiosk, _ = helpers.open_session(helpers.learner(prison_code="BXI"))
    login_as("prison_staff", prison_code="LEI")
    assert client.post(f"/campus/staff/sessions/{kiosk.public_id}/end").status_code == 404
    db.session.refresh(kiosk)
    assert kiosk.ended_at is None


def test_signing_out_ends_the_session_and_clears_the_browser(app, client, db):
    learner = helpers.learner()
    kiosk = helpers.sign_in_at_kiosk(client, learner)
    copy = app.test_client()
    _copy_cookie(client, copy)
    response = client.post("/campus/sign-out")
    assert response.status_code == 302 and response.headers["Clear-Site-Data"] == CLEAR
    db.session.refresh(kiosk)
    assert kiosk.end_reason == "signed_out"
    assert copy.get("/campus/").status_code == 302


def test_a_released_or_transferred_learner_loses_access(app, client, db):
    from portal.campus import operations

    learner = helpers.learner()
    helpers.sign_in_at_kiosk(client, learner)
    operations.transfer_learner(helpers.staff_of(learner), learner, "BXI")
    db.session.commit()
    assert client.get("/campus/").status_code == 302
    # Staff at the old prison no longer see them; staff at the new one do.
    old_staff = app.test_client()
    from tests import factories
    factories.sign_in(old_staff, helpers.prison_staff("LEI"))
    assert old_staff.get(f"/campus/staff/learners/{learner.public_id}").status_code == 404
    new_staff = helpers.prison_staff("BXI")
    other = app.test_client()
    helpers.sign_in_at_kiosk(other, learner)
    operations.release_learner(new_staff, learner)
    db.session.commit()
    assert other.get("/campus/").status_code == 302
    try:
        operations.open_session(new_staff, learner)
    except Exception as exc:  # noqa: BLE001
        assert "released" in str(exc)
    else:
        raise AssertionError("a released learner got a session")


def test_learners_reach_campus_pages_only(client, db):
    helpers.sign_in_at_kiosk(client, helpers.learner())
    for path in ("/dashboard", "/services", "/account", "/"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/campus/"), path
    assert client.get("/campus/staff").status_code == 403
    assert client.get("/sign-in").status_code == 302


def test_learners_cannot_sign_in_on_the_staff_sign_in_page(client, db):
    learner = helpers.learner()
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert learner.user.email is None and learner.user.password_hash is None


def test_session_length_is_checked(client, db, login_as):
    learner = helpers.learner()
    login_as(helpers.staff_of(learner))
    response = client.post(f"/campus/staff/learners/{learner.public_id}/session", data={"minutes": "600"})
    assert response.status_code == 400
    assert field_error(response, "minutes") == "Session length must be a whole number of minutes between 10 and 240"
    assert db.session.scalar(select(KioskSession)) is None

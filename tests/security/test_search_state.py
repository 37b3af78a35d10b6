"""The referral dashboard's search (a CRN or a name) is kept on the server under a random key: the session cookie
(signed, not encrypted: anyone holding it can read it) and the URL carry only the key, which is the searcher's
alone and lapses after an hour."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.accounts.roles import Role
from portal.database import utcnow
from portal.referrals.models import ReferralSearch
from tests import factories
from tests.html import page


def _session(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}


def _references(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("#referrals tbody a")]


def test_a_crn_search_stays_out_of_the_session_cookie_and_the_url(app, client, db):
    officer = factories.user(role=Role.OFFENDER_MANAGER)
    mine = factories.referral(referrer=officer, state="sent", crn="Q765432", last_name="Zqxsearchable")
    factories.sign_in(client, officer)
    for words in ("Q765432", "Zqxsearchable"):
        posted = client.post("/referrals", data={"q": words})
        assert posted.status_code == 302
        location = posted.headers["Location"]
        assert words.lower() not in location.lower()
        session_text = repr(_session(app, client)).lower()
        assert words.lower() not in session_text, session_text
        shown = client.get(location)
        assert _references(shown) == [mine.reference]
        assert page(shown).find("input", id="q")["value"] == words


def test_a_search_key_shows_nothing_to_anyone_else_or_after_an_hour(app, client, db):
    officer = factories.user(role=Role.OFFENDER_MANAGER)
    colleague = factories.user(role=Role.OFFENDER_MANAGER)  # same region: may see the same referrals
    mine = factories.referral(referrer=officer, state="sent", crn="Q765433")
    factories.sign_in(client, officer)
    location = client.post("/referrals", data={"q": "Q765433"}).headers["Location"]
    assert _references(client.get(location)) == [mine.reference]
    other = app.test_client()
    factories.sign_in(other, colleague)
    theirs = other.get(location)
    assert theirs.status_code == 200 and page(theirs).find("input", id="q")["value"] == ""
    assert "found for" not in page(theirs).get_text()
    db.session.execute(update(ReferralSearch).values(created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    lapsed = client.get(location)
    assert page(lapsed).find("input", id="q")["value"] == ""
    # The next search deletes lapsed ones, anyone's
    client.post("/referrals", data={"q": "Q765433"})
    assert db.session.query(ReferralSearch).count() == 1

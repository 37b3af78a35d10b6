"""Subject access and erasure cover every domain (issue #17): what each holds about a person on probation or in
prison, by CRN or prison number, is in the export and goes in an erasure; a new table with personal data that
no domain registers fails here."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal import subject_access
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.campus.models import Learner, Message
from portal.data_dictionary import OFFENCE, PERSONAL, columns_marked
from portal.employers.models import Nomination, NominationStep
from portal.extensions import db
from portal.referrals.models import Referral
from tests import factories
from tests.campus import helpers as campus
from tests.employers import factories as employers
from tests.html import h1, page


def test_every_table_with_personal_data_is_covered_or_says_why_not(app):
    with app.app_context():
        personal = {table for table, _ in columns_marked(PERSONAL, OFFENCE)}
        held = {table: name for name, holding in subject_access.holdings().items() for table in holding.tables}
    unaccounted = personal - set(held) - set(subject_access.NOT_ABOUT_THE_PERSON)
    assert not unaccounted, (f"tables with personal data that no domain's subject access covers: {sorted(unaccounted)}"
                             " - register them in the domain's subject_access module, or say in "
                             "portal/subject_access.NOT_ABOUT_THE_PERSON why they are not about the person")
    assert not set(held) & set(subject_access.NOT_ABOUT_THE_PERSON)
    assert set(held) <= personal | {t for t, _ in columns_marked("none")}  # no table registered that does not exist


def test_the_export_by_crn_holds_the_referral_and_the_employment_nomination(client):
    admin = factories.user(role=Role.ADMIN)
    referral = factories.referral(state="sent", crn="Y654321")
    nomination = employers.nomination(person_reference="Y654321", first_name="Jordan")
    employers.nomination(person_reference="Z111111", first_name="Somebody")
    factories.sign_in(client, admin)
    response = client.post("/admin/referrals/subject-access", data={"crn": "Y654321"})
    assert response.status_code == 200
    export = json.loads(response.get_data(as_text=True))
    assert [r["reference"] for r in export["referrals"]] == [referral.reference]
    [held] = export["employer_nominations"]
    assert held["reference"] == nomination.reference and held["first_name"] == "Jordan"
    assert held["steps"] and held["opportunity"] == nomination.opportunity.title
    assert "Somebody" not in response.get_data(as_text=True)
    assert export["campus"] is None


def test_the_export_by_prison_number_holds_the_campus_record(client):
    learner = campus.learner(prison_number="A1234BC", name="Sam Learner")
    campus.message(learner, body="Do you take people with a forklift licence?")
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    response = client.post("/admin/referrals/subject-access", data={"crn": "a1234bc"})
    assert response.status_code == 200
    export = json.loads(response.get_data(as_text=True))
    assert export["campus"]["learner"]["name"] == "Sam Learner"
    assert export["campus"]["campus_messages"][0]["body"] == "Do you take people with a forklift licence?"
    assert all("code_hash" not in s for s in export["campus"]["campus_sessions"])
    assert export["referrals"] == [] and export["employer_nominations"] == []


def test_erasure_by_crn_removes_the_referral_and_the_nomination(client):
    admin = factories.user(role=Role.ADMIN)
    referral_id = factories.referral(state="sent", crn="Y654321").id
    nomination_id = employers.nomination(person_reference="Y654321").id
    kept_id = employers.nomination(person_reference="Z111111").id
    factories.sign_in(client, admin)
    confirm = client.post("/admin/referrals/erasure", data={"crn": "Y654321", "reason": "SAR-2026-114"})
    assert h1(confirm) == "Erase 1 referral and 1 employment nomination?"
    done = client.post("/admin/referrals/erasure", data={"crn": "Y654321", "reason": "SAR-2026-114",
                                                         "confirmed": "yes"}, follow_redirects=True)
    assert "1 referral and 1 employment nomination about this person were erased" in page(done).get_text(" ")
    db.session.expire_all()
    assert db.session.get(Referral, referral_id) is None and db.session.get(Nomination, nomination_id) is None
    assert not db.session.scalars(select(NominationStep).where(NominationStep.nomination_id == nomination_id)).all()
    assert db.session.get(Nomination, kept_id) is not None


def test_erasure_by_prison_number_removes_the_campus_record_and_the_learner_account(client):
    learner = campus.learner(prison_number="A1234BC")
    other = campus.learner(prison_number="B2345CD")
    original = campus.message(learner, state="approved")
    campus.reply(original)
    learner_id, user_id, other_id = learner.id, learner.user_id, other.id
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    confirm = client.post("/admin/referrals/erasure", data={"crn": "A1234BC", "reason": "SAR-7"})
    assert h1(confirm) == "Erase 1 Virtual Campus record?"
    client.post("/admin/referrals/erasure", data={"crn": "A1234BC", "reason": "SAR-7", "confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(Learner, learner_id) is None and db.session.get(User, user_id) is None
    assert not db.session.scalars(select(Message).where(Message.learner_id == learner_id)).all()
    assert db.session.get(Learner, other_id) is not None

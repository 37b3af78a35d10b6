"""The referring side's pages: starting from a service, the task list, each section, checking and sending,
suggestions, deleting a draft. Assertions are on the parsed pages, as a person reads them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.extensions import db
from portal.referrals import operations
from portal.referrals.models import Referral
from portal.referrals.workflow import State
from tests import factories
from tests.html import error_summary, field_error, h1, page, title

TODAY = date.today()


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


def date_parts(name: str, value: date) -> dict:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def summary(response) -> dict[str, str]:
    rows = page(response).select(".govuk-summary-list__row")
    return {row.select_one("dt").get_text(strip=True):
            row.select_one(".govuk-summary-list__value").get_text(" ", strip=True) for row in rows}


def task_status(response) -> dict[str, str]:
    return {item.select_one(".govuk-task-list__name-and-hint").get_text(" ", strip=True):
            item.select_one(".govuk-task-list__status").get_text(" ", strip=True)
            for item in page(response).select(".govuk-task-list__item")}


VALID = {
    "person": {"first_name": "Jordan", "last_name": "Pemberton", **date_parts("date_of_birth", date(1990, 5, 17)),
               "crn": "x123456", "gender": "male"},
    "location": {"in_custody": "custody", "prison": "LEI",
                 **date_parts("expected_release_date", TODAY + timedelta(days=30)), "postcode": "LS1 4AP"},
    "contact": {"phone": "07700 900982", "interpreter": "yes", "interpreter_language": "Polish",
                "disability_needs": "", "caring_responsibilities": "Looks after his son on Fridays",
                "availability": "Weekday mornings"},
    "needs": {"needs": ["accommodation", "education-training-employment"], "rating_accommodation": "red",
              "rating_education_training_employment": "amber", "desired_outcomes-0": "Settled accommodation",
              "desired_outcomes-1": "A place on a course", "desired_outcomes-2": ""},
    "risk": {"risk_level": "medium", "mappa": "no", "risk_summary": "Verbal aggression when anxious.",
             "arson_conviction": "no", "sexual_offence_conviction": "no"},
    "consent": {"consent_given": "yes", **date_parts("consent_date", TODAY - timedelta(days=1)),
                "consent_method": "in-person"},
    "additional": {"additional_information": "Prefers to be called Jay."},
}


@pytest.fixture
def officer(login_as):
    return login_as(Role.OFFENDER_MANAGER)


@pytest.fixture
def service(make):
    return factories.referrable_service(name="Harbour House")


@pytest.fixture
def draft(officer, service):
    return factories.referral(service=service, referrer=officer, state="draft", first_name="", last_name="",
                              date_of_birth=None, crn="", gender=None, in_custody=None, postcode="", needs=[],
                              desired_outcomes=[], risk_level=None, mappa=None, risk_summary="",
                              consent_given=False, consent_method=None, consent_date=None,
                              arson_conviction=None, sexual_offence_conviction=None, phone="", availability="")


def post_section(client, referral, section, data, version=None):
    version = fresh(referral).version if version is None else version
    return client.post(f"/referrals/{referral.public_id}/draft/{section}", data={**data, "version": version})


# --- Starting from the directory ---

def test_the_service_page_offers_a_referral_only_to_offender_managers(client, service, login_as):
    def refer_button(response):
        return page(response).find("a", string="Refer someone to this service")

    assert refer_button(client.get(f"/services/{service.uuid}")) is None
    login_as(Role.PROVIDER)
    assert refer_button(client.get(f"/services/{service.uuid}")) is None
    login_as(Role.OFFENDER_MANAGER)
    button = refer_button(client.get(f"/services/{service.uuid}"))
    assert button["href"] == f"/services/{service.uuid}/refer"


def test_starting_a_referral_makes_a_draft_and_shows_the_task_list(client, officer, service):
    start = client.get(f"/services/{service.uuid}/refer")
    assert h1(start) == "Refer someone to Harbour House"
    response = client.post(f"/services/{service.uuid}/refer")
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert response.headers["Location"] == f"/referrals/{referral.public_id}/draft"
    tasks = client.get(response.headers["Location"])
    assert h1(tasks) == "Refer someone to Harbour House"
    assert task_status(tasks) == {
        "Personal details": "Not yet started", "Where they are": "Not yet started",
        "Contact and access needs": "Optional", "Needs and desired outcomes": "Not yet started",
        "Risk": "Not yet started", "Consent": "Not yet started", "Additional information": "Optional",
            "Your contact details": "Not yet started"}


@pytest.mark.parametrize("change, reason", [
    ({"capacity": "full"}, "This service is full"),
    ({"access_routes": ("self-referral",)}, "does not take referrals through the portal"),
])
def test_the_start_page_says_why_a_service_cannot_take_referrals_before_any_form(client, officer, change, reason):
    service = factories.referrable_service(**change)
    start = client.get(f"/services/{service.uuid}/refer")
    assert reason in page(start).select_one(".govuk-warning-text").get_text()
    assert page(start).find("form", method="post") is None
    assert client.post(f"/services/{service.uuid}/refer").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0


def test_only_offender_managers_may_start(client, service, login_as):
    login_as(Role.PROVIDER)
    assert client.get(f"/services/{service.uuid}/refer").status_code == 403
    assert client.post(f"/services/{service.uuid}/refer").status_code == 403


# --- Sections: each saves as you go ---

def test_every_section_saves_and_the_task_list_shows_it_completed(client, draft):
    for section, data in VALID.items():
        response = post_section(client, draft, section, data)
        assert response.status_code == 302, (section, error_summary(response))
        assert response.headers["Location"] == f"/referrals/{draft.public_id}/draft"
    statuses = task_status(client.get(f"/referrals/{draft.public_id}/draft"))
    assert set(statuses.values()) == {"Completed"}
    referral = fresh(draft)
    person = referral.person
    assert (person.first_name, person.crn, person.date_of_birth, person.prison.code) == (
        "Jordan", "X123456", date(1990, 5, 17), "LEI")
    assert person.postcode_district == "LS1" and person.interpreter_language == "Polish"
    assert [(n.pathway.slug, n.rating) for n in referral.needs] == [
        ("accommodation", "red"), ("education-training-employment", "amber")]
    assert [o["text"] for o in referral.desired_outcomes] == ["Settled accommodation", "A place on a course"]
    assert referral.consent_given and referral.consent_method == "in-person"


def test_section_pages_show_what_was_saved(client, draft):
    post_section(client, draft, "person", VALID["person"])
    form = page(client.get(f"/referrals/{draft.public_id}/draft/person"))
    assert form.find("input", {"name": "first_name"})["value"] == "Jordan"
    assert form.find("input", {"name": "date_of_birth-year"})["value"] == "1990"
    assert form.find("input", {"name": "gender", "value": "male"}).has_attr("checked")
    assert form.find("input", {"name": "version"})["value"] == str(fresh(draft).version)
    needs = client.get(f"/referrals/{draft.public_id}/draft/needs")
    assert page(needs).find("input", {"name": "desired_outcomes-0"})["value"] == ""


def test_a_section_page_view_is_audited(client, draft):
    client.get(f"/referrals/{draft.public_id}/draft/person")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.viewed", AuditEvent.object_id == draft.public_id)) == 1


BAD = [
    ("person", {"crn": "12345X"}, "crn", "Enter a case reference number (CRN) in the correct format"),
    ("person", date_parts("date_of_birth", TODAY + timedelta(days=3)), "date_of_birth",
     "Date of birth must be in the past"),
    ("person", {"date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "1990"},
     "date_of_birth", "Date of birth must be a real date"),
    ("person", {"date_of_birth-day": "12", "date_of_birth-month": "", "date_of_birth-year": "1990"},
     "date_of_birth", "Date of birth must include a month"),
    ("person", {"date_of_birth-day": "x", "date_of_birth-month": "2", "date_of_birth-year": "1990"},
     "date_of_birth", "Date of birth must be a real date"),
    ("person", {"first_name": "J" * 101}, "first_name", "First name must be 100 characters or fewer"),
    ("person", {"first_name": ""}, "first_name", "Enter the person's first name"),
    ("location", date_parts("expected_release_date", TODAY - timedelta(days=1)), "expected_release_date",
     "Expected release date must be today or in the future for someone in custody"),
    ("location", {"expected_release_date-day": "31", "expected_release_date-month": "4",
                  "expected_release_date-year": "2031"}, "expected_release_date",
     "Expected release date must be a real date"),
    ("location", {"postcode": "ZZ99 9ZZ"}, "postcode", "ZZ99"),
    ("location", {"prison": ""}, "prison", "Select the prison the person is in"),
    ("contact", {"phone": "call me"}, "phone", "Enter a phone number"),
    ("contact", {"interpreter_language": ""}, "interpreter_language", "Enter the language"),
    ("contact", {"availability": "x" * 2001}, "availability", "Availability must be 2,000 characters or fewer"),
    ("needs", {"rating_accommodation": ""}, "rating_accommodation", "Select red, amber or green for Accommodation"),
    ("needs", {f"desired_outcomes-{i}": f"Outcome {i}" for i in range(11)}, "desired_outcomes",
     "Enter at most 10 desired outcomes"),
    ("needs", {"desired_outcomes-0": "", "desired_outcomes-1": ""}, "desired_outcomes",
     "Enter at least one desired outcome"),
    ("risk", {"risk_summary": "x" * 2001}, "risk_summary", "Risk summary must be 2,000 characters or fewer"),
    ("risk", {"risk_level": ""}, "risk_level", "Select the risk of serious harm level"),
    ("risk", {"arson_conviction": ""}, "arson_conviction", "Select whether the person has a conviction for arson"),
    ("consent", {"consent_given": ""}, "consent_given", "Select whether the person has agreed to be referred"),
    ("consent", {"consent_given": "no"}, "consent_given", "You can only refer someone who has agreed to it"),
    ("consent", date_parts("consent_date", TODAY + timedelta(days=2)), "consent_date",
     "Date consent was given must be today or in the past"),
    ("consent", {"consent_date-day": "", "consent_date-month": "", "consent_date-year": ""}, "consent_date",
     "Enter the date the person gave consent"),
    ("additional", {"additional_information": "x" * 4001}, "additional_information",
     "Additional information must be 4,000 characters or fewer"),
]


@pytest.mark.parametrize("section, change, field, message", BAD, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BAD)])
def test_bad_answers_give_field_messages_a_400_and_change_nothing(client, draft, section, change, field, message):
    for done, data in VALID.items():  # a complete draft, so only the bad answer can be wrong
        post_section(client, draft, done, data)
    before = operations.answers_of(fresh(draft))
    version = fresh(draft).version
    response = post_section(client, draft, section, {**VALID[section], **change})
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    assert message in (field_error(response, field) or ""), (field_error(response, field), error_summary(response))
    assert any(message in item for item in error_summary(response))
    assert operations.answers_of(fresh(draft)) == before and fresh(draft).version == version


def test_the_error_summary_links_to_the_first_wrong_box_of_a_date(client, draft):
    response = post_section(client, draft, "person", {**VALID["person"], "date_of_birth-month": ""})
    link = page(response).select_one(".govuk-error-summary a")
    assert link["href"] == "#date_of_birth-month"
    assert page(response).find(id="date_of_birth-day")["value"] == "17"  # what was typed is kept


def test_in_the_community_clears_the_prison_and_release_date(client, draft):
    post_section(client, draft, "location", VALID["location"])
    response = post_section(client, draft, "location", {**VALID["location"], "in_custody": "community"})
    assert response.status_code == 302
    person = fresh(draft).person
    assert (person.in_custody, person.prison_id, person.expected_release_date) == (False, None, None)


def test_add_another_outcome_keeps_what_was_typed_and_saves_nothing(client, draft):
    data = {**VALID["needs"], "add_outcome": "yes"}
    response = post_section(client, draft, "needs", data)
    assert response.status_code == 200
    boxes = page(response).select("input[name^=desired_outcomes-]")
    assert [b.get("value") for b in boxes] == ["Settled accommodation", "A place on a course", "", ""]
    assert fresh(draft).desired_outcomes == []


def test_text_limits_are_stated_on_the_page(client, draft):
    form = page(client.get(f"/referrals/{draft.public_id}/draft/risk"))
    counter = form.find("textarea", {"name": "risk_summary"}).find_parent(class_="govuk-character-count")
    assert counter["data-maxlength"] == "2000"
    assert "up to 2,000 characters" in counter.get_text()


def test_a_stale_version_on_a_section_is_a_409_that_keeps_what_was_typed(client, draft):
    seen = fresh(draft).version
    operations.save_draft(draft.created_by, fresh(draft), {"availability": "Evenings"})  # someone else, meanwhile
    db.session.commit()
    response = post_section(client, draft, "person", VALID["person"], version=seen)
    assert response.status_code == 409
    assert "Someone else changed this" in page(response).get_text()
    assert page(response).find("input", {"name": "first_name"})["value"] == "Jordan"
    assert page(response).find("input", {"name": "version"})["value"] == str(fresh(draft).version)
    assert fresh(draft).person.first_name == ""
    again = post_section(client, draft, "person", VALID["person"], version=fresh(draft).version)
    assert again.status_code == 302 and fresh(draft).person.first_name == "Jordan"


def test_other_people_cannot_see_or_edit_the_draft(client, draft, login_as):
    login_as(Role.OFFENDER_MANAGER, probation_region="london")
    for path in ("draft", "draft/person", "check"):
        assert client.get(f"/referrals/{draft.public_id}/{path}").status_code == 404
    assert post_section(client, draft, "person", VALID["person"]).status_code == 404
    login_as(factories._provider_manager(draft.organisation))
    assert client.get(f"/referrals/{draft.public_id}").status_code == 404
    assert client.get(f"/referrals/{draft.public_id}/draft/nonsense").status_code == 404


def test_a_teammate_in_the_same_region_can_carry_on_the_draft(client, draft, login_as):
    login_as(Role.OFFENDER_MANAGER, probation_region="north-east")
    assert post_section(client, draft, "person", VALID["person"]).status_code == 302


# --- Check your answers and send ---

def complete(client, draft):
    for section, data in VALID.items():
        assert post_section(client, draft, section, data).status_code == 302, section


def test_check_your_answers_lists_what_is_missing_linked_to_its_section(client, draft):
    post_section(client, draft, "person", VALID["person"])
    check = client.get(f"/referrals/{draft.public_id}/check")
    assert h1(check) == "Check your answers before sending the referral"
    links = {a.get_text(strip=True): a["href"] for a in page(check).select("#missing-answers a")}
    assert links["Select the risk of serious harm level"] == f"/referrals/{draft.public_id}/draft/risk#risk_level"
    assert "Enter the person's first name" not in links
    assert page(check).find("button", string=lambda s: s and "Send referral" in s) is None


def test_check_your_answers_shows_everything_with_change_links(client, draft):
    complete(client, draft)
    check = client.get(f"/referrals/{draft.public_id}/check")
    answers = summary(check)
    assert answers["First name"] == "Jordan"
    assert answers["Date of birth"] == "17 May 1990"
    assert answers["Prison"].startswith("HMP")
    assert answers["Needs"] == "Accommodation: Red Education, training and employment: Amber"
    assert answers["Desired outcomes"] == "Settled accommodation A place on a course"
    assert answers["Risk summary"] == "Verbal aggression when anxious."
    changes = {a.select_one(".govuk-visually-hidden").get_text(strip=True): a["href"]
               for a in page(check).select(".govuk-summary-list__actions a")}
    assert changes["risk summary"] == f"/referrals/{draft.public_id}/draft/risk"
    assert page(check).find("button", string=lambda s: s and "Send referral" in s)


def test_eligibility_warnings_show_as_warning_text(client, officer):
    service = factories.referrable_service(eligibility=("women-only",))
    referral = factories.referral(service=service, referrer=officer, state="draft", gender="male",
                                  arson_conviction=True)
    check = client.get(f"/referrals/{referral.public_id}/check")
    warnings = page(check).select("#eligibility-warnings .govuk-warning-text")
    text = " ".join(w.get_text(" ", strip=True) for w in warnings)
    assert "women only" in text and "arson" in text
    assert page(check).find("button", string=lambda s: s and "Send referral" in s)  # warnings do not stop it


def test_the_high_risk_refusal_is_explained_before_sending(client, officer):
    referral = factories.referral(referrer=officer, state="draft", risk_level="high")
    check = client.get(f"/referrals/{referral.public_id}/check")
    assert "public-sector" in page(check).select_one("#risk-refusal").get_text()
    assert page(check).find("button", string=lambda s: s and "Send referral" in s) is None
    refused = client.post(f"/referrals/{referral.public_id}/send", data={"version": referral.version})
    assert refused.status_code == 400 and fresh(referral).state == State.DRAFT


def test_sending_shows_the_confirmation_with_the_reference(client, draft):
    complete(client, draft)
    response = client.post(f"/referrals/{draft.public_id}/send", data={"version": fresh(draft).version})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/referrals/{draft.public_id}/sent"
    confirmation = client.get(response.headers["Location"])
    panel = page(confirmation).select_one(".govuk-panel")
    assert "Referral sent" in panel.get_text() and draft.reference in panel.get_text()
    assert fresh(draft).state == State.SENT
    # The draft's pages now lead to the referral
    assert client.get(f"/referrals/{draft.public_id}/draft/person").headers["Location"] == \
        f"/referrals/{draft.public_id}"


def test_sending_an_incomplete_draft_is_refused_with_the_missing_answers(client, draft):
    response = client.post(f"/referrals/{draft.public_id}/send", data={"version": fresh(draft).version})
    assert response.status_code == 400
    assert "Enter the person's first name" in error_summary(response)
    assert fresh(draft).state == State.DRAFT


def test_sending_a_stale_version_is_a_409(client, draft):
    complete(client, draft)
    seen = fresh(draft).version
    post_section(client, draft, "additional", {"additional_information": "Changed meanwhile"})
    response = client.post(f"/referrals/{draft.public_id}/send", data={"version": seen})
    assert response.status_code == 409
    assert "Someone else changed this" in page(response).get_text()
    assert fresh(draft).state == State.DRAFT


# --- Suggestions ---

def test_suggested_services_are_ranked_with_reasons_and_the_draft_can_switch(client, officer):
    near = factories.referrable_service(name="Leeds Housing Link", pathways=("accommodation",), postcode="LS2 7EY")
    both = factories.referrable_service(name="Leeds Homes and Jobs",
                                        pathways=("accommodation", "education-training-employment"),
                                        postcode="LS6 1AA")
    referral = factories.referral(service=near, referrer=officer, state="draft", needs=[
        {"pathway": "accommodation", "rating": "red"}, {"pathway": "education-training-employment", "rating": "amber"}])
    tasks = client.get(f"/referrals/{referral.public_id}/draft")
    items = page(tasks).select(".app-suggestions > li")
    assert [i.find("h3").get_text(strip=True) for i in items] == ["Leeds Homes and Jobs", "Leeds Housing Link"]
    assert "miles from LS1" in items[0].get_text()
    assert "This referral’s service" in items[1].get_text()
    response = client.post(f"/referrals/{referral.public_id}/service",
                           data={"service": both.uuid, "version": referral.version})
    assert response.status_code == 302
    assert fresh(referral).service_id == both.id
    assert fresh(referral).organisation_id == both.organisation_id


def test_switching_to_a_full_service_is_refused(client, officer):
    referral = factories.referral(referrer=officer, state="draft")
    full = factories.referrable_service(capacity="full")
    response = client.post(f"/referrals/{referral.public_id}/service",
                           data={"service": full.uuid, "version": referral.version})
    assert response.status_code == 302
    assert fresh(referral).service_id != full.id


def test_a_draft_can_be_deleted(client, draft):
    draft_id = draft.id
    assert "Are you sure" in h1(client.get(f"/referrals/{draft.public_id}/delete"))
    response = client.post(f"/referrals/{draft.public_id}/delete")
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(Referral, draft_id) is None


def test_change_service_checks_who_and_whether_the_service_can_take_it(app, officer):
    from werkzeug.exceptions import NotFound

    from portal.errors import DomainError

    referral = factories.referral(referrer=officer, state="draft")
    other = factories.referrable_service(name="Other House")
    with app.test_request_context():
        with pytest.raises(NotFound):
            operations.change_service(factories.user(role=Role.OFFENDER_MANAGER, probation_region="london"),
                                      referral, other)
        with pytest.raises(DomainError, match="already"):
            operations.change_service(officer, referral, referral.service)
        with pytest.raises(DomainError, match="not take referrals through the portal"):
            operations.change_service(officer, referral, factories.referrable_service(access_routes=("self-referral",)))
        operations.change_service(officer, referral, other)
        db.session.commit()
    assert fresh(referral).service.name == "Other House"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.service_changed")) == 1

"""Personal and offence data never leaves the records that hold it: not into logs, search indexes, emails, URLs
or the audit log's details.

Distinctive marker values are planted in every personal and offence text column (the list comes from
portal/data_dictionary.py, so a new column fails `test_every_personal_and_offence_column_has_a_marker` until it
gets one), through the real pages, forms and API of each domain: registration and invitations, a problem report,
a referral through its whole loop (API) and its pages, a nomination with consent, the Virtual Campus (learner,
CV, messages, staff decisions) and a donation with Gift Aid. The pages and APIs that show them are then read (so
they are audited and emailed about), the outbox relay runs, and every sink is searched for every marker.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import unquote_plus, urljoin

import pytest
from sqlalchemy import select

from portal import outbox
from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.data_dictionary import OFFENCE, PERSONAL, columns_marked
from portal.database import utcnow
from portal.extensions import db as _db
from tests import factories
from tests.campus import helpers as campus
from tests.conftest import IsolatedClient
from tests.employers import factories as employers
from tests.funding.conftest import localstripe, stripe_on, webhook_server  # noqa: F401 - fixtures for donations
from tests.html import page

# (table, column) -> the marker planted there. Every text marker begins "Zqx" (or "zqx"), so the sinks are also
# searched for that prefix: a marker that escapes through a column nobody thought of is still caught.
MARKERS: dict[tuple[str, str], str] = {
    ("users", "name"): "Zqxregistrant",
    ("users", "email"): "zqxregistrant@example.org",
    ("invitations", "email"): "zqxinvitee@example.org",
    ("directory_problem_reports", "message"): "Zqxproblemmessage",
    ("directory_problem_reports", "reporter_email"): "zqxreporter@example.org",
    ("referral_people", "first_name"): "Zqxmarkerfirst",
    ("referral_people", "last_name"): "Zqxmarkerlast",
    ("referral_people", "crn"): "Q918273",
    ("referral_people", "postcode_district"): "KW17",
    ("referral_people", "phone"): "07700 900461",
    ("referrals", "referrer_phone"): "07700 900573",
    ("referral_people", "interpreter_language"): "Zqxlanguage",
    ("referral_people", "disability_needs"): "Zqxdisability",
    ("referral_people", "caring_responsibilities"): "Zqxcaring",
    ("referral_people", "availability"): "Zqxamendedavailability",
    ("referrals", "risk_summary"): "Zqxrisksummary",
    ("referrals", "additional_information"): "Zqxadditional",
    ("referrals", "end_of_service_report"): "Zqxendofservice",
    ("referral_sessions", "notes"): "Zqxsessionnotes",
    ("referral_events", "comment"): "Zqxamendreason",
    ("employer_nominations", "person_reference"): "Q827364",
    ("employer_nominations", "first_name"): "Zqxnomfirst",
    ("employer_nominations", "skills"): "Zqxnomskills",
    ("employer_nominations", "training"): "Zqxnomtraining",
    ("employer_nominations", "availability"): "Zqxnomavailability",
    ("employer_nominations", "interview_details"): "Zqxnominterview",
    ("employer_nominations", "close_note"): "Zqxnomclosenote",
    ("campus_learners", "prison_number"): "Q9173XZ",
    ("campus_learners", "messaging_suspended_reason"): "Zqxsuspendreason",
    ("campus_contact_blocks", "reason"): "Zqxblockreason",
    ("campus_cvs", "personal_statement"): "Zqxstatement",
    ("campus_cvs", "skills"): "Zqxcvskills",
    ("campus_cvs", "references"): "Zqxcvreferences",
    ("campus_cvs", "disclosure"): "Zqxdisclosure",
    ("campus_cv_entries", "title"): "Zqxentrytitle",
    ("campus_cv_entries", "place"): "Zqxentryplace",
    ("campus_cv_entries", "dates"): "Zqxentrydates",
    ("campus_cv_entries", "description"): "Zqxentrydescription",
    ("campus_messages", "subject"): "Zqxmessagesubject",
    ("campus_messages", "body"): "Zqxmessagebody",
    ("campus_messages", "stop_reason"): "Zqxstopreason",
    ("funding_donations", "gift_aid_name"): "Zqxgiftaidname",
    ("funding_donations", "gift_aid_address"): "Zqxgiftaidaddress",
    ("funding_donations", "gift_aid_postcode"): "DG16 5QX",
}
LEARNER_NAME = "Zqxlearnername"  # users.name of a learner (the same column as the registrant's)
REPLY_BODY = "Zqxreplybody"  # campus_messages.body of an organisation's reply
DATE_OF_BIRTH = date(1937, 11, 23)
# Other spellings a marker may take on its way out.
VARIANTS = {"07700 900461": ["07700900461", "7700900461"], "DG16 5QX": ["DG165QX"], "Q9173XZ": ["q9173xz"],
            DATE_OF_BIRTH.isoformat(): ["23 November 1937", "23/11/1937"]}

# Personal and offence columns with no marker, and why none is needed.
NOT_PLANTED = {
    **{key: "a date or time: not distinctive text (the date of birth is planted and searched instead)" for key in [
        ("users", "last_signed_in_at"), ("campus_learners", "release_date"), ("campus_learners", "status_changed_at"),
        ("campus_learners", "messaging_suspended_at"), ("campus_cvs", "shared_with_offender_manager_at"),
        ("campus_progress", "completed_at"), ("campus_sessions", "code_used_at"), ("campus_sessions", "ended_at"),
        ("campus_sessions", "expires_at"), ("campus_sessions", "last_active_at"), ("campus_sessions", "opened_at"),
        ("referral_people", "date_of_birth"), ("referral_people", "expected_release_date"),
        ("referral_sessions", "happened_at"), ("referrals", "risk_plan_review_date")]},
    **{key: "a yes/no, a number or a foreign key: nothing to search for" for key in [
        ("campus_learners", "offender_manager_id"), ("campus_learners", "prison_id"), ("campus_sessions", "prison_id"),
        ("campus_progress", "score"), ("referral_people", "arson_conviction"), ("referral_people", "in_custody"),
        ("referral_people", "prison_id"), ("referral_people", "sexual_offence_conviction"), ("referrals", "mappa"),
        ("referral_needs", "pathway_id")]},
    **{key: "one of a fixed list of codes: not distinctive" for key in [
        ("campus_learners", "release_area"), ("campus_learners", "status"), ("referral_needs", "rating"),
        ("referral_people", "gender"), ("referral_sessions", "attendance"), ("referrals", "risk_level")]},
    **{key: "JSON copied from marked columns (their markers are searched for)" for key in [
        ("campus_cvs", "shared_snapshot"), ("campus_messages", "cv_snapshot"), ("referral_events", "changes"),
        ("outbox_messages", "payload")]},
    ("referral_searches", "text"): "the words of a dashboard search (the CRN and name markers, typed into the "
                                   "search box by plant_referral, are searched for)",
    ("referrals", "desired_outcomes"): "free text, but chosen from the service's own list of outcomes",
    ("referrals", "risk_plan_document"): "where the risk management plan is held (a document reference), set only "
                                         "by the escalation decision, which tests/referrals/test_risk_escalation.py "
                                         "covers",
    ("audit_events", "reason"): "an administrator's or staff member's reason, shown only to administrators",
    ("supply_expression_decisions", "comment"): "a note between organisations about an organisation, not a person",
    ("supply_invitations", "response_note"): "a note between organisations about an organisation, not a person",
    ("directory_problem_reports", "resolution_note"): "the provider's note on a report it resolved, shown only to the "
                                                      "provider and administrators (tests/directory/"
                                                      "test_problem_reports.py covers who reads it)",
    ("campus_interests", "reason"): "prison staff's reason for not taking an interest forward, shown only to that "
                                    "learner and their prison's staff (tests/campus/test_interests.py covers it)",
}


def test_every_personal_and_offence_column_has_a_marker_or_a_reason():
    marked = columns_marked(PERSONAL, OFFENCE)
    missing = marked - set(MARKERS) - set(NOT_PLANTED)
    assert not missing, f"plant a marker in these personal/offence columns (or say why not): {sorted(missing)}"
    assert not (set(MARKERS) | set(NOT_PLANTED)) - marked, "markers name columns that are not personal/offence"


# --- Recording what the app produced ---

class Recorder:
    """Every response any test client got, with the URL that was asked for."""

    def __init__(self):
        self.responses: list = []

    def install(self, monkeypatch):
        original = IsolatedClient.open
        recorder = self

        def open_and_record(client, *args, **kwargs):
            response = original(client, *args, **kwargs)
            recorder.responses.extend([*getattr(response, "history", ()), response])
            return response

        monkeypatch.setattr(IsolatedClient, "open", open_and_record)

    def urls(self) -> list[tuple[str, str]]:
        """(where, URL) for every URL the app produced or a browser would have requested."""
        found = []
        for response in self.responses:
            found.append(("request", response.request.url))
            if location := response.headers.get("Location"):
                found.append(("Location header", location))
            content_type = response.headers.get("Content-Type", "")
            if content_type.startswith("text/html"):
                for element in page(response).find_all(True):
                    for attr in ("href", "src", "action", "formaction", "srcset", "poster", "data-url"):
                        if element.get(attr):
                            found.append((f"<{element.name} {attr}> on {response.request.path}", element[attr]))
            elif content_type.startswith("application/json"):
                for value in _strings(response.get_json(silent=True)):
                    if value.startswith(("/", "http://", "https://")):
                        found.append((f"JSON from {response.request.path}", value))
        return found


    def session_cookies(self, app) -> list[tuple[str, str]]:
        """(where, contents) of every session cookie the app set, decoded: it is signed, not encrypted, so anyone
        holding it (a shared kiosk, a proxy's log, malware) can read it."""
        serializer = app.session_interface.get_signing_serializer(app)
        name = app.config["SESSION_COOKIE_NAME"]
        found = []
        for response in self.responses:
            for header in response.headers.getlist("Set-Cookie"):
                cookie_name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if cookie_name != name or not value:
                    continue
                try:
                    contents = json.dumps(serializer.loads(value), default=str)
                except Exception as exc:  # noqa: BLE001 - report what could not be read rather than skip it
                    contents = f"unreadable session cookie ({exc}): {value}"
                found.append((f"session cookie set by {response.request.path}", contents))
        return found


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def submit(client, response, form_id: str | None = None, **answers):
    """Submit a form as a browser would: its method and action, its hidden fields plus `answers`."""
    soup = page(response)
    form = soup.find("form", id=form_id) if form_id else soup.find("form", attrs={"role": "search"})
    data = {i["name"]: i.get("value", "") for i in form.find_all("input", {"type": "hidden"}) if i.get("name")}
    data.update(answers)
    action = urljoin(response.request.path, form.get("action") or response.request.path)
    if (form.get("method") or "get").lower() == "get":
        return client.get(action, query_string=data, follow_redirects=True)
    return client.post(action, data=data, follow_redirects=True)


# --- Searching the sinks ---

def _needles() -> dict[str, re.Pattern]:
    values = [*MARKERS.values(), LEARNER_NAME, REPLY_BODY, DATE_OF_BIRTH.isoformat()]
    needles = {}
    for value in values:
        for spelling in (value, *VARIANTS.get(value, [])):
            # Short codes (a postcode district) must stand alone, not sit inside a random token.
            needles[spelling] = re.compile(rf"(?<![A-Za-z0-9]){re.escape(spelling)}(?![A-Za-z0-9])", re.IGNORECASE)
    # Every text marker starts a word with "Zqx" or "zqx" and goes on in lower case (random ids do not).
    needles["Zqx... (any marker)"] = re.compile(r"(?<![A-Za-z0-9])[Zz]qx[a-z]{3}")
    return needles


def _decoded(text: str) -> list[str]:
    """The text, URL-decoded, and any base64 pieces of it decoded (signed tokens carry base64 payloads)."""
    out = [text, unquote_plus(text)]
    for piece in re.findall(r"[A-Za-z0-9_-]{8,}", text):
        try:
            out.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)).decode("utf-8", "ignore"))
        except (binascii.Error, ValueError):
            pass
    return out


def find_markers(sources: list[tuple[str, str]]) -> list[str]:
    needles = _needles()
    leaks = []
    for where, text in sources:
        for candidate in _decoded(text):
            for name, pattern in needles.items():
                if pattern.search(candidate):
                    leaks.append(f"{name!r} in {where}: {text[:200]!r}")
    return sorted(set(leaks))


def email_sources(app) -> tuple[list[tuple[str, str]], int]:
    sources = []
    files = sorted(Path(app.config["MAIL_DIRECTORY"]).glob("*.eml"))
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        subject = message["Subject"]
        for name, value in message.items():
            if name.lower() != "to":  # the recipient's own address is where the email goes
                sources.append((f"email header {name} ({subject})", str(value)))
        body = message.get_content()
        sources.append((f"email body ({subject})", body))
        sources += [(f"URL in email ({subject})", url) for url in re.findall(r"https?://\S+", body)]
    return sources, len(files)


def log_sources(caplog) -> list[tuple[str, str]]:
    sources = [("log output", caplog.text)]
    for record in caplog.records:
        sources.append((f"log record {record.name} {record.levelname}", record.getMessage()))
        if record.exc_text:
            sources.append((f"log traceback {record.name}", record.exc_text))
    return sources


def search_index_sources(app) -> list[tuple[str, str]]:
    backend = app.extensions.get("search_backend")
    if backend is not None and type(backend).__name__ == "MeiliBackend":
        import requests

        headers = {"Authorization": f"Bearer {backend._api_key}"}
        sources = []
        for index in requests.get(f"{backend._url}/indexes", headers=headers, timeout=10).json()["results"]:
            documents = requests.get(f"{backend._url}/indexes/{index['uid']}/documents?limit=10000", headers=headers,
                                     timeout=10).json()
            sources.append((f"Meilisearch index {index['uid']}", json.dumps(documents)))
        return sources
    path = Path(app.config["SEARCH_SQLITE_PATH"])
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
    # No file only when nothing in this test process has opened the index yet (a test run on its own)
    assert files or backend is None, "the embedded search index file was not found"
    return [(f"search index file {p.name}", p.read_bytes().decode("latin-1")) for p in files]


def assert_nothing_leaked(app, recorder: Recorder, caplog, *, min_emails: int, audit_actions: set[str]):
    _db.session.commit()
    while outbox.relay_once(batch_size=1000):
        pass
    events = list(_db.session.scalars(select(AuditEvent)))
    actions = {e.action for e in events}
    missing = audit_actions - actions
    assert not missing, f"expected these reads and changes to be audited: {sorted(missing)}"
    audit_details = [(f"audit details of {e.action}", json.dumps(e.details)) for e in events]
    audit_details += [(f"audit subject_ref of {e.action}", e.subject_ref or "") for e in events]
    emails, count = email_sources(app)
    assert count >= min_emails, f"only {count} emails were sent: the scenario did not run as expected"
    urls = [(f"URL ({where})", url) for where, url in recorder.urls()]
    cookies = recorder.session_cookies(app)
    assert cookies, "no session cookie was recorded: the scenario did not sign anyone in"
    report = {
        "session cookies": find_markers(cookies),
        "logs": find_markers(log_sources(caplog)),
        "search index": find_markers(search_index_sources(app)),
        "emails": find_markers(emails),
        "URLs": find_markers(urls),
        "audit log": find_markers(audit_details),
    }
    leaks = {sink: found for sink, found in report.items() if found}
    assert not leaks, "personal data escaped:\n" + json.dumps(leaks, indent=1)


def assert_planted(app, table_columns):
    """The markers really are in the database: otherwise the search above would prove nothing."""
    _db.session.commit()
    for table, column in table_columns:
        marker = MARKERS[(table, column)]
        values = [str(v) for v in _db.session.execute(
            select(_db.metadata.tables[table].c[column])).scalars() if v is not None]
        assert any(marker.lower() in v.lower() for v in values), f"{table}.{column} lacks {marker!r}: {values[:5]}"


@pytest.fixture
def watched(app, db, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    # SQL echo logs statement parameters by design; production never turns it on (SQLALCHEMY_ECHO is unset).
    assert not app.config.get("SQLALCHEMY_ECHO")
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    recorder = Recorder()
    recorder.install(monkeypatch)
    return recorder


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {factories.api_token(user)}"}


# --- The scenario: every domain that holds personal or offence data ---

def plant_accounts(app):
    visitor = app.test_client()
    visitor.post("/register", data={
        "organisation_name": "Zeta Housing Trust", "kind": "provider", "sector": "voluntary-community",
        "charity_number": "1187654", "company_number": "", "regions": ["north-east"],
        "contract_package_areas": ["northumbria"], "description": "Supported housing.",
        "name": MARKERS[("users", "name")], "email": MARKERS[("users", "email")],
        "password": "kettle lantern orchard"})
    outbox.relay_once(batch_size=1000)
    emails, _ = email_sources(app)
    link = next(url for where, url in emails if where.startswith("URL in email"))
    assert visitor.get(link.split("portal.test", 1)[-1], follow_redirects=True).status_code == 200
    owner = factories.user(role=Role.PROVIDER)
    client = app.test_client()
    factories.sign_in(client, owner)
    invited = client.post(f"/organisations/{owner.organisation.public_id}/invite",
                          data={"email": MARKERS[("invitations", "email")], "org_role": "caseworker"})
    assert invited.status_code == 302
    service = factories.published_service(index=False)
    reported = visitor.post(f"/services/{service.uuid}/report-a-problem", data={
        "message": MARKERS[("directory_problem_reports", "message")],
        "email": MARKERS[("directory_problem_reports", "reporter_email")]})
    assert reported.status_code == 302
    return ["users", "invitations", "directory_problem_reports"]


def plant_referral(app):
    service = factories.referrable_service()
    manager = factories._provider_manager(service.organisation)
    worker = factories.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=OrgRole.CASEWORKER)
    referrer = factories.user(role=Role.OFFENDER_MANAGER)
    admin = factories.user(role=Role.ADMIN)
    om, pm, cw = _bearer(referrer), _bearer(manager), _bearer(worker)
    api = app.test_client()
    answers = {**factories.COMPLETE_ANSWERS, "date_of_birth": DATE_OF_BIRTH.isoformat(),
               "consent_date": (date.today() - timedelta(days=1)).isoformat(),
               "first_name": MARKERS[("referral_people", "first_name")],
               "last_name": MARKERS[("referral_people", "last_name")], "crn": MARKERS[("referral_people", "crn")],
               "postcode": f"{MARKERS[('referral_people', 'postcode_district')]} 2QZ",
               "phone": MARKERS[("referral_people", "phone")],
               "referrer_phone": MARKERS[("referrals", "referrer_phone")],
               "interpreter_language": MARKERS[("referral_people", "interpreter_language")],
               "disability_needs": MARKERS[("referral_people", "disability_needs")],
               "caring_responsibilities": MARKERS[("referral_people", "caring_responsibilities")],
               "risk_summary": MARKERS[("referrals", "risk_summary")],
               "additional_information": MARKERS[("referrals", "additional_information")]}
    created = api.post("/api/v1/referrals", headers=om, json={"service_id": service.uuid, "answers": answers})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]

    def step(headers, **body):
        response = api.post(f"/api/v1/referrals/{rid}/transitions", headers=headers, json=body)
        assert response.status_code == 200, response.get_json()
        return response

    assert api.post(f"/api/v1/referrals/{rid}/send", headers=om).status_code == 200
    step(pm, action="accept")
    step(pm, action="assign", caseworker=worker.public_id)
    step(cw, action="book", appointment_at=(utcnow() + timedelta(days=2)).isoformat())
    step(cw, action="record_session", attendance="attended", notes=MARKERS[("referral_sessions", "notes")],
         session_at=(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    amended = api.post(f"/api/v1/referrals/{rid}/amendments", headers=om, json={
        "answers": {"availability": MARKERS[("referral_people", "availability")]},
        "reason": MARKERS[("referral_events", "comment")]})
    assert amended.status_code == 200, amended.get_json()
    step(cw, action="complete", achievements=["achieved"], report=MARKERS[("referrals", "end_of_service_report")])
    for headers in (om, pm, cw):
        assert api.get(f"/api/v1/referrals/{rid}", headers=headers).status_code == 200
        assert api.get("/api/v1/referrals", headers=headers).status_code == 200

    # The pages that show it, as each person involved, and the search box by CRN and by name.
    for person in (referrer, manager, worker):
        browser = app.test_client()
        factories.sign_in(browser, person)
        dashboard = browser.get("/referrals")
        assert dashboard.status_code == 200
        assert browser.get(f"/referrals/{rid}").status_code == 200
        for query in (MARKERS[("referral_people", "crn")], MARKERS[("referral_people", "last_name")]):
            found = submit(browser, dashboard, q=query)
            assert found.status_code == 200 and MARKERS[("referral_people", "last_name")] in found.text, query
    browser = app.test_client()
    factories.sign_in(browser, admin)
    export = browser.post("/admin/referrals/subject-access", data={"crn": MARKERS[("referral_people", "crn")]})
    assert export.status_code == 200 and MARKERS[("referral_people", "first_name")] in export.text
    return ["referral_people", "referrals", "referral_sessions", "referral_events"]


def plant_nomination(app):
    employer = employers.employer()
    opportunity = employers.opportunity(employer.organisation)
    practitioner = factories.user(role=Role.OFFENDER_MANAGER)
    om = app.test_client()
    factories.sign_in(om, practitioner)
    nominated = om.post(f"/opportunities/{opportunity.public_id}/nominate", data={
        "person_reference": MARKERS[("employer_nominations", "person_reference")],
        "first_name": MARKERS[("employer_nominations", "first_name")],
        "skills": MARKERS[("employer_nominations", "skills")],
        "training": MARKERS[("employer_nominations", "training")],
        "availability": MARKERS[("employer_nominations", "availability")],
        "interview_details": MARKERS[("employer_nominations", "interview_details")],
        "consent_method": "in-person", "consent": "y"})
    assert nominated.status_code == 302, nominated.status_code
    from portal.employers.models import Nomination

    public_id = _db.session.scalar(select(Nomination.public_id))
    boss = app.test_client()
    factories.sign_in(boss, employer)
    for browser, person in ((om, practitioner), (boss, employer)):
        assert browser.get("/nominations").status_code == 200
        assert browser.get(f"/nominations/{public_id}").status_code == 200
        assert browser.get("/api/v1/nominations", headers=_bearer(person)).status_code == 200
        assert browser.get(f"/api/v1/nominations/{public_id}", headers=_bearer(person)).status_code == 200
    today = utcnow().date()
    closed = om.post(f"/nominations/{public_id}/closed", data={
        "on_date-day": str(today.day), "on_date-month": str(today.month), "on_date-year": str(today.year),
        "reason": "withdrew", "note": MARKERS[("employer_nominations", "close_note")]})
    assert closed.status_code == 302
    assert boss.get(f"/nominations/{public_id}").status_code == 200
    return ["employer_nominations"]


def plant_campus(app):
    staff = campus.prison_staff()
    manager = factories.user(role=Role.OFFENDER_MANAGER)
    officer = app.test_client()
    factories.sign_in(officer, staff)
    created = officer.post("/campus/staff/learners/new", data={
        "name": LEARNER_NAME, "prison_number": MARKERS[("campus_learners", "prison_number")],
        "release_date": "", "release_area": "Yorkshire and the Humber"})
    assert created.status_code == 302
    from portal.campus.models import Learner, Message

    learner = _db.session.scalar(select(Learner))
    learner.offender_manager_id = manager.id
    _db.session.commit()
    learner_id = learner.public_id
    org = campus.organisation(name="Bright Kitchens")
    employer = campus.org_user(org)
    kiosk = app.test_client()
    kiosk_session = campus.sign_in_at_kiosk(kiosk, learner)
    kiosk_session_id = kiosk_session.public_id
    assert kiosk.post("/campus/cv", data={
        "personal_statement": MARKERS[("campus_cvs", "personal_statement")],
        "skills": MARKERS[("campus_cvs", "skills")], "references": MARKERS[("campus_cvs", "references")],
        "disclosure": MARKERS[("campus_cvs", "disclosure")]}).status_code == 302
    assert kiosk.post("/campus/cv/entries/new", data={
        "kind": "prison_work", "title": MARKERS[("campus_cv_entries", "title")],
        "place": MARKERS[("campus_cv_entries", "place")], "dates": MARKERS[("campus_cv_entries", "dates")],
        "description": MARKERS[("campus_cv_entries", "description")]}).status_code == 302
    assert kiosk.get("/campus/cv/pdf").status_code == 200
    assert kiosk.post("/campus/cv/share").status_code == 302
    for body in (MARKERS[("campus_messages", "body")], f"{MARKERS[('campus_messages', 'body')]} again"):
        sent = kiosk.post(f"/campus/messages/with/{org.public_id}/write", data={
            "subject": MARKERS[("campus_messages", "subject")], "body": body})
        assert sent.status_code == 302
    first, second = _db.session.scalars(select(Message.public_id).order_by(Message.id))
    assert officer.get("/campus/staff/messages").status_code == 200
    assert officer.post(f"/campus/staff/messages/{first}", data={"decision": "approve"}).status_code == 302
    assert officer.post(f"/campus/staff/messages/{second}", data={
        "decision": "stop", "reason": MARKERS[("campus_messages", "stop_reason")]}).status_code == 302
    inbox = app.test_client()
    factories.sign_in(inbox, employer)
    assert inbox.get("/campus/inbox").status_code == 200
    assert inbox.get(f"/campus/inbox/{first}").status_code == 200
    assert inbox.post(f"/campus/inbox/{first}", data={"body": REPLY_BODY}).status_code == 302
    reply = _db.session.scalar(select(Message.public_id).where(Message.direction == "to_learner"))
    assert officer.post(f"/campus/staff/messages/{reply}", data={"decision": "approve"}).status_code == 302
    assert kiosk.get(f"/campus/messages/with/{org.public_id}").status_code == 200
    assert officer.post(f"/campus/staff/learners/{learner_id}/block", data={
        "organisation": org.public_id, "reason": MARKERS[("campus_contact_blocks", "reason")]}
    ).status_code == 302
    assert officer.post(f"/campus/staff/learners/{learner_id}/messaging", data={
        "reason": MARKERS[("campus_learners", "messaging_suspended_reason")]}).status_code == 302
    assert officer.get(f"/campus/staff/learners/{learner_id}").status_code == 200
    assert officer.get("/campus/staff/learners").status_code == 200
    reader = app.test_client()
    factories.sign_in(reader, manager)
    assert reader.get("/campus/shared-cvs").status_code == 200
    assert reader.get(f"/campus/shared-cvs/{learner_id}.pdf").status_code == 200
    # Staff end the learner's session (the confirmation once named the learner, in the session cookie)
    assert officer.post(f"/campus/staff/sessions/{kiosk_session_id}/end").status_code == 302
    return ["campus_learners", "campus_cvs", "campus_cv_entries", "campus_messages", "campus_contact_blocks"]


@pytest.fixture(params=["embedded", "meilisearch"])
def search_engine(request):
    if request.param == "meilisearch":
        request.getfixturevalue("meili")  # skips, saying why, when the binary is absent
    return request.param


@pytest.mark.slow
def test_personal_data_stays_out_of_logs_search_emails_urls_and_audit_details(app, watched, caplog, search_engine):
    tables = plant_accounts(app) + plant_referral(app) + plant_nomination(app) + plant_campus(app)
    planted = [key for key in MARKERS if key[0] in tables and key[0] != "funding_donations"]
    assert_planted(app, planted)
    assert_nothing_leaked(app, watched, caplog, min_emails=8, audit_actions={
        "referral.viewed", "referral.list_viewed", "referral.amended", "referral.subject_access_export",
        "nomination.viewed", "campus.learner_created"})


@pytest.mark.slow
def test_gift_aid_details_stay_out_of_logs_emails_urls_stripe_and_audit_details(
        app, watched, caplog, stripe_on, monkeypatch):  # noqa: F811 - the imported fixture
    from tests.funding import factories as funding
    from tests.funding.test_donations import _pay as pay_with_card
    from tests.funding.test_donations import _wait_for as wait_for_state

    to_stripe = []
    send = stripe_on.request

    def send_and_keep(method, url, headers, post_data=None):
        to_stripe.append((f"request to Stripe {method} {url}", f"{url} {json.dumps(headers)} {post_data or ''}"))
        return send(method, url, headers, post_data)

    monkeypatch.setattr(stripe_on, "request", send_and_keep)

    owner = funding.finance_user(org_role=OrgRole.OWNER)
    funding.donations_on(owner.organisation)
    donor = app.test_client()
    donated = donor.post(f"/organisations/{owner.organisation.public_id}/donate", data={
        "amount": "25.00", "gift_aid": "y", "name": MARKERS[("funding_donations", "gift_aid_name")],
        "address": f"{MARKERS[('funding_donations', 'gift_aid_address')]}\nLeeds",
        "postcode": MARKERS[("funding_donations", "gift_aid_postcode")], "taxpayer": "y"}, follow_redirects=True)
    assert donated.status_code == 200
    from portal.funding.models import Donation

    donation = _db.session.scalar(select(Donation))
    assert donation.gift_aid and donation.payment_intent_id
    public_id = donation.public_id
    pay_with_card(app, donation, "pm_card_visa")  # what Stripe.js does; the signed webhook then marks it paid
    assert wait_for_state(_db, public_id, "paid").state == "paid"
    assert donor.get(f"/donations/{public_id}/receipt").status_code == 200
    finance = app.test_client()
    factories.sign_in(finance, owner)
    assert finance.get("/funding").status_code == 200
    assert_planted(app, [key for key in MARKERS if key[0] == "funding_donations"])
    # Nothing about the donor went to Stripe: not in any request the portal made.
    assert to_stripe and not find_markers(to_stripe)
    assert_nothing_leaked(app, watched, caplog, min_emails=0, audit_actions={"funding.donation_started"})

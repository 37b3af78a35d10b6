"""Learner pages: every one of them links only inside the campus and loads nothing from another host; content
is Markdown made safe and reaches learners only once published; progress; the CV builder; the market place."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.accounts.roles import OrgKind, Role
from portal.campus.models import ContentImage, CvEntry, Message, Progress
from tests import factories
from tests.campus import helpers
from tests.html import error_summary, field_error, h1, page

ADDRESS = re.compile(r"(https?:)?//|www\.|mailto:|tel:|[\w.+-]+@[\w-]+\.\w", re.IGNORECASE)
ALLOWED_PREFIXES = ("/campus/", "/static/", "#")


def _external_problems(html: str, url: str) -> list[str]:
    soup = page(type("R", (), {"get_data": lambda self, as_text=True: html})())
    problems = []
    for tag in soup.find_all(True):
        for attribute in ("href", "src", "action", "srcset", "poster", "data", "formaction", "content"):
            value = tag.get(attribute)
            if value is None or (tag.name == "meta" and attribute == "content"):
                continue
            if ADDRESS.search(value) or urlsplit(value).netloc:
                problems.append(f"{url}: <{tag.name} {attribute}={value}>")
            elif attribute in ("href", "src", "action") and value and not value.startswith(ALLOWED_PREFIXES) \
                    and not (tag.name == "form" and value == ""):
                problems.append(f"{url}: <{tag.name} {attribute}={value}> leads outside the campus")
    for element in soup.find_all(string=True):
        if element.parent.name not in ("script", "style") and ADDRESS.search(element):
            problems.append(f"{url}: text {element.strip()[:80]!r}")
    return problems


def _crawl(client, start: str) -> dict[str, str]:
    """Every page reachable from `start` by following links (GET only, never signing out)."""
    seen, queue, pages = set(), [start], {}
    while queue:
        url = queue.pop()
        if url in seen or url.startswith("/static/") or url.endswith((".pdf", "/pdf")) or "sign-out" in url:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for link in page(response).find_all("a", href=True):
            href = link["href"].split("#")[0]
            if href.startswith("/campus/"):
                queue.append(href)
    return pages


def test_every_learner_page_links_only_inside_the_campus_and_loads_nothing_from_elsewhere(client, db):
    org = helpers.organisation(name="Bright Kitchens", kind=OrgKind.EMPLOYER)
    factories.published_service(name="Leeds Housing Help", postcode="LS1 4AP",
                                description="Housing advice. Call 0113 496 0000 or visit www.leedshousing.example.org "
                                            "or email help@leedshousing.example.org.")
    helpers.content(body="Read [our guide](https://outside.example.org) and ![photo](https://outside.example.org/x.png)"
                         " and the [campus CV page](/campus/cv).")
    learner = helpers.learner(release_area="LS1")
    helpers.message(learner, org, state="approved")
    helpers.sign_in_at_kiosk(client, learner)
    pages = _crawl(client, "/campus/")
    assert {"/campus/", "/campus/learning", "/campus/cv", "/campus/market", "/campus/messages"} <= set(pages)
    assert any(url.startswith("/campus/market/services/") for url in pages), "the market place found no service"
    assert any(url.startswith("/campus/learning/lessons/") for url in pages)
    problems = [problem for url, html in pages.items() for problem in _external_problems(html, url)]
    assert not problems, "\n".join(problems)


def _in_the_campus_layout(response, url: str) -> list[str]:
    soup = page(response)
    problems = _external_problems(response.get_data(as_text=True), url)
    if "Virtual Campus" not in soup.title.get_text():
        problems.append(f"{url}: {response.status_code} drawn in the staff layout ({soup.title.get_text(strip=True)})")
    return problems


def test_every_error_a_learner_meets_is_drawn_in_the_campus_layout(app, client, db, monkeypatch):
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    from portal.campus import operations

    item = helpers.content()
    learner = helpers.learner()
    helpers.sign_in_at_kiosk(client, learner)
    seen = {}
    seen[404] = client.get("/campus/learning/no-such-guide")
    seen[403] = client.get("/campus/staff")
    seen[413] = client.post("/campus/cv", data={"personal_statement": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        seen[400] = client.post("/campus/cv", data={"personal_statement": "No token"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    for status, fault in ((409, StaleDataError("changed")), (500, RuntimeError("bug")),
                          (503, OperationalError("SELECT 1", {}, Exception("server closed the connection")))):
        def broken(*args, fault=fault, **kwargs):
            raise fault
        with monkeypatch.context() as patch:
            patch.setattr(operations, "progress_of", broken)
            seen[status] = client.get(f"/campus/learning/{item.public_id}")
    kiosk = app.test_client()  # someone at the kiosk trying codes until the kiosk stops them
    for n in range(25):
        response = kiosk.post("/campus/sign-in", data={"prison_number": f"B{1000 + n}CD", "code": "AAAAAA"})
        if response.status_code == 429:
            break
    seen[429] = response
    assert sorted(status for status, response in seen.items() if response.status_code == status) == \
        [400, 403, 404, 409, 413, 429, 500, 503], {status: r.status_code for status, r in seen.items()}
    problems = [problem for status, response in seen.items() for problem in _in_the_campus_layout(response, status)]
    assert not problems, "\n".join(problems)
    assert h1(seen[404]) == "Page not found"
    assert page(seen[404]).find("a", string="Go to the campus home page")["href"] == "/campus/"


def test_content_markdown_is_sanitised_and_links_stay_inside_the_campus(client, db):
    item = helpers.content(body="## Money\n\n<script>alert(1)</script>Click [here](javascript:alert(1)) or "
                                "[there](https://bank.example.org).\n\n<img src=x onerror=alert(1)>")
    helpers.sign_in_at_kiosk(client, helpers.learner())
    lesson = page(client.get(f"/campus/learning/lessons/{item.lessons[0].public_id}")).select_one(".app-lesson")
    html = str(lesson)
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<img" not in html
    assert "bank.example.org" not in html and "here" in lesson.get_text() and "there" in lesson.get_text()
    assert lesson.find("h2").get_text() == "Money"


def test_nothing_reaches_learners_until_published(client, db):
    draft = helpers.content(published=False, title="Secret draft")
    helpers.sign_in_at_kiosk(client, helpers.learner())
    assert "Secret draft" not in client.get("/campus/learning").get_data(as_text=True)
    assert client.get(f"/campus/learning/{draft.public_id}").status_code == 404
    assert client.get(f"/campus/learning/lessons/{draft.lessons[0].public_id}").status_code == 404


def test_a_learner_does_a_quiz_and_staff_see_their_progress(app, client, db):
    item = helpers.content()
    learner = helpers.learner()
    helpers.sign_in_at_kiosk(client, learner)
    url = f"/campus/learning/lessons/{item.lessons[0].public_id}"
    response = client.post(url, data={})
    assert response.status_code == 400
    assert error_summary(response) == ["Select an answer to question 1"]
    assert page(response).title.get_text().startswith("Error: ")
    assert db.session.scalar(select(Progress)) is None
    question = item.lessons[0].questions[0]
    assert client.post(url, data={f"question-{question.id}": "0"}).status_code == 302
    progress = db.session.scalar(select(Progress))
    assert (progress.score, progress.out_of) == (1, 1)
    assert "Completed (1 of 1 lesson)" in page(client.get("/campus/learning")).get_text(" ", strip=True)

    staff_client = app.test_client()
    factories.sign_in(staff_client, helpers.staff_of(learner))
    text = page(staff_client.get(f"/campus/staff/learners/{learner.public_id}")).get_text(" ", strip=True)
    assert f"{item.title}: Completed, 1 of 1 lessons" in text


def test_a_providers_guide_waits_for_an_administrator_before_learners_see_it(app, client, db, login_as):
    from portal.audit import AuditEvent
    from portal.campus.models import ContentItem

    author = login_as(Role.PROVIDER)
    response = client.post("/campus/content/new", data={"topic": "", "title": ""})
    assert response.status_code == 400 and error_summary(response) == ["Select a topic", "Enter a title"]
    client.post("/campus/content/new", data={"topic": "money", "title": "Budgeting", "summary": "Plan money."})
    item = db.session.scalar(select(ContentItem))
    assert item.organisation_id == author.organisation.id and item.state == "draft"
    client.post(f"/campus/content/{item.public_id}/submit")
    db.session.refresh(item)
    assert item.state == "draft"  # no lessons yet
    response = client.post(f"/campus/content/{item.public_id}/lessons/new",
                           data={"title": "Your week", "body": "Write it down.\nThen ring 0113 496 0000 for help."})
    assert response.status_code == 400
    assert field_error(response, "body").startswith("Remove the phone number from the lesson's text, line 2 (found in")
    client.post(f"/campus/content/{item.public_id}/lessons/new", data={"title": "Your week", "body": "Write it down."})
    assert client.post(f"/campus/content/{item.public_id}/publish").status_code == 302
    db.session.refresh(item)
    assert item.state == "draft"  # a provider cannot publish without review
    client.post(f"/campus/content/{item.public_id}/submit")
    db.session.refresh(item)
    assert item.state == "submitted" and item.submitted_by_id == author.id
    assert client.post(f"/campus/content/{item.public_id}/approve").status_code == 403  # not their own review
    response = client.post(f"/campus/content/lessons/{item.lessons[0].public_id}/edit",
                           data={"title": "Changed", "body": "Changed"})
    assert response.status_code == 400  # what was sent for review does not change

    learner_client = app.test_client()
    helpers.sign_in_at_kiosk(learner_client, helpers.learner())
    assert "Budgeting" not in learner_client.get("/campus/learning").get_data(as_text=True)

    admin = app.test_client()
    reviewer = factories.user(role=Role.ADMIN)
    factories.sign_in(admin, reviewer)
    queue = page(admin.get("/campus/content")).find(id="to-review")
    assert "Budgeting" in queue.get_text()
    response = admin.post(f"/campus/content/{item.public_id}/send-back", data={"note": ""})
    db.session.refresh(item)
    assert item.state == "submitted"  # a reason is needed
    admin.post(f"/campus/content/{item.public_id}/approve")
    db.session.refresh(item)
    assert item.state == "approved" and item.reviewed_by_id == reviewer.id
    client.post(f"/campus/content/{item.public_id}/publish")
    db.session.refresh(item)
    assert item.is_published and item.published_by_id == author.id
    assert "Budgeting" in learner_client.get("/campus/learning").get_data(as_text=True)
    steps = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == item.public_id)
                               .order_by(AuditEvent.id)).all()
    assert steps == ["campus.content_created", "campus.content_submit", "campus.content_approve",
                     "campus.content_publish"]
    client.post(f"/campus/content/{item.public_id}/withdraw")
    db.session.refresh(item)
    assert item.state == "draft"


def test_administrators_publish_their_own_content_and_contact_details_are_refused_where_found(client, db, login_as):
    from portal.campus.models import ContentItem

    login_as(Role.ADMIN)
    response = client.post("/campus/content/new", data={"topic": "money", "title": "Budgeting",
                                                        "summary": "Ask us at help (at) example (dot) org"})
    assert response.status_code == 400
    assert field_error(response, "summary") == ("Remove the email address from the summary (found in "
                                                "“ask us at help (at) example (dot) org”)")
    client.post("/campus/content/new", data={"topic": "money", "title": "Budgeting", "summary": "Plan money."})
    item = db.session.scalar(select(ContentItem))
    client.post(f"/campus/content/{item.public_id}/lessons/new", data={"title": "Your week", "body": "Write it down."})
    client.post(f"/campus/content/{item.public_id}/publish")
    db.session.refresh(item)
    assert item.is_published


def test_pictures_are_checked_and_served_from_the_campus(client, db, login_as):
    from PIL import Image

    login_as(Role.ADMIN)
    response = client.post("/campus/content/images", data={"alt_text": "A chart",
                                                           "image": (io.BytesIO(b"<svg></svg>"), "chart.svg")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and field_error(response, "image") == "The picture must be a PNG or JPG"
    assert db.session.scalar(select(ContentImage)) is None
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    response = client.post("/campus/content/images", data={"alt_text": "A blue square",
                                                           "image": (io.BytesIO(buffer.getvalue()), "blue.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    image = db.session.scalar(select(ContentImage))
    served = client.get(f"/campus/images/{image.public_id}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"


def test_the_cv_builder_saves_sections_and_makes_a_pdf(client, db):
    learner = helpers.learner()
    helpers.sign_in_at_kiosk(client, learner)
    response = client.post("/campus/cv/entries/new", data={"kind": "", "title": ""})
    assert response.status_code == 400
    assert error_summary(response) == ["Select what kind of entry this is",
                                       "Enter the job title, course or qualification"]
    assert db.session.scalar(select(CvEntry)) is None
    client.post("/campus/cv", data={"personal_statement": "Reliable and keen to learn. “Quotes” – dashes.",
                                    "skills": "Cooking\nFood hygiene", "references": "Available on request",
                                    "disclosure": "I made mistakes and have used my time well."})
    client.post("/campus/cv/entries/new", data={"kind": "prison_work", "title": "Kitchen orderly",
                                                "place": "Prison kitchen", "dates": "2023 to 2025",
                                                "description": "Cooked for 600 people."})
    assert "Kitchen orderly" in page(client.get("/campus/cv")).get_text()
    response = client.get("/campus/cv/pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    response = client.post("/campus/cv", data={"personal_statement": "x" * 3001})
    assert response.status_code == 400
    assert field_error(response, "personal_statement") == "Personal statement must be 3,000 characters or fewer"


def test_a_learner_shares_their_cv_with_their_offender_manager(app, client, db):
    learner = helpers.learner()
    manager = factories.user(role=Role.OFFENDER_MANAGER)
    learner.offender_manager_id = manager.id
    db.session.commit()
    helpers.sign_in_at_kiosk(client, learner)
    client.post("/campus/cv", data={"personal_statement": "Ready to work."})
    assert client.post("/campus/cv/share").status_code == 302
    om = app.test_client()
    factories.sign_in(om, manager)
    assert learner.name in page(om.get("/campus/shared-cvs")).get_text()
    assert om.get(f"/campus/shared-cvs/{learner.public_id}.pdf").data.startswith(b"%PDF")


def test_the_market_place_shows_services_in_the_release_area_and_interest_becomes_a_checked_message(client, db):
    factories.empty_search_index()
    near = factories.published_service(name="Leeds Employment Support", postcode="LS1 4AP")
    factories.published_service(name="Plymouth Employment Support", postcode="PL1 1AA")
    helpers.org_user(near.organisation)  # someone reads its campus inbox
    learner = helpers.learner(release_area="LS1")
    helpers.sign_in_at_kiosk(client, learner)
    text = page(client.get("/campus/market")).get_text(" ", strip=True)
    assert "Leeds Employment Support" in text and "Plymouth Employment Support" not in text
    service_page = client.get(f"/campus/market/services/{near.uuid}")
    assert h1(service_page) == "Leeds Employment Support"
    write = page(service_page).find("a", string=re.compile("I am interested"))["href"]
    form = client.get(write)
    assert page(form).find(id="subject")["value"] == "Interested in Leeds Employment Support"
    client.post(write, data={"subject": "Interested in Leeds Employment Support",
                             "body": "I am interested in your service after my release."})
    sent = db.session.scalar(select(Message))
    assert sent.organisation_id == near.organisation_id and sent.state == "waiting"


def test_the_market_place_search_asks_for_no_facet_counts_and_only_what_it_shows(client, db):
    from portal.campus import operations

    factories.empty_search_index()
    factories.published_service(name="Leeds Employment Support", postcode="LS1 4AP",
                                pathways=("education-training-employment",))
    learner = helpers.learner(release_area="LS1")

    result = operations.find_services(learner, "employment", "education-training-employment")

    assert [hit.document["name"] for hit in result.hits] == ["Leeds Employment Support"]
    assert result.facets == {}
    assert set(result.hits[0].document) <= {"id", "name", "organisation_name", "description"}


def test_the_market_place_shows_employer_opportunities_open_to_the_learner_near_their_release_area(client, db):
    from portal.campus import operations
    from portal.employers.models import Opportunity
    from tests.employers import factories as employers

    factories.empty_search_index()
    leeds = employers.opportunity(title="Warehouse operative", postcodes=("LS1 4AP",))
    employers.opportunity(title="Plymouth dock hand", postcodes=("PL1 1AA",))
    employers.opportunity(title="Only for another prison", postcodes=("LS1 4AP",), prison_codes=("BMI",))
    learner = helpers.learner(release_area="LS1")
    for opportunity in db.session.scalars(select(Opportunity)):
        operations.review_opportunity(factories.user(role=Role.ADMIN), opportunity, True)
    db.session.commit()
    helpers.sign_in_at_kiosk(client, learner)
    market = page(client.get("/campus/market"))
    offers = market.find(id="opportunities")
    assert [h.get_text(strip=True) for h in offers.find_all("h3")] == ["Warehouse operative"]
    write = offers.find("a")["href"]
    assert page(client.get(write)).find(id="subject")["value"] == "Interested in Warehouse operative"
    client.post(write, data={"subject": "Interested in Warehouse operative",
                             "body": "I have a forklift licence and am released in March."})
    sent = db.session.scalar(select(Message))
    assert sent.organisation_id == leeds.organisation_id and sent.state == "waiting"  # checked by staff first


def test_staff_create_learners_with_checked_details(client, db, login_as):
    login_as(Role.PRISON_STAFF)
    response = client.post("/campus/staff/learners/new", data={"name": "", "prison_number": "12345",
                                                               "release_date": "31 2 2030", "release_area": "ZZ99"})
    assert response.status_code == 400
    assert field_error(response, "name") == "Enter the learner's full name"
    assert field_error(response, "release_date") == "Release date must be a real date, like 27 3 2027"
    response = client.post("/campus/staff/learners/new", data={"name": "Sam Carter", "prison_number": "12345",
                                                               "release_date": "", "release_area": "ZZ99"})
    assert field_error(response, "prison_number") == "Enter a prison number in the correct format, like A1234BC"
    from portal.campus.models import Learner
    assert db.session.scalar(select(Learner)) is None
    response = client.post("/campus/staff/learners/new", data={"name": "Sam Carter", "prison_number": "a1234bc",
                                                               "release_date": "1 6 2030",
                                                               "release_area": "Yorkshire and the Humber"})
    assert response.status_code == 302
    learner = db.session.scalar(select(Learner))
    assert learner.prison_number == "A1234BC" and learner.release_area == "yorkshire-humber"
    assert learner.user.email is None and learner.user.role == Role.LEARNER


def test_the_market_place_first_visit_shows_no_problem_and_a_bad_filter_is_named(client, db):
    factories.empty_search_index()
    helpers.sign_in_at_kiosk(client, helpers.learner(release_area="LS1"))
    first = client.get("/campus/market")
    assert first.status_code == 200 and error_summary(first) == []
    assert not page(first).title.get_text().startswith("Error: ")
    chosen = client.get("/campus/market?q=&pathway=not-a-pathway")
    assert field_error(chosen, "pathway") == "Select what kind of help from the list"


def test_an_employers_opportunity_reaches_learners_only_once_checked_and_again_after_a_change(app, client, db):
    from portal.audit import AuditEvent
    from portal.employers.models import Opportunity
    from tests.employers import factories as employers

    factories.empty_search_index()
    offer = employers.opportunity(title="Kitchen porter", postcodes=("LS1 4AP",),
                                  description="Evening shifts. Text Dave on 07700 900 123 to apply.")
    learner = helpers.learner(release_area="LS1")
    staff = helpers.staff_of(learner)
    helpers.sign_in_at_kiosk(client, learner)

    def offers():
        found = page(client.get("/campus/market")).find(id="opportunities")
        return [h.get_text(strip=True) for h in found.find_all("h3")] if found else []

    assert offers() == []  # waiting for a check
    checker = app.test_client()
    factories.sign_in(checker, staff)
    queue = page(checker.get("/campus/opportunities")).find(id="opportunities-to-check")
    assert "Kitchen porter" in queue.get_text()
    url = f"/campus/opportunities/{offer.public_id}"
    response = checker.post(url, data={"decision": "approve"})
    assert response.status_code == 400
    assert error_summary(response)[0].startswith("Remove the phone number from the description (found in")
    assert offers() == []
    response = checker.post(url, data={"decision": "refuse", "reason": ""})
    assert error_summary(response) == ["Enter the reason for not showing this opportunity to learners"]

    offer = db.session.scalar(select(Opportunity))
    offer.description = "Evening shifts in our city centre kitchen."
    db.session.commit()
    assert checker.post(url, data={"decision": "approve"}).status_code == 302
    assert offers() == ["Kitchen porter"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campus.opportunity_approved")).actor_id \
        == staff.id

    offer.description = "Evening shifts. Find us on snap: kitchen_dave"  # changed after the check
    db.session.commit()
    assert offers() == []
    assert "Kitchen porter" in page(checker.get("/campus/opportunities")).get_text()


def test_only_administrators_and_staff_at_a_prison_it_is_open_to_check_an_opportunity(app, client, db, login_as):
    from tests.employers import factories as employers

    offer = employers.opportunity(title="Only for Belmarsh", prison_codes=("BMI",))
    login_as(helpers.prison_staff("LEI"))
    assert client.get(f"/campus/opportunities/{offer.public_id}").status_code == 404
    assert "Only for Belmarsh" not in client.get("/campus/opportunities").get_data(as_text=True)
    other = app.test_client()
    factories.sign_in(other, helpers.org_user(offer.organisation))
    assert other.get("/campus/opportunities").status_code == 403

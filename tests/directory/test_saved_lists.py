"""Saved lists: signed-in staff save services to named lists, look after them and send them by email. A list
is its owner's alone: anyone else is told it does not exist."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.directory.models import ListingState, SavedList
from tests import factories
from tests.html import banner, error_summary, field_error, h1, page
from tests.mail import inbox


@pytest.fixture(autouse=True)
def search_engine(db):
    factories.empty_search_index()
    yield
    factories.empty_search_index()


def lists_of(user) -> dict[str, list[str]]:
    factories.db.session.expire_all()
    found = factories.db.session.scalars(select(SavedList).where(SavedList.user_id == user.id))
    return {saved.name: [item.service.name for item in saved.items] for saved in found}


def list_rows(response) -> list[str]:
    return [row.select_one("td").get_text(" ", strip=True) for row in page(response).select("tbody tr")]


def test_an_offender_manager_saves_a_service_to_a_new_list_and_sees_it(client, login_as):
    officer = login_as(Role.OFFENDER_MANAGER)
    service = factories.published_service(name="Leeds Night Shelter")

    on_page = page(client.get(f"/services/{service.uuid}"))
    save_link = on_page.find("a", string="Save to a list")["href"]
    form = client.get(save_link)
    assert h1(form) == "Save to a list"
    assert page(form).find("input", {"name": "new_list_name"})  # no lists yet: just name the first one

    response = client.post(save_link, data={"saved_list": "new", "new_list_name": "  Housing in Leeds "})

    assert response.status_code == 302 and response.headers["Location"] == f"/services/{service.uuid}"
    saved_banner = banner(client.get(response.headers["Location"]))
    assert "Leeds Night Shelter has been saved to ‘Housing in Leeds’" in saved_banner
    assert lists_of(officer) == {"Housing in Leeds": ["Leeds Night Shelter"]}
    lists = client.get("/lists")
    assert list_rows(lists) == ["Housing in Leeds"]
    saved = client.get(page(lists).find("a", string="Housing in Leeds")["href"])
    assert h1(saved) == "Housing in Leeds"
    assert page(saved).find("a", string="Leeds Night Shelter")["href"] == f"/services/{service.uuid}"


def test_a_second_service_goes_into_a_chosen_list_or_another_new_one(client, login_as):
    officer = login_as(Role.PRISON_STAFF)
    first, second, third = (factories.published_service(name=n, index=False) for n in ("Beds", "Jobs", "Money"))
    housing = factories.saved_list(officer, first, name="Housing")

    form = page(client.get(f"/services/{second.uuid}/save"))
    assert [label.get_text(strip=True) for label in form.select(".govuk-radios__label")] == ["Housing", "A new list"]

    assert client.post(f"/services/{second.uuid}/save", data={"saved_list": housing.uuid}).status_code == 302
    assert client.post(f"/services/{third.uuid}/save",
                       data={"saved_list": "new", "new_list_name": "Money"}).status_code == 302
    assert lists_of(officer) == {"Housing": ["Beds", "Jobs"], "Money": ["Money"]}


@pytest.mark.parametrize("data, field, message", [
    ({}, "saved_list", "Select a list, or choose to start a new one"),
    ({"saved_list": "new", "new_list_name": "   "}, "new_list_name", "Enter a name for the new list"),
    ({"saved_list": "new", "new_list_name": "housing"}, "new_list_name",
     "You already have a list called ‘housing’. Choose it, or use another name"),
    ({"saved_list": "new", "new_list_name": "x" * 101}, "new_list_name", "List name must be 100 characters or fewer"),
    ({"saved_list": "LIST"}, "saved_list", "This service is already in ‘Housing’. Choose another list"),
    ({"saved_list": "SOMEONE ELSE'S"}, "saved_list", "Select a list, or choose to start a new one"),
])
def test_saving_explains_what_to_fix(client, login_as, data, field, message):
    officer = login_as(Role.OFFENDER_MANAGER)
    service = factories.published_service(index=False)
    housing = factories.saved_list(officer, service, name="Housing")
    someone_elses = factories.saved_list(factories.user(role=Role.OFFENDER_MANAGER), name="Theirs")
    data = {k: {"LIST": housing.uuid, "SOMEONE ELSE'S": someone_elses.uuid}.get(v, v) for k, v in data.items()}

    response = client.post(f"/services/{service.uuid}/save", data=data)

    assert response.status_code == 400
    assert field_error(response, field) == message
    assert error_summary(response) == [message]
    assert lists_of(officer) == {"Housing": [service.name]}


def test_saving_is_for_signed_in_staff_only(client, login_as):
    service = factories.published_service(index=False)
    anonymous = client.get(f"/services/{service.uuid}")
    assert page(anonymous).find("a", string="Save to a list") is None
    redirect = client.get(f"/services/{service.uuid}/save")
    assert redirect.status_code == 302 and "/sign-in" in redirect.headers["Location"]
    assert client.get("/lists").status_code == 302

    # Learners never reach the directory's pages: outside a kiosk session the campus gate signs them out.
    for path in (f"/services/{service.uuid}/save", "/lists"):
        login_as(Role.LEARNER)
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/campus/signed-out")


def test_a_listing_that_is_not_public_cannot_be_saved(client, login_as):
    login_as(Role.OFFENDER_MANAGER)
    service = factories.published_service(index=False)
    service.state = ListingState.WITHDRAWN
    factories.db.session.commit()
    assert client.get(f"/services/{service.uuid}/save").status_code == 404


def test_removing_a_service_and_deleting_a_list(client, login_as):
    officer = login_as(Role.PROVIDER)
    beds, jobs = factories.published_service(name="Beds", index=False), factories.published_service(name="Jobs",
                                                                                                    index=False)
    saved = factories.saved_list(officer, beds, jobs, name="Mixed")

    response = client.post(f"/lists/{saved.uuid}/remove/{beds.uuid}")
    assert response.status_code == 302
    assert "Beds has been removed from ‘Mixed’" in banner(client.get(response.headers["Location"]))
    assert lists_of(officer) == {"Mixed": ["Jobs"]}

    confirm = client.get(f"/lists/{saved.uuid}/delete")
    assert h1(confirm) == "Are you sure you want to delete ‘Mixed’?"
    deleted = client.post(f"/lists/{saved.uuid}/delete")
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/lists"
    assert "‘Mixed’ has been deleted" in banner(client.get("/lists"))
    assert lists_of(officer) == {}
    assert "You have no saved lists" in page(client.get("/lists")).get_text()


def test_a_service_no_longer_listed_stays_in_the_list_without_a_link(client, login_as):
    officer = login_as(Role.OFFENDER_MANAGER)
    gone = factories.published_service(name="Closed Project", index=False)
    saved = factories.saved_list(officer, gone)
    gone.state = ListingState.WITHDRAWN
    factories.db.session.commit()

    response = client.get(f"/lists/{saved.uuid}")

    assert list_rows(response) == ["Closed Project No longer listed"]
    assert page(response).find("a", string="Closed Project") is None


@pytest.mark.parametrize("method, path", [
    ("GET", "/lists/{list}"), ("GET", "/lists/{list}/email"), ("POST", "/lists/{list}/email"),
    ("GET", "/lists/{list}/delete"), ("POST", "/lists/{list}/delete"), ("POST", "/lists/{list}/remove/{service}"),
])
def test_someone_elses_list_does_not_exist_for_you(client, login_as, method, path):
    owner = factories.user(role=Role.OFFENDER_MANAGER, name="Priya Shah")
    service = factories.published_service(index=False)
    saved = factories.saved_list(owner, service, name="Private list")
    login_as(Role.OFFENDER_MANAGER)

    response = client.open(path.format(list=saved.uuid, service=service.uuid), method=method,
                           data={"email": "someone@example.org"})

    assert response.status_code == 404
    assert "Private list" not in response.get_data(as_text=True)
    assert lists_of(owner) == {"Private list": [service.name]}
    assert inbox("someone@example.org") == []


def test_a_list_is_sent_by_email_with_a_link_to_each_service_and_nothing_personal(app, client, login_as):
    officer = login_as(Role.OFFENDER_MANAGER, name="Priya Shah")
    beds, jobs = factories.published_service(name="Leeds Beds", index=False), factories.published_service(
        name="Leeds Jobs", pathways=("education-training-employment",), index=False)
    gone = factories.published_service(name="Closed Project", index=False)
    saved = factories.saved_list(officer, beds, jobs, gone, name="Options for Leeds")
    gone.state = ListingState.WITHDRAWN
    factories.db.session.commit()

    list_page = page(client.get(f"/lists/{saved.uuid}"))
    form = client.get(list_page.find("a", string="Send this list by email")["href"])
    assert h1(form) == "Send this list by email"
    response = client.post(f"/lists/{saved.uuid}/email", data={"email": "key.worker@example.org"})

    assert response.status_code == 302
    assert "We have sent ‘Options for Leeds’ (2 services) to key.worker@example.org" in banner(
        client.get(response.headers["Location"]))
    [email] = inbox("key.worker@example.org")
    body = email.get_content()
    assert email["Subject"] == "A list of resettlement services"
    assert "Options for Leeds" in body
    assert f"http://portal.test/services/{beds.uuid}" in body and f"http://portal.test/services/{jobs.uuid}" in body
    assert "Leeds Beds" in body and "Leeds Jobs" in body
    assert "Closed Project" not in body and gone.uuid not in body
    assert "Priya Shah" not in body and officer.email not in body


@pytest.mark.parametrize("email, message", [
    ("", "Enter the email address to send the list to"),
    ("not-an-email", "Enter an email address in the correct format, like name@example.com"),
    ("a@example.org\r\nBcc: x@example.org", "Email address must be on one line, without special characters"),
])
def test_sending_a_list_needs_a_real_email_address(client, login_as, email, message):
    officer = login_as(Role.OFFENDER_MANAGER)
    saved = factories.saved_list(officer, factories.published_service(index=False))

    response = client.post(f"/lists/{saved.uuid}/email", data={"email": email})

    assert response.status_code == 400
    assert field_error(response, "email") == message


def test_a_list_with_nothing_listed_cannot_be_sent(client, login_as):
    officer = login_as(Role.OFFENDER_MANAGER)
    gone = factories.published_service(index=False)
    saved = factories.saved_list(officer, gone)
    gone.state = ListingState.WITHDRAWN
    factories.db.session.commit()

    assert page(client.get(f"/lists/{saved.uuid}")).find("a", string="Send this list by email") is None
    response = client.post(f"/lists/{saved.uuid}/email", data={"email": "a@example.org"})
    assert response.status_code == 400
    assert field_error(response, "email") == "There are no services in this list to send"
    assert inbox("a@example.org") == []

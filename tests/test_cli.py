"""Operators' commands."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role


def test_users_create_makes_a_user_who_can_sign_in(app, db, client, make):
    org = make.organisation(name="Harbour Lights")
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "Pat@Example.org", "--name", "Pat Provider", "--role", "provider",
        "--organisation", "harbour lights", "--password", "kettle lantern orchard"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "pat@example.org"))
    assert user.organisation.id == org.id
    assert client.post("/sign-in", data={"email": "pat@example.org", "password": "kettle lantern orchard"}
                       ).status_code == 302


def test_users_create_prompts_for_the_password_when_not_given(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "om@example.org", "--name", "Olu", "--role", "offender_manager",
              "--probation-region", "london"], input="kettle lantern orchard\nkettle lantern orchard\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "om@example.org"))
    assert user.probation_region.name == "London"


def test_users_create_refuses_bad_input_and_says_why(app, db):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--email", "a@example.org", "--name", "A", "--role", "admin",
                               "--password", "too short"])
    assert weak.exit_code == 1 and "Password must be 15 characters or more" in weak.output
    no_org = runner.invoke(args=["users", "create", "--email", "b@example.org", "--name", "B", "--role",
                                 "employer", "--password", "kettle lantern orchard"])
    assert no_org.exit_code == 1 and "needs an organisation" in no_org.output
    bad_role = runner.invoke(args=["users", "create", "--email", "c@example.org", "--name", "C", "--role", "wizard",
                                   "--password", "kettle lantern orchard"])
    assert bad_role.exit_code == 2
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_tokens_create_prints_the_token_alone_on_the_last_line(app, db, client, make):
    user = make.user(role=Role.LEAD_PROVIDER)
    result = app.test_cli_runner().invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("rpp_") and " " not in token
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()["id"] == user.public_id


def test_seed_demo_loads_one_sign_in_per_role_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    # The directory's size is not what this test is about (tests/directory/test_import_export.py loads all of it)
    first = runner.invoke(args=["seed", "--demo", "--services", "300"])
    assert first.exit_code == 0, first.output
    for role in ("admin", "offender_manager", "provider", "lead_provider", "employer", "prison_staff"):
        assert role in first.output
    counts = (db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(Organisation)))
    assert runner.invoke(args=["seed", "--demo", "--services", "300"]).exit_code == 0
    assert counts == (db.session.scalar(select(func.count()).select_from(User)),
                      db.session.scalar(select(func.count()).select_from(Organisation)))
    code = runner.invoke(args=["users", "code", "admin@demo.example.org"])
    assert code.exit_code == 0 and code.output.strip().isdigit()
    refused = runner.invoke(args=["users", "code", "someone@example.org"])
    assert refused.exit_code == 1


def test_outbox_run_once_delivers_what_is_due(app, db, client):
    client.post("/forgot-password", data={"email": "nobody@example.org"})  # sends nothing
    from tests.factories import user as make_user

    u = make_user(role=Role.PROVIDER)
    client.post("/forgot-password", data={"email": u.email})
    result = app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0 and "Delivered 1 message(s)" in result.output


def test_users_disable_ends_every_session_and_sign_in(app, db, client, make, login_as):
    user = login_as(Role.EMPLOYER)
    assert client.get("/dashboard").status_code == 200
    result = app.test_cli_runner().invoke(args=["users", "disable", user.email, "--reason", "left the company"])
    assert result.exit_code == 0, result.output
    assert client.get("/dashboard").status_code == 302
    assert client.post("/sign-in", data={"email": user.email, "password": "correct horse battery staple"}
                       ).status_code == 400


def test_public_ids_can_be_typed_as_command_arguments(monkeypatch):
    """An id starting with "-" reads as an option to every command that takes one (it failed `funding export`)."""
    from portal import database
    drawn = iter(["-6abcdefghijklmn", "_xyzabcdefghijkl", "Q7abcdefghijklmn"])
    monkeypatch.setattr(database.secrets, "token_urlsafe", lambda size: next(drawn))
    assert database.new_public_id() == "Q7abcdefghijklmn"

"""Mixed traffic for `make loadtest` (run by bench/loadtest.py, which passes the settings in the environment).

- Public visitors search the directory by text, pathway and postcode, open services and read the Open Referral
  feed.
- Offender managers' case-management systems create referrals through the API and send them.
- Providers' systems take sent referrals through accept -> assign -> book -> session -> complete; two providers
  may reach for the same referral: the loser gets a 409, which is the portal working, not an error.
- Provider staff work their dashboards in the browser (signed in with the form and its CSRF token).
- Employers sign in and look at their dashboard, the Alliance page and the opportunities.
- Learners at a prison kiosk browse the campus in a session prison staff opened for them.
"""
from __future__ import annotations

import json
import os
import random
import re
from datetime import UTC, datetime, timedelta

from locust import HttpUser as _LocustHttpUser
from locust import between, task

SETTINGS = json.loads(os.environ["LOADTEST_SETTINGS"])
WORDS = ["housing", "employment", "debt", "mentoring", "women", "family", "drug", "alcohol", "benefits", "training"]
PATHWAYS = ["accommodation", "education-training-employment", "finance-benefit-debt", "drugs-alcohol",
            "children-families", "attitudes-thinking-behaviour", "health"]
POSTCODES = ["LS1 4AP", "M1 1AA", "NE1 4ST", "B1 1AA", "SW1A 1AA", "CF10 1AA", "BS1 4DJ"]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else ""


class HttpUser(_LocustHttpUser):
    """Locust's user, trusting the certificate authority in REQUESTS_CA_BUNDLE (the production shape's nginx
    serves HTTPS with a certificate of the run's own authority; Locust's client does not read that variable)."""
    abstract = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if os.environ.get("REQUESTS_CA_BUNDLE"):
            self.client.verify = os.environ["REQUESTS_CA_BUNDLE"]


def _same_origin(host: str) -> dict:
    """A browser's Referer on a form post (Flask-WTF requires one on HTTPS; the portal's policy lets it through)."""
    return {"Referer": f"{host.rstrip('/')}/"}


def _api(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


class PublicVisitor(HttpUser):
    weight = 5
    wait_time = between(0.5, 2)

    @task(4)
    def search_text(self):
        self.client.get(f"/services?q={random.choice(WORDS)}", name="directory: text search")

    @task(2)
    def search_filters(self):
        self.client.get(f"/services?pathway={random.choice(PATHWAYS)}&postcode={random.choice(POSTCODES)}&miles=25",
                        name="directory: pathway near a postcode")

    @task(2)
    def service(self):
        self.client.get(f"/services/{random.choice(SETTINGS['services'])}", name="directory: a service")

    @task(1)
    def feed(self):
        self.client.get(f"/api/oruk/services?search={random.choice(WORDS)}&per_page=20", name="feed: search")


class OffenderManagerSystem(HttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    @task
    def refer(self):
        headers = _api(SETTINGS["om_token"])
        n = random.randint(0, 999_999)
        answers = {
            "first_name": "Load", "last_name": f"Test {n}", "crn": f"L{n:06d}", "date_of_birth": "1990-05-17",
            "gender": "not-stated", "in_custody": False, "postcode": random.choice(POSTCODES),
            "availability": "Weekday mornings", "arson_conviction": False, "sexual_offence_conviction": False,
            "needs": [{"pathway": "accommodation", "rating": "red"}], "desired_outcomes": ["Settled accommodation"],
            "risk_level": "low", "mappa": False, "risk_summary": "No concerns.", "consent_given": True,
            "consent_date": datetime.now(UTC).date().isoformat(), "consent_method": "in-person",
            "referrer_phone": "0113 496 0000"}
        created = self.client.post("/api/v1/referrals", headers=headers, name="referrals: create draft",
                                   data=json.dumps({"service_id": SETTINGS["referral_service"], "answers": answers}))
        if created.status_code != 201:
            return
        self.client.post(f"/api/v1/referrals/{created.json()['id']}/send", headers=headers, data="{}",
                         name="referrals: send")

    @task
    def list_sent(self):
        self.client.get("/api/v1/referrals?state=sent&per_page=25", headers=_api(SETTINGS["om_token"]),
                        name="referrals: list (offender manager)")


class ProviderSystem(HttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.me = self.client.get("/api/v1/me", headers=_api(SETTINGS["provider_token"]), name="api: me").json()["id"]

    def _step(self, referral: dict, action: str, **data) -> dict | None:
        with self.client.post(f"/api/v1/referrals/{referral['id']}/transitions",
                              headers=_api(SETTINGS["provider_token"]),
                              data=json.dumps({"action": action, "version": referral["version"], **data}),
                              name=f"referrals: {action}", catch_response=True) as response:
            if response.status_code == 409 or (response.status_code == 400 and "Refresh the page" in response.text):
                # Someone else acted first (a clash, or the list was already out of date): the portal said so
                # and nothing was lost
                response.success()
                return None
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()

    @task
    def work_a_referral(self):
        listed = self.client.get("/api/v1/referrals?state=sent&per_page=25", headers=_api(SETTINGS["provider_token"]),
                                 name="referrals: list (provider)")
        waiting = listed.json().get("referrals", []) if listed.status_code == 200 else []
        if not waiting:
            return
        referral = self._step(random.choice(waiting), "accept")
        if referral:
            referral = self._step(referral, "assign", caseworker=self.me)
        if referral:
            referral = self._step(referral, "book",
                                  appointment_at=(datetime.now(UTC) + timedelta(days=2)).isoformat())
        if referral:
            referral = self._step(referral, "record_session", attendance="attended", notes="Went well",
                                  session_at=(datetime.now(UTC) - timedelta(minutes=5)).isoformat())
        if referral:
            self._step(referral, "complete", achievements=["achieved"], report="Housed.")


class _SignedIn(HttpUser):
    abstract = True
    email = ""

    def on_start(self):
        form = self.client.get("/sign-in", name="sign in (form)")
        self.client.post("/sign-in", name="sign in", headers=_same_origin(self.host), data={
            "csrf_token": _csrf(form.text), "email": self.email, "password": SETTINGS["password"]})


class ProviderStaff(_SignedIn):
    weight = 1
    wait_time = between(1, 3)
    email = SETTINGS["provider_email"]

    @task(3)
    def dashboard(self):
        self.client.get("/referrals", name="referrals: provider dashboard")

    @task(1)
    def open_tab(self):
        self.client.get("/referrals?tab=open", name="referrals: provider dashboard (open)")


class Employer(_SignedIn):
    weight = 1
    wait_time = between(1, 3)
    email = SETTINGS["employer_email"]

    @task
    def dashboard(self):
        self.client.get("/employer/dashboard", name="employers: dashboard")

    @task
    def alliance(self):
        self.client.get("/alliance", name="employers: Alliance page")

    @task
    def opportunities(self):
        self.client.get("/employer/opportunities", name="employers: their opportunities")


class Learner(HttpUser):
    """A learner at a kiosk: signs in with the one-time code of a session staff opened (bench/loadtest.py opens
    one per simulated learner) and browses the campus."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        if not SETTINGS["kiosk_codes"]:
            raise RuntimeError("more simulated learners than kiosk sessions opened: raise --learners")
        prison_number, code = SETTINGS["kiosk_codes"].pop()
        form = self.client.get("/campus/sign-in", name="campus: kiosk sign-in (form)")
        self.client.post("/campus/sign-in", name="campus: kiosk sign-in", headers=_same_origin(self.host), data={
            "csrf_token": _csrf(form.text), "prison_number": prison_number, "code": code})

    @task(2)
    def home(self):
        self.client.get("/campus/", name="campus: home")

    @task(2)
    def learning(self):
        self.client.get("/campus/learning", name="campus: learning")

    @task(1)
    def market(self):
        self.client.get("/campus/market", name="campus: market place")

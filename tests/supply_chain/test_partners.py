"""The partner database for lead providers and administrators: search with facet counts, an entry with its
evidence, shortlists, CSV exports, invitations into a supply chain, the supply chain page, and coverage."""
from __future__ import annotations

import csv
import io

import pytest

from portal.accounts.roles import Role
from portal.extensions import db
from portal.supply_chain import operations
from portal.supply_chain.models import InvitationState, PartnershipInvitation, Shortlist
from tests.html import error_summary, field_error, h1, page
from tests.mail import inbox
from tests.supply_chain import factories as supply


def names(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("#results h3 a")]


def count_of(response, facet: str, code: str) -> int:
    label = page(response).find("input", {"name": facet, "value": code}).find_next("label").get_text(strip=True)
    return int(label.rsplit("(", 1)[1].rstrip(")").replace(",", ""))


@pytest.fixture
def entries(db):
    """Three published entries, one draft, one rejected and one expired: only the three are ever found."""
    published = [
        supply.expression(name="Harbour Mentoring Trust"),
        supply.expression(name="Mersey Women's Centre", specialisms=["women"], pathways=["women-abuse-violence"],
                          sector="social-enterprise", income_band="medium", risk_appetite="none"),
        supply.expression(name="Pennine Housing Link", cpas=["west-yorkshire"], pathways=["accommodation"],
                          specialisms=["young-adults"], risk_appetite="full", settings=["community"]),
    ]
    supply.expression(name="Secret Draft Charity", state="draft")
    supply.expression(name="Rejected Example Group", state="rejected")
    supply.expire(supply.expression(name="Expired Example Trust"))
    return published


@pytest.fixture
def lead(login_as):
    return login_as(Role.LEAD_PROVIDER)


def test_lead_providers_find_only_published_unexpired_entries_with_facet_counts(client, entries, lead):
    response = client.get("/partners")
    assert response.status_code == 200
    assert names(response) == ["Harbour Mentoring Trust", "Mersey Women's Centre", "Pennine Housing Link"]
    assert page(response).find(id="results-count").get_text(strip=True) == "3 organisations found"
    assert count_of(response, "cpa", "merseyside") == 2 and count_of(response, "cpa", "west-yorkshire") == 1
    assert count_of(response, "region", "north-west") == 2  # from the areas declared
    assert count_of(response, "risk", "full") == 1 and count_of(response, "specialism", "women") == 1

    filtered = client.get("/partners?cpa=merseyside&risk=share")
    assert names(filtered) == ["Harbour Mentoring Trust"]
    # A facet is counted over the entries matching every other filter: ticking another area would add one.
    assert count_of(filtered, "cpa", "west-yorkshire") == 0 and count_of(filtered, "cpa", "merseyside") == 1
    assert count_of(filtered, "risk", "none") == 1
    either = client.get("/partners?risk=share&risk=full")
    assert names(either) == ["Harbour Mentoring Trust", "Pennine Housing Link"]
    assert names(client.get("/partners?q=veterans")) == ["Harbour Mentoring Trust", "Mersey Women's Centre",
                                                         "Pennine Housing Link"]
    assert names(client.get("/partners?q=women+mersey")) == ["Mersey Women's Centre"]
    assert names(client.get("/partners?q=secret")) == []
    assert names(client.get("/partners?q=_")) == [] and names(client.get("/partners?q=%25%25")) == []  # not LIKE
    assert names(client.get('/partners?sector=public" OR 1=1 --')) == names(response)  # unknown values are ignored
    for field in ("pathway", "setting", "size"):
        assert page(response).find("input", {"name": field}) is not None


def test_a_lead_provider_cannot_see_unpublished_entries(client, make, lead):
    for state in ("draft", "submitted", "in_review", "returned", "rejected"):
        entry = supply.expression(state=state)
        assert client.get(f"/partners/{entry.public_id}").status_code == 404, state
        assert client.get(f"/partners/{entry.public_id}/shortlist").status_code == 404, state
        assert client.get(f"/partners/{entry.public_id}/invite").status_code == 404, state
        assert client.get(f"/admin/expressions-of-interest/{entry.latest_version.public_id}").status_code == 404


def test_an_entry_shows_its_evidence_and_approval_date(client, make, lead):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="draft")
    supply.document(entry, owner, filename="Safeguarding policy.pdf", kind="safeguarding")
    admin = make.user(role=Role.ADMIN)
    operations.submit(entry, owner)
    operations.start_review(entry.latest_version, admin)
    operations.decide(entry.latest_version, admin, "publish")
    db.session.commit()
    response = client.get(f"/partners/{entry.public_id}")
    assert h1(response) == "Harbour Mentoring Trust"
    assert page(response).find(id="approved").get_text(strip=True).startswith("Approved on ")
    link = page(response).select_one("#documents a")
    assert "Safeguarding policy.pdf" in link.get_text() and client.get(link["href"]).status_code == 200


def test_search_results_and_shortlists_export_to_csv_safely(client, lead):
    evil = supply.expression(name="=HYPERLINK(\"http://x.invalid\")", description="@SUM(1)")
    supply.expression(name="Harbour Mentoring Trust", cpas=["london"])
    response = client.get("/partners/export.csv?cpa=merseyside")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Organisation", "Website"] and len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(\"http://x.invalid\")"
    assert rows[1][-1].endswith(f"/partners/{evil.public_id}")

    listed = supply.shortlist(lead, evil, name="Merseyside bids")
    exported = client.get(f"/shortlists/{listed.public_id}/export.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][0].startswith("'=")


def test_shortlists_are_named_shared_with_colleagues_and_private_from_other_lead_providers(client, make, login_as,
                                                                                         entries):
    lead = login_as(Role.LEAD_PROVIDER)
    first, second, _ = entries
    response = client.post(f"/partners/{first.public_id}/shortlist", data={"new_name": "  "})
    assert response.status_code == 400
    assert field_error(response, "new_name") == "Select a shortlist or enter a name for a new one"
    assert client.post(f"/partners/{first.public_id}/shortlist",
                       data={"shortlist": "new", "new_name": "Merseyside bids"}).status_code == 302
    made = db.session.query(Shortlist).one()
    assert client.post(f"/partners/{second.public_id}/shortlist",
                       data={"shortlist": made.public_id}).status_code == 302
    again = client.post(f"/partners/{second.public_id}/shortlist", data={"shortlist": made.public_id})
    assert again.status_code == 400 and "already on ‘Merseyside bids’" in error_summary(again)[0]

    shown = client.get(f"/shortlists/{made.public_id}")
    assert [a.get_text(strip=True) for a in page(shown).select("#shortlist tbody a")] == [
        "Harbour Mentoring Trust", "Mersey Women's Centre"]
    colleague = make.user(role=Role.LEAD_PROVIDER, organisation_=lead.organisation, org_role="caseworker")
    login_as(colleague)
    assert client.get(f"/shortlists/{made.public_id}").status_code == 200
    login_as(Role.LEAD_PROVIDER)  # another lead provider
    assert client.get(f"/shortlists/{made.public_id}").status_code == 404
    assert "Merseyside bids" not in client.get("/shortlists").get_data(as_text=True)
    login_as(colleague)
    client.post(f"/shortlists/{made.public_id}/remove/{first.public_id}")
    db.session.refresh(made)
    assert len(made.items) == 1
    client.post(f"/shortlists/{made.public_id}/delete")
    assert db.session.query(Shortlist).count() == 0


@pytest.mark.parametrize("role, status", [(Role.PROVIDER, 403), (Role.EMPLOYER, 403), (Role.OFFENDER_MANAGER, 403),
                                          (Role.ADMIN, 200), (Role.LEAD_PROVIDER, 200)])
def test_who_may_search_the_partner_database(client, login_as, db, role, status):
    login_as(role)
    assert client.get("/partners").status_code == status
    assert client.get("/partners/export.csv").status_code == status
    assert client.get("/shortlists").status_code == status


def test_an_invitation_is_sent_accepted_and_shown_on_the_supply_chain_page(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, name="Harbour Mentoring Trust")
    lead = login_as(Role.LEAD_PROVIDER)
    url = f"/partners/{entry.public_id}/invite"
    form = client.get(url)
    assert page(form).find("option", {"value": "merseyside"}).has_attr("selected")
    bad = client.post(url, data={"contract_name": "", "contract_package_area": "merseyside", "services": "x",
                                 "risk_share_percent": "150"})
    assert bad.status_code == 400
    assert field_error(bad, "contract_name") == "Enter the name of the contract"
    assert field_error(bad, "risk_share_percent") == ("Share of the sub-contract's value paid by results must be a "
                                                      "whole number from 0 to 100")
    assert db.session.query(PartnershipInvitation).count() == 0
    sent = client.post(url, data={"contract_name": "Through the gate 2026", "contract_package_area": "merseyside",
                                  "services": "Peer mentoring through the gate", "risk_share_percent": "20%",
                                  "risk_notes": "20% of each payment held back until outcomes are verified"})
    assert sent.status_code == 302
    twice = client.post(url, data={"contract_name": "through the gate 2026", "contract_package_area": "merseyside",
                                   "services": "Again", "risk_share_percent": "0"})
    assert twice.status_code == 400 and "already invited" in field_error(twice, "contract_name")
    [invited_email] = [m for m in inbox(owner.email) if m["Subject"] == "You have been invited into a supply chain"]
    link = invited_email.get_content().split("http://portal.test", 1)[1].split()[0]

    login_as(owner)
    shown = client.get(link)
    assert h1(shown) == "Invitation to join a supply chain"
    assert client.post(link, data={}).status_code == 400
    client.post(link, data={"decision": "accept", "note": "Delighted to join."})
    invitation = db.session.query(PartnershipInvitation).one()
    assert invitation.state == InvitationState.ACCEPTED and invitation.responded_by_id == owner.id
    assert [m["Subject"] for m in inbox(lead.email)] == ["Your supply chain invitation was accepted"]
    assert client.post(link, data={"decision": "decline"}).status_code == 400  # already answered

    login_as(lead)
    chain = client.get("/supply-chain")
    table = page(chain).find("caption", string="Merseyside").find_parent("table")
    cells = [td.get_text(" ", strip=True) for td in table.select("tbody td")]
    assert cells == [owner.organisation.name, "Through the gate 2026", "Peer mentoring through the gate", "20%",
                     "20% of each payment held back until outcomes are verified"]


def test_declining_and_withdrawing(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    lead = supply.lead_provider()
    invitation = supply.invitation(lead, supply.expression(owner))
    login_as(owner)
    client.post(f"/supply-chain/invitations/{invitation.public_id}", data={"decision": "decline"})
    db.session.refresh(invitation)
    assert invitation.state == InvitationState.DECLINED
    second = supply.invitation(lead, invitation.organisation and supply.expression(), contract="Another")
    login_as(lead)
    client.post(f"/supply-chain/invitations/{second.public_id}/withdraw")
    db.session.refresh(second)
    assert second.state == InvitationState.WITHDRAWN
    login_as(make.user(role=Role.LEAD_PROVIDER))
    assert client.post(f"/supply-chain/invitations/{invitation.public_id}/withdraw").status_code == 404


def test_administrators_see_coverage_by_area_and_pathway(client, login_as, entries):
    login_as(Role.ADMIN)
    response = client.get("/admin/supply-chain-coverage")
    assert h1(response) == "Supply chain coverage"
    rows = {tr.find("th").get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in page(response).select("#coverage tbody tr")}
    assert rows["Merseyside"][0] == "2" and rows["West Yorkshire"][0] == "1" and rows["London"][0] == "0"
    headers = [th.get_text(strip=True) for th in page(response).select("#coverage thead th")]
    accommodation = headers.index("Accommodation") - 1
    assert rows["West Yorkshire"][accommodation] == "1"
    assert rows["Merseyside"][accommodation] == "– none (a gap)"
    chart = page(response).find(id="coverage-chart")
    assert chart.find("svg") is not None and chart.find("table") is not None  # the picture and its figures
    login_as(Role.LEAD_PROVIDER)
    assert client.get("/admin/supply-chain-coverage").status_code == 403

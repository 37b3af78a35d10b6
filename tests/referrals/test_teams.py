"""Teams are probation delivery units (issue #17): an offender manager sees the referrals and nominations of
their own unit, not of the whole region; a regional probation lead sees the region's."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.html import page


def _references(client) -> list[str]:
    return sorted(row.select_one("td a").get_text(strip=True)
                  for row in page(client.get("/referrals?tab=awaiting")).select("#referrals tbody tr"))


def _nominations(client) -> list[str]:
    return sorted(a.get_text(strip=True) for a in page(client.get("/nominations")).select("table tbody tr td a"))


def test_offender_managers_see_their_units_referrals_and_the_regional_lead_sees_the_region(app, db):
    leeds = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="leeds")
    leeds_colleague = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="leeds")
    sheffield = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="sheffield")
    lead = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="york", sees_whole_region=True)
    cardiff_lead = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="cardiff-and-vale",
                                  sees_whole_region=True)
    from_leeds = factories.referral(referrer=leeds, state="sent")
    from_sheffield = factories.referral(referrer=sheffield, state="sent")

    def sees(user) -> tuple[list[str], int, int]:
        client = app.test_client()
        factories.sign_in(client, user)
        return (_references(client), client.get(f"/referrals/{from_leeds.public_id}").status_code,
                client.get(f"/referrals/{from_sheffield.public_id}").status_code)

    assert sees(leeds_colleague) == ([from_leeds.reference], 200, 404)
    assert sees(sheffield) == ([from_sheffield.reference], 404, 200)
    assert sees(lead) == (sorted([from_leeds.reference, from_sheffield.reference]), 200, 200)
    assert sees(cardiff_lead) == ([], 404, 404)


def test_employer_nominations_follow_the_same_teams(app, db):
    from tests.employers import factories as employers

    leeds = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="leeds")
    nomination = employers.nomination(nominated_by=leeds)
    for user, status in ((factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="leeds"), 200),
                         (factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="sheffield"), 404),
                         (factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="wakefield",
                                         sees_whole_region=True), 200)):
        client = app.test_client()
        factories.sign_in(client, user)
        assert client.get(f"/nominations/{nomination.public_id}").status_code == status
        listed = client.get("/nominations").get_data(as_text=True)
        assert (nomination.reference in listed) == (status == 200)

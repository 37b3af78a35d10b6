"""Each role's dashboard offers what that role does first."""
import pytest

from portal.accounts.roles import Role
from tests.html import page


def tiles(client) -> list[str]:
    return [a.get_text(strip=True) for a in page(client.get("/dashboard")).select(".app-tiles h2 a")]


@pytest.mark.parametrize("role, present, absent", [
    (Role.ADMIN, ["Listings to check", "Searches that found nothing", "Organisations waiting for approval"],
     ["Your listings"]),
    (Role.PROVIDER, ["Your listings", "Find services", "Your saved lists"], ["Listings to check"]),
    (Role.EMPLOYER, ["Find services"], ["Your listings", "Listings to check"]),
    (Role.OFFENDER_MANAGER, ["Find services", "Your saved lists"], ["Your listings"]),
])
def test_dashboard_tiles_match_the_role(client, login_as, role, present, absent):
    login_as(role)
    shown = tiles(client)
    assert all(t in shown for t in present), shown
    assert not any(t in shown for t in absent), shown

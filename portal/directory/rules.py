"""Access rules for the service directory: saved lists, search gaps and providers' listings."""
from __future__ import annotations

from portal import policy
from portal.accounts.models import User
from portal.accounts.rules import LISTING_EDITORS, STAFF_ROLES, is_admin, is_role, listing_staff
from portal.directory.models import ListingState, Service


def _published(user: User | None, service: Service) -> bool:
    return service.state == ListingState.PUBLISHED


policy.register({
    # Finding services: any signed-in staff member (not a learner) keeps lists of services, each list its
    # owner's alone; administrators see which searches find nothing.
    "directory.save": lambda user, _: is_role(user, *STAFF_ROLES),
    "saved_list.manage": lambda user, saved_list: bool(is_role(user, *STAFF_ROLES) and saved_list.user_id == user.id),
    "directory.search_gaps": is_admin,
    # Directory listings: `listing.list` and `listing.edit` take the organisation, the others the service.
    "listing.list": lambda user, org: listing_staff(user, org),
    "listing.edit": lambda user, org: listing_staff(user, org, *LISTING_EDITORS),
    "listing.view": lambda user, service: is_admin(user) or listing_staff(user, service.organisation),
    "listing.review": is_admin,
    "listing.report": _published,
}, public={"listing.report"})

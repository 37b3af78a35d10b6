"""The dashboard view model: what each role sees first after signing in."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for

from portal import policy
from portal.accounts.models import User
from portal.accounts.roles import OrgStatus, Role


@dataclass
class Tile:
    title: str
    href: str
    description: str


@dataclass
class Dashboard:
    heading: str
    notices: list[str] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)


def dashboard_for(user: User) -> Dashboard:
    board = Dashboard(heading=f"{user.role_enum.label} dashboard")
    organisation = user.organisation
    if organisation is not None and organisation.status == OrgStatus.PENDING:
        board.notices.append(f"{organisation.name} is waiting for approval by an administrator. "
                             "It will not appear anywhere in the portal until it is approved.")
    if organisation is not None:
        board.tiles.append(Tile(organisation.name, url_for("accounts.organisation", public_id=organisation.public_id),
                                "Your organisation's details and colleagues"))
    board.tiles.append(Tile("Find services", url_for("directory.search"),
                            "Search the directory of resettlement services by need, place and eligibility"))
    if policy.can(user, "referral.list"):
        board.tiles.append(Tile("Referrals", url_for("referrals.dashboard"),
                                "Referrals you have made and their progress" if policy.can(user, "referral.create")
                                else "New referrals to respond to, your cases and the unassigned queue"))
    if policy.can(user, "listing.list", organisation):
        board.tiles.append(Tile("Your listings", url_for("directory.my_listings"),
                                "Keep your organisation's services up to date and confirm they are still right"))
    if policy.can(user, "funding.manage", organisation):
        board.tiles.append(Tile("Funding", url_for("funding.dashboard"),
                                "Grants, contracts, reports and payments due, results payments and donations"))
    if policy.can(user, "directory.save"):
        board.tiles.append(Tile("Your saved lists", url_for("directory.saved_lists"),
                                "Services you have saved, and lists you can send by email"))
    if policy.can(user, "eoi.own", organisation):
        board.tiles.append(Tile("Your expression of interest", url_for("supply_chain.my_expression"),
                                "Tell lead providers what your organisation offers, once, for every supply chain"))
        board.tiles.append(Tile("Supply chain invitations", url_for("supply_chain.my_invitations"),
                                "Invitations from lead providers to join their supply chains"))
    if policy.can(user, "supply_chain.manage"):
        board.tiles.append(Tile("Find partners", url_for("supply_chain.partners"),
                                "Search published expressions of interest by area, pathway and specialism"))
        board.tiles.append(Tile("Your supply chain", url_for("supply_chain.supply_chain"),
                                "Your partners in each area, what they deliver and the risk each sub-contract "
                                "transfers"))
    if policy.can(user, "partners.search"):
        board.tiles.append(Tile("Shortlists", url_for("supply_chain.shortlists"),
                                "Organisations you have shortlisted, to compare and export"))
    # Corporate Alliance (employers)
    if policy.can(user, "alliance.view_own", organisation):
        board.tiles.append(Tile("Corporate Alliance membership", url_for("employers.alliance_membership"),
                                "Your level in the Alliance, your pledges, and moving up"))
        board.tiles.append(Tile("Your opportunities", url_for("employers.my_opportunities"),
                                "Guaranteed interviews, placements, training, mentoring and donations you offer"))
        board.tiles.append(Tile("Your results", url_for("employers.dashboard"),
                                "Nominations, interviews, hires and retention by month"))
    if policy.can(user, "opportunity.find") and user.role != Role.EMPLOYER:
        board.tiles.append(Tile("Find opportunities", url_for("employers.find"),
                                "Guaranteed interviews, work placements, training and mentoring from employers"))
    if policy.can(user, "nomination.list"):
        board.tiles.append(Tile("Nominations", url_for("employers.nominations"),
                                "People nominated for employers' opportunities, and where each has got to"))
    if user.role == Role.ADMIN:
        board.tiles.append(Tile("Corporate Alliance levels to verify", url_for("employers.membership_queue"),
                                "Employers that have joined or moved up, waiting for verification"))
    if user.role == Role.ADMIN:
        board.tiles.append(Tile("Expressions of interest to review", url_for("supply_chain.review_queue"),
                                "Expressions of interest waiting to be checked and published"))
        board.tiles.append(Tile("Supply chain coverage", url_for("supply_chain.coverage"),
                                "How many organisations cover each area and pathway: the gaps at a glance"))
        board.tiles.append(Tile("Find partners", url_for("supply_chain.partners"),
                                "Search every published expression of interest"))
        board.tiles.append(Tile("Organisations waiting for approval", url_for("admin.organisations"),
                                "Check and approve organisations that have registered"))
        board.tiles.append(Tile("Users", url_for("admin.users"),
                                "Invite offender managers, prison staff and administrators; disable users, reset "
                                "two-factor authentication and see sign-in history"))
        board.tiles.append(Tile("Listings to check", url_for("directory.review_queue"),
                                "New listings and changes waiting for approval, shown as differences"))
        board.tiles.append(Tile("Problem reports", url_for("directory.problem_reports"),
                                "What people told us is wrong with listings, open and resolved"))
        board.tiles.append(Tile("Searches that found nothing", url_for("directory.search_gaps"),
                                "The most frequent searches with no results: gaps in provision"))
        board.tiles.append(Tile("Service status", url_for("admin.status"),
                                "Search, emails waiting, file storage and the scheduled jobs' last runs"))
    if policy.can(user, "campus.manage_learners"):
        board.tiles.append(Tile("Virtual Campus", url_for("campus.staff_home"),
                                "Learners, kiosk sessions and messages to check at your prison"))
    if policy.can(user, "campus.inbox"):
        board.tiles.append(Tile("Campus messages", url_for("campus.inbox"),
                                "Checked messages from learners in prison, and your replies"))
    if policy.can(user, "campus.content.write"):
        board.tiles.append(Tile("Campus content", url_for("campus.manage_content"),
                                "Write guides and course modules for learners in prison"))
    if policy.can(user, "campus.shared_cvs"):
        board.tiles.append(Tile("CVs shared with you", url_for("campus.shared_cvs"),
                                "CVs that people in prison have shared with you from the Virtual Campus"))
    board.tiles.append(Tile("Your account", url_for("accounts.account"), "Password, two-factor and API tokens"))
    return board

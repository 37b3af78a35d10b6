"""Shared pieces of the authorisation matrix (tests/test_authorisation_matrix.py).

Each domain may keep its cases in `tests/<domain>/matrix_cases.py` as `CASES: dict[str, Case]`; the matrix
test collects them, so domains do not all edit one file.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.accounts.roles import Role

ANONYMOUS = "anonymous"
OWNER = "owner"  # the user the object belongs to (or a member of its organisation)
ROLES = [ANONYMOUS, OWNER, *[r.value for r in Role if r != Role.LEARNER]]
SIGN_IN = "sign-in"  # redirected to the sign-in page
# The probation team of every `team` case's owner: they work in Wales, in its first unit by name
OWNER_REGION, OWNER_UNIT, OTHER_UNIT_SAME_REGION = "wales", "cardiff-and-vale", "gwent"
TEAM_ROLES = ["same-unit", "other-unit-same-region", "regional-lead", "other-region-lead"]


@dataclass
class Case:
    method: str
    build: Callable[[], tuple[dict, object]]  # -> (URL arguments, owner user)
    expect: dict[str, int | str]
    data: dict = field(default_factory=dict)
    owned: bool = True
    # The owner is an offender manager whose team shares the object (referrals, nominations): colleagues in the
    # owner's probation delivery unit and regional probation leads of its region get what the owner gets, offender
    # managers of another unit in the same region 404 (tests/test_authorisation_matrix.py::test_probation_teams).
    team: bool = False

    def expected(self, role: str):
        return self.expect.get(role, self.expect["*"])

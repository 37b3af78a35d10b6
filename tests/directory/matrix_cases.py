"""Directory routes of the authorisation matrix kept beside the domain's tests (see tests/matrix.py)."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case


def _problem_report():
    """A report of a problem with a provider's published listing, and the provider's owner."""
    from portal.directory.models import ProblemReport

    owner = factories.user(role=Role.PROVIDER)
    service = factories.listing(owner.organisation, state="published")
    report = ProblemReport(service=service, message="The phone number no longer works.")
    factories.db.session.add(report)
    factories.db.session.commit()
    return {"service_uuid": service.uuid, "report_uuid": report.uuid}, owner


CASES = {
    # The listing's owners and managers resolve reports; to everyone else the report does not exist.
    "directory.resolve_problem": Case("GET", _problem_report, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
}

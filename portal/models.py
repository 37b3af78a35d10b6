"""Imports every domain's models so the metadata (and Alembic) sees every table."""
from portal.accounts.models import (  # noqa: F401
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationIdentifier,
    User,
)
from portal.audit import AuditEvent  # noqa: F401
from portal.campus.models import (  # noqa: F401
    ContactBlock,
    ContentImage,
    ContentItem,
    Cv,
    CvEntry,
    KioskSession,
    Learner,
    Lesson,
    Message,
    Progress,
    QuizQuestion,
)
from portal.directory.models import (  # noqa: F401
    Location,
    ProblemReport,
    Revision,
    SavedList,
    SavedListItem,
    SearchGap,
    Service,
    ServiceTerm,
)
from portal.employers.models import (  # noqa: F401
    AllianceMembership,
    Nomination,
    NominationStep,
    Opportunity,
    OpportunityLocation,
    Pledge,
)
from portal.funding.models import (  # noqa: F401
    Agreement,
    CohortResult,
    Donation,
    DonationSettings,
    LedgerEntry,
    OutcomeMeasure,
    Requirement,
    StripeEvent,
)
from portal.outbox import OutboxMessage  # noqa: F401
from portal.reference.models import ContractPackageArea, Pathway, Prison, ProbationRegion, Region  # noqa: F401
from portal.referrals.models import (  # noqa: F401
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralPerson,
    ReferralSession,
)
from portal.scheduler import ScheduledRun  # noqa: F401
from portal.supply_chain.models import (  # noqa: F401
    Expression,
    ExpressionDecision,
    ExpressionDocument,
    ExpressionTag,
    ExpressionVersion,
    PartnershipInvitation,
    Shortlist,
    ShortlistItem,
)

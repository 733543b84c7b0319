"""SQLAlchemy ORM classes only; logic lives in the feature packages."""

from cashdesk.models.base import Base, Synced, UUIDKey, utcnow
from cashdesk.models.intake import (
    DuplicateCandidate,
    DuplicateSource,
    DuplicateStatus,
    ImportBatch,
    ImportKind,
    ImportProfile,
    ImportStatus,
    MemberMerge,
)
from cashdesk.models.location import Location, LocationLevel
from cashdesk.models.payments import (
    NonPaymentReason,
    PaymentEvent,
    PaymentEventKind,
    PaymentLine,
    PaymentStatus,
    Payroll,
    PayrollStatus,
    ReconciliationBatch,
    ReconciliationException,
    ReconciliationRow,
    ReconciliationStatus,
    ResultStatus,
)
from cashdesk.models.plans import (
    BenefitPlan,
    CriterionPurpose,
    CriterionScope,
    CycleStatus,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    Frequency,
    PaymentCycle,
    PlanCriterion,
    PlanStatus,
    PlanTarget,
)
from cashdesk.models.provider import PaymentServiceProvider, PayPoint, ProviderKind, pay_point_clerks
from cashdesk.models.registry import (
    Household,
    HouseholdStatus,
    Member,
    MemberIdentifier,
    PaymentMethod,
    RecipientRole,
    Relationship,
    Sex,
)
from cashdesk.models.scheme import CodeSequence, Scheme
from cashdesk.models.security import AuditEntry, Role, User, user_locations
from cashdesk.models.sync import SyncConflict, SyncCursor, SyncRun, SyncRunStatus

__all__ = [
    "AuditEntry", "Base", "BenefitPlan", "CodeSequence", "CriterionPurpose", "CriterionScope",
    "CycleStatus", "DuplicateCandidate", "DuplicateSource", "DuplicateStatus", "Enrolment",
    "EnrolmentStatus", "EnrolmentStatusChange", "Frequency", "Household", "HouseholdStatus",
    "ImportBatch", "ImportKind", "ImportProfile", "ImportStatus", "Location", "LocationLevel",
    "Member", "MemberIdentifier", "MemberMerge", "NonPaymentReason", "PayPoint", "PaymentCycle",
    "PaymentEvent", "PaymentEventKind", "PaymentLine", "PaymentMethod", "PaymentServiceProvider",
    "PaymentStatus", "Payroll", "PayrollStatus", "PlanCriterion", "PlanStatus", "PlanTarget",
    "ProviderKind", "RecipientRole", "ReconciliationBatch", "ReconciliationException",
    "ReconciliationRow", "ReconciliationStatus", "Relationship", "ResultStatus", "Role", "Scheme",
    "Sex", "SyncConflict", "SyncCursor", "SyncRun", "SyncRunStatus", "Synced", "UUIDKey", "User",
    "pay_point_clerks", "user_locations", "utcnow",
]

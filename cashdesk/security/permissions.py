"""Who may do what. Checked inside the services, so the rules hold for the CLI and the window alike."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field

from cashdesk.core.errors import PermissionDenied
from cashdesk.core.i18n import _
from cashdesk.models.security import Role


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_LOCATIONS = "manage_locations"
    MANAGE_PROVIDERS = "manage_providers"
    LOAD_DEMO_DATA = "load_demo_data"
    READ_AUDIT = "read_audit"
    READ_REPORTS = "read_reports"
    VIEW_REGISTRY = "view_registry"
    REGISTER_HOUSEHOLDS = "register_households"
    IMPORT_HOUSEHOLDS = "import_households"
    APPROVE_IMPORTS = "approve_imports"
    REVIEW_DUPLICATES = "review_duplicates"
    MANAGE_PLANS = "manage_plans"
    GENERATE_PAYROLL = "generate_payroll"
    APPROVE_PAYROLL = "approve_payroll"
    VIEW_PAYROLLS = "view_payrolls"
    PRINT_PAYROLLS = "print_or_export_payrolls"
    RECORD_PAYMENTS = "record_payments"
    RECONCILE_PAYROLLS = "reconcile_payrolls"
    SYNC = "sync_with_the_server"
    RESOLVE_CONFLICTS = "resolve_sync_conflicts"
    LIFT_SYNC_FREEZE = "lift_the_sync_freeze"


_SUPERVISOR = frozenset(
    {
        Permission.READ_AUDIT,
        Permission.READ_REPORTS,
        Permission.VIEW_REGISTRY,
        Permission.APPROVE_IMPORTS,
        Permission.REVIEW_DUPLICATES,
        Permission.MANAGE_PLANS,
        Permission.GENERATE_PAYROLL,
        Permission.APPROVE_PAYROLL,
        Permission.VIEW_PAYROLLS,
        Permission.PRINT_PAYROLLS,
        Permission.RECONCILE_PAYROLLS,
        Permission.SYNC,
        Permission.RESOLVE_CONFLICTS,
        Permission.LIFT_SYNC_FREEZE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: _SUPERVISOR
    | {
        Permission.MANAGE_USERS,
        Permission.MANAGE_SETTINGS,
        Permission.MANAGE_LOCATIONS,
        Permission.MANAGE_PROVIDERS,
        Permission.LOAD_DEMO_DATA,
    },
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ENROLMENT_OFFICER: frozenset(
        {
            Permission.VIEW_REGISTRY,
            Permission.REGISTER_HOUSEHOLDS,
            Permission.IMPORT_HOUSEHOLDS,
            Permission.SYNC,
            Permission.RESOLVE_CONFLICTS,
        }
    ),
    Role.PAY_POINT_CLERK: frozenset({Permission.VIEW_PAYROLLS, Permission.RECORD_PAYMENTS, Permission.SYNC}),
}


def role_label(role: Role) -> str:
    return {
        Role.ADMINISTRATOR: _("Administrator"),
        Role.SUPERVISOR: _("Supervisor"),
        Role.ENROLMENT_OFFICER: _("Enrolment officer"),
        Role.PAY_POINT_CLERK: _("Pay point clerk"),
    }[role]


def _roles_label(role: Role) -> str:
    return {
        Role.ADMINISTRATOR: _("administrators"),
        Role.SUPERVISOR: _("supervisors"),
        Role.ENROLMENT_OFFICER: _("enrolment officers"),
        Role.PAY_POINT_CLERK: _("pay point clerks"),
    }[role]


def roles_that_may(permission: Permission) -> list[Role]:
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def refusal(role: Role, permission: Permission) -> str:
    """A refusal that says who may do it, so the user knows whom to ask."""
    allowed = [_roles_label(r) for r in roles_that_may(permission)]
    who = (
        allowed[0]
        if len(allowed) == 1
        else _("{some} or {last}").format(some=", ".join(allowed[:-1]), last=allowed[-1])
    )
    return _("Only {roles} may {permission}; you are logged in as {role}.").format(
        roles=who, permission=permission.value.replace("_", " "), role=role_label(role).lower()
    )


@dataclass(frozen=True)
class Actor:
    """The logged-in user on whose behalf a service acts.

    `location_paths` are the materialised paths of the user's assigned locations (an enrolment
    officer works in those subtrees); `pay_point_ids` are a clerk's pay points.
    """

    user_id: uuid.UUID
    username: str
    full_name: str
    role: Role
    location_paths: tuple[str, ...] = ()
    pay_point_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(refusal(self.role, permission))

    def covers_location(self, location_path: str) -> bool:
        """True when the location lies in one of the user's areas.

        Administrators see everywhere. Others with assigned areas see those subtrees; a supervisor
        with none sees everywhere, an enrolment officer with none sees nothing (safer default).
        """
        if self.role == Role.ADMINISTRATOR:
            return True
        if not self.location_paths:
            return self.role != Role.ENROLMENT_OFFICER
        return any(location_path.startswith(path) for path in self.location_paths)

    def require_location(self, location_path: str) -> None:
        if not self.covers_location(location_path):
            raise PermissionDenied(_("This location is outside the areas assigned to you."))

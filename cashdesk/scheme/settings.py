"""The scheme's settings, readable by everyone, changed by administrators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models.scheme import Scheme
from cashdesk.models.sync import SyncRun, SyncRunStatus
from cashdesk.scheme.countries import COUNTRIES
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 1, 240


@dataclass(frozen=True)
class SchemeInfo:
    name: str
    country: str
    country_name: str
    currency: str
    currency_minor_units: int
    device_code: str
    idle_lock_minutes: int
    last_synced_at: str | None  # ISO time of the last successful sync, None if never
    custom_fields_schema: dict[str, Any] = field(default_factory=dict)


def scheme_info(session: Session, actor: Actor) -> SchemeInfo:
    scheme = session.execute(select(Scheme)).scalar_one()
    last = session.execute(
        select(SyncRun.finished_at)
        .where(SyncRun.status == SyncRunStatus.SUCCEEDED)
        .order_by(SyncRun.finished_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    country = COUNTRIES.get(scheme.country)
    return SchemeInfo(
        name=scheme.name,
        country=scheme.country,
        country_name=country.name if country else scheme.country,
        currency=scheme.currency,
        currency_minor_units=scheme.currency_minor_units,
        device_code=scheme.device_code,
        idle_lock_minutes=scheme.idle_lock_minutes,
        last_synced_at=last.isoformat() if last else None,
        custom_fields_schema=dict(scheme.custom_fields_schema or {}),
    )


def update_settings(
    session: Session, actor: Actor, *, name: str | None = None, idle_lock_minutes: int | None = None
) -> SchemeInfo:
    actor.require(Permission.MANAGE_SETTINGS)
    scheme = session.execute(select(Scheme)).scalar_one()
    before = {"name": scheme.name, "idle_lock_minutes": scheme.idle_lock_minutes}
    if name is not None:
        if not name.strip():
            raise ValidationError(_("Give the scheme a name."), field="name")
        scheme.name = name.strip()
    if idle_lock_minutes is not None:
        if not MIN_IDLE_MINUTES <= idle_lock_minutes <= MAX_IDLE_MINUTES:
            raise ValidationError(
                _("The idle lock must be between {lo} and {hi} minutes.").format(
                    lo=MIN_IDLE_MINUTES, hi=MAX_IDLE_MINUTES
                ),
                field="idle_lock_minutes",
            )
        scheme.idle_lock_minutes = idle_lock_minutes
    after = {"name": scheme.name, "idle_lock_minutes": scheme.idle_lock_minutes}
    if after != before:
        audit.record(
            session,
            actor,
            action="settings.changed",
            entity_type="scheme",
            entity_id=1,
            before=before,
            after=after,
        )
    return scheme_info(session, actor)


FIELD_TYPES = ("string", "integer", "number", "boolean")


def set_custom_fields(session: Session, actor: Actor, *, schema: dict[str, Any]) -> SchemeInfo:
    """The extra fields the scheme collects: {"household": <JSON Schema>, "member": <JSON Schema>}.

    Each part is an object schema whose properties are strings (optionally with "enum"), integers,
    numbers or booleans, each with a "title" the editor shows. Existing records are not rewritten.
    """
    actor.require(Permission.MANAGE_SETTINGS)
    unknown = set(schema) - {"household", "member"}
    if unknown:
        raise ValidationError(
            _('Custom fields go under "household" or "member", not {keys}.').format(
                keys=", ".join(sorted(unknown))
            ),
            field="custom_fields",
        )
    for part, part_schema in schema.items():
        try:
            jsonschema.Draft202012Validator.check_schema(part_schema)
        except jsonschema.SchemaError as exc:
            raise ValidationError(
                _("The {part} fields are not a valid JSON Schema: {error}").format(
                    part=part, error=exc.message
                ),
                field="custom_fields",
            ) from exc
        for name, prop in (part_schema.get("properties") or {}).items():
            if prop.get("type") not in FIELD_TYPES:
                raise ValidationError(
                    _("Field {name}: the type must be one of {types}.").format(
                        name=name, types=", ".join(FIELD_TYPES)
                    ),
                    field="custom_fields",
                )
    scheme = session.execute(select(Scheme)).scalar_one()
    before = {"custom_fields_schema": scheme.custom_fields_schema}
    scheme.custom_fields_schema = schema
    audit.record(
        session,
        actor,
        action="settings.custom_fields",
        entity_type="scheme",
        entity_id=1,
        before=before,
        after={"custom_fields_schema": schema},
    )
    return scheme_info(session, actor)

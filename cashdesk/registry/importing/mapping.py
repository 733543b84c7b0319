"""Which column of the file is which field: automatic by header, fixed by hand, saved as a named profile."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.tables import TableInfo, normalise_header
from cashdesk.models import ImportProfile
from cashdesk.registry.importing.fields import auto_map, known_field, missing_required
from cashdesk.registry.importing.options import ImportOptions
from cashdesk.security.permissions import Actor, Permission


def resolve_mapping(
    session: Session, info: TableInfo, options: ImportOptions, custom: Sequence[str]
) -> dict[str, str]:
    mapping = auto_map(info.headers, custom)
    if options.profile:
        profile = session.execute(
            select(ImportProfile).where(ImportProfile.name == options.profile)
        ).scalar_one_or_none()
        if profile is None:
            raise ValidationError(
                _("There is no saved mapping called {name}.").format(name=options.profile), field="profile"
            )
        mapping.update({h: f for h, f in profile.mapping.items() if h in info.headers})
    by_normalised = {normalise_header(h): h for h in info.headers}
    for source, target in options.mapping.items():
        header = source if source in info.headers else by_normalised.get(normalise_header(source))
        if header is None:
            raise ValidationError(
                _("The file has no column {col} (columns: {cols}).").format(
                    col=source, cols=", ".join(info.headers)
                ),
                field="mapping",
            )
        if target and not known_field(target, custom):
            raise ValidationError(_("{field} is not an import field.").format(field=target), field="mapping")
        mapping = {h: f for h, f in mapping.items() if f != target}
        if target:
            mapping[header] = target
        else:
            mapping.pop(header, None)
    missing = missing_required(mapping)
    if missing:
        raise ValidationError(
            _(
                '{file}: no column for {fields}. Rename the columns or map them (e.g. --map "Surname=family_name").'
            ).format(file=info.path.name, fields=", ".join(missing)),
            field="mapping",
        )
    return mapping


def save_profile(session: Session, name: str, mapping: dict[str, str]) -> None:
    profile = session.execute(select(ImportProfile).where(ImportProfile.name == name)).scalar_one_or_none()
    if profile is None:
        session.add(ImportProfile(name=name, mapping=mapping))
    else:
        profile.mapping = mapping


def list_profiles(session: Session, actor: Actor) -> list[tuple[str, dict[str, str]]]:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    return [
        (p.name, dict(p.mapping))
        for p in session.execute(select(ImportProfile).order_by(ImportProfile.name)).scalars()
    ]

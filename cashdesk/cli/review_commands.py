"""`cashdesk review list|merge|not-same|field-visit`: the duplicate review queue without the window.

A pair is named by its id as `review list` prints it (the full UUID, so it can be pasted back); its two
records are named `left` and `right`, as the list shows them. Everything typed is checked before logging
in; the services check the permission and whether the pair is still to decide, and a decision is one
transaction (all of it is saved, or none).
"""

from __future__ import annotations

import argparse
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.cli.session import logged_in
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import DuplicateStatus
from cashdesk.registry.review import (
    MERGE_FIELDS,
    PersonSide,
    ReviewItem,
    count_queue,
    decide_field_visit,
    decide_not_same,
    merge,
    review_item,
    review_queue,
)
from cashdesk.security.permissions import Actor

SIDES = ("left", "right")
STATUSES = (DuplicateStatus.OPEN.value, DuplicateStatus.FIELD_VISIT.value)


def _positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a whole number").format(value=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("{value} is less than 1").format(value=text))
    return value


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = commands.add_parser("review", help=_("decide the pairs of records that may be one person"))
    sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help=_("the pairs waiting for a decision, most likely first"))
    listing.add_argument(
        "--status", choices=STATUSES, default=DuplicateStatus.OPEN.value, help=_("default: open")
    )
    listing.add_argument("--limit", type=_positive, default=100, help=_("at most this many (default 100)"))
    listing.add_argument("--json", action="store_true", help=_("a JSON array, with every field of both"))
    listing.set_defaults(run=run_list)

    same = sub.add_parser("merge", help=_("the same person: keep one record, the other becomes history"))
    same.add_argument("pair", metavar="PAIR_ID", help=_("as `cashdesk review list` shows it"))
    same.add_argument("--keep", choices=SIDES, required=True, help=_("the record that stays"))
    same.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="FIELD=left|right",
        help=_("take this field's value from that side (repeatable); fields: {fields}").format(
            fields=", ".join(MERGE_FIELDS)
        ),
    )
    same.add_argument("--note", default="", help=_("why (kept with the decision)"))
    same.set_defaults(run=run_merge)

    for name, help_text, run in (
        ("not-same", _("two different people: the pair is never raised again"), run_not_same),
        ("field-visit", _("needs a visit to decide: the pair waits under field_visit"), run_field_visit),
    ):
        decide = sub.add_parser(name, help=help_text)
        decide.add_argument("pair", metavar="PAIR_ID", help=_("as `cashdesk review list` shows it"))
        decide.add_argument("--note", default="", help=_("why (kept with the decision)"))
        decide.set_defaults(run=run)


def pair_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise ValidationError(
            _("{text} is not a pair id: use the 32-character id `cashdesk review list` shows.").format(
                text=repr(text)
            ),
            field="PAIR_ID",
        ) from None


def takes(pairs: list[str]) -> dict[str, str]:
    """--take FIELD=left|right, each field once."""
    chosen: dict[str, str] = {}
    for pair in pairs:
        name, sep, side = (part.strip() for part in pair.partition("="))
        if not sep or side not in SIDES:
            raise ValidationError(
                _("--take takes FIELD=left or FIELD=right, e.g. --take date_of_birth=right."), field="take"
            )
        if name not in MERGE_FIELDS:
            raise ValidationError(
                _("{field} cannot be chosen in a merge; the fields are {fields}.").format(
                    field=repr(name), fields=", ".join(MERGE_FIELDS)
                ),
                field="take",
            )
        if chosen.get(name, side) != side:
            raise ValidationError(
                _("--take names {field} twice, once from each side.").format(field=name), field="take"
            )
        chosen[name] = side
    return chosen


def _birth(side: PersonSide) -> str:
    born = side.values.get("date_of_birth")
    if isinstance(born, date):
        return born.isoformat()
    year = side.values.get("birth_year")
    return str(year) if year else "?"


def _person(side: PersonSide) -> str:
    values = side.values
    name = " ".join(str(values[f]) for f in ("given_name", "other_names", "family_name") if values.get(f))
    return f"{side.household_code} {name} ({_birth(side)}, {side.village})"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    raise TypeError(f"{type(value).__name__} is not JSON")


def _side_json(side: PersonSide) -> dict[str, Any]:
    return {
        "member_id": side.member_id,
        "household_id": side.household_id,
        "household_code": side.household_code,
        "village": side.village,
        "relation": side.relation,
        **side.values,
    }


def _item_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "score": round(item.score, 1),
        "status": item.status,
        "source": item.source,
        "reasons": list(item.reasons),
        "note": item.note,
        "left": _side_json(item.left),
        "right": _side_json(item.right),
        "differs": item.differing_fields(),
    }


def run_list(args: argparse.Namespace) -> int:
    status = DuplicateStatus(args.status)
    with logged_in(args) as desk:
        items = desk.run(review_queue, status=status, limit=args.limit)
        total = desk.run(count_queue, status=status) if len(items) == args.limit else len(items)
    if args.json:
        print(json.dumps([_item_json(item) for item in items], default=_plain, ensure_ascii=False, indent=1))
        return 0
    for item in items:
        differs = ", ".join(item.differing_fields()) or _("nothing")
        print(
            f"{item.id.hex}  {item.score:5.1f}  {_person(item.left)}  <>  {_person(item.right)}  "
            + _("differs: {fields}").format(fields=differs)
        )
    if not items:
        print(_("No pairs waiting ({status}).").format(status=status.value))
    elif total > len(items):
        print(_("{n} of {total} pairs shown (--limit).").format(n=len(items), total=total))
    return 0


@dataclass(frozen=True)
class Merged:
    kept: PersonSide
    gone: PersonSide


def merge_sides(
    session: Session,
    actor: Actor,
    candidate_id: uuid.UUID,
    *,
    keep: str,
    take: dict[str, str],
    note: str,
) -> Merged:
    """The merge with its records named left and right, in one transaction with the reading of the pair."""
    item = review_item(session, actor, candidate_id)
    sides = {"left": item.left, "right": item.right}
    kept = sides[keep]
    (gone,) = (side for name, side in sides.items() if name != keep)
    merge(
        session,
        actor,
        candidate_id,
        keep=kept.member_id,
        choices={name: sides[side].member_id for name, side in take.items()},
        note=note,
    )
    return Merged(kept, gone)


def run_merge(args: argparse.Namespace) -> int:
    candidate = pair_id(args.pair)
    take = takes(args.take)
    with logged_in(args) as desk:
        merged = desk.run(merge_sides, candidate, keep=args.keep, take=take, note=args.note)
    print(
        _(
            "Merged: kept the {side} record, {kept} (member {kept_id}); {gone} (member {gone_id}) is now history."
        ).format(
            side=args.keep,
            kept=_person(merged.kept),
            kept_id=merged.kept.member_id.hex,
            gone=_person(merged.gone),
            gone_id=merged.gone.member_id.hex,
        )
    )
    return 0


def run_not_same(args: argparse.Namespace) -> int:
    candidate = pair_id(args.pair)
    with logged_in(args) as desk:
        desk.run(decide_not_same, candidate, note=args.note)
    print(_("Not the same person: pair {id} will not be raised again.").format(id=candidate.hex))
    return 0


def run_field_visit(args: argparse.Namespace) -> int:
    candidate = pair_id(args.pair)
    with logged_in(args) as desk:
        desk.run(decide_field_visit, candidate, note=args.note)
    print(
        _("Pair {id} waits for a field visit (cashdesk review list --status field_visit).").format(
            id=candidate.hex
        )
    )
    return 0

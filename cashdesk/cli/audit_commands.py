"""`cashdesk audit verify|list`."""

from __future__ import annotations

import argparse
import json

from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import CommandError
from cashdesk.core.i18n import _
from cashdesk.security import audit


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help=_("read and check the audit trail"))
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help=_("check that no entry was changed or removed"))
    verify.set_defaults(run=run_verify)
    listing = sub.add_parser("list", help=_("print entries, newest first"))
    listing.add_argument("--by", dest="username", help=_("only this user's actions"))
    listing.add_argument("--action", help=_("only this action, e.g. user.created"))
    listing.add_argument("--entity", dest="entity_type", help=_("only this kind of record, e.g. user"))
    listing.add_argument("--record", dest="entity_id", help=_("only this record id"))
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help=_("one JSON object per line, with before/after"))
    listing.set_defaults(run=run_list)


def run_verify(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        report = desk.run(audit.verify_chain)
    if not report.intact:
        raise CommandError(
            _("The audit trail is broken at entry {seq}: {reason}. {n} entries before it are intact.").format(
                seq=report.first_broken_seq, reason=report.reason, n=report.checked
            )
        )
    print(_("The audit trail is intact: {n} entries checked.").format(n=report.checked))
    return 0


def run_list(args: argparse.Namespace) -> int:
    flt = audit.AuditFilter(
        username=args.username, action=args.action, entity_type=args.entity_type, entity_id=args.entity_id
    )
    with logged_in(args) as desk:
        rows = desk.run(audit.list_entries, flt, limit=args.limit)
    for row in rows:
        if args.json:
            print(
                json.dumps(
                    {
                        "seq": row.seq,
                        "at": row.at.isoformat(),
                        "user": row.username,
                        "action": row.action,
                        "entity_type": row.entity_type,
                        "entity_id": row.entity_id,
                        "summary": row.summary,
                        "before": row.before,
                        "after": row.after,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(
                f"{row.seq:>6} {row.at:%Y-%m-%d %H:%M:%S} {row.username:<16} {row.action:<24} "
                f"{row.entity_type}:{row.entity_id or '-'} {row.summary}"
            )
    return 0

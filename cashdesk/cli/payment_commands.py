"""Recording payments on the command line: `cashdesk pay` and `cashdesk payroll status`.

`pay` runs as the acting --user, who must be a clerk of the payment's pay point; each record is one
transaction, durable when the command returns.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cashdesk.cli.session import logged_in
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.payroll.day_summary import print_day_summary, record_cash_received
from cashdesk.payroll.disbursement import PaymentCard, record_not_paid, record_paid, reverse
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.queries import payroll_summary, status_counts
from cashdesk.payroll.reasons import all_reasons, save_reason

if TYPE_CHECKING:  # subscriptable for the type checker only
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

VERIFIED_BY = {"id": "id_document", "known": "known_to_clerk", "alternate": "alternate"}
STATES = ("pending", "paid", "not_paid", "reversed", "cancelled")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a time (YYYY-MM-DDTHH:MM+02:00)").format(value=text)
        ) from None
    return moment if moment.tzinfo else moment.astimezone()  # the laptop's own time zone


def add_parsers(commands: Commands) -> None:
    pay = commands.add_parser("pay", help=_("record a payment paid, not paid, or reverse a record (clerk)"))
    pay.add_argument("transaction", metavar="TXN", help=_("the transaction number, typed or scanned"))
    what = pay.add_mutually_exclusive_group(required=True)
    what.add_argument("--paid", action="store_true")
    what.add_argument("--not-paid", action="store_true")
    what.add_argument("--reverse", action="store_true", help=_("undo the record in force (a mistake)"))
    pay.add_argument(
        "--verified-by",
        choices=tuple(VERIFIED_BY),
        default="id",
        help=_("ID document seen (default), known to the clerk, or an alternate recipient"),
    )
    pay.add_argument("--alternate-name", default="", help=_("who collected instead of the recipient"))
    pay.add_argument("--alternate-id", default="", help=_("their ID number"))
    pay.add_argument("--reason", default="", help=_("not paid: the reason's code; reverse: why"))
    pay.add_argument("--note", default="", help=_("what happened (needed with --reason other)"))
    pay.add_argument("--at", type=_moment, help=_("when it happened, if not now"))
    pay.set_defaults(run=run_pay)

    reason = commands.add_parser("reason", help=_("the scheme's reasons for not paying (administrator)"))
    sub = reason.add_subparsers(dest="reason_command", required=True, metavar="ACTION")
    sub.add_parser("list", help=_("every reason, retired ones too")).set_defaults(run=run_reason_list)
    put = sub.add_parser("set", help=_("add a reason, or change the one with this code"))
    put.add_argument("code", help=_("e.g. flooded_road"))
    put.add_argument("--label", required=True, help=_("the words the clerk reads"))
    put.add_argument("--needs-note", action="store_true", help=_("the clerk must say what happened"))
    put.add_argument("--retired", action="store_true", help=_("no longer offered (recorded events keep it)"))
    put.add_argument("--position", type=int, help=_("its place in the list"))
    put.set_defaults(run=run_reason_set)


def add_status_parser(payroll_actions: Commands) -> None:
    status = payroll_actions.add_parser("status", help=_("how many payments are paid, not paid, pending"))
    status.add_argument("code")
    status.set_defaults(run=run_payroll_status)
    cash = payroll_actions.add_parser(
        "cash", help=_("record cash the pay point received for a payroll (clerk)")
    )
    cash.add_argument("code")
    cash.add_argument("amount", help=_("in the currency, e.g. 250,000"))
    cash.add_argument("--note", default="")
    cash.set_defaults(run=run_cash)
    day = payroll_actions.add_parser(
        "day", help=_("the end-of-day summary, printed to a PDF to sign (clerk)")
    )
    day.add_argument("code")
    day.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    day.set_defaults(run=run_day)


def _said(card: PaymentCard) -> str:
    return f"{card.transaction_number} {card.household_code} {card.recipient_name} {card.amount_text}"


def run_pay(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        if args.paid:
            card = desk.run(
                record_paid,
                transaction_number=args.transaction,
                verification=VERIFIED_BY[args.verified_by],
                alternate_name=args.alternate_name,
                alternate_id_number=args.alternate_id,
                occurred_at=args.at,
            )
            print(_("Paid: {payment}").format(payment=_said(card)))
        elif args.not_paid:
            if not args.reason:
                raise ValidationError(_("Give --reason CODE for a payment not made."), field="reason")
            card = desk.run(
                record_not_paid,
                transaction_number=args.transaction,
                reason=args.reason,
                note=args.note,
                occurred_at=args.at,
            )
            print(
                _("Not paid ({reason}): {payment}").format(
                    reason=card.current.reason if card.current else "", payment=_said(card)
                )
            )
        else:
            card = desk.run(reverse, transaction_number=args.transaction, reason=args.reason)
            print(
                _("Reversed; now {status}: {payment}").format(
                    status=card.status.replace("_", " "), payment=_said(card)
                )
            )
    return 0


def run_payroll_status(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        counts = desk.run(status_counts, args.code)
        payroll = desk.run(payroll_summary, args.code)
    print(
        _("Payroll {code} ({status}): {n:,} payments").format(
            code=payroll.code, status=payroll.status.replace("_", " "), n=payroll.line_count
        )
    )
    for state in STATES:
        count, total = counts.get(state, (0, 0))
        if count or state in ("pending", "paid", "not_paid"):
            amount = format_amount(total, minor_units=payroll.minor_units, currency=payroll.currency)
            print(f"  {state.replace('_', ' '):<10} {count:>8,}  {amount:>20}")
    return 0


def run_cash(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        total = desk.run(record_cash_received, payroll_code=args.code, amount=args.amount, note=args.note)
        summary = desk.run(payroll_summary, args.code)
    print(
        _("Cash received for {code} so far: {total}").format(
            code=summary.code,
            total=format_amount(total, minor_units=summary.minor_units, currency=summary.currency),
        )
    )
    return 0


def run_day(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        day = desk.run(print_day_summary, payroll_code=args.code, out=args.out)
    print(
        _(
            "Paid {n:,} ({amount}); not paid {m:,}; not yet recorded {p:,}; cash remaining {left}. Saved {path}"
        ).format(
            n=day.paid[0],
            amount=day.money(day.paid[1]),
            m=sum(n for _label, n, _t in day.not_paid),
            p=day.pending[0],
            left=day.money(day.remaining),
            path=args.out,
        )
    )
    return 0


def run_reason_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        rows = desk.run(all_reasons)
    for row in rows:
        flags = ", ".join(
            f for f, on in ((_("needs a note"), row.needs_note), (_("retired"), not row.active)) if on
        )
        print(f"{row.position:>3}  {row.code:<24} {row.label}" + (f"  ({flags})" if flags else ""))
    return 0


def run_reason_set(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        row = desk.run(save_reason, code=args.code, label=args.label, needs_note=args.needs_note,
                       active=not args.retired, position=args.position)  # fmt: skip
    print(_("Reason {code}: {label}{retired}").format(
        code=row.code, label=row.label, retired=_(" (retired)") if not row.active else ""))  # fmt: skip
    return 0

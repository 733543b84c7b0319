"""The money path on the command line: `provider`, `paypoint`, `plan`, `enrol` and `payroll`.

Each command logs in as the acting --user; the services check the permission (a refusal names the role
that may do it) and each command's write is one transaction.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cashdesk.cli import payment_commands
from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import CommandError, ProgressBar, cancellable
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.payroll import runs
from cashdesk.payroll.approval import approve_payroll, reject_payroll
from cashdesk.payroll.enrolment import (
    EnrolmentPreview,
    change_status,
    enrol,
    enrol_households,
    preview_enrolment,
    status_history,
)
from cashdesk.payroll.generation import STOP, UP_TO_BUDGET, GenerationResult, parameters
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.payment_file import export_payment_file
from cashdesk.payroll.plans import list_plans, read_plan_file, save_plan
from cashdesk.payroll.providers import (
    PayPointInput,
    ProviderInput,
    import_pay_points,
    list_pay_points,
    list_providers,
    save_pay_point,
    save_provider,
)
from cashdesk.payroll.queries import PayrollSummary, list_payrolls
from cashdesk.payroll.removal import remove_pay_point, remove_plan, remove_provider
from cashdesk.payroll.sheets import print_sheet
from cashdesk.payroll.slips import print_slips
from cashdesk.security.permissions import Permission

if TYPE_CHECKING:  # subscriptable for the type checker only
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a date (YYYY-MM-DD)").format(value=text)) from None


def add_parsers(commands: Commands) -> None:
    _provider_parsers(commands)
    _plan_parsers(commands)
    _payroll_parsers(commands)


def _provider_parsers(commands: Commands) -> None:
    provider = commands.add_parser("provider", help=_("payment service providers (administrator)"))
    sub = provider.add_subparsers(dest="provider_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help=_("register a provider, or change the one with this code"))
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, help=_("cash_agent, mobile_money or bank"))
    add.add_argument("--contract", default="", help=_("the contract's reference"))
    add.add_argument("--contract-from", type=_day, help=_("YYYY-MM-DD"))
    add.add_argument("--contract-to", type=_day, help=_("YYYY-MM-DD: no new payroll after it"))
    add.add_argument("--contact", default="")
    add.add_argument("--phone", default="")
    add.add_argument("--email", default="")
    add.add_argument("--inactive", action="store_true", help=_("no new payroll goes to it"))
    add.set_defaults(run=run_provider_add)
    sub.add_parser("list", help=_("the providers")).set_defaults(run=run_provider_list)
    _remove_parser(sub, remove_provider, _("a provider nothing depends on yet"))

    point = commands.add_parser("paypoint", help=_("pay points of the providers (administrator)"))
    sub = point.add_subparsers(dest="paypoint_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help=_("register a pay point, or change the one with this code"))
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--provider", required=True, help=_("the provider's code"))
    add.add_argument("--village", required=True, help=_("the village's location code"))
    add.add_argument("--address", default="")
    add.add_argument("--days", default="", help=_("opening days, e.g. mon,wed,fri"))
    add.add_argument(
        "--clerk", action="append", default=[], help=_("a pay point clerk's username (repeatable)")
    )
    add.add_argument("--inactive", action="store_true")
    add.set_defaults(run=run_paypoint_add)
    load = sub.add_parser(
        "import",
        help=_("pay points from CSV/XLSX: code, name, provider, village[, address, opening_days, clerks]"),
    )
    load.add_argument("file", type=Path)
    load.set_defaults(run=run_paypoint_import)
    listing = sub.add_parser("list", help=_("the pay points"))
    listing.add_argument("--provider", help=_("only this provider's"))
    listing.set_defaults(run=run_paypoint_list)
    _remove_parser(sub, remove_pay_point, _("a pay point nothing depends on yet"))


def _plan_parsers(commands: Commands) -> None:
    plan = commands.add_parser("plan", help=_("benefit plans (supervisor)"))
    sub = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    sub.add_parser("list", help=_("the plans, their criteria and amounts")).set_defaults(run=run_plan_list)
    load = sub.add_parser(
        "import", help=_("define or change a plan from a JSON or YAML file (docs/plans.md)")
    )
    load.add_argument("file", type=Path)
    load.set_defaults(run=run_plan_import)
    _remove_parser(sub, remove_plan, _("a plan with no enrolment and no cycle yet"))

    enrolling = commands.add_parser("enrol", help=_("enrol the households a plan's criteria select"))
    enrolling.add_argument("--plan", required=True)
    enrolling.add_argument("--dry-run", action="store_true", help=_("only count them, per village"))
    enrolling.add_argument("--on", type=_day, help=_("the day ages are counted at (default today)"))
    enrolling.add_argument(
        "--household",
        action="append",
        default=[],
        metavar="CODE",
        help=_("enrol this household by hand, whatever the criteria say (repeatable)"),
    )
    enrolling.add_argument("--reason", default="", help=_("why, for households enrolled by hand"))
    enrolling.set_defaults(run=run_enrol)
    status = commands.add_parser("enrolment", help=_("a beneficiary's status in a plan, and its history"))
    status_sub = status.add_subparsers(dest="enrolment_command", required=True, metavar="ACTION")
    change = status_sub.add_parser("status", help=_("suspend, reactivate, graduate or exit a household"))
    change.add_argument("--plan", required=True)
    change.add_argument("--household", required=True, metavar="CODE")
    change.add_argument("--to", required=True, choices=("active", "suspended", "graduated", "exited"))
    change.add_argument("--reason", required=True)
    change.add_argument("--on", type=_day, help=_("the day it takes effect (default today)"))
    change.set_defaults(run=run_enrolment_status)
    shown = status_sub.add_parser("history", help=_("every status change of a household in a plan"))
    shown.add_argument("--plan", required=True)
    shown.add_argument("--household", required=True, metavar="CODE")
    shown.set_defaults(run=run_enrolment_history)


def _payroll_parsers(commands: Commands) -> None:
    payroll = commands.add_parser("payroll", help=_("generate, approve and list payrolls (supervisor)"))
    sub = payroll.add_subparsers(dest="payroll_command", required=True, metavar="ACTION")
    generate = sub.add_parser("generate", help=_("the payrolls of a plan's cycle"))
    generate.add_argument("--plan", required=True)
    generate.add_argument("--period", required=True, help=_("the cycle's first month, YYYY-MM"))
    generate.add_argument("--pay-point", help=_("only the households of this pay point"))
    generate.add_argument(
        "--over-budget",
        choices=(STOP, UP_TO_BUDGET),
        default=STOP,
        help=_("stop (default), or pay households in order of household code up to the budget"),
    )
    generate.set_defaults(run=run_generate)
    rerun = sub.add_parser("rerun", help=_("run a failed generation again from its saved parameters"))
    rerun.add_argument("code", help=_("the failed generation's code (payroll list shows it)"))
    rerun.set_defaults(run=run_rerun)
    approve = sub.add_parser("approve", help=_("approve a payroll another supervisor generated"))
    approve.add_argument("code")
    approve.set_defaults(run=run_approve)
    reject = sub.add_parser("reject", help=_("reject a payroll with a reason; its households are freed"))
    reject.add_argument("code")
    reject.add_argument("--reason", required=True)
    reject.set_defaults(run=run_reject)
    sheet = sub.add_parser("sheet", help=_("print an approved payroll's sheet (or slips) to a PDF"))
    sheet.add_argument("code")
    sheet.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    sheet.add_argument("--slips", action="store_true", help=_("one payment slip per household instead"))
    sheet.set_defaults(run=run_sheet)
    export = sub.add_parser("export", help=_("an approved payroll as the provider's payment file"))
    export.add_argument("code")
    export.add_argument("--out", required=True, type=Path, metavar="FILE.csv|FILE.xlsx")
    export.set_defaults(run=run_export)
    payment_commands.add_status_parser(sub)
    listing = sub.add_parser("list", help=_("the payrolls, newest first"))
    listing.add_argument("--plan", help=_("only this plan's"))
    listing.set_defaults(run=run_payroll_list)


# --- providers and pay points ---


def run_provider_add(args: argparse.Namespace) -> int:
    data = ProviderInput(
        code=args.code,
        name=args.name,
        kind=args.kind,
        contract_ref=args.contract,
        contract_from=args.contract_from,
        contract_to=args.contract_to,
        contact_name=args.contact,
        phone=args.phone,
        email=args.email,
        active=not args.inactive,
    )
    with logged_in(args) as desk:
        row = desk.run(save_provider, data)
    print(_("Provider {code} {name} saved ({kind}).").format(code=row.code, name=row.name, kind=row.kind))
    return 0


def _remove_parser(actions: Commands, service: Callable[..., str], what: str) -> None:
    remove = actions.add_parser("remove", help=_("remove {what} (entered by mistake)").format(what=what))
    remove.add_argument("code")
    remove.set_defaults(run=lambda args: _run_remove(args, service))


def _run_remove(args: argparse.Namespace, service: Callable[..., str]) -> int:
    with logged_in(args) as desk:
        code = desk.run(service, args.code)
    print(_("{code} removed.").format(code=code))
    return 0


def run_provider_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        rows = desk.run(list_providers)
    if rows:
        print(f"{_('CODE'):<8} {_('NAME'):<32} {_('KIND'):<13} {_('CONTRACT')} {_('PAY POINTS')}")
    for row in rows:
        contract = f"{row.contract_from or ''}..{row.contract_to or ''}" if row.contract_ref else ""
        state = "" if row.active else _(" (inactive)")
        print(
            f"{row.code:<8} {row.name:<32} {row.kind:<13} {row.contract_ref} {contract} {row.pay_points}{state}"
        )
    if not rows:
        print(_("No providers yet: cashdesk provider add CODE --name NAME --kind mobile_money"))
    return 0


def run_paypoint_add(args: argparse.Namespace) -> int:
    data = PayPointInput(
        code=args.code,
        name=args.name,
        provider=args.provider,
        village=args.village,
        address=args.address,
        opening_days=args.days,
        clerks=args.clerk,
        active=not args.inactive,
    )
    with logged_in(args) as desk:
        row = desk.run(save_pay_point, data)
    print(
        _("Pay point {code} {name} saved ({provider}, {village}).").format(
            code=row.code, name=row.name, provider=row.provider_code, village=row.village_code
        )
    )
    return 0


def run_paypoint_import(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        result = desk.run(import_pay_points, args.file)
    print(_("Pay points created: {n}, changed: {m}.").format(n=result.created, m=result.updated))
    return 0


def run_paypoint_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        rows = desk.run(list_pay_points, provider=args.provider)
    if rows:
        print(
            f"{_('CODE'):<8} {_('NAME'):<28} {_('PROVIDER'):<8} {_('VILLAGE'):<8} {_('OPEN')} {_('CLERKS')}"
        )
    for row in rows:
        clerks = ", ".join(row.clerks)
        print(
            f"{row.code:<8} {row.name:<28} {row.provider_code:<8} {row.village_code:<8} {row.opening_days} {clerks}"
        )
    return 0


# --- plans and enrolment ---


def run_plan_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        plans = desk.run(list_plans)
    for plan in plans:
        print(f"{plan.code}  {plan.name}  ({plan.frequency}, from {plan.start}, {plan.status})")
        print(
            "   "
            + _("who: {match} of {conditions}").format(
                match=plan.match, conditions="; ".join(plan.conditions) or _("every household")
            )
        )
        amount = _("{base} {per}").format(base=plan.base_amount, per=plan.amount_per.replace("_", " "))
        extras = "".join(f"; {t}" for t in plan.top_ups) + (
            _("; at most {cap}").format(cap=plan.cap) if plan.cap else ""
        )
        print("   " + _("amount: {amount}{extras}").format(amount=amount, extras=extras))
        print("   " + _("{n:,} active beneficiaries").format(n=plan.active_beneficiaries))
    if not plans:
        print(_("No plans yet: cashdesk plan import FILE (docs/plans.md)."))
    return 0


def run_plan_import(args: argparse.Namespace) -> int:
    data = read_plan_file(args.file)  # before logging in: a bad file is refused without a password
    with logged_in(args) as desk:
        try:
            plan = desk.run(save_plan, data)
        except ValidationError as exc:  # a field of the file the registry refuses: say which file
            raise ValidationError(f"{args.file.name}: {exc.message}", field=exc.field) from exc
    print(_("Plan {code} {name} saved.").format(code=plan.code, name=plan.name))
    return 0


def _print_preview(preview: EnrolmentPreview) -> None:
    def money(minor: int) -> str:
        return format_amount(minor, minor_units=preview.minor_units, currency=preview.currency)

    if preview.individual:
        print(_("{plan} pays individuals: the counts are of people.").format(plan=preview.plan_code))
    print(_("{village:<24} {q:>10} {e:>10} {n:>10} {c:>22}").format(
        village=_("village"), q=_("qualify"), e=_("enrolled"), n=_("new"), c=_("cost per cycle")))  # fmt: skip
    for row in preview.by_location:
        print(
            f"{row.village_code + ' ' + row.village:<24} {row.qualifying:>10,} {row.already_enrolled:>10,} "
            f"{row.new:>10,} {money(row.cost_minor):>22}"
        )
    print(
        f"{_('total'):<24} {preview.qualifying:>10,} {preview.already_enrolled:>10,} {preview.new:>10,} "
        f"{money(preview.cost_per_cycle_minor):>22}"
    )


def run_enrol(args: argparse.Namespace) -> int:
    if args.household:
        if args.dry_run:
            raise CommandError(
                _("--dry-run counts what the criteria select; households by hand are enrolled at once.")
            )
        with logged_in(args) as desk:
            n = desk.run(enrol_households, args.plan, args.household, reason=args.reason, on=args.on)
        print(_("{n:,} household(s) enrolled in {plan} by hand.").format(n=n, plan=args.plan.upper()))
        return 0
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            job = preview_enrolment if args.dry_run else enrol
            preview = desk.run(job, args.plan, on=args.on, progress=bar, abort=abort)
        bar.finish()
    _print_preview(preview)
    if preview.enrolled:
        unit = _("people") if preview.individual else _("households")
        print(_("{n:,} {unit} enrolled in {plan}.").format(n=preview.new, unit=unit, plan=preview.plan_code))
    else:
        print(_("Nothing was enrolled (--dry-run)."))
    return 0


def run_enrolment_status(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        desk.run(
            change_status, args.plan, args.household, to=args.to, reason=args.reason, effective_on=args.on
        )
    print(_("{household} is now {status} in {plan}.").format(household=args.household, status=args.to,
                                                            plan=args.plan.upper()))  # fmt: skip
    return 0


def run_enrolment_history(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        changes = desk.run(status_history, args.plan, args.household)
    for c in changes:
        who = f" {c.person}" if c.person else ""
        print(f"{c.changed_at.astimezone().strftime('%Y-%m-%d %H:%M')}{who}  {c.from_status or '-'} -> {c.to_status}"
              f"  ({c.reason}; {c.changed_by}; effective {c.effective_on or '-'})")  # fmt: skip
    return 0


# --- payrolls ---


def _payroll_header() -> str:
    return f"{_('PAYROLL'):<24} {_('WHERE'):<8} {_('LINES'):>8} {_('TOTAL'):>22}  {_('STATUS')}"


def _payroll_line(p: PayrollSummary) -> str:
    total = format_amount(p.total_minor, minor_units=p.minor_units, currency=p.currency)
    where = p.pay_point_code or p.provider_code
    return f"{p.code:<24} {where:<8} {p.line_count:>8,} {total:>22}  {p.status.replace('_', ' ')}"


def run_generate(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            params = parameters(args.plan, args.period, args.pay_point, args.over_budget)
            result = runs.generate(desk, params, progress=bar, abort=abort)
        bar.finish()
    _print_generated(result, abort)
    return 0


def run_rerun(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            result = runs.rerun_generation(desk, args.code, progress=bar, abort=abort)
        bar.finish()
    _print_generated(result, abort)
    return 0


def _print_generated(result: GenerationResult, abort: threading.Event) -> None:
    print(
        _("Cycle {code}: {start} to {end}").format(
            code=result.cycle_code, start=result.period_start, end=result.period_end
        )
    )
    print(_payroll_header())
    for payroll in result.payrolls:
        print(_payroll_line(payroll))
    for reason, count in result.skipped.items():
        print(_("{n:,} households left off: {reason}").format(n=count, reason=reason))
    print(_("Each payroll now waits for another supervisor: cashdesk payroll approve CODE"))
    if abort.is_set():
        print(_("Ctrl+C came after generation had finished: it was saved."), file=sys.stderr)


def run_approve(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        payroll = desk.run(approve_payroll, args.code)
    print(_("Approved: {line}").format(line=_payroll_line(payroll)))
    print(_("Fingerprint {fp}").format(fp=payroll.fingerprint))
    return 0


def run_reject(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise ValidationError(_("Say why the payroll is rejected."), field="reason")
    with logged_in(args) as desk:
        payroll = desk.run(reject_payroll, args.code, reason=args.reason)
    print(_("Rejected: {line}").format(line=_payroll_line(payroll)))
    return 0


def run_payroll_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        payrolls = desk.run(list_payrolls, plan_code=args.plan)
        sees_all = desk.actor.can(Permission.GENERATE_PAYROLL)
    if payrolls:
        print(_payroll_header())
    for payroll in payrolls:
        print(_payroll_line(payroll))
        if payroll.status in ("failed", "rejected") and payroll.status_note:
            print(f"    {payroll.status_note}")
    if not payrolls and sees_all:
        print(_("No payrolls yet: cashdesk payroll generate --plan CODE --period YYYY-MM"))
    elif not payrolls:
        print(_("No payrolls for your pay points yet: an administrator assigns clerks to pay points."))
    return 0


def run_sheet(args: argparse.Namespace) -> int:
    job = print_slips if args.slips else print_sheet
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            printed = desk.run(job, args.code, args.out, progress=bar, abort=abort)
        bar.finish()
    what = _("slips") if args.slips else _("sheet")
    print(
        _("{path}: {what} of {n:,} payments on {pages:,} pages.").format(
            path=printed.path, what=what, n=printed.rows, pages=printed.pages
        )
    )
    if not printed.fonts_embedded:
        print(_("The DejaVu fonts are missing: names outside Latin-1 may not print."), file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            written = desk.run(export_payment_file, args.code, args.out, progress=bar, abort=abort)
        bar.finish()
    print(_("{path}: {n:,} payments.").format(path=written.path, n=written.rows))
    return 0

"""Money after the payroll, at scale: reconciling a provider's 100,000-row result file, and recording a
payment at a pay point on a payroll of 20,000 lines; each beside the straightforward way on the same data
in the same run.

Usage: .venv/bin/python -m benchmarks.reconciliation [--households 100000] [--quick] [--skip-baseline]
Goals (issue 19): reconciling a 100,000-row file under 10 s; recording a payment, from Enter to saved and
the next payment's card ready, under 50 ms on a payroll of 20,000 lines.

The scheme is made by the payroll benchmark's builder (benchmarks/payroll_data.py, through the project's
services): one mobile money payroll of every household (PAY), approved by a second supervisor. Districts D01
and D02 (a fifth of the households) are then paid cash at one pay point under a second plan (CASH), whose
payroll a clerk records on.

The provider's file is drawn here, by a generator of its own (not the tests' and not the matcher's): the
columns and words of a mobile money operator's bulk report, and a mix of outcomes: paid as due, failed with
an operator's reasons, paid another amount, rows missing, references from another system, receipts used
twice, payments retried and paid twice, still pending.

The straightforward ways: reconciling, one query per row to find its line, one ORM object per row, as
openIMIS's reconciliation does (categories by the same rules, checked equal, then rolled back); recording,
the same service followed by reloading the payroll's whole list, as a screen that refreshes its table does.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import resource
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALL = 10**7  # payroll_lines pages by 200: the whole payroll
FAILURES = ("Insufficient funds in float", "Invalid MSISDN", "Account not registered", "Transaction timed out",
            "Receiver account frozen")  # fmt: skip


def say(text: str) -> None:
    print(text, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the scheme ----------------------------------------------------------------------------------------


def build(data: Path, households: int) -> tuple[str, str]:
    """The scheme, the approved mobile money payroll of everyone, and the approved cash payroll of D01-D02."""
    from sqlalchemy import text

    from benchmarks.payroll_data import CHECKER, MAKER, PASSWORD, PERIOD, REFERENCE, desk_of, make_scheme
    from cashdesk.models.security import Role
    from cashdesk.payroll.approval import approve_payroll
    from cashdesk.payroll.enrolment import enrol
    from cashdesk.payroll.generation import generate_payroll
    from cashdesk.payroll.plans import CriterionInput, PlanInput, save_plan
    from cashdesk.payroll.providers import PayPointInput, ProviderInput, save_pay_point, save_provider
    from cashdesk.security import users

    started = time.perf_counter()
    make_scheme(data, households=households)
    admin = desk_of(data, "admin")
    admin.run(users.create_user, admin.vault, username="clerk", full_name="Pay Clerk",
              role=Role.PAY_POINT_CLERK, password=PASSWORD)  # fmt: skip
    admin.run(save_provider, ProviderInput(code="CSH", name="Cash agents", kind="cash_agent"))
    admin.run(save_pay_point, PayPointInput(code="PP1", name="Boma agent", provider="CSH", village="V0101",
                                            clerks=["clerk"]))  # fmt: skip
    admin.close()
    maker, checker = desk_of(data, MAKER), desk_of(data, CHECKER)
    maker.run(enrol, "PAY", on=REFERENCE)
    [mobile] = maker.run(generate_payroll, plan_code="PAY", period=PERIOD).payrolls
    checker.run(approve_payroll, mobile.code)
    # The cash caseload: D01's and D02's households move to the pay point (a plain update: the registry's
    # own editing would take minutes for 20,000 households and is not what is measured here).
    maker.run(lambda s, _a: s.execute(text(
        "UPDATE households SET payment_method = 'cash', preferred_pay_point_id = (SELECT id FROM pay_points WHERE code = 'PP1'),"
        " payment_provider_id = (SELECT id FROM providers WHERE code = 'CSH'), payment_account = NULL"
        " WHERE location_id IN (SELECT id FROM locations WHERE path LIKE '%/D01/%' OR path LIKE '%/D02/%')")))  # fmt: skip
    areas = [
        CriterionInput("household", "area", "eq", "D01"),
        CriterionInput("household", "area", "eq", "D02"),
    ]
    maker.run(save_plan, PlanInput(code="CASH", name="Cash pilot", start=REFERENCE.replace(month=1), match="any",
                                   conditions=areas, base_amount="10000"))  # fmt: skip
    maker.run(enrol, "CASH", on=REFERENCE)
    [cash] = maker.run(generate_payroll, plan_code="CASH", period=PERIOD).payrolls
    checker.run(approve_payroll, cash.code)
    maker.close()
    checker.close()
    say(f"scheme and payrolls: {mobile.code} {mobile.line_count:,} lines, {cash.code} {cash.line_count:,} lines,"
        f" in {time.perf_counter() - started:.0f} s")  # fmt: skip
    return mobile.code, cash.code


# --- the provider's file -------------------------------------------------------------------------------


def provider_file(path: Path, lines: list[tuple[str, int, str]], *, seed: int = 2026) -> int:
    """A mobile money operator's report for these (transaction number, amount in minor units, phone)."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    rows: list[list[str]] = []
    receipts = 0

    def receipt() -> str:
        nonlocal receipts
        receipts += 1
        return f"RK{receipts:09d}"

    def when() -> str:
        return (start + timedelta(seconds=rng.randrange(5 * 86400))).strftime("%d/%m/%Y %H:%M:%S")

    def money(minor: int) -> str:
        return f"{minor / 100:,.2f}"

    last_receipt = ""
    for txn, amount, phone in lines:
        roll = rng.random()
        if roll < 0.02:
            continue  # the operator left it out
        if roll < 0.06:
            rows.append([txn, "", phone, money(amount), "MWK", "FAILED", rng.choice(FAILURES), when()])
        elif roll < 0.075:
            rows.append([txn, receipt(), phone, money(amount - rng.choice((100, 500, 1000)) * 100), "MWK", "SUCCESS",
                         "", when()])  # fmt: skip
        elif roll < 0.08 and last_receipt:
            rows.append(
                [txn, last_receipt, phone, money(amount), "MWK", "SUCCESS", "", when()]
            )  # a receipt reused
        elif roll < 0.085:
            rows.append([txn, "", phone, money(amount), "MWK", "FAILED", "Transaction timed out", when()])
            rows.append([txn, receipt(), phone, money(amount), "MWK", "SUCCESS", "", when()])  # retried: paid
        elif roll < 0.088:
            rows.append([txn, receipt(), phone, money(amount), "MWK", "SUCCESS", "", when()])
            rows.append([txn, receipt(), phone, money(amount), "MWK", "SUCCESS", "", when()])  # paid twice
        elif roll < 0.095:
            rows.append([txn, "", phone, money(amount), "MWK", "PENDING", "", ""])
        else:
            last_receipt = receipt()
            rows.append([txn, last_receipt, phone, money(amount), "MWK", "SUCCESS", "", when()])
    for n in range(len(lines) // 100):  # references the payroll never issued
        rows.insert(rng.randrange(len(rows)), [f"EXT-{n:07d}", receipt(), "265990000000", "10,000.00", "MWK",
                                               "SUCCESS", "", when()])  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Transaction Reference", "Receipt No.", "MSISDN", "Amount", "Currency", "Status",
                         "Failure Reason", "Completion Time"])  # fmt: skip
        writer.writerows(rows)
    return len(rows)


# --- reconciliation: CashDesk's way and the straightforward way ------------------------------------------


def reconcile_fast(data: Path, code: str, path: Path) -> tuple[float, dict[str, int]]:
    from benchmarks.payroll_data import MAKER, desk_of
    from cashdesk.payroll.reconciliation import import_result_file

    desk = desk_of(data, MAKER)
    started = time.perf_counter()
    result = desk.run(import_result_file, payroll_code=code, path=path)
    seconds = time.perf_counter() - started
    desk.close()
    return seconds, result.counts


def reconcile_per_row(data: Path, code: str, path: Path) -> tuple[float, dict[str, int]]:
    """One lookup per row, one ORM object per row; the same categories; rolled back."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from benchmarks.payroll_data import MAKER, desk_of
    from cashdesk.core.tables import iter_rows, open_table
    from cashdesk.models import PaymentLine, ReconciliationBatch, ReconciliationRow
    from cashdesk.models.payments import ReconciliationStatus
    from cashdesk.payroll import reconciliation as rec
    from cashdesk.payroll.queries import payroll_by_code
    from cashdesk.payroll.result_file import parse_amount, parse_status, parse_time

    desk = desk_of(data, MAKER)
    started = time.perf_counter()
    with Session(desk.engine) as session:
        payroll = payroll_by_code(session, code)
        batch = ReconciliationBatch(payroll_id=payroll.id, file_name=path.name, file_sha256="baseline",
                                    status=ReconciliationStatus.APPLIED)  # fmt: skip
        session.add(batch)
        session.flush()
        by_line: dict[object, list[rec._Row]] = defaultdict(list)
        unknown = 0
        provider_ids: Counter[str] = Counter()
        info = open_table(path)
        for number, values in iter_rows(info):
            txn, receipt, _phone, amount, _currency, status, reason, completed = values
            line = session.scalars(select(PaymentLine).where(PaymentLine.transaction_number == txn)).first()
            row = ReconciliationRow(
                batch_id=batch.id, source_row=number, line_id=line.id if line and line.payroll_id == payroll.id else None,
                transaction_number=txn, provider_transaction_id=receipt or None, amount_minor=parse_amount(amount, 2),
                status=parse_status(status), raw_status=status, error_message=reason or None,
                completed_at=parse_time(completed) if completed else None,
            )  # fmt: skip
            session.add(row)
            if receipt:
                provider_ids[receipt] += 1
            if row.line_id is None:
                unknown += 1
            else:
                by_line[row.line_id].append(
                    rec._Row(
                        row.id,
                        row.line_id,
                        txn,
                        row.provider_transaction_id,
                        row.amount_minor,
                        row.status,
                        status,
                        reason,
                        row.completed_at,
                    )
                )
        session.flush()
        counts: Counter[str] = Counter()
        for line in session.scalars(select(PaymentLine).where(PaymentLine.payroll_id == payroll.id)):
            facts = rec._Line(line.id, line.transaction_number, line.amount_minor, False, line.status)
            counts[rec.categorise(facts, by_line.get(line.id, []), provider_ids)[0].value] += 1
        if unknown:
            counts["unknown"] = unknown
        session.rollback()
    seconds = time.perf_counter() - started
    desk.close()
    return seconds, dict(counts)


# --- recording at the pay point ------------------------------------------------------------------------


sizes: dict[str, int] = {}  # lines per payroll, as recording found them


def recording(data: Path, code: str, *, count: int, reload_list: bool, done: set[str]) -> list[float]:
    """Milliseconds from Enter to saved and the next payment's card found, for `count` payments."""
    from benchmarks.payroll_data import PASSWORD
    from cashdesk.desk import open_desk
    from cashdesk.payroll.disbursement import find_payments, record_paid
    from cashdesk.payroll.queries import payroll_lines

    desk = open_desk(data, "clerk", PASSWORD)
    numbers = [
        line.transaction_number
        for line in desk.run(payroll_lines, code, limit=ALL)
        if line.transaction_number not in done
    ]
    rng = random.Random(5 if reload_list else 4)
    chosen = rng.sample(numbers, count + 1)
    done.update(chosen[:-1])
    sizes[code] = len(numbers) + len(done) - count
    times = []
    for number, following in itertools.pairwise(chosen):
        started = time.perf_counter()
        desk.run(record_paid, transaction_number=number, verification="id_document")
        if reload_list:
            desk.run(payroll_lines, code, limit=ALL)
        desk.run(find_payments, payroll_code=code, text=following)
        times.append((time.perf_counter() - started) * 1000)
    desk.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 households: a smoke run")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--payments", type=int, default=200, help="payments recorded for the timing")
    args = parser.parse_args()
    households = 10_000 if args.quick else args.households
    with tempfile.TemporaryDirectory(prefix="cashdesk-rec-") as scratch:
        data = Path(scratch) / "data"
        mobile, cash = build(data, households)
        from benchmarks.payroll_data import CHECKER, desk_of
        from cashdesk.payroll.queries import payroll_lines

        checker = desk_of(data, CHECKER)
        lines = [
            (line.transaction_number, line.amount_minor, line.account)
            for line in checker.run(payroll_lines, mobile, limit=ALL)
        ]
        checker.close()
        file = Path(scratch) / "kmm-report.csv"
        rows = provider_file(file, lines)
        say(f"provider file: {rows:,} rows for {len(lines):,} lines, {file.stat().st_size / 1e6:.1f} MB")
        table = []
        if not args.skip_baseline:
            slow, slow_counts = reconcile_per_row(data, mobile, file)
            say(f"  baseline reconcile (one lookup per row): {slow:.2f} s {slow_counts}")
        fast, counts = reconcile_fast(data, mobile, file)
        say(f"reconcile: {fast:.2f} s, peak {peak_mb():.0f} MB {counts}")
        if not args.skip_baseline:
            assert slow_counts == counts, (slow_counts, counts)
        table.append(
            ("reconcile a result file", rows, fast, "< 10 s", fast < 10, None if args.skip_baseline else slow)
        )
        done: set[str] = set()
        recorded = recording(data, cash, count=args.payments, reload_list=False, done=done)
        median, p95 = statistics.median(recorded), sorted(recorded)[int(len(recorded) * 0.95)]
        say(
            f"record a payment: median {median:.1f} ms, 95th percentile {p95:.1f} ms, worst {max(recorded):.1f} ms"
        )
        base_median = None
        if not args.skip_baseline:
            base = recording(data, cash, count=max(20, args.payments // 10), reload_list=True, done=done)
            base_median = statistics.median(base)
            say(f"  baseline record + reload the list: median {base_median:.1f} ms")
        table.append(("record a payment (median ms)", sizes[cash], median, "< 50 ms", p95 < 50, base_median))
        say("")
        say(f"{'step':<30} {'rows':>8} {'measured':>9} {'goal':>8} {'met':>6} {'baseline':>9} {'ratio':>6}")
        for step, n, value, goal, met, base_value in table:
            ratio = f"{base_value / value:.1f}x" if base_value else "-"
            base_text = f"{base_value:.2f}" if base_value else "-"
            say(
                f"{step:<30} {n:>8,} {value:>9.2f} {goal:>8} {'met' if met else 'MISSED':>6} {base_text:>9} {ratio:>6}"
            )


if __name__ == "__main__":
    main()

"""Payroll at scale: enrolment by criteria, generation, approval and the payroll sheet, each timed beside
the straightforward way on the same data in the same run.

Usage: .venv/bin/python -m benchmarks.payroll [--households 100000] [--quick] [--skip-baseline]
Goals: enrolment (preview and enrol) of a criteria set over 100,000 households under 3 s; generation of a
100,000-line payroll under 5 s; the sheet of 10,000 rows under 3 s and 300 MB peak memory (100,000 rows
must work too); approval of a 100,000-line payroll, fingerprint included, under 1 s.

A scheme database file is made through the project's own services (benchmarks/payroll_data.py), then each
step runs in a fresh process of its own, logged in as a supervisor, so its peak memory (the process's
peak RSS: Python, the libraries and the login included) is its own. The straightforward ways
(benchmarks/payroll_baselines.py) write into twin plans, and their results are checked equal to the
services' before any ratio is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# --- what runs in a step's own process -----------------------------------------------------------------


def _fast(data: Path, step: str, p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    from benchmarks.payroll_data import CHECKER, MAKER, PERIOD, REFERENCE, desk_of
    from cashdesk.payroll.approval import approve_payroll
    from cashdesk.payroll.enrolment import enrol, preview_enrolment
    from cashdesk.payroll.generation import generate_payroll
    from cashdesk.payroll.sheets import print_sheet

    desk = desk_of(data, CHECKER if step in ("approve", "sheet") else MAKER)
    calls: dict[str, Callable[[], Any]] = {
        "preview": lambda: desk.run(preview_enrolment, p["plan"], on=REFERENCE),
        "enrol": lambda: desk.run(enrol, p["plan"], on=REFERENCE),
        "generate": lambda: desk.run(generate_payroll, plan_code=p["plan"], period=PERIOD),
        "approve": lambda: desk.run(approve_payroll, p["code"]),
        "sheet": lambda: desk.run(print_sheet, p["code"], Path(p.get("out", ""))),
    }
    before = _peak_mb()
    started = time.perf_counter()
    result = _profiled(step, calls[step])
    seconds = time.perf_counter() - started
    desk.close()
    p["start_mb"] = before
    if step in ("preview", "enrol"):
        return seconds, {
            "qualifying": result.qualifying,
            "new": result.new,
            "cost": result.cost_per_cycle_minor,
            "by_village": sorted(
                [c.village_code, c.qualifying, c.new, c.cost_minor] for c in result.by_location
            ),
        }
    if step == "generate":
        return seconds, {"payrolls": [[s.code, s.line_count, s.total_minor] for s in result.payrolls]}
    if step == "approve":
        return seconds, {"fingerprint": result.fingerprint, "lines": result.line_count}
    return seconds, {"rows": result.rows, "total": result.total_minor, "pages": result.pages}


def _baseline(data: Path, step: str, p: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    from sqlalchemy.orm import Session

    from benchmarks import payroll_baselines as base
    from benchmarks.payroll_data import MAKER, PERIOD, REFERENCE, desk_of

    desk = desk_of(data, MAKER)
    user = desk.actor.user_id
    p["start_mb"] = _peak_mb()
    started = time.perf_counter()
    with Session(desk.engine, expire_on_commit=False) as session:
        calls: dict[str, Callable[[], dict[str, Any]]] = {
            "orm-preview": lambda: base.orm_preview(session, p["plan"], REFERENCE),
            "orm-enrol": lambda: base.orm_enrol(session, user, p["plan"], REFERENCE),
            "orm-generate": lambda: base.orm_generate(session, user, p["plan"], PERIOD),
            "orm-fingerprint": lambda: base.orm_fingerprint(session, p["code"]),
            "platypus-sheet": lambda: base.platypus_sheet(session, p["code"], Path(p.get("out", ""))),
        }
        result = _profiled(step, calls[step])
        session.rollback()  # the reads' transaction; the writing baselines committed their own
    seconds = time.perf_counter() - started
    desk.close()
    result.pop("chosen", None)
    return seconds, result


def _profiled(step: str, call: Callable[[], Any]) -> Any:
    """BENCH_PROFILE=DIR: the step's cProfile statistics go to DIR/STEP.prof (to see where time goes)."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return call()
    profile = cProfile.Profile()
    result = profile.runcall(call)
    profile.dump_stats(str(Path(folder) / f"{step}-{os.getpid()}.prof"))
    return result


def _peak_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries the parent's peak
    into a child started with vfork or fork and exec, so every step would show the parent's 440 MB.
    VmHWM belongs to the process's own address space, made new by exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def child(data: Path, step: str, params: dict[str, Any]) -> None:
    """One step in this process, logged in; its figures on one line for the parent."""
    run = _baseline if step.startswith(("orm-", "platypus-")) else _fast
    seconds, result = run(data, step, params)
    figures = {"seconds": seconds, "peak_mb": _peak_mb(), "start_mb": params["start_mb"], **result}
    print("RESULT " + json.dumps(figures), flush=True)


# --- the parent: runs the steps, checks the results agree, prints the table ----------------------------


class TooSlow(Exception):
    pass


def run_step(data: Path, step: str, *, timeout: float | None = None, **params: Any) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.payroll", "--child", step, "--data", str(data)]
    try:
        done = subprocess.run(
            [*command, "--params", json.dumps(params)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TooSlow(step) from None
    if done.returncode != 0:
        raise RuntimeError(f"step {step} {params} failed:\n{done.stderr[-4000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


@dataclass
class Row:
    step: str
    rows: int
    seconds: float
    peak_mb: float
    goal: str = ""
    goal_s: float | None = None
    goal_mb: float | None = None
    baseline_s: float | None = None
    baseline_note: str = ""

    @property
    def met(self) -> str:
        if self.goal_s is None:
            return ""
        ok = self.seconds < self.goal_s and (self.goal_mb is None or self.peak_mb < self.goal_mb)
        return "met" if ok else "MISSED"

    def cells(self) -> list[str]:
        base = f"{self.baseline_s:.2f}" if self.baseline_s is not None else self.baseline_note or "-"
        ratio = f"{self.baseline_s / self.seconds:.1f}x" if self.baseline_s is not None else "-"
        goal = f"{self.goal} {self.met}".strip() or "-"
        return [self.step, f"{self.rows:,}", f"{self.seconds:.2f}", f"{self.peak_mb:.0f}", goal, base, ratio]


def print_table(rows: list[Row]) -> None:
    head = ["step", "rows", "seconds", "peak MB", "goal", "baseline s", "ratio"]
    cells = [head, *[r.cells() for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    for n, line in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


def _query(data: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    from benchmarks.payroll_data import desk_of

    desk = desk_of(data, "admin")
    try:
        return desk.run(lambda s, a: [tuple(r) for r in s.execute(text(sql), params)])
    finally:
        desk.close()


def enrolled(data: Path, plan: str) -> set[str]:
    sql = (
        "SELECT e.household_id FROM enrolments e JOIN benefit_plans p ON p.id = e.plan_id "
        "WHERE p.code = :plan AND e.status = 'active' AND e.member_id IS NULL"
    )
    return {r[0] for r in _query(data, sql, plan=plan)}


def payroll_rows(data: Path, code: str) -> list[tuple[Any, ...]]:
    sql = (
        "SELECT l.position, l.household_code, l.recipient_name, l.recipient_id_number, l.payment_account, "
        "l.amount_minor FROM payment_lines l JOIN payrolls p ON p.id = l.payroll_id WHERE p.code = :code "
        "ORDER BY l.position"
    )
    return _query(data, sql, code=code)


def seconds(result: dict[str, Any] | None) -> float | None:
    return None if result is None else float(result["seconds"])


def say(text: str) -> None:
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 households: a smoke run")
    parser.add_argument("--skip-baseline", action="store_true", help="only CashDesk's own way")
    parser.add_argument("--sheet-cap", type=float, default=600, help="seconds the platypus sheet may take")
    parser.add_argument("--keep", type=Path, help="make the scheme in this folder and keep it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.data, args.child, json.loads(args.params))
        return
    households = 5000 if args.quick else args.households
    if args.keep:
        data = args.keep / "data"
    else:  # removed when the benchmark ends: a full run writes several hundred megabytes
        scratch = tempfile.TemporaryDirectory(prefix="cashdesk-bench-")
        data = Path(scratch.name) / "data"
    results = run(data, households, baseline=not args.skip_baseline, sheet_cap=args.sheet_cap)
    say("")
    print_table(results)


def run(data: Path, households: int, *, baseline: bool, sheet_cap: float) -> list[Row]:
    from benchmarks.payroll_data import make_scheme
    from benchmarks.registry import machine_speed

    loop, reads = machine_speed()
    say(f"machine speed: a fixed Python loop {loop:.2f} s, 2 million random reads {reads:.2f} s")
    started = time.perf_counter()
    made, members = make_scheme(data, households=households)
    size = (data / "cashdesk.db").stat().st_size / 1e6
    say(
        f"scheme: {made:,} households, {members:,} members in {time.perf_counter() - started:.1f} s; database {size:.0f} MB"
    )
    rows: list[Row] = []

    def versus(name: str, **params: Any) -> dict[str, Any] | None:
        if not baseline:
            return None
        result = run_step(data, name, **params)
        say(f"  baseline {name} {params}: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB")
        return result

    # 1. Enrolment by criteria, matched any and all, then everyone (the generation's caseload).
    for plan, label in (("TARGET-ANY", "any of 4"), ("TARGET-ALL", "all of 4")):
        slow = versus("orm-preview", plan=plan)
        fast = run_step(data, "preview", plan=plan)
        say(f"preview {plan}: {fast['qualifying']:,} qualify, {fast['seconds']:.2f} s")
        if slow:
            assert [slow[k] for k in ("qualifying", "new", "cost")] == [
                fast[k] for k in ("qualifying", "new", "cost")
            ]
            assert slow["by_village"] == fast["by_village"], "per-village counts differ"
        rows.append(Row(f"enrolment preview ({label})", households, fast["seconds"], fast["peak_mb"], "< 3 s", 3,
                        baseline_s=seconds(slow)))  # fmt: skip
        slow = versus("orm-enrol", plan=f"{plan}-B")
        fast = run_step(data, "enrol", plan=plan)
        say(f"enrol {plan}: {fast['new']:,} enrolled, {fast['seconds']:.2f} s")
        if slow:
            assert slow["enrolled"] == fast["new"] and enrolled(data, plan) == enrolled(data, f"{plan}-B")
        rows.append(Row(f"enrol ({label}: {fast['new']:,} enrolled)", households, fast["seconds"], fast["peak_mb"],
                        "< 3 s", 3, baseline_s=seconds(slow)))  # fmt: skip
    slow = versus("orm-enrol", plan="PAY-B")
    fast = run_step(data, "enrol", plan="PAY")
    if slow:
        assert slow["enrolled"] == fast["new"] == households and enrolled(data, "PAY") == enrolled(
            data, "PAY-B"
        )
    rows.append(Row("enrol (no criteria: everyone)", households, fast["seconds"], fast["peak_mb"], "< 3 s", 3,
                    baseline_s=seconds(slow)))  # fmt: skip
    pilot = run_step(data, "enrol", plan="PILOT")["new"]

    # 2. Generation of the whole caseload's payroll; the pilot's for the 10,000-row sheet.
    slow = versus("orm-generate", plan="PAY-B")
    fast = run_step(data, "generate", plan="PAY")
    (code, lines, total), *_others = fast["payrolls"]
    say(f"generate PAY: {fast['payrolls']}, {fast['seconds']:.2f} s")
    if slow:
        (slow_code, slow_lines, slow_total), *_ = slow["payrolls"]
        assert (slow_lines, slow_total) == (lines, total) and len(fast["payrolls"]) == len(
            slow["payrolls"]
        ) == 1
        assert payroll_rows(data, code) == payroll_rows(data, slow_code), "the two payrolls' lines differ"
    rows.append(Row("generate payroll", lines, fast["seconds"], fast["peak_mb"], "< 5 s", 5,
                    baseline_s=seconds(slow)))  # fmt: skip
    small = run_step(data, "generate", plan="PILOT")
    (pilot_code, pilot_lines, _total), *_ = small["payrolls"]
    assert pilot_lines == pilot
    rows.append(Row("generate payroll (pilot district)", pilot_lines, small["seconds"], small["peak_mb"]))

    # 3. Approval, fingerprint included.
    slow = versus("orm-fingerprint", code=code)
    fast = run_step(data, "approve", code=code)
    if slow:
        assert slow["fingerprint"] == fast["fingerprint"] and slow["lines"] == lines
    rows.append(Row("approve payroll (fingerprint)", lines, fast["seconds"], fast["peak_mb"], "< 1 s", 1,
                    baseline_s=seconds(slow)))  # fmt: skip
    run_step(data, "approve", code=pilot_code)

    # 4. Sheets: the pilot's (10,000 rows at full size), beside one platypus table; then everyone's.
    out = data.parent / "sheets"
    out.mkdir(exist_ok=True)
    fast = run_step(data, "sheet", code=pilot_code, out=str(out / "pilot.pdf"))
    assert fast["rows"] == pilot_lines
    note, slow_s = "", None
    if baseline:
        try:
            slow = run_step(
                data, "platypus-sheet", timeout=sheet_cap, code=pilot_code, out=str(out / "platypus.pdf")
            )
            assert (slow["rows"], slow["total"]) == (fast["rows"], fast["total"])
            slow_s = slow["seconds"]
            say(
                f"  baseline platypus sheet: {slow_s:.2f} s, peak {slow['peak_mb']:.0f} MB, {slow['pages']:,} pages"
            )
        except TooSlow:
            note = f"> {sheet_cap:.0f} (cap)"
            say(f"  baseline platypus sheet: stopped after the cap of {sheet_cap:.0f} s")
    say(
        f"sheet {pilot_code}: {fast['pages']:,} pages, {fast['seconds']:.2f} s, peak {fast['peak_mb']:.0f} MB"
    )
    rows.append(Row(f"payroll sheet PDF ({fast['pages']:,} pages)", fast["rows"], fast["seconds"], fast["peak_mb"],
                    "< 3 s, < 300 MB", 3, 300, baseline_s=slow_s, baseline_note=note))  # fmt: skip
    fast = run_step(data, "sheet", code=code, out=str(out / "all.pdf"))
    assert fast["rows"] == lines
    say(f"sheet {code}: {fast['pages']:,} pages, {fast['seconds']:.2f} s, peak {fast['peak_mb']:.0f} MB")
    rows.append(Row(f"payroll sheet PDF ({fast['pages']:,} pages)", fast["rows"], fast["seconds"], fast["peak_mb"],
                    "must work"))  # fmt: skip
    say("peak MB: the step's own process (Python, libraries and login included: about "
        f"{fast['start_mb']:.0f} MB before the step starts)")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()

"""Time `cashdesk demo --households N` as a user runs it (goal: 100,000 households in under 2 minutes).

Usage: .venv/bin/python benchmarks/demo_district.py [--households 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    args = parser.parse_args()
    # Removed when the benchmark ends: each run writes several hundred megabytes.
    scratch = tempfile.TemporaryDirectory(prefix="cashdesk-bench-")
    data = Path(scratch.name) / "data"
    env = dict(os.environ, CASHDESK_HOME=str(data), CASHDESK_PASSWORD="bench-pass-1", CASHDESK_USER="admin")
    cli = [sys.executable, "-m", "cashdesk"]
    subprocess.run(
        [*cli, "init", "--scheme", "Bench", "--country", "MW", "--currency", "MWK", "--admin", "admin"],
        env=env,
        check=True,
        capture_output=True,
    )
    started = time.perf_counter()
    result = subprocess.run(
        [*cli, "demo", "--households", str(args.households), "--seed", "1"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = (data / "cashdesk.db").stat().st_size / 1e6
    print(result.stdout.strip())
    print(
        f"{args.households:,} households in {elapsed:.1f} s "
        f"({args.households / elapsed:,.0f} households/s), peak memory {peak_mb:.0f} MB, "
        f"database {size_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()

"""How long a user waits: process start to the login window, and login to a ready main window.

Usage: .venv/bin/python benchmarks/startup.py [--households 20000] [--runs 3]
Creates a scheme with a demo district in a temporary folder, then starts fresh processes that open the
window offscreen. "Ready" means the home screen shows its figures (read from the database).
Passwords use the real key-derivation cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-pass-1"


def child(data: Path) -> None:
    """Runs in the measured process: show the login window, then log in and wait for the home figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from cashdesk.ui.app import make_application
    from cashdesk.ui.dialogs.login import LoginDialog
    from cashdesk.ui.main_window import MainWindow
    from cashdesk.ui.ops import OpsHub

    app = make_application([])
    hub = OpsHub()
    dialog = LoginDialog(hub, data, "admin")
    dialog.show()
    app.processEvents()
    print("login-shown", flush=True)
    started = time.perf_counter()
    dialog.password.setText(PASSWORD)

    def opened() -> None:
        hub.desk = dialog.desk
        window = MainWindow(hub)
        window.show()
        home = window.screens["home"]

        def check() -> None:
            if home.figures["households"].value.text() not in ("…", ""):
                print(f"main-ready {time.perf_counter() - started:.3f}", flush=True)
                hub.wait_idle()
                hub.desk.close()
                QApplication.quit()
            else:
                QTimer.singleShot(5, check)

        check()

    dialog.accepted.connect(opened)
    dialog._login()
    app.exec()


def measure(data: Path) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(data)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    to_login = to_main = float("nan")
    for line in proc.stdout:
        if line.startswith("login-shown"):
            to_login = time.perf_counter() - t0
        elif line.startswith("main-ready"):
            to_main = float(line.split()[1])
    proc.wait(timeout=120)
    return to_login, to_main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    from cashdesk.demo.district import load_demo_district
    from cashdesk.desk import open_desk
    from cashdesk.scheme.create import create_scheme

    # Removed when the benchmark ends: each run writes several hundred megabytes.
    scratch = tempfile.TemporaryDirectory(prefix="cashdesk-bench-")
    data = Path(scratch.name) / "data"
    create_scheme(
        data, name="Benchmark", country="MW", currency="MWK", admin_username="admin", admin_password=PASSWORD
    )
    desk = open_desk(data, "admin", PASSWORD)
    t = time.perf_counter()
    summary = desk.run(load_demo_district, households=args.households, seed=1)
    print(
        f"demo district: {summary.households:,} households, {summary.members:,} members "
        f"in {time.perf_counter() - t:.1f} s"
    )
    desk.close()
    results = [measure(data) for _ in range(args.runs)]
    logins = [r[0] for r in results]
    mains = [r[1] for r in results]
    print(
        f"process start -> login window: median {statistics.median(logins):.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in logins)})"
    )
    print(
        f"login -> main window with figures: median {statistics.median(mains):.2f} s "
        f"(runs: {', '.join(f'{x:.2f}' for x in mains)})"
    )


if __name__ == "__main__":
    main()

"""The `cashdesk` command when things go wrong: one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cashdesk.cli import audit_commands
from cashdesk.cli.main import main
from tests.integration.test_cli import cashdesk


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_import_locations_refuses_conflicts_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "locations.csv"
    source.write_text(
        "code,name,level,parent_code\nV900,Nkhata,village,D01\nR01,North,region,\n", encoding="utf-8"
    )
    refused = cashdesk("--user", "admin", "import", "locations", str(source), data=data_dir)
    assert refused.returncode == 1
    assert "row 3, name: R01 already exists" in _one_line(refused.stderr)

    source.write_text("code,name,level,parent_code\nV900,Nkhata,village,D01\n", encoding="utf-8")
    alone = cashdesk("--user", "admin", "import", "locations", str(source), data=data_dir)
    assert "1 locations created" in alone.stdout  # the refused file had not created V900


def test_import_locations_header_only(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "locations.csv"
    source.write_text("code,name,level,parent_code\n", encoding="utf-8")
    result = cashdesk("--user", "admin", "import", "locations", str(source), data=data_dir)
    assert result.returncode == 1 and "no rows" in _one_line(result.stderr)


@pytest.mark.parametrize("score", ["150", "-5", "nan"])
def test_dedup_min_score_outside_0_to_100(data_dir: Path, score: str) -> None:
    result = cashdesk("--user", "admin", "dedup", "--min-score", score, data=data_dir)
    assert result.returncode == 2
    assert "argument --min-score: " in result.stderr and "between 0 and 100" in result.stderr


def test_dedup_output_folder_missing_is_found_before_the_scan(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "pairs.csv"
    result = cashdesk("--user", "admin", "dedup", "--output", str(target), data=data_dir)
    assert result.returncode == 1
    assert _one_line(result.stderr) == f"cashdesk: cannot write {target}: No such file or directory"
    assert "people compared" not in result.stdout  # the scan did not run


def test_an_unwritable_file_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "household_ref,member_ref,relationship,recipient,given_name,family_name,sex,date_of_birth,location\n"
        "A,A1,head,primary,Agnes,Banda,F,1990,V001\n"
        "A,A2,child,,Yohane,Banda,M,2999,V001\n",
        encoding="utf-8",
    )
    errors = tmp_path / "missing" / "errors.csv"
    result = cashdesk(
        "--user", "olive", "import", "households", str(source), "--dry-run", "--errors", str(errors),
        data=data_dir,
        password="user-pass-1",
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]  # after the progress lines
    assert last.startswith("cashdesk: ") and str(errors) in last


def test_oserror_is_the_last_resort(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(args: object) -> int:
        raise PermissionError(13, "Permission denied", "/srv/report.csv")

    monkeypatch.setattr(audit_commands, "run_list", fails)
    assert main(["audit", "list"]) == 1
    assert capsys.readouterr().err == "cashdesk: Permission denied: /srv/report.csv\n"


@pytest.mark.parametrize("args", [["--user", "admin", "audit", "list"], ["--help"]])
def test_output_to_a_closed_pipe(data_dir: Path, args: list[str]) -> None:
    """`cashdesk audit list | head`: the reader has gone before the output is written."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "cashdesk", *args],
        env=environ | {"CASHDESK_HOME": str(data_dir), "CASHDESK_PASSWORD": "admin-pass-1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 141 and stderr == ""


def test_ctrl_c_while_modules_are_still_importing() -> None:
    # As the console script does: import the entry point, then call it. The interruption is made
    # to arrive exactly while SQLAlchemy imports, which a real Ctrl+C in the first second can hit.
    script = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "sqlalchemy":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
from cashdesk.cli.main import main
sys.exit(main(["--user", "admin", "audit", "list"]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 130
    assert result.stderr == "cashdesk: interrupted; nothing was saved.\n"

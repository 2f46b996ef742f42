"""The runtime-trap rules (CHL101-CHL107) behave like every other rule: selected, ignored,
suppressed, baselined, explained, and named by entry point and chain in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import FIXTURES, check_folder
from tests.test_cli import run

TRAP_CODES = {"CHL101", "CHL102", "CHL103", "CHL104", "CHL105", "CHL106"}


def traps_project(tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / "traps", target, ignore=shutil.ignore_patterns("expected*.json"))
    return target


def test_the_traps_fixture_exercises_every_trap_rule() -> None:
    assert {f.code for f in check_folder(FIXTURES / "traps").findings} >= TRAP_CODES
    # CHL107 applies before 3.2 only.
    assert "CHL107" in {f.code for f in check_folder(FIXTURES / "traps", version="3.1").findings}


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    folder = traps_project(tmp_path)
    only = json.loads(run(["check", "--format", "json", "--select", "CHL1", "."], folder).output)
    assert {f["code"] for f in only["findings"]} == TRAP_CODES
    rest = json.loads(run(["check", "--format", "json", "--ignore", "CHL10", "."], folder).output)
    assert {f["code"] for f in rest["findings"]} == {"CHL001"}


def test_a_suppression_comment_silences_exactly_its_line(tmp_path: Path) -> None:
    folder = traps_project(tmp_path)
    alerting = folder / "include" / "alerting.py"
    text = alerting.read_text()
    alerting.write_text(
        text.replace('return get_current_context()["ti"]', 'return get_current_context()["ti"]  # noqa: CHL101')
    )
    codes = {(f.code, Path(f.path).name, f.line) for f in check_folder(folder).findings}
    assert not any(c == "CHL101" for c, _, _ in codes)
    assert ("CHL104", "alerting.py", 25) in codes


def test_a_baseline_accepts_todays_traps_and_fails_a_new_one(tmp_path: Path) -> None:
    folder = traps_project(tmp_path)
    assert run(["check", "--write-baseline", "baseline.json", "."], folder).exit_code == 0
    assert run(["check", "--baseline", "baseline.json", "."], folder).exit_code == 0
    reporting = folder / "dags" / "reporting.py"
    reporting.write_text(
        reporting.read_text().replace(
            "on_execute_callback=log_start", "on_execute_callback=log_failure, on_skipped_callback=log_start"
        )
    )
    result = run(["check", "--baseline", "baseline.json", "--format", "json", "."], folder)
    assert result.exit_code == 1
    new = json.loads(result.output)["findings"]
    assert {(f["code"], f["entrypoint"]["name"]) for f in new} == {("CHL101", "include.alerting.log_start")}


def test_trap_findings_name_their_entry_point_and_chain_in_sarif(tmp_path: Path) -> None:
    folder = traps_project(tmp_path)
    sarif = json.loads(run(["check", "--format", "sarif", "--select", "CHL101", "."], folder).output)
    results = sarif["runs"][0]["results"]
    assert results and all(r["ruleId"] == "CHL101" for r in results)
    assert all(r["codeFlows"][0]["threadFlows"][0]["locations"] for r in results)


def test_explain_pages_exist_for_every_trap_rule(tmp_path: Path) -> None:
    for code in sorted(TRAP_CODES | {"CHL107"}):
        result = run(["explain", code], tmp_path)
        assert result.exit_code == 0 and "## Airflow versions" in result.output, code


def test_airflows_own_scanned_source_is_not_user_code(tmp_path: Path) -> None:
    """With Airflow's source in the tree (a vendored copy, the census corpus), user code is not
    followed into it: the runtime imported it long before, and the catalog says what it does."""
    from tests.helpers import write_tree

    write_tree(
        tmp_path,
        {
            "plugins/airflow/__init__.py": "",
            "plugins/airflow/settings_like.py": "from airflow.sdk import Variable\nVariable.get('x')\n",
            "plugins/airflow/internals.py": (
                "from airflow.exceptions import AirflowSkipException\n\n"
                "def refuse():\n    raise AirflowSkipException('internal')\n"
            ),
            "plugins/poll.py": (
                "import airflow.settings_like\nfrom airflow.internals import refuse\n"
                "from airflow.triggers.base import BaseTrigger\n\n"
                "class Poll(BaseTrigger):\n    async def run(self):\n        refuse()\n        yield None\n"
            ),
        },
    )
    assert check_folder(tmp_path).findings == []
    # The same code outside Airflow's packages is user code, and both traps are reported.
    for path in ("settings_like", "internals"):
        (tmp_path / "plugins" / "airflow" / f"{path}.py").rename(tmp_path / "plugins" / f"{path}.py")
    poll = tmp_path / "plugins" / "poll.py"
    poll.write_text(
        poll.read_text().replace("airflow.settings_like", "settings_like").replace("airflow.internals", "internals")
    )
    assert {f.code for f in check_folder(tmp_path).findings} == {"CHL104", "CHL105"}

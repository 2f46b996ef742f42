"""Suppression comments, per-file ignores, and a baseline that survives line shifts."""

from __future__ import annotations

import json

from tests.helpers import check_folder, write_tree
from tests.test_cli import run

CALLBACK = """\
from airflow.sdk import DAG

def alert(context):
    context["ti"].xcom_push(key="a", value=1){comment}

with DAG("d", on_failure_callback=alert):
    pass
"""


def findings_with(tmp_path, comment: str, **options):
    write_tree(tmp_path, {"dags/d.py": CALLBACK.format(comment=comment)})
    return check_folder(tmp_path, options=options)


def test_noqa_with_the_code_suppresses(tmp_path) -> None:
    report = findings_with(tmp_path, "  # noqa: CHL001")
    assert report.findings == [] and report.suppressed == 1


def test_chanlint_ignore_forms(tmp_path) -> None:
    assert findings_with(tmp_path, "  # chanlint: ignore[CHL001]").findings == []
    assert findings_with(tmp_path, "  # chanlint: ignore").findings == []


def test_other_codes_do_not_suppress(tmp_path) -> None:
    assert len(findings_with(tmp_path, "  # noqa: CHL002").findings) == 1
    assert len(findings_with(tmp_path, "  # noqa: E501").findings) == 1
    assert len(findings_with(tmp_path, "  # chanlint: ignore[CHL002]").findings) == 1


def test_a_suppression_inside_a_string_is_not_a_comment(tmp_path) -> None:
    write_tree(tmp_path, {"dags/d.py": CALLBACK.format(comment="").replace("value=1)", 'value="# noqa: CHL001")')})
    assert len(check_folder(tmp_path).findings) == 1


def test_blanket_noqa_is_reported_on_request(tmp_path) -> None:
    report = findings_with(tmp_path, "  # noqa", show_unused_suppressions=True)
    assert [(f.code, f.line) for f in report.findings] == [("CHL902", 4)]


def test_unused_suppressions_are_reported_on_request(tmp_path) -> None:
    write_tree(
        tmp_path,
        {
            "dags/d.py": CALLBACK.format(comment="  # chanlint: ignore[CHL001]"),
            "dags/other.py": "x = 1  # chanlint: ignore[CHL002]\ny = 2  # noqa: E501\n",
        },
    )
    report = check_folder(tmp_path, options={"show_unused_suppressions": True})
    assert [(f.code, f.path.rsplit("/", 1)[-1], f.line) for f in report.findings] == [("CHL901", "other.py", 1)]


def test_per_file_ignores(tmp_path) -> None:
    write_tree(tmp_path, {"dags/d.py": CALLBACK.format(comment="")})
    assert check_folder(tmp_path, {"per-file-ignores": {"dags/*.py": ["CHL001"]}}).findings == []
    assert len(check_folder(tmp_path, {"per-file-ignores": {"plugins/*.py": ["CHL001"]}}).findings) == 1


def test_baseline_passes_today_and_fails_on_one_new_violation_above_old_ones(tmp_path) -> None:
    old = CALLBACK.format(comment="")
    write_tree(tmp_path, {"dags/d.py": old, "pyproject.toml": "[tool.chanlint]\nbaseline = 'chanlint-baseline.json'\n"})
    written = run(["check", "--write-baseline", "chanlint-baseline.json", "."], tmp_path)
    assert written.exit_code == 0, written.output
    assert len(json.loads((tmp_path / "chanlint-baseline.json").read_text())["findings"]) == 1
    today = run(["check", "."], tmp_path)
    assert today.exit_code == 0, today.output
    # A new violating callback inserted above the old one shifts every old line down.
    new = old.replace(
        "def alert(context):",
        ("def audit(context):\n    context['ti'].xcom_push(key='b', value=2)\n\n\ndef alert(context):"),
        1,
    ).replace("on_failure_callback=alert", "on_failure_callback=[audit, alert]")
    (tmp_path / "dags" / "d.py").write_text(new)
    tomorrow = run(["check", "--format", "json", "."], tmp_path)
    assert tomorrow.exit_code == 1
    (finding,) = json.loads(tomorrow.output)["findings"]
    assert finding["entrypoint"]["name"] == "d.audit" and finding["line"] == 4


def test_a_second_identical_call_in_the_same_function_is_new(tmp_path) -> None:
    write_tree(tmp_path, {"dags/d.py": CALLBACK.format(comment="")})
    run(["check", "--write-baseline", "b.json", "."], tmp_path)
    (tmp_path / "dags" / "d.py").write_text(
        CALLBACK.format(comment="").replace(
            '    context["ti"].xcom_push(key="a", value=1)',
            '    context["ti"].xcom_push(key="a", value=1)\n    context["ti"].xcom_push(key="a", value=1)',
        )
    )
    result = run(["check", "--baseline", "b.json", "--format", "json", "."], tmp_path)
    assert len(json.loads(result.output)["findings"]) == 1


def test_show_settings_prints_the_resolved_configuration(tmp_path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.chanlint]\nignore = ['CHL002']\n[tool.chanlint.policy]\ncallback = []\n",
            "dags/d.py": "x = 1\n",
        },
    )
    result = run(["check", "--show-settings", "."], tmp_path)
    assert result.exit_code == 0
    settings = json.loads(result.output)
    assert settings["ignore"] == ["CHL002"] and settings["policy"] == {"callback": []}
    assert settings["config-file"].endswith("pyproject.toml")


def test_chanlint_toml_is_found_and_bad_values_name_the_key(tmp_path) -> None:
    write_tree(tmp_path, {"chanlint.toml": "select = 'CHL001'\n", "dags/d.py": "x = 1\n"})
    result = run(["check", "."], tmp_path)
    assert result.exit_code == 2 and "chanlint.toml" in result.output and "`select`" in result.output


def test_every_documented_key_is_accepted(tmp_path) -> None:
    """The configuration reference in the README and the reader agree."""
    import re

    from chanlint.config import KNOWN_KEYS
    from tests.helpers import REPO

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    documented = {m.split(".")[0] for m in re.findall(r"^\| `([a-z.<>-]+)`", section, re.M)}
    assert documented == KNOWN_KEYS
    config = (
        "[tool.chanlint]\ncache-dir = 'c'\nmax-file-size = 1000\nbaseline = 'b.json'\n"
        "select = ['CHL0']\nignore = []\nexclude = []\nimport-roots = []\nairflow-version = '3.3'\n"
        "[tool.chanlint.per-file-ignores]\n'x.py' = ['CHL001']\n[tool.chanlint.policy]\ntask = ['read']\n"
    )
    write_tree(tmp_path, {"pyproject.toml": config, "dags/d.py": "x = 1\n"})
    result = run(["check", "--show-settings", "."], tmp_path)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["max-file-size"] == 1000 and shown["cache-dir"].endswith("/c")

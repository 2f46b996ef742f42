"""Broken and hostile input: no crash, exit status 0 or 1 only, and findings in intact files unchanged.

The budget is small for CI; a longer fuzz run: CHANLINT_FUZZ_EXAMPLES=2000 pytest tests/test_robustness.py
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import hypothesmith
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanlint.cli import main
from tests.helpers import FIXTURES

EXAMPLES = int(os.environ.get("CHANLINT_FUZZ_EXAMPLES", "15"))
# CI's small budget replays the same examples; a long run by hand explores new ones.
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 50
)
INTACT = FIXTURES / "dag_callbacks"
SEED_FILES = sorted(
    p for folder in ("dag_callbacks", "resolution", "deadlines") for p in (FIXTURES / folder).rglob("*.py")
)


def run_json(folder: Path) -> tuple[int, dict]:
    old = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", "--jobs", "1", "."])
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def intact_findings(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["path"].startswith("dags/ingest") or f["path"].startswith("dags/fac")]


@pytest.fixture(scope="module")
def baseline() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "repo"
        shutil.copytree(INTACT, folder, ignore=shutil.ignore_patterns("expected*.json"))
        return intact_findings(run_json(folder)[1])


def check_with_extra(data: bytes, baseline: list[dict], name: str = "dags/zz_extra.py") -> dict:
    """Drop a hostile file into an intact repository; nothing about the intact files may change."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "repo"
        shutil.copytree(INTACT, folder, ignore=shutil.ignore_patterns("expected*.json"))
        (folder / name).write_bytes(data)
        _, report = run_json(folder)
        assert intact_findings(report) == baseline
        return report


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_programs(baseline, source: str) -> None:
    check_with_extra(source.encode("utf-8", "surrogatepass"), baseline)


@FUZZ
@given(st.sampled_from(SEED_FILES), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_files(baseline, seed: Path, fraction: float) -> None:
    data = seed.read_bytes()
    check_with_extra(data[: int(len(data) * fraction)], baseline)


@FUZZ
@given(st.sampled_from(SEED_FILES), st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8))
def test_random_byte_flips(baseline, seed: Path, flips: list[tuple[int, int]]) -> None:
    data = bytearray(seed.read_bytes() or b"\n")
    for position, value in flips:
        data[position % len(data)] = value
    check_with_extra(bytes(data), baseline)


@FUZZ
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["(", "[", "{", "not ", "-", "lambda: "]))
def test_deep_nesting(baseline, depth: int, opener: str) -> None:
    closer = {"(": ")", "[": "]", "{": "}"}.get(opener, "")
    source = "x = " + opener * depth + "1" + closer * depth + "\n"
    check_with_extra(source.encode(), baseline)


@FUZZ
@given(st.integers(min_value=1_000, max_value=400_000))
def test_very_long_lines(baseline, length: int) -> None:
    source = "from airflow.sdk import Variable\nVALUE = '" + "x" * length + "'\nVariable.get('k')\n"
    check_with_extra(source.encode(), baseline)


def test_nested_functions_and_deep_call_chains(baseline) -> None:
    """Deeply nested defs and a long helper chain terminate and change nothing else."""
    nested = "".join("    " * i + f"def f{i}(context):\n" for i in range(90)) + "    " * 90 + "pass\n"
    chain = "".join(f"def g{i}(context):\n    return g{i + 1}(context)\n" for i in range(400))
    chain += "def g400(context):\n    return context['ti'].get_dag(dag_id='x')\n"
    report = check_with_extra((nested + chain).encode(), baseline)
    assert all(f["path"] != "dags/zz_extra.py" or f["code"] in {"CHL908"} for f in report["findings"])


def test_nasty_corpus_gives_one_diagnostic_per_bad_file() -> None:
    _, report = run_json(FIXTURES / "nasty")
    by_path: dict[str, list[str]] = {}
    for finding in report["findings"]:
        by_path.setdefault(finding["path"], []).append(finding["code"])
    assert by_path == {
        "dags/binary.py": ["CHL904"],
        "dags/crlf.py": ["CHL001"],
        "dags/deep.py": ["CHL908"],
        "dags/escape.py": ["CHL906"],
        "dags/generated_big.py": ["CHL907"],
        "dags/good.py": ["CHL001"],
        "dags/half_written.py": ["CHL900"],
        "dags/latin1.py": ["CHL903"],
        "dags/loop.py": ["CHL906"],
        "dags/mixed_tabs.py": ["CHL900"],
        "dags/modern.py": ["CHL001"],
        "dags/python2.py": ["CHL900"],
    }
    assert report["files_scanned"] == 15


def test_output_is_byte_identical_whatever_the_cache_state_and_file_order(tmp_path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    files = sorted((FIXTURES / "resolution").rglob("*.py"))
    for target, order in ((first, files), (second, list(reversed(files)))):
        for path in order:  # created in opposite orders
            dest = target / path.relative_to(FIXTURES / "resolution")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    outputs = []
    for folder in (first, second, first):  # the second run of `first` is warm
        old = os.getcwd()
        os.chdir(folder)
        try:
            outputs.append(
                CliRunner()
                .invoke(main, ["check", "--format", "json", "--cache-dir", str(folder / ".cache"), "."])
                .output
            )
        finally:
            os.chdir(old)
    assert outputs[0] == outputs[1] == outputs[2]


def test_never_writes_outside_the_cache_folder(tmp_path) -> None:
    folder = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo", folder, ignore=shutil.ignore_patterns("expected*.json"))
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    cache = tmp_path / "elsewhere"
    old = os.getcwd()
    os.chdir(folder)
    try:
        CliRunner().invoke(main, ["check", "--cache-dir", str(cache), "."])
    finally:
        os.chdir(old)
    after = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    assert after == before
    assert {p.name for p in cache.iterdir()} == {".gitignore", "runs-v1.pickle", "index-v1.pickle", "tasks-v1.pickle"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(alphabet="ab.-_ 0é", min_size=1, max_size=4).filter(lambda s: s not in (".", "..")),
            min_size=1,
            max_size=4,
        ),
        max_size=12,
    )
)
def test_the_walk_sorts_path_strings_as_paths_sort(parts: list[list[str]]) -> None:
    """The walk sorts strings, cheaply; the order must be the one of the same Path objects
    (for canonical paths, as the walk's are: no `.` or `..` parts)."""
    from chanlint.discover.files import _path_order

    paths = [os.sep.join(["", *p]) for p in parts]
    assert sorted(paths, key=_path_order) == [str(p) for p in sorted(Path(p) for p in paths)]


LIBCST_BUG = "() if 0 else(lambda:())"  # Python accepts it; libcst 1.9 fails in validation (Instagram/LibCST#1061)
MARK = "LIBCST_FAILS_ON_THIS"


@pytest.fixture
def libcst_fails_on_the_mark(monkeypatch):
    """libcst failing on valid code, whatever the installed version does with LIBCST_BUG."""
    from chanlint.index import modules

    real = modules.cst.parse_module

    def parse(text, *args, **kwargs):
        if MARK in text:
            raise TypeError("super(type, obj): obj must be an instance or subtype of type")
        return real(text, *args, **kwargs)

    monkeypatch.setattr(modules.cst, "parse_module", parse)


def test_libcst_failing_on_valid_code_is_a_diagnostic_not_a_crash(
    tmp_path, libcst_fails_on_the_mark, monkeypatch
) -> None:
    from chanlint import api
    from tests.helpers import settle, write_tree

    callback = "def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n\n"
    root = tmp_path / "proj"  # the cache outside it: its import folders stay as they are
    write_tree(
        root,
        {
            "dags/top.py": (
                f"from airflow.sdk import DAG\n\nx = '{MARK}'\n\n{callback}"
                "with DAG('t', on_failure_callback=cb):\n    pass\n"
            ),
            "dags/body.py": (
                f"from airflow.sdk import DAG\n\n\ndef helper():\n    return '{MARK}'\n\n\n"
                f"def cb(context):\n    helper()\n    context['ti'].xcom_push(key='k', value=1)\n\n\n"
                "with DAG('b', on_failure_callback=cb):\n    pass\n"
            ),
            # outside the scanned folder, reached by an import
            "dags/outside.py": (
                "from airflow.sdk import DAG\nfrom include.helpers import tidy\n\n"
                "with DAG('o', on_failure_callback=tidy):\n    pass\n"
            ),
            "include/helpers.py": f"def tidy(context):\n    return '{MARK}'\n",
            "dags/notes.py": "NOTES = 1\n",  # scanned, but no analysis reads it
        },
    )
    settle(root)
    cache = f"--cache-dir={tmp_path / 'cache'}"
    analyses: list[int] = []
    analyse = api._analyse
    monkeypatch.setattr(api, "_analyse", lambda *args: analyses.append(1) or analyse(*args))
    found = {}
    for run in ("cold", "warm", "notes edited"):
        if run == "notes edited":  # a changed file the analysis never read: its findings are reused
            (root / "dags" / "notes.py").write_text("NOTES = 2\n")
            settle(root / "dags" / "notes.py")  # (its folder keeps its stamp: no entry changed)
        result = CliRunner().invoke(
            main, ["check", "--no-cache" if run == "cold" else cache, "--format", "json", str(root / "dags")]
        )
        assert result.exit_code == 1, result.output
        findings = json.loads(result.output)["findings"]
        found[run] = [(Path(f["path"]).name, f["line"], f["code"]) for f in findings]
        by_code = {(name, code): f for (name, _, code), f in zip(found[run], findings, strict=True)}
        # A failure at the top level: the file is reported and not checked.
        assert "libcst cannot parse this file" in by_code[("top.py", "CHL900")]["text"]
        assert ("top.py", "CHL001") not in by_code
        # A failure in a body needed later: that function is reported, the rest is checked.
        assert "`helper`" in by_code[("body.py", "CHL900")]["text"]
        assert ("body.py", 4, "CHL900") in found[run] and ("body.py", 10, "CHL001") in found[run]
        assert "`tidy`" in by_code[("helpers.py", "CHL900")]["text"]  # also outside the scan
    assert found["cold"] == found["warm"] == found["notes edited"]
    assert len(analyses) == 2  # the cold run and the first cached one; the edit reused the findings


def test_the_real_libcst_failure_is_checked_like_any_file(tmp_path) -> None:
    """The construct itself, with the installed libcst: it fails in node validation, which
    chanlint's parse skips (see test_unvalidated_parse), so the file is checked."""
    from tests.helpers import write_tree

    callback = "def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n\n"
    dag = f"from airflow.sdk import DAG\n\nx = {LIBCST_BUG}\n\n{callback}"
    dag += "with DAG('d', on_failure_callback=cb):\n    pass\n"
    write_tree(tmp_path, {"dags/d.py": dag})
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(tmp_path / "dags")])
    assert result.exit_code == 1, result.output
    assert [(f["line"], f["code"]) for f in json.loads(result.output)["findings"]] == [(6, "CHL001")]


def test_the_node_types_the_evaluator_compares_exactly_have_no_subclasses() -> None:
    """The evaluator dispatches on `type(node) is cst.X` (isinstance on libcst's ABC classes
    costs several times more): right only while no parsed node can be a subclass of X."""
    import inspect
    import re

    import libcst as cst

    from chanlint.resolve import evaluator

    compared = re.findall(r"kind (?:is|in) \(?((?:cst\.\w+(?:, )?)+)", inspect.getsource(evaluator))
    names = {name.removeprefix("cst.") for group in compared for name in group.split(", ")}
    assert {"Name", "Call", "Attribute", "SimpleStatementLine", "Assign"} <= names
    for name in sorted(names):
        node_type = getattr(cst, name)
        assert not inspect.isabstract(node_type) and node_type.__subclasses__() == [], name

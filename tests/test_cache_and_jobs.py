"""The persistent cache and parallel indexing change how fast, never what is reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chanlint.api import CheckOptions, check
from chanlint.config import load_settings
from chanlint.index.cache import INDEX_FILE, RUNS_FILE
from tests.helpers import copied_fixture, reads_during, settle
from tests.test_cli import run


def cached_check(folder: Path, cache: Path, **options):
    settings = load_settings(None, folder)
    settings.use_version("3.3")
    return check([folder], settings, CheckOptions(cache_dir=cache, **options))


def keys(report) -> list:
    return [f.sort_key() for f in report.findings]


def test_warm_run_reuses_findings_and_reports_the_same(tmp_path) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cold = cached_check(folder, cache)
    assert not cold.from_cache and (cache / RUNS_FILE).is_file() and (cache / INDEX_FILE).is_file()
    warm = cached_check(folder, cache)
    assert warm.from_cache and keys(warm) == keys(cold) and len(keys(cold)) == 7


def test_changing_a_file_the_analysis_read_recomputes(tmp_path) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cached_check(folder, cache)
    helpers = folder / "include" / "helpers.py"
    helpers.write_text(helpers.read_text().replace('    V.set("setting", "on")\n', "    pass\n"))
    after = cached_check(folder, cache)
    assert not after.from_cache
    assert len(after.findings) == 6  # the PutVariable finding is gone


def test_changing_a_file_nothing_reads_reuses(tmp_path) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    (folder / "include" / "unused.py").write_text("VALUE = 1\n")
    settle(folder)
    before = cached_check(folder, cache)
    (folder / "include" / "unused.py").write_text("VALUE = 2\n")
    settle(folder / "include" / "unused.py", seconds_ago=60)
    after = cached_check(folder, cache)
    assert after.from_cache and keys(after) == keys(before)


@pytest.mark.parametrize(
    "module, packages",
    [("include.later", ()), ("include.deep.er.later", ("include/deep", "include/deep/er"))],
    ids=["in-a-folder-listed", "three-folders-deep"],
)
def test_a_new_file_that_an_import_was_missing_recomputes(tmp_path, module: str, packages: tuple[str, ...]) -> None:
    """An import that found nothing: the file that appears for it (with the packages above it,
    none of which existed) is found (see index.cache.folders_hold)."""
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    dag = folder / "dags" / "late.py"
    dag.write_text(
        f"from airflow.sdk import DAG\nfrom {module} import cb\nwith DAG('late', on_failure_callback=cb):\n    pass\n"
    )
    settle(folder)
    before = cached_check(folder, cache)
    assert cached_check(folder, cache).from_cache
    for package in packages:
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text("")
    later = folder.joinpath(*module.split(".")).with_suffix(".py")
    later.write_text("def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n")
    after = cached_check(folder, cache)
    assert not after.from_cache and len(after.findings) == len(before.findings) + 1


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cache.mkdir()
    for name in (RUNS_FILE, INDEX_FILE):
        (cache / name).write_bytes(b"\x80\x04 this is not a pickle")
    report = cached_check(folder, cache)
    assert len(report.findings) == 7 and not report.from_cache
    assert cached_check(folder, cache).from_cache


def test_the_cache_folder_ignores_itself_in_git(tmp_path) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cached_check(folder, cache)
    assert (cache / ".gitignore").read_text().strip().endswith("*")


def test_cli_no_cache_and_cache_dir(tmp_path) -> None:
    folder = copied_fixture(tmp_path)
    run(["check", "--no-cache", "."], folder)
    assert not (folder / ".chanlint_cache").exists()
    run(["check", "--cache-dir", str(tmp_path / "c"), "."], folder)
    assert (tmp_path / "c" / RUNS_FILE).is_file()


def test_parallel_indexing_gives_identical_output(tmp_path) -> None:
    """Enough files to cross the parallel threshold; the JSON must not differ by a byte."""
    folder = copied_fixture(tmp_path, "task_callbacks")
    for i in range(250):
        (folder / "include" / f"filler_{i}.py").write_text(f"class Thing{i}:\n    value = {i}\n")
    outputs = [run(["check", "--no-cache", "--format", "json", "--jobs", str(j), "."], folder).output for j in (1, 2)]
    assert outputs[0] == outputs[1] and len(json.loads(outputs[0])["findings"]) == 5


def test_the_parent_does_other_work_while_the_indexing_processes_run() -> None:
    """index_many hands `meanwhile` the wait for its workers (a check loads libcst there)."""
    from chanlint.index.relevance import PARALLEL_THRESHOLD, index_many

    items = [
        (f"m{i}", False, f"import os\nclass C{i}(os.PathLike):\n    pass\n".encode()) for i in range(PARALLEL_THRESHOLD)
    ]
    calls: list[int] = []
    parallel = index_many(items, (), 2, meanwhile=lambda: calls.append(1))
    assert calls == [1]
    alone = index_many(items, (), 1, meanwhile=lambda: calls.append(1))
    assert calls == [1]  # one process: nothing to wait for
    assert parallel == alone and parallel[7].classes == {"C7": ["os.PathLike"]}


def test_internal_errors_ask_for_a_bug_report(tmp_path, monkeypatch) -> None:
    import chanlint.cli as cli

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cli, "run_check", broken)
    folder = copied_fixture(tmp_path)
    result = run(["check", "."], folder)
    assert result.exit_code == 2
    assert "internal error: KeyError" in result.output and "Traceback" not in result.output
    verbose = run(["check", "--verbose", "."], folder)
    assert "Traceback" in verbose.output


def test_a_bad_baseline_file_is_a_user_error(tmp_path) -> None:
    folder = copied_fixture(tmp_path)
    (folder / "b.json").write_text("[1, 2]")
    result = run(["check", "--baseline", "b.json", "."], folder)
    assert result.exit_code == 2 and "not a chanlint baseline" in result.output


def test_concurrent_runs_share_a_cache_safely(tmp_path) -> None:
    """Four processes on one cache folder at once: every run succeeds, outputs agree, the cache loads."""
    import subprocess
    import sys

    from chanlint.index.cache import Cache

    folder, cache = copied_fixture(tmp_path), tmp_path / "shared-cache"
    command = [sys.executable, "-m", "chanlint", "check", "--format", "json", "--cache-dir", str(cache), "."]
    for _ in range(2):  # a cold round, then a warm one
        procs = [
            subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [1, 1, 1, 1], [r[1] for r in results]
        assert len({out for out, _ in results}) == 1
    from chanlint.catalog import catalog_stamp

    loaded = Cache(cache, catalog_stamp())
    loaded.load()
    assert loaded.indexes and loaded.runs  # a whole, current cache, not a torn one
    assert not list(cache.glob(".cache-*"))  # no temporary file left behind


def test_a_warm_run_with_nothing_changed_reads_no_source_file(tmp_path, monkeypatch) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cold = cached_check(folder, cache)
    results = []
    read = reads_during(monkeypatch, lambda: results.append(cached_check(folder, cache)))
    assert [p for p in read if p.endswith(".py")] == []
    assert results[0].from_cache and keys(results[0]) == keys(cold)


def test_touched_files_are_compared_by_content_then_trusted_again(tmp_path, monkeypatch) -> None:
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    cold = cached_check(folder, cache)
    for path in folder.rglob("*.py"):
        settle(path, seconds_ago=600)  # a new mtime, the same content (a checkout, `touch`)
    results = []
    read = reads_during(monkeypatch, lambda: results.append(cached_check(folder, cache)))
    assert results[0].from_cache and keys(results[0]) == keys(cold)
    assert {p for p in read if p.endswith(".py")} == {str(p) for p in folder.rglob("*.py")}
    read = reads_during(monkeypatch, lambda: results.append(cached_check(folder, cache)))
    assert [p for p in read if p.endswith(".py")] == [] and results[1].from_cache


def test_an_edit_that_keeps_size_and_mtime_is_caught_while_the_stat_is_recent(tmp_path) -> None:
    """The racy case: the cache was taken within the filesystem's timestamp granularity of the
    file's last change, so the same stat may hide new content; chanlint compares the content."""
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    helpers = folder / "include" / "helpers.py"
    os.utime(helpers)  # changed just now
    before = cached_check(folder, cache)
    stat = helpers.stat()
    helpers.write_text(helpers.read_text().replace('V.set("setting"', 'V.get("setting"'))
    os.utime(helpers, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert helpers.stat().st_size == stat.st_size
    after = cached_check(folder, cache)
    assert not after.from_cache
    assert len(after.findings) == len(before.findings) - 1  # the PutVariable finding is gone


def test_a_new_module_outside_the_scan_that_an_import_finds_recomputes(tmp_path) -> None:
    """Only dags/ is scanned; the import that found nothing finds a new file in include/."""
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    (folder / "dags" / "late.py").write_text(
        "from airflow.sdk import DAG\nfrom include.later import cb\n"
        "with DAG('late', on_failure_callback=cb):\n    pass\n"
    )
    settle(folder)
    settings = load_settings(None, folder)
    settings.use_version("3.3")

    def run_dags():
        return check([folder / "dags"], settings, CheckOptions(cache_dir=cache))

    before = run_dags()
    assert run_dags().from_cache
    (folder / "include" / "later.py").write_text("def cb(context):\n    context['ti'].xcom_push(key='k', value=1)\n")
    after = run_dags()
    assert not after.from_cache and len(after.findings) == len(before.findings) + 1


def test_the_installed_release_is_remembered_while_the_environment_is_unchanged(tmp_path, monkeypatch) -> None:
    from chanlint.catalog import release

    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    asked: list[int] = []
    original = release.installed_airflow

    def counting():
        asked.append(1)
        return original()

    monkeypatch.setattr(release, "installed_airflow", counting)

    def run_unpinned():
        return check([folder], load_settings(None, folder), CheckOptions(cache_dir=cache))

    first = run_unpinned()
    second = run_unpinned()
    assert len(asked) == 1 and second.airflow_version == first.airflow_version
    monkeypatch.setattr(release, "environment_stamp", lambda: "a package was installed")
    assert run_unpinned().from_cache  # the files are unchanged: the findings come from the cache
    assert len(asked) == 2
    run_unpinned()  # and the release read anew was saved all the same
    assert len(asked) == 2


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path) -> None:
    """Run the real command on a pseudo-terminal: a bar on stderr; none when piped or --quiet."""
    import pty
    import subprocess
    import sys

    folder = copied_fixture(tmp_path, "task_callbacks")
    for i in range(300):  # enough files for the bar to draw
        (folder / "include" / f"filler_{i}.py").write_text(f"class Thing{i}:\n    value = {i}\n")
    command = [sys.executable, "-m", "chanlint", "check", "--no-cache", "--format", "concise", "."]

    def stderr_on_a_terminal(extra: list[str]) -> bytes:
        leader, follower = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
        env.pop("NO_COLOR", None)
        proc = subprocess.Popen(
            [*command, *extra], cwd=folder, stdout=subprocess.DEVNULL, stderr=follower, env=env, close_fds=True
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
        os.close(leader)
        return b"".join(chunks)

    shown = stderr_on_a_terminal([])
    assert b"indexing" in shown and b"\xe2\x94\x81" in shown  # the stage name and rich's bar glyph
    assert b"indexing" not in stderr_on_a_terminal(["--quiet"])
    piped = subprocess.run(command, cwd=folder, capture_output=True, timeout=120)
    assert b"indexing" not in piped.stderr


def test_a_touched_module_outside_the_scan_is_compared_once_then_trusted(tmp_path, monkeypatch) -> None:
    """Only dags/ is scanned; include/helpers.py, which the analysis reads, gets a new mtime."""
    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    settings = load_settings(None, folder)
    settings.use_version("3.3")
    results = []

    def run_dags():
        results.append(check([folder / "dags"], settings, CheckOptions(cache_dir=cache)))

    run_dags()
    helpers = folder / "include" / "helpers.py"
    settle(helpers, seconds_ago=600)
    assert str(helpers) in reads_during(monkeypatch, run_dags) and results[-1].from_cache
    read = reads_during(monkeypatch, run_dags)
    assert [p for p in read if p.endswith(".py")] == []
    assert results[-1].from_cache and keys(results[-1]) == keys(results[0])


def test_a_warm_run_loads_neither_the_analysis_nor_the_rules(tmp_path) -> None:
    """What the README promises of a run answered from the cache (most of its time is imports):
    no libcst, rich, catalog model or rules."""
    import subprocess
    import sys

    folder, cache = copied_fixture(tmp_path), tmp_path / "cache"
    script = (
        "import sys\n"
        "from chanlint.cli import main\n"
        "try:\n"
        f"    main(['check', '--quiet', '--format', 'concise', '--cache-dir', {str(cache)!r}, {str(folder)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    loaded = []
    for _ in range(2):  # cold, then warm
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        loaded.append(set(done.stderr.split()))
    cold, warm = loaded
    heavy = {"libcst", "rich", "chanlint.catalog.model", "chanlint.check.rules", "chanlint.check.rule"}
    assert heavy - {"rich"} <= cold  # the names are right: a cold run loads them (concise: no rich)
    assert not heavy & warm

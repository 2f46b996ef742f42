"""`--timings`: each stage's wall and CPU time (its workers' CPU included) and what libcst parsed,
shown on standard error without changing the report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from chanlint import timings as timings_module
from chanlint.api import CheckOptions, check
from chanlint.check import forks
from chanlint.cli import main
from chanlint.config import find_config, load_settings
from chanlint.discover.files import SourceFile
from chanlint.index.modules import _line_count, parse_module, split_lines
from chanlint.index.relevance import index_file
from chanlint.timings import LIBCST, ParseTally, Timings, process_start_up
from tests.helpers import FIXTURES, real_project

DEMO = FIXTURES / "demo"
BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


@pytest.mark.skipif(not Timings().workers_counted, reason="this platform does not report a child's CPU")
def test_a_stage_counts_the_cpu_of_the_processes_it_waited_for() -> None:
    timings = Timings()
    with timings.stage("child") as stage:
        subprocess.run([sys.executable, "-c", BUSY], check=True)
    assert stage.cpu >= 0.28  # the child's 0.3 s, which this process did not spend
    assert timings.stages == [stage]


def test_the_total_leaves_out_the_parts_of_stages() -> None:
    timings = Timings()
    with timings.stage("one"):
        pass
    timings.stages.append(timings_module.Stage("of which", cpu=100.0, part=True))
    assert timings.total().cpu < 100.0


@given(st.text(alphabet="a\r\n", max_size=30))
def test_the_line_count_is_the_tokenizer_s(text: str) -> None:
    assert _line_count(text) == len(split_lines(text))


def test_the_tally_counts_each_libcst_parse_and_its_lines(tmp_path: Path) -> None:
    text = "import os\n\n\ndef helper(x):\n    y = x + 1\n    return y\n\n\nVALUE = helper(1)\n"
    data = text.encode()
    index = index_file("mod", False, data, ())
    source = SourceFile(tmp_path / "mod.py", "mod", (), False, False)
    before = LIBCST.copy()
    module = parse_module(source, text, index.lazy_bodies, index.spare_lines)
    skeleton = LIBCST.since(before)
    assert skeleton.parses == 1 and 0 < skeleton.lines < len(split_lines(text))  # the def left out
    assert module.functions["mod.helper"].node.body  # the body, parsed now
    whole = LIBCST.since(before)
    assert whole.parses == 2
    assert whole.lines - skeleton.lines == 3  # the def's three lines, parsed alone
    assert whole.cpu >= skeleton.cpu >= 0.0


def test_timings_go_to_stderr_and_leave_the_report_alone(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["check", "--format", "json", "--no-cache", str(DEMO)]
    plain = runner.invoke(main, args)
    timed = runner.invoke(main, [*args, "--timings"])
    assert plain.exit_code == timed.exit_code == 1
    assert timed.stdout == plain.stdout
    for stage in ("find files", "read files", "index", "relevance", "analyse", "of which libcst parsing", "total"):
        assert stage in timed.stderr
    assert "find files" not in plain.stderr
    if process_start_up() is not None:  # Linux: the run's stages follow the process's own start
        assert timed.stderr.index("start up") < timed.stderr.index("find files")


def test_a_run_answered_by_the_cache_reads_nothing(tmp_path: Path) -> None:
    settings = load_settings(find_config(DEMO), DEMO)
    options = CheckOptions(cache_dir=tmp_path / "cache")
    cold = check([DEMO], settings, options)
    names = [stage.name for stage in cold.timings.stages]
    assert names[:2] == ["find files", "load the cache"] and "analyse" in names and "index" in names
    warm = check([DEMO], load_settings(find_config(DEMO), DEMO), CheckOptions(cache_dir=tmp_path / "cache"))
    assert [stage.name for stage in warm.timings.stages] == ["find files", "load the cache", "report"]
    assert warm.timings.stages[1].detail == "no file changed"


@pytest.mark.skipif(not forks.can_fork(), reason="tasks run in forked workers only where fork is safe")
def test_workers_report_what_they_parsed(tmp_path: Path, monkeypatch) -> None:
    """The tally of parses made in forked workers reaches the parent: at least what one process
    parses (workers may each parse a module their tasks share)."""
    project = real_project(tmp_path)
    handed: list[int] = []
    real = forks.map_in_forks
    monkeypatch.setattr(forks, "map_in_forks", lambda *a: handed.append(1) or real(*a))

    def parsed(jobs: int) -> ParseTally:
        settings = load_settings(find_config(project), project)
        report = check([project], settings, CheckOptions(jobs=jobs))
        analysed = next(s for s in report.timings.stages if s.name == "analyse")
        assert analysed.cpu >= report.libcst.cpu > 0
        return report.libcst

    alone, apart = parsed(1), parsed(2)
    assert handed, "the tasks did not run in workers"
    assert apart.parses >= alone.parses > 0 and apart.lines >= alone.lines > 0


def test_census_times_itself_too() -> None:
    result = CliRunner().invoke(main, ["census", "--timings", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "census" in result.stderr and "message uses in" in result.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the process's start is read from /proc")
def test_start_up_runs_from_the_process_start() -> None:
    stage = process_start_up()
    assert stage is not None and stage.name == "start up"
    assert 0.0 < stage.wall < 86400.0  # this test process started before the test, not long ago
    assert stage.cpu > 0.0


def test_loading_libcst_shows_where_it_happens() -> None:
    """A run that indexes in worker processes loads libcst meanwhile (its index row says so);
    one that indexes few files loads it in a row of its own, before the analysis."""
    script = (
        "import sys\n"
        "import chanlint.index.relevance as relevance\n"
        "relevance.PARALLEL_THRESHOLD = int(sys.argv[1])\n"
        "from chanlint.cli import main\n"
        "main(['check', '--timings', '--no-cache', '--jobs', '2', sys.argv[2]])\n"
    )

    def stderr(threshold: int) -> str:
        wide = {**os.environ, "COLUMNS": "200"}  # no row wrapped
        done = subprocess.run(
            [sys.executable, "-c", script, str(threshold), str(DEMO)], capture_output=True, text=True, env=wide
        )
        assert done.returncode == 1, done.stderr
        return done.stderr

    in_workers, in_turn = stderr(1), stderr(1000)
    assert "libcst loaded meanwhile" in in_workers and "load the analysis" not in in_workers
    assert "load the analysis" in in_turn and "libcst loaded meanwhile" not in in_turn


def test_reports_of_the_same_findings_compare_equal_whatever_their_timings() -> None:
    def run():  # without entry points, whose syntax trees compare by identity
        return check([DEMO], load_settings(find_config(DEMO), DEMO), CheckOptions(list_entrypoints=False))

    first, second = run(), run()
    assert first.timings is not second.timings
    assert first == second

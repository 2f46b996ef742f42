"""chanlint's speed, measured side by side with its floors and with ruff, on real Airflow code.

Builds a corpus from the package registry (the 40 most-downloaded provider wheels at pinned
versions, plus apache-airflow-core and the task SDK), extracted and never imported, laid out
as a deployment: example DAGs in dags/, library code in plugins/. Then measures, as medians of
several runs: the file-read floor, `ast.parse` of every file in one process, chanlint cold (no
cache), warm, and after changing one file, peak memory, and ruff --select AIR cold and warm
when ruff is installed; and the same at 2x and 4x the corpus to show scaling. What a target
compares (ast.parse and chanlint cold; chanlint and ruff warm) is measured in turn, a run of
each per round, so that the machine's drift weighs on both alike.

    python bench/run_bench.py [--runs 3] [--scales 1,2,4]

Prints a table and writes bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))

from fetch_airflow_wheels import download  # noqa: E402

CACHE = HERE / ".corpus-cache"
WHEELS = CACHE / "wheels"
# The 40 most-downloaded apache-airflow-providers-* packages, at pinned versions.
PROVIDERS = [
    "common-sql==2.4.0",
    "fab==3.10.2",
    "http==6.3.0",
    "databricks==7.23.0",
    "common-compat==1.23.0",
    "snowflake==6.20.0",
    "cncf-kubernetes==10.25.0",
    "ssh==7.0.1",
    "imap==3.13.1",
    "sqlite==4.3.4",
    "mysql==6.7.1",
    "google==22.8.0",
    "ftp==3.16.1",
    "smtp==3.2.0",
    "slack==9.11.1",
    "common-io==1.11.0",
    "amazon==9.39.0",
    "microsoft-fabric==0.1.1",
    "standard==1.21.0",
    "docker==4.6.1",
    "sftp==7.0.0",
    "microsoft-mssql==4.7.2",
    "apache-impala==1.9.4",
    "airbyte==6.2.0",
    "postgres==7.1.1",
    "celery==3.26.0",
    "openlineage==2.20.3",
    "odbc==4.13.1",
    "datadog==3.11.1",
    "oracle==4.7.1",
    "jdbc==5.6.1",
    "apache-kafka==2.1.0",
    "microsoft-azure==15.2.1",
    "dbt-cloud==4.11.1",
    "mongo==5.5.1",
    "pagerduty==5.3.1",
    "trino==6.7.1",
    "redis==4.7.1",
    "apache-spark==6.3.4",
    "tableau==5.7.1",
]
CORE = ["apache-airflow-core==3.3.2", "apache-airflow-task-sdk==1.3.2"]


def fetch() -> list[Path]:
    download([f"apache-airflow-providers-{p}" for p in PROVIDERS] + CORE, WHEELS)
    return sorted(WHEELS.glob("*.whl"))


def build_corpus(wheels: list[Path], root: Path, copies: int) -> int:
    """Example DAGs go to dags/, everything else to plugins/; copy k > 0 goes under a prefix."""
    if root.exists():
        shutil.rmtree(root)
    count = 0
    for copy in range(copies):
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if not (member.startswith("airflow/") and member.endswith(".py")):
                        continue
                    is_dag = "/example_dags/" in member
                    base = root / ("dags" if is_dag else "plugins")
                    rel = member.split("/example_dags/", 1)[1] if is_dag else member
                    if is_dag:
                        rel = f"{wheel.name.split('-')[0]}/{rel}"
                    if copy:
                        rel = f"copy{copy}/{rel}"
                    target = base / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
                    count += 1
    return count


def files_of(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def timed(func, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_cli(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak memory (KiB) of one command. The memory is of the whole process tree
    (chanlint's forked workers too), sampled every 0.05 s as the sum of proportional set sizes:
    pages the workers share with their parent count once. Where /proc is missing, GNU time's
    peak RSS of the largest process."""
    if not Path("/proc/self/smaps_rollup").exists():
        time_bin = shutil.which("time") or "/usr/bin/time"
        out = subprocess.run([time_bin, "-f", "%e %M", *args], cwd=cwd, capture_output=True, text=True)
        seconds, rss = out.stderr.strip().splitlines()[-1].split()
        return float(seconds), int(rss)
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while True:
        try:
            process.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            peak = max(peak, tree_pss(process.pid))
    return time.perf_counter() - start, peak


def tree_pss(pid: int) -> int:
    """KiB of memory a process and its descendants use (proportional set size, from /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
    return total


def in_turn(
    measurements: dict[str, Callable[[], tuple[float, int | None]]], times: int
) -> dict[str, tuple[float, int | None]]:
    """Median time and peak memory of each measurement, taken one of each per round, round after
    round: this machine drifts (ast.parse moved by a third from one bench run to the next), and
    taken in turn, the measurements a target compares drift alike."""
    samples: dict[str, list[tuple[float, int | None]]] = {name: [] for name in measurements}
    for _ in range(times):
        for name, once in measurements.items():
            samples[name].append(once())
    return {
        name: (statistics.median(t for t, _ in got), max((m for _, m in got if m is not None), default=None))
        for name, got in samples.items()
    }


CHANLINT = [sys.executable, "-m", "chanlint", "check", "--quiet", "--format", "concise"]


def stage_breakdown(root: Path) -> str:
    """One cold run's `--timings` table: where its time goes, stage by stage."""
    environment = {**os.environ, "COLUMNS": "120"}  # rich's width when standard error is no terminal
    out = subprocess.run(
        [*CHANLINT, "--no-cache", "--timings", "."], cwd=root, capture_output=True, text=True, env=environment
    )
    return "\n".join(line.rstrip() for line in out.stderr.splitlines()).strip("\n")


def measure(root: Path, runs: int) -> dict[str, tuple[float, int | None]]:
    files = files_of(root)
    results: dict[str, tuple[float, int | None]] = {}
    results["file-read floor"] = (timed(lambda: [f.read_bytes() for f in files], runs), None)

    def parse_all() -> tuple[float, None]:
        start = time.perf_counter()
        for f in files:
            with contextlib.suppress(SyntaxError, ValueError):
                ast.parse(f.read_bytes())
        return time.perf_counter() - start, None

    chanlint = CHANLINT
    quick_runs = max(runs, 11)  # warm runs take tens of milliseconds: more samples, a steadier median
    cache = root.parent / f"{root.name}-cache"

    def med(args: list[str], before=None, times: int = runs) -> tuple[float, int]:
        samples = []
        for _ in range(times):
            if before:
                before()
            samples.append(run_cli(args, root))
        return statistics.median(s[0] for s in samples), max(s[1] for s in samples)

    cold = {
        "ast.parse, 1 process": parse_all,
        "chanlint cold (no cache)": lambda: run_cli([*chanlint, "--no-cache", "."], root),
    }
    results.update(in_turn(cold, runs))
    shutil.rmtree(cache, ignore_errors=True)
    warm = {"chanlint warm": lambda: run_cli([*chanlint, "--cache-dir", str(cache), "."], root)}
    run_cli([*chanlint, "--cache-dir", str(cache), "."], root)
    ruff = shutil.which("ruff")
    if ruff:
        ruff_cache = root.parent / f"{root.name}-ruff-cache"
        ruff_check = [ruff, "check", "--quiet", "--exit-zero", "--select", "AIR", "--preview"]
        run_cli([*ruff_check, "--cache-dir", str(ruff_cache), "."], root)
        warm["ruff --select AIR warm"] = lambda: run_cli([*ruff_check, "--cache-dir", str(ruff_cache), "."], root)
    measured_warm = in_turn(warm, quick_runs)
    results["chanlint warm"] = measured_warm["chanlint warm"]
    # A real DAG file (one the analysis reads), and a hook module that DAG imports reach.
    dag = next(p for p in files if "/dags/" in p.as_posix() and b"with DAG(" in p.read_bytes())
    original = dag.read_text()
    state = {"n": 0}

    def touch() -> None:
        state["n"] += 1
        dag.write_text(original + f"\n# edit {state['n']}\n")

    results["chanlint, one DAG file changed"] = med([*chanlint, "--cache-dir", str(cache), "."], touch)
    dag.write_text(original)
    helper = next(p for p in files if p.as_posix().endswith("/plugins/airflow/providers/http/hooks/http.py"))
    original_helper = helper.read_text()

    def touch_helper() -> None:
        state["n"] += 1
        helper.write_text(original_helper + f"\n# edit {state['n']}\n")

    results["chanlint, one library file changed"] = med([*chanlint, "--cache-dir", str(cache), "."], touch_helper)
    helper.write_text(original_helper)
    if ruff:
        results["ruff --select AIR cold"] = med([*ruff_check, "--no-cache", "."])
        results["ruff --select AIR warm"] = measured_warm["ruff --select AIR warm"]
    return results


def byte_compile_chanlint() -> str:
    """chanlint as pip installs it: byte-compiled. (Under PYTHONDONTWRITEBYTECODE, which this
    machine sets, an editable install would compile every module again on every run.)"""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("chanlint")
    if spec is None or spec.origin is None:
        return "chanlint is not installed in this Python."
    folder = Path(spec.origin).parent
    compileall.compile_dir(str(folder), quiet=1)
    return f"chanlint's modules byte-compiled first ({folder}), as `pip install` leaves them."


def table(scales: dict[int, tuple[int, int, dict]]) -> str:
    lines = [
        "| corpus | files | lines | measurement | median s | vs ast.parse | peak memory MiB |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for scale, (nfiles, nlines, results) in scales.items():
        parse = results["ast.parse, 1 process"][0]
        for name, (seconds, rss) in results.items():
            ratio = f"{seconds / parse:.2f}x" if parse else ""
            mem = f"{rss / 1024:.0f}" if rss else ""
            lines.append(f"| {scale}x | {nfiles} | {nlines} | {name} | {seconds:.2f} | {ratio} | {mem} |")
    first = scales[min(scales)][2]
    if "ruff --select AIR warm" in first:
        lines.append("")
        lines.append(
            f"Warm chanlint / warm ruff (1x): {first['chanlint warm'][0] / first['ruff --select AIR warm'][0]:.2f}x"
        )
    if len(scales) > 1:
        base_time = first["chanlint cold (no cache)"][0]
        for scale, (_, _, results) in scales.items():
            ratio = results["chanlint cold (no cache)"][0] / base_time
            lines.append(f"Cold time at {scale}x: {ratio:.2f}x the 1x time")
    return "\n".join(lines)


def stages_section(breakdowns: dict[int, str]) -> str:
    parts = [
        "\n## Where a cold run's time goes\n",
        "One more cold run per corpus, with `--timings` (wall and CPU seconds by stage; CPU counts the",
        "worker processes, so on 2 cores it may reach twice the wall time).",
    ]
    for scale, text in breakdowns.items():
        parts += [f"\n{scale}x:\n", "```", text, "```"]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", default="1,2,4")
    args = parser.parse_args()
    wheels = fetch()
    compiled = byte_compile_chanlint()
    scales: dict[int, tuple[int, int, dict]] = {}
    breakdowns: dict[int, str] = {}
    for scale in (int(s) for s in args.scales.split(",")):
        root = CACHE / f"corpus-{scale}x"
        build_corpus(wheels, root, scale)
        files = files_of(root)
        nlines = sum(f.read_bytes().count(b"\n") for f in files)
        print(f"measuring {scale}x: {len(files)} files, {nlines} lines", file=sys.stderr)
        scales[scale] = (len(files), nlines, measure(root, args.runs))
        breakdowns[scale] = stage_breakdown(root)
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    body = table(scales) + "\n" + stages_section(breakdowns)
    print(body)
    (HERE / "RESULTS.md").write_text(
        "# Benchmark results\n\n"
        f"`python bench/run_bench.py --runs {args.runs} --scales {args.scales}` on {machine}.\n"
        f"Corpus: {len(PROVIDERS)} provider wheels + apache-airflow-core 3.3.2 + task SDK 1.3.2, example DAGs\n"
        "in dags/, library code in plugins/; at Nx, N copies of both.\n"
        f"{compiled}\n\n" + body + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Command line: a thin shell over chanlint.api."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from chanlint import __version__
from chanlint.api import CheckOptions
from chanlint.api import check as run_check
from chanlint.catalog import CatalogError
from chanlint.check.postprocess import BaselineError, baseline_document
from chanlint.config import ConfigError, Settings, check_codes, find_config, load_settings
from chanlint.report import render
from chanlint.timings import Stage, Timings, process_start_up

if TYPE_CHECKING:
    from rich.console import Console

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _console(*args, **kwargs) -> Console:
    """A rich console; rich is imported when one is first made."""
    from rich.console import Console

    return Console(*args, **kwargs)


class _Stderr:
    """rich's console on standard error, made when something is printed there: a warm run that
    prints nothing there need not import rich (a sixth of its time)."""

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = _console(stderr=True, soft_wrap=True)
        return self._console

    def print(self, *args, **kwargs) -> None:
        self.console.print(*args, **kwargs)

    def print_exception(self) -> None:
        self.console.print_exception()


def run() -> NoReturn:
    """The `chanlint` command (and `python -m chanlint`): main(), then exit at once.

    Tearing the interpreter down (freeing every module and object) costs about a tenth of a
    warm run, for nothing: every file is written and closed by then, and both streams are
    flushed here (mypy exits the same way). Not under a profiler, tracer or monitoring tool
    (cProfile, coverage, a debugger): those write their results at a normal exit. Library and
    test callers use main() itself.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if not _unobserved():
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("message") does
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: Python itself exits with 120
            code = 120
    os._exit(code or 0)


def _unobserved() -> bool:
    """No profiler, tracer or sys.monitoring tool is attached to this process."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return False
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+
    return monitoring is None or all(monitoring.get_tool(tool) is None for tool in range(6))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanlint")
def main() -> None:
    """Which supervisor channels does your Airflow 3 code really use?"""


FORMATS = ["text", "concise", "json", "sarif", "github", "gitlab"]

# Options shared by commands, declared once.
output_option = click.option(
    "--output",
    "-o",
    "output_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file instead of standard output.",
)
airflow_version_option = click.option(
    "--airflow-version", help="Judge against this Airflow release (default: the installed one)."
)
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this pyproject.toml or chanlint.toml instead of the nearest one.",
)
verbose_option = click.option("--verbose", is_flag=True, help="Show the traceback of an internal error.")
timings_option = click.option(
    "--timings", is_flag=True, help="Print where the run's time went, stage by stage, on standard error."
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for indexing and analysing files (default: the number of cores).",
)


def _settings(targets: list[Path], config_path: Path | None, airflow_version: str | None) -> Settings:
    """The configuration for these paths (raises ConfigError with the file and key)."""
    if config_path is not None and not config_path.is_file():
        raise ConfigError(f"{config_path}: configuration file not found")
    settings = load_settings(config_path or find_config(targets[0]), targets[0])
    if airflow_version is not None:
        settings.use_version(airflow_version)
    return settings


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
)
@output_option
@airflow_version_option
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (repeatable, or comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record today's findings in this file and exit 0.",
)
@click.option(
    "--show-unused-suppressions",
    is_flag=True,
    help="Report suppression comments that suppress nothing, and blanket ones in use.",
)
@click.option("--show-settings", is_flag=True, help="Print the resolved configuration and exit.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Cache folder (default: .chanlint_cache in the project root).",
)
@jobs_option
@timings_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on standard error.")
@verbose_option
@click.option("--follow-symlinks", is_flag=True, help="Read symlinked files that point outside the scanned folders.")
@config_option
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    airflow_version: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline_file: Path | None,
    write_baseline: Path | None,
    show_unused_suppressions: bool,
    show_settings: bool,
    no_cache: bool,
    cache_dir: Path | None,
    jobs: int | None,
    timings: bool,
    quiet: bool,
    verbose: bool,
    follow_symlinks: bool,
    config_path: Path | None,
) -> None:
    """Report SDK calls whose supervisor message the running process may not send.

    Given folders, chanlint checks everything in them. Given files (as pre-commit passes
    them), it analyses the whole project and reports the findings that touch those files:
    their call site, their entry point, or any step of the chain between.
    """
    targets = list(paths) or [Path(".")]
    err = _Stderr()
    missing = [p for p in targets if not p.exists()]
    if missing:
        _fail(f"no such file or directory: {missing[0]}")
    try:
        settings = _settings(targets, config_path, airflow_version)
        if baseline_file is not None:
            settings.baseline = baseline_file
        select_codes, ignore_codes = _codes(select, "--select"), _codes(ignore, "--ignore")
        if show_settings:
            import json

            click.echo(json.dumps(settings.as_table(), indent=2))
            return
        focus = None
        if all(p.is_file() for p in targets):
            focus, targets = targets, [settings.project_root]
        if cache_dir is not None:
            settings.cache_dir = cache_dir
        options = CheckOptions(
            select=select_codes,
            ignore=ignore_codes,
            focus=focus,
            show_unused_suppressions=show_unused_suppressions,
            use_baseline=write_baseline is None,
            cache_dir=None if no_cache else settings.resolved_cache_dir(),
            jobs=jobs or os.cpu_count() or 1,
            follow_symlinks=follow_symlinks,
            list_entrypoints=False,  # the command shows findings only
        )
        start_up = process_start_up() if timings else None
        with _progress(err, enabled=not quiet) as progress:
            options.progress = progress
            report = run_check(targets, settings, options)
        if timings:
            _print_timings(err, report.timings, start_up)
        if write_baseline is not None:
            write_baseline.write_text(baseline_document(report.findings, settings.project_root), encoding="utf-8")
            err.print(f"wrote {len(report.findings)} finding(s) to the baseline {write_baseline}")
            return
        _emit(report, output_format, output_file)
    except (ConfigError, CatalogError, BaselineError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        err.print(f"[red]error:[/] {exc.filename or ''}: {exc.strerror or exc}", highlight=False)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug in chanlint, never a problem with the user's input
        _internal_error(err, exc, verbose)
    sys.exit(EXIT_FINDINGS if report.findings else EXIT_CLEAN)


def _print_timings(err: _Stderr, timings: Timings, start_up: Stage | None) -> None:
    from chanlint.report.timings_view import render_timings

    if start_up is not None:
        timings.stages.insert(0, start_up)
    render_timings(timings, err.console)


def _internal_error(err: _Stderr, exc: BaseException, verbose: bool) -> NoReturn:
    if verbose:
        err.print_exception()
    err.print(
        f"[red]chanlint: internal error:[/] {type(exc).__name__}: {exc}\n"
        "This is a bug in chanlint, not in your code. Please report it with the command you ran"
        + ("." if verbose else " and the traceback from `--verbose`."),
        highlight=False,
    )
    sys.exit(EXIT_ERROR)


@contextmanager
def _progress(err: _Stderr, enabled: bool):
    """A rich progress bar on an interactive terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty() or not err.console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err.console,
        transient=True,
    ) as bar:
        tasks: dict[str, object] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _codes(values: tuple[str, ...], option: str) -> list[str]:
    codes = [c.strip().upper() for value in values for c in value.split(",") if c.strip()]
    check_codes(codes, option)
    return codes


def _emit(report, output_format: str, output_file: Path | None) -> None:
    if output_format == "text" and output_file is None:
        from chanlint.report.text_report import render_text

        render_text(report, _console(highlight=False, soft_wrap=True))
        return
    text = render(report, output_format)
    if output_file is None:
        click.echo(text, nl=False)
    else:
        output_file.write_text(text, encoding="utf-8")


@main.command()
def rules() -> None:
    """List every rule with its code."""
    from chanlint.check.rules import ALL_RULES

    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a rule: what, why, example, how to fix."""
    from chanlint.check.rules import RULES_BY_CODE

    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        click.echo(f"error: unknown rule {code!r}; see `chanlint rules`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"# {rule.code} ({rule.name})\n\n{rule.explanation}")


@main.group(invoke_without_command=True)
@click.option("--airflow-version", help="Release to show (default: the installed one, else the newest).")
@click.option("--process", "process_name", help="List one process's messages, groups and the calls that send them.")
@click.option("--diff", nargs=2, metavar="OLD NEW", help="What changed between two releases, e.g. --diff 3.1 3.3.")
@click.option("--all-versions", is_flag=True, help="Every release chanlint knows (markdown and json).")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@click.pass_context
def catalog(
    ctx: click.Context,
    airflow_version: str | None,
    process_name: str | None,
    diff: tuple[str, str] | None,
    all_versions: bool,
    output_format: str,
) -> None:
    """Show what chanlint knows: each process's channels, by access group."""
    if ctx.invoked_subcommand is not None:
        return
    from chanlint.catalog import available_versions, load_catalog
    from chanlint.catalog.release import choose_release
    from chanlint.report import catalog_view as view

    console = _console(highlight=False, soft_wrap=True)
    known = available_versions()
    for version in (airflow_version, *(diff or ())):
        if version is not None and version not in known:
            _fail(f"{version!r} is not a known Airflow release (known: {', '.join(known)})")
    if diff:
        old, new = load_catalog(diff[0]), load_catalog(diff[1])
        if output_format == "text":
            view.render_diff(old, new, console)
        else:
            click.echo(view.as_json(view.diff_data(old, new)), nl=False)
        return
    if all_versions:
        if output_format == "markdown":
            click.echo(view.markdown_all_versions(known), nl=False)
        elif output_format == "json":
            click.echo(view.as_json({v: view.overview_data(load_catalog(v)) for v in known}), nl=False)
        else:
            for version in reversed(known):
                view.render_overview(load_catalog(version), console)
        return
    choice = choose_release(airflow_version)
    cat = load_catalog(choice.version)
    if process_name is not None:
        if process_name not in cat.processes:
            _fail(f"unknown process {process_name!r} in Airflow {cat.airflow} (known: {', '.join(cat.processes)})")
        data = view.process_data(cat, process_name)
        if output_format == "json":
            click.echo(view.as_json(data), nl=False)
        elif output_format == "markdown":
            click.echo(view.markdown_overview(cat), nl=False)
        else:
            view.render_process(cat, process_name, console)
        return
    if output_format == "json":
        click.echo(view.as_json(view.overview_data(cat)), nl=False)
    elif output_format == "markdown":
        click.echo(view.markdown_overview(cat) + "\n", nl=False)
    else:
        view.render_overview(cat, console)
        if choice.reason:
            console.print(f"[yellow]note:[/] {choice.reason}")


@catalog.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Wheels, a site-packages folder or an Airflow source checkout (repeatable). "
    "Default: the installed apache-airflow-core and apache-airflow-task-sdk.",
)
@click.option("--airflow-version", help="Catalog release to compare with (default: read from the source).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(sources: tuple[Path, ...], airflow_version: str | None, output_format: str) -> None:
    """Derive the unions from Airflow's source (never importing it) and report drift (exit 1)."""
    from chanlint.catalog import available_versions, load_catalog
    from chanlint.catalog.derive import SourceError, SourceTree, compare, derive, source_release
    from chanlint.catalog.release import installed_airflow
    from chanlint.report import catalog_view as view

    try:
        tree = SourceTree.from_paths(list(sources)) if sources else SourceTree.installed()
    except SourceError as exc:
        _fail(str(exc))
    version = airflow_version or source_release(list(sources)) or _minor(installed_airflow())
    if version is None:
        _fail("cannot tell which release the source is; pass --airflow-version")
    if version not in available_versions():
        _fail(f"{version!r} is not a known Airflow release (known: {', '.join(available_versions())})")
    cat = load_catalog(version)
    drift = compare(derive(tree), cat)
    if output_format == "json":
        click.echo(view.as_json(view.drift_data(drift, cat)), nl=False)
    else:
        view.render_drift(drift, cat, _console(highlight=False, soft_wrap=True))
    sys.exit(EXIT_FINDINGS if drift else EXIT_CLEAN)


def _minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@main.command(name="census")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown", "csv"]),
    default="text",
    show_default=True,
)
@click.option("--details", is_flag=True, help="List the call sites behind every count.")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Draw a heatmap of process/entry kind x group to FILE.svg or FILE.png (needs chanlint[plot]).",
)
@click.option("--suggest-policy", is_flag=True, help="Print the narrowest policy under which the code passes.")
@output_option
@airflow_version_option
@config_option
@jobs_option
@timings_option
@verbose_option
def census_command(
    paths: tuple[Path, ...],
    output_format: str,
    details: bool,
    plot_file: Path | None,
    suggest_policy: bool,
    output_file: Path | None,
    airflow_version: str | None,
    config_path: Path | None,
    jobs: int | None,
    timings: bool,
    verbose: bool,
) -> None:
    """Every channel the code uses, per process and entry point kind, allowed or not."""
    from chanlint.api import census as take
    from chanlint.report import census_view as view

    targets = list(paths) or [Path(".")]
    err = _Stderr()
    missing = [p for p in targets if not p.exists()]
    if missing:
        _fail(f"no such file or directory: {missing[0]}")
    if plot_file is not None and plot_file.suffix.lower() not in {".svg", ".png"}:
        _fail(f"--plot writes .svg or .png files, not {plot_file.name}")
    try:
        settings = _settings(targets, config_path, airflow_version)
        start_up = process_start_up() if timings else None
        result = take(targets, settings, CheckOptions(jobs=jobs or os.cpu_count() or 1))
        if timings:
            _print_timings(err, result.timings, start_up)
        catalog = settings.catalog()
        if plot_file is not None:
            view.plot(result, catalog, plot_file)
            err.print(f"wrote the heatmap to {plot_file}")
        if suggest_policy:
            text = view.suggested_policy_toml(result, catalog)
        elif output_format == "json":
            import json

            text = json.dumps(view.census_dict(result, catalog), indent=2) + "\n"
        elif output_format == "markdown":
            text = view.render_markdown(result, catalog)
        elif output_format == "csv":
            text = view.render_csv(result)
        else:
            text = None
        if text is None:
            handle = output_file.open("w", encoding="utf-8") if output_file else None
            console = _console(highlight=False, file=handle)
            if not console.is_terminal:
                console = _console(highlight=False, file=handle, width=160)  # wide tables, even piped
            view.render_text(result, catalog, console, details, None)
            if handle is not None:
                handle.close()
        elif output_file is not None:
            output_file.write_text(text, encoding="utf-8")
        else:
            click.echo(text, nl=False)
    except view.PlotUnavailable as exc:
        _fail(str(exc))
    except (ConfigError, CatalogError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}")
    except Exception as exc:  # a bug in chanlint
        _internal_error(err, exc, verbose)

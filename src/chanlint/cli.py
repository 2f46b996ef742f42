"""Command line: a thin shell over chanlint.api."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from chanlint import __version__
from chanlint.api import check as run_check
from chanlint.catalog import CatalogError
from chanlint.check.rules import ALL_RULES, RULES_BY_CODE
from chanlint.config import ConfigError, find_config, load_settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanlint")
def main() -> None:
    """Which supervisor channels does your Airflow 3 code really use?"""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this pyproject.toml or chanlint.toml instead of the nearest one.",
)
def check(paths: tuple[Path, ...], output_format: str, config_path: Path | None) -> None:
    """Report SDK calls whose supervisor message the running process may not send."""
    targets = list(paths) or [Path(".")]
    err = Console(stderr=True, soft_wrap=True)
    missing = [p for p in targets if not p.exists()]
    if missing:
        err.print(f"[red]error:[/] no such file or directory: {missing[0]}")
        sys.exit(EXIT_ERROR)
    try:
        if config_path is not None and not config_path.is_file():
            raise ConfigError(f"{config_path}: configuration file not found")
        config_file = config_path or find_config(targets[0])
        settings = load_settings(config_file, targets[0])
        report = run_check(targets, settings)
    except (ConfigError, CatalogError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(EXIT_ERROR)
    if output_format == "json":
        from chanlint.report.json_report import render_json

        click.echo(render_json(report), nl=False)
    else:
        from chanlint.report.text_report import render_text

        render_text(report, Console(highlight=False, soft_wrap=True))
    sys.exit(EXIT_FINDINGS if report.findings else EXIT_CLEAN)


@main.command()
def rules() -> None:
    """List every rule with its code."""
    for rule in ALL_RULES:
        click.echo(f"{rule.code}  {rule.name}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain a rule: what, why, example, how to fix."""
    rule = RULES_BY_CODE.get(code.upper())
    if rule is None:
        click.echo(f"error: unknown rule {code!r}; see `chanlint rules`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"# {rule.code} ({rule.name})\n\n{rule.explanation}")

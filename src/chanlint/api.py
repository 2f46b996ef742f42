"""The library API: `check(paths, settings)` runs discover -> index -> resolve -> check."""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from chanlint import __version__
from chanlint.check import postprocess as post
from chanlint.check.checker import judge
from chanlint.check.entrypoints import EntryPoint, collect_entrypoints
from chanlint.check.findings import EntryRef, Finding
from chanlint.check.rules import chl900_syntax_error
from chanlint.config import Settings
from chanlint.discover.files import (
    SourceFile,
    find_layout,
    find_module_file,
    in_dag_folder,
    iter_python_files,
    might_contain_dag,
    module_names,
)
from chanlint.index.modules import ModuleInfo, parse_module, read_source
from chanlint.resolve.evaluator import Evaluator
from chanlint.resolve.program import Program


@dataclass
class CheckOptions:
    """How one run differs from the configuration (the CLI's flags)."""

    select: list[str] = field(default_factory=list)  # added to the configured select
    ignore: list[str] = field(default_factory=list)
    show_unused_suppressions: bool = False
    use_baseline: bool = True
    focus: list[Path] | None = None  # report only findings whose site, entry point or chain is here


@dataclass
class Report:
    chanlint_version: str
    airflow_version: str
    files_scanned: int
    findings: list[Finding] = field(default_factory=list)
    entrypoints: list[EntryPoint] = field(default_factory=list)
    version_note: str = ""  # why this release was chosen, when the user did not choose it
    suppressed: int = 0
    baselined: int = 0


def check(paths: list[Path], settings: Settings, options: CheckOptions | None = None) -> Report:
    catalog = settings.catalog()
    layout = find_layout(paths, settings.project_root, settings.import_roots)
    files = iter_python_files(paths, settings.exclude)
    modules: list[ModuleInfo] = []
    problems: list[Finding] = []
    dag_modules: list[str] = []
    for path in files:
        names = module_names(path, layout.import_roots)
        try:
            text = read_source(path)
            source = SourceFile(
                path=path,
                module=names[0],
                aliases=tuple(names[1:]),
                is_package=path.name == "__init__.py",
                is_dag_file=in_dag_folder(path, layout) and might_contain_dag(text),
            )
            module = parse_module(source, text)
        except cst.ParserSyntaxError as exc:
            line, column, reason = _syntax_error_location(text, exc)
            problems.append(_file_problem(path, line, column, f"syntax error: {reason}"))
            continue
        except (UnicodeDecodeError, SyntaxError, ValueError) as exc:
            problems.append(_file_problem(path, 1, 1, f"cannot decode file: {exc}"))
            continue
        except OSError as exc:
            problems.append(_file_problem(path, 1, 1, f"cannot read file: {exc.strerror or exc}"))
            continue
        modules.append(module)
        if source.is_dag_file:
            dag_modules.append(module.name)
    scanned = {m.path for m in modules} | {Path(p.path) for p in problems}

    def load_unscanned(name: str) -> ModuleInfo | None:
        """An imported helper outside the scanned paths: parsed (never run) on demand."""
        path = find_module_file(name, layout.import_roots)
        if path is None or path in scanned:
            return None
        scanned.add(path)
        names = module_names(path, layout.import_roots)
        try:
            text = read_source(path)
            source = SourceFile(path, names[0], tuple(names[1:]), path.name == "__init__.py", False)
            return parse_module(source, text)
        except (cst.ParserSyntaxError, UnicodeDecodeError, SyntaxError, ValueError, OSError):
            return None

    program = Program(catalog, modules, loader=load_unscanned)
    evaluator = Evaluator(program)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        entries = collect_entrypoints(evaluator, dag_modules)
    finally:
        sys.setrecursionlimit(limit)
    findings = judge(entries, catalog, settings.expanded_policy()) + problems
    report = Report(__version__, catalog.airflow, len(files), [], entries, settings.version_note)
    report.findings = _postprocess(
        findings, settings, options or CheckOptions(), [str(m.path) for m in modules], report
    )
    return report


def _postprocess(
    findings: list[Finding], settings: Settings, options: CheckOptions, files: list[str], report: Report
) -> list[Finding]:
    root = settings.project_root
    select = (
        [*settings.select, *options.select]
        if options.select and settings.select
        else (options.select or settings.select)
    )
    ignore = [*settings.ignore, *options.ignore]
    findings = post.with_fingerprints(findings, root)
    findings = [
        f
        for f in findings
        if post.selected(f.code, select, ignore) and not post.per_file_ignored(f, settings.per_file_ignores, root)
    ]
    outcome = post.apply_suppressions(findings, options.show_unused_suppressions, files)
    report.suppressed = outcome.suppressed
    findings = outcome.findings + [f for f in outcome.extra if post.selected(f.code, select, ignore)]
    if options.use_baseline and settings.baseline is not None:
        known = post.load_baseline(settings.baseline)
        kept = [f for f in findings if f.fingerprint not in known]
        report.baselined = len(findings) - len(kept)
        findings = kept
    if options.focus is not None:
        focus = {str(p.resolve()) for p in options.focus}
        findings = [f for f in findings if post.touches(f, focus)]
    return sorted(findings, key=Finding.sort_key)


def _syntax_error_location(text: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Python's own line, column and message for a syntax error (libcst points a token late)."""
    try:
        ast.parse(text)
    except SyntaxError as err:
        return err.lineno or 1, err.offset or 1, err.msg
    return exc.editor_line, exc.editor_column, exc.message


def _file_problem(path: Path, line: int, column: int, reason: str) -> Finding:
    rule = chl900_syntax_error.RULE
    return Finding(
        code=rule.code,
        severity=rule.severity,
        path=str(path),
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        process="",
        message_type="",
        group="",
        call="",
        entrypoint=EntryRef("", "", str(path), line),
        chain=(),
        text=rule.summary.format(reason=reason),
    )


def display_path(path: str, cwd: Path | None = None) -> str:
    """Paths relative to the working directory, with / separators."""
    base = cwd or Path.cwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        rel = path
    return Path(rel).as_posix()

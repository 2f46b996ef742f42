"""The library API: `check(paths, settings)` runs discover -> index -> resolve -> check."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from chanlint import __version__
from chanlint.catalog import catalog_stamp
from chanlint.check import postprocess as post
from chanlint.check.findings import Finding, finding_in_file
from chanlint.config import Settings
from chanlint.discover.files import (
    FileStat,
    ModuleFinder,
    SourceFile,
    find_layout,
    in_dag_folders,
    iter_python_files,
    module_names,
    passes_safe_mode,
    stat_of,
)
from chanlint.index.cache import Cache, RunMemo, TaskMemo, TaskRecord, UnreadableEntry, content_hash, hash_file
from chanlint.timings import LIBCST, ParseTally, Stage, Timings

if TYPE_CHECKING:  # the index and analysis stages (and libcst) load only when a run must read files
    from chanlint.check.census import Census
    from chanlint.check.entrypoints import EntryPoint
    from chanlint.index.modules import ModuleInfo
    from chanlint.index.relevance import FileIndex


@dataclass
class CheckOptions:
    """How one run differs from the configuration (the CLI's flags)."""

    select: list[str] = field(default_factory=list)  # added to the configured select
    ignore: list[str] = field(default_factory=list)
    show_unused_suppressions: bool = False
    use_baseline: bool = True
    focus: list[Path] | None = None  # report only findings whose site, entry point or chain is here
    parse_everything: bool = False  # parse every file with libcst up front (the reference for tests)
    cache_dir: Path | None = None  # persistent cache; None: no cache (the library default)
    jobs: int = 1  # processes for the ast index
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total) for a progress bar
    follow_symlinks: bool = False  # read symlinked files that point outside the scanned folders
    all_entrypoints: bool = False  # also follow operators' execute (the census wants every process)
    # Fill Report.entrypoints (on a run that reuses no task). Workers then look up every use's
    # position to send the entry points back: a few percent of a cold run.
    list_entrypoints: bool = True


@dataclass
class Report:
    chanlint_version: str
    airflow_version: str
    files_scanned: int
    findings: list[Finding] = field(default_factory=list)
    # Their uses hold syntax trees: left out of repr, which a failing assert would print for minutes.
    entrypoints: list[EntryPoint] = field(default_factory=list, repr=False)
    version_note: str = ""  # why this release was chosen, when the user did not choose it
    suppressed: int = 0
    baselined: int = 0
    from_cache: bool = False  # findings reused from the last run (entrypoints then not listed)
    tasks_run: int = 0  # analysis tasks evaluated (one per relevant module)
    tasks_reused: int = 0  # ... and reused from the last run, their files unchanged (entrypoints not listed)
    # Where the run's time went, and what the analysis parsed with libcst (in every process):
    # they differ from run to run, so two reports of the same findings still compare equal.
    timings: Timings = field(default_factory=Timings, repr=False, compare=False)
    libcst: ParseTally = field(default_factory=ParseTally, compare=False)


@dataclass
class _Walk:
    """The files found, with their stats, and those refused before reading."""

    started: int  # ns since the epoch, before the first stat
    files: list[str]
    stats: dict[str, FileStat]
    problems: list[Finding]
    timings: Timings

    @property
    def scanned(self) -> int:
        return len(self.files) + len(self.problems)


def check(paths: list[Path], settings: Settings, options: CheckOptions | None = None) -> Report:
    options = options or CheckOptions()
    timings = Timings()
    started = time.time_ns()
    stats: dict[str, FileStat] = {}
    with timings.stage("find files") as stage:
        files, skipped = iter_python_files(
            paths, settings.exclude, settings.max_file_size, options.follow_symlinks, stats=stats
        )
        stage.detail = f"{len(files):,} Python files" + (f", {len(skipped):,} refused" if skipped else "")
    problems = [_file_problem(s.path, 1, 1, s.reason, s.code) for s in skipped]
    walk = _Walk(started, files, stats, problems, timings)
    cache = Cache(options.cache_dir, catalog_stamp()) if options.cache_dir else None
    memo = None
    read_stats: dict[str, FileStat | None] = {}
    if cache is not None:
        with timings.stage("load the cache") as stage:
            cache.load()
            _choose_release(settings, cache)
            run_key = _run_key(settings, options)
            memo = cache.run(run_key)
            unchanged = memo is not None and memo.holds_for(stats, read_stats)
            stage.detail = "no file changed" if unchanged else "something changed" if memo else "nothing to reuse"
        if unchanged:  # no file is read
            report = Report(
                __version__, memo.airflow, walk.scanned, [], [], settings.version_note, from_cache=True, timings=timings
            )
            with timings.stage("report") as stage:
                if memo.worth_refreshing(stats, read_stats):  # so that the next run need not read them either
                    memo.stats, memo.read_stats, memo.taken_at = stats, read_stats, started
                    cache.store_run(memo)
                cache.save()  # writes only what changed: refreshed stats, a release read anew
                judged = memo.findings + walk.problems + memo.problems
                report.findings = _postprocess(judged, settings, options, memo.checked, report)
                stage.detail = "the last run's findings"
            return report
    else:
        run_key = _run_key(settings, options)
    try:
        return _check_contents(paths, settings, options, walk, cache, memo, run_key)
    except _StaleTrust:  # a file changed while this run trusted its stat: read every file instead
        timings.stages.append(Stage("start over", detail="a file known by its stat had changed: reading every file"))
        return _check_contents(paths, settings, options, walk, cache, memo, run_key, trust=False)


class _StaleTrust(Exception):
    """A file the walk trusted by its stat (see RunMemo.trusted_hash) was not the content the
    last run read when it came to be read: the index and relevance taken on trust are wrong."""


def _choose_release(settings: Settings, cache: Cache) -> None:
    """The installed release, remembered while the environment is unchanged (see release.py)."""
    if settings.airflow_version is not None:
        return
    from chanlint.catalog.release import environment_stamp

    environment = environment_stamp()
    remembered = cache.remembered_release(environment)
    if remembered is not None:
        settings.airflow_version, settings.version_note = remembered
    else:
        cache.remember_release(environment, settings.resolve_version(), settings.version_note)


def _check_contents(
    paths: list[Path],
    settings: Settings,
    options: CheckOptions,
    walk: _Walk,
    cache: Cache | None,
    memo: RunMemo | None,
    run_key: str,
    trust: bool = True,
) -> Report:
    """The run that reads the files: indexes what changed, and analyses unless nothing it read did."""
    from chanlint.index.relevance import registration_tokens

    timings = walk.timings
    catalog = settings.catalog()
    layout = find_layout(paths, settings.project_root, settings.import_roots, catalog.layout)
    dag_layout = (layout.folder_prefixes("dag_folders"), layout.folder_prefixes("non_dag_folders"))
    trusting = memo if trust and memo is not None and memo.dag_layout == dag_layout else None
    with timings.stage("read files") as stage:
        sources, hashes, safe_mode, problems = _read_sources(walk, layout, trusting)
        trusted = sum(data is None for _, data in sources.values())
        stage.detail = f"{len(sources) - trusted:,} read" + (f", {trusted:,} known by their stat" if trusted else "")
    with timings.stage("index") as stage, _rare_collections():
        loaded = _ANALYSIS in sys.modules
        indexes, replaced, anew = _index_all(sources, hashes, registration_tokens(catalog), cache, options)
        cached = f", {len(sources) - anew:,} from the cache" if cache is not None else ""
        meanwhile = ", libcst loaded meanwhile" if not loaded and _ANALYSIS in sys.modules else ""
        stage.detail = f"{anew:,} files indexed anew (ast){cached}{meanwhile}"
    for path, (source, _) in list(sources.items()):
        problem = indexes[source.module].problem
        if problem is not None:
            code, line, column, reason = problem
            problems.append(_file_problem(path, line, column, reason, code))
            del sources[path]
    roots = tuple(str(root) for root in layout.import_roots)
    with timings.stage("relevance") as stage:
        if memo is not None and memo.unchanged(hashes):
            eager = {Path(p) for p in memo.relevant}  # what is relevant follows from contents and settings alone
            entry_modules = memo.entry_modules
        else:
            same_graph = memo is not None and _same_class_graph(memo, hashes, roots, dag_layout, replaced)
            known = memo.entry_modules if same_graph else None  # type: ignore[union-attr]
            eager, entry_modules = _eager_paths(sources, hashes, indexes, catalog, settings, options, known)
        stage.detail = f"{len(eager):,} files may hold entry points"
    report = Report(__version__, catalog.airflow, walk.scanned, [], [], settings.version_note, timings=timings)
    checked = [str(p) for p in sources]
    if memo is not None and _still_valid(memo, hashes, eager):
        timings.stages.append(Stage("analyse", detail="skipped: nothing the last analysis read changed"))
        judged = list(memo.findings)
        # libcst's refusals found by the analysis, in files (scanned or read elsewhere) whose
        # contents are unchanged: a changed file's own diagnostics were found anew above
        paths = {problem.path for problem in memo.problems}
        unchanged = {p for p in paths if (hashes.get(p) or hash_file(p)) == memo.hashes.get(p)}
        problems += [p for p in memo.problems if p.path in unchanged and p not in problems]
        report.from_cache = True
        memo.stats, memo.taken_at, memo.problems, memo.checked = walk.stats, walk.started, problems, checked
        # Files the analysis did not read may have changed: their new stats go with their new hashes.
        memo.hashes.update(hashes)
        memo.scanned, memo.safe_mode, memo.dag_layout = frozenset(hashes), frozenset(safe_mode), dag_layout
        memo.entry_modules, memo.import_roots = entry_modules, roots
    else:
        relevant = {str(p) for p in eager}
        tasks = cache.task_memo() if cache is not None else None
        reusable = tasks.tasks if tasks is not None and tasks.holds_for(run_key, relevant) else {}
        if _ANALYSIS not in sys.modules:  # a run that indexed few files, or none, loads it now
            with timings.stage("load the analysis") as stage:
                _import_analysis()
                stage.detail = "libcst and the evaluator"
        with timings.stage("analyse") as stage, _rare_collections():
            judged, outcome = _analyse(
                sources, hashes, eager, layout, catalog, settings, problems, options, indexes, reusable
            )
            stage.detail = f"{outcome.run:,} tasks run, {outcome.reused:,} reused"
        report.libcst = parsed = outcome.libcst
        detail = f"{parsed.lines:,} lines in {parsed.parses:,} parses"
        timings.stages.append(Stage("of which libcst parsing", cpu=parsed.cpu, detail=detail, part=True))
        report.entrypoints, report.tasks_run, report.tasks_reused = outcome.entries, outcome.run, outcome.reused
        # Reused tasks looked in folders too, and their stamps still hold (see TaskMemo.holds_for).
        folders = {**tasks.folders, **outcome.folders} if outcome.reused and tasks is not None else outcome.folders
        memo = RunMemo(
            key=run_key,
            hashes={**hashes, **outcome.read_hashes},
            read=outcome.read,
            relevant=relevant,
            findings=judged,
            scanned=frozenset(hashes),
            folders=folders,
            stats=walk.stats,
            read_stats=outcome.read_stats,
            taken_at=walk.started,
            problems=problems,
            checked=checked,
            airflow=catalog.airflow,
            dag_layout=dag_layout,
            safe_mode=frozenset(safe_mode),
            entry_modules=entry_modules,
            import_roots=roots,
        )
        if cache is not None:
            cache.store_task_memo(TaskMemo(run_key, relevant, folders, walk.started, outcome.tasks))
    if cache is not None:
        with timings.stage("save the cache"):
            cache.store_run(memo)
            cache.forget_missing(set(hashes))
            cache.save()
    with timings.stage("report") as stage:
        report.findings = _postprocess(judged + walk.problems + problems, settings, options, checked, report)
        stage.detail = f"{len(report.findings):,} findings"
    return report


def _read_sources(walk: _Walk, layout, trusting: RunMemo | None):
    """Each scanned file's source (its bytes, or None where `trusting` vouches for its content by
    its stat: see RunMemo.trusted_hash), content hash and safe-mode verdict; and the files that
    could not be read."""
    problems: list[Finding] = []
    sources: dict[Path, tuple[SourceFile, bytes | None]] = {}  # None: not read yet (see _content)
    hashes: dict[str, str] = {}
    safe_mode: set[str] = set()
    for name in walk.files:
        path = Path(name)
        in_dags = in_dag_folders(path, layout)
        digest = trusting.trusted_hash(name, walk.stats.get(name)) if trusting is not None else None
        if digest is not None:  # its stat is unchanged since the last run read it: its content too
            data, safe = None, name in trusting.safe_mode  # type: ignore[union-attr]
        else:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                problems.append(_file_problem(path, 1, 1, "file vanished during the scan", "CHL905"))
                continue
            except OSError as exc:
                problems.append(_file_problem(path, 1, 1, f"cannot read file: {exc.strerror or exc}", "CHL905"))
                continue
            digest, safe = content_hash(data), in_dags and passes_safe_mode(data, layout)
        names = module_names(path, layout.import_roots)
        dag_file = in_dags and safe
        sources[path] = (SourceFile(path, names[0], tuple(names[1:]), path.name == "__init__.py", dag_file), data)
        hashes[name] = digest  # the walk's own string: the cache pickles it once
        if safe:
            safe_mode.add(name)
    return sources, hashes, safe_mode, problems


GC_THRESHOLD = 200_000  # allocations between collections of the youngest generation (Python's default: 700)


@contextmanager
def _rare_collections() -> Iterator[None]:
    """The analysis builds millions of syntax-tree nodes that live to its end: the cycle collector's
    passes over them find nothing and cost a third of the time. It runs rarely meanwhile. So
    while indexing: each file's ast (freed with its last reference) cost the collector a tenth
    of the index's time (processes forked meanwhile inherit the setting)."""
    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _analyse(sources, hashes, eager, layout, catalog, settings, problems, options, indexes, reusable):
    """Parse what the tasks read, evaluate every task (one per relevant module) whose record in
    `reusable` no longer holds, judge what their entry points send (see check.entrypoints)."""
    from chanlint.check import forks
    from chanlint.check.entrypoints import TaskResult, merge_entries, run_task
    from chanlint.index.relevance import index_file
    from chanlint.resolve.program import Program

    parsed_here = LIBCST.copy()  # what this process had parsed before the analysis

    def parse_scanned(path: Path, problems: list[Finding] | None) -> ModuleInfo | None:
        if catalog.is_runtime_module(sources[path][0].module):
            return None  # Airflow's own source in the tree: read as if installed (see [runtime_code])
        index = None if options.parse_everything else indexes.get(sources[path][0].module)
        module = _parse(sources[path][0], _content(sources, hashes, path), problems, index)
        if module is not None and module.name in indexes:
            module.class_lines = indexes[module.name].class_lines  # lines without positions
        return module

    roots = sorted(p for p in eager if not catalog.is_runtime_module(sources[p][0].module))
    by_name: dict[str, Path] = {}  # the relevant modules, parsed when a task first needs them
    for path in roots:
        source = sources[path][0]
        for name in (source.module, *source.aliases):
            by_name.setdefault(name, path)
    parsed: dict[Path, ModuleInfo | None] = {}
    parse_problems: dict[Path, list[Finding]] = {}  # libcst's refusals, reported by the file's own task
    refused: dict[str, str] = {}  # module name -> the file found for it that gave no module

    def parse_relevant(path: Path) -> ModuleInfo | None:
        if path not in parsed:
            parsed[path] = parse_scanned(path, parse_problems.setdefault(path, []))
        return parsed[path]

    loaded = set(eager) | {Path(p.path) for p in problems}
    finder = ModuleFinder(layout.import_roots)
    outcome = AnalysisInputs(read={str(p) for p in eager})

    def load_on_demand(name: str) -> ModuleInfo | None:
        """A module an import reaches, parsed (never run) now."""
        if catalog.is_runtime_module(name):
            return None
        if name in by_name:
            module = parse_relevant(by_name[name])
        else:
            path = finder.find(name)
            if path is None or path in loaded:
                return None
            loaded.add(path)
            outcome.read.add(str(path))
            module = parse_scanned(path, None) if path in sources else parse_elsewhere(path)
        if module is None:  # what a task that asked depends on: the file's content
            refused[name] = sys.intern(str(by_name.get(name) or path))
        return module

    def parse_elsewhere(path: Path) -> ModuleInfo | None:
        names = module_names(path, layout.import_roots)
        st = stat_of(str(path))  # before reading: a change after it shows in the next run's stat
        try:
            data = path.read_bytes()
        except OSError:
            return None
        outcome.read_stats[str(path)] = st
        outcome.read_hashes[str(path)] = content_hash(data)
        source = SourceFile(path, names[0], tuple(names[1:]), path.name == "__init__.py", False)
        index = None if options.parse_everything else index_file(source.module, source.is_package, data, ())
        return _parse(source, data, None, index)

    def current_hash(path: str) -> str | None:
        if path in hashes:
            return hashes[path]
        if path not in outcome.read_hashes:  # a file read outside the scan by a task reused
            outcome.read_stats[path] = stat_of(path)
            digest = hash_file(path)
            if digest is None:
                return None
            outcome.read_hashes[path] = digest
        return outcome.read_hashes[path]

    program = Program(catalog, [], loader=load_on_demand)
    root_paths = frozenset(str(p) for p in roots)
    dag_files = frozenset(sources[p][0].module for p in roots if sources[p][0].is_dag_file)
    operators = options.all_entrypoints or _task_entries_matter(settings)
    policy = settings.expanded_policy()

    def evaluate(path: Path) -> tuple[TaskRecord, TaskResult]:
        module = parse_relevant(path)
        if module is not None:
            program.add(module)
        result = run_task(program, module, root_paths, dag_files, operators)
        failed = [refused[name] for name in sorted(result.missing) if name in refused]
        record = _task_record(result, [str(path), *failed], current_hash, catalog, policy)
        record.problems += tuple(parse_problems.get(path, ()))
        return record, result

    sent = {"hashes": 0, "stats": 0, "folders": 0}  # each worker keeps its own counts

    def news(name: str, current: dict) -> dict:
        """What a worker learnt since its last answer: these dicts only ever gain entries."""
        start, sent[name] = sent[name], len(current)
        return dict(islice(current.items(), start, None))

    def evaluate_apart(path: Path) -> tuple:
        """`evaluate` in a worker process: the answer as plain data, with what the task learnt
        about files read outside the scan and folders looked in (the run's memo needs them)."""
        nonlocal parsed_before
        record, result = evaluate(path)
        entries = [e.settled() for e in result.entries] if options.list_entrypoints else []
        result = TaskResult(entries, result.attached, [], result.missing, frozenset())
        # (What it parsed is in the record's files: each file parsed is a module some task reached.)
        parsed, parsed_before = LIBCST.since(parsed_before), LIBCST.copy()
        return (
            record,
            result,
            (news("hashes", outcome.read_hashes), news("stats", outcome.read_stats), news("folders", finder.folders)),
            parsed,
        )

    held: dict[str, TaskRecord] = {}  # the records that still hold, by root path
    todo = []
    for path in roots:
        record = reusable.get(str(path))
        if record is not None and all(current_hash(p) == h for p, h in record.deps.items()):
            held[str(path)] = record
        else:
            todo.append(path)
    fresh: dict[str, TaskRecord] = {}
    results = []
    unresolved: set[str] = set()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        if options.jobs > 1 and len(todo) >= forks.PARALLEL_TASKS and forks.can_fork():
            parsed_before = LIBCST.copy()  # in each worker: what it had parsed when it last answered
            with closing(forks.map_in_forks(evaluate_apart, todo, options.jobs)) as answers:
                for done, (path, (record, result, learnt, parsed)) in enumerate(zip(todo, answers, strict=True), 1):
                    hashes_read, stats_read, folders = learnt
                    outcome.libcst.add(parsed)
                    outcome.read_hashes.update(hashes_read)
                    outcome.read_stats.update(stats_read)
                    finder.folders.update(folders)
                    unresolved.update(result.missing)
                    fresh[str(path)] = record
                    results.append(result)
                    if options.progress:
                        options.progress("analysing", len(held) + done, len(roots))
        else:
            for done, path in enumerate(todo, 1):
                fresh[str(path)], result = evaluate(path)
                results.append(result)
                if options.progress:
                    options.progress("analysing", len(held) + done, len(roots))
    finally:
        sys.setrecursionlimit(limit)
    outcome.tasks = {str(p): held[str(p)] if str(p) in held else fresh[str(p)] for p in roots}  # path order
    outcome.run, outcome.reused = len(fresh), len(held)
    records = list(outcome.tasks.values())
    for record in records:
        outcome.read.update(record.deps)
        problems.extend(p for p in record.problems if p not in problems)
    for name in sorted(unresolved | program.unresolved):  # asked by the tasks run now (reused: see TaskMemo.folders)
        finder.find(name)  # the folders that prove it still finds nothing are in finder.folders
    outcome.folders = dict(finder.folders)
    outcome.libcst.add(LIBCST.since(parsed_here))  # this process's own parses (tasks in turn)
    if not outcome.reused and options.list_entrypoints:
        outcome.entries = merge_entries(results)  # every entry point, for the census
    return _assemble(records), outcome


def _task_record(result, read: list[str], current_hash, catalog, policy) -> TaskRecord:
    """A task's entry points judged, with the files (and their contents) they follow from: its
    root, the files that gave it no module (`read`), and every module it reached."""
    from chanlint.check.checker import judge
    from chanlint.check.entrypoints import entry_key
    from chanlint.check.traps import judge_traps

    deps = {path: current_hash(path) for path in read}
    for module in result.reached:
        path = sys.intern(str(module.path))  # one string per file in the pickled records
        deps[path] = current_hash(path)
    entries = [
        (entry_key(entry), entry.path, (*judge([entry], catalog, policy), *judge_traps([entry], catalog)))
        for entry in result.entries
    ]
    problems = tuple(_file_problem(Path(path), line, 1, reason) for path, line, reason in sorted(result.refusals))
    return TaskRecord(deps, entries, result.attached, problems)


def _assemble(records: list[TaskRecord]) -> list[Finding]:
    """The findings of every task's chosen entry points (see check.entrypoints.choose)."""
    from chanlint.check.entrypoints import choose
    from chanlint.check.findings import FindingSet

    attached = set().union(*(record.attached for record in records))
    findings = FindingSet()
    for judged in choose((record.entries for record in records), attached):
        for finding in judged:
            findings.add(finding)
    return findings.sorted()


@dataclass
class AnalysisInputs:
    """What an analysis read beyond the scanned files' contents: what its findings depend on."""

    read: set[str]  # every file parsed
    read_hashes: dict[str, str] = field(default_factory=dict)  # files outside the scan: their content
    read_stats: dict[str, FileStat | None] = field(default_factory=dict)  # ... and their stat
    folders: dict[str, int | None] = field(default_factory=dict)  # folders imports looked in
    tasks: dict[str, TaskRecord] = field(default_factory=dict)  # task root's path -> record
    entries: list = field(default_factory=list)  # every entry point, when no task was reused
    run: int = 0
    reused: int = 0
    libcst: ParseTally = field(default_factory=ParseTally)  # what libcst parsed, in every process


def _index_all(sources, hashes, tokens, cache, options) -> tuple[dict[str, FileIndex], dict[str, tuple], int]:
    """The ast index of every file: from the cache by content hash, else computed (in parallel).
    Also, for each file indexed anew: (the hash and index the cache held for it, or None; its
    new index); and how many were."""
    from chanlint.index.relevance import index_many

    indexes: dict[str, FileIndex] = {}
    replaced: dict[str, tuple] = {}
    todo = []

    def index_anew(path: Path, source: SourceFile) -> FileIndex:
        """For a cached index that does not unpickle: made from the file, and cached again."""
        from chanlint.index.relevance import index_file

        index = index_file(source.module, source.is_package, _content(sources, hashes, path), tokens)
        cache.store_index(str(path), hashes[str(path)], index)  # type: ignore[union-attr]
        return index

    for path, (source, _) in sources.items():
        cached = cache.index_for(str(path), hashes[str(path)]) if cache is not None else None
        if cached is not None:
            cached.rebuild = partial(index_anew, path, source)
            indexes[source.module] = cached
        else:
            todo.append((path, source))
    items = [(s.module, s.is_package, _content(sources, hashes, p)) for p, s in todo]
    results = index_many(items, tokens, options.jobs, options.progress, meanwhile=_import_analysis)
    for (path, source), index in zip(todo, results, strict=True):
        indexes[source.module] = index
        if cache is not None:
            replaced[str(path)] = (cache.last_index(str(path)), index)
            cache.store_index(str(path), hashes[str(path)], index)
    return indexes, replaced, len(todo)


_ANALYSIS = "chanlint.check.entrypoints"  # the analysis' module that loads the rest (and libcst)


def _import_analysis() -> None:
    """Load libcst and the analysis (a fifth of a second of building its node classes) while the
    index's workers run: a run that indexes many files goes on to parse some, and the analysis'
    workers, forked after, inherit what is loaded."""
    importlib.import_module(_ANALYSIS)  # (imports libcst)


def _same_class_graph(
    memo: RunMemo,
    hashes: dict[str, str],
    roots: tuple[str, ...],
    dag_layout: tuple,
    replaced: dict[str, tuple],
) -> bool:
    """Whether the modules that may define entry classes are those the memo found: the same
    files under the same names, and every file whose content the memo did not see declaring
    the same imports and classes as in the content it saw (what entry_class_modules reads), as
    after most edits. Where that content's index is not at hand, the answer is no."""
    if memo.entry_modules is None or memo.scanned != hashes.keys():
        return False
    if memo.import_roots != roots or memo.dag_layout != dag_layout:
        return False
    for path, digest in hashes.items():
        seen = memo.hashes.get(path)
        if seen == digest:
            continue
        before, new = replaced.get(path, (None, None))
        if before is None or before[0] != seen:
            return False  # e.g. indexed by a run that started over (see _StaleTrust): not the memo's
        old = before[1]
        if (old.problem is None) != (new.problem is None):
            return False  # a file that stops (or starts) parsing leaves (or joins) the named modules
        try:
            if old.imports != new.imports or old.classes != new.classes:
                return False
        except UnreadableEntry:
            return False  # what it declared before cannot be told
    return True


def _run_key(settings: Settings, options: CheckOptions) -> str:
    """What the judged findings depend on besides the files: settings that steer the analysis."""
    table = settings.as_table()
    names = ("project-root", "airflow-version", "policy", "import-roots", "exclude", "max-file-size")
    steering = {k: table[k] for k in names}
    steering["options"] = [options.parse_everything, options.follow_symlinks, options.all_entrypoints]
    return content_hash(repr(steering).encode())  # plain data in a fixed order (json would cost an import)


def _still_valid(memo: RunMemo, hashes: dict[str, str], eager: set[Path]) -> bool:
    """The last run's findings hold if nothing it read changed, nothing new became relevant, and
    no folder an import looked in has changed (an import that found nothing might find a file)."""
    if {str(p) for p in eager} != memo.relevant or not memo.folders_hold():
        return False
    for path, digest in memo.hashes.items():
        current = hashes.get(path) or hash_file(path)
        if current != digest and path in memo.read:
            return False
        if current is None and path in memo.read:
            return False
    return True


def census(paths: list[Path], settings: Settings, options: CheckOptions | None = None) -> Census:
    """Every message each entry point sends, allowed or not (see check.census)."""
    options = options or CheckOptions()
    options.all_entrypoints, options.list_entrypoints, options.cache_dir = True, True, None  # every entry point, afresh
    report = check(paths, settings, options)
    from chanlint.check.census import take_census

    with report.timings.stage("census") as stage:
        result = take_census(report.entrypoints, settings.catalog())
        stage.detail = f"{len(result.uses):,} message uses in {len(result.entrypoints):,} entry points"
    result.timings = report.timings
    return result


def _task_entries_matter(settings: Settings) -> bool:
    """Operators' execute runs in the task process, whose union admits every modelled message:
    only a `task` policy can make it report anything."""
    return "task" in settings.policy


def _eager_paths(
    sources: dict[Path, tuple[SourceFile, bytes | None]],
    hashes: dict[str, str],
    indexes: dict[str, FileIndex],
    catalog,
    settings: Settings,
    options: CheckOptions,
    entry_modules: frozenset[str] | None = None,
) -> tuple[set[Path], frozenset[str] | None]:
    """Files to parse with libcst up front: those that may hold an entry point (see
    index.relevance); and the modules that may define entry classes (`entry_modules`, when
    known to be unchanged: see _same_class_graph)."""
    from chanlint.index.relevance import entry_class_modules

    if options.parse_everything:
        return set(sources), None
    if entry_modules is None:
        wanted = [*catalog.marker("trigger_base"), *catalog.marker("notifier_base")]
        if options.all_entrypoints or _task_entries_matter(settings):
            wanted += catalog.marker("operator_base")
        names = {name: source.module for source, _ in sources.values() for name in (source.module, *source.aliases)}
        packages = frozenset(source.module for source, _ in sources.values() if source.is_package)
        found = entry_class_modules(indexes, names, catalog, tuple(wanted), catalog.declared_bases, packages)
        entry_modules = frozenset(found)
    task_words = (b"task",) if options.all_entrypoints or _task_entries_matter(settings) else ()
    return {
        path
        for path, (source, _) in sources.items()
        if source.is_dag_file
        or source.module in entry_modules
        or indexes[source.module].has_registration_token
        or any(w in _content(sources, hashes, path) for w in task_words)
    }, entry_modules


def _content(sources: dict[Path, tuple[SourceFile, bytes | None]], hashes: dict[str, str], path: Path) -> bytes:
    """A scanned file's bytes, read now if the walk trusted its stat (see RunMemo.trusted_hash).
    Raises _StaleTrust if they are not the content the walk trusted (or the file is gone)."""
    source, data = sources[path]
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            raise _StaleTrust(path) from None
        if content_hash(data) != hashes[str(path)]:
            raise _StaleTrust(path)
        sources[path] = (source, data)
    return data


def _parse(
    source: SourceFile,
    data: bytes,
    problems: list[Finding] | None,
    index: FileIndex | None = None,
) -> ModuleInfo | None:
    """libcst-parse one file (but the lazy bodies and spare lines its `index` names, if given); a
    file ast accepted but libcst refuses is reported when parsed up front."""
    import libcst as cst

    from chanlint.index.modules import LibcstFailure, decode_source, parse_module

    try:
        if index is None:
            return parse_module(source, decode_source(data))
        return parse_module(source, decode_source(data), index.lazy_bodies, index.spare_lines)
    except cst.ParserSyntaxError as exc:
        code, reason, line, column = "CHL900", f"syntax error: {exc.message}", exc.editor_line, exc.editor_column
    except LibcstFailure as exc:
        code, reason, line, column = "CHL900", f"libcst cannot parse this file, which Python accepts ({exc})", 1, 1
    except (UnicodeDecodeError, SyntaxError, ValueError) as exc:
        code, reason, line, column = "CHL903", f"cannot decode file: {exc}", 1, 1
    except RecursionError:
        code, reason, line, column = "CHL908", "nesting too deep to parse", 1, 1
    if problems is not None:
        problems.append(_file_problem(source.path, line, column, reason, code))
    return None


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


def _file_problem(path: Path, line: int, column: int, reason: str, code: str = "CHL900") -> Finding:
    """A file-level diagnostic: the file was not (fully) checked, and this says why."""
    from chanlint.check.rules import RULES_BY_CODE

    rule = RULES_BY_CODE[code]
    return finding_in_file(rule, str(path), line, column, rule.summary.format(reason=reason))


def display_path(path: str, cwd: Path | None = None) -> str:
    """Paths relative to the working directory, with / separators."""
    base = cwd or Path.cwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        rel = path
    return Path(rel).as_posix()

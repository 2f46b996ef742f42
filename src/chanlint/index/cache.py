"""The persistent cache: three files, safe against concurrent runs and corrupt entries.

All are keyed by chanlint's and the catalog's versions:
- the run file: the judged findings of the last run, with what they depended on (every scanned
  file's stat and content hash, the files the analysis read, the folders its imports looked in);
  small, so that a run where nothing changed loads only it, stats the files and is done;
- the index file: each file's ast index by content hash (so a changed tree re-indexes only what
  changed); loaded only when a run must index or analyse. Each index is pickled on its own
  inside it (see StoredIndex): a run after an edit unpickles the few it uses, and writes the
  file again without pickling the others anew;
- the tasks file: the last analysis's judged result per task (see check.entrypoints), each with
  the files it read and their hashes, so that a run after an edit re-evaluates only the tasks
  that read the edited file; loaded only when a run must analyse.
A file that cannot be read is ignored and rewritten; writes go to a temporary file that is
atomically renamed, so concurrent runs never see half a file. The files may come from
different runs: each entry is checked on its own (content hashes, stats; the tasks file carries
what its records assume), so that is harmless.
"""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chanlint import __version__
from chanlint.digest import blake2b
from chanlint.discover.files import FileStat, FolderStamp, folder_unchanged, stat_of

CACHE_FORMAT = 14
RUNS_FILE = "runs-v1.pickle"
INDEX_FILE = "index-v1.pickle"
TASKS_FILE = "tasks-v1.pickle"
GITIGNORE = "# Created by chanlint.\n*\n"
# A file changed twice within the filesystem's timestamp granularity can keep its stat: a stat
# this close to when it was taken proves nothing, and the file's content is compared instead.
RACY_NS = 2_000_000_000


def content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def hash_file(path: str) -> str | None:
    """A file's content hash, or None if it cannot be read."""
    try:
        return content_hash(Path(path).read_bytes())
    except OSError:
        return None


@dataclass
class TaskRecord:
    """One analysis task's judged result (see check.entrypoints.TaskResult), kept while the files
    it read keep their contents: entries as (key, path, findings), so reuse needs no syntax tree."""

    deps: dict[str, str]  # every file the task read -> content hash
    entries: list[tuple[tuple, str, tuple]]
    attached: frozenset[str] = frozenset()
    problems: tuple = ()  # bodies libcst refused that it needed, as file diagnostics


@dataclass
class TaskMemo:
    """The last analysis's task records, with what they all assume: the same relevant files (the
    tasks' roots), and every module name resolving as it did (the folders imports looked in)."""

    key: str  # the run key (see RunMemo)
    relevant: set[str]
    folders: dict[str, FolderStamp | None]
    taken_at: int
    tasks: dict[str, TaskRecord]  # task root's path -> its record

    def holds_for(self, key: str, relevant: set[str]) -> bool:
        return key == self.key and relevant == self.relevant and folders_hold(self.folders, self.taken_at)


def folders_hold(folders: dict[str, FolderStamp | None], taken_at: int) -> bool:
    """No folder an import looked in has gained or lost an entry an import could find (or
    appeared); an mtime too close to when the stamps were taken proves nothing, like a file's
    stat, and the folder is listed again."""
    recent = taken_at - RACY_NS
    return all(
        folder_unchanged(f, stamp, recent)
        for f, stamp in folders.items()
        # Most are missing folders (imports of what is not scanned), many below a missing folder
        # that is itself here: while that one is missing, so are they (no stat needed).
        if stamp is not None or folders.get(os.path.dirname(f), 0) is not None
    )


@dataclass
class RunMemo:
    """What one analysis concluded, and what it depended on."""

    key: str  # settings, options, catalog: what else the result depends on
    hashes: dict[str, str]  # every scanned file -> content hash (and files read elsewhere)
    read: set[str]  # files the analysis parsed (up front or on demand)
    relevant: set[str]  # files that were relevant (parsed up front)
    findings: list  # judged findings, before suppressions, baseline and focus
    scanned: frozenset[str] = frozenset()  # the files scanned (hashes also holds files read elsewhere)
    folders: dict[str, FolderStamp | None] = field(default_factory=dict)  # folders imports looked in
    stats: dict[str, FileStat] = field(default_factory=dict)  # every file the walk found -> stat
    read_stats: dict[str, FileStat | None] = field(default_factory=dict)  # files read elsewhere -> stat
    taken_at: int = 0  # when the stats were taken (ns since the epoch)
    problems: list = field(default_factory=list)  # file diagnostics but the walk's (it reruns)
    checked: list[str] = field(default_factory=list)  # files analysed (not refused)
    airflow: str = ""  # the release judged against
    # DAG files as the last run saw them: the dags folders' prefixes (those that exist, and the
    # plugins/include ones), and the files in them whose content passes the safe-mode test.
    dag_layout: tuple = ()
    safe_mode: frozenset[str] = frozenset()
    # The modules that may define entry classes (index.relevance.entry_class_modules), and the
    # import roots they were named under: an edit that keeps every file's imports and classes
    # keeps them (see api._same_class_graph). None: not computed (every file was parsed).
    entry_modules: frozenset[str] | None = None
    import_roots: tuple[str, ...] = ()

    def trusted_hash(self, path: str, st: FileStat | None) -> str | None:
        """The content hash of a scanned file whose stat is the one recorded here, and old enough
        to trust (see _racy): the file need not be read to be indexed or judged relevant."""
        if st is None or self.stats.get(path) != st or self._racy(st) or path not in self.scanned:
            return None
        return self.hashes.get(path)

    def unchanged(self, hashes: dict[str, str]) -> bool:
        """The same files are scanned, with the same contents, as in this run."""
        return self.scanned == hashes.keys() and all(self.hashes.get(p) == h for p, h in hashes.items())

    def holds_for(self, stats: dict[str, FileStat], read_stats: dict[str, FileStat | None]) -> bool:
        """Nothing the memo depends on changed, judged by stats alone (contents only where a stat
        changed or is too recent to trust): the warm path that reads no file. `read_stats`
        receives the current stats of the files read outside the scan (taken before any read)."""
        if stats.keys() != self.stats.keys():
            return False
        for path, st in stats.items():
            if (st != self.stats[path] or self._racy(st)) and not self._same_content(path):
                return False
        for path, recorded in self.read_stats.items():
            current = read_stats[path] = stat_of(path)
            if (current != recorded or self._racy(current)) and not self._same_content(path):
                return False
        return self.folders_hold()

    def worth_refreshing(self, stats: dict[str, FileStat], read_stats: dict[str, FileStat | None]) -> bool:
        """After holds_for: stats changed (same contents) or too recent to trust; recording them
        now spares the next run from reading those files again."""
        return (
            stats != self.stats
            or read_stats != self.read_stats
            or any(self._racy(st) for st in (*stats.values(), *read_stats.values()))
        )

    def folders_hold(self) -> bool:
        return folders_hold(self.folders, self.taken_at)

    def _racy(self, st: FileStat | None) -> bool:
        return st is not None and st[0] >= self.taken_at - RACY_NS

    def _same_content(self, path: str) -> bool:
        digest = hash_file(path)
        return digest is not None and digest == self.hashes.get(path)


class StoredIndex:
    """A file's index (index.relevance.FileIndex) as the cache keeps it: what a run reads of
    every file (its problem, whether it has a registration token) at hand, the rest unpickled
    when first read. Unpickling all 4,686 indexes of the 2x bench corpus took 71 ms; an edit's
    run reads a few dozen of them."""

    __slots__ = ("_blob", "_index", "has_registration_token", "problem", "rebuild")

    def __init__(self, problem, has_registration_token: bool, blob: bytes) -> None:
        self.problem = problem
        self.has_registration_token = has_registration_token
        self._blob = blob
        self._index = None
        # The index made anew from the file, for a blob that does not unpickle (a cache file
        # damaged inside, its stamp intact); without it, such a blob raises UnreadableEntry.
        self.rebuild: Callable[[], object] | None = None

    def __getattr__(self, name: str):  # only for what the slots above do not hold
        if name.startswith("_"):
            raise AttributeError(name)
        if self._index is None:
            try:
                self._index = pickle.loads(self._blob)
            except Exception as exc:  # whatever damaged bytes make pickle raise
                if self.rebuild is None:
                    raise UnreadableEntry from exc
                self._index = self.rebuild()
        return getattr(self._index, name)


class UnreadableEntry(Exception):
    """A file's index in the cache does not unpickle, and nothing can make it anew."""


@dataclass
class _Stamped:
    stamp: str
    data: dict = field(default_factory=dict)


class Cache:
    def __init__(self, folder: Path, stamp: str) -> None:
        self.folder = folder
        self.stamp = f"{__version__}:{CACHE_FORMAT}:{stamp}"
        self.runs: dict[str, RunMemo] = {}  # run key -> memo (the latest)
        self.release: tuple[str, str, str] | None = None  # (environment stamp, release, why) last found
        # path -> (hash, problem, has_registration_token, pickled FileIndex), loaded on need
        self._indexes: dict[str, tuple[str, object, bool, bytes]] | None = None
        self._tasks: dict | None = None  # {"memo": TaskMemo}, loaded on need
        self._dirty: set[str] = set()

    def load(self) -> None:
        """Read the run file (the index file is read when first needed)."""
        data = self._read(RUNS_FILE)
        runs, release = data.get("runs"), data.get("release")
        self.runs = runs if isinstance(runs, dict) else {}
        self.release = release if isinstance(release, tuple) and len(release) == 3 else None

    def remembered_release(self, environment: str) -> tuple[str, str] | None:
        """The release found in this environment's package metadata by an earlier run."""
        if self.release is not None and self.release[0] == environment:
            return self.release[1], self.release[2]
        return None

    def remember_release(self, environment: str, version: str, reason: str) -> None:
        if self.release != (environment, version, reason):
            self.release = (environment, version, reason)
            self._dirty.add(RUNS_FILE)

    @property
    def indexes(self) -> dict[str, tuple[str, object, bool, bytes]]:
        if self._indexes is None:
            self._indexes = self._read(INDEX_FILE)
        return self._indexes

    def _read(self, name: str) -> dict:
        collecting = gc.isenabled()
        gc.disable()  # unpickling builds thousands of containers that all live: a pass finds nothing
        try:
            with open(self.folder / name, "rb") as handle:
                data = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return {}
        finally:
            if collecting:
                gc.enable()
        if isinstance(data, _Stamped) and data.stamp == self.stamp and isinstance(data.data, dict):
            return data.data
        return {}

    def task_memo(self) -> TaskMemo | None:
        """The last analysis's task records (their own file: only a run that analyses loads it)."""
        if self._tasks is None:
            self._tasks = self._read(TASKS_FILE)
        memo = self._tasks.get("memo")
        return memo if isinstance(memo, TaskMemo) else None

    def store_task_memo(self, memo: TaskMemo) -> None:
        self._tasks = {"memo": memo}
        self._dirty.add(TASKS_FILE)

    def index_for(self, path: str, digest: str) -> StoredIndex | None:
        cached = self.indexes.get(path)
        return StoredIndex(*cached[1:]) if cached is not None and cached[0] == digest else None

    def last_index(self, path: str) -> tuple[str, StoredIndex] | None:
        """(content hash, index) of the file as last indexed, whatever its content was then."""
        cached = self.indexes.get(path)
        return (cached[0], StoredIndex(*cached[1:])) if cached is not None else None

    def store_index(self, path: str, digest: str, index) -> None:
        blob = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        self.indexes[path] = (digest, index.problem, index.has_registration_token, blob)
        self._dirty.add(INDEX_FILE)

    def forget_missing(self, present: set[str]) -> None:
        if self._indexes is None:
            return  # not loaded: nothing was added, and what is stale is dropped by a later run
        for path in set(self._indexes) - present:
            del self._indexes[path]
            self._dirty.add(INDEX_FILE)

    def run(self, key: str) -> RunMemo | None:
        return self.runs.get(key)

    def store_run(self, memo: RunMemo) -> None:
        self.runs = {memo.key: memo}  # one memo: the last run for these settings
        self._dirty.add(RUNS_FILE)

    def save(self) -> None:
        if not self._dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text(GITIGNORE, encoding="utf-8")
            for name in sorted(self._dirty):
                if name == RUNS_FILE:
                    data = {"runs": self.runs, "release": self.release}
                else:
                    data = self.indexes if name == INDEX_FILE else self._tasks or {}
                self._write(name, data)
        except OSError:
            return  # a read-only checkout still gets its report
        self._dirty.clear()

    def _write(self, name: str, data: dict) -> None:
        import tempfile

        fd, temp = tempfile.mkstemp(prefix=".cache-", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(_Stamped(self.stamp, data), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / name)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

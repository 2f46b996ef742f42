"""Walk the scanned paths; decide module names the way Airflow's sys.path would."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".chanlint_cache",
    "build",
    "dist",
    ".eggs",
}


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    module: str  # primary dotted module name
    aliases: tuple[str, ...]  # every other name the file is importable as
    is_package: bool
    is_dag_file: bool  # in the dags folders (in_dag_folders) and passing the safe-mode test


@dataclass
class Layout:
    """Where the project is and which folders act as import roots."""

    project_root: Path
    import_roots: list[Path] = field(default_factory=list)
    dag_folders: list[Path] = field(default_factory=list)
    non_dag_folders: list[Path] = field(default_factory=list)
    safe_mode_all: tuple[bytes, ...] = ()
    safe_mode_any: tuple[bytes, ...] = ()
    _prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def folder_prefixes(self, which: str) -> tuple[str, ...]:
        """The existing folders of one list, as path prefixes (cheap to test, checked once)."""
        if which not in self._prefixes:
            folders = [f for f in getattr(self, which) if f.is_dir()]
            self._prefixes[which] = tuple(str(f).rstrip(os.sep) + os.sep for f in folders)
        return self._prefixes[which]


def find_layout(paths: list[Path], project_root: Path, extra_roots: list[Path], spec: dict) -> Layout:
    """Import roots: configured ones, then the folders Airflow puts on sys.path, then the root.

    `spec` is data/layout.toml (catalog.load_layout): folder names and the safe-mode words.
    """
    roots: list[Path] = [r.resolve() for r in extra_roots]
    dags = project_root / spec["dag_folder"]
    dag_folders = [dags.resolve()] if dags.is_dir() else [p.resolve() for p in paths if p.is_dir()]
    for name in spec["import_folders"]:
        folder = project_root / name
        if folder.is_dir():
            roots.append(folder.resolve())
    roots.append(project_root.resolve())
    for p in paths:
        if p.is_dir() and p.resolve() not in roots:
            roots.append(p.resolve())
    unique: list[Path] = []
    for r in roots:
        if r not in unique:
            unique.append(r)
    return Layout(
        project_root=project_root.resolve(),
        import_roots=unique,
        dag_folders=dag_folders,
        non_dag_folders=[project_root / name for name in spec["non_dag_folders"]],
        safe_mode_all=tuple(word.encode() for word in spec["safe_mode_all"]),
        safe_mode_any=tuple(word.encode() for word in spec["safe_mode_any"]),
    )


@dataclass(frozen=True)
class Skipped:
    """A file discovery refused to read, and why (reported as a diagnostic, never silently)."""

    path: Path
    code: str
    reason: str


FileStat = tuple[int, int]  # (st_mtime_ns, st_size): what tells a warm run that a file is unchanged


def stat_of(path: str) -> FileStat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def iter_python_files(
    paths: list[Path],
    exclude: list[str],
    max_bytes: int = 0,
    follow_symlinks: bool = False,
    stats: dict[str, FileStat] | None = None,
) -> tuple[list[str], list[Skipped]]:
    """Every .py file under the given paths (canonical, sorted as paths sort); symlinked folders
    are not entered, and a symlinked file is read only when it stays inside the scanned folders
    (or if asked). `stats` receives each file's FileStat, taken before anything reads it.
    Paths are strings: a warm run compares them with the cache and needs no Path objects."""
    roots = [p.resolve() for p in paths if p.is_dir()]
    found: set[str] = set()
    skipped: dict[Path, Skipped] = {}
    stats = {} if stats is None else stats

    def add(path: str, st: os.stat_result) -> None:
        size = st.st_size
        if exclude and _excluded(Path(path), exclude):
            return
        stats[path] = (st.st_mtime_ns, size)
        if max_bytes and size > max_bytes:
            skipped[Path(path)] = Skipped(
                Path(path),
                "CHL907",
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (max-file-size): not read",
            )
            return
        found.add(path)

    def take(candidate: Path) -> None:
        """A symlinked file, or one named on the command line: resolved and checked."""
        shown = Path(os.path.abspath(candidate))
        if candidate.is_symlink():
            try:
                target = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                skipped[shown] = Skipped(shown, "CHL906", "symlink loop or dangling symlink: not followed")
                return
            if not follow_symlinks and roots and not any(_inside(target, root) for root in roots):
                where = os.path.relpath(target, shown.parent)
                skipped[shown] = Skipped(
                    shown,
                    "CHL906",
                    f"symlink to {where}, outside the scanned folders: not followed (--follow-symlinks reads it)",
                )
                return
            if target.is_dir():
                return  # a symlinked folder named like a module is not entered either
            path = target
        else:
            path = candidate.resolve()
        try:
            st = path.stat()
        except OSError as exc:
            skipped[shown] = Skipped(shown, "CHL905", f"cannot read file: {exc.strerror or exc}")
            return
        add(str(path), st)

    plain, limit = not exclude, max_bytes or float("inf")

    def walk(top: str) -> None:
        """A resolved folder: its plain entries are canonical paths already (no resolve per file)."""
        pending = [top]
        while pending:
            try:
                entries = list(os.scandir(pending.pop()))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if entry.is_dir(follow_symlinks=False):  # symlinked folders are not entered
                    if name not in SKIP_DIRS and name[0] != ".":
                        pending.append(entry.path)
                elif not name.endswith(".py"):
                    continue
                elif entry.is_symlink():
                    take(Path(entry.path))
                else:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError as exc:
                        path = Path(entry.path)
                        skipped[path] = Skipped(path, "CHL905", f"cannot read file: {exc.strerror or exc}")
                        continue
                    if plain and st.st_size <= limit:  # the common case, inline: no exclude, not too large
                        stats[entry.path] = (st.st_mtime_ns, st.st_size)
                        found.add(entry.path)
                    else:
                        add(entry.path, st)

    for p in paths:
        if p.is_file() or p.is_symlink():
            if p.suffix == ".py":
                take(p)
            continue
        if p.is_dir():
            walk(str(p.resolve()))
    return sorted(found, key=_path_order), sorted(skipped.values(), key=lambda s: str(s.path))


def _path_order(path: str) -> str:
    """The order of the same paths as Path objects (part by part), without making them: a
    separator below every character sorts joined parts as the parts themselves sort."""
    return path.replace(os.sep, "\0")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _excluded(path: Path, patterns: list[str]) -> bool:
    posix = path.as_posix()
    return any(Path(posix).match(pattern) or f"/{pattern.strip('/')}/" in posix for pattern in patterns)


def module_names(path: Path, roots: list[Path]) -> list[str]:
    """Dotted names the file is importable as, most specific import root first."""
    names: list[str] = []
    text = str(path)
    for prefix in _root_prefixes(tuple(roots)):
        if not text.startswith(prefix):
            continue
        parts = text[len(prefix) :].split(os.sep)
        parts[-1] = parts[-1].removesuffix(".py")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            names.append(".".join(parts))
    if not names:
        names.append(path.stem)
    return names


@functools.lru_cache(maxsize=8)
def _root_prefixes(roots: tuple[Path, ...]) -> tuple[str, ...]:
    """The roots as path prefixes, deepest first (asked once per file: computed once per run)."""
    ordered = sorted(roots, key=lambda r: len(r.parts), reverse=True)
    return tuple(str(root).rstrip(os.sep) + os.sep for root in ordered)


def in_dag_folders(path: Path, layout: Layout) -> bool:
    """Where the DAG processor looks for DAG files: the dags folder, not a plugins/include folder."""
    text = str(path)
    if any(text.startswith(prefix) for prefix in layout.folder_prefixes("non_dag_folders")):
        return False
    return any(text.startswith(prefix) for prefix in layout.folder_prefixes("dag_folders"))


def passes_safe_mode(data: bytes, layout: Layout) -> bool:
    """Airflow's safe-mode test for files that may define DAGs (see the catalog's data/layout.toml)."""
    lowered = data.lower()
    return all(w in lowered for w in layout.safe_mode_all) and any(w in lowered for w in layout.safe_mode_any)


class ModuleFinder:
    """Where `import name` would find a source file under the import roots, for many names:
    each folder is listed once, not stat-ed per candidate."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self._listings: dict[Path, frozenset[str]] = {}
        # Each folder listed, with its stamp (see folder_listing; None: missing). While the
        # stamps hold (folder_unchanged), every answer of find() holds.
        self.folders: dict[str, FolderStamp | None] = {}

    def _listing(self, folder: Path) -> frozenset[str]:
        known = self._listings.get(folder)
        if known is None:
            known, self.folders[str(folder)] = folder_listing(str(folder))
            self._listings[folder] = known
        return known

    def find(self, name: str) -> Path | None:
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        for root in self.roots:
            folder = root.joinpath(*parts[:-1])
            listing = self._listing(folder)
            last = parts[-1]
            candidates = []
            if f"{last}.py" in listing:
                candidates.append(folder / f"{last}.py")
            if last in listing and "__init__.py" in self._listing(folder / last):
                candidates.append(folder / last / "__init__.py")
            for candidate in candidates:
                if candidate.is_file() and not candidate.is_symlink():
                    return candidate.resolve()
        return None


FolderStamp = tuple[int, str]  # (mtime, fingerprint of what imports can find in it)


def folder_listing(folder: str) -> tuple[frozenset[str], FolderStamp | None]:
    """A folder's entries, and its stamp: the mtime taken before listing (an added, removed or
    renamed entry changes it), and a fingerprint of the listing's entries an import can find.

    The fingerprint is what a changed mtime is judged by: a cache folder created in an import
    root, or an editor saving through a temporary file, changes the mtime and nothing an
    import sees (see folder_unchanged)."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset(), None
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError:
        return frozenset(), (mtime, "")
    return frozenset(e.name for e in entries), (mtime, _fingerprint(entries))


def _fingerprint(entries: list[os.DirEntry]) -> str:
    """The entries ModuleFinder.find can use: `name.py` (and whether it is a regular file) and
    `name` (a package's folder), for identifier names; nothing else can be imported."""
    from chanlint.digest import blake2b

    keys = sorted(
        f"{e.name}:{int(e.is_file(follow_symlinks=False))}"
        for e in entries
        if e.name.isidentifier() or (e.name.endswith(".py") and e.name[:-3].isidentifier())
    )
    return blake2b("\0".join(keys).encode(), digest_size=16).hexdigest()


def folder_unchanged(folder: str, stamp: FolderStamp | None, recent: int) -> bool:
    """What imports find in the folder is as when `stamp` was taken. An mtime equal to the
    stamp's and older than `recent` proves it without listing; any other mtime is judged by
    listing the folder again."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return stamp is None
    if stamp is None:
        return False
    if mtime == stamp[0] and mtime < recent:
        return True
    now = folder_listing(folder)[1]
    return now is not None and now[1] == stamp[1] and bool(stamp[1])

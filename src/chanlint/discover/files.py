"""Walk the scanned paths; decide module names the way Airflow's sys.path would."""

from __future__ import annotations

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
    is_dag_file: bool


@dataclass
class Layout:
    """Where the project is and which folders act as import roots."""

    project_root: Path
    import_roots: list[Path] = field(default_factory=list)
    dag_folders: list[Path] = field(default_factory=list)
    non_dag_folders: list[Path] = field(default_factory=list)
    safe_mode_all: tuple[bytes, ...] = ()
    safe_mode_any: tuple[bytes, ...] = ()


def find_layout(paths: list[Path], project_root: Path, extra_roots: list[Path], spec: dict) -> Layout:
    """Import roots: configured ones, then the folders Airflow puts on sys.path, then the root.

    `spec` is the catalog's [layout]: folder names and the safe-mode words.
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


def iter_python_files(
    paths: list[Path], exclude: list[str], max_bytes: int = 0, follow_symlinks: bool = False
) -> tuple[list[Path], list[Skipped]]:
    """Every .py file under the given paths, sorted; symlinked folders are not entered, and a
    symlinked file is read only when it stays inside the scanned folders (or if asked)."""
    roots = [p.resolve() for p in paths if p.is_dir()]
    found: set[Path] = set()
    skipped: dict[Path, Skipped] = {}
    candidates: list[Path] = []
    for p in paths:
        if p.is_file() or p.is_symlink():
            if p.suffix == ".py":
                candidates.append(p)
            continue
        for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
            candidates.extend(Path(dirpath) / name for name in filenames if name.endswith(".py"))
    for candidate in candidates:
        shown = Path(os.path.abspath(candidate))
        if candidate.is_symlink():
            try:
                target = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                skipped[shown] = Skipped(shown, "CHL906", "symlink loop or dangling symlink: not followed")
                continue
            if not follow_symlinks and roots and not any(_inside(target, root) for root in roots):
                where = os.path.relpath(target, shown.parent)
                skipped[shown] = Skipped(
                    shown,
                    "CHL906",
                    f"symlink to {where}, outside the scanned folders: not followed (--follow-symlinks reads it)",
                )
                continue
            path = target
        else:
            path = candidate.resolve()
        if _excluded(path, exclude):
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            skipped[shown] = Skipped(shown, "CHL905", f"cannot read file: {exc.strerror or exc}")
            continue
        if max_bytes and size > max_bytes:
            skipped[path] = Skipped(
                path, "CHL907", f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (max-file-size): not read"
            )
            continue
        found.add(path)
    return sorted(found), sorted(skipped.values(), key=lambda s: str(s.path))


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
    for root in sorted(roots, key=lambda r: len(r.parts), reverse=True):
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            names.append(".".join(parts))
    if not names:
        names.append(path.stem)
    return names


def is_dag_file(path: Path, data: bytes, layout: Layout) -> bool:
    """In the dags folder (not a plugins/include folder) and passing Airflow's safe-mode test."""
    if any(_inside(path, folder) for folder in layout.non_dag_folders if folder.is_dir()):
        return False
    if not any(_inside(path, folder) for folder in layout.dag_folders):
        return False
    return passes_safe_mode(data, layout)


def passes_safe_mode(data: bytes, layout: Layout) -> bool:
    """Airflow's safe-mode test for files that may define DAGs (see the catalog's [layout])."""
    lowered = data.lower()
    return all(w in lowered for w in layout.safe_mode_all) and any(w in lowered for w in layout.safe_mode_any)


def find_module_file(name: str, roots: list[Path]) -> Path | None:
    """Where `import name` would find a source file under the import roots, if anywhere."""
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file() and not candidate.is_symlink():
                return candidate.resolve()
    return None

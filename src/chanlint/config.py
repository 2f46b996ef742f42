"""Settings from `[tool.chanlint]` in pyproject.toml (or chanlint.toml), validated strictly."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chanlint.catalog import available_versions, load_catalog, load_layout

if TYPE_CHECKING:
    from chanlint.catalog.model import Catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_KEYS = {
    "policy",
    "import-roots",
    "exclude",
    "airflow-version",
    "select",
    "ignore",
    "per-file-ignores",
    "baseline",
    "cache-dir",
    "max-file-size",
}


class ConfigError(Exception):
    """A configuration problem, reported with the file and key (exit status 2)."""


@dataclass
class Settings:
    project_root: Path
    config_file: Path | None = None
    airflow_version: str | None = None  # None: the installed release, else the newest known
    version_note: str = ""
    policy: dict[str, list[str]] = field(default_factory=dict)
    import_roots: list[Path] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)  # rule code prefixes; empty: all
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> code prefixes
    baseline: Path | None = None
    cache_dir: Path | None = None  # default: <project root>/.chanlint_cache
    max_file_size: int = 5_000_000  # bytes; larger files are skipped with CHL907

    def as_table(self) -> dict:
        """The resolved settings, as `--show-settings` prints them."""
        return {
            "config-file": str(self.config_file) if self.config_file else None,
            "project-root": str(self.project_root),
            "airflow-version": self.resolve_version(),
            "policy": self.policy,
            "import-roots": [str(p) for p in self.import_roots],
            "exclude": self.exclude,
            "select": self.select,
            "ignore": self.ignore,
            "per-file-ignores": self.per_file_ignores,
            "baseline": str(self.baseline) if self.baseline else None,
            "cache-dir": str(self.resolved_cache_dir()),
            "max-file-size": self.max_file_size,
        }

    def resolved_cache_dir(self) -> Path:
        """--cache-dir or `cache-dir`, else $CHANLINT_CACHE_DIR, else .chanlint_cache in the project root."""
        if self.cache_dir is not None:
            return self.cache_dir
        env = os.environ.get("CHANLINT_CACHE_DIR")
        return Path(env) if env else self.project_root / ".chanlint_cache"

    def catalog(self) -> Catalog:
        return load_catalog(self.resolve_version())

    def resolve_version(self) -> str:
        if self.airflow_version is None:
            from chanlint.catalog.release import choose_release

            choice = choose_release(None)
            self.airflow_version, self.version_note = choice.version, choice.reason
        return self.airflow_version

    def use_version(self, version: str, where: str = "--airflow-version") -> None:
        """Select a release explicitly, checking it is one chanlint knows."""
        if version not in available_versions():
            raise ConfigError(
                f"{where}: {version!r} is not a known Airflow release (known: {', '.join(available_versions())})"
            )
        self.airflow_version, self.version_note = version, ""

    def expanded_policy(self) -> dict[str, frozenset[str]]:
        """Each process's allowed messages: the union of its groups and named messages."""
        catalog = self.catalog()
        result: dict[str, frozenset[str]] = {}
        for process, entries in self.policy.items():
            allowed: set[str] = set()
            for entry in entries:
                if entry in catalog.groups:
                    allowed.update(m for m, g in catalog.message_group.items() if g == entry)
                else:
                    allowed.add(entry)
            result[process] = frozenset(allowed)
        return result


def find_config(start: Path) -> Path | None:
    """Nearest chanlint.toml, or pyproject.toml with a [tool.chanlint] table, from start upward."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        candidate = folder / "chanlint.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "chanlint" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def guess_project_root(target: Path) -> Path:
    """Without a config file: the nearest folder (the target or above) that holds a dags/ folder."""
    start = target.resolve()
    if start.is_file():
        start = start.parent
    dag_folder = load_layout()["dag_folder"]
    for folder in (start, *start.parents):
        if (folder / dag_folder).is_dir():
            return folder
    return start


def load_settings(config_file: Path | None, fallback_root: Path) -> Settings:
    if config_file is None:
        return Settings(project_root=guess_project_root(fallback_root))
    data = _read_toml(config_file)
    table = data.get("tool", {}).get("chanlint", {}) if config_file.name == "pyproject.toml" else data
    return settings_from_table(table, config_file)


def settings_from_table(table: dict, config_file: Path | None, root: Path | None = None) -> Settings:
    where = str(config_file) if config_file else "<settings>"
    root = (config_file.parent if config_file else root or Path.cwd()).resolve()
    settings = Settings(project_root=root, config_file=config_file)
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key `{key}` (known: {', '.join(sorted(KNOWN_KEYS))})")
    if "airflow-version" in table:
        version = table["airflow-version"]
        if not isinstance(version, str) or version not in available_versions():
            raise ConfigError(
                f"{where}: `airflow-version` = {version!r} is not a known release "
                f"(known: {', '.join(available_versions())})"
            )
        settings.airflow_version = version
    policy = table.get("policy", {})
    if not isinstance(policy, dict):
        raise ConfigError(f"{where}: `policy` must be a table of process = [groups or messages]")
    if policy:  # checked against the catalog, loaded only then (a warm run needs none)
        catalog = load_catalog(settings.airflow_version or available_versions()[-1])
    for process, entries in policy.items():
        if process not in catalog.processes:
            raise ConfigError(f"{where}: `policy.{process}`: unknown process (known: {', '.join(catalog.processes)})")
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"{where}: `policy.{process}` must be a list of group or message names")
        for entry in entries:
            if entry not in catalog.groups and entry not in catalog.message_group:
                raise ConfigError(
                    f"{where}: `policy.{process}`: {entry!r} is neither a group "
                    f"({', '.join(catalog.groups)}) nor a message name"
                )
        settings.policy[process] = list(entries)
    for key, attr in (("import-roots", "import_roots"), ("exclude", "exclude")):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of strings")
        if attr == "import_roots":
            settings.import_roots = [root / v for v in value]
        else:
            settings.exclude = list(value)
    for key in ("select", "ignore"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: `{key}` must be a list of rule codes or prefixes")
        check_codes(value, f"{where}: `{key}`")
        setattr(settings, key, [v.upper() for v in value])
    ignores = table.get("per-file-ignores", {})
    if not isinstance(ignores, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in ignores.values()
    ):
        raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob = [rule codes]")
    for pattern, codes in ignores.items():
        check_codes(codes, f"{where}: `per-file-ignores.{pattern}`")
    settings.per_file_ignores = {k: [c.upper() for c in v] for k, v in ignores.items()}
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"{where}: `max-file-size` must be a positive number of bytes")
        settings.max_file_size = size
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str):
            raise ConfigError(f"{where}: `cache-dir` must be a folder path")
        settings.cache_dir = root / table["cache-dir"]
    if "baseline" in table:
        if not isinstance(table["baseline"], str):
            raise ConfigError(f"{where}: `baseline` must be a file path")
        settings.baseline = root / table["baseline"]
    return settings


def check_codes(codes: list[str], where: str) -> None:
    """Each entry must be a rule code or a prefix of one (`CHL`, `CHL0`, `CHL001`)."""
    if not codes:
        return  # (the rules load only when there is something to check against them)
    from chanlint.check.rules import ALL_RULES

    known = [rule.code for rule in ALL_RULES]
    for code in codes:
        if not any(k.startswith(code.upper()) for k in known):
            raise ConfigError(f"{where}: {code!r} matches no rule (rules: {', '.join(known)})")


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc

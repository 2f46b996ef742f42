"""The Airflow knowledge chanlint works from: declared data, loaded and validated here."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model loads with the first catalog: a warm run needs neither
    from chanlint.catalog.model import Catalog

__all__ = ["CatalogError", "available_versions", "catalog_stamp", "load_catalog", "load_layout"]

DEFAULT_VERSION = "3.3"
CALL_KINDS = {"call", "attribute", "any-attribute", "subscript", "raise", "context-key"}
TRAP_KINDS = {"call", "only-in", "registration", "awaited-notifier", "deadline-context", "trigger-load", "sync-on-loop"}


DATA = Path(__file__).parent / "data"  # package data (setuptools installs it beside this file)


class CatalogError(ValueError):
    """The bundled data contradicts itself (a bug in chanlint, caught by the test suite)."""


def available_versions() -> list[str]:
    names = [p.name for p in DATA.iterdir() if p.name.startswith("airflow-") and p.name.endswith(".toml")]
    return sorted((n[len("airflow-") : -len(".toml")] for n in names), key=_version_key)


def catalog_stamp() -> str:
    """Changes whenever any bundled catalog data changes (part of every cache key)."""
    from chanlint.digest import blake2b

    digest = blake2b(digest_size=12)
    for name in sorted(p.name for p in DATA.iterdir() if p.name.endswith(".toml")):
        digest.update(name.encode())
        digest.update((DATA / name).read_bytes())
    return digest.hexdigest()


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def load_catalog(version: str = DEFAULT_VERSION) -> Catalog:
    path = DATA / f"airflow-{version}.toml"
    if not path.is_file():
        raise CatalogError(f"no catalog for Airflow {version}; known: {', '.join(available_versions())}")
    raw = _read_raw(version)
    catalog = _build(raw)
    _validate(catalog)
    return catalog


@cache
def load_layout() -> dict:
    """How a deployment lays out its code (data/layout.toml): the same for every release."""
    return _read_toml(DATA / "layout.toml")


def _read_toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _read_raw(version: str, seen: tuple[str, ...] = ()) -> dict:
    """A release's data; an older release is declared as differences from a `base` release."""
    raw = _read_toml(DATA / f"airflow-{version}.toml")
    base = raw.get("base")
    if base is None:
        return raw
    if base in seen:
        raise CatalogError(f"catalog base cycle: {' -> '.join((*seen, base))}")
    return _apply_overlay(_read_raw(base, (*seen, version)), raw)


def _apply_overlay(base: dict, overlay: dict) -> dict:
    merged = {key: value for key, value in base.items() if key not in ("locations", "notes")}
    merged["release"] = overlay["release"]
    merged["notes"] = overlay.get("notes", [])
    merged["locations"] = overlay.get("locations", {})
    processes = {name: dict(spec) for name, spec in base["processes"].items()}
    for name in overlay.get("remove_processes", []):
        processes.pop(name, None)
    for name, spec in overlay.get("processes", {}).items():
        processes.setdefault(name, {}).update(spec)
    merged["processes"] = processes
    merged["entrypoints"] = {**base["entrypoints"], **overlay.get("entrypoints", {})}
    merged["aliases"] = {**base["aliases"], **overlay.get("aliases", {})}
    gone = set(overlay.get("remove_targets", []))
    calls = []
    for call in base["calls"]:
        targets = [t for t in call["targets"] if t not in gone]
        if targets:
            calls.append({**call, "targets": targets})
    merged["calls"] = calls
    keys = {k: v for k, v in base["context"]["keys"].items() if k not in overlay.get("remove_context_keys", [])}
    merged["context"] = {**base["context"], "keys": keys}
    return merged


def _build(raw: dict) -> Catalog:
    from chanlint.catalog.model import ApiCall, Catalog, ExternalBase, Process, Trap

    release = raw["release"]
    processes = {
        name: Process(name=name, title=p["title"], union=p["union"], messages=frozenset(p["messages"]))
        for name, p in raw["processes"].items()
    }
    markers_raw = dict(raw["markers"])
    external = tuple(ExternalBase(**e) for e in markers_raw.pop("external_bases", []))
    calls = tuple(
        ApiCall(
            name=c["name"],
            kind=c.get("kind", "call"),
            targets=tuple(c["targets"]),
            sends=tuple(c["sends"]),
            examples=tuple(c.get("examples", ())),
            keyword_present=c.get("when", {}).get("keyword_present"),
            keyword_absent=c.get("when", {}).get("keyword_absent"),
            returns=c.get("returns"),
            only_in=tuple(c.get("only_in", ())),
            sends_anywhere=tuple(c.get("sends_anywhere", ())),
        )
        for c in raw["calls"]
    ) + tuple(
        # A context key whose value is fetched on read is a row of the API table too.
        ApiCall(
            name=f"context[{key!r}]",
            kind="context-key",
            targets=(key,),
            sends=tuple(spec["sends"]),
            examples=(spec["example"],),
        )
        for key, spec in raw["context"]["keys"].items()
        if "sends" in spec
    )
    return Catalog(
        airflow=release["airflow"],
        core=release["core"],
        task_sdk=release["task_sdk"],
        groups=dict(raw["groups"]),
        message_group=dict(raw["messages"]),
        processes=processes,
        entrypoints={kind: {k: tuple(v) for k, v in table.items()} for kind, table in raw["entrypoints"].items()},
        markers={k: tuple(v) for k, v in markers_raw.items()},
        external_bases=external,
        aliases=dict(raw["aliases"]),
        context_type=raw["context"]["type"],
        context_keys={k: dict(v) for k, v in raw["context"]["keys"].items()},
        types={k: dict(v) for k, v in raw.get("types", {}).items()},
        signatures=dict(raw["signatures"]),
        sent_by_runtime=tuple(raw.get("sent_by_runtime", ())),
        layout=dict(load_layout()),
        locations=dict(raw.get("locations", {})),
        notes=tuple(raw.get("notes", ())),
        calls=calls,
        traps={
            trap_id: Trap(
                id=trap_id,
                kind=spec["kind"],
                targets=tuple(spec.get("targets", ())),
                works_in=tuple(spec.get("works_in", ())),
                processes=tuple(spec.get("processes", ())),
                releases=tuple(spec["releases"]),
                spared=tuple((release, tuple(messages)) for release, messages in spec.get("spared", {}).items()),
            )
            for trap_id, spec in raw.get("traps", {}).items()
        },
        coroutine_functions=frozenset(raw.get("coroutine_functions", ())),
        known_bases=dict(raw["known_bases"]),
        runtime_code=dict(raw["runtime_code"]),
        deadline_context=dict(raw["deadline_context"]),
    )


def _validate(catalog: Catalog) -> None:
    """Internal consistency: every message grouped, every name used is declared."""
    problems: list[str] = []
    for message, group in catalog.message_group.items():
        if group not in catalog.groups:
            problems.append(f"message {message} is in unknown group {group!r}")
    for process in catalog.processes.values():
        for message in sorted(process.messages - catalog.message_group.keys()):
            problems.append(f"process {process.name} allows {message}, which has no group")
    for call in catalog.calls:
        if call.kind not in CALL_KINDS:
            problems.append(f"call {call.name} has unknown kind {call.kind!r}")
        for message in call.sends:
            if message not in catalog.message_group:
                problems.append(f"call {call.name} sends {message}, which has no group")
        if not set(call.sends_anywhere) <= set(call.sends):
            problems.append(f"call {call.name}: sends_anywhere must be a part of sends")
        if not call.examples:
            problems.append(f"call {call.name} has no example for the oracle tests")
    for kind, table in catalog.entrypoints.items():
        for slot, processes in table.items():
            for process in processes:
                if process not in catalog.processes:
                    problems.append(f"entry point {kind}.{slot} names unknown process {process!r}")
    for trap in catalog.traps.values():
        if trap.kind not in TRAP_KINDS:
            problems.append(f"trap {trap.id} has unknown kind {trap.kind!r}")
        for place in trap.works_in:
            kind, _, slot = place.partition(".")
            if kind not in catalog.entrypoints and kind not in catalog.entrypoints["other"]:
                problems.append(f"trap {trap.id} works in unknown entry kind {kind!r}")
            elif slot and slot not in catalog.entrypoints.get(kind, {}):
                problems.append(f"trap {trap.id} works in unknown slot {place!r}")
    if problems:
        raise CatalogError("; ".join(problems))

"""Which Airflow release to judge against: asked for, installed, or the newest chanlint knows."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from chanlint.catalog import available_versions

# Distributions whose version is Airflow's version (the first one installed wins).
AIRFLOW_DISTRIBUTIONS = ("apache-airflow-core", "apache-airflow")


@dataclass(frozen=True)
class ReleaseChoice:
    version: str
    reason: str  # said to the user when it is not what they asked for


def installed_airflow() -> str | None:
    """The installed Airflow's version from package metadata; Airflow itself is never imported."""
    from importlib import metadata  # a tenth of a warm run's time: imported only when asked

    for name in AIRFLOW_DISTRIBUTIONS:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def choose_release(requested: str | None) -> ReleaseChoice:
    known = available_versions()
    newest = known[-1]
    if requested is not None:
        return ReleaseChoice(requested, "")
    installed = installed_airflow()
    if installed is None:
        return ReleaseChoice(newest, f"no Airflow installed here; judged against the newest known, {newest}")
    minor = ".".join(installed.split(".")[:2])
    if minor in known:
        return ReleaseChoice(minor, "")
    return ReleaseChoice(newest, f"installed Airflow {installed} is not catalogued; judged against {newest}")


def environment_stamp() -> str:
    """Changes whenever a package is installed, upgraded or removed where this Python looks
    (each changes its folder's entries, so its mtime): while it holds, so does the release
    found in package metadata, and a warm run need not read the metadata again."""
    parts = [sys.executable]
    for entry in sys.path:
        try:
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return "\n".join(parts)

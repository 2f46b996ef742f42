"""Which Airflow release to judge against: asked for, installed, or the newest chanlint knows."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from chanlint.catalog import available_versions

# Distributions whose version is Airflow's version (the first one installed wins).
AIRFLOW_DISTRIBUTIONS = ("apache-airflow-core", "apache-airflow")


@dataclass(frozen=True)
class ReleaseChoice:
    version: str
    reason: str  # said to the user when it is not what they asked for


def installed_airflow() -> str | None:
    """The installed Airflow's version from package metadata; Airflow itself is never imported."""
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

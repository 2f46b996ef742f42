"""Download the apache-airflow-core / task-sdk wheels of every catalogued release (no deps).

The release tests read Airflow's source from these wheels (never importing it). The pinned
versions come from the catalog data itself, so the data and the test inputs cannot drift.
Files already present are kept: the cache makes later runs offline.

    python scripts/fetch_airflow_wheels.py [--dest DIR]    (default: .cache/airflow-wheels)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from chanlint.catalog import available_versions, load_catalog  # noqa: E402

DEFAULT_DEST = REPO / ".cache" / "airflow-wheels"


def wheel_name(distribution: str, version: str) -> str:
    return f"{distribution.replace('-', '_')}-{version}-py3-none-any.whl"


def download(requirements: list[str], dest: Path) -> int:
    """`pip download --no-deps` each `name==version` whose wheel is not in dest yet; returns how many."""
    dest.mkdir(parents=True, exist_ok=True)
    count = 0
    for requirement in requirements:  # one at a time: pip refuses two versions of one package in a call
        name, version = requirement.split("==")
        if any(dest.glob(f"{name.replace('-', '_')}-{version}-*.whl")):
            continue
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(dest),
            requirement,
        ]
        subprocess.run(command, check=True)
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    args.dest.mkdir(parents=True, exist_ok=True)
    wanted = []
    for version in available_versions():
        catalog = load_catalog(version)
        wanted += [("apache-airflow-core", catalog.core), ("apache-airflow-task-sdk", catalog.task_sdk)]
    downloaded = download([f"{d}=={v}" for d, v in wanted], args.dest)
    print(f"{len(wanted)} Airflow wheels in {args.dest} ({downloaded} downloaded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Parsing only what may matter (plus what imports reach) must change nothing in the findings."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from chanlint.api import CheckOptions, check
from chanlint.config import find_config, load_settings
from chanlint.report.json_report import report_dict
from tests.helpers import FIXTURES

FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def both_ways(folder: Path, version: str = "3.3") -> tuple[dict, dict]:
    results = []
    for everything in (True, False):
        settings = load_settings(find_config(folder), folder)
        settings.use_version(version)
        report = check([folder], settings, CheckOptions(parse_everything=everything))
        results.append(report_dict(report, cwd=folder))
    return results[0], results[1]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_lazy_parsing_finds_the_same_on_fixtures(folder: Path) -> None:
    everything, lazily = both_ways(folder)
    assert lazily == everything


def _airflow_site() -> Path:
    return Path(str(metadata.distribution("apache-airflow-core").locate_file(""))) / "airflow"


@pytest.mark.parametrize("sample", ["example_dags", "providers/standard", "sdk/definitions"])
def test_lazy_parsing_finds_the_same_on_real_airflow_code(sample: str) -> None:
    folder = _airflow_site() / sample
    everything, lazily = both_ways(folder)
    assert json.dumps(lazily["findings"], sort_keys=True) == json.dumps(everything["findings"], sort_keys=True)
    assert lazily["files_scanned"] == everything["files_scanned"] > 10


def test_lazy_parsing_parses_fewer_files(tmp_path: Path, monkeypatch) -> None:
    """The point of it: a plugins folder the size of a provider package needs few libcst parses."""
    import shutil

    from chanlint.index import modules

    shutil.copytree(_airflow_site() / "providers" / "standard", tmp_path / "plugins" / "standard")
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "etl.py").write_text(
        "from airflow.sdk import DAG\nfrom standard.operators.empty import EmptyOperator\n"
        "with DAG('etl'):\n    EmptyOperator(task_id='t')\n"
    )
    parsed: list[str] = []
    original = modules.parse_module

    def counting(source, text, *lazy):
        parsed.append(str(source.path))
        return original(source, text, *lazy)

    monkeypatch.setattr(modules, "parse_module", counting)
    lazily = check([tmp_path], load_settings(None, tmp_path))
    assert lazily.files_scanned > 60
    assert len(parsed) < lazily.files_scanned / 3, len(parsed)
    monkeypatch.setattr(modules, "parse_module", original)
    everything = check([tmp_path], load_settings(None, tmp_path), CheckOptions(parse_everything=True))
    assert [f.sort_key() for f in lazily.findings] == [f.sort_key() for f in everything.findings]

"""Parsing only what may matter (plus what imports reach) must change nothing in the findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from chanlint.api import CheckOptions, check
from chanlint.config import find_config, load_settings
from chanlint.report.json_report import report_dict
from tests.helpers import FIXTURES, airflow_site

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
    census_everything, census_lazily = _census_both_ways(folder)
    assert census_lazily == census_everything


@pytest.mark.parametrize("sample", ["example_dags", "providers/standard", "sdk/definitions"])
def test_lazy_parsing_finds_the_same_on_real_airflow_code(sample: str) -> None:
    folder = airflow_site() / sample
    everything, lazily = both_ways(folder)
    assert json.dumps(lazily["findings"], sort_keys=True) == json.dumps(everything["findings"], sort_keys=True)
    assert lazily["files_scanned"] == everything["files_scanned"] > 10


def test_lazy_parsing_parses_fewer_files(tmp_path: Path, monkeypatch) -> None:
    """The point of it: a plugins folder the size of a provider package needs few libcst parses."""
    import shutil

    from chanlint.index import modules

    shutil.copytree(airflow_site() / "providers" / "standard", tmp_path / "plugins" / "standard")
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


def _census_both_ways(folder: Path) -> tuple[str, str]:
    from chanlint.api import census
    from chanlint.report.census_view import census_dict

    results = []
    for everything in (True, False):
        settings = load_settings(find_config(folder), folder)
        settings.use_version("3.3")
        result = census([folder], settings, CheckOptions(parse_everything=everything))
        results.append(json.dumps(census_dict(result, settings.catalog()), sort_keys=True))
    return results[0], results[1]


def test_a_base_class_re_exported_through_an_if_is_still_found(tmp_path: Path) -> None:
    """Providers import BaseOperator from a version_compat module that imports it in an
    if/else: the index must follow every branch and the re-export, or the operator's module
    is never parsed and its execute() is missing from the census."""
    from tests.helpers import write_tree

    write_tree(
        tmp_path,
        {
            "dags/d.py": "from airflow.sdk import DAG\n\nwith DAG('d'):\n    pass\n",
            "plugins/prov/__init__.py": "",
            "plugins/prov/version_compat.py": (
                "AIRFLOW_V_3 = True\n"
                "if AIRFLOW_V_3:\n    from airflow.sdk import BaseOperator\n"
                "else:\n    from airflow.models import BaseOperator\n"
            ),
            "plugins/prov/ops.py": (
                "from prov.version_compat import BaseOperator\n\n\n"
                "class PushOperator(BaseOperator):\n"
                "    def execute(self, context):\n"
                "        context['ti'].xcom_push(key='k', value=1)\n"
            ),
        },
    )
    everything, lazily = _census_both_ways(tmp_path)
    assert lazily == everything
    assert "prov.ops.PushOperator" in lazily


@pytest.mark.parametrize("sample", ["example_dags", "providers/standard"])
def test_the_census_is_the_same_when_parsing_lazily(sample: str) -> None:
    """Every use the census lists (not only the findings a release reports) both ways."""
    everything, lazily = _census_both_ways(airflow_site() / sample)
    assert lazily == everything


def test_what_the_index_cannot_tell_is_parsed_up_front_and_nothing_more() -> None:
    """A base bound some other way in a module we read may be anything: its module is parsed
    up front. A base in a package's submodule that is not scanned is outside, like any other."""
    from chanlint.catalog import load_catalog
    from chanlint.index.relevance import entry_class_modules, index_file

    sources = {
        "pkg": (True, "Base = make_base()\n"),
        "pkg.compat": (
            False,
            "try:\n    from airflow.sdk import BaseOperator\nexcept ImportError:\n    BaseOperator = None\n",
        ),
        "pkg.assigned": (False, "from pkg import Base\n\nclass Model(Base):\n    pass\n"),
        "pkg.elsewhere": (False, "from pkg.not_scanned.sub import Thing\n\nclass Other(Thing):\n    pass\n"),
        "pkg.ops": (False, "from pkg.compat import BaseOperator\n\nclass Op(BaseOperator):\n    pass\n"),
        "pkg.plain": (False, "class Plain:\n    pass\n"),
    }
    indexes = {name: index_file(name, package, text.encode(), ()) for name, (package, text) in sources.items()}
    catalog = load_catalog()
    found = entry_class_modules(
        indexes,
        {name: name for name in sources},
        catalog,
        catalog.marker("operator_base"),
        lambda fqn: (),
        frozenset({"pkg"}),
    )
    assert found == {"pkg.assigned", "pkg.ops"}


def test_classes_under_match_and_except_star_and_async_blocks_are_indexed(tmp_path: Path) -> None:
    """The index reads the statements a `match` case, an `except*` handler, `async with` and
    `async for` hold, as libcst's parse does: a trigger defined there is found lazily too, and
    a body that defines a class is never left for later."""
    from chanlint.index.relevance import index_file
    from tests.helpers import write_tree

    trigger = (
        "from airflow.sdk import Variable\n"
        "from airflow.triggers.base import BaseTrigger\n\n"
        "MODE = 'a'\n"
        "match MODE:\n"
        "    case 'a':\n"
        "        class MatchTrigger(BaseTrigger):\n"
        "            async def run(self):\n"
        "                Variable.set('k', 'v')\n"
        "                yield None\n"
    )
    star = (  # Python 3.11+
        "try:\n    pass\nexcept* ValueError:\n"
        "    class StarTrigger(BaseTrigger):\n"
        "        async def run(self):\n"
        "            Variable.set('k', 'v')\n"
        "            yield None\n"
    )
    trigger += star if sys.version_info >= (3, 11) else ""
    write_tree(tmp_path, {"dags/d.py": "from airflow.sdk import DAG\n\nwith DAG('d'):\n    pass\n"})
    write_tree(tmp_path, {"plugins/prov/__init__.py": "", "plugins/prov/triggers.py": trigger})
    everything, lazily = _census_both_ways(tmp_path)
    assert lazily == everything
    assert "prov.triggers.MatchTrigger" in everything
    assert ("prov.triggers.StarTrigger" in everything) == (sys.version_info >= (3, 11))
    source = (
        "async def outer(items):\n"
        "    async with items as held:\n"
        "        class Inner:\n"
        "            pass\n"
        "    async for item in items:\n"
        "        class Other:\n"
        "            pass\n"
    )
    index = index_file("m", False, source.encode(), ())
    assert set(index.classes) == {"outer.<locals>.Inner", "outer.<locals>.Other"}
    assert index.lazy_bodies == ()  # a body that defines classes is parsed with the file

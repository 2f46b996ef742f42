"""The catalog's unions, aliases and names, compared with the real Airflow 3.3 packages."""

from __future__ import annotations

import importlib
import inspect
import typing
import warnings

import pytest

from chanlint.catalog import load_catalog

pytest.importorskip("airflow.sdk", reason="the oracle needs apache-airflow-task-sdk (pip install -e '.[test]')")

CATALOG = load_catalog("3.3")


def import_object(dotted: str):
    """Import `pkg.mod.Class.attr` by trying the longest importable module prefix."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def union_members(dotted: str) -> set[str]:
    annotated = import_object(dotted)
    union = typing.get_args(annotated)[0]
    return {member.__name__ for member in typing.get_args(union)}


@pytest.mark.parametrize("process", sorted(CATALOG.processes))
def test_process_union_matches_airflow(process: str) -> None:
    spec = CATALOG.processes[process]
    assert union_members(spec.union) == set(spec.messages)


def test_every_message_in_a_union_is_in_exactly_one_group() -> None:
    every = set().union(*(union_members(p.union) for p in CATALOG.processes.values()))
    assert every == set(CATALOG.message_group)


@pytest.mark.parametrize("alias", sorted(CATALOG.aliases))
def test_alias_is_the_same_object(alias: str) -> None:
    assert import_object(alias) is import_object(CATALOG.aliases[alias])


def test_declared_names_exist() -> None:
    names = {t for call in CATALOG.calls if call.kind in {"call", "attribute", "raise"} for t in call.targets}
    names |= {t for call in CATALOG.calls if call.kind in {"any-attribute", "subscript"} for t in call.targets}
    names |= {n for key, values in CATALOG.markers.items() if key != "type_checking" for n in values}
    names |= {str(spec["type"]) for spec in CATALOG.context_keys.values() if "type" in spec}
    names |= {CATALOG.context_type, *CATALOG.entrypoints["deadline_callback"]}
    names |= {t for spec in CATALOG.types.values() for t in spec.values()} | set(CATALOG.types)
    missing = []
    for name in sorted(n for n in names if not n.startswith("<")):
        try:
            import_object(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert not missing


def test_context_keys_exist_in_the_real_context() -> None:
    from tests.oracle.sdk_runtime import _make_ti

    context = _make_ti().get_template_context()
    assert set(CATALOG.context_keys) <= set(context)


def test_signatures_match_the_real_classes() -> None:
    import inspect

    sig = CATALOG.signatures
    for cls in CATALOG.entrypoints["deadline_callback"]:
        params = inspect.signature(import_object(cls)).parameters
        assert sig["deadline_callable"] in params and sig["deadline_kwargs"] in params
    for marker in ("dag", "task_group"):
        for name in CATALOG.marker(marker)[:1]:
            assert sig["default_args"] in inspect.signature(import_object(name)).parameters
    assert callable(getattr(import_object(CATALOG.marker("notifier_base")[0]), sig["notifier_method"]))
    assert callable(getattr(import_object(CATALOG.marker("trigger_base")[0]), sig["trigger_method"]))
    assert callable(getattr(import_object(CATALOG.marker("operator_base")[0]), sig["operator_method"]))


def test_deadline_runner_passes_the_context_keyword() -> None:
    import inspect

    from airflow.sdk.execution_time import callback_supervisor

    source = inspect.getsource(callback_supervisor.execute_callback)
    assert f'"{CATALOG.signatures["deadline_context"]}"' in source


def test_safe_mode_test_matches_airflows_own(tmp_path) -> None:
    """The safe-mode words of the catalog's layout.toml give Airflow's answer on every variant."""
    from airflow.utils.file import might_contain_dag_via_default_heuristic

    from chanlint.discover.files import find_layout, passes_safe_mode

    layout = find_layout([tmp_path], tmp_path, [], CATALOG.layout)
    texts = [
        "",
        "import airflow",
        "dag = 1",
        "from airflow import DAG",
        "from AIRFLOW.sdk import Asset",
        "# airflow assets",
        "AirFlow dAg",
        "airflow_dags",
        "x = 'airflow'\ny = 'ASSET'",
        "import os",
    ]
    for i, text in enumerate(texts):
        path = tmp_path / f"f{i}.py"
        path.write_text(text)
        assert passes_safe_mode(text.encode(), layout) == might_contain_dag_via_default_heuristic(str(path)), text


def test_known_bases_are_every_public_subclass_of_a_marker_base() -> None:
    """User classes deriving from BaseSensorOperator, BaseEventTrigger... are operators and triggers."""
    import airflow.sdk as sdk
    import airflow.triggers.base as trigger_module

    markers = {
        base: name for name in ("operator_base", "trigger_base", "notifier_base") for base in CATALOG.marker(name)
    }
    found = {}
    for module, names in ((sdk, sdk.__all__), (trigger_module, dir(trigger_module))):
        for attr in names:
            obj = getattr(module, attr, None)
            if not inspect.isclass(obj):
                continue
            canonical = f"{obj.__module__}.{obj.__qualname__}"
            for base in markers:
                real_base = import_object(base)
                if obj is not real_base and issubclass(obj, real_base):
                    found[canonical] = base
    assert found == CATALOG.known_bases


def test_coroutine_functions_are_exactly_the_async_api_targets() -> None:
    """CHL107 never calls a coroutine function blocking, even when it is not awaited at once."""
    found = set()
    for call in CATALOG.calls:
        if call.kind != "call":
            continue
        for target in call.targets:
            obj = import_object(target)
            function = getattr(obj, "__func__", obj)
            if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
                found.add(target)
    assert found == CATALOG.coroutine_functions

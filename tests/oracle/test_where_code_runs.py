"""The catalog's [entrypoints] (which process runs which callback), read off the real runtime's code."""

from __future__ import annotations

import inspect
import re

import pytest

from chanlint.catalog import load_catalog

pytest.importorskip("airflow.sdk", reason="the oracle needs apache-airflow-task-sdk (pip install -e '.[test]')")

CATALOG = load_catalog("3.3")
SLOT = re.compile(r"\bon_\w+_callback\b")


def slots_used_by(function) -> set[str]:
    return set(SLOT.findall(inspect.getsource(function)))


def slots_running_in(kind: str, process: str) -> set[str]:
    return {slot for slot, processes in CATALOG.entrypoints[kind].items() if process in processes}


def test_dag_processor_runs_exactly_these_task_callbacks() -> None:
    from airflow.dag_processing import processor

    assert slots_used_by(processor._execute_task_callbacks) == slots_running_in("task_callback", "dag-processor")


def test_dag_processor_runs_the_dag_callbacks() -> None:
    from airflow.dag_processing import processor

    assert slots_used_by(processor._execute_dag_callbacks) == set(CATALOG.entrypoints["dag_callback"])
    assert all(p == ("dag-processor",) for p in CATALOG.entrypoints["dag_callback"].values())


def test_task_runner_runs_every_task_callback() -> None:
    from airflow.sdk.execution_time import task_runner

    assert set(SLOT.findall(inspect.getsource(task_runner))) == slots_running_in("task_callback", "task")


def test_deadline_callbacks_run_where_the_catalog_says() -> None:
    """AsyncCallback becomes a TriggererCallback (a CallbackTrigger); SyncCallback an ExecutorCallback,
    which the executor runs through supervise_callback: the executor callback subprocess."""
    from airflow.executors import base_executor
    from airflow.models import callback

    routing = inspect.getsource(callback.Callback.create_from_sdk_def)
    runner_of = {"triggerer": "TriggererCallback", "callback": "ExecutorCallback"}
    for cls, processes in CATALOG.entrypoints["deadline_callback"].items():
        (process,) = processes
        short = cls.rsplit(".", 1)[-1]
        case = routing.split(f'case "{short}":', 1)[1].split("case ", 1)[0]
        assert runner_of[process] in case, (short, process)
    assert "CallbackTrigger" in inspect.getsource(callback.TriggererCallback)
    assert "supervise_callback" in inspect.getsource(base_executor)

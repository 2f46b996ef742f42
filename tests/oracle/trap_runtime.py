"""Run user callbacks through the real task runner, deadline runners and triggerer plumbing.

Each helper returns what the runtime did (the exception a callback met, the state the task
ended in, the messages sent), so tests/oracle/test_traps.py can compare it with the traps
the catalog declares.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import structlog
from airflow.sdk import DAG, BaseOperator
from airflow.sdk.execution_time import task_runner
from airflow.utils.state import TaskInstanceState

from tests.oracle.sdk_runtime import NOW, RecordingComms, runtime_ti

# The task state whose finalize() runs each callback slot (task_runner.finalize).
FINALIZE_STATE = {
    "on_success_callback": TaskInstanceState.SUCCESS,
    "on_skipped_callback": TaskInstanceState.SKIPPED,
    "on_retry_callback": TaskInstanceState.UP_FOR_RETRY,
    "on_failure_callback": TaskInstanceState.FAILED,
}


class _Noop(BaseOperator):
    def execute(self, context: Any) -> None:
        return None


def run_task_callback(slot: str, body: str) -> tuple[BaseException | None, str, list[str]]:
    """Run `body` (with `context` bound) as the task's `slot` callback, where the runner runs it.

    Returns (what the callback raised, the task's state after the runner ran, messages sent).
    """
    raised: list[BaseException] = []

    def callback(context: Any) -> None:
        try:
            exec(compile(body, "<callback>", "exec"), {"context": context})
        except BaseException as error:
            raised.append(error)
            raise

    comms = RecordingComms()
    task_runner.SUPERVISOR_COMMS = comms
    log = structlog.get_logger()
    try:
        with DAG("d", schedule=None, start_date=NOW):
            op = _Noop(task_id="t", **{slot: callback})
        ti = runtime_ti(op)
        context = ti.get_template_context()
        if slot == "on_execute_callback":
            state, _msg, _error = task_runner.run(ti, context, log)
        else:
            state = FINALIZE_STATE[slot]
            try:
                task_runner.finalize(ti, state, context, log)
            except BaseException as error:  # a BaseException the callback runner does not catch
                state = f"escaped finalize: {type(error).__name__}"
    finally:
        task_runner.SUPERVISOR_COMMS = None
    return (raised[0] if raised else None), str(state), comms.sent


def run_execute(body: str) -> BaseException | None:
    """Run `body` inside execute(), as the task runner does; returns what it raised."""
    raised: list[BaseException] = []

    class Op(BaseOperator):
        def execute(self, context: Any) -> None:
            try:
                exec(compile(body, "<execute>", "exec"), {"context": context})
            except BaseException as error:
                raised.append(error)
                raise

    task_runner.SUPERVISOR_COMMS = RecordingComms()
    try:
        with DAG("d", schedule=None, start_date=NOW):
            op = Op(task_id="t")
        ti = runtime_ti(op)
        task_runner.run(ti, ti.get_template_context(), structlog.get_logger())
    finally:
        task_runner.SUPERVISOR_COMMS = None
    return raised[0] if raised else None


def load_dag_file(folder: Path, dag_id: str, comms: RecordingComms):
    """Load a DAG file with the real DagBag (as the DAG processor does), under recording comms."""
    from airflow.dag_processing.dagbag import DagBag

    task_runner.SUPERVISOR_COMMS = comms
    try:
        bag = DagBag(str(folder))
    finally:
        task_runner.SUPERVISOR_COMMS = None
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def run_async_deadline_callback(path: str) -> dict:
    """What the triggerer's CallbackTrigger reports for a stored AsyncCallback path."""
    from airflow.triggers.callback import CallbackTrigger

    async def events() -> list:
        trigger = CallbackTrigger(callback_path=path, callback_kwargs={"context": {}})
        return [event.payload async for event in trigger.run()]

    return asyncio.run(events())[-1]


def run_sync_deadline_callback(path: str, folder: Path, rel_path: str, context: dict) -> tuple[str | None, list[str]]:
    """Run a stored SyncCallback path as the executor callback subprocess does; (error, messages)."""
    from airflow.sdk.execution_time.callback_supervisor import execute_callback

    comms = RecordingComms()
    task_runner.SUPERVISOR_COMMS = comms
    try:
        ok, error = execute_callback(path, {"context": context}, rel_path, folder, structlog.get_logger())
    finally:
        task_runner.SUPERVISOR_COMMS = None
    assert ok or error
    return (None if ok else error), comms.sent


def sync_call_on_the_triggerer_loop(code: str) -> BaseException | None:
    """Run `code` synchronously on the triggerer's event loop thread, outside any trigger's run():
    where TriggerRunner.create_triggers imports a trigger's module and calls its __init__."""
    from airflow.jobs.triggerer_job_runner import TriggerCommsDecoder

    async def main() -> BaseException | None:
        ours, theirs = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=ours)
        decoder = TriggerCommsDecoder(async_writer=writer, async_reader=reader, socket=ours)
        await decoder.start_reader()
        task_runner.SUPERVISOR_COMMS = decoder
        try:
            exec(compile(code, "<trigger module>", "exec"), {})
        except BaseException as error:
            return error
        finally:
            task_runner.SUPERVISOR_COMMS = None
            writer.close()
            theirs.close()
        return None

    return asyncio.run(main())

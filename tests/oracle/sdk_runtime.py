"""Run code inside the real task SDK with a recording stand-in for SUPERVISOR_COMMS.

The stand-in answers each request with a well-formed response of the type the SDK
expects, and records the type name of every message the code sends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import textwrap
import uuid
from typing import Any

from airflow.sdk import DAG, Asset, BaseOperator
from airflow.sdk.api.datamodels._generated import DagRun, TIRunContext
from airflow.sdk.execution_time import comms as C
from airflow.sdk.execution_time import task_runner

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# The task under test has this asset as an inlet, and its run was triggered by an event on it.
ASSET_URI = "s3://bucket/key"


def _respond(msg: Any) -> Any:
    name = type(msg).__name__
    answers = {
        "GetVariable": lambda: C.VariableResult(key=msg.key, value='{"a": 1}'),
        "GetVariableKeys": lambda: C.VariableKeysResult(keys=["a", "b"], total_entries=2),
        "GetConnection": lambda: C.ConnectionResult(
            conn_id=msg.conn_id,
            conn_type="http",
            host="example.invalid",
            port=443,
            login="user",
            schema="s",
            password="a-long-password",
            extra='{"token": "a-long-token"}',
        ),
        "GetXCom": lambda: C.XComResult(key=msg.key, value=1),
        "GetXComSequenceSlice": lambda: C.XComSequenceSliceResult(root=[1]),
        "GetXComCount": lambda: C.XComCountResponse(len=1),
        "GetTICount": lambda: C.TICount(count=1),
        "GetDRCount": lambda: C.DRCount(count=1),
        "GetTaskStates": lambda: C.TaskStatesResult(task_states={}),
        "GetPreviousDagRun": lambda: C.PreviousDagRunResult(dag_run=None),
        "GetPreviousTI": lambda: C.PreviousTIResult(task_instance=None),
        "GetTaskRescheduleStartDate": lambda: C.TaskRescheduleStartDate(start_date=NOW),
        "GetDagRunState": lambda: C.DagRunStateResult(state="success"),
        "GetTaskBreadcrumbs": lambda: C.TaskBreadcrumbsResult(breadcrumbs=[]),
        "ValidateInletsAndOutlets": lambda: C.InactiveAssetsResult(inactive_assets=[]),
        "GetTaskStateStore": lambda: C.TaskStateStoreResult(value=1),
        "GetPrevSuccessfulDagRun": lambda: C.PrevSuccessfulDagRunResult(),
        "GetAssetEventByAsset": lambda: C.AssetEventsResult(
            asset_events=[
                {
                    "id": 1,
                    "timestamp": NOW,
                    "created_dagruns": [],
                    "asset": {"name": ASSET_URI, "uri": ASSET_URI, "group": "asset", "extra": {}},
                }
            ]
        ),
        "GetDagRun": lambda: C.DagRunResult(**_dag_run_fields()),
        "GetDag": lambda: C.DagResult(
            dag_id=msg.dag_id,
            is_paused=False,
            bundle_name="b",
            bundle_version=None,
            relative_fileloc="d.py",
            owners="me",
            tags=[],
            next_dagrun=None,
        ),
    }
    answer = answers.get(name)
    return answer() if answer else C.OKResponse(ok=True)


class RecordingComms:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, msg: Any = None, **kwargs: Any) -> Any:
        msg = kwargs.get("msg", msg)
        self.sent.append(type(msg).__name__)
        return _respond(msg)

    async def asend(self, msg: Any = None, **kwargs: Any) -> Any:
        return self.send(msg, **kwargs)


def _dag_run_fields() -> dict:
    return dict(
        dag_id="d",
        run_id="r",
        logical_date=NOW,
        data_interval_start=NOW,
        data_interval_end=NOW,
        run_after=NOW,
        start_date=NOW,
        end_date=None,
        run_type="manual",
        state="running",
        conf={},
        consumed_asset_events=[
            {
                "asset": {"name": ASSET_URI, "uri": ASSET_URI, "extra": {}},
                "extra": {},
                "source_task_id": "up",
                "source_dag_id": "upstream",
                "source_run_id": "r0",
                "source_map_index": -1,
                "source_aliases": [],
                "timestamp": NOW,
            }
        ],
        partition_key=None,
    )


class SnippetOperator(BaseOperator):
    """An operator whose execute() runs a code snippet with `context` and `self` defined."""

    def __init__(self, snippet: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.snippet = snippet

    def execute(self, context: Any) -> Any:
        exec(compile(self.snippet, "<example>", "exec"), {"context": context, "self": self})


def _make_ti(snippet: str = "pass", dag_run_extra: dict | None = None) -> task_runner.RuntimeTaskInstance:
    with DAG("d", schedule=None, start_date=NOW):
        op = SnippetOperator(snippet=snippet, task_id="t", inlets=[Asset(ASSET_URI)])
    return runtime_ti(op, dag_run_extra)


def runtime_ti(op: BaseOperator, dag_run_extra: dict | None = None) -> task_runner.RuntimeTaskInstance:
    """The task instance the task runner would build for `op`, in a run of DAG "d"."""
    fields = _dag_run_fields()
    fields.update(dag_run_extra or {})
    ti = task_runner.RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=op.task_id,
        dag_id="d",
        run_id="r",
        try_number=1,
        map_index=-1,
        task=op,
        max_tries=0,
        start_date=NOW,
        dag_version_id=uuid.uuid4(),
        bundle_instance=None,
    )
    ti._ti_context_from_server = TIRunContext(dag_run=DagRun(**fields), max_tries=0, should_retry=False)
    return ti


def record_messages(snippet: str, dag_run_extra: dict | None = None) -> list[str]:
    """Messages sent while `snippet` runs as a callback body with the task context in `context`."""
    comms = RecordingComms()
    task_runner.SUPERVISOR_COMMS = comms
    try:
        ti = _make_ti(dag_run_extra=dag_run_extra)
        context = ti.get_template_context()
        keyword = "async def" if "await " in snippet else "def"
        body = f"{keyword} _callback(context):\n" + textwrap.indent(snippet, "    ") + "\n"
        namespace: dict[str, Any] = {}
        exec(compile(body, "<example>", "exec"), namespace)
        result = namespace["_callback"](context)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    finally:
        task_runner.SUPERVISOR_COMMS = None
    return comms.sent


def _run_task(snippet: str) -> tuple[list[str], str | None]:
    import structlog

    comms = RecordingComms()
    task_runner.SUPERVISOR_COMMS = comms
    try:
        ti = _make_ti(snippet)
        context = ti.get_template_context()
        _state, msg, _error = task_runner.run(ti, context, structlog.get_logger())
    finally:
        task_runner.SUPERVISOR_COMMS = None
    return comms.sent, type(msg).__name__ if msg is not None else None


def record_task_outcome(snippet: str) -> list[str]:
    """What the task runner sends because execute() ran `snippet`, beyond what a plain task sends.

    Both the messages sent during the run and the final outcome message (which the runner's
    main() sends) are compared with a task whose execute() does nothing.
    """
    base_sent, base_outcome = _run_task("pass")
    sent, outcome = _run_task(snippet)
    extra = [m for m in sent if m not in base_sent]
    if outcome is not None and outcome != base_outcome:
        extra.append(outcome)
    return extra

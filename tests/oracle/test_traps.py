"""The catalog's [traps], proven against the real runtime (task SDK 1.3.2, core 3.3.2).

Each test runs the runtime's own code path where it runs offline (the task runner's run()
and finalize(), DagBag, CallbackTrigger, execute_callback, the triggerer's comms decoder),
and checks that chanlint reports the same code, and only it.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("airflow.sdk", reason="the oracle needs apache-airflow-task-sdk (pip install -e '.[test]')")

from chanlint.catalog import load_catalog
from tests.helpers import check_folder, write_tree
from tests.oracle.sdk_runtime import RecordingComms
from tests.oracle.trap_runtime import (
    load_dag_file,
    run_async_deadline_callback,
    run_execute,
    run_sync_deadline_callback,
    run_task_callback,
    sync_call_on_the_triggerer_loop,
)

CATALOG = load_catalog("3.3")
TRAPS = CATALOG.traps
TASK_SLOTS = list(CATALOG.entrypoints["task_callback"])
GET_CONTEXT = "from airflow.sdk import get_current_context\nget_current_context()"


def codes(folder: Path) -> set[tuple[str, int]]:
    return {(f.code, f.line) for f in check_folder(folder).findings}


# ---- CHL101: get_current_context() -------------------------------------------------------


@pytest.mark.parametrize("slot", TASK_SLOTS)
def test_get_current_context_raises_in_exactly_the_slots_the_trap_names(slot: str) -> None:
    raised, _state, _sent = run_task_callback(slot, GET_CONTEXT)
    trap = TRAPS["no-current-context"]
    if trap.works("task_callback", slot):
        assert raised is None
    else:
        assert isinstance(raised, RuntimeError) and "no context was found" in str(raised)


def test_get_current_context_works_in_execute() -> None:
    assert TRAPS["no-current-context"].works("task", "")
    assert run_execute(GET_CONTEXT) is None


def test_only_the_task_runner_ever_sets_a_current_context() -> None:
    """So the DAG processor, the triggerer and the callback subprocess never have one."""
    import airflow
    from airflow.sdk import get_current_context
    from airflow.sdk.execution_time import task_runner

    callers = set()
    for root in {Path(p) for p in airflow.__path__}:
        for path in root.rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if "set_current_context(" in text and "def set_current_context" not in text:
                callers.add(path.name)
    assert callers == {"task_runner.py"}
    assert "with set_current_context(context)" in inspect.getsource(task_runner)
    with pytest.raises(RuntimeError, match="no context was found"):
        get_current_context()


@pytest.mark.parametrize("slot", TASK_SLOTS)
def test_chanlint_reports_get_current_context_where_it_raises(slot: str, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "dags/d.py": textwrap.dedent(f"""\
                from airflow.sdk import DAG, get_current_context
                from airflow.providers.standard.operators.empty import EmptyOperator

                def cb(context):
                    get_current_context()

                with DAG("d"):
                    EmptyOperator(task_id="t", {slot}=cb)
                """)
        },
    )
    raised, _state, _sent = run_task_callback(slot, GET_CONTEXT)
    assert (("CHL101", 5) in codes(tmp_path)) == (raised is not None)


# ---- CHL104: lifecycle exceptions outside execute() ---------------------------------------

LIFECYCLE = [(call, example) for call in CATALOG.calls if call.only_in for example in call.examples]


@pytest.mark.parametrize("case", LIFECYCLE, ids=[c.name for c, _ in LIFECYCLE])
@pytest.mark.parametrize("slot", ["on_execute_callback", "on_success_callback", "on_failure_callback"])
def test_lifecycle_actions_in_a_callback_change_state_only_where_the_table_says(case, slot: str) -> None:
    """Where the row says its messages are not sent, the runner catches the exception and logs
    it (or it escapes finalize() after the task has ended): no lifecycle message is sent."""
    call, example = case
    raised, state, sent = run_task_callback(slot, example)
    _, baseline_state, baseline = run_task_callback(slot, "pass")
    assert raised is not None
    lifecycle = {m for m in call.sends if CATALOG.message_group[m] in ("task-lifecycle", "orchestration")}
    assert lifecycle
    if call.sent_in("task_callback", slot):
        assert state != baseline_state and lifecycle <= set(sent) - set(baseline)
    else:
        assert state == baseline_state or state.startswith("escaped finalize")
        assert set(sent) - set(baseline) == set(call.sends_anywhere)


@pytest.mark.parametrize("case", LIFECYCLE, ids=[c.name for c, _ in LIFECYCLE])
@pytest.mark.parametrize("slot", ["on_execute_callback", "on_success_callback"])
def test_chanlint_reports_lifecycle_actions_where_they_change_nothing(case, slot: str, tmp_path: Path) -> None:
    call, example = case
    body = textwrap.indent(example, "    ")
    write_tree(
        tmp_path,
        {
            "dags/d.py": "from airflow.sdk import DAG\n"
            "from airflow.providers.standard.operators.empty import EmptyOperator\n\n"
            f"def cb(context):\n{body}\n\n"
            f"with DAG('d'):\n    EmptyOperator(task_id='t', {slot}=cb)\n"
        },
    )
    reported = {code for code, _line in codes(tmp_path)}
    assert ("CHL104" in reported) == (not call.sent_in("task_callback", slot))


def test_trigger_dag_run_operator_execute_in_a_callback_only_pushes_an_xcom() -> None:
    example = next(e for c in CATALOG.calls if c.name == "TriggerDagRunOperator.execute" for e in c.examples)
    raised, _state, sent = run_task_callback("on_success_callback", example)
    assert type(raised).__name__ == "DagRunTriggerException" and sent == ["SetXCom"]


# ---- CHL102 and the SyncCallback re-execution: deadline callbacks in the DAG file ---------

DEADLINE_DAG = """\
from datetime import timedelta

from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference, SyncCallback, Variable

Variable.set("parsed", "yes")

async def page_oncall(context, **kwargs):
    return None

def reset_flags(context, **kwargs):
    return None

with DAG("late", schedule=None, deadline=[
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1),
                  callback=AsyncCallback(page_oncall)),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=2),
                  callback=SyncCallback(reset_flags)),
]):
    pass
"""


def test_deadline_callbacks_defined_in_the_dag_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    write_tree(tmp_path, {"dags/late.py": DEADLINE_DAG})
    parsed = RecordingComms()
    dag = load_dag_file(tmp_path / "dags", "late", parsed)
    assert parsed.sent == ["PutVariable"]
    async_path, sync_path = (alert.callback.path for alert in dag.deadline)
    assert async_path.startswith("unusual_prefix_") and sync_path.startswith("unusual_prefix_")

    # The triggerer cannot import the AsyncCallback (it never loads DAG files) ...
    for name in [m for m in sys.modules if m.startswith("unusual_prefix_")]:
        monkeypatch.delitem(sys.modules, name)
    outcome = run_async_deadline_callback(async_path)
    assert outcome["state"] == "failed" and "Failed to import the callable" in outcome["body"]
    # ... the callback subprocess re-executes the DAG file for the SyncCallback, top level and all.
    error, sent = run_sync_deadline_callback(sync_path, tmp_path / "dags", "late.py", {"dag_run": {}, "deadline": {}})
    ok = error is None
    assert ok and sent == ["PutVariable"]

    assert TRAPS["deadline-callback-in-dag-file"].targets == ("airflow.sdk.definitions.callback.AsyncCallback",)
    assert "airflow.sdk.definitions.callback.SyncCallback" in CATALOG.marker("reexecutes_dag_file")
    findings = check_folder(tmp_path).findings
    assert {(f.code, f.line, f.process) for f in findings if f.entrypoint.kind == "deadline_callback"} == {
        ("CHL102", 15, "triggerer"),  # AsyncCallback(page_oncall)
        ("CHL001", 5, "callback"),  # Variable.set, re-run in the callback subprocess
    }


# ---- CHL106: a notifier awaited by the triggerer -------------------------------------------

NOTIFIERS = """\
from airflow.sdk import BaseNotifier

class SyncOnly(BaseNotifier):
    def notify(self, context):
        pass

class Both(BaseNotifier):
    def notify(self, context):
        pass

    async def async_notify(self, context):
        pass
"""


def test_an_awaited_notifier_runs_async_notify_only(tmp_path: Path, monkeypatch) -> None:
    write_tree(tmp_path, {"plugins/notifiers.py": NOTIFIERS})
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    failed = run_async_deadline_callback("notifiers.SyncOnly")
    assert failed["state"] == "failed" and "NotImplementedError" in failed["body"]
    assert run_async_deadline_callback("notifiers.Both")["state"] == "success"

    alerts = [
        f"DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours={i}), "
        f"callback={cls}({name}))"
        for i, (cls, name) in enumerate(
            [("AsyncCallback", "SyncOnly"), ("AsyncCallback", "Both"), ("SyncCallback", "SyncOnly")], 1
        )
    ]
    write_tree(
        tmp_path,
        {
            "dags/d.py": "from datetime import timedelta\n"
            "from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference, SyncCallback\n"
            "from notifiers import Both, SyncOnly\n\n"
            "with DAG('d', deadline=[\n" + "".join(f"    {a},\n" for a in alerts) + "]):\n    pass\n"
        },
    )
    assert {c for c in codes(tmp_path) if c[0] == "CHL106"} == {("CHL106", 6)}


# ---- CHL103: the deadline context ------------------------------------------------------------


def test_a_deadline_context_holds_only_the_declared_keys_as_plain_dicts() -> None:
    from airflow.models.deadline import Deadline

    tree = ast.parse(textwrap.dedent(inspect.getsource(Deadline.handle_miss)))
    builder = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "get_simple_context")
    (returned,) = [n.value for n in ast.walk(builder) if isinstance(n, ast.Return)]
    assert isinstance(returned, ast.Dict)
    keys = [k.value for k in returned.keys if isinstance(k, ast.Constant)]
    assert keys == CATALOG.deadline_context["keys"]
    dag_run, deadline = returned.values
    assert isinstance(deadline, ast.Dict)
    assert isinstance(dag_run, ast.Call) and ast.unparse(dag_run.func).endswith(".model_dump")  # a JSON dict
    assert "callback_data_with_context" in inspect.getsource(Deadline.handle_miss)


def test_a_task_style_deadline_callback_fails_on_the_real_deadline_context(tmp_path: Path) -> None:
    """Run through execute_callback with the context handle_miss builds: KeyError / AttributeError."""
    context = {"dag_run": {"run_id": "r", "dag_id": "d"}, "deadline": {"id": "1", "deadline_time": "t"}}
    write_tree(
        tmp_path,
        {
            "alerts_ok.py": "def cb(context, **kwargs):\n    assert context['dag_run']['run_id'] == 'r'\n",
            "alerts_ti.py": "def cb(context, **kwargs):\n    context['ti']\n",
            "alerts_attr.py": "def cb(context, **kwargs):\n    context['dag_run'].run_id\n",
        },
    )
    sys.path.insert(0, str(tmp_path))
    try:
        outcomes = {
            name: run_sync_deadline_callback(f"{name}.cb", tmp_path, "", context)[0] is None
            for name in ("alerts_ok", "alerts_ti", "alerts_attr")
        }
    finally:
        sys.path.remove(str(tmp_path))
    assert outcomes == {"alerts_ok": True, "alerts_ti": False, "alerts_attr": False}


def test_a_task_notifier_reused_as_a_deadline_callback_fails_and_chanlint_says_so(tmp_path: Path) -> None:
    """The notifier runs (execute_callback instantiates the class and calls it), and fails on 'ti'."""
    notifier = (
        "from airflow.sdk import BaseNotifier\n\n"
        "class Pager(BaseNotifier):\n"
        "    def notify(self, context):\n"
        "        context['ti'].log.info('paging')\n"
    )
    write_tree(tmp_path, {"plugins/pager.py": notifier})
    context = {"dag_run": {"run_id": "r"}, "deadline": {"id": "1", "deadline_time": "t"}}
    sys.path.insert(0, str(tmp_path / "plugins"))
    try:
        error, _sent = run_sync_deadline_callback("pager.Pager", tmp_path, "", context)
    finally:
        sys.path.remove(str(tmp_path / "plugins"))
    assert error is not None and "KeyError: 'ti'" in error
    write_tree(
        tmp_path,
        {
            "dags/d.py": "from datetime import timedelta\n"
            "from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback\n"
            "from pager import Pager\n\n"
            "with DAG('d', deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,\n"
            "         interval=timedelta(hours=1), callback=SyncCallback(Pager))):\n    pass\n"
        },
    )
    assert ("CHL103", 5) in codes(tmp_path)


# ---- CHL105: supervisor calls while the triggerer loads a trigger ----------------------------


def test_a_sync_supervisor_call_on_the_triggerer_loop_outside_run_fails() -> None:
    raw = (
        "from airflow.sdk.execution_time import task_runner\nfrom airflow.sdk.execution_time.comms import GetVariable\n"
    )
    error = sync_call_on_the_triggerer_loop(raw + "task_runner.SUPERVISOR_COMMS.send(GetVariable(key='k'))")
    assert isinstance(error, RuntimeError) and "Sync SDK methods" in str(error)
    # What user code sees: the variable / connection is "not found".
    assert "not found" in str(sync_call_on_the_triggerer_loop("from airflow.sdk import Variable\nVariable.get('k')"))
    error = sync_call_on_the_triggerer_loop("from airflow.sdk import BaseHook\nBaseHook.get_connection('k')")
    assert "isn't defined" in str(error)


def test_the_triggerer_loads_triggers_outside_any_portal() -> None:
    """create_triggers imports the class and calls __init__ on the loop; only run_trigger has a portal."""
    from airflow.jobs.triggerer_job_runner import TriggerRunner

    create = inspect.getsource(TriggerRunner.create_triggers)
    assert "get_trigger_by_classpath(" in create and "trigger_class(**" in create
    assert "import_string(" in inspect.getsource(TriggerRunner.get_trigger_by_classpath)
    portals = [
        name
        for name, fn in inspect.getmembers(TriggerRunner, inspect.isfunction)
        if "ensure_portal" in inspect.getsource(fn)
    ]
    assert portals == ["run_trigger"]


# ---- CHL107: blocking calls on the triggerer's event loop (3.0, 3.1) -----------------------


def test_async_to_sync_refuses_the_thread_of_a_running_loop() -> None:
    """The mechanism behind CHL107: 3.0/3.1's TriggerCommsDecoder.send is async_to_sync(asend)
    (tests/test_releases.py reads that off their wheels). This runs asgiref's own function."""
    from asgiref.sync import async_to_sync

    async def asend() -> int:
        return 1

    async def trigger_run() -> BaseException | None:
        try:
            async_to_sync(asend)()
        except RuntimeError as error:
            return error
        return None

    error = asyncio.run(trigger_run())
    assert isinstance(error, RuntimeError) and "same thread as an async event loop" in str(error)
    # Off the loop's thread (what sync_to_async / asyncio.to_thread do) the same call works.

    async def threaded() -> int:
        return await asyncio.to_thread(async_to_sync(asend))

    assert asyncio.run(threaded()) == 1


def test_chanlint_tells_blocking_from_awaited_and_threaded_calls(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "plugins/poll.py": textwrap.dedent("""\
                import asyncio
                from asgiref.sync import sync_to_async
                from airflow.sdk import Variable
                from airflow.models import XCom
                from airflow.triggers.base import BaseTrigger, TriggerEvent

                class Poll(BaseTrigger):
                    async def run(self):
                        a = Variable.get("a")
                        b = await sync_to_async(Variable.get)("b")
                        c = await asyncio.to_thread(Variable.get, "c")
                        d = await XCom.aget_one(key="k", dag_id="d", task_id="t", run_id="r")
                        yield TriggerEvent((a, b, c, d))
                """)
        },
    )
    for version, expected in (("3.1", {("CHL107", 9)}), ("3.3", set())):
        found = {(f.code, f.line) for f in check_folder(tmp_path, version=version).findings if f.code == "CHL107"}
        assert found == expected, version


def test_coroutines_gathered_without_await_are_not_blocking_calls(tmp_path: Path, monkeypatch) -> None:
    """Even with nothing spared, a coroutine function's call is no blocking call: 3.1's real
    spared GetConnection would hide the difference, so the test spares nothing."""
    import dataclasses

    catalog = load_catalog("3.1")
    trap = catalog.traps["sync-call-on-triggerer-loop"]
    monkeypatch.setitem(catalog.traps, trap.id, dataclasses.replace(trap, spared=()))
    write_tree(
        tmp_path,
        {
            "plugins/poll.py": textwrap.dedent("""\
                import asyncio
                from airflow.sdk import BaseHook
                from airflow.triggers.base import BaseTrigger, TriggerEvent

                class Poll(BaseTrigger):
                    async def run(self):
                        a, b = await asyncio.gather(BaseHook.aget_connection("a"), BaseHook.aget_connection("b"))
                        yield TriggerEvent((a.host, b.host))
                """)
        },
    )
    assert not [f for f in check_folder(tmp_path, version="3.1").findings if f.code == "CHL107"]
    # ... while the same lookup made blocking is reported once nothing is spared.
    poll = tmp_path / "plugins" / "poll.py"
    poll.write_text(
        poll.read_text().replace(
            'await asyncio.gather(BaseHook.aget_connection("a"), BaseHook.aget_connection("b"))',
            'BaseHook.get_connection("a"), BaseHook.get_connection("b")',
        )
    )
    assert [f.line for f in check_folder(tmp_path, version="3.1").findings if f.code == "CHL107"] == [7, 7]

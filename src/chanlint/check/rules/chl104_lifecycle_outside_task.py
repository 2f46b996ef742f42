"""CHL104: task lifecycle actions (skip, fail, defer, trigger a run) outside a task's execute()."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL104",
    name="task-lifecycle-outside-task",
    severity="error",
    trap="lifecycle-outside-task",
    summary="{call} in {where} {entry} changes no task's state: only a task's execute() turns it into one "
    "(here it is logged as an error, or fails this code)",
    explanation="""\
## What it does
Finds task lifecycle actions reached from code that is not a task's `execute()` or
`@task` body: `raise AirflowSkipException`, `AirflowFailException`,
`AirflowRescheduleException`, `TaskDeferred`, `DownstreamTasksSkipped`,
`DagRunTriggerException`, `self.defer(...)`, and
`TriggerDagRunOperator(...).execute(context)`, inside callbacks (including
`on_execute_callback`), notifiers, deadline callbacks, triggers and top-level DAG code.

## Why is this bad?
The task runner turns these exceptions into messages (TaskState, DeferTask,
TriggerDagRun, ...) only when `execute()` raises them. Callbacks run inside a
`try/except Exception` that logs "Failed to run task callback" and moves on, so the
task is not skipped, the other DAG is never triggered. `TriggerDagRunOperator.execute`
called from a callback pushes an XCom and raises `DagRunTriggerException`, which is
logged as a failed callback. In a trigger the exception fails the trigger (and the
deferred task), and at parse time it makes the DAG file an import error.

## Example
```python
def on_failure(context):
    TriggerDagRunOperator(task_id="cleanup", trigger_dag_id="cleanup").execute(context)
```

## How to fix
Trigger the other DAG from a task (or use an asset), skip or fail from `execute()`,
and let a callback only report.

## Airflow versions
3.0, 3.1, 3.2, 3.3
""",
    valid=(
        Example(
            files={
                "dags/ok.py": """\
from airflow.sdk import DAG, task
from airflow.exceptions import AirflowSkipException

@task
def maybe():
    raise AirflowSkipException("nothing to do")

with DAG("ok"):
    maybe()
"""
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/bad.py": """\
from airflow.sdk import DAG
from airflow.exceptions import AirflowSkipException
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

def skip_it(context):
    raise AirflowSkipException("skip")

def rerun(context):
    TriggerDagRunOperator(task_id="again", trigger_dag_id="bad").execute(context)

with DAG("bad"):
    EmptyOperator(task_id="t", on_execute_callback=skip_it, on_success_callback=rerun)
"""
            },
            expect=(("CHL104", 7), ("CHL104", 10)),
        ),
    ),
)

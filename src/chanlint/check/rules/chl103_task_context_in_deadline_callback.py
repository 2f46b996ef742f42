"""CHL103: a deadline callback that reads its context as if it were a task's."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL103",
    name="task-context-in-deadline-callback",
    severity="error",
    trap="deadline-context-shape",
    summary="{call} fails in deadline callback {entry}: a deadline context holds only 'dag_run' and "
    "'deadline', as plain dicts (Airflow {version})",
    explanation="""\
## What it does
Finds deadline callbacks (and notifiers used as deadline callbacks) that read task-only
context keys (`context["ti"]`, `context["task_instance"]`, `context["task"]`, ...) or use
the `dag_run` entry as an object (`context["dag_run"].run_id`).

## Why is this bad?
A missed deadline has no task. `Deadline.handle_miss` passes the callback a small dict:
`{"dag_run": <the run as a JSON dict>, "deadline": {"id": ..., "deadline_time": ...}}`.
`context["ti"]` raises KeyError and `context["dag_run"].run_id` raises AttributeError,
so the alert for the missed deadline fails. A notifier written for task callbacks and
reused as a deadline callback fails the same way.

Reads through `context.get("ti")` are not reported: they return None and code that
uses them usually checks first.

## Example
```python
def escalate(context, **kwargs):
    run_id = context["dag_run"].run_id     # AttributeError: 'dict' object ...
    context["ti"].log.info("late")         # KeyError: 'ti'
```

## How to fix
Read the dicts: `context["dag_run"]["run_id"]`, `context["deadline"]["deadline_time"]`.

## Airflow versions
3.1, 3.2, 3.3
""",
    valid=(
        Example(
            files={
                "plugins/alerts.py": """\
def escalate(context, **kwargs):
    print(context["dag_run"]["run_id"], context["deadline"]["deadline_time"], context.get("ti"))
""",
                "dags/ok.py": """\
from datetime import timedelta

from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

from alerts import escalate

with DAG("ok", deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                      interval=timedelta(hours=1), callback=SyncCallback(escalate))):
    pass
""",
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "plugins/alerts.py": """\
from airflow.sdk import BaseNotifier

def escalate(context, **kwargs):
    print(context["dag_run"].run_id)

class Pager(BaseNotifier):
    def notify(self, context):
        context["ti"].log.info("paging")
""",
                "dags/bad.py": """\
from datetime import timedelta

from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

from alerts import Pager, escalate

with DAG("bad", deadline=[
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=1),
                  callback=SyncCallback(escalate)),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(hours=2),
                  callback=SyncCallback(Pager)),
]):
    pass
""",
            },
            expect=(("CHL103", 4), ("CHL103", 8)),
        ),
    ),
)

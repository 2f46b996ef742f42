"""CHL101: get_current_context() where Airflow has set no current context."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL101",
    name="get-current-context-without-context",
    severity="error",
    trap="no-current-context",
    summary="{call} raises in {where} {entry}: the {process_title} of Airflow {version} sets no current "
    "context there (only execute() and on_execute_callback have one)",
    explanation="""\
## What it does
Finds `get_current_context()` reached from code that Airflow runs outside a task's
`execute()`: on_success / on_failure / on_retry / on_skipped callbacks, DAG callbacks,
deadline callbacks, notifiers, triggers and top-level DAG file code.

## Why is this bad?
Only the task runner's `run()` enters `set_current_context()`, around `execute()`,
`@task` bodies and `on_execute_callback`. The other task callbacks run later, in
`finalize()`, and the DAG processor, the triggerer and the callback subprocess never set
a context. There `get_current_context()` raises "Current context was requested but no
context was found!", so the failure callback meant to report an incident fails itself
(and the error is only logged).

## Example
```python
from airflow.sdk import get_current_context

def alert(context):
    ti = get_current_context()["ti"]   # raises in on_failure_callback
    ...

BashOperator(task_id="load", bash_command="...", on_failure_callback=alert)
```

## How to fix
Use the `context` argument Airflow passes to every callback.

## Airflow versions
3.0, 3.1, 3.2, 3.3
""",
    valid=(
        Example(
            files={
                "dags/ok.py": """\
from airflow.sdk import DAG, get_current_context
from airflow.providers.standard.operators.empty import EmptyOperator

def started(context):
    get_current_context()["ti"].log.info("started")

def failed(context):
    context["ti"].log.info("failed")

with DAG("ok"):
    EmptyOperator(task_id="t", on_execute_callback=started, on_failure_callback=failed)
"""
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/bad.py": """\
from airflow.sdk import DAG, get_current_context
from airflow.providers.standard.operators.empty import EmptyOperator

def ti_of():
    return get_current_context()["ti"]

def failed(context):
    ti_of().log.info("failed")

with DAG("bad", on_success_callback=failed):
    EmptyOperator(task_id="t", on_execute_callback=failed, on_retry_callback=failed)
"""
            },
            expect=(("CHL101", 5),),
        ),
    ),
)

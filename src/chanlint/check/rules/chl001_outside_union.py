"""CHL001: a message the process's supervisor does not accept."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL001",
    name="message-outside-process-union",
    severity="error",
    summary="{call} sends {message} ({group}), which the {process_title} of Airflow {version} does not accept",
    explanation="""\
## What it does
Finds SDK calls whose supervisor message is not in the union of the process that runs
the code: `ToSupervisor` (task), `ToTriggerSupervisor` (triggerer), `ToManager` (DAG
processor) or `CallbackToSupervisor` (executor callback subprocess).

## Why is this bad?
The supervisor validates every request against its union. A message outside it is
logged as "Unable to decode message" and never answered, so the calling code blocks:
the callback subprocess hangs (forever, by default), the DAG processor is killed after
`dag_file_processor_timeout` and the file becomes an import error, a trigger waits
until its timeout. No exception reaches your code.

## Example
```python
def notify_failure(context):
    context["ti"].xcom_push(key="alerted", value=True)  # SetXCom

BashOperator(task_id="load", bash_command="...", on_failure_callback=notify_failure)
```
`on_failure_callback` also runs in the DAG processor (after a heartbeat timeout),
whose `ToManager` union has no SetXCom.

## How to fix
Move the write into the task itself, or use a message the process accepts
(`chanlint catalog` lists them per process). Read-only calls (Variable.get,
Connection.get, BaseHook.get_connection) are accepted everywhere.
""",
    valid=(
        Example(
            files={
                "dags/ok.py": """\
from airflow.sdk import DAG, Variable
from airflow.providers.standard.operators.empty import EmptyOperator

def alert(context):
    Variable.get("slack_channel")

with DAG("ok", on_failure_callback=alert):
    EmptyOperator(task_id="t", on_failure_callback=alert)
"""
            }
        ),
        Example(
            files={
                "dags/decoy.py": """\
from airflow.sdk import DAG

class Variable:
    @staticmethod
    def set(key, value):
        pass

def alert(context):
    Variable.set("k", "v")
    {"ti": None}.get("ti")

with DAG("decoy", on_failure_callback=alert):
    pass
"""
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/bad.py": """\
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

def alert(context):
    context["ti"].xcom_push(key="alerted", value=True)

with DAG("bad"):
    EmptyOperator(task_id="t", on_failure_callback=alert)
"""
            },
            expect=(("CHL001", 5),),
        ),
        Example(
            files={
                # Subclasses of Airflow's own sensor and event-trigger bases are operators and triggers.
                "dags/sensing.py": """\
from airflow.sdk import DAG, BaseSensorOperator
from airflow.models import XCom
from airflow.triggers.base import BaseEventTrigger, TriggerEvent

def alert(context):
    context["ti"].xcom_push(key="alerted", value=True)

class FileSensor(BaseSensorOperator):
    def poke(self, context):
        return True

class QueueTrigger(BaseEventTrigger):
    async def run(self):
        yield TriggerEvent(XCom.get_all(key="k", dag_id="d", task_id="t", run_id="r"))

with DAG("sensing"):
    FileSensor(task_id="wait", on_failure_callback=alert)
"""
            },
            expect=(("CHL001", 6), ("CHL001", 14)),
        ),
    ),
)

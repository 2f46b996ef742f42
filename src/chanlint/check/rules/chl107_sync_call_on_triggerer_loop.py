"""CHL107: a blocking SDK call on the triggerer's event loop, before Airflow 3.2."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL107",
    name="sync-call-on-triggerer-event-loop",
    severity="error",
    trap="sync-call-on-triggerer-loop",
    summary="{call} sends {message} without await from {where} {entry}, on the event loop of the "
    "{process_title} of Airflow {version}, which cannot answer a blocking call there "
    "(await the async variant, or use sync_to_async)",
    explanation="""\
## What it does
Finds SDK calls that reach the supervisor without `await` from code the triggerer runs on
its event loop: a trigger's `run()` and what it calls, and `AsyncCallback` deadline
callbacks. Calls that are awaited (`await Variable.aget(...)`,
`await BaseHook.aget_connection(...)`) or moved to a worker thread
(`await sync_to_async(Variable.get)(...)`, `await asyncio.to_thread(...)`) are fine.

## Why is this bad?
Before Airflow 3.2 the triggerer's comms send with `async_to_sync`, which refuses to run
on the thread of a running event loop: "You cannot use AsyncToSync in the same thread as
an async event loop". On 3.0 every such call raises that RuntimeError. On 3.1 a
connection lookup is retried through a greenback portal and works, but `Variable.get`
reports the variable as *not found* (or quietly returns your default) and XCom calls
raise. Airflow 3.2 made sync calls work there.

## Example
```python
class PollTrigger(BaseTrigger):
    async def run(self):
        endpoint = Variable.get("endpoint")          # on 3.0/3.1: fails in the triggerer
        endpoint = await Variable.aget("endpoint")   # fine everywhere ... (3.2+)
        endpoint = await sync_to_async(Variable.get)("endpoint")  # fine everywhere
```

## How to fix
Await the async variant where your Airflow has it, or wrap the sync call in
`asgiref.sync.sync_to_async` / `asyncio.to_thread`.

## Airflow versions
3.0, 3.1
""",
    valid=(
        Example(
            config={"airflow-version": "3.1"},
            files={
                "plugins/poll.py": """\
from asgiref.sync import sync_to_async
from airflow.sdk import BaseHook, Variable
from airflow.triggers.base import BaseTrigger, TriggerEvent

class PollTrigger(BaseTrigger):
    def serialize(self):
        return ("poll.PollTrigger", {})

    async def run(self):
        endpoint = await sync_to_async(Variable.get)("endpoint")
        host = BaseHook.get_connection("api").host  # 3.1 retries connection lookups through a portal
        yield TriggerEvent((endpoint, host))
"""
            },
        ),
    ),
    invalid=(
        Example(
            config={"airflow-version": "3.1"},
            files={
                "plugins/poll.py": """\
from airflow.sdk import Variable
from airflow.triggers.base import BaseTrigger, TriggerEvent

def endpoint():
    return Variable.get("endpoint")

class PollTrigger(BaseTrigger):
    def serialize(self):
        return ("poll.PollTrigger", {})

    async def run(self):
        yield TriggerEvent(endpoint())
"""
            },
            expect=(("CHL107", 5),),
        ),
    ),
)

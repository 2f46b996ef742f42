"""CHL105: a supervisor call while the triggerer imports a trigger's module or runs its __init__."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL105",
    name="supervisor-call-while-loading-trigger",
    severity="error",
    trap="supervisor-call-while-loading-trigger",
    summary="{call} sends {message} while the {process_title} loads trigger {entry} (module import or "
    "__init__), where no synchronous supervisor call can be answered: it fails (or quietly returns its default)",
    explanation="""\
## What it does
Finds SDK calls that reach the supervisor (Variable.get, Connection.get,
BaseHook.get_connection, ...) in the top-level code of a trigger's module, of the
modules it imports, or in the trigger's `__init__`.

## Why is this bad?
The triggerer imports a trigger's class (`import_string(classpath)`) and instantiates it
in `TriggerRunner.create_triggers`, on the event loop's own thread. A synchronous
supervisor call there cannot wait for its answer: since Airflow 3.2 it needs a greenback
portal, which exists only inside a running trigger's `run()`, so the send raises
RuntimeError ("Sync SDK methods ... cannot be called from a trigger's async def run()");
in 3.0 and 3.1 `async_to_sync` refuses to run on the loop's thread. `Variable.get` and
`get_connection` catch that error and report the variable or connection as *not found*
(or quietly return your default), which sends you looking in the wrong place. The
trigger fails to load, and its deferred task fails.

## Example
```python
from airflow.sdk import Variable
from airflow.triggers.base import BaseTrigger

ENDPOINT = Variable.get("endpoint")     # runs when the triggerer imports this module

class PollTrigger(BaseTrigger):
    ...
```

## How to fix
Read variables and connections inside `run()` (with the async variants, e.g.
`await Variable.aget(...)`), or pass the values in through the trigger's kwargs.

## Airflow versions
3.0, 3.1, 3.2, 3.3
""",
    valid=(
        Example(
            files={
                "plugins/poll.py": """\
from airflow.sdk import Variable
from airflow.triggers.base import BaseTrigger, TriggerEvent

class PollTrigger(BaseTrigger):
    def __init__(self, url):
        super().__init__()
        self.url = url

    def serialize(self):
        return ("poll.PollTrigger", {"url": self.url})

    async def run(self):
        yield TriggerEvent(Variable.get("endpoint"))
"""
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "plugins/poll.py": """\
from airflow.sdk import BaseHook, Variable
from airflow.triggers.base import BaseTrigger, TriggerEvent

ENDPOINT = Variable.get("endpoint")

class PollTrigger(BaseTrigger):
    def __init__(self, conn_id):
        super().__init__()
        self.conn = BaseHook.get_connection(conn_id)

    def serialize(self):
        return ("poll.PollTrigger", {"conn_id": self.conn.conn_id})

    async def run(self):
        yield TriggerEvent(ENDPOINT)
"""
            },
            expect=(("CHL105", 4), ("CHL105", 9)),
        ),
    ),
)

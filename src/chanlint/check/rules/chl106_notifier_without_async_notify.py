"""CHL106: a notifier class given to AsyncCallback that has no async_notify()."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL106",
    name="awaited-notifier-without-async-notify",
    severity="error",
    trap="notifier-without-async-notify",
    summary="{call}({entry}): the {process_title} awaits this notifier, which runs async_notify(), "
    "and {entry} has none (BaseNotifier's raises NotImplementedError); its notify() never runs",
    explanation="""\
## What it does
Finds deadline alerts whose `AsyncCallback` is a notifier class (a `BaseNotifier`
subclass) that implements only `notify()`.

## Why is this bad?
The triggerer's `CallbackTrigger` awaits the callable: `await Notifier(**kwargs,
context=...)`. Awaiting a notifier runs `BaseNotifier.__await__`, which calls
`async_notify()`, never `notify()`. `BaseNotifier.async_notify` raises
NotImplementedError, so the callback fails and nobody is notified of the missed
deadline. The same notifier works as a task callback and as a `SyncCallback`, which is
what makes this easy to miss.

## Example
```python
class PagerNotifier(BaseNotifier):
    def notify(self, context):
        page(...)

DeadlineAlert(..., callback=AsyncCallback(PagerNotifier, kwargs={"team": "data"}))
```

## How to fix
Implement `async def async_notify(self, context)` on the notifier, or use
`SyncCallback` (which calls `notify()` in the executor's callback subprocess).

## Airflow versions
3.1, 3.2, 3.3
""",
    valid=(
        Example(
            files={
                "plugins/pager.py": """\
from airflow.sdk import BaseNotifier

class Pager(BaseNotifier):
    def notify(self, context):
        print("paging")

    async def async_notify(self, context):
        print("paging")
""",
                "dags/ok.py": """\
from datetime import timedelta

from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

from pager import Pager

with DAG("ok", deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                      interval=timedelta(hours=1), callback=AsyncCallback(Pager))):
    pass
""",
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "plugins/pager.py": """\
from airflow.sdk import BaseNotifier

class Pager(BaseNotifier):
    def notify(self, context):
        print("paging")
""",
                "dags/bad.py": """\
from datetime import timedelta

from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

from pager import Pager

with DAG("bad", deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                       interval=timedelta(hours=1), callback=AsyncCallback("pager.Pager"))):
    pass
""",
            },
            expect=(("CHL106", 8),),
        ),
    ),
)

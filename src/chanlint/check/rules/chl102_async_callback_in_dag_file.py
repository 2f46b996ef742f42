"""CHL102: an AsyncCallback whose function lives in the DAG file: the triggerer cannot import it."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL102",
    name="async-callback-defined-in-dag-file",
    severity="error",
    trap="deadline-callback-in-dag-file",
    summary="{call}({entry}) is defined in the DAG file: the {process_title} of Airflow {version} cannot "
    "import it, so the deadline alert never runs",
    explanation="""\
## What it does
Finds deadline alerts whose `AsyncCallback` is given a function (or class) defined in the
DAG file itself.

## Why is this bad?
`AsyncCallback` stores the callable as `f"{__module__}.{__qualname__}"`. The DAG processor
loads a DAG file as a module named `unusual_prefix_<sha1>_<file name>`, so the stored path
names a module that exists only inside the DAG processor. The triggerer's
`CallbackTrigger` imports that path, fails with "Failed to import the callable on the
triggerer", and marks the callback failed: the alert you wrote for a missed deadline
never fires.

(A `SyncCallback` defined in the DAG file does run: the executor's callback subprocess
re-executes the whole DAG file to find it. Its top-level code then runs in the callback
subprocess, and CHL001 judges what it sends against that process's union.)

## Example
```python
async def page_oncall(context, **kwargs):
    ...

with DAG("etl", deadline=DeadlineAlert(..., callback=AsyncCallback(page_oncall))):
    ...
```

## How to fix
Move the function into a module the triggerer can import (a package on its `PYTHONPATH`,
or the plugins folder), import it in the DAG file, and pass it (or its dotted path).

## Airflow versions
3.1, 3.2, 3.3 (deadline alerts with AsyncCallback)
""",
    valid=(
        Example(
            files={
                "plugins/alerts.py": """\
async def page_oncall(context, **kwargs):
    return None
""",
                "dags/ok.py": """\
from datetime import timedelta

from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

from alerts import page_oncall

with DAG("ok", deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                      interval=timedelta(hours=1), callback=AsyncCallback(page_oncall))):
    pass
""",
            }
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/bad.py": """\
from datetime import timedelta

from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

async def page_oncall(context, **kwargs):
    return None

with DAG("bad", deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                       interval=timedelta(hours=1), callback=AsyncCallback(page_oncall))):
    pass
"""
            },
            expect=(("CHL102", 9),),
        ),
    ),
)

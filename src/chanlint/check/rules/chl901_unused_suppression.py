"""CHL901: a chanlint suppression comment that suppresses nothing."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL901",
    name="unused-suppression",
    severity="warning",
    summary="suppression of {codes} matches no finding on this line",
    explanation="""\
## What it does
With `--show-unused-suppressions`, reports `# chanlint: ignore[...]` comments and `# noqa: CHL...`
codes that no longer suppress any finding on their line.

## Why is this bad?
A stale suppression hides the next real problem on that line, and tells readers a hang is
expected where there is none.

## Example
```python
def on_failure(context):
    Variable.get("channel")  # chanlint: ignore[CHL001]
```

## How to fix
Delete the comment (or the code from it).
""",
    valid=(
        Example(
            files={
                "dags/d.py": """\
from airflow.sdk import DAG

def alert(context):
    context["ti"].xcom_push(key="k", value=1)  # chanlint: ignore[CHL001]

with DAG("d", on_failure_callback=alert):
    pass
"""
            },
            options={"show_unused_suppressions": True},
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/d.py": """\
from airflow.sdk import DAG, Variable

def alert(context):
    Variable.get("channel")  # chanlint: ignore[CHL001]

with DAG("d", on_failure_callback=alert):
    pass
"""
            },
            expect=(("CHL901", 4),),
            options={"show_unused_suppressions": True},
        ),
    ),
)

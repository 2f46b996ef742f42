"""CHL902: a blanket suppression (no codes) that silenced a chanlint finding."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL902",
    name="blanket-suppression",
    severity="warning",
    summary="blanket suppression ({codes}) silences a chanlint finding; name the code",
    explanation="""\
## What it does
With `--show-unused-suppressions`, reports a `# noqa` or `# chanlint: ignore` without codes that
silenced a chanlint finding. Blanket forms work, but they also hide every later finding on the line.

## Why is this bad?
A blanket `# noqa` written for another linter can silence a real hang without anyone deciding so.

## Example
```python
context["ti"].xcom_push(key="k", value=1)  # noqa
```

## How to fix
Name the code: `# noqa: CHL001` or `# chanlint: ignore[CHL001]`.
""",
    valid=(
        Example(
            files={
                "dags/d.py": """\
from airflow.sdk import DAG

def alert(context):
    context["ti"].xcom_push(key="k", value=1)  # noqa: CHL001

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
from airflow.sdk import DAG

def alert(context):
    context["ti"].xcom_push(key="k", value=1)  # noqa

with DAG("d", on_failure_callback=alert):
    pass
"""
            },
            expect=(("CHL902", 4),),
            options={"show_unused_suppressions": True},
        ),
    ),
)

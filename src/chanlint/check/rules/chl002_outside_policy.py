"""CHL002: a message Airflow accepts but the project's policy does not allow."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL002",
    name="message-outside-project-policy",
    severity="error",
    summary="{call} sends {message} ({group}), which the policy for the {process_title} does not allow",
    explanation="""\
## What it does
Checks messages against the narrower policy declared in `[tool.chanlint.policy]`:
per process, a list of access groups (`read`, `write`, `logging`, `task-lifecycle`,
`task-metadata`, `orchestration`, `hitl`, `runtime`) and/or message names.

## Why is this bad?
The call works today, but your team decided this process should not use it: for
example that DAG callbacks stay read-only, or that parse-time code sends nothing.
Airflow's maintainers are moving to the same access groups, so a policy written today
is a good guess at tomorrow's union.

## Example
```toml
[tool.chanlint.policy]
dag-processor = ["read", "logging"]
```
```python
def on_dag_failure(context):
    Variable.set("last_failure", context["run_id"])  # PutVariable: write
```

## How to fix
Change the code, or widen the policy for that process on purpose.
""",
    valid=(
        Example(
            files={
                "dags/ok.py": """\
from airflow.sdk import DAG, Variable

def alert(context):
    Variable.get("k")

with DAG("ok", on_failure_callback=alert):
    pass
"""
            },
            config={"policy": {"dag-processor": ["read", "logging"]}},
        ),
    ),
    invalid=(
        Example(
            files={
                "dags/bad.py": """\
from airflow.sdk import DAG, Variable

def alert(context):
    Variable.set("last_failure", "x")

with DAG("bad", on_failure_callback=alert):
    pass
"""
            },
            expect=(("CHL002", 4),),
            config={"policy": {"dag-processor": ["read", "logging"]}},
        ),
    ),
)

"""CHL908: nesting too deep."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL908",
    name="nesting-too-deep",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a file nested more deeply than Python's parser accepts (or than chanlint can analyse).

## Why is this bad?
Python refuses to import it; chanlint skips it and checks the rest.

## How to fix
Flatten the expression, or exclude the (usually generated) file.
""",
    valid=(Example(files={"dags/plain.py": "from airflow.sdk import DAG\n\nwith DAG('plain'):\n    pass\n"}),),
    invalid=(Example(files={"dags/deep.py": "x = " + "(" * 250 + "1" + ")" * 250 + "\n"}, expect=(("CHL908", 1),)),),
)

"""CHL904: null byte."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL904",
    name="null-byte",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a .py file containing a NUL byte: binary data, or a file cut by a failed write.

## Why is this bad?
No Python version parses it; chanlint skips it and checks everything else.

## How to fix
Restore the file from version control, or rename it if it is not Python.
""",
    valid=(Example(files={"dags/plain.py": "from airflow.sdk import DAG\n\nwith DAG('plain'):\n    pass\n"}),),
    invalid=(Example(files={"dags/blob.py": "x = 1\n\u0000\u0001binary"}, expect=(("CHL904", 2),)),),
)

"""CHL905: unreadable file."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL905",
    name="file-not-read",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a file that could not be read: permission denied, removed during the scan, an I/O error.

## Why is this bad?
Nothing in it was checked; if it is a DAG file, its callbacks were not found either.

## How to fix
Fix the permissions, or exclude the file with `exclude`.
""",
    valid=(Example(files={"dags/plain.py": "from airflow.sdk import DAG\n\nwith DAG('plain'):\n    pass\n"}),),
    invalid=(Example(files={"dags/secret.py": "x = 1\n"}, unreadable=("dags/secret.py",), expect=(("CHL905", 1),)),),
)

"""CHL907: file over the size limit."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL907",
    name="file-too-large",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a .py file larger than `max-file-size` bytes (default 5 MB): usually generated code.

## Why is this bad?
Parsing very large generated files costs time and finds no callbacks; they are skipped, and said so.

## How to fix
Raise `max-file-size`, or `exclude` the file.
""",
    valid=(Example(files={"dags/small.py": "X = 1\n"}, config={"max-file-size": 300}),),
    invalid=(
        Example(files={"dags/generated.py": "X = 1\n" * 100}, config={"max-file-size": 300}, expect=(("CHL907", 1),)),
    ),
)

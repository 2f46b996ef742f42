"""CHL900: a file chanlint could not parse."""

from chanlint.check.findings import Example, Rule

RULE = Rule(
    code="CHL900",
    name="file-not-parsed",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a Python file that chanlint could not read or parse (a syntax error, bytes
that are not valid in the file's encoding).

## Why is this bad?
Nothing in that file was checked, and Airflow will fail to import it too. Other files
are still checked in full.

## How to fix
Fix the syntax error, or exclude the file with `exclude` in `[tool.chanlint]`.
""",
    invalid=(Example(files={"dags/broken.py": "def broken(:\n    pass\n"}, expect=(("CHL900", 1),)),),
)

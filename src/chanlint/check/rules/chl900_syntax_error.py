"""CHL900: a file chanlint could not parse."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL900",
    name="file-not-parsed",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a Python file that chanlint could not read or parse (a syntax error, bytes
that are not valid in the file's encoding), or code that Python accepts but libcst, the
parser chanlint reads code with, fails on (a libcst bug). The message says which.

## Why is this bad?
Nothing in that file was checked (for a syntax error, Airflow will fail to import it too).
Where libcst fails only on one function, found once the analysis needs it, the rest of the
file is checked and only that function is not followed: the message names it. Other files
are still checked in full.

## How to fix
Fix the syntax error, or exclude the file with `exclude` in `[tool.chanlint]`. For a libcst
failure, write the expression another way (spacing it differently often does).
""",
    invalid=(Example(files={"dags/broken.py": "def broken(:\n    pass\n"}, expect=(("CHL900", 1),)),),
)

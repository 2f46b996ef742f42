"""CHL903: undecodable bytes."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL903",
    name="file-not-decoded",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a file whose bytes are not valid in its declared encoding (UTF-8 unless a PEP 263
coding cookie says otherwise).

## Why is this bad?
Python cannot import it either; nothing in it was checked.

## How to fix
Save the file in its declared encoding, or fix the `# -*- coding: ... -*-` line.
""",
    valid=(Example(files={"dags/plain.py": "from airflow.sdk import DAG\n\nwith DAG('plain'):\n    pass\n"}),),
    invalid=(
        Example(files={"dags/latin.py": '# -*- coding: ascii -*-\nNAME = "caf\u00e9"\n'}, expect=(("CHL903", 2),)),
    ),
)

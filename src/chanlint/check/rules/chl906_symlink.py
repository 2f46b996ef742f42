"""CHL906: symlink skipped."""

from chanlint.check.rule import Example, Rule

RULE = Rule(
    code="CHL906",
    name="symlink-not-followed",
    severity="error",
    summary="{reason}",
    explanation="""\
## What it does
Reports a symlinked .py file that chanlint did not read: a symlink loop, a dangling link, or a
link to a file outside the scanned folders (read only with `--follow-symlinks`).

## Why is this bad?
chanlint never reads outside what it was asked to scan, so a link out of the tree is skipped
rather than followed silently.

## How to fix
Scan the folder the link points to, pass `--follow-symlinks`, or remove the link.
""",
    valid=(Example(files={"dags/real.py": "x = 1\n"}, symlinks={"dags/alias.py": "real.py"}),),
    invalid=(
        Example(files={"dags/ok.py": "x = 1\n"}, symlinks={"dags/loop.py": "loop.py"}, expect=(("CHL906", 1),)),
        Example(files={"dags/ok.py": "x = 1\n"}, symlinks={"dags/out.py": "/etc/hostname"}, expect=(("CHL906", 1),)),
    ),
)

"""Every row of the API table, proven twice: by the real SDK, and by chanlint reading the same code."""

from __future__ import annotations

import pytest

from chanlint.catalog import load_catalog
from chanlint.catalog.model import ApiCall
from tests.oracle.analyze import analyze_snippet

pytest.importorskip("airflow.sdk", reason="the oracle needs apache-airflow-task-sdk (pip install -e '.[test]')")

from tests.oracle.sdk_runtime import record_messages, record_task_outcome

CATALOG = load_catalog("3.3")
CASES = [(call, example) for call in CATALOG.calls for example in call.examples]


def _id(case: tuple[ApiCall, str]) -> str:
    call, example = case
    return f"{call.name}::{example.splitlines()[-1][:40]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_real_sdk_sends_what_the_table_claims(case: tuple[ApiCall, str]) -> None:
    call, example = case
    sent = record_task_outcome(example) if "task" in call.only_in else record_messages(example)
    assert list(dict.fromkeys(sent)) == list(call.sends), f"real SDK sent {sent}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_chanlint_reads_the_example_as_the_table_row(case: tuple[ApiCall, str]) -> None:
    call, example = case
    uses = analyze_snippet(example, in_task=bool(call.only_in))
    assert call in {u.api for u in uses}, f"chanlint found {[u.api.name for u in uses]}"
    sent = [m for u in uses for m in u.api.sends]
    assert set(sent) == set(call.sends)


def test_every_target_is_proven_by_an_example() -> None:
    proven: set[tuple[str, str]] = set()
    for call, example in CASES:
        for use in analyze_snippet(example, in_task=bool(call.only_in)):
            proven.add((use.api.name, use.target))
    missing = [(c.name, t) for c in CATALOG.calls for t in c.targets if (c.name, t) not in proven]
    assert not missing, f"table targets no example exercises: {missing}"

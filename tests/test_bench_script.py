"""The benchmark's own arithmetic (it times nothing here): what a target compares is taken in turn."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("run_bench", REPO / "bench" / "run_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compared_measurements_alternate_and_give_medians_and_peaks() -> None:
    bench = _bench()
    calls: list[str] = []
    samples = {"a": iter([(3.0, 10), (1.0, 30), (2.0, 20)]), "b": iter([(5.0, None), (4.0, None), (6.0, None)])}

    def once(name: str):
        def measure() -> tuple[float, int | None]:
            calls.append(name)
            return next(samples[name])

        return measure

    results = bench.in_turn({"a": once("a"), "b": once("b")}, 3)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert results == {"a": (2.0, 30), "b": (5.0, None)}


def test_the_stage_breakdown_is_a_cold_run_s_timings_table() -> None:
    bench = _bench()
    text = bench.stage_breakdown(REPO / "fixtures" / "demo")
    rows = [line.split()[0] for line in text.splitlines() if line.strip()]
    assert rows[0] == "stage" and "index" in rows and "analyse" in rows and "total" in rows
    assert "load the cache" not in text  # --no-cache: no cache read
    section = bench.stages_section({1: text})
    assert section.count("```") == 2 and "\n1x:\n" in section

"""`--timings`: the run's stages as a table on standard error (never in the report itself, which
stays the same from run to run)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chanlint.timings import Timings

if TYPE_CHECKING:
    from rich.console import Console


def render_timings(timings: Timings, console: Console) -> None:
    from rich import box
    from rich.table import Table

    counted = "and the worker processes it waited for" if timings.workers_counted else "of this process alone"
    table = Table(
        box=box.SIMPLE_HEAD,
        show_footer=True,
        caption=f"CPU: user and system time of the stage {counted}",
        caption_justify="left",
    )
    total = timings.total()
    table.add_column("stage", footer=total.name)
    table.add_column("wall s", justify="right", footer=f"{total.wall:.2f}")
    table.add_column("CPU s", justify="right", footer=f"{total.cpu:.2f}")
    table.add_column("what it handled")
    for stage in timings.stages:
        if stage.part:  # a share of the stage above: its CPU only
            table.add_row(f"  {stage.name}", "", f"{stage.cpu:.2f}", stage.detail, style="dim")
        else:
            table.add_row(stage.name, f"{stage.wall:.2f}", f"{stage.cpu:.2f}", stage.detail)
    console.print(table)

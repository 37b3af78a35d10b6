"""Accessible column charts (bars over time) drawn on the server as inline SVG (no script, nothing from another host).

A chart is only a picture of a table: pages show the same figures in a table beside it, the SVG carries a
title and a description for screen readers, and the bars are labelled with their values. The template macro
`column_chart` in `macros/charts.html` draws a `ColumnChart`; every text in it is escaped by Jinja.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 20, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class ColumnChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # (value, y) of the horizontal grid lines
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM


def _scale(highest: int) -> tuple[int, int]:
    """A round top for the axis at or above the highest value, and the step between grid lines (at most 5)."""
    step = 1
    for factor in (2, 2.5, 2) * 12:
        if highest <= step * 5:
            break
        step = int(step * factor)
    return max(1, -(-highest // step)) * step, step


def column_chart(id: str, title: str, labels: list[str], values: list[int], unit: str = "") -> ColumnChart:
    """A vertical bar chart of `values` (whole numbers, not negative) labelled by `labels`."""
    top, tick_step = _scale(max(values, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(values))
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_height * value / top if top else 0
        bars.append(Bar(label, value, LEFT + index * slot + slot * 0.15, TOP + plot_height - height, slot * 0.7,
                        height))
    ticks = [(value, TOP + plot_height - plot_height * value / top) for value in range(0, top + 1, tick_step)]
    described = ", ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    description = f"Bar chart of {title.lower()}{' (' + unit + ')' if unit else ''}. {described}."
    return ColumnChart(id=id, title=title, description=description, bars=bars, ticks=ticks)

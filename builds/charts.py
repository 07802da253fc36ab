"""Server-drawn SVG pictures: a template's build durations over time and a build's step timeline.

The functions here compute coordinates and labels. The template
`builds/_duration_chart.html` draws the durations (once per change of the
builds: the drawing is kept). A build page new to the process draws its
timeline, so Timeline.svg() writes that one here, escaping every label: the
template engine took a few milliseconds for a build's ten steps.
"""

import html
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

# Tick spacings a duration axis may use, in seconds.
DURATION_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_TICKS = 5
STEP_NAME_CHARACTERS = 36  # a step's name beside its bar is cut to this (the whole name is its title)


def format_duration(seconds: float | None) -> str:
    """Return `seconds` as a short reading: "0.4s", "2s", "12s", "3m 05s", "2h 07m"; "" for None."""
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{int(seconds)}s" if seconds.is_integer() else f"{seconds:.1f}s"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def duration_step(largest: float) -> int:
    """Return the tick spacing (seconds) that puts at most MAX_TICKS ticks on an axis up to `largest`."""
    for step in DURATION_STEPS:
        if largest / step <= MAX_TICKS:
            return step
    return int(math.ceil(largest / MAX_TICKS / 86400)) * 86400


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    status: str
    title: str
    url: str


@dataclass(frozen=True)
class DurationChart:
    width: int
    height: int
    left: int
    bottom: int
    right: int
    top: int
    points: list[Point]
    trend: str  # the polyline's points attribute: the durations in time order
    y_ticks: list[Tick]
    x_ticks: list[Tick]

    @property
    def y_label_x(self) -> int:
        return self.left - 6

    @property
    def x_label_y(self) -> int:
        return self.bottom + 18


def duration_chart(builds: list[tuple[datetime, float, str, str, str]], width: int = 720,
                   height: int = 220) -> DurationChart | None:
    """Return the chart of `builds` — (when, seconds, status, title, url) — or None when there are none.

    x is time (the builds' start), y the duration from 0 to a round value above the longest.
    """
    if not builds:
        return None
    left, right, top, bottom = 56, width - 12, 12, height - 28
    ordered = sorted(builds, key=lambda item: item[0])
    first, last = ordered[0][0], ordered[-1][0]
    span = (last - first).total_seconds() or 1.0
    longest = max(seconds for _, seconds, *_ in ordered) or 1.0
    step = duration_step(longest)
    ceiling = step * max(1, math.ceil(longest / step))

    def x_of(when: datetime) -> float:
        if last == first:
            return (left + right) / 2
        return left + (when - first).total_seconds() / span * (right - left)

    def y_of(seconds: float) -> float:
        return bottom - seconds / ceiling * (bottom - top)

    points = [
        Point(round(x_of(when), 1), round(y_of(seconds), 1), status, title, url)
        for when, seconds, status, title, url in ordered
    ]
    y_ticks = [Tick(round(y_of(value), 1), format_duration(value)) for value in range(0, ceiling + 1, step)]
    x_ticks = [Tick(round(x_of(first), 1), first.strftime("%Y-%m-%d"))]
    if last.date() != first.date():
        x_ticks.append(Tick(round(x_of(last), 1), last.strftime("%Y-%m-%d")))
    trend = " ".join(f"{p.x},{p.y}" for p in points)
    return DurationChart(width, height, left, bottom, right, top, points, trend, y_ticks, x_ticks)


@dataclass(frozen=True)
class Bar:
    row_y: float
    x: float
    width: float
    name: str
    outcome: str
    label: str

    @property
    def text_y(self) -> float:
        return self.row_y + 9

    @property
    def label_x(self) -> float:
        return round(self.x + self.width + 4, 1)


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    right: int
    row_height: int
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def bar_height(self) -> int:
        return self.row_height - 4

    @property
    def axis_bottom(self) -> int:
        return self.height - 20

    @property
    def name_x(self) -> int:
        return self.left - 8

    @property
    def tick_label_y(self) -> int:
        return self.height - 6

    def svg(self) -> SafeString:
        """The picture: an axis line and label per tick, and per step its name, its bar and its duration."""
        parts = [f'<svg class="chart step-timeline" viewBox="0 0 {self.width} {self.height}" role="img" '
                 'aria-labelledby="step-timeline-title">\n  <title id="step-timeline-title">Steps and their '
                 "durations</title>\n"]
        for tick in self.ticks:
            parts.append(f'  <line class="axis" x1="{tick.position}" x2="{tick.position}" y1="0" '
                         f'y2="{self.axis_bottom}"/>\n  <text class="axis-label" x="{tick.position}" '
                         f'y="{self.tick_label_y}" text-anchor="middle">{html.escape(tick.label)}</text>\n')
        for bar in self.bars:
            name, label = html.escape(bar.name), html.escape(bar.label)
            parts.append(
                f'  <g class="timeline-step">\n    <title>{name}: {label}</title>\n'
                f'    <text class="step-name" x="{self.name_x}" y="{bar.text_y}" text-anchor="end" '
                f'dominant-baseline="middle">{html.escape(Truncator(bar.name).chars(STEP_NAME_CHARACTERS))}</text>\n'
                f'    <rect class="bar-{html.escape(bar.outcome)}" x="{bar.x}" y="{bar.row_y}" width="{bar.width}" '
                f'height="{self.bar_height}" rx="2"/>\n'
                f'    <text class="axis-label" x="{bar.label_x}" y="{bar.text_y}" dominant-baseline="middle">'
                f"{label}</text>\n  </g>\n")
        parts.append("</svg>\n")
        return mark_safe("".join(parts))  # every text escaped


def step_timeline(steps: list[tuple[str, datetime, datetime | None, str]], start: datetime,
                  end: datetime, width: int = 960) -> Timeline | None:
    """Return the Gantt picture of `steps` — (name, started, finished or None while running, outcome).

    The time axis runs from `start` to `end` (the build's end, or now while it
    runs); a running step's bar reaches `end`. None when there are no steps.
    """
    if not steps:
        return None
    left, right, row_height = 260, width - 70, 22
    span = max((end - start).total_seconds(), 0.001)

    def x_of(when: datetime) -> float:
        offset = min(max((when - start).total_seconds(), 0.0), span)
        return left + offset / span * (right - left)

    bars = []
    for row, (name, started, finished, outcome) in enumerate(steps):
        until = finished or end
        x = x_of(started)
        bars.append(Bar(
            row_y=row * row_height + 4,
            x=round(x, 1),
            width=round(max(x_of(until) - x, 2.0), 1),
            name=name,
            outcome=outcome or ("running" if finished is None else "other"),
            label=format_duration((until - started).total_seconds()),
        ))
    step = duration_step(span)
    ticks = [Tick(round(x_of(start + timedelta(seconds=value)), 1), format_duration(value))
             for value in range(0, int(span) + 1, step)]
    return Timeline(width, len(steps) * row_height + 24, left, right, row_height, bars, ticks)

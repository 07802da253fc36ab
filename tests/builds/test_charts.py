"""Tests of the SVG pictures' geometry: the duration chart over time and the step timeline."""

from datetime import UTC, datetime, timedelta

import pytest

from builds.charts import duration_chart, duration_step, format_duration, step_timeline

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "reading"),
    [(None, ""), (0.42, "0.4s"), (2, "2s"), (12, "12s"), (59.6, "1m 00s"), (185, "3m 05s"), (7620, "2h 07m"), (-3, "0s")],
)
def test_durations_read_as_people_write_them(seconds, reading):
    assert format_duration(seconds) == reading


def test_duration_axis_has_at_most_five_round_ticks():
    assert duration_step(4) == 1
    assert duration_step(50) == 10
    assert duration_step(290) == 60
    assert duration_step(3 * 86400) == 86400
    assert duration_step(40 * 86400) == 8 * 86400


def test_duration_chart_places_builds_by_time_and_duration():
    builds = [
        (T0 + timedelta(days=2), 120.0, "failed", "#3", "/builds/3/"),
        (T0, 60.0, "succeeded", "#1", "/builds/1/"),
        (T0 + timedelta(days=1), 90.0, "succeeded", "#2", "/builds/2/"),
    ]
    chart = duration_chart(builds, width=720, height=220)
    assert [p.title for p in chart.points] == ["#1", "#2", "#3"]
    xs = [p.x for p in chart.points]
    assert xs[0] == chart.left and xs[2] == chart.right and xs[0] < xs[1] < xs[2]
    assert xs[1] == pytest.approx((chart.left + chart.right) / 2, abs=0.1)
    ys = [p.y for p in chart.points]
    assert ys[0] > ys[1] > ys[2] >= chart.top  # longer builds are drawn higher
    assert [t.label for t in chart.y_ticks] == ["0s", "30s", "1m 00s", "1m 30s", "2m 00s"]
    assert [t.label for t in chart.x_ticks] == ["2025-03-01", "2025-03-03"]
    assert chart.trend.count(",") == 3


def test_duration_chart_of_no_builds_is_none_and_of_one_build_is_centred():
    assert duration_chart([]) is None
    chart = duration_chart([(T0, 0.0, "succeeded", "#1", "/")])
    assert chart.points[0].x == (chart.left + chart.right) / 2
    assert len(chart.x_ticks) == 1


def test_step_timeline_draws_each_step_from_its_start_for_its_duration():
    steps = [
        ("StepConnect", T0, T0 + timedelta(seconds=10), "succeeded"),
        ("shell", T0 + timedelta(seconds=10), T0 + timedelta(seconds=40), "failed"),
        ("StepCleanup", T0 + timedelta(seconds=40), None, ""),
    ]
    timeline = step_timeline(steps, start=T0, end=T0 + timedelta(seconds=60), width=720)
    first, second, third = timeline.bars
    scale = (timeline.right - timeline.left) / 60
    assert first.x == timeline.left and first.width == pytest.approx(10 * scale, abs=0.1)
    assert second.x == pytest.approx(timeline.left + 10 * scale, abs=0.1)
    assert second.outcome == "failed" and second.label == "30s"
    assert third.outcome == "running" and third.x + third.width == pytest.approx(timeline.right, abs=0.1)
    assert [bar.row_y for bar in timeline.bars] == [4, 26, 48]
    assert timeline.ticks[0].label == "0s" and timeline.ticks[-1].label == "1m 00s"


def test_step_timeline_gives_an_instant_step_a_visible_bar():
    timeline = step_timeline([("StepNoop", T0, T0, "succeeded")], start=T0, end=T0)
    assert timeline.bars[0].width == 2.0
    assert step_timeline([], start=T0, end=T0) is None


def test_step_timeline_svg_escapes_names_and_cuts_long_ones_beside_the_bar():
    long_name = "provisioner shell-local running the long setup script"
    steps = [("<b>&\"'", T0, T0 + timedelta(seconds=5), "succeeded"), (long_name, T0 + timedelta(seconds=5), None, "")]
    svg = step_timeline(steps, start=T0, end=T0 + timedelta(seconds=20)).svg()
    assert svg.startswith('<svg class="chart step-timeline" viewBox="0 0 960 68"') and svg.endswith("</svg>\n")
    assert "<title>&lt;b&gt;&amp;&quot;&#x27;: 5s</title>" in svg and "<b>" not in svg
    assert f"<title>{long_name}: 15s</title>" in svg
    assert f'dominant-baseline="middle">{long_name[:35]}…</text>' in svg
    assert svg.count("<rect ") == 2 and 'class="bar-running"' in svg and svg.count('<line class="axis"') == 5  # 0s to 20s every 5s

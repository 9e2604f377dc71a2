"""Percentiles, reductions and the SVG charts: small pure functions the dashboard rests on."""

from metrics import charts
from metrics.selectors import percentile, reduction


def test_nearest_rank_percentiles_from_a_histogram():
    histogram = [(2, 1), (6, 1), (20, 1), (32, 1)]
    assert percentile(histogram, 0.5) == 6
    assert percentile(histogram, 0.9) == 32
    assert percentile([(5, 10)], 0.9) == 5
    assert percentile([(1, 9), (40, 1)], 0.9) == 1 and percentile([(1, 8), (40, 2)], 0.9) == 40
    assert percentile([], 0.5) is None


def test_a_reduction_is_measured_against_the_baseline_and_may_be_negative():
    assert reduction(80, 20) == {"baseline": 80, "actual": 20, "reduction_pct": 75.0}
    assert reduction(13 / 4, 19 / 4)["reduction_pct"] == -46.2
    assert reduction(0, 0)["reduction_pct"] is None


def test_axis_maxima_are_round_numbers():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 3, 7, 12, 80, 101)] == [1, 1, 5, 10, 20, 100, 200]


def test_charts_escape_their_labels_and_draw_every_point():
    svg = charts.line_chart(labels=["2025-01", "<b>"], series=[charts.Series("实际", [3, None]), charts.Series(
        "基线", [80, 80], dashed=True)], title="用时", desc="说明", unit="工作日")
    assert svg.startswith("<svg") and "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count("<circle") == 3  # a missing value is a gap, not a zero
    assert 'stroke-dasharray="6 4"' in svg


def test_axes_pass_through_zero_in_round_steps():
    assert charts.axis(-38.1, 100) == (-50, 100, 50)
    assert charts.axis(0, 7) == (0, 8, 2) and charts.axis(0, 9, integer=True) == (0, 9, 3)
    assert charts.axis(0, 1, integer=True) == (0, 1, 1)  # no fractions of an application
    assert charts.axis(0, 0) == (0, 1, 0.25)


def test_a_negative_reduction_is_drawn_below_zero_not_clipped():
    svg = charts.line_chart(labels=["a", "b"], series=[charts.Series("减环节", [-46.2, 10])], title="t", desc="d",
                            top=100)
    assert ">-50<" in svg and ">0<" in svg  # the axis reaches down to a round number, through zero

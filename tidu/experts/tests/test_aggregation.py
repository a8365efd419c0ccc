"""Aggregation of expert totals, with hand-computed numbers."""

from decimal import Decimal as D

from tidu.experts.aggregation import aggregate


def test_mean_of_three_totals_and_no_outlier():
    result = aggregate({1: D("70"), 2: D("72"), 3: D("74.5")})
    assert result.count == 3
    assert result.mean == D("72.17")  # 216.5 / 3 = 72.1666…
    assert not result.trimmed
    rows = {r.key: r for r in result.rows}
    assert rows[1].median_others == D("73.25")  # median(72, 74.5)
    assert rows[1].deviation == D("-3.25")
    assert result.outliers == []


def test_with_three_experts_one_extreme_score_flags_only_that_expert():
    # 80: others 78, 50 → median 64 → +16 (beyond 15, but not the farthest: not flagged)
    # 78: others 80, 50 → median 65 → +13 (not flagged)
    # 50: others 80, 78 → median 79 → −29 (the farthest: flagged)
    result = aggregate({1: D("80"), 2: D("78"), 3: D("50")}, outlier_points=D("15"))
    assert result.mean == D("69.33")
    rows = {r.key: r for r in result.rows}
    assert (rows[1].median_others, rows[1].deviation, rows[1].outlier) == (D("64"), D("16"), False)
    assert (rows[2].median_others, rows[2].deviation, rows[2].outlier) == (D("65"), D("13"), False)
    assert (rows[3].median_others, rows[3].deviation, rows[3].outlier) == (D("79"), D("-29"), True)
    assert [r.key for r in result.outliers] == [3]


def test_with_three_experts_a_high_extreme_is_flagged_alone_too():
    result = aggregate({1: D("70"), 2: D("95"), 3: D("72")}, outlier_points=D("15"))
    assert [r.key for r in result.outliers] == [2]


def test_with_three_experts_equally_far_apart_both_ends_are_flagged():
    # 50 → median(75, 100) = 87.5 → −37.5; 100 → median(50, 75) = 62.5 → +37.5: nothing tells which deviates
    result = aggregate({1: D("50"), 2: D("75"), 3: D("100")}, outlier_points=D("15"))
    assert [r.key for r in result.outliers] == [1, 3]


def test_with_three_close_experts_nobody_is_flagged():
    assert aggregate({1: D("70"), 2: D("80"), 3: D("84")}, outlier_points=D("15")).outliers == []


def test_with_five_experts_one_extreme_score_flags_only_that_expert():
    # 100: others 70, 72, 74, 76 → median 73 → +27; 70: others 72, 74, 76, 100 → median 75 → −5
    result = aggregate({1: D("70"), 2: D("72"), 3: D("74"), 4: D("76"), 5: D("100")}, outlier_points=D("15"))
    rows = {r.key: r for r in result.rows}
    assert rows[5].deviation == D("27") and [r.key for r in result.outliers] == [5]


def test_with_two_experts_far_apart_both_are_flagged():
    assert [r.key for r in aggregate({1: D("50"), 2: D("80")}, outlier_points=D("15")).outliers] == [1, 2]


def test_deviation_equal_to_the_threshold_is_not_an_outlier():
    result = aggregate({1: D("85"), 2: D("70"), 3: D("70")}, outlier_points=D("15"))
    rows = {r.key: r for r in result.rows}
    assert rows[1].deviation == D("15") and not rows[1].outlier


def test_trimmed_mean_with_five_scores():
    totals = {1: D("60"), 2: D("70"), 3: D("75"), 4: D("80"), 5: D("95")}
    plain = aggregate(totals)
    assert plain.mean == D("76.00") and not plain.trimmed  # 380 / 5
    trimmed = aggregate(totals, trim_extremes=True)
    assert trimmed.trimmed
    assert trimmed.mean == D("75.00")  # (70 + 75 + 80) / 3
    assert {r.key for r in trimmed.rows if r.dropped} == {1, 5}
    # 95: others 60, 70, 75, 80 → median 72.5 → +22.5; 60: others 70, 75, 80, 95 → median 77.5 → −17.5
    rows = {r.key: r for r in trimmed.rows}
    assert rows[5].deviation == D("22.5") and rows[5].outlier
    assert rows[1].deviation == D("-17.5") and rows[1].outlier
    assert not rows[2].outlier  # 70 − 77.5 = −7.5


def test_no_trimming_below_five_scores():
    result = aggregate({1: D("60"), 2: D("70"), 3: D("80"), 4: D("90")}, trim_extremes=True)
    assert not result.trimmed
    assert result.mean == D("75.00")


def test_trimming_ties_drops_exactly_one_high_and_one_low():
    result = aggregate({k: D("70") for k in range(1, 6)}, trim_extremes=True)
    assert result.mean == D("70.00")
    assert sum(1 for r in result.rows if r.dropped) == 2


def test_per_criterion_means_and_single_score():
    result = aggregate({1: D("50")}, {"c1": [D("10"), D("5"), D("20")], "c2": []})
    assert result.criterion_means == {"c1": D("11.67")}
    assert result.rows[0].median_others is None and not result.rows[0].outlier
    assert aggregate({}).mean is None

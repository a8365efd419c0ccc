"""The KPI calculator against hand-computed examples for every KPI of the real kpis pack (附1, 20 项)."""

import math

import pytest

from tidu.eligibility.kpi import compute_all, compute_kpi
from tidu.policy.loader import FORMULA_INPUTS

# One hand-computed example per KPI: (inputs, expected value rounded half-up to 2 decimals).
EXAMPLES = {
    "K01": ({"part": 46, "whole": 58}, 79.31),  # 46 / 58 = 0.793103…
    "K02": ({"part": 12, "whole": 16}, 75.0),
    "K03": ({"part": 3, "whole": 8}, 37.5),
    "K04": ({"value": 3}, 3),
    "K05": ({"before": 200, "after": 150}, 25.0),  # 50 / 200 days
    "K06": ({"before": 10000, "after": 12000}, 20.0),
    "K07": ({"before": 50, "after": 65}, 30.0),
    "K08": ({"before": 80, "after": 88}, 10.0),
    "K09": ({"before": 2.4, "after": 1.1}, 54.17),  # 1.3 / 2.4 = 0.541666…
    "K10": ({"before": 60, "after": 75}, 25.0),
    "K11": ({"before": 4, "after": 5}, 25.0),
    "K12": ({"before": 90, "after": 99}, 10.0),
    "K13": ({"before": 85, "after": 95}, 11.76),  # 10 / 85 = 0.117647…
    "K14": ({"before": 1000, "after": 920}, 8.0),
    "K15": ({"before": 40, "after": 46}, 15.0),
    "K16": ({"before": 0.5, "after": 0.42}, 16.0),
    "K17": ({"before": 1.2, "after": 0.9}, 25.0),
    "K18": ({"part": 700, "whole": 800}, 87.5),
    "K19": ({"reused": 900, "fresh": 100}, 90.0),
    "K20": ({"value": 2}, 2),
}

# What each KPI's formula kind should be, derived from its name in 附1 (so the pack cannot drift silently).
EXPECTED_FORMULA = {
    "K01": "ratio", "K02": "ratio", "K03": "ratio", "K04": "count", "K05": "decrease", "K06": "increase",
    "K07": "increase", "K08": "increase", "K09": "decrease", "K10": "increase", "K11": "increase",
    "K12": "increase", "K13": "increase", "K14": "decrease", "K15": "increase", "K16": "decrease",
    "K17": "decrease", "K18": "ratio", "K19": "reuse_ratio", "K20": "count",
}


def _input_name(kpi, key):
    return next(spec["name"] for spec in kpi["inputs"] if spec["key"] == key)


def test_every_kpi_of_the_pack_has_a_hand_computed_example(policy):
    assert sorted(policy.kpi_map) == sorted(EXAMPLES) == [f"K{n:02d}" for n in range(1, 21)]


@pytest.mark.parametrize("kpi_id", sorted(EXAMPLES))
def test_hand_computed_example(policy, kpi_id):
    kpi = policy.kpi_map[kpi_id]
    inputs, expected = EXAMPLES[kpi_id]
    result = compute_kpi(kpi, inputs)
    assert result.status == "computed", result.problems
    assert result.value == expected
    assert result.kpi_id == kpi_id and result.name == kpi["name"] and result.unit == kpi["unit"]
    assert result.missing == () and result.problems == ()


@pytest.mark.parametrize("kpi_id", sorted(EXPECTED_FORMULA))
def test_formula_kind_and_input_keys_are_consistent(policy, kpi_id):
    kpi = policy.kpi_map[kpi_id]
    assert kpi["formula"] == EXPECTED_FORMULA[kpi_id]
    keys = [spec["key"] for spec in kpi["inputs"]]
    assert sorted(keys) == sorted(FORMULA_INPUTS[kpi["formula"]])
    assert len(keys) == len(set(keys))
    # Percentages come from ratio/change formulas; counts (个/家) are plain counts of whole things.
    if kpi["formula"] == "count":
        assert kpi["unit"] in ("个", "家")
        assert [spec["kind"] for spec in kpi["inputs"]] == ["count"]
    else:
        assert kpi["unit"] == "%"


@pytest.mark.parametrize("kpi_id", sorted(EXAMPLES))
def test_missing_inputs_are_listed_and_give_no_value(policy, kpi_id):
    kpi = policy.kpi_map[kpi_id]
    keys = tuple(spec["key"] for spec in kpi["inputs"])
    nothing = compute_kpi(kpi, None)
    assert nothing.status == "missing" and nothing.value is None
    assert sorted(nothing.missing) == sorted(keys)
    assert nothing.display() == "—"

    given = dict(EXAMPLES[kpi_id][0])
    dropped = keys[-1]
    given[dropped] = None  # an explicit None counts as not yet given
    partial = compute_kpi(kpi, given)
    assert partial.status == "missing" and partial.value is None
    assert partial.missing == (dropped,)


def test_only_the_absent_input_is_reported_missing(policy):
    result = compute_kpi(policy.kpi_map["K09"], {"before": 2.4})
    assert result.status == "missing"
    assert result.missing == ("after",)
    assert result.value is None and result.problems == ()


@pytest.mark.parametrize(
    ("kpi_id", "inputs", "expected"),
    [
        ("K01", {"part": 1, "whole": 32}, 3.13),  # exactly 3.125: half-up, not banker's 3.12
        ("K06", {"before": 8, "after": 8.25}, 3.13),  # exactly 3.125
        ("K05", {"before": 200, "after": 199.75}, 0.13),  # 0.125
        ("K02", {"part": 1, "whole": 3}, 33.33),
        ("K03", {"part": 2, "whole": 3}, 66.67),
        ("K19", {"reused": 1, "fresh": 2}, 33.33),
    ],
)
def test_rounding_is_half_up_to_two_decimals(policy, kpi_id, inputs, expected):
    assert compute_kpi(policy.kpi_map[kpi_id], inputs).value == expected


@pytest.mark.parametrize(
    ("kpi_id", "inputs", "expected"),
    [
        ("K06", {"before": 100, "after": 80}, -20.0),  # sales fell
        ("K09", {"before": 1.0, "after": 1.5}, -50.0),  # defect rate rose
        ("K16", {"before": 0.4, "after": 0.5}, -25.0),  # energy use rose
    ],
)
def test_kpi_can_go_negative_when_things_got_worse(policy, kpi_id, inputs, expected):
    result = compute_kpi(policy.kpi_map[kpi_id], inputs)
    assert result.status == "computed"
    assert result.value == expected
    assert result.display() == f"{expected:.2f}%"


def test_no_change_is_zero(policy):
    assert compute_kpi(policy.kpi_map["K07"], {"before": 50, "after": 50}).value == 0.0


# (kpi, inputs, input named in the problem, words the Chinese message must contain)
REFUSED = [
    pytest.param("K06", {"before": 100, "after": -5}, "after", "不能为负数", id="negative"),
    pytest.param("K01", {"part": -1, "whole": 10}, "part", "不能为负数", id="negative-count"),
    pytest.param("K09", {"before": 120, "after": 1}, "before", "不能超过 100%", id="rate-over-100"),
    pytest.param("K13", {"before": 90, "after": 100.5}, "after", "不能超过 100%", id="rate-over-100-after"),
    pytest.param("K01", {"part": 4.5, "whole": 10}, "part", "整数", id="count-not-integer"),
    pytest.param("K04", {"value": 2.5}, "value", "整数", id="count-kpi-not-integer"),
    pytest.param("K20", {"value": 0.1}, "value", "整数", id="enterprises-not-integer"),
    pytest.param("K06", {"before": 0, "after": 100}, "before", "为 0", id="zero-baseline-increase"),
    pytest.param("K05", {"before": 0, "after": 0}, "before", "为 0", id="zero-baseline-decrease"),
    pytest.param("K01", {"part": 0, "whole": 0}, "whole", "为 0", id="ratio-zero-whole"),
    pytest.param("K18", {"part": 900, "whole": 800}, "part", "不能大于", id="part-greater-than-whole"),
    pytest.param("K04", {"value": True}, "value", "应为数字", id="bool"),
    pytest.param("K06", {"before": "100", "after": 120}, "before", "应为数字", id="str"),
    pytest.param("K06", {"before": 100, "after": float("nan")}, "after", "不是有效数字", id="nan"),
    pytest.param("K07", {"before": float("inf"), "after": 1}, "before", "不是有效数字", id="inf"),
    pytest.param("K11", {"before": 4, "after": [5]}, "after", "应为数字", id="list"),
]


@pytest.mark.parametrize(("kpi_id", "inputs", "key", "words"), REFUSED)
def test_impossible_inputs_are_refused_in_chinese(policy, kpi_id, inputs, key, words):
    kpi = policy.kpi_map[kpi_id]
    result = compute_kpi(kpi, inputs)
    assert result.status == "invalid"
    assert result.value is None
    assert result.display() == "—"
    problem = next(p for p in result.problems if p.input_key == key)
    assert problem.kpi_id == kpi_id
    assert problem.field == f"kpis.{kpi_id}.{key}"
    assert words in problem.message
    assert kpi["name"] in problem.message  # names the KPI
    assert _input_name(kpi, key) in problem.message  # names the input as the user saw it


def test_part_greater_than_whole_names_both_inputs_and_values(policy):
    kpi = policy.kpi_map["K01"]
    result = compute_kpi(kpi, {"part": 60, "whole": 58})
    (problem,) = result.problems
    assert "数控化关键设备数" in problem.message and "关键设备总数" in problem.message
    assert "60" in problem.message and "58" in problem.message


def test_reuse_with_both_zero_is_refused(policy):
    kpi = policy.kpi_map["K19"]
    result = compute_kpi(kpi, {"reused": 0, "fresh": 0})
    assert result.status == "invalid" and result.value is None
    (problem,) = result.problems
    assert kpi["name"] in problem.message
    assert "重复利用水量" in problem.message and "新鲜取水量" in problem.message and "0" in problem.message


def test_reuse_with_no_fresh_water_is_fine(policy):
    assert compute_kpi(policy.kpi_map["K19"], {"reused": 500, "fresh": 0}).value == 100.0


def test_unknown_input_key_is_refused(policy):
    kpi = policy.kpi_map["K04"]
    result = compute_kpi(kpi, {"value": 3, "valeu": 4})
    assert result.status == "invalid" and result.value is None
    (problem,) = result.problems
    assert problem.input_key == "valeu"
    assert kpi["name"] in problem.message and "valeu" in problem.message
    assert "value" in problem.message  # tells the user which keys exist


def test_every_bad_input_is_reported_at_once(policy):
    result = compute_kpi(policy.kpi_map["K09"], {"before": -1, "after": 101})
    assert result.status == "invalid"
    assert {p.input_key for p in result.problems} == {"before", "after"}


def test_problems_win_over_missing_inputs(policy):
    result = compute_kpi(policy.kpi_map["K06"], {"before": -3})
    assert result.status == "invalid"
    assert result.missing == ("after",)
    assert [p.input_key for p in result.problems] == ["before"]


def test_compute_all_returns_all_twenty(policy):
    results = compute_all(policy.kpi_map, {"K09": {"before": 2.4, "after": 1.1}, "K04": {"value": 3}})
    assert list(results) == [f"K{n:02d}" for n in range(1, 21)]
    assert results["K09"].value == 54.17 and results["K09"].status == "computed"
    assert results["K04"].value == 3
    others = [r for kpi_id, r in results.items() if kpi_id not in ("K09", "K04")]
    assert all(r.status == "missing" and r.value is None for r in others)


def test_compute_all_with_nothing_given(policy):
    results = compute_all(policy.kpi_map, None)
    assert len(results) == 20
    assert {r.status for r in results.values()} == {"missing"}


def test_compute_all_on_every_example(policy):
    results = compute_all(policy.kpi_map, {kpi_id: inputs for kpi_id, (inputs, _) in EXAMPLES.items()})
    assert {kpi_id: r.value for kpi_id, r in results.items()} == {k: v for k, (_, v) in EXAMPLES.items()}


@pytest.mark.parametrize(
    ("kpi_id", "inputs", "shown"),
    [
        ("K09", {"before": 2.4, "after": 1.1}, "54.17%"),
        ("K06", {"before": 10000, "after": 12000}, "20.00%"),
        ("K19", {"reused": 900, "fresh": 100}, "90.00%"),
        ("K06", {"before": 100, "after": 80}, "-20.00%"),
        ("K04", {"value": 3}, "3个"),
        ("K04", {"value": 3.0}, "3个"),
        ("K20", {"value": 2}, "2家"),
        ("K20", {"value": 0}, "0家"),
    ],
)
def test_display(policy, kpi_id, inputs, shown):
    assert compute_kpi(policy.kpi_map[kpi_id], inputs).display() == shown


def test_result_value_is_a_plain_finite_number(policy):
    value = compute_kpi(policy.kpi_map["K09"], {"before": 2.4, "after": 1.1}).value
    assert isinstance(value, float) and math.isfinite(value)


@pytest.mark.parametrize(
    ("kpi_id", "inputs"),
    [
        ("K04", {"value": 10**26}),
        ("K06", {"before": 1, "after": 1e27}),
        ("K20", {"value": 10**400}),
    ],
    ids=["count-1e26", "increase-1e29-percent", "int-beyond-float"],
)
def test_huge_inputs_are_refused_not_crashing(policy, kpi_id, inputs):
    kpi = policy.kpi_map[kpi_id]
    result = compute_kpi(kpi, inputs)  # must not raise
    assert result.status in ("computed", "invalid")
    if result.status == "invalid":
        assert all(kpi["name"] in p.message for p in result.problems)
    else:
        assert math.isfinite(result.value)


def test_rounding_reads_the_decimal_form_as_before():
    """_round takes the hundredths from value * 100 away from a half and from the decimal form near one: the same
    float as quantizing repr(value) half up, for ties, near-ties, negatives, zeros and values of every size."""
    import math
    import random

    from tidu.eligibility.kpi import _round, _round_decimal

    rng = random.Random(15)
    values = [0.0, -0.0, 0.005, 0.015, 0.125, 1.005, 2.675, -2.675, 1.115, 79.3103448275862, 1e9, 999999999.995,
              1e14, 1e15, 1e16, 5e-324, 123456789012.345]
    for _ in range(20_000):
        k = rng.randint(0, 10**9)
        tie = (2 * k + 1) / 200  # k.xx5 as written
        values += [tie, -tie, math.nextafter(tie, math.inf), math.nextafter(tie, -math.inf), k / 1000,
                   rng.randint(0, 1000) / rng.randint(1, 1000) * 100, rng.uniform(-1e9, 1e9)]
    assert [repr(_round(v)) for v in values] == [repr(_round_decimal(v)) for v in values]

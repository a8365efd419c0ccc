from decimal import Decimal as D

import pytest

from tidu.experts.scoring import fmt_points, parse_points


@pytest.mark.parametrize("text, value", [("20", D("20")), ("7.5", D("7.5")), (" 0 ", D("0")), ("１８", D("18")),
                                         ("7.50", D("7.5")), ("9。5", D("9.5")), (".5", D("0.5"))])
def test_accepted(text, value):
    assert parse_points(text, D("20")) == (value, None)


@pytest.mark.parametrize("text, message", [
    ("21", "不能超过该项满分 20 分"), ("-1", "不能为负数"), ("abc", "不是数字"), ("7.25", "最多保留一位小数"),
    ("1e1", "不是数字"), ("NaN", "不是数字"), ("五", "不是数字")])
def test_refused_with_chinese_message(text, message):
    value, error = parse_points(text, D("20"))
    assert value is None and message in error


def test_empty_is_no_answer():
    assert parse_points("", D("10")) == (None, None)
    assert parse_points(None, D("10")) == (None, None)


def test_fmt_points():
    assert (fmt_points(D("20.0")), fmt_points(D("7.5")), fmt_points(None), fmt_points(D("0"))) == ("20", "7.5", "", "0")

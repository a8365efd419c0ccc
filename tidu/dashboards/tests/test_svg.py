"""The SVG chart module: well-formed, accessible, labelled, escaped."""

import xml.etree.ElementTree as ET

import pytest

from tidu.benchmark import stats
from tidu.dashboards import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(markup):
    return ET.fromstring(str(markup))


def texts(root):
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("chart", [
    lambda: svg.hbar_chart("c1", "标题", "说明", [("岳口镇", 3), ("竟陵街道办事处", 0)], unit="份"),
    lambda: svg.bar_chart("c2", "标题", "说明", [("一级", 1), ("二级", 4)]),
    lambda: svg.funnel_chart("c3", "标题", "说明", [("提交", 10), ("认定", 4)]),
    lambda: svg.heatmap("c4", "标题", "说明", groups=[("生产作业", [("质量管控", [1, 0, 1])])],
                        columns=["岳口镇", "多宝镇", "合计"]),
    lambda: svg.quartile_plot("c5", "标题", "说明", [("C34 通用设备制造业", 6, stats.group_stats([1.0, 2, 3, 4, 5, 6])),
                                                  ("C17 纺织业", 1, None)], unit="%", suppressed="样本不足5家，不予显示"),
])
def test_every_chart_is_well_formed_and_accessible(chart):
    root = parse(chart())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    chart_id = root.get("id")
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert root.find("s:title", NS).text == "标题" and root.find("s:desc", NS).text == "说明"
    assert root.find("s:title", NS).get("id") == f"{chart_id}-title"


def test_labels_and_values_are_written_out():
    root = parse(svg.hbar_chart("c", "t", "d", [("岳口镇", 3), ("竟陵街道办事处", 12)], unit="份"))
    assert {"岳口镇", "竟陵街道办事处", "3份", "12份"} <= set(texts(root))
    root = parse(svg.funnel_chart("f", "t", "d", [("提交", 10), ("认定", 4)]))
    assert {"提交", "认定", "10（100%）", "4（40%）"} <= set(texts(root))
    root = parse(svg.heatmap("h", "t", "d", groups=[("生产作业", [("质量管控", [2, 0])])], columns=["岳口镇", "合计"]))
    assert {"生产作业", "质量管控", "岳口镇", "合计", "2", "0"} <= set(texts(root))


def test_text_is_escaped():
    root = parse(svg.hbar_chart("c", "A<B & \"C\"", "d<>", [("<script>", 1)]))
    assert root.find("s:title", NS).text == 'A<B & "C"'
    assert "<script>" in texts(root)


def test_empty_data_says_so():
    for markup in (svg.hbar_chart("e", "t", "d", []), svg.bar_chart("e", "t", "d", []),
                   svg.funnel_chart("e", "t", "d", []), svg.heatmap("e", "t", "d", groups=[], columns=[]),
                   svg.quartile_plot("e", "t", "d", [])):
        assert "暂无数据" in texts(parse(markup))


def test_zero_values_draw_no_bar_and_do_not_divide_by_zero():
    root = parse(svg.hbar_chart("z", "t", "d", [("a", 0), ("b", 0)]))
    assert {r.get("width") for r in root.iter("{http://www.w3.org/2000/svg}rect")} == {"0.0"}
    assert "0（—）" in texts(parse(svg.funnel_chart("z", "t", "d", [("a", 0), ("b", 0)])))


def test_quartile_plot_draws_the_quartiles_and_median_and_no_individual_value():
    values = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 99.0]
    root = parse(svg.quartile_plot("s", "t", "d", [("C34", 7, stats.group_stats(values)), ("C17", 4, None)], unit="%",
                                   suppressed="样本不足5家，不予显示"))
    assert not list(root.iter("{http://www.w3.org/2000/svg}circle"))
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "C34：25–55%（7）" in titles and "40%" in titles
    written = " ".join(t or "" for t in [*titles, *texts(root)])
    assert "99" not in written and "10%（" not in written and "10%" not in titles  # neither the largest nor the smallest
    assert "样本不足5家，不予显示（4）" in texts(root)


def test_quartile_plot_with_every_group_suppressed_has_no_axis():
    root = parse(svg.quartile_plot("s", "t", "d", [("C17", 4, None)], suppressed="样本不足5家，不予显示"))
    assert not list(root.iter("{http://www.w3.org/2000/svg}line"))


@pytest.mark.parametrize(("low", "high", "expected"), [(0, 92, [0, 20, 40, 60, 80, 100]), (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
                                                       (5, 5, [5, 5.2, 5.4, 5.6, 5.8, 6.0])])
def test_nice_ticks(low, high, expected):
    assert svg.nice_ticks(low, high) == pytest.approx(expected)


def test_fmt():
    assert [svg.fmt(v) for v in (12, 12.0, 12.5, 12.345, None)] == ["12", "12", "12.5", "12.35", "—"]

"""Stored messages keep their source sentence: Chinese as stored, the reader's language when shown."""

import copy

import pytest
from django.utils import translation

from tidu.core import sentences
from tidu.eligibility.engine import evaluate
from tidu.eligibility.kpi import compute_kpi
from tidu.testing import english


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_sentence_is_stored_in_chinese_and_shown_in_english():
    source = sentences.sentence("近三年（%(start)s以来）有%(what)s %(n)s 起（%(dates)s）",
                                start=sentences.day("2023-01-22"), what=sentences.term("违法违规行为"), n=2,
                                dates=sentences.items(["2024-05-01", "2025-02-03"]))
    assert sentences.chinese(source) == "近三年（2023年1月22日以来）有违法违规行为 2 起（2024-05-01、2025-02-03）"
    with translation.override("zh-hans"):
        assert sentences.render(source) == sentences.chinese(source)
    with translation.override("en"), english({
            "近三年（%(start)s以来）有%(what)s %(n)s 起（%(dates)s）": "%(n)s %(what)s since %(start)s (%(dates)s)",
            "违法违规行为": "violations of law"}):
        shown = sentences.render(source)
    assert shown.startswith("2 ") and shown.endswith(" since 22 Jan 2023 (2024-05-01, 2025-02-03)"), shown
    assert not has_cjk(shown)


def test_a_translation_that_does_not_fit_its_values_shows_the_chinese():
    # A msgid of the test's own (the catalogue's entries keep theirs), translated with a wrong placeholder.
    source = sentences.sentence("测试用句：尚未填写%(name)s", name="登记注册地")
    with translation.override("en"), english({"测试用句：尚未填写%(name)s": "%(other)s missing"}):
        assert sentences.render(source) == "测试用句：尚未填写登记注册地"


def _missing_region(passing_application):
    document = copy.deepcopy(passing_application)
    document["enterprise"].pop("registered_region")
    return document


def test_findings_keep_their_source_beside_the_unchanged_chinese(policy, passing_application):
    verdict = evaluate(policy, _missing_region(passing_application))
    data = next(f for f in verdict.as_dict()["findings"] if f["result"] == "missing")
    # Existing keys are unchanged: the Chinese message is as it always was; the source is an added field.
    assert data["message"] == "尚未填写登记注册地。"
    assert data["msg"] == [{"m": "尚未填写登记注册地"}]
    assert data["checks"][0] == {"result": "missing", "message": "尚未填写登记注册地", "msg": {"m": "尚未填写登记注册地"}}


def test_a_finding_reads_in_english_and_an_old_stored_one_as_stored(policy, passing_application):
    finding = next(f for f in evaluate(policy, _missing_region(passing_application)).findings if f.result == "missing")
    stored = finding_dict = next(f for f in evaluate(policy, _missing_region(passing_application)).as_dict()["findings"]
                                 if f["result"] == "missing")
    with translation.override("en"), english({"尚未填写登记注册地": "Place of registration not given", "。": "."}):
        assert sentences.text_of(finding) == "Place of registration not given."
        assert sentences.text_of(finding_dict) == "Place of registration not given."
        old = {key: value for key, value in stored.items() if key != "msg"}
        assert sentences.text_of(old) == "尚未填写登记注册地。"  # a verdict stored before sources were kept
    with translation.override("zh-hans"):
        assert sentences.text_of(finding) == "尚未填写登记注册地。"


def test_every_finding_of_a_full_verdict_has_a_source_for_each_check(policy, passing_application):
    """Every check the rule library words keeps its msgid (only a pack's own wording is policy text)."""
    document = copy.deepcopy(passing_application)
    document.pop("submitted_at", None)
    rules = [rule for d in (*policy.requirement_declarations, *policy.condition_declarations)
             for rule in ([d["rule"], *d.get("also", [])] if d.get("rule") else [])]
    pack_wording = {rule["params"][key].format(what=rule["params"].get("what", "")) for rule in rules
                    for key in ("yes", "no", "unanswered") if key in (rule.get("params") or {})}
    for finding in evaluate(policy, document).as_dict()["findings"]:
        for check in finding["checks"]:
            assert "msg" in check or check["message"] in pack_wording, check["message"]
            if "msg" in check:
                assert sentences.chinese(check["msg"]) == check["message"]


def test_submission_time_dates_follow_the_reader(policy, passing_application):
    finding = next(f for f in evaluate(policy, passing_application).findings if f.clause == "申报时间")
    with translation.override("en"), english({
            "提交时间 %(date)s %(time)s（北京时间）在申报时间%(window)s内": "Submitted %(date)s %(time)s, within %(window)s",
            "%(opens)s至%(closes)s（北京时间，含当日）": "%(opens)s to %(closes)s",
            "。": "."}):
        shown = sentences.text_of(finding)
    assert not has_cjk(shown), shown
    assert "10 Mar 2026 10:30:00" in shown


def test_kpi_problems_keep_their_source(policy):
    kpi = next(k for k in policy.kpi_map.values() if k["formula"] == "ratio")
    whole = next(spec["key"] for spec in kpi["inputs"] if spec["key"] == "whole")
    problem = compute_kpi(kpi, {"part": 1, whole: 0}).problems[0]
    assert problem.msg["m"] == "%(kpi)s的“%(input)s”为 0，无法计算比例"
    assert problem.message == sentences.chinese(problem.msg)
    with translation.override("en"), english({"%(kpi)s的“%(input)s”为 0，无法计算比例": "%(kpi)s: “%(input)s” is 0"}):
        assert sentences.text_of(problem).endswith("is 0")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_filter_is_registered_for_pages(language):
    from django.template import Context, Template

    template = Template("{% load tidu_tags %}{{ finding|finding_text }}")
    finding = {"message": "尚未填写登记注册地。", "msg": [{"m": "尚未填写登记注册地"}]}
    with translation.override(language):
        shown = template.render(Context({"finding": finding}))
        expected = translation.gettext("尚未填写登记注册地") + translation.gettext("。")
    assert shown == expected
    assert (shown == "尚未填写登记注册地。") == (language != "en")  # English reads the catalogue's sentence

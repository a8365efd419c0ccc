"""形式审查 checklist labels are rebuilt from each item's key in the reader's language."""

from django.utils import translation

from tidu.applications.templatetags.applications_tags import check_label


def test_labels_rebuilt_from_the_key_match_the_stored_chinese():
    with translation.override("zh-hans"):
        assert check_label({"key": "section:basic", "label": "x"}) == "“基本信息”填写完整"
        # An item a clause declares (formal_review in the call pack) keeps its stored wording, translated.
        assert check_label({"key": "evidence:maturity_report", "label": "成熟度自评估报告已上传"}) == "成熟度自评估报告已上传"
        assert check_label({"key": "evidence:申报条件3", "label": "x"}) == "申报条件3佐证材料已上传"
        assert check_label({"key": "clause:AC1", "label": "AC1"}) == "AC1"

from collections import Counter

import pytest
import yaml

from tidu.enterprises import industries
from tidu.enterprises.industries import IndustryCodeError


@pytest.fixture(scope="module")
def catalogue():
    return industries.catalogue()


def test_twenty_sections_a_to_t(catalogue):
    assert [s.code for s in catalogue.sections] == list("ABCDEFGHIJKLMNOPQRST")


def test_ninety_seven_divisions_01_to_97_unique(catalogue):
    codes = [d.code for s in catalogue.sections for d in s.divisions]
    assert len(codes) == 97
    assert not [c for c, n in Counter(codes).items() if n > 1]
    assert codes == [f"{n:02d}" for n in range(1, 98)]
    assert all(d.name for s in catalogue.sections for d in s.divisions)


@pytest.mark.parametrize(("section", "first", "last"), [
    ("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52), ("G", 53, 60),
    ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72), ("M", 73, 75), ("N", 76, 79),
    ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90), ("S", 91, 96), ("T", 97, 97),
])
def test_each_division_in_its_section(catalogue, section, first, last):
    got = [d.code for d in catalogue.section_map[section].divisions]
    assert got == [f"{n:02d}" for n in range(first, last + 1)]


def test_names_the_policy_engine_relies_on(catalogue):
    divisions = catalogue.division_map
    assert catalogue.section_map["C"].name == "制造业"
    assert divisions["07"].name == "石油和天然气开采业"
    assert divisions["09"].name == "有色金属矿采选业"
    assert divisions["25"].name == "石油、煤炭及其他燃料加工业"
    assert divisions["26"].name == "化学原料和化学制品制造业"
    assert divisions["32"].name == "有色金属冶炼和压延加工业"
    assert divisions["27"].name == "医药制造业" and divisions["17"].name == "纺织业"


def test_source_note():
    document = yaml.safe_load(industries.DATA_FILE.read_text(encoding="utf-8"))
    assert "GB/T 4754-2017" in document["source"]["document"]
    assert document["source"]["grade"] == "A"
    assert "转录" in document["source"]["note"]


@pytest.mark.parametrize("code", ["C", "C34", "c34", "C348", "C3484", " B07 ", "B0711", "T97", "A01", "S96"])
def test_valid_codes(code):
    assert industries.validate(code) == code.strip().upper()


@pytest.mark.parametrize(("code", "message"), [
    ("C99", "行业代码 C99 不存在：大类 99 不属于门类 C"),
    ("C06", "行业代码 C06 不存在：大类 06 不属于门类 C（大类 06 煤炭开采和洗选业 属于门类 B）"),
    ("B3484", "行业代码 B3484 不存在：大类 34 不属于门类 B"),
    ("D43", "大类 43 不属于门类 D"),
    ("U01", "行业代码 U01 不存在：门类 U 不存在（门类为 A–T）"),
    ("C3", "格式不正确"),
    ("C34845", "格式不正确"),
    ("34", "格式不正确"),
    ("C3A", "格式不正确"),
    ("", "请选择所属行业"),
])
def test_invalid_codes(code, message):
    with pytest.raises(IndustryCodeError) as caught:
        industries.validate(code)
    assert message in caught.value.message


def test_describe():
    assert industries.describe("C3484") == "C3484（制造业 › 34 通用设备制造业）"
    assert industries.describe("C") == "C（制造业）"
    assert industries.describe("X1") == "X1"


def test_division_choices_grouped_by_section():
    choices = industries.division_choices()
    assert len(choices) == 20
    group, options = choices[2]
    assert group == "C 制造业"
    assert options[0] == ("C13", "13 农副食品加工业") and options[-1] == ("C43", "43 金属制品、机械和设备修理业")
    assert sum(len(options) for _, options in choices) == 97


def test_loader_rejects_duplicates(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("standard: x\nsource: {}\nsections:\n"
                   "  - {code: A, name: a, divisions: [{code: '01', name: x}]}\n"
                   "  - {code: B, name: b, divisions: [{code: '01', name: y}]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="重复"):
        industries.load_catalogue(bad)


INDUSTRY_ERRORS_EN = {
    "请选择所属行业": "Please choose an industry",
    "行业代码 %(code)s 格式不正确：应为门类字母加2–4位数字，如 C34、C348、C3484":
        "Industry code %(code)s is not well formed: a section letter followed by 2–4 digits, e.g. C34, C348, C3484",
    "行业代码 %(code)s 不存在：门类 %(letter)s 不存在（门类为 %(first)s–%(last)s）":
        "Industry code %(code)s does not exist: there is no section %(letter)s (sections are %(first)s–%(last)s)",
    "行业代码 %(code)s 不存在：大类 %(division)s 不属于门类 %(letter)s":
        "Industry code %(code)s does not exist: division %(division)s is not in section %(letter)s",
    "（大类 %(division)s %(name)s 属于门类 %(section)s）": " (division %(division)s %(name)s is in section %(section)s)",
}


@pytest.mark.parametrize(("code", "message"), [
    ("C99", "Industry code C99 does not exist: division 99 is not in section C"),
    ("C06", "division 06 煤炭开采和洗选业 is in section B"),
    ("U01", "there is no section U (sections are A–T)"),
    ("C3", "Industry code C3 is not well formed"),
    ("", "Please choose an industry"),
])
def test_invalid_codes_explained_in_english(code, message):
    from django.utils import translation

    from tidu.testing import english

    with english(INDUSTRY_ERRORS_EN), translation.override("en"), pytest.raises(IndustryCodeError) as caught:
        industries.validate(code)
    assert message in caught.value.message and "行业代码" not in caught.value.message

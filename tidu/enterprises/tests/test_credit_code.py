import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidu.enterprises import credit_code
from tidu.enterprises.credit_code import CreditCodeError
from tidu.enterprises.tests.codes import ALPHABET, with_check

KNOWN_VALID = "91350100M000100Y43"  # check character verified by hand: Σ = 1640, 1640 mod 31 = 28, 31 − 28 = 3


def test_known_code_is_valid():
    assert credit_code.validate(KNOWN_VALID) == KNOWN_VALID
    assert with_check(KNOWN_VALID[:17]) == KNOWN_VALID


def test_check_character_matches_independent_calculation():
    for first17 in ("91429006MA48T2K61", "12100000400000624", "91110000600037341", "Y1429006000000000"):
        assert credit_code.check_character(first17) == with_check(first17)[-1]


def test_remainder_zero_gives_check_character_zero():
    # Make Σ ≡ 0 (mod 31): then c18 = 31 − 0 = 31, which becomes 0.
    base = "91429006MA4000000"
    for char in ALPHABET:
        candidate = base[:-1] + char
        if with_check(candidate)[-1] == "0":
            assert credit_code.check_character(candidate) == "0"
            assert credit_code.is_valid(candidate + "0")
            return
    pytest.fail("no candidate with check character 0")


def test_lowercase_spaces_and_full_width_are_accepted():
    assert credit_code.validate(" 91350100m000100y43 ") == KNOWN_VALID
    assert credit_code.validate("9135 0100 M000 100Y 43") == KNOWN_VALID
    assert credit_code.validate("９１３５０１００Ｍ０００１００Ｙ４３") == KNOWN_VALID


@pytest.mark.parametrize(("value", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("9", 1)])
def test_wrong_length(value, length):
    with pytest.raises(CreditCodeError) as caught:
        credit_code.validate(value)
    assert caught.value.code == "length"
    assert f"应为18位，当前{length}位" in caught.value.message


def test_empty():
    with pytest.raises(CreditCodeError) as caught:
        credit_code.validate("   ")
    assert caught.value.code == "empty"


@pytest.mark.parametrize(("value", "position", "char"), [
    ("91350100M000100I43", 16, "I"), ("O1350100M000100Y43", 1, "O"), ("91350100M00010SY43", 15, "S"),
    ("91350100V000100Y43", 9, "V"), ("91350100M000100YZ3", 17, "Z"), ("91350100-000100Y43", 9, "-"),
])
def test_illegal_character_is_named_with_its_position(value, position, char):
    with pytest.raises(CreditCodeError) as caught:
        credit_code.validate(value)
    assert caught.value.code == "character"
    assert f"第{position}位的字符“{char}”不合法" in caught.value.message


def test_wrong_check_character():
    with pytest.raises(CreditCodeError) as caught:
        credit_code.validate("91350100M000100Y44")
    assert caught.value.code == "check"
    assert "校验码应为3，实际为4" in caught.value.message
    assert "整体校验不通过" in caught.value.message and "不一定是最后一位" in caught.value.message


def test_single_typo_is_caught():
    assert not credit_code.is_valid("91350100M000200Y43")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_property_only_the_computed_check_character_validates(first17, other):
    valid = with_check(first17)
    assert credit_code.validate(valid.lower()) == valid
    if other != valid[-1]:
        with pytest.raises(CreditCodeError) as caught:
            credit_code.validate(first17 + other)
        assert f"校验码应为{valid[-1]}，实际为{other}" in caught.value.message

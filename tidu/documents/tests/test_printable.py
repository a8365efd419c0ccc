"""printable.long_runs: the table the 申报书 template looks long runs up in, instead of a regex in Typst."""

from __future__ import annotations

import json

import typst

from tidu.documents.printable import LONG_RUN, long_runs


def test_a_run_ends_where_the_templates_regex_ends_it_for_every_code_point():
    """The Python class is the Typst regex's ``[^\\s\\p{Han}\\u3000-\\u303F\\uFF00-\\uFFEF]``, code point by code point
    (a Typst upgrade with a newer Unicode would show here)."""
    chars = "".join(chr(c) for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    breakers = json.loads(typst.eval(
        b"", 'json(bytes(sys.inputs.s)).matches(regex("[\\s\\p{Han}\\u3000-\\u303F\\uFF00-\\uFFEF]"))'
             '.map(m => m.text).join()',
        format="json", sys_inputs={"s": json.dumps(chars)}))
    typst_breakers = set(breakers)
    python_breakers = {c for c in chars if not LONG_RUN.fullmatch(c * 13)}
    assert python_breakers == typst_breakers


def test_values_and_their_lines_are_cut_into_runs_and_the_rest():
    found = long_runs({"dossier": {"a": "达到GB/T39116-2020《模型》二级", "b": ["短", "12345678901234"],
                                   "c": "第一行\nABCDEFGHIJKLMNOPQ 与 abc", "d": None, "e": True}})
    assert found == {
        "达到GB/T39116-2020《模型》二级": [["达到", False], ["GB/T39116-2020", True], ["《模型》二级", False]],
        "12345678901234": [["12345678901234", True]],
        "第一行\nABCDEFGHIJKLMNOPQ 与 abc": [["第一行\n", False], ["ABCDEFGHIJKLMNOPQ", True], [" 与 abc", False]],
        "ABCDEFGHIJKLMNOPQ 与 abc": [["ABCDEFGHIJKLMNOPQ", True], [" 与 abc", False]],
    }
    assert long_runs({"x": "十二个字符以内的值", "y": "ABCDEFGHIJKL"}) == {}  # 12 characters: no run

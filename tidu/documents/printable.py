"""Making user text safe to print: what every PDF (and the DOCX) does to a string before it is placed.

- Bidi control characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) are removed, so an
  "RTL override" typed into a name cannot reverse the text around it on paper.
- Emoji: no emoji-capable font is installed with the CJK font (``fc-list | grep -i emoji`` is empty on the
  servers), and Typst would print an empty box. Each emoji (with its joiners, skin tones and variation
  selectors) becomes the visible placeholder ``□`` (U+25A1, present in every CJK font); the text around it
  is kept. The stored value is never changed — only the printed copy.
- Long unbroken runs (credit codes, phone numbers, URLs, 3,000 characters without a space) are made
  breakable in the templates themselves (each character of a run of more than 12 non-CJK characters set in
  its own box: a Typst show rule in most templates, the function ``t()`` around every value in the 申报书's,
  which is cheaper to lay out — it looks each value up in the table ``long_runs()`` builds here, as a regex
  in Typst costs a fresh matcher per call; and ``narrow()`` for narrow table columns), so they wrap inside
  their cell instead of running over the next column or off the page. Boxes, not
  zero-width spaces: a zero-width space would be copied into the PDF's text (search and copy-paste of a
  credit code would fail, and Typst maps the digit's glyph to "digit + U+200B" everywhere in the file).
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = "□"

_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_EMOJI = re.compile(
    "(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299]"
    "[\U0001F3FB-\U0001F3FF\uFE0E\uFE0F\u20E3]*"
    "(?:\u200d[\U0001F000-\U0001FAFF\u2600-\u27BF][\U0001F3FB-\U0001F3FF\uFE0E\uFE0F]*)*)"
    "|[\U000E0020-\U000E007F\uFE0F]")  # tag characters (flag sequences) and stray variation selectors
# Keys whose values are file paths or identifiers for the engine, never printed text.
_VERBATIM_KEYS = frozenset({"path", "fonts", "image_path", "sha256"})


def printable(text: str) -> str:
    """``text`` as it is printed: bidi controls removed, emoji replaced by □."""
    return unprintable_removed(text)


def printable_data(value: Any, *, key: str = "") -> Any:
    """``printable`` applied to every string in a JSON-like structure except file paths."""
    if key in _VERBATIM_KEYS:
        return value
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: printable_data(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_data(v, key=key) for v in value]
    return value


# A run the templates split: 13 or more characters none of which is white space (Unicode White_Space), a Han
# ideograph (Script=Han) or CJK punctuation/full-width form (U+3000–303F, U+FF00–FFEF) — exactly the class
# ``[^\s\p{Han}\u3000-\u303F\uFF00-\uFFEF]`` the templates' Typst regex uses (checked code point by code point
# against Typst's regex engine; the ranges are Unicode 16's).
_RUN_BREAKERS = (
    "\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"  # White_Space
    "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufa6d\ufa70-\ufad9\uff00-\uffef\U00016fe2\U00016fe3\U00016ff0\U00016ff1"
    "\U00020000-\U0002a6df\U0002a700-\U0002b739\U0002b740-\U0002b81d\U0002b820-\U0002cea1"
    "\U0002ceb0-\U0002ebe0\U0002ebf0-\U0002ee5d\U0002f800-\U0002fa1d\U00030000-\U0003134a"
    "\U00031350-\U000323af")
LONG_RUN = re.compile(f"[^{_RUN_BREAKERS}]{{13,}}")


def long_runs(value: Any) -> dict[str, list[list[Any]]]:
    """Every string in a JSON-like structure (and every line of it) that holds a long run, cut into pieces
    ``[text, is_run]``: the 申报书 template sets each character of a run in its own box so it may wrap."""
    found: dict[str, list[list[Any]]] = {}

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            for v in item.values():
                visit(v)
        elif isinstance(item, list | tuple):
            for v in item:
                visit(v)
        elif item is None or isinstance(item, bool | float):
            return
        else:  # a string, or what t() prints with str(): an integer, or a value JSON writes with str()
            text = item if isinstance(item, str) else str(item)
            if len(text) < 13 or not LONG_RUN.search(text):
                return
            for line in (text, *text.split("\n")) if "\n" in text else (text,):
                if line not in found and (pieces := _pieces(line)):
                    found[line] = pieces

    visit(value)
    return found


def _pieces(text: str) -> list[list[Any]] | None:
    pieces: list[list[Any]] = []
    at = 0
    for match in LONG_RUN.finditer(text):
        if match.start() > at:
            pieces.append([text[at:match.start()], False])
        pieces.append([match.group(), True])
        at = match.end()
    if not pieces:
        return None
    if at < len(text):
        pieces.append([text[at:], False])
    return pieces


def unprintable_removed(text: str) -> str:
    """Bidi controls removed and emoji replaced by □."""
    text = _BIDI.sub("", text)
    return _EMOJI.sub(lambda m: "" if m.group(0) == "\ufe0f" or "\U000E0020" <= m.group(0)[0] <= "\U000E007F"
                      else PLACEHOLDER, text)


def without_bidi(value: Any) -> Any:
    """Bidi controls removed from every string in a JSON-like structure (the DOCX: Word has emoji fonts
    and wraps long runs itself, but an RTL override would still reverse the text around it)."""
    if isinstance(value, str):
        return _BIDI.sub("", value)
    if isinstance(value, dict):
        return {k: without_bidi(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_bidi(v) for v in value]
    return value

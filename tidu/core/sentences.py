"""Sentences stored with their source: written in Chinese, shown in the reader's language.

Text that is stored (a verdict's findings, a readiness snapshot, an import row's problems) is written once in
Chinese, and kept beside it as its source sentence: ``sentence("尚未填写%(name)s", name=...)`` is a Chinese msgid
(marked for the catalogue with ``gettext_noop`` where it is written) with its values. ``chinese()`` gives the
stored text without any translation machinery (the engine is plain Python and calls it for every check);
``render()`` gives the reader's language through gettext at display time. The format is the notices' own
(``tidu.notifications.messages``): ``{"m": msgid, "p": {name: value}}``, where a value is shown as written (a name,
a policy term, a number) unless it is ``{"t": source}`` (itself a Chinese msgid to translate), ``{"d": "2026-03-15"}``
(a date in the reader's form), ``{"l": [...]}`` (a list, joined as the reader's language joins lists) or a nested
sentence. Text stored before a source was kept has none and is shown as stored.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from tidu.core.dates import date_zh


def gettext_noop(message: str) -> str:
    """Marks a msgid for the catalogue (makemessages) without importing Django (the engine calls this module)."""
    return message


# The punctuation the display side translates (a finding's checks are joined with ； and end with 。).
PUNCTUATION = (gettext_noop("；"), gettext_noop("。"), gettext_noop("、"))


def sentence(msgid: str, /, **params: Any) -> dict[str, Any]:
    """One sentence: a Chinese msgid (mark it with gettext_noop) and its %(name)s values."""
    return {"m": msgid, "p": params} if params else {"m": msgid}


def term(source: str) -> dict[str, str]:
    """A value that is itself a Chinese msgid (a result word, a status label): translated when shown."""
    return {"t": str(source)}


def day(value: dt.date | str) -> dict[str, str]:
    """A date: 2026年3月15日 stored, the reader's form when shown."""
    return {"d": str(value)[:10]}


def items(values) -> dict[str, list]:
    """A list of values (names, codes, dates as written): joined with 、 stored, as the reader's language joins
    lists when shown."""
    return {"l": [str(v) for v in values]}


def _chinese_param(value: Any) -> Any:
    if type(value) is not dict:  # noqa: E721 — the common case (a plain value), checked first and cheaply
        return value
    return chinese_value(value)


def chinese_value(value: dict[str, Any]) -> Any:
    """The stored (Chinese) form of a value that is a dict: a sentence, a term, a date or a list."""
    if "m" in value:
        return chinese(value)
    if "t" in value:
        return value["t"]
    if "d" in value:
        return _date_zh(value["d"])
    if "l" in value:
        return "、".join(value["l"])
    return value


@functools.lru_cache(maxsize=1024)
def _date_zh(iso: str) -> str:  # the same few dates (the call's window, its look-back start) come back every time
    return date_zh(iso)


def chinese(message: Any) -> str:
    """The stored (Chinese) text of a sentence, without gettext; a plain string is returned as it is."""
    if type(message) is not dict:  # noqa: E721
        return str(message)
    params = message.get("p")
    if not params:
        return message["m"]
    return message["m"] % {name: _chinese_param(value) for name, value in params.items()}


def is_sentence(value: Any) -> bool:
    return isinstance(value, dict) and "m" in value


# --- display (Django) -------------------------------------------------------------------------------------------

def _param(value: Any) -> Any:
    from django.utils.translation import gettext

    if not isinstance(value, dict):
        return value
    if "m" in value:
        return render(value)
    if "t" in value:
        return gettext(value["t"])
    if "d" in value:
        from tidu.core.dates import date_local

        return date_local(value["d"])
    if "l" in value:
        return gettext("、").join(str(v) for v in value["l"])
    return value


def render(message: Any) -> str:
    """A sentence in the active language (a plain string, e.g. text stored without a source, as it is)."""
    if not is_sentence(message):
        return "" if message is None else str(message)
    from django.utils.translation import gettext

    translated = gettext(message["m"])
    params = message.get("p")
    if not params:
        return translated
    try:
        return translated % {name: _param(value) for name, value in params.items()}
    except (KeyError, ValueError, TypeError):  # a translation that does not fit its values: the source reads right
        return chinese(message)


def render_joined(parts: list[Any], separator: str = "；", end: str = "。") -> str:
    """Several sentences as one text (a finding's checks): joined and ended as the active language does."""
    from django.utils.translation import gettext

    return gettext(separator).join(render(part) for part in parts) + (gettext(end) if end else "")


def join(values) -> str:
    """A list as the active language writes it (、 in Chinese), for messages built at display time."""
    from django.utils.translation import gettext

    return gettext("、").join(str(v) for v in values)


def text_of(item: Any) -> str:
    """A stored message in the active language: ``item`` is a finding, a check or a problem (object or stored dict)
    with a Chinese ``message`` and, when it was kept, its source ``msg`` (one sentence, or a finding's list of
    sentences joined with ；and ended with 。). Without a source (stored before), or in Chinese, the stored text."""
    if isinstance(item, dict):
        message, msg = item.get("message", ""), item.get("msg")
    else:
        message, msg = getattr(item, "message", ""), getattr(item, "msg", None)
        if callable(msg):
            msg = msg()
    if not msg:
        return "" if message is None else str(message)
    from django.utils import translation

    if (translation.get_language() or "zh-hans").startswith("zh"):
        return "" if message is None else str(message)
    if isinstance(msg, list):
        return render_joined(msg)
    return render(msg)

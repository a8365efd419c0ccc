"""Notice texts that follow the reader's language.

A notice is written once, in Chinese (the e-mail, the SMS and the stored ``title``/``body``), and also kept as
its source sentences: ``text("您的申报“%(call)s”：%(action)s。", call=..., action=tr(label))`` is a Chinese
msgid (marked for the catalogue with ``gettext_noop``) with its values. The notices page renders that through
gettext at display time, so an English reader sees English; a value wrapped in ``tr()`` (a status word, a
section title) is itself translated, any other value (a name, a call title, an officer's words) is shown as
written. Notices stored before this existed have no source sentences and show as written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from tidu.core.dates import date_local, date_zh_weekday


def tr(value: Any) -> dict[str, str]:
    """A value that is itself a Chinese source string to translate when shown (e.g. a transition's label, a
    lazily translated section title: kept as its Chinese source)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {"t": str(value)}


def day(value, *, weekday: bool = False) -> dict[str, Any]:
    """A date, shown as the reader's language writes dates (2026年3月15日 / 15 Mar 2026); ``weekday``: with its
    day of the week, as a 公示 writes it (2026年4月3日（星期五） / 3 Apr 2026 (Friday))."""
    return {"d": str(value)[:10], "w": 1} if weekday else {"d": str(value)[:10]}


def text(msgid: str, **params: Any) -> dict[str, Any]:
    """One sentence: a Chinese msgid (mark it with gettext_noop) and its %(name)s values."""
    return {"m": msgid, "p": {name: value if isinstance(value, dict) else str(value) for name, value in params.items()}}


def _param(value: Any) -> str:
    if isinstance(value, dict) and "m" in value:  # a sentence within the sentence (made with ``text``)
        return render_one(value)
    if isinstance(value, dict) and "t" in value:
        return gettext(value["t"])
    if isinstance(value, dict) and "d" in value:
        if not value.get("w"):
            return date_local(value["d"])
        if (translation.get_language() or "").startswith("zh"):
            return date_zh_weekday(value["d"])
        return f"{date_local(value['d'])} ({date_format(dt.date.fromisoformat(value['d']), 'l')})"
    return str(value)


def render_one(message: Any) -> str:
    if isinstance(message, dict) and "m" in message:
        params = {name: _param(value) for name, value in (message.get("p") or {}).items()}
        translated = gettext(message["m"])
        return translated % params if params else translated
    return str(message)


def render(messages: Any) -> str:
    """A sentence (or a list of lines) in the active language."""
    if isinstance(messages, list):
        return "\n".join(render_one(line) for line in messages)
    return render_one(messages)


def in_chinese(messages: Any) -> str:
    """The stored (Chinese) text: what the e-mail and SMS say."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(messages)


def structured(value: Any) -> bool:
    return (isinstance(value, dict) and "m" in value) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value))

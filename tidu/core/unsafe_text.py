"""The boundary rule of tidu.core.text for what forms and operations do not see: query strings and paths.

A control character in a query string (a filter, a search, ``?next=``) or in the path is answered with a 400
page naming the parameter, before any view reads it. And should one slip past the forms and operations to the
database (PostgreSQL refuses NUL; no database encodes a lone surrogate), the person gets the same 400 page
instead of a server error — the transaction has rolled back, so nothing saved is lost.
"""

from __future__ import annotations

import logging

from django.db import DataError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tidu.core.text import CONTROL_CHARACTERS, control_character_paths, visible

logger = logging.getLogger(__name__)


def _page(request, message: str, details: list[str] | None = None):
    if request.path.startswith("/api/"):  # the HTTP API (tidu.api) answers in its own JSON error shape
        return JsonResponse({"detail": message, "problems": [{"field": d, "message": message} for d in details or []]},
                            status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "core/unsafe_text.html", {"message": message, "details": details or []}, status=400)


def is_unsafe_text_error(exception: BaseException) -> bool:
    if isinstance(exception, UnicodeEncodeError) and "surrogate" in str(exception):
        return True
    text = str(exception)
    return isinstance(exception, DataError | ValueError) and ("NUL" in text or "0x00" in text)


class UnsafeTextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL_CHARACTERS.search(request.path):
            return _page(request, _("网址中含有不可见的控制字符，请检查链接是否完整。"))
        names = [name for name in request.GET if control_character_paths([name, *request.GET.getlist(name)])]
        if names:
            return _page(request, _("查询条件中含有不可见的控制字符（多来自复制粘贴），请删除后再查询："),
                         [f"“{visible(name)}”" for name in names])
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_unsafe_text_error(exception):
            return None
        logger.warning("unsafe text reached the database on %s: %s", request.path, exception)
        return _page(request, _("提交的内容含有不可见的控制字符（多来自复制粘贴），未能保存。"
                                "请返回上一页，删除这些字符后再提交；已保存的内容没有改变。"))

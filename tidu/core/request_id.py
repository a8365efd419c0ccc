"""A request id for every request: set on the way in, echoed in the X-Request-ID header, written on audit rows.

Work outside a request (commands, jobs) gets an id of its own from ``new_request_id``.
"""

from __future__ import annotations

import contextvars
import re
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("tidu_request_id", default="")
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _current.get()


# The personal access token (tidu.api) a request authenticated with, if any: written on its audit rows.
_api_token: contextvars.ContextVar[int | None] = contextvars.ContextVar("tidu_api_token", default=None)


def current_api_token() -> int | None:
    return _api_token.get()


def set_api_token(token_id: int | None) -> contextvars.Token:
    return _api_token.set(token_id)


def reset_api_token(token: contextvars.Token) -> None:
    _api_token.reset(token)


def new_request_id() -> str:
    value = uuid.uuid4().hex
    _current.set(value)
    return value


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy (nginx sets $request_id) or makes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        value = incoming if _ACCEPTED.match(incoming) else uuid.uuid4().hex
        token = _current.set(value)
        request.request_id = value
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = value
        return response

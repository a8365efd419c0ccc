"""Around every /api/ request: log the call with its token id, and forget the token afterwards (the audit rows'
``api_token`` comes from a context variable that must not outlive the request on a reused worker thread)."""

from __future__ import annotations

import logging

from tidu.core.request_id import reset_api_token, set_api_token

logger = logging.getLogger("tidu.api")


class ApiCallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        marker = set_api_token(None)
        try:
            response = self.get_response(request)
        finally:
            reset_api_token(marker)
        token = getattr(request, "api_token", None)
        logger.info("api %s %s -> %s token=%s user=%s", request.method, request.path, response.status_code,
                    token.pk if token else "-", token.user_id if token else "-")
        return response

"""Around every /api/ request: log the call, audit it with its token id, and forget the token afterwards (the audit
rows' ``api_token`` comes from a context variable that must not outlive the request on a reused worker thread).

Every call made with an identified token (valid, or refused as expired/revoked, out of scope, not found …) gets
one audit row: an action through the operations layer already wrote its own row (with ``detail.api_token``); any
other call — every read, an evaluation, a refused action — gets one compact ``api.read`` / ``api.call`` row here:
the token id, method, path, status code and the object read (its kind and id from the URL), or for a list the ids
it returned. One row per call, no bodies: the table grows with the rate-limited call count, not with data size.
"""

from __future__ import annotations

import logging

from tidu.core.operations import AuditRecord, write_audit
from tidu.core.request_id import current_request_id, reset_api_token, set_api_token

logger = logging.getLogger("tidu.api")

READ_ACTION = "api.read"    # a GET with a token
CALL_ACTION = "api.call"    # any other method that wrote no operation row (evaluate, a refused action)

# The object a URL names, by its path parameter (the first found wins: the most specific is listed first).
OBJECT_KINDS = (("submission_id", "submission"), ("document_id", "document"), ("batch_id", "batch_run"),
                ("assignment_id", "assignment"), ("check_id", "onsite_check"), ("publicity_id", "publicity"),
                ("application_id", "application"), ("enterprise_id", "enterprise"), ("call_id", "call"))
MAX_QUERY = 300


def _named_object(request) -> tuple[str, str]:
    kwargs = getattr(getattr(request, "resolver_match", None), "kwargs", None) or {}
    for name, kind in OBJECT_KINDS:
        if name in kwargs:
            return kind, str(kwargs[name])[:64]
    return "api", ""


def _wrote_operation_row(token_id: int) -> bool:
    from tidu.core.models import AuditEntry

    return AuditEntry.objects.filter(request_id=current_request_id(), detail__api_token=token_id).exclude(
        action__in=(READ_ACTION, CALL_ACTION)).exists()


def audit_call(request, response) -> None:
    token = getattr(request, "api_token", None)
    if token is None or response.status_code == 429:  # past the rate limit: logged only, so a flood adds no rows
        return
    if request.method not in ("GET", "HEAD") and _wrote_operation_row(token.pk):
        return
    kind, object_id = _named_object(request)
    detail = {"method": request.method, "path": request.path[:300], "status": response.status_code}
    query = request.META.get("QUERY_STRING", "")
    if query:
        detail["query"] = query[:MAX_QUERY]
    listed = getattr(request, "api_listed", None)
    if listed is not None:
        detail["listed"] = {"kind": listed[0], "ids": list(listed[1])}
    write_audit(token.user, AuditRecord(object_type=kind, object_id=object_id,
                                        action=READ_ACTION if request.method in ("GET", "HEAD") else CALL_ACTION,
                                        reason=f"{request.method} {request.path[:200]} → {response.status_code}",
                                        detail=detail))


class ApiCallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        marker = set_api_token(None)
        try:
            response = self.get_response(request)
            token = getattr(request, "api_token", None)
            if token is not None:
                set_api_token(token.pk)  # the row carries the token id, whatever the view did with the variable
                audit_call(request, response)
        finally:
            reset_api_token(marker)
        logger.info("api %s %s -> %s token=%s user=%s", request.method, request.path, response.status_code,
                    token.pk if token else "-", token.user_id if token else "-")
        return response

"""The check the API fuzz makes on every answer (tests and CI): no object outside the caller's visibility.

Reads the ids an API response holds and compares them with the selectors' answer for the token's user.
"""

from __future__ import annotations

from tidu.applications.selectors import applications_visible_to, submissions_visible_to
from tidu.documents.selectors import documents_visible_to
from tidu.enterprises.selectors import enterprises_visible_to
from tidu.experts.selectors import assignments_visible_to
from tidu.onsite.selectors import checks_visible_to
from tidu.publicity.selectors import publicities_visible_to
from tidu.review.selectors import batch_runs_visible_to, lists_visible_to

KINDS = ("application", "enterprise", "submission", "document", "onsite_check", "assignment", "batch_run",
         "publicity", "recommendation_list")


def kind_of(path: str) -> str:
    """The kind of object a read of ``path`` returns ("" for none the check knows)."""
    if path.startswith("/api/enterprises"):
        return "enterprise"
    for marker, kind in (("/documents", "document"), ("submissions", "submission"), ("onsite-checks", "onsite_check"),
                         ("/assignments", "assignment"), ("/batches", "batch_run"), ("publicities", "publicity"),
                         ("recommendation-lists", "recommendation_list")):
        if marker in path:
            return kind
    return "application" if path.startswith("/api/applications") else ""


def returned_ids(path: str, body) -> dict[str, set[int]]:
    """The ids of the objects a response of ``path`` holds, by kind (an action's answer is not a read)."""
    found: dict[str, set[int]] = {kind: set() for kind in KINDS}
    if not isinstance(body, dict | list):
        return found
    items = body.get("items") if isinstance(body, dict) and "items" in body and "action" not in body else body
    items = items if isinstance(items, list) else [items]
    kind = kind_of(path)
    for item in items:
        if not kind or not isinstance(item, dict) or "id" not in item or "audit_id" in item:
            continue
        found[kind].add(item["id"])
        if kind == "application" and isinstance(item.get("enterprise"), dict):
            found["enterprise"].add(item["enterprise"]["id"])
        if kind in ("onsite_check", "assignment") and isinstance(item.get("application_id"), int):
            found["application"].add(item["application_id"])
        if kind == "recommendation_list":
            found["application"].update(e["application_id"] for e in item.get("entries", []) if isinstance(e, dict))
    return found


def outside_visibility(user, path: str, body) -> dict[str, list[int]]:
    """{kind: [ids]} of the objects in the answer that ``user`` may not see (empty: all is well)."""
    allowed = {"application": applications_visible_to(user), "enterprise": enterprises_visible_to(user),
               "submission": submissions_visible_to(user), "document": documents_visible_to(user),
               "onsite_check": checks_visible_to(user), "assignment": assignments_visible_to(user),
               "batch_run": batch_runs_visible_to(user), "publicity": publicities_visible_to(user),
               "recommendation_list": lists_visible_to(user)}
    outside = {}
    for kind, ids in returned_ids(path, body).items():
        if ids:
            extra = ids - set(allowed[kind].filter(pk__in=ids).values_list("pk", flat=True))
            if extra:
                outside[kind] = sorted(extra)
    return outside

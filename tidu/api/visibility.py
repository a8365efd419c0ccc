"""The check the API fuzz makes on every answer (tests and CI): no object outside the caller's visibility.

Reads the ids an API response holds and compares them with the selectors' answer for the token's user.
"""

from __future__ import annotations

from tidu.applications.selectors import applications_visible_to, submissions_visible_to
from tidu.documents.selectors import documents_visible_to
from tidu.enterprises.selectors import enterprises_visible_to


def returned_ids(path: str, body) -> dict[str, set[int]]:
    """The ids of the objects a response of ``path`` holds, by kind (an action's answer is not a read)."""
    found: dict[str, set[int]] = {"application": set(), "enterprise": set(), "submission": set(), "document": set()}
    if not isinstance(body, dict | list):
        return found
    items = body.get("items") if isinstance(body, dict) and "items" in body else body
    items = items if isinstance(items, list) else [items]
    kind = ("enterprise" if path.startswith("/api/enterprises") else "document" if path.endswith("/documents")
            else "submission" if "submissions" in path else "application" if path.startswith("/api/applications")
            else "")
    for item in items:
        if not kind or not isinstance(item, dict) or "id" not in item or "audit_id" in item:
            continue
        found[kind].add(item["id"])
        if kind == "application" and isinstance(item.get("enterprise"), dict):
            found["enterprise"].add(item["enterprise"]["id"])
    return found


def outside_visibility(user, path: str, body) -> dict[str, list[int]]:
    """{kind: [ids]} of the objects in the answer that ``user`` may not see (empty: all is well)."""
    allowed = {"application": applications_visible_to(user), "enterprise": enterprises_visible_to(user),
               "submission": submissions_visible_to(user), "document": documents_visible_to(user)}
    outside = {}
    for kind, ids in returned_ids(path, body).items():
        if ids:
            extra = ids - set(allowed[kind].filter(pk__in=ids).values_list("pk", flat=True))
            if extra:
                outside[kind] = sorted(extra)
    return outside

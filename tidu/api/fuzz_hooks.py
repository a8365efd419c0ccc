"""schemathesis hooks for the CI fuzz against the live server (``SCHEMATHESIS_HOOKS=tidu.api.fuzz_hooks``).

Adds the check ``within_visibility``: every object an answer holds is one the token's user may see, asked of
the selectors on the server's own database (the CI exports its DATABASE_URL and settings to this process).
"""

from __future__ import annotations

import os

import django
import schemathesis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")
django.setup()

from tidu.api import selectors  # noqa: E402
from tidu.api.visibility import outside_visibility  # noqa: E402


@schemathesis.check
def within_visibility(ctx, response, case):
    if response.status_code != 200 or "json" not in (response.headers.get("Content-Type") or [""])[0]:
        return None
    header = response.request.headers.get("Authorization", "")
    token = selectors.authenticate(header.removeprefix("Bearer "))
    if token is None:
        return None
    outside = outside_visibility(token.user, case.formatted_path, response.json())
    if outside:
        raise AssertionError(f"{token.user.username} received objects outside its visibility: {outside}")
    return True

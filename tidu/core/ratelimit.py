"""A small per-key rate limit kept in the database (shared by every application server, unlike a local cache).

``allow(scope, key, limit=…, window=…)`` records one use of ``scope`` by ``key`` (an address, a normalised
e-mail) and answers False — recording nothing — when ``limit`` uses already fall within ``window``. Used for
password-reset requests (per address and per account), e-mail unlock requests and enterprise registration.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tidu.core.models import RateLimitHit


def allow(scope: str, key: str, *, limit: int, window: timedelta) -> bool:
    now = timezone.now()
    key = (key or "")[:200]
    with transaction.atomic():
        RateLimitHit.objects.filter(scope=scope, created_at__lt=now - window).delete()
        if limit <= 0:
            return True  # 0 switches the limit off
        if RateLimitHit.objects.filter(scope=scope, key=key, created_at__gte=now - window).count() >= limit:
            return False
        RateLimitHit.objects.create(scope=scope, key=key, created_at=now)
    return True

"""The client's address, trusting a forwarded-for header only as far as the configured proxies vouch for it.

A client can send any ``X-Forwarded-For`` it likes; each trusted proxy *appends* the address it saw. So the
client's real address is the N-th entry from the right, where N is the number of trusted proxies in front of
the application (nginx alone: 1). Taking the leftmost entry, as before, let anyone pick their own address and
walk past a per-address limit.

Settings: ``TIDU_TRUSTED_PROXIES`` (how many proxies append to the header; 0 = use REMOTE_ADDR only) and
``TIDU_CLIENT_IP_HEADER`` (the META key, default ``HTTP_X_FORWARDED_FOR``).
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "TIDU_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    header = getattr(settings, "TIDU_CLIENT_IP_HEADER", "") or "HTTP_X_FORWARDED_FOR"
    hops = [part.strip() for part in request.META.get(header, "").split(",") if part.strip()]
    if len(hops) < proxies:
        return remote  # fewer hops than proxies: the header did not come through them all
    return hops[-proxies]

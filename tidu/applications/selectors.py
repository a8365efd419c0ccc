"""Reads of applications, always scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from tidu.applications.models import Application
from tidu.enterprises.selectors import enterprises_visible_to


def applications_visible_to(user) -> QuerySet[Application]:
    if not user.is_authenticated or user.role == "expert":
        return Application.objects.none()
    return (Application.objects.filter(enterprise__in=enterprises_visible_to(user))
            .select_related("enterprise__organisation__parent", "call"))

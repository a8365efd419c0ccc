"""Reads for the 公示 pages. The public ones never touch applications: only the frozen entry fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from tidu.accounts.permissions import is_city_user
from tidu.policy.models import Call
from tidu.publicity.models import PHASE_LABELS, Objection, Publicity, PublicityEntry

# What a visitor may see of an entry. No contact details, scores, KPIs or review opinions.
PUBLIC_ENTRY_FIELDS = ("id", "publicity_id", "position", "enterprise_name", "credit_code", "project_name",
                       "unit_name", "tier_label")


@dataclass
class PublicNotice:
    publicity: Publicity
    phase: str
    entries: list[PublicityEntry]

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def is_finalised(self) -> bool:
        return self.phase == "finalised"

    @property
    def accepts_objections(self) -> bool:
        return self.phase == "open"

    @property
    def is_current(self) -> bool:
        return self.phase in ("upcoming", "open")

    @property
    def final_entries(self) -> list[dict]:
        snapshot = self.publicity.final_snapshot or {}
        return snapshot.get("entries", [])


def public_publicities() -> QuerySet[Publicity]:
    entries = PublicityEntry.objects.only(*PUBLIC_ENTRY_FIELDS).order_by("position", "id")
    return (Publicity.objects.exclude(status=Publicity.Status.DRAFT).select_related("call")
            .prefetch_related(Prefetch("entries", queryset=entries)).order_by("-start_date", "-id"))


def public_notices(today: dt.date) -> list[PublicNotice]:
    return [PublicNotice(p, p.phase(today), list(p.entries.all())) for p in public_publicities()]


def public_notice(pk: int, today: dt.date) -> PublicNotice | None:
    publicity = public_publicities().filter(pk=pk).first()
    if publicity is None:
        return None
    return PublicNotice(publicity, publicity.phase(today), list(publicity.entries.all()))


def publicities_visible_to(user) -> QuerySet[Publicity]:
    """The internal side of 公示 (drafts, entries with their applications, objections): the city only.
    Everyone, anonymous included, sees the published notices through ``public_publicities``."""
    return Publicity.objects.all() if is_city_user(user) else Publicity.objects.none()


def can_view_publicity(user, publicity: Publicity, *, internal: bool = False) -> bool:
    if is_city_user(user):
        return True
    return not internal and publicity.status != Publicity.Status.DRAFT


def final_list_publicities() -> QuerySet[Publicity]:
    """The published 认定名单 (CSV/XLSX) exists, for everyone, once a 公示 is finalised."""
    return Publicity.objects.filter(status=Publicity.Status.FINALISED)


def objections_visible_to(user) -> QuerySet[Objection]:
    """Objections (the objector's name, phone, attachment) are for the city only."""
    return Objection.objects.all() if is_city_user(user) else Objection.objects.none()


def can_view_objection(user, objection: Objection) -> bool:
    return is_city_user(user)


def manage_publicities() -> QuerySet[Publicity]:
    return (Publicity.objects.select_related("call")
            .annotate(entry_count=Count("entries", distinct=True),
                      objection_count=Count("objections", distinct=True),
                      pending_count=Count("objections", filter=Q(objections__outcome=""), distinct=True))
            .order_by("-start_date", "-id"))


def publicity_entries(publicity: Publicity) -> list[PublicityEntry]:
    return list(publicity.entries.select_related("application__enterprise__organisation__parent")
                .annotate(objection_count=Count("objections")).order_by("position", "id"))


def publicity_objections(publicity: Publicity) -> list[Objection]:
    return list(publicity.objections.select_related("entry", "handled_by").order_by("submitted_at", "id"))


def call_final_publicities(call) -> list[Publicity]:
    """The call's finalised 公示 batches in batch order (公示开始日期, then creation): the call's 认定名单 is
    built from their frozen snapshots. Public, like each batch's own 认定名单."""
    return list(final_list_publicities().filter(call=call).order_by("start_date", "id"))


def calls_with_final_list() -> QuerySet:
    """The calls that have a published 认定名单 (at least one finalised batch), for the public pages."""
    return Call.objects.filter(publicities__status=Publicity.Status.FINALISED).distinct().order_by("-year", "code")

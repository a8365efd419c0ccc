"""Business rules of 公示 (public notice), objections (异议) and recognition (认定) — the functions pages,
the demo, commands and tests call.

The city drafts a 公示 for a call and picks the applications whose on-site verification is done;
publishing moves each of them to 拟认定 (``application_transition`` "propose") and freezes what the
public sees. During the period (start date to end date inclusive, 北京时间) anyone may lodge an
objection on the public page. The city records the investigation and outcome of every objection; an
upheld objection lets it reject that entry ("reject"). After the end date, once every objection is
handled, finalising recognises every remaining entry ("recognise") and freezes the 认定名单 as a
JSON snapshot from which every export is built.

Every change of state is an operation of ``tidu.publicity.operations`` (checked, locked, one audit row);
the functions here are thin wrappers keeping their signatures. The rules that change nothing live in
``rules`` and are re-exported here for the existing callers.
"""

from __future__ import annotations

import datetime as dt

from tidu.policy.models import Call
from tidu.publicity.errors import AttachmentRejected, ObjectionClosed, ObjectionRateLimited, PublicityError
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry
from tidu.publicity.operations import run
from tidu.publicity.rules import (
    ATTACHMENT_RULES,
    BEIJING,
    CANDIDATE_STATES,
    EDITABLE_FIELDS,
    FINAL_COLUMNS,
    FINAL_FORMAT,
    OBJECTION_MAX_CHARS,
    OBJECTION_MIN_CHARS,
    attachment_max_bytes,
    business_today,
    canonical_json,
    check_attachment,
    client_digest,
    compute_period,
    date_text,
    default_contact_office,
    default_title,
    entry_display,
    final_list_title,
    finalise_blockers,
    objection_daily_limit,
    objection_window_message,
    objections_today_from,
    publicity_candidates,
    size_text,
)

__all__ = [
    "ATTACHMENT_RULES", "BEIJING", "CANDIDATE_STATES", "EDITABLE_FIELDS", "FINAL_COLUMNS", "FINAL_FORMAT",
    "OBJECTION_MAX_CHARS", "OBJECTION_MIN_CHARS", "AttachmentRejected", "ObjectionClosed", "ObjectionRateLimited",
    "PublicityError", "attachment_max_bytes", "business_today", "calendar_day_add", "calendar_day_delete",
    "canonical_json", "check_attachment", "client_digest", "compute_period", "date_text", "default_contact_office",
    "default_title", "entry_display", "entry_reject", "final_list_title", "finalise_blockers",
    "objection_daily_limit", "objection_handle", "objection_submit", "objection_window_message",
    "objections_today_from", "publicity_add_entries", "publicity_candidates", "publicity_close_expired",
    "publicity_create", "publicity_delete", "publicity_finalise", "publicity_publish", "publicity_remove_entry",
    "publicity_update", "size_text",
]


# --- the working-day calendar --------------------------------------------------------------------

def calendar_day_add(*, day: dt.date, kind: str, note: str, user) -> CalendarDay:
    return run("calendar_day.set", CalendarDay(date=day, kind=kind, note=note), user)


def calendar_day_delete(*, row: CalendarDay, user) -> None:
    run("calendar_day.delete", row, user)


# --- drafting a 公示 -------------------------------------------------------------------------------

def publicity_create(*, call: Call, user, **fields) -> Publicity:
    return run("publicity.create", call, user, **fields)


def publicity_update(*, publicity: Publicity, user, **fields) -> Publicity:
    return run("publicity.update", publicity, user, **fields)


def publicity_delete(*, publicity: Publicity, user) -> None:
    run("publicity.delete", publicity, user)


def publicity_add_entries(*, publicity: Publicity, application_ids: list[int], user) -> list[PublicityEntry]:
    return run("publicity.add_entries", publicity, user, application_ids=application_ids)


def publicity_remove_entry(*, entry: PublicityEntry, user) -> None:
    run("publicity.remove_entry", Publicity(pk=entry.publicity_id), user, entry=entry)


def publicity_publish(*, publicity: Publicity, user, now: dt.datetime | None = None) -> Publicity:
    """Publish: check everything, freeze the list and the period, and move every entry to 拟认定."""
    return run("publicity.publish", publicity, user, now=now)


def publicity_close_expired(*, now: dt.datetime | None = None) -> list[Publicity]:
    """Mark published notices whose period is over as closed and tell the city (for a daily job).

    Pages never rely on this: ``Publicity.phase`` judges open/closed from the dates themselves.
    """
    today = business_today(now)
    closed = []
    for publicity in Publicity.objects.filter(status=Publicity.Status.PUBLISHED, end_date__lt=today):
        try:
            closed.append(run("publicity.close", publicity, None, now=now))
        except PublicityError:
            continue  # closed (or finalised) meanwhile
    return closed


# --- objections ------------------------------------------------------------------------------------

def objection_submit(*, publicity: Publicity, entry: PublicityEntry, name: str, phone: str, email: str,
                     content: str, client_address: str, upload=None, now: dt.datetime | None = None,
                     user=None) -> Objection:
    """Store an objection lodged on the public page and tell the city. Raises when closed or over the limit.

    ``user`` is the visitor's account when logged in; anonymous (the public) otherwise."""
    return run("objection.submit", publicity, user, entry=entry, name=name, phone=phone, email=email,
               content=content, client_address=client_address, upload=upload, now=now)


def objection_handle(*, objection: Objection, user, investigation: str, outcome: str, reply: str) -> Objection:
    """Record the investigation and outcome of an objection (once); e-mail the reply when an address was given."""
    return run("objection.decide", objection, user, investigation=investigation, outcome=outcome, reply=reply)


def entry_reject(*, objection: Objection, user, reason: str) -> PublicityEntry:
    """Upon an upheld objection: 不予认定 for the entry it concerns (application_transition "reject")."""
    return run("publicity_entry.reject", objection, user, reason=reason)


# --- finalising ------------------------------------------------------------------------------------

def publicity_finalise(*, publicity: Publicity, user, now: dt.datetime | None = None) -> Publicity:
    """Recognise every remaining entry and publish the 认定名单, frozen as a snapshot."""
    return run("publicity.finalise", publicity, user, now=now)

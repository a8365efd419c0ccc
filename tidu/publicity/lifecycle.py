"""The lifecycles of 公示, its entries, objections (异议) and the working-day calendar, as data.

Same form as ``tidu.applications.workflow``: states, and a table of transitions naming who may move an
object from which states to which. Each row is one operation of ``tidu.publicity.operations`` (its
``name`` is the row's ``action``); the operation reads roles and source states from here, so no view,
template or service decides on its own who may do what.

``NEW`` is the state of an object that does not exist yet (creation); ``GONE`` the state of one deleted.
``PUBLIC`` is the pseudo-role of a visitor who is not logged in (an objection is lodged on the public page);
``SYSTEM`` the pseudo-role of the daily job that closes notices whose period is over. Neither is a role a
user account can hold: the operations that accept them map the actor themselves (see operations.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from tidu.accounts.lifecycle import PUBLIC, SYSTEM

NEW = ""
GONE = "deleted"
CITY_ROLES = ("city", "admin")  # 市经信局经办人; 系统管理员 acts with the same reach (as on the 公示 pages)
EVERY_ROLE = ("enterprise", "township", "city", "expert", "admin")


class PublicityState:
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # 公示期满 (marked by the daily job; pages judge the period from the dates themselves)
    FINALISED = "finalised"  # 已认定并公布名单


class EntryState:
    PENDING = "pending"
    PROPOSED = "proposed"
    RECOGNISED = "recognised"
    REJECTED = "rejected"


class ObjectionState:
    RECEIVED = "received"  # lodged, not handled yet (stored as an empty outcome)
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    DECIDED = "@outcome"  # the target is the outcome the city records


class CalendarState:
    HOLIDAY = "holiday"
    WORKDAY = "workday"
    SET = "@kind"  # the target is the kind entered


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False


P, E, OB, C = PublicityState, EntryState, ObjectionState, CalendarState

TRANSITIONS: tuple[Transition, ...] = (
    # 公示
    Transition("publicity.create", gettext_noop("新建公示"), (NEW,), P.DRAFT, CITY_ROLES),
    Transition("publicity.update", gettext_noop("修改公示信息"), (P.DRAFT,), P.DRAFT, CITY_ROLES),
    Transition("publicity.add_entries", gettext_noop("列入公示名单"), (P.DRAFT,), P.DRAFT, CITY_ROLES),
    Transition("publicity.remove_entry", gettext_noop("移出公示名单"), (P.DRAFT,), P.DRAFT, CITY_ROLES),
    Transition("publicity.delete", gettext_noop("删除草稿"), (P.DRAFT,), GONE, CITY_ROLES),
    Transition("publicity.publish", gettext_noop("发布公示"), (P.DRAFT,), P.PUBLISHED, CITY_ROLES),
    Transition("publicity.close", gettext_noop("公示期满"), (P.PUBLISHED,), P.CLOSED, (SYSTEM, *CITY_ROLES)),
    Transition("publicity.finalise", gettext_noop("认定并公布认定名单"), (P.PUBLISHED, P.CLOSED), P.FINALISED,
               CITY_ROLES),
    # An entry of a published 公示, upon an upheld objection
    Transition("publicity_entry.reject", gettext_noop("不予认定"), (E.PROPOSED,), E.REJECTED, CITY_ROLES,
               needs_reason=True),
    # 异议
    Transition("objection.submit", gettext_noop("提出异议"), (NEW,), OB.RECEIVED, (PUBLIC, *EVERY_ROLE)),
    Transition("objection.decide", gettext_noop("记录处理结果"), (OB.RECEIVED,), OB.DECIDED, CITY_ROLES),
    # 节假日与调休
    Transition("calendar_day.set", gettext_noop("录入节假日或调休"), (NEW,), C.SET, CITY_ROLES),
    Transition("calendar_day.delete", gettext_noop("删除节假日或调休"), (C.HOLIDAY, C.WORKDAY), GONE, CITY_ROLES),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


def transition(action: str) -> Transition:
    return TRANSITIONS_BY_ACTION[action]

"""The township's 推荐名单 through the API: read, create, add, 推荐意见 and order, remove, sign, send; the city's
退回修改. Each endpoint is a thin door onto the list operation the pages use (``tidu.review.operations``): the
list is found through ``review.selectors.lists_visible_to`` (another unit's list: 404), the operation's ``check()``
answers (403 / 409 with its Chinese reason) and ``execute()`` writes the one audit row with ``detail.api_token``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_noop
from ninja import Router, Schema
from pydantic import Field

from tidu.accounts.permissions import unit_of
from tidu.api.actions import MAX_BATCH, ObjectId, _run_operation, visible_applications
from tidu.api.api import ERRORS, OPTIONAL_BODY, READ_ERRORS, ActionOut, ApiError, _idempotent, _listed, need
from tidu.api.models import Scope
from tidu.policy.models import Call
from tidu.review import operations as review_ops
from tidu.review import selectors as review_selectors

router = Router(tags=["推荐名单"])


class ListEntryOut(Schema):
    id: int
    application_id: int
    enterprise: str
    priority: int
    opinion: str


class RecommendationListOut(Schema):
    id: int
    call: str
    unit: str
    status: str
    status_label: str
    signed_at: dt.datetime | None
    sent_at: dt.datetime | None
    snapshot_sha256: str
    entries: list[ListEntryOut]


def _list_out(rlist) -> dict:
    entries = rlist.entries.select_related("application__enterprise").order_by("priority", "pk")
    return {"id": rlist.pk, "call": rlist.call.code, "unit": rlist.unit.name, "status": rlist.status,
            "status_label": rlist.get_status_display(), "signed_at": rlist.signed_at, "sent_at": rlist.sent_at,
            "snapshot_sha256": rlist.snapshot_sha256 or "",
            "entries": [{"id": e.pk, "application_id": e.application_id, "enterprise": e.application.enterprise.name,
                         "priority": e.priority, "opinion": e.opinion} for e in entries]}


def _visible_list(request, list_id: int):
    return get_object_or_404(review_selectors.lists_visible_to(request.user), pk=list_id)


@router.get("/calls/{call_id}/recommendation-lists", response={200: list[RecommendationListOut], **READ_ERRORS},
            summary=gettext_noop("一个批次的推荐名单（乡镇：本单位的；市经信局：全部）"))
def call_lists(request, call_id: int):
    need(request, Scope.READ)
    call = get_object_or_404(Call, pk=call_id)
    rows = _listed(request, "recommendation_list", review_selectors.lists_visible_to(request.user)
                   .filter(call=call).order_by("unit__name", "pk"))
    return [_list_out(rlist) for rlist in rows]


@router.get("/recommendation-lists/{list_id}", response={200: RecommendationListOut, **READ_ERRORS},
            summary=gettext_noop("一份推荐名单及其排序和推荐意见"))
def list_detail(request, list_id: int):
    need(request, Scope.READ)
    return _list_out(_visible_list(request, list_id))


@router.post("/calls/{call_id}/recommendation-lists", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("建立本单位的推荐名单"),
             description=gettext_noop("乡镇（办事处、农场、开发区）为本单位建立该批次的推荐名单（草稿）。"
                                      "需要 township:act 权限范围。"))
def list_create(request, call_id: int):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        call = get_object_or_404(Call, pk=call_id)
        unit = unit_of(request.user)
        if unit is None:
            raise ApiError(403, gettext("只有乡镇（办事处、农场、开发区）的经办人可以建立推荐名单"))
        return _run_operation(request, review_ops.CreateList(unit, call=call), name="create")

    return _idempotent(request, run)


class ListEntriesIn(Schema):
    application_ids: list[ObjectId] = Field(min_length=1, max_length=MAX_BATCH,
                                            description=gettext_noop("按推荐顺序排列的申报编号"))


@router.post("/recommendation-lists/{list_id}/entries", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("列入推荐名单"),
             description=gettext_noop("按所给顺序列于名单末尾；全部可列入才列入。需要 township:act 权限范围。"))
def list_add(request, list_id: int, payload: ListEntriesIn):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        rlist = _visible_list(request, list_id)
        wanted = list(dict.fromkeys(payload.application_ids))
        visible = visible_applications(request, wanted)
        op = review_ops.AddEntries(rlist, applications=[visible[pk] for pk in wanted])
        return _run_operation(request, op, name="add")

    return _idempotent(request, run)


class ListEditIn(Schema):
    order: list[ObjectId] = Field(min_length=1, max_length=MAX_BATCH,
                                  description=gettext_noop("名单上全部条目的编号，按新的推荐顺序"))
    opinions: dict[str, str] = Field(default_factory=dict,
                                     description=gettext_noop("条目编号 → 推荐意见（未列出的不变）"))


@router.post("/recommendation-lists/{list_id}/edit", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("调整推荐顺序或推荐意见"),
             description=gettext_noop("需要 township:act 权限范围。"))
def list_edit(request, list_id: int, payload: ListEditIn):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        rlist = _visible_list(request, list_id)
        try:
            opinions = {int(key): value for key, value in payload.opinions.items()}
        except ValueError:
            raise ApiError(422, gettext("请求参数有误。"), [{"field": "opinions",
                                                         "message": gettext("推荐意见须以条目编号为键")}]) from None
        if any(len(value) > 2000 for value in opinions.values()):
            raise ApiError(422, gettext("请求参数有误。"), [{"field": "opinions",
                                                         "message": gettext("推荐意见不超过 2000 字")}])
        step = review_ops.EditEntries if opinions else review_ops.ReorderEntries
        op = step(rlist, order=list(payload.order), opinions=opinions)
        return _run_operation(request, op, name=op.action)

    return _idempotent(request, run)


@router.post("/recommendation-lists/{list_id}/entries/{entry_id}/remove", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("移出推荐名单"), description=gettext_noop("需要 township:act 权限范围。"))
def list_remove(request, list_id: int, entry_id: int):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        rlist = _visible_list(request, list_id)
        get_object_or_404(rlist.entries, pk=entry_id)
        return _run_operation(request, review_ops.RemoveEntry(rlist, entry_id=entry_id), name="remove")

    return _idempotent(request, run)


class ListActionIn(Schema):
    reason: str = Field("", max_length=2000, description=gettext_noop("退回修改的原因（市经信局）"))


LIST_ACTIONS = {"sign": (review_ops.SignList, Scope.TOWNSHIP_ACT), "unsign": (review_ops.UnsignList, Scope.TOWNSHIP_ACT),
                "send": (review_ops.SendList, Scope.TOWNSHIP_ACT), "reopen": (review_ops.ReopenList, Scope.CITY_ACT)}


@router.post("/recommendation-lists/{list_id}/actions/{action}", response={200: ActionOut, **ERRORS},
             summary=gettext_noop("签发、撤销签发、报送推荐名单；市经信局退回修改"),
             description=gettext_noop("`sign`：签发（冻结名单并留存摘要）；`unsign`：撤销签发；`send`：报送市经信局"
                                      "（截止前）——需要 township:act 权限范围。`reopen`：市经信局退回修改（须写原因）"
                                      "——需要 city:act 权限范围。"))
def list_action(request, list_id: int, action: Literal["sign", "unsign", "send", "reopen"],
                payload: ListActionIn = OPTIONAL_BODY):
    operation_class, scope = LIST_ACTIONS[action]
    need(request, scope)
    payload = payload or ListActionIn()

    def run():
        rlist = _visible_list(request, list_id)
        params = {"reason": payload.reason} if action == "reopen" else {}
        return _run_operation(request, operation_class(rlist, **params), name=action)

    return _idempotent(request, run)

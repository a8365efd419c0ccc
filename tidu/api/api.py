"""The HTTP API (django-ninja): OpenAPI 3 at /api/openapi.json, its documentation at /api/docs.

Every endpoint authenticates a personal access token (Bearer), checks the token's scope, reads through the
domain's selectors (visibility) and changes state only through the operations layer — the same ``check()``,
the same audit row as the page (plus the token id, ``tidu.core.request_id.current_api_token``). POSTs honour
an ``Idempotency-Key`` header. Errors are JSON ``{"detail": …, "problems": [...]}`` in Chinese, never a 500
for bad input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from ninja import Body, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import HttpError as NinjaHttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import Field

from tidu.api import selectors as token_selectors
from tidu.api.models import IdempotentResponse, Scope
from tidu.applications import selectors as application_selectors
from tidu.applications import services as application_services
from tidu.applications.workflow import TRANSITIONS_BY_ACTION
from tidu.core import ratelimit
from tidu.core.dates import date_zh
from tidu.core.errors import TiduError
from tidu.core.request_id import set_api_token
from tidu.documents import selectors as document_selectors
from tidu.eligibility import interchange
from tidu.eligibility.engine import evaluate
from tidu.enterprises import selectors as enterprise_selectors
from tidu.enterprises import services as enterprise_services
from tidu.policy.loader import PackError
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

logger = logging.getLogger("tidu.api")

# Actions the API offers on an application, by scope: the lifecycle table's rows a township or the city does with
# a reason at most, and the city's later steps, each through its own operation (tidu.api.actions.STEP_ACTIONS:
# 形式审查 with its checklist, 选派专家, 专家评审完成, 专家组意见, 现场核查清单, 评审结论).
TOWNSHIP_ACTIONS = ("township_recommend", "township_not_recommend", "township_return",
                    "township_withdraw_recommendation")
CITY_ACTIONS = ("city_receive", "city_return")
CITY_STEPS = ("formal_pass", "formal_fail", "formal_return", "expert_assign", "expert_review_complete",
              "panel_opinion", "onsite_open", "conclusion")
ACTION_SCOPE = {**{a: Scope.TOWNSHIP_ACT for a in TOWNSHIP_ACTIONS},
                **{a: Scope.CITY_ACT for a in (*CITY_ACTIONS, *CITY_STEPS)}}
ActionName = Literal["township_recommend", "township_not_recommend", "township_return",
                     "township_withdraw_recommendation", "city_receive", "city_return", "formal_pass", "formal_fail",
                     "formal_return", "expert_assign", "expert_review_complete", "panel_opinion", "onsite_open",
                     "conclusion"]

MAX_EVALUATE_BYTES = 1_000_000
OPTIONAL_BODY = Body(default=None)  # an action needs no body when it needs no reason
MAX_PAGE = 100


# --- errors ----------------------------------------------------------------------------------------------

class ApiError(TiduError):
    """An API refusal: its HTTP status, the Chinese reason and the problems by field."""

    def __init__(self, status: int, detail: str, problems: list[dict] | None = None):
        self.status, self.detail, self.problems = status, detail, list(problems or [])
        super().__init__(detail)


class Problem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    problems: list[Problem] = []


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# 400: a control character in the path or query (tidu.core.unsafe_text answers before the view).
READ_ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 422, 429)}


# --- authentication ----------------------------------------------------------------------------------------

class TokenAuth(HttpBearer):
    """A personal access token in ``Authorization: Bearer tidu_…``; expired, revoked or unknown: 401."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if not header:
            raise ApiError(401, gettext("缺少访问令牌：请在 Authorization 请求头中以“Bearer 令牌”的形式提供个人访问令牌。"))
        parts = header.split(" ")
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise ApiError(401, gettext("Authorization 请求头格式不正确，应为“Bearer 令牌”。"))
        return self.authenticate(request, parts[1])

    def authenticate(self, request: HttpRequest, token: str):
        found = token_selectors.authenticate(token)
        if found is None:
            raise ApiError(401, gettext("访问令牌无效，请检查是否完整复制，或重新创建令牌。"))
        request.api_token = found  # audited with its id even when refused below (tidu.api.middleware)
        if found.is_revoked:
            raise ApiError(401, gettext("访问令牌已撤销，请重新创建令牌。"))
        now = timezone.now()
        if found.is_expired(now):
            raise ApiError(401, gettext("访问令牌已于%(date)s过期，请重新创建令牌。") % {
                "date": date_zh(timezone.localdate(found.expires_at))})
        if not found.user.is_active:
            raise ApiError(401, gettext("令牌所属账号已停用。"))
        if not ratelimit.allow("api", str(found.pk), limit=settings.TIDU_API_RATE_PER_MINUTE,
                               window=timedelta(minutes=1)):
            raise ApiError(429, gettext("请求过于频繁：每个令牌每分钟最多 %(limit)s 次请求，请稍后再试。") % {
                "limit": settings.TIDU_API_RATE_PER_MINUTE})
        request.user = found.user
        set_api_token(found.pk)  # reset by tidu.api.middleware.ApiCallMiddleware at the end of the request
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
            type(found).objects.filter(pk=found.pk).update(last_used_at=now)
        return found


def need(request, scope: Scope) -> None:
    if str(scope) not in request.auth.scopes:
        raise ApiError(403, gettext("该令牌没有“%(scope)s”权限范围，请创建带有该范围的令牌。") % {"scope": scope.label})


# The documentation's groups (translated with the rest of the OpenAPI document, ``_translated``).
TAGS = (gettext_noop("批次与政策"), gettext_noop("申报"), gettext_noop("文书"), gettext_noop("企业"), gettext_noop("判定"),
        gettext_noop("办理"), gettext_noop("办理（市经信局）"), gettext_noop("公示"), gettext_noop("推荐名单"))

api = NinjaAPI(title=gettext_noop("tidu 开放接口"), version="1", urls_namespace="api", auth=TokenAuth(),
               description=gettext_noop("智能工厂梯度培育申报评价平台的 HTTP 接口：个人访问令牌（Bearer）认证，按令牌权限范围和"
                                   "账号角色的可见范围返回数据。"))


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, {"detail": exc.detail, "problems": exc.problems}, status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, {"detail": gettext("需要有效的个人访问令牌。"), "problems": []}, status=401)


@api.exception_handler(NinjaHttpError)
def _http_error(request, exc: NinjaHttpError):
    return api.create_response(request, {"detail": str(exc.message), "problems": []}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": gettext("没有找到该对象，或当前令牌无权查看。"), "problems": []},
                               status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or gettext("当前账号无权进行此操作"), "problems": []},
                               status=403)


@api.exception_handler(TiduError)
def _refused(request, exc: TiduError):
    problems = [{"field": "", "message": detail} for detail in exc.details]
    return api.create_response(request, {"detail": exc.message, "problems": problems}, status=409)


@api.exception_handler(ValidationError)
def _django_validation(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        problems = [{"field": field, "message": " ".join(errors.messages) if hasattr(errors, "messages")
                     else " ".join(str(e.message) for e in errors)} for field, errors in exc.error_dict.items()]
    else:
        problems = [{"field": "", "message": message} for message in exc.messages]
    return api.create_response(request, {"detail": gettext("请求内容有误。"), "problems": problems}, status=400)


# pydantic's error types, in Chinese (the English text never reaches a user).
_PYDANTIC_MESSAGES = {
    "missing": "缺少此项", "int_parsing": "应为整数", "int_type": "应为整数", "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大", "string_type": "应为文字", "string_too_long": "内容过长",
    "string_too_short": "内容过短", "bool_parsing": "应为 true 或 false", "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象", "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）", "date_type": "应为日期（YYYY-MM-DD）", "json_invalid": "不是有效的 JSON",
    "literal_error": "不是允许的取值", "enum": "不是允许的取值", "list_type": "应为列表", "extra_forbidden": "不接受此项",
    "int_from_float": "应为整数", "too_long": "项目过多", "too_short": "至少须有一项",
    "value_error": "取值超出允许范围",
}


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    problems = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())
                    if part not in ("body", "query", "path", "header", "payload")]
        message = _PYDANTIC_MESSAGES.get(error.get("type", ""), "格式不正确")
        problems.append({"field": ".".join(location) or gettext("（请求）"), "message": gettext(message)})
    return api.create_response(request, {"detail": gettext("请求参数有误。"), "problems": problems}, status=422)


# --- schemas -----------------------------------------------------------------------------------------------

class PackOut(Schema):
    pack_id: str
    kind: str
    version: str
    title: str
    sha256: str


class CallOut(Schema):
    id: int
    code: str
    title: str
    year: int
    region: str
    tier: str
    opens_at: dt.datetime
    closes_before: dt.datetime
    township_deadline_before: dt.datetime
    policy_sha256: str
    call_pack: PackOut


class PolicyOut(Schema):
    call: str
    policy_sha256: str
    packs: list[PackOut]
    documents: dict[str, Any]


class VerdictOut(Schema):
    outcome: str
    outcome_label: str
    failing: list[str]
    review: list[str]
    missing: list[str]


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    industry_code: str
    status: str
    status_label: str
    unit: str


class ApplicationOut(Schema):
    id: int
    call: str
    tier: str
    enterprise: EnterpriseOut
    status: str
    status_label: str
    revision_due: dt.date | None
    latest_receipt: str | None
    latest_submitted_at: dt.datetime | None
    verdict: VerdictOut | None
    updated_at: dt.datetime


class ApplicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class EnterprisePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EnterpriseOut]


class SubmissionOut(Schema):
    id: int
    application_id: int
    number: str
    submitted_at: dt.datetime
    content_sha256: str
    outcome: str
    policy_version: str
    attested_by_name: str


class SubmissionDetailOut(SubmissionOut):
    snapshot: dict[str, Any]
    verdict: dict[str, Any]


class DocumentOut(Schema):
    id: int
    application_id: int
    kind: str
    kind_label: str
    page_count: int | None
    verification_code: str
    created_at: dt.datetime


class ActionIn(Schema):
    """What an action on an application reads (each action only its own fields; the rest are ignored)."""

    reason: str = Field("", max_length=2000, description=gettext_noop("意见或原因"))
    section_reasons: dict[str, str] = Field(default_factory=dict,
                                            description=gettext_noop("退回补正：部分 → 修改意见"))
    due_date: dt.date | None = Field(None, description=gettext_noop("退回补正的补正期限（空：批次默认）"))
    due_reason: str = Field("", max_length=500, description=gettext_noop("补正期限与默认不同的理由"))
    checked: dict[str, bool] | None = Field(
        None, description=gettext_noop("形式审查：审查项 → 是否勾选（空：采用系统预审）"))
    override_reasons: dict[str, str] = Field(
        default_factory=dict, description=gettext_noop("形式审查：改变系统预审结果的理由"))
    expert_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                  description=gettext_noop("expert_assign：专家库中专家的账号编号"))
    note: str = Field("", max_length=4000, description=gettext_noop("expert_review_complete：处理说明"))
    quorum_override_reason: str = Field(
        "", max_length=2000, description=gettext_noop("expert_review_complete：少于法定人数完成的理由"))
    text: str = Field("", max_length=10000, description=gettext_noop("panel_opinion：专家组意见"))
    outcome: Literal["", "pass", "fail"] = Field("", description=gettext_noop("conclusion：通过 pass / 不通过 fail"))
    reasons: str = Field("", max_length=4000, description=gettext_noop("conclusion：评审结论的理由"))


class RejectIn(Schema):
    reason: str = Field("", max_length=2000)


class ActionOut(Schema):
    audit_id: int | None
    object_type: str
    object_id: int
    action: str
    from_status: str
    to_status: str
    status_label: str


def _enterprise_out(enterprise) -> dict:
    unit = enterprise.organisation.parent
    return {"id": enterprise.pk, "name": enterprise.name, "credit_code": enterprise.credit_code,
            "industry_code": enterprise.industry_code, "status": enterprise.status,
            "status_label": enterprise.get_status_display(), "unit": unit.name if unit else ""}


def _application_out(application) -> dict:
    summary = application_selectors.VerdictSummary.annotated(application)
    return {"id": application.pk, "call": application.call.code, "tier": application.tier,
            "enterprise": _enterprise_out(application.enterprise), "status": application.status,
            "status_label": application.status_label, "revision_due": application.revision_due,
            "latest_receipt": getattr(application, "latest_number", None),
            "latest_submitted_at": getattr(application, "latest_submitted_at", None),
            "verdict": None if summary is None else {
                "outcome": summary.outcome, "outcome_label": summary.outcome_label, "failing": summary.failing,
                "review": summary.review, "missing": summary.missing},
            "updated_at": application.updated_at}


def _pack_out(pack) -> dict:
    return {"pack_id": pack.pack_id, "kind": pack.kind, "version": pack.version, "title": pack.title,
            "sha256": pack.sha256}


def _call_out(call) -> dict:
    return {"id": call.pk, "code": call.code, "title": call.title, "year": call.year, "region": call.region,
            "tier": call.tier, "opens_at": call.opens_at, "closes_before": call.closes_before,
            "township_deadline_before": call.township_deadline_before, "policy_sha256": call.policy_sha256,
            "call_pack": _pack_out(call.call_pack)}


# --- calls and their policy ----------------------------------------------------------------------------------

@api.get("/calls", response={200: list[CallOut], **READ_ERRORS}, summary=gettext_noop("申报批次"), tags=["批次与政策"])
def calls(request):
    need(request, Scope.READ)
    return [_call_out(call) for call in Call.objects.select_related("call_pack").order_by("-year", "code")]


@api.get("/calls/{call_id}/policy", response={200: PolicyOut, **READ_ERRORS}, summary=gettext_noop("批次固定引用的策略包"),
         tags=["批次与政策"])
def call_policy(request, call_id: int):
    need(request, Scope.READ)
    call = get_object_or_404(Call.objects.select_related("call_pack"), pk=call_id)
    packs = [call.call_pack, *call.pinned_packs.order_by("kind", "pack_id")]
    return {"call": call.code, "policy_sha256": call.policy_sha256, "packs": [_pack_out(p) for p in packs],
            "documents": {f"{p.pack_id}@{p.version}": p.document for p in packs}}


# --- applications, submissions, documents (read) ----------------------------------------------------------

@api.get("/applications", response={200: ApplicationPage, **READ_ERRORS}, summary=gettext_noop("申报列表（当前账号可见的）"),
         tags=["申报"])
def applications(request, limit: int = Query(20, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0, le=1_000_000),
                 status: str = Query("", max_length=40), call: str = Query("", max_length=100)):
    need(request, Scope.READ)
    visible = application_selectors.applications_visible_to(request.user)
    if status:
        visible = visible.filter(status=status)
    if call:
        visible = visible.filter(call__code=call)
    count = visible.count()
    page = list(application_selectors.with_latest_submission(visible.order_by("pk"))[offset:offset + limit])
    _listed(request, "application", page)
    return {"count": count, "limit": limit, "offset": offset, "items": [_application_out(a) for a in page]}


def _listed(request, kind: str, objects) -> list:
    """Note the ids a list answer returns, for its audit row (tidu.api.middleware)."""
    objects = list(objects)
    request.api_listed = (kind, [obj.pk for obj in objects])
    return objects


def _visible_application(request, application_id: int):
    visible = application_selectors.with_latest_submission(
        application_selectors.applications_visible_to(request.user))
    return get_object_or_404(visible, pk=application_id)


@api.get("/applications/{application_id}", response={200: ApplicationOut, **READ_ERRORS}, summary=gettext_noop("一份申报"),
         tags=["申报"])
def application_detail(request, application_id: int):
    need(request, Scope.READ)
    return _application_out(_visible_application(request, application_id))


def _submission_out(submission) -> dict:
    return {"id": submission.pk, "application_id": submission.application_id, "number": submission.number,
            "submitted_at": submission.submitted_at, "content_sha256": submission.content_sha256,
            "outcome": submission.outcome, "policy_version": submission.policy_version,
            "attested_by_name": submission.attested_by_name}


@api.get("/applications/{application_id}/submissions", response={200: list[SubmissionOut], **READ_ERRORS},
         summary=gettext_noop("一份申报的各次提交（回执）"), tags=["申报"])
def application_submissions(request, application_id: int):
    need(request, Scope.READ)
    application = _visible_application(request, application_id)
    return [_submission_out(s) for s in application_selectors.submissions_visible_to(request.user)
            .filter(application=application).order_by("submitted_at", "pk")]


@api.get("/submissions/{submission_id}", response={200: SubmissionDetailOut, **READ_ERRORS},
         summary=gettext_noop("一次提交的固定内容与提交时的判定"), tags=["申报"])
def submission_detail(request, submission_id: int):
    need(request, Scope.READ)
    submission = get_object_or_404(application_selectors.submissions_visible_to(request.user), pk=submission_id)
    return {**_submission_out(submission), "snapshot": submission.snapshot, "verdict": submission.verdict}


def _document_out(document) -> dict:
    return {"id": document.pk, "application_id": document.application_id, "kind": document.kind,
            "kind_label": document.get_kind_display(), "page_count": document.page_count,
            "verification_code": document.verification_code, "created_at": document.created_at}


@api.get("/applications/{application_id}/documents", response={200: list[DocumentOut], **READ_ERRORS},
         summary=gettext_noop("一份申报已生成的文书"), tags=["文书"])
def application_documents(request, application_id: int):
    need(request, Scope.READ)
    application = _visible_application(request, application_id)
    return [_document_out(d) for d in document_selectors.documents_visible_to(request.user)
            .filter(application=application).order_by("created_at", "pk")]


@api.get("/documents/{document_id}/download", response={200: None, **READ_ERRORS}, summary=gettext_noop("下载文书"),
         tags=["文书"], openapi_extra={"responses": {200: {"description": "文书文件", "content": {
             "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def document_download(request, document_id: int):
    need(request, Scope.READ)
    document = get_object_or_404(document_selectors.documents_visible_to(request.user), pk=document_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise ApiError(404, gettext("文书文件不存在，请在页面上重新生成。")) from None
    name = document.file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


# --- enterprises (for the township's confirmation) ---------------------------------------------------------

@api.get("/enterprises", response={200: EnterprisePage, **READ_ERRORS}, summary=gettext_noop("企业列表（当前账号可见的）"),
         tags=["企业"])
def enterprises(request, limit: int = Query(20, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0, le=1_000_000),
                status: str = Query("", max_length=20)):
    need(request, Scope.READ)
    visible = enterprise_selectors.enterprises_visible_to(request.user)
    if status:
        visible = visible.filter(status=status)
    count = visible.count()
    page = _listed(request, "enterprise", visible.order_by("pk")[offset:offset + limit])
    return {"count": count, "limit": limit, "offset": offset, "items": [_enterprise_out(e) for e in page]}


# --- evaluating an interchange document (stateless) -----------------------------------------------------------

def _interchange_openapi_schema() -> dict:
    """The interchange JSON Schema (eligibility/schema), referenced from the OpenAPI document, not copied."""
    document = dict(interchange.schema())
    definitions = document.pop("$defs", {})
    for key in ("$schema", "$id"):
        document.pop(key, None)
    text = json.dumps(document, ensure_ascii=False).replace('"#/$defs/', '"#/components/schemas/Interchange_')
    return {"root": json.loads(text), "definitions": {f"Interchange_{k}": v for k, v in definitions.items()}}


class VerdictDocument(Schema):
    eligible: bool
    tier_met: bool
    outcome: str
    outcome_label: str
    tier: str
    tier_name: str
    call: str
    policy_versions: dict[str, str]
    findings: list[dict[str, Any]]
    coverage: dict[str, Any]
    kpis: dict[str, Any]


@api.post("/evaluate", response={200: VerdictDocument, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut,
                                 422: ErrorOut, 429: ErrorOut},
          summary=gettext_noop("判定一份申报数据（tidu.application/1），不保存"), tags=["判定"],
          openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
              "schema": {"$ref": "#/components/schemas/InterchangeApplication"}}}}})
def evaluate_document(request, tier: str = Query("", max_length=40)):
    need(request, Scope.EVALUATE)
    if len(request.body) > MAX_EVALUATE_BYTES:
        raise ApiError(413, gettext("申报数据过大（超过 %(size)s 字节），不是一份申报。") % {"size": MAX_EVALUATE_BYTES})
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, gettext("申报数据须为 UTF-8 编码的 JSON。")) from None
    try:
        document = interchange.parse_document(text)
        if not isinstance(document, dict):
            raise interchange.InterchangeError([("（顶层）", "申报数据应为 JSON 对象")])
        code = document.get("call")
        call = Call.objects.filter(code=code).first() if isinstance(code, str) else None
        if call is None:
            known = "、".join(Call.objects.order_by("code").values_list("code", flat=True)) or "—"
            raise interchange.InterchangeError([("call", f"未知的申报批次 {code!r}，本平台的批次为：{known}")])
        verdict = evaluate(call_policy_for(call), document, tier=tier or None)
    except interchange.InterchangeError as exc:
        raise ApiError(400, gettext("无法判定：申报数据有误"),
                       [{"field": field, "message": message} for field, message in exc.problems]) from exc
    except PackError as exc:
        raise ApiError(400, gettext("无法判定：策略包有误"), [{"field": exc.key, "message": str(exc)}]) from exc
    except TiduError as exc:
        raise ApiError(400, gettext("无法判定：申报数据有误"), [{"field": "", "message": exc.message}]) from exc
    return verdict.as_dict()


# --- actions (through the operations layer), with an Idempotency-Key ------------------------------------------

def _idempotent(request, run, body: bytes | None = None):
    """Run ``run()`` once per (token, Idempotency-Key): a repeat with the same request gets the first answer.
    ``body``: what identifies the request's content when its raw body cannot be read again (an upload)."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return run()
    if len(key) > 100 or not key.isprintable():
        raise ApiError(400, gettext("Idempotency-Key 须为不超过100个字符的可见文字。"))
    content = request.body if body is None else body
    fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + content).hexdigest()
    kept = IdempotentResponse.objects.filter(token=request.auth, key=key).first()
    if kept is not None:
        if kept.request_sha256 != fingerprint:
            raise ApiError(422, gettext("该 Idempotency-Key 已用于另一个请求，请换一个新的键。"))
        return Status(kept.status_code, kept.body)
    try:
        status, body = 200, run()
    except ApiError as exc:
        status, body = exc.status, {"detail": exc.detail, "problems": exc.problems}
    except TiduError as exc:
        status, body = 409, {"detail": exc.message, "problems": [{"field": "", "message": d} for d in exc.details]}
    try:
        with transaction.atomic():
            IdempotentResponse.objects.create(token=request.auth, key=key, request_sha256=fingerprint,
                                              status_code=status, body=json.loads(json.dumps(body, default=str)))
    except IntegrityError:  # the same key raced in at the same moment: the first one's answer stands
        kept = IdempotentResponse.objects.get(token=request.auth, key=key)
        return Status(kept.status_code, kept.body)
    return Status(status, body)


def _action_out(entry, obj, label: str) -> dict:
    return {"audit_id": entry.pk if entry is not None else None, "object_type": entry.object_type if entry else "",
            "object_id": obj.pk, "action": entry.action if entry else "", "from_status": entry.from_status if entry
            else "", "to_status": entry.to_status if entry else obj.status, "status_label": label}


def _last_entry(object_type: str, pk: int, action: str):
    from tidu.core.models import AuditEntry

    return (AuditEntry.objects.filter(object_type=object_type, object_id=str(pk), action=action)
            .order_by("-created_at", "-pk").first())


@api.post("/applications/{application_id}/actions/{action}", response={200: ActionOut, **ERRORS},
          summary=gettext_noop("对一份申报办理"), tags=["办理"],
          description=gettext_noop(
              "与页面上同一操作（同样的检查、同一条操作日志，另记令牌编号）。"
              "乡镇（township:act）：township_recommend 推荐、township_not_recommend 不予推荐、"
              "township_return 退回补正、township_withdraw_recommendation 撤回推荐。"
              "市经信局（city:act）：city_receive 受理、city_return 退回补正、formal_pass 形式审查通过、"
              "formal_fail 形式审查不通过、formal_return 形式审查退回补正（checked、override_reasons、"
              "section_reasons）、expert_assign 选派专家（expert_id）、expert_review_complete 专家评审完成"
              "（note、quorum_override_reason）、panel_opinion 专家组意见（text）、onsite_open 生成现场核查清单、"
              "conclusion 评审结论（outcome、reasons）。"))
def application_action(request, application_id: int, action: ActionName, payload: ActionIn = OPTIONAL_BODY):
    if action not in ACTION_SCOPE:
        raise ApiError(404, gettext("接口不提供操作“%(action)s”，可用的操作：%(actions)s") % {
            "action": action[:60], "actions": "、".join(ACTION_SCOPE)})
    need(request, ACTION_SCOPE[action])
    payload = payload or ActionIn()
    if action in CITY_STEPS:
        return _actions.run_step(request, application_id, action, payload)

    def run():
        application = get_object_or_404(application_selectors.applications_visible_to(request.user),
                                         pk=application_id)
        transition = TRANSITIONS_BY_ACTION[action]
        section_reasons = payload.section_reasons if transition.is_return else None
        entry = application_services.application_transition(
            application=application, action=action, user=request.user, reason=payload.reason,
            section_reasons=section_reasons, due_date=payload.due_date, due_reason=payload.due_reason)
        application.refresh_from_db()
        return _action_out(entry, application, application.status_label)

    return _idempotent(request, run)


@api.post("/enterprises/{enterprise_id}/confirm", response={200: ActionOut, **ERRORS},
          summary=gettext_noop("乡镇确认企业属于本单位"), tags=["办理"])
def enterprise_confirm(request, enterprise_id: int):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        enterprise = get_object_or_404(enterprise_selectors.enterprises_visible_to(request.user), pk=enterprise_id)
        enterprise = enterprise_services.enterprise_confirm(enterprise, request.user)
        return _action_out(_last_entry("enterprise", enterprise.pk, "enterprise.confirm"), enterprise,
                           enterprise.get_status_display())

    return _idempotent(request, run)


@api.post("/enterprises/{enterprise_id}/reject", response={200: ActionOut, **ERRORS},
          summary=gettext_noop("乡镇退回企业登记（不予确认）"), tags=["办理"])
def enterprise_reject(request, enterprise_id: int, payload: RejectIn):
    need(request, Scope.TOWNSHIP_ACT)

    def run():
        enterprise = get_object_or_404(enterprise_selectors.enterprises_visible_to(request.user), pk=enterprise_id)
        enterprise = enterprise_services.enterprise_reject(enterprise, request.user, payload.reason)
        return _action_out(_last_entry("enterprise", enterprise.pk, "enterprise.reject"), enterprise,
                           enterprise.get_status_display())

    return _idempotent(request, run)


# --- the city's later steps (形式审查, batches, 专家评审, 现场核查, 评审结论, 公示): tidu.api.actions ---------------

from tidu.api import actions as _actions  # noqa: E402  (its endpoints use the helpers above)

api.add_router("", _actions.router)

# --- the township's 推荐名单 (and the city's 退回修改): tidu.api.lists ---------------------------------------------

from tidu.api import lists as _lists  # noqa: E402

api.add_router("", _lists.router)


# --- the OpenAPI document: the interchange schema as a component ------------------------------------------------

_original_get_openapi_schema = api.get_openapi_schema


def _translated(schema: dict) -> dict:
    """Summaries, descriptions and tags in the request's language (the source strings are Chinese, marked with
    ``gettext_noop`` where they are written; the catalogue gives English). Built per request by django-ninja."""
    info = schema.get("info", {})
    for key in ("title", "description"):
        if info.get(key):
            info[key] = gettext(info[key])
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for key in ("summary", "description"):
                if operation.get(key):
                    operation[key] = gettext(operation[key])
            operation["tags"] = [gettext(tag) for tag in operation.get("tags", [])]
    for component in schema.get("components", {}).get("schemas", {}).values():
        for prop in (component.get("properties") or {}).values():
            if isinstance(prop, dict) and isinstance(prop.get("description"), str):
                prop["description"] = gettext(prop["description"])
    return schema


def _openapi_schema(*args, **kwargs):
    schema = _translated(_original_get_openapi_schema(*args, **kwargs))
    interchange_schema = _interchange_openapi_schema()
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["InterchangeApplication"] = interchange_schema["root"]
    components.update(interchange_schema["definitions"])
    return schema


api.get_openapi_schema = _openapi_schema


assert set(ActionName.__args__) == set(ACTION_SCOPE)  # the documented path values are the offered actions
assert set(CITY_STEPS) == set(_actions.STEP_ACTIONS)

"""The one 操作日志: the filter form, the query, the page, the before/after of an entry and the export.

Two roles read the same rows through it: the 审计管理员 (``accounts:audit_log``, every row) and the 市经信局
经办人 (``records:audit_log``, the rows of one call). Each view passes the rows its user may see; everything
after that (filters, paging in SQL, the template, the CSV/XLSX export through ``tidu.core.cells``) is here,
once. Nobody edits or deletes a row anywhere (``AuditEntry`` is append-only, a database trigger too).

A domain that can show more than the row itself (the fields an 申报书 section save changed, before and after)
registers a ``detail`` function for its object type from its ``AppConfig.ready()``; the core never imports it.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tidu.core import forms as core_forms
from tidu.core.cells import csv_field, set_cell
from tidu.core.downloads import CSV_BOM, CSV_CONTENT_TYPE, attachment
from tidu.core.models import AuditEntry
from tidu.core.operations import registered

PAGE_SIZE = 50
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def role_choices() -> list[tuple[str, str]]:
    field = get_user_model()._meta.get_field("role")
    return [("", _("全部角色")), *field.choices]


class AuditFilterForm(core_forms.Form):
    application = forms.IntegerField(label=_("申报编号"), required=False, min_value=1)
    enterprise = forms.CharField(label=_("企业名称"), required=False, max_length=100)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False, choices=())
    action = forms.CharField(label=_("操作"), required=False, max_length=60)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=40)
    # The personal access token a row was made with (the HTTP API writes its id on every call's row).
    api_token = forms.IntegerField(label=_("令牌编号"), required=False, min_value=1, max_value=2**31 - 1)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("截止日期不能早于起始日期。"))
        return data


def filtered(entries: QuerySet[AuditEntry], form: AuditFilterForm) -> QuerySet[AuditEntry]:
    """``entries`` narrowed by the valid filters of ``form`` (an invalid form filters nothing out: its errors show)."""
    entries = entries.select_related("actor").order_by("-created_at", "-id")
    if not form.is_valid():
        return entries
    data = form.cleaned_data
    if data["application"]:
        entries = entries.filter(application_id=data["application"])
    if data["enterprise"]:
        # The model is looked up, not imported: the core stays below every domain app.
        application = apps.get_model("applications", "Application")
        ids = application.objects.filter(enterprise__name__icontains=data["enterprise"]).values("pk")
        entries = entries.filter(application_id__in=ids)
    if data["actor"]:
        entries = entries.filter(actor__username__icontains=data["actor"])
    if data["role"]:
        entries = entries.filter(actor_role=data["role"])
    if data["action"]:
        entries = entries.filter(action__icontains=data["action"])
    if data["object_type"]:
        entries = entries.filter(object_type=data["object_type"])
    if data["api_token"]:
        entries = entries.filter(detail__api_token=data["api_token"])
    if data["date_from"]:
        entries = entries.filter(created_at__date__gte=data["date_from"])
    if data["date_to"]:
        entries = entries.filter(created_at__date__lte=data["date_to"])
    return entries


# --- what one entry changed --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


_DETAIL: dict[str, Callable[[AuditEntry], list[FieldChange] | None]] = {}


def register_detail(object_type: str, detail: Callable[[AuditEntry], list[FieldChange] | None]) -> None:
    """Called from a domain's ``AppConfig.ready()``: how to show the before/after of its entries."""
    _DETAIL[object_type] = detail


def changes_of(entry: AuditEntry) -> list[FieldChange] | None:
    """The field-by-field before/after of ``entry`` when its domain can tell, else None."""
    detail = _DETAIL.get(entry.object_type)
    return detail(entry) if detail else None


def detail_rows(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's recorded ``detail`` as label/text pairs (for any entry, known to a domain or not)."""
    if not isinstance(entry.detail, dict):
        return []
    return [(str(key), display(value)) for key, value in entry.detail.items()]


def display(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple):
        return "；".join(display(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key}：{display(item)}" for key, item in value.items())
    return str(value)


# --- human words for the recorded codes ---------------------------------------------------------------------

def action_label(action: str, object_type: str = "") -> str:
    """An entry's action in the reader's language: the label of the operation that wrote it (its button's words;
    a lifecycle transition records its bare name, e.g. ``township_recommend`` for ``application.township_recommend``);
    an action no operation is registered for (older rows) reads as recorded."""
    operations = registered()
    factory = operations.get(action) or operations.get(f"{object_type}.{action}")
    label = getattr(factory, "label", "")
    return gettext(label) if label else action


# Codes some operations record that are no model's status (a check item not yet decided, a conclusion, a stored
# or deleted file, a recorded opinion): worded here so no row shows a bare code.
_COMMON_STATUSES = {
    "undecided": _("待核查"),
    "pass": _("通过"),
    "fail": _("不通过"),
    "recorded": _("已记录"),
    "stored": _("已保存"),
    "deleted": _("已删除"),
    "removed": _("已移除"),
    "loaded": _("已载入"),
    "declared": _("已申报"),
    "scheduled": _("已安排"),
    "active": _("已启用"),
    "none": _("无"),
}


def _choices_of(model) -> dict[str, Any] | None:
    """{code: label} of the model's ``status`` field (else its ``result`` field), or None."""
    for name in ("status", "result"):
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 — no such field
            continue
        if field.choices:
            return {str(value): label for value, label in field.flatchoices if value != ""}
    return None


@functools.cache
def _status_choices() -> dict[str, dict[str, Any]]:
    """object_type → {status code: label}, from the status (or result) field of the model each object type
    names (the operation's own model, else the installed model of that name: ``check_item`` → CheckItem)."""
    found: dict[str, dict[str, Any]] = {}
    by_name = {model._meta.model_name: model for model in apps.get_models()}
    for factory in registered().values():
        object_type, model = getattr(factory, "object_type", ""), getattr(factory, "model", None)
        if not object_type or object_type in found:
            continue
        name = object_type.replace("_", "")
        if model is None or model._meta.model_name != name:
            # an operation that creates one kind of object from another (a new 申报 from its enterprise)
            model = by_name.get(name)
        if model is None:
            continue
        choices = _choices_of(model)
        if choices:
            found[object_type] = choices
    return found


def status_label(object_type: str, status: str) -> str:
    """A recorded status code in the reader's language: the object type's own status, else an 申报 status (an
    entry on a check or a review records the 申报's state before it), else a common word; as recorded when none."""
    choices = _status_choices()
    for labels in (choices.get(object_type, {}), choices.get("application", {}), _COMMON_STATUSES):
        if status in labels:
            return str(labels[status])
    return status


def role_label(role: str) -> str:
    choices = dict(get_user_model()._meta.get_field("role").flatchoices)
    return str(choices[role]) if role in choices else role


def labelled(entry: AuditEntry) -> AuditEntry:
    """``entry`` with its codes worded for the page (the codes themselves stay beside them, for auditors)."""
    entry.action_label = action_label(entry.action, entry.object_type)
    entry.from_label = status_label(entry.object_type, entry.from_status) if entry.from_status else ""
    entry.to_label = status_label(entry.object_type, entry.to_status) if entry.to_status else ""
    entry.role_label = role_label(entry.actor_role) if entry.actor_role else ""
    return entry


# --- the page and the export ---------------------------------------------------------------------------------

def render_page(request, entries: QuerySet[AuditEntry], *, heading: str, context: dict | None = None,
                detail_url: Callable[[AuditEntry], str] | None = None):
    """The 操作日志 page over ``entries`` (already only what the user may see), with filters and paging."""
    form = AuditFilterForm(request.GET or None)
    page = Paginator(filtered(entries, form), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        labelled(entry)
        if detail_url is not None:
            entry.detail_url = detail_url(entry)
    query = request.GET.copy()
    query.pop("page", None)
    export = query.copy()
    export.pop("format", None)
    return render(request, "core/audit_log.html", {"filters": form, "page": page, "query": query.urlencode(),
                                                   "export_query": export.urlencode(), "heading": heading,
                                                   **(context or {})})


def render_entry(request, entry: AuditEntry, *, heading: str, back_url: str):
    return render(request, "core/audit_entry.html", {"entry": labelled(entry), "changes": changes_of(entry),
                                                     "detail": detail_rows(entry), "heading": heading,
                                                     "back_url": back_url})


def headers() -> list[str]:
    return [gettext("序号"), gettext("时间"), gettext("操作人"), gettext("角色"), gettext("对象类型"),
            gettext("对象编号"), gettext("所属申报"), gettext("操作"), gettext("原状态"), gettext("新状态"),
            gettext("意见或原因"), gettext("详情"), gettext("内容摘要"), gettext("请求编号")]


def row_of(entry: AuditEntry) -> list[Any]:
    created = timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S")
    return [entry.pk, created, entry.actor.username if entry.actor_id else "", entry.actor_role, entry.object_type,
            entry.object_id, entry.application_id or "", entry.action, entry.from_status, entry.to_status,
            entry.reason, display(entry.detail), entry.content_sha256, entry.request_id]


def rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """Every row of ``entries``, oldest first, read from the database in chunks (never all at once)."""
    for entry in entries.select_related("actor").order_by("created_at", "id").iterator(chunk_size=500):
        yield row_of(entry)


def write_csv(entries: QuerySet[AuditEntry], handle) -> None:
    """Write the rows as CSV (UTF-8 with BOM, CRLF, every field neutralised) into a text ``handle``."""
    handle.write(CSV_BOM)
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([csv_field(value) for value in headers()])
    for row in rows(entries):
        writer.writerow([csv_field(value) for value in row])


def csv_content(entries: QuerySet[AuditEntry]) -> bytes:
    buffer = io.StringIO()
    write_csv(entries, buffer)
    return buffer.getvalue().encode("utf-8")


def xlsx_content(entries: QuerySet[AuditEntry]) -> bytes:
    """The rows as one XLSX sheet, written row by row (openpyxl's write-only mode); cells through ``cells``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("操作日志"))
    sheet.append(headers())
    for row in rows(entries):
        sheet.append([set_cell(WriteOnlyCell(sheet), value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(request, entries: QuerySet[AuditEntry], *, filename: str):
    """The filtered rows as CSV (``?format=csv``, the default) or XLSX (``?format=xlsx``)."""
    form = AuditFilterForm(request.GET or None)
    selected = filtered(entries, form)
    if request.GET.get("format") == "xlsx":
        return attachment(xlsx_content(selected), f"{filename}.xlsx", XLSX_CONTENT_TYPE)
    return attachment(csv_content(selected), f"{filename}.csv", CSV_CONTENT_TYPE)

"""公示 pages: the public notice with its objection form, and the city's pages to run 公示 and 认定.

Views stay thin: parse the request, call ``services`` / ``selectors``, render. The public pages
show only the fields frozen on each entry at publication (see selectors.PUBLIC_ENTRY_FIELDS).
"""

from __future__ import annotations

import logging

from django import forms as django_forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.core.client_ip import client_address
from tidu.core.downloads import CSV_CONTENT_TYPE, attachment
from tidu.core.errors import TiduError
from tidu.core.operations import operation
from tidu.decisions import selectors as decision_selectors
from tidu.documents import services as document_services
from tidu.policy.models import Call
from tidu.policy.selectors import call_list
from tidu.publicity import exports, forms, notices, selectors, services
from tidu.publicity.models import (
    PHASE_LABELS,
    CalendarDay,
    Objection,
    Publicity,
    PublicityEntry,
    RecognitionNotice,
)
from tidu.publicity.notice_operations import RecognitionNoticeRecord

logger = logging.getLogger(__name__)
city_required = role_required(User.Role.CITY)  # 系统管理员 is not city (accounts.permissions)


def _error(request, error: TiduError) -> None:
    text = error.message + ("".join(f"\n· {line}" for line in error.details) if error.details else "")
    messages.error(request, text)


# --- public ------------------------------------------------------------------------------------

def public_list(request):
    today = services.business_today()
    notices = selectors.public_notices(today)
    return render(request, "publicity/public_list.html", {
        "final_calls": selectors.calls_with_final_list(),
        "current": [n for n in notices if n.is_current],
        "past": [n for n in notices if not n.is_current],
        "today": today,
    })


def public_detail(request, pk: int):
    today = services.business_today()
    notice = selectors.public_notice(pk, today)
    if notice is None:
        raise Http404
    publicity = notice.publicity
    closed_message = services.objection_window_message(publicity, today)
    form = None
    status = 200
    if closed_message is None:
        if request.method == "POST":
            form = forms.ObjectionForm(request.POST, request.FILES, publicity=publicity)
            if form.is_bot:
                logger.info("honeypot filled on publicity %s; objection discarded", publicity.pk)
                messages.success(request, gettext("异议已提交。"))
                return redirect("publicity:public_detail", pk=publicity.pk)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    objection = services.objection_submit(
                        publicity=publicity, entry=data["entry"], name=data["name"], phone=data["phone"],
                        email=data["email"], content=data["content"], upload=data.get("attachment"),
                        client_address=client_address(request), user=request.user)
                except services.ObjectionRateLimited as error:
                    form.add_error(None, error.message)
                    status = 429
                except services.PublicityError as error:
                    form.add_error(None, error.message)
                    status = 400
                else:
                    messages.success(request, gettext("异议已提交，编号 %(number)s。市经信局将调查核实，并通过您留下的联系方式答复。请妥善保存编号。") % {"number": objection.number})
                    return redirect("publicity:public_detail", pk=publicity.pk)
            else:
                status = 400
        else:
            form = forms.ObjectionForm(publicity=publicity)
    elif request.method == "POST":
        status = 403
    return render(request, "publicity/public_detail.html", {
        "notice": notice, "publicity": publicity, "form": form, "closed_message": closed_message,
        "upload_lost": bool(form is not None and form.is_bound and request.FILES),
    }, status=status)


def _final_snapshot(pk: int) -> tuple[Publicity, dict]:
    publicity = get_object_or_404(selectors.final_list_publicities(), pk=pk)
    return publicity, publicity.final_snapshot


def final_csv(request, pk: int):
    publicity, snapshot = _final_snapshot(pk)
    return attachment(exports.final_csv(snapshot), f"{snapshot['title']}.csv", CSV_CONTENT_TYPE)


def final_xlsx(request, pk: int):
    publicity, snapshot = _final_snapshot(pk)
    return attachment(exports.final_xlsx(snapshot), f"{snapshot['title']}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _call_final_snapshot(code: str) -> dict:
    call = get_object_or_404(Call, code=code)
    snapshot = exports.call_final_snapshot(call, selectors.call_final_publicities(call))
    if snapshot is None:  # no batch finalised yet: there is no 认定名单 to publish
        raise Http404
    return snapshot


def call_final_csv(request, code: str):
    snapshot = _call_final_snapshot(code)
    return attachment(exports.final_csv(snapshot), exports.call_final_filename(snapshot, "csv"), CSV_CONTENT_TYPE)


def call_final_xlsx(request, code: str):
    snapshot = _call_final_snapshot(code)
    return attachment(exports.final_xlsx(snapshot), exports.call_final_filename(snapshot, "xlsx"),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def call_final_pdf(request, code: str):
    snapshot = _call_final_snapshot(code)
    try:
        content = exports.call_final_pdf(snapshot)
    except TiduError as error:
        return render(request, "documents/error.html", {"message": error.message}, status=503)
    return attachment(content, exports.call_final_filename(snapshot, "pdf"), "application/pdf")


# --- the city's pages ------------------------------------------------------------------------

class PublicityCreateForm(forms.PublicityForm):
    call = django_forms.ModelChoiceField(label=_("申报批次"), queryset=Call.objects.none(), empty_label=None)

    class Meta(forms.PublicityForm.Meta):
        fields = ["call", *forms.PublicityForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = call_list()


@city_required
def manage_list(request):
    today = services.business_today()
    publicities = list(selectors.manage_publicities())
    for publicity in publicities:
        publicity.phase_label = PHASE_LABELS[publicity.phase(today)]
    return render(request, "publicity/manage_list.html", {"publicities": publicities})


@city_required
def create(request):
    today = services.business_today()
    if request.method == "POST":
        form = PublicityCreateForm(request.POST, today=today)
        if form.is_valid():
            data = dict(form.cleaned_data)
            call = data.pop("call")
            try:
                publicity = services.publicity_create(call=call, user=request.user, **data)
            except services.PublicityError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, gettext("公示草稿已创建，请选择拟认定的申报后发布。"))
                return redirect("publicity:manage_detail", pk=publicity.pk)
    else:
        call = call_list().filter(code=request.GET.get("call", "")).first() or call_list().first()
        initial = {"start_date": today, "working_days": 5}
        if call is not None:
            initial.update(call=call, title=services.default_title(call),
                           contact_office=services.default_contact_office(call))
        form = PublicityCreateForm(initial=initial, today=today)
    return render(request, "publicity/manage_form.html", {"form": form, "publicity": None})


@city_required
def edit(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    if publicity.status != Publicity.Status.DRAFT:
        messages.error(request, gettext("公示已发布，不能再修改。"))
        return redirect("publicity:manage_detail", pk=pk)
    today = services.business_today()
    form = forms.PublicityForm(request.POST or None, instance=publicity, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            services.publicity_update(publicity=Publicity.objects.get(pk=pk), user=request.user,
                                      **form.cleaned_data)
        except services.PublicityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, gettext("已保存。"))
            return redirect("publicity:manage_detail", pk=pk)
    return render(request, "publicity/manage_form.html", {"form": form, "publicity": publicity})


@city_required
@require_POST
def delete(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    try:
        services.publicity_delete(publicity=publicity, user=request.user)
    except services.PublicityError as error:
        _error(request, error)
        return redirect("publicity:manage_detail", pk=pk)
    messages.success(request, gettext("公示草稿已删除。"))
    return redirect("publicity:manage_list")


@city_required
def manage_detail(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user)
                                  .select_related("call", "published_by", "finalised_by"), pk=pk)
    today = services.business_today()
    entries = selectors.publicity_entries(publicity)
    draft = publicity.status == Publicity.Status.DRAFT
    rows = services.entry_display(entries, publicity.call) if draft else [{"entry": e} for e in entries]
    candidates = decision_selectors.candidate_facts(services.publicity_candidates(publicity.call)) if draft else []
    if draft:  # what the city must notice before publishing: score, conclusion, open 现场核查 discrepancies
        facts = {f.application.pk: f for f in decision_selectors.candidate_facts([r["entry"].application for r in rows])}
        for row in rows:
            row["facts"] = facts[row["entry"].application_id]
    publish_check = operation("publicity.publish", publicity).check(request.user) if draft else None
    objections = selectors.publicity_objections(publicity)
    return render(request, "publicity/manage_detail.html", {
        "publicity": publicity, "phase": publicity.phase(today), "phase_label": PHASE_LABELS[publicity.phase(today)],
        "rows": rows, "candidates": candidates, "objections": objections, "draft": draft,
        "candidate_warnings": [c for c in candidates if c.warnings],
        "publish_refusal": publish_check.reason if publish_check is not None and not publish_check else "",
        "finalise_blockers": services.finalise_blockers(publicity) if not draft else [],
        "pending_count": sum(1 for o in objections if not o.is_handled),
        "upheld_kept": [o for o in objections if o.outcome == Objection.Outcome.UPHELD
                        and o.entry.outcome == PublicityEntry.Outcome.PROPOSED],
        "skipped_holidays": publicity.calendar_applied.get("holidays", []),
        "counted_workdays": publicity.calendar_applied.get("workdays", []),
        "calendar_empty": not CalendarDay.objects.exists(),
    })


@city_required
@require_POST
def add_entries(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    ids = [int(value) for value in request.POST.getlist("application") if value.isdigit()]
    try:
        added = services.publicity_add_entries(publicity=publicity, application_ids=ids, user=request.user)
    except TiduError as error:  # the 公示's own refusals, and the rules other domains add (tidu.decisions.rules)
        _error(request, error)
    else:
        messages.success(request, gettext("已列入 %(added)s 份申报。") % {"added": len(added)})
    return redirect("publicity:manage_detail", pk=pk)


@city_required
@require_POST
def remove_entry(request, pk: int, entry_pk: int):
    entry = get_object_or_404(PublicityEntry, pk=entry_pk,
                              publicity__in=selectors.publicities_visible_to(request.user), publicity_id=pk)
    try:
        services.publicity_remove_entry(entry=entry, user=request.user)
    except services.PublicityError as error:
        _error(request, error)
    else:
        messages.success(request, gettext("已移出公示名单。"))
    return redirect("publicity:manage_detail", pk=pk)


@city_required
@require_POST
def publish(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    try:
        publicity = services.publicity_publish(publicity=publicity, user=request.user)
    except services.PublicityError as error:
        _error(request, error)
    else:
        messages.success(request, gettext("公示已发布：%(start_date)s至%(end_date)s。名单中的申报已转为“拟认定，公示中”。") % {"start_date": services.date_text(publicity.start_date), "end_date": services.date_text(publicity.end_date)})
    return redirect("publicity:manage_detail", pk=pk)


@city_required
@require_POST
def finalise(request, pk: int):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    try:
        publicity = services.publicity_finalise(publicity=publicity, user=request.user)
    except services.PublicityError as error:
        _error(request, error)
    else:
        count = len(publicity.final_snapshot["entries"])
        messages.success(request, gettext("认定完成：%(count)s 家企业列入认定名单，名单已在公示页面公布。") % {"count": count})
    return redirect("publicity:manage_detail", pk=pk)


@city_required
def objection(request, pk: int):
    item = get_object_or_404(selectors.objections_visible_to(request.user)
                             .select_related("publicity", "entry__application", "handled_by"), pk=pk)
    handle_form = forms.ObjectionHandleForm(request.POST or None)
    if request.method == "POST" and handle_form.is_valid():
        try:
            services.objection_handle(objection=item, user=request.user, **handle_form.cleaned_data)
        except services.PublicityError as error:
            handle_form.add_error(None, error.message)
        else:
            messages.success(request, gettext("异议 %(number)s 的处理结果已记录。") % {"number": item.number})
            return redirect("publicity:objection", pk=pk)
    reject_form = forms.EntryRejectForm()
    return render(request, "publicity/objection.html", {
        "objection": item, "publicity": item.publicity, "entry": item.entry, "handle_form": handle_form,
        "reject_form": reject_form,  # whether it is offered: the template asks "publicity_entry.reject"
    }, status=400 if request.method == "POST" else 200)


@city_required
@require_POST
def entry_reject(request, pk: int):
    item = get_object_or_404(selectors.objections_visible_to(request.user), pk=pk)
    form = forms.EntryRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写不予认定的理由。"))
        return redirect("publicity:objection", pk=pk)
    try:
        entry = services.entry_reject(objection=item, user=request.user, reason=form.cleaned_data["reason"])
    except services.PublicityError as error:
        _error(request, error)
    else:
        messages.success(request, gettext("第 %(position)s 号（%(enterprise_name)s）已不予认定，企业已收到通知。") % {"position": entry.position, "enterprise_name": entry.enterprise_name})
    return redirect("publicity:objection", pk=pk)


@city_required
def objection_attachment(request, pk: int):
    item = get_object_or_404(selectors.objections_visible_to(request.user), pk=pk)
    if not item.attachment:
        raise Http404
    response = FileResponse(item.attachment.open("rb"), content_type=item.attachment_type, as_attachment=True,
                            filename=item.attachment_name or "attachment")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@city_required
def calendar(request):
    form = forms.CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_day_add(day=data["date"], kind=data["kind"], note=data["note"], user=request.user)
        except services.PublicityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, gettext("已保存。尚未发布的公示已按新设置重新计算截止日期。"))
            return redirect("publicity:calendar")
    return render(request, "publicity/calendar.html", {
        "form": form, "days": CalendarDay.objects.select_related("created_by"),
    }, status=400 if request.method == "POST" else 200)


@city_required
@require_POST
def calendar_delete(request, pk: int):
    row = get_object_or_404(CalendarDay, pk=pk)
    try:
        services.calendar_day_delete(row=row, user=request.user)
    except services.PublicityError as error:
        _error(request, error)
        return redirect("publicity:calendar")
    messages.success(request, gettext("已删除。尚未发布的公示已按新设置重新计算截止日期。"))
    return redirect("publicity:calendar")


# --- documents for the bureau's website: the 公示 notice, the 认定通知 ------------------------------------------

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _notice_file(request, document: notices.NoticeDocument, fmt: str, *, template: bytes | None = None):
    try:
        if fmt == "pdf":
            return attachment(notices.render_pdf(document), f"{document.filename}.pdf", "application/pdf")
        return attachment(notices.render_docx(document, template), f"{document.filename}.docx", DOCX_CONTENT_TYPE)
    except TiduError as error:
        return render(request, "documents/error.html", {"message": error.message}, status=503)


def _publicity_notice(request, pk: int, fmt: str):
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    # The bureau's own Word template for the 公示 of this call, when it enabled one (documents' template page).
    template = (document_services.template_bytes(publicity.call, "publicity_notice_docx")
                if fmt == "docx" else None)
    return _notice_file(request, notices.publicity_notice(publicity, selectors.publicity_entries(publicity)), fmt,
                        template=template)


@city_required
def publicity_notice_docx(request, pk: int):
    """The 公示 as Word, for the bureau's website: its dates, list, contact and how to object."""
    return _publicity_notice(request, pk, "docx")


@city_required
def publicity_notice_pdf(request, pk: int):
    return _publicity_notice(request, pk, "pdf")


@city_required
def recognition_notice(request, call_pk: int):
    """The call's 认定通知: enter 文号 and date (audited), then download it as Word or PDF."""
    call = get_object_or_404(Call, pk=call_pk)
    notice = RecognitionNotice.objects.filter(call=call).select_related("recorded_by").first()
    snapshot = notices.call_snapshot(call)
    initial = {"document_number": notice.document_number, "issue_date": notice.issue_date} if notice else {}
    form = forms.RecognitionNoticeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                RecognitionNoticeRecord(call, **form.cleaned_data).execute(request.user)
            except TiduError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, gettext("认定通知的文号和发文日期已保存。"))
                return redirect("publicity:recognition_notice", call_pk=call.pk)
    return render(request, "publicity/recognition_notice.html", {
        "call": call, "notice": notice, "snapshot": snapshot, "form": form}, status=status)


def _recognition_notice(request, call_pk: int, fmt: str):
    call = get_object_or_404(Call, pk=call_pk)
    notice = RecognitionNotice.objects.filter(call=call).select_related("call").first()
    snapshot = notices.call_snapshot(call)
    if notice is None or snapshot is None:
        raise Http404
    # The bureau's own Word template for this call, when it uploaded one (documents' template page).
    template = document_services.template_bytes(call, "recognition_notice_docx") if fmt == "docx" else None
    return _notice_file(request, notices.recognition_notice(notice, snapshot), fmt, template=template)


@city_required
def recognition_notice_docx(request, call_pk: int):
    return _recognition_notice(request, call_pk, "docx")


@city_required
def recognition_notice_pdf(request, call_pk: int):
    return _recognition_notice(request, call_pk, "pdf")

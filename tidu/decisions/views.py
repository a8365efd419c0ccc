"""The city's decision pages: an application's 评审结论 (and 不予认定), and a call's 集体决策 and pass mark.

Thin: parse, call ``services`` (operations) or the application's own "reject" transition, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.applications import selectors as application_selectors
from tidu.applications import services as application_services
from tidu.core.downloads import CSV_CONTENT_TYPE, attachment
from tidu.core.errors import TiduError
from tidu.decisions import exports, forms, letters, selectors, services
from tidu.policy.selectors import call_list
from tidu.review import selectors as review_selectors

city_required = role_required(User.Role.CITY)


def _application(request, pk):
    return get_object_or_404(application_selectors.applications_visible_to(request.user), pk=pk)


def _error_text(error: TiduError) -> str:
    return error.message + ("".join(f"\n· {line}" for line in error.details) if error.details else "")


@city_required
def application(request, pk: int):
    item = _application(request, pk)
    total = selectors.panel_total(item)
    setting = selectors.setting_for(item.call)
    pass_mark = setting.pass_mark if setting else None
    suggested = selectors.suggestion(total, pass_mark)
    status = 200
    if request.method == "POST":
        form = forms.ConclusionForm(request.POST)
        if form.is_valid():
            try:
                conclusion = services.conclusion_record(application=item, user=request.user, **form.cleaned_data)
            except TiduError as error:
                form.add_error(None, _error_text(error))
                status = 400
            else:
                messages.success(request, gettext("评审结论已记录：%(outcome)s。") % {
                    "outcome": conclusion.get_outcome_display()})
                return redirect("decisions:application", pk=item.pk)
        else:
            status = 400
    else:
        form = forms.ConclusionForm(initial={"outcome": suggested} if suggested else {})
    conclusions = selectors.conclusions_for(item)
    return render(request, "decisions/application.html", {
        "application": item, "total": total, "setting": setting, "pass_mark": pass_mark, "suggested": suggested,
        "stage": selectors.stage_for(item), "conclusions": conclusions,
        "latest": conclusions[0] if conclusions else None, "form": form, "reject_form": forms.RejectForm(),
        "open_discrepancies": selectors.candidate_facts([item])[0].open_discrepancies,
    }, status=status)


@city_required
@require_POST
def reject(request, pk: int):
    """不予认定 through the application's own transition ("application.reject"), with its reason."""
    item = _application(request, pk)
    form = forms.RejectForm(request.POST)
    back = request.POST.get("next") == "review"
    target = ("applications:review" if back else "decisions:application", item.pk)
    if not form.is_valid():
        messages.error(request, gettext("请填写不予认定的理由。"))
        return redirect(*target)
    try:
        application_services.application_transition(application=item, action="reject", user=request.user,
                                                    reason=form.cleaned_data["reason"])
    except TiduError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, gettext("已不予认定：%(name)s，企业已收到通知。") % {"name": item.enterprise.name})
    return redirect(*target)


@city_required
def call(request, pk: int):
    item = get_object_or_404(call_list(), pk=pk)
    setting = selectors.setting_for(item)
    setting_form = forms.SettingForm(initial={"pass_mark": setting.pass_mark if setting and setting.pass_mark is not None
                                              else "", "source": setting.source if setting else ""})
    decision_form = forms.CollectiveDecisionForm()
    chosen: list[int] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "setting":
            setting_form = forms.SettingForm(request.POST)
            if setting_form.is_valid():
                try:
                    services.decision_setting_set(call=item, user=request.user, **setting_form.cleaned_data)
                except TiduError as error:
                    setting_form.add_error(None, _error_text(error))
                else:
                    messages.success(request, gettext("合格分数线已保存。"))
                    return redirect("decisions:call", pk=item.pk)
        elif action == "collective":
            decision_form = forms.CollectiveDecisionForm(request.POST)
            chosen = [int(v) for v in request.POST.getlist("conclusion") if v.isdigit()]
            if decision_form.is_valid():
                try:
                    services.collective_decision_record(call=item, user=request.user, conclusion_ids=chosen,
                                                        **decision_form.cleaned_data)
                except TiduError as error:
                    decision_form.add_error(None, _error_text(error))
                else:
                    messages.success(request, gettext("集体决策已记录，并附于所选申报的评审结论。"))
                    return redirect("decisions:call", pk=item.pk)
        else:
            raise Http404
        status = 400
    decisions = list(selectors.collective_decisions_visible_to(request.user).filter(call=item)
                     .prefetch_related("conclusions__application__enterprise"))
    return render(request, "decisions/call.html", {
        "call": item, "setting": setting, "setting_form": setting_form, "decision_form": decision_form,
        "attachable": selectors.attachable_conclusions(item), "chosen": chosen, "decisions": decisions,
    }, status=status)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _intake_filters(request):
    filters, _problems = review_selectors.parse_intake_filters(request.GET)  # as the page reads them
    return filters


@city_required
def intake_csv(request):
    """The intake list with the page's filters (every page of it), plus panel score and conclusion."""
    filters = _intake_filters(request)
    return attachment(exports.intake_csv(request.user, filters), gettext("受理列表.csv"), CSV_CONTENT_TYPE)


@city_required
def intake_xlsx(request):
    filters = _intake_filters(request)
    return attachment(exports.intake_xlsx(request.user, filters), gettext("受理列表.xlsx"), XLSX_CONTENT_TYPE)


@login_required
def letter(request, pk: int):
    """The 认定 / 不予认定 letter as PDF: the enterprise's own users and the city; anyone else a 404."""
    base = application_selectors.applications_visible_to(request.user).select_related("enterprise", "call")
    item = get_object_or_404(letters.letters_visible_to(request.user, base), pk=pk)
    letter_doc = letters.letter_for(item)
    if letter_doc is None:
        raise Http404
    try:
        content = letters.letter_pdf(letter_doc)
    except TiduError as error:
        return render(request, "documents/error.html", {"message": error.message}, status=503)
    return attachment(content, letters.letter_filename(letter_doc), "application/pdf")

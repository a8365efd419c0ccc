"""The what-if pages (city bureau): start a run for a draft, follow its progress, read and export the result."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tidu.core.downloads import CSV_CONTENT_TYPE, attachment
from tidu.core.forms import Form
from tidu.policy.editor_views import city_only
from tidu.policy.models import Call
from tidu.policy.selectors import drafts_visible_to
from tidu.whatif import services
from tidu.whatif.operations import WhatIfError
from tidu.whatif.selectors import runs_visible_to

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StartForm(Form):
    call = forms.ModelChoiceField(label=gettext_lazy("对哪一批次的已提交申报试算"), queryset=Call.objects.none(),
                                  empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = Call.objects.order_by("-year", "code")


@city_only
def start(request, pk):
    draft = get_object_or_404(drafts_visible_to(request.user), pk=pk)
    form = StartForm(request.POST or None, initial={"call": draft.call_id})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_whatif(draft=draft, call=form.cleaned_data["call"], user=request.user)
        except WhatIfError as exc:
            error = exc
        else:
            return redirect("whatif:run", run.pk)
    runs = runs_visible_to(request.user).filter(draft=draft)
    return render(request, "whatif/start.html", {"draft": draft, "form": form, "runs": runs, "error": error})


def _context(request, run):
    clause = request.GET.get("clause", "")
    rows = run.changes.order_by("id") if run.is_done else run.changes.none()
    if clause:
        rows = rows.filter(clause=clause)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.before_label, row.after_label = services.result_label(row.before), services.result_label(row.after)
        row.outcome_before_label = services.outcome_label(row.outcome_before)
        row.outcome_after_label = services.outcome_label(row.outcome_after)
    clauses = run.summary.get("clauses", []) if run.is_done else []
    for item in clauses:
        item["to_labels"] = "；".join(f"{services.result_label(key[3:])} {count}" for key, count in item.items()
                                      if key.startswith("to_"))
    return {"run": run, "page": page, "clause": clause, "clauses": clauses,
            "query": f"clause={clause}" if clause else ""}


@city_only
def run(request, pk):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    return render(request, "whatif/run.html", _context(request, run))


@city_only
@require_GET
def run_status(request, pk):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    return render(request, "whatif/_run.html", _context(request, run))


@city_only
@require_GET
def export(request, pk, fmt):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    if fmt not in ("csv", "xlsx") or not run.is_done:
        raise Http404
    name = _("试算结果_%(ref)s_%(call)s.%(fmt)s") % {"ref": run.draft.ref, "call": run.call.code, "fmt": fmt}
    if fmt == "csv":
        return attachment(services.export_csv(run), name, CSV_CONTENT_TYPE)
    return attachment(services.export_xlsx(run), name, XLSX)

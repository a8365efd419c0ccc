"""Pages of expert review: the city's pool, rubrics, assignment and reconciliation; the expert's tasks and scoring.

Views stay thin: they find objects through ``selectors`` (anything not visible is a 404), parse the
request and call ``services``; roles that have no business here get a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidu.accounts.models import User
from tidu.accounts.permissions import role_required
from tidu.core.downloads import attachment
from tidu.documents.sheets import sheet_response
from tidu.documents.typst_engine import DocumentError
from tidu.experts import exports, forms, operations, rubrics, selectors, services, sheets
from tidu.experts.content import application_content, declared_levels
from tidu.experts.models import Assignment, Criterion, ExpertProfile, ExpertRelation, Rubric
from tidu.experts.scoring import fmt_points
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for

POOL_PAGE_SIZE = 50

Role = User.Role
city_only = role_required(Role.CITY)  # 系统管理员 is not city (accounts.permissions)
expert_only = role_required(Role.EXPERT)


def _city_application(request, pk):
    application = selectors.application_for_city(request.user, pk)
    if application is None:
        raise Http404(gettext("找不到该申报"))
    return application


# --- the city: overview and pool ---------------------------------------------------------------------

@city_only
@require_GET
def home(request):
    queue = list(selectors.review_queue(request.user))
    return render(request, "experts/home.html", {
        "queue": queue,
        "pool_count": ExpertProfile.objects.filter(is_active=True).count(),
        "calls": Call.objects.order_by("-year", "code")[:5]})


@city_only
@require_GET
def pool(request):
    page = Paginator(selectors.pool(), POOL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "experts/pool.html", {"profiles": page.object_list, "page": page})


@city_only
@require_http_methods(["GET", "POST"])
def profile_new(request):
    form = forms.NewProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expert = data["existing_user"] or services.expert_account_create(
                user=request.user, username=data["username"], name=data["name"], email=data["email"],
                phone=data["phone"])
            profile = services.profile_create(user=request.user, expert=expert, data=data)
        except services.ExpertsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, gettext("已将 %(display_name)s 加入专家库") % {"display_name": profile.user.display_name})
            return redirect("experts:profile_edit", pk=profile.pk)
    return render(request, "experts/profile_form.html", {"form": form, "new": True},
                  status=400 if request.method == "POST" else 200)


@city_only
@require_http_methods(["GET", "POST"])
def profile_edit(request, pk):
    profile = get_object_or_404(selectors.pool(), pk=pk)
    action = request.POST.get("action", "profile")
    form = forms.ProfileForm(request.POST if action == "profile" else None, instance=profile)
    relation_form = forms.RelationForm(request.POST if action == "relation" else None)
    if request.method == "POST":
        if action == "profile" and form.is_valid():
            services.profile_update(user=request.user, profile=profile, data=form.cleaned_data)
            messages.success(request, gettext("已保存专家信息"))
            return redirect("experts:profile_edit", pk=profile.pk)
        if action == "relation" and relation_form.is_valid():
            data = relation_form.cleaned_data
            services.relation_declare(user=request.user, profile=profile, enterprise=data["enterprise"],
                                      kind=data["kind"], note=data["note"])
            messages.success(request, gettext("已登记与“%(name)s”的关联关系") % {"name": data["enterprise"].name})
            return redirect("experts:profile_edit", pk=profile.pk)
    return render(request, "experts/profile_form.html", {
        "form": form, "profile": profile, "relation_form": relation_form,
        "assignments": profile.user.expert_assignments.select_related("application__enterprise")[:50]},
        status=400 if request.method == "POST" else 200)


@city_only
@require_POST
def relation_remove(request, pk):
    relation = get_object_or_404(ExpertRelation.objects.select_related("enterprise"), pk=pk)
    profile_pk = relation.profile_id
    services.relation_remove(user=request.user, relation=relation, reason=request.POST.get("reason", ""))
    messages.success(request, gettext("已删除与“%(name)s”的关联关系") % {"name": relation.enterprise.name})
    return redirect("experts:profile_edit", pk=profile_pk)


# --- the city: rubrics -------------------------------------------------------------------------------

@city_only
@require_GET
def rubric_list(request):
    rows = []
    for call in Call.objects.order_by("-year", "code"):
        policy = call_policy_for(call)
        tier = policy.call_tier
        rows.append({"call": call, "tier": tier, "rubric": Rubric.objects.filter(call=call, tier=tier["id"]).first()})
    return render(request, "experts/rubric_list.html", {"rows": rows})


@city_only
@require_POST
def rubric_ensure(request, call_pk):
    call = get_object_or_404(Call, pk=call_pk)
    rubric = services.rubric_ensure(call, call_policy_for(call).call_tier["id"], request.user)
    return redirect("experts:rubric", pk=rubric.pk)


@city_only
@require_GET
def scores_export(request, call_pk):
    """Every unsealed application's scores of the call, per expert and per criterion (XLSX)."""
    call = get_object_or_404(Call, pk=call_pk)
    return attachment(exports.scores_xlsx(request.user, call), gettext("专家评分明细.xlsx"),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _rubric_context(rubric, **extra):
    criteria = list(rubric.criteria.all())
    return {"rubric": rubric, "criteria": criteria, "max_total": sum(c.max_points for c in criteria),
            "outlier_note": rubrics.OUTLIER_NOTE, "source_grade": rubrics.SOURCE_GRADE,
            "settings_form": extra.pop("settings_form", None) or forms.RubricSettingsForm(instance=rubric),
            "add_form": extra.pop("add_form", None) or forms.CriterionForm(), **extra}


@city_only
@require_http_methods(["GET", "POST"])
def rubric_detail(request, pk):
    rubric = get_object_or_404(Rubric.objects.select_related("call"), pk=pk)
    if request.method == "GET":
        return render(request, "experts/rubric.html", _rubric_context(rubric))
    action = request.POST.get("action", "")
    context = {}
    try:
        if action == "settings":
            form = forms.RubricSettingsForm(request.POST, instance=Rubric.objects.get(pk=rubric.pk))
            if form.is_valid():
                services.rubric_settings_update(user=request.user, rubric=rubric, data=form.cleaned_data,
                                                reason=form.cleaned_data.get("reason", ""))
                messages.success(request, gettext("已保存评分表设置"))
                return redirect("experts:rubric", pk=rubric.pk)
            context["settings_form"] = form
        elif action in ("add", "update"):
            form = forms.CriterionForm(request.POST)
            # Kept on the page whatever happens, so a refused scale does not lose what was typed.
            context["add_form" if action == "add" else "edit_form"] = form
            context["edit_id"] = request.POST.get("criterion")
            if form.is_valid():
                if action == "add":
                    services.criterion_add(user=request.user, rubric=rubric, **form.cleaned_data)
                else:
                    criterion = get_object_or_404(Criterion, pk=request.POST.get("criterion"), rubric=rubric)
                    services.criterion_update(user=request.user, criterion=criterion, **form.cleaned_data)
                messages.success(request, gettext("已保存评分项"))
                return redirect("experts:rubric", pk=rubric.pk)
        elif action in ("up", "down", "delete"):
            criterion = get_object_or_404(Criterion, pk=request.POST.get("criterion"), rubric=rubric)
            if action == "delete":
                services.criterion_delete(user=request.user, criterion=criterion)
                messages.success(request, gettext("已删除评分项“%(name)s”") % {"name": criterion.name})
            else:
                services.criterion_move(user=request.user, criterion=criterion, direction=action)
            return redirect("experts:rubric", pk=rubric.pk)
        else:
            context["error"] = gettext("未知的操作")
    except services.ExpertsError as error:
        context["error"] = error.message
    rubric.refresh_from_db()
    return render(request, "experts/rubric.html", _rubric_context(rubric, **context), status=400)


# --- the city: assignment, progress, reconciliation --------------------------------------------------

@city_only
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    application = _city_application(request, pk)
    rubric = services.rubric_ensure(application.call, application.tier, request.user)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("mode") == "auto":
                try:
                    count = int(request.POST.get("count", ""))
                except ValueError:
                    count = rubric.experts_per_application
                created = services.assign_experts(application=application, user=request.user, count=count)
            else:
                ids = [v for v in request.POST.getlist("experts") if v.isdigit()]
                experts = list(User.objects.filter(pk__in=ids, role=Role.EXPERT))
                created = services.assign_experts(application=application, user=request.user, experts=experts)
        except services.ExpertsError as refused:
            error = refused
        else:
            names = "、".join(a.expert.display_name for a in created)
            messages.success(request, gettext("已选派 %(created)s 位专家（%(names)s）并通知本人") % {"created": len(created), "names": names})
            return redirect("experts:review", pk=application.pk)
    application.refresh_from_db()
    eligible, excluded = selectors.candidates(application, rubric)
    state = selectors.review_state(application)
    # What the panel still needs to reach the rubric's size (its quorum): withdrawn experts and those with a
    # conflict found after assignment do not count. The next eligible ones are offered (pre-selected).
    return render(request, "experts/assign.html", {
        "application": application, "rubric": rubric, "eligible": eligible, "excluded": excluded, "state": state,
        "suggested": {c.user.pk for c in selectors.auto_pick(eligible, state.needed)},
        "default_count": state.needed or 1, "error": error,
        "chosen": {int(v) for v in request.POST.getlist("experts") if v.isdigit()}},
        status=400 if error else 200)


def _review_context(request, application, **extra):
    state = selectors.review_state(application)
    visible = selectors.scores_visible(request.user, state)
    context = {"application": application, "state": state, "rubric": state.rubric, "visible": visible,
               "result": services.latest_result(application), "outlier_note": rubrics.OUTLIER_NOTE,
               "panel_opinion": selectors.panel_opinion_for(request.user, application), "opinion_text": None,
               "quorum_override_reason": "", **extra}
    rows = {}
    if visible and state.submitted:
        aggregate = selectors.aggregate_state(state)
        context["aggregate"] = aggregate
        rows = {row.key: row for row in aggregate.rows}
    context["lines"] = [{"a": a, "row": rows.get(a.pk), "conflict": state.conflicts.get(a.pk)}
                        for a in state.assignments]
    return context


def _review_refused(request, application, **fields):
    """The expert-review page again (400) with a refusal and what was typed (``fields``); nothing was changed."""
    return render(request, "experts/review.html", _review_context(request, application, **fields), status=400)


@city_only
@require_GET
def review(request, pk):
    application = _city_application(request, pk)
    return render(request, "experts/review.html", _review_context(request, application))


@city_only
@require_POST
def reopen(request, pk):
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    application = _city_application(request, assignment.application_id)
    try:
        services.assignment_reopen(assignment=assignment, user=request.user, reason=request.POST.get("reason", ""))
    except services.ExpertsError as error:
        return _review_refused(request, application, reopen_error=error.message, reopen_id=assignment.pk,
                               reopen_reason=request.POST.get("reason", ""))
    messages.success(request, gettext("已退回 %(display_name)s 复核评分，并通知本人") % {"display_name": assignment.expert.display_name})
    return redirect("experts:review", pk=application.pk)


@city_only
@require_POST
def complete(request, pk):
    application = _city_application(request, pk)
    note = request.POST.get("note", "")
    override = request.POST.get("quorum_override_reason", "")
    try:
        result = services.review_complete(application=application, user=request.user, note=note,
                                          quorum_override_reason=override)
    except services.ExpertsError as error:
        application.refresh_from_db()
        return _review_refused(request, application, complete_error=error, note=note,
                               quorum_override_reason=override)
    messages.success(request, gettext("专家评审已完成：平均分 %(mean_total)s；已生成现场核查清单") % {"mean_total": result.mean_total})
    return redirect("experts:review", pk=application.pk)


@city_only
@require_POST
def withdraw(request, pk):
    """The city withdraws an expert found to have a conflict of interest; the assign page then offers others."""
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    application = _city_application(request, assignment.application_id)
    try:
        services.assignment_withdraw(assignment=assignment, user=request.user, reason=request.POST.get("reason", ""))
    except services.ExpertsError as error:
        return _review_refused(request, application, withdraw_error=error.message, withdraw_id=assignment.pk,
                               withdraw_reason=request.POST.get("reason", ""))
    messages.success(request, gettext("已撤回 %(display_name)s 的评审任务；请选派其他专家补足专家组") % {
        "display_name": assignment.expert.display_name})
    return redirect("experts:assign", pk=application.pk)


@city_only
@require_POST
def leader(request, pk):
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    application = _city_application(request, assignment.application_id)
    try:
        services.leader_set(assignment=assignment, user=request.user)
    except services.ExpertsError as error:
        return _review_refused(request, application, reopen_error=error.message)
    messages.success(request, gettext("已指定 %(display_name)s 为专家组组长") % {
        "display_name": assignment.expert.display_name})
    return redirect("experts:review", pk=application.pk)


@city_only
@require_POST
def panel_opinion(request, pk):
    """The city records the panel opinion (专家组意见)."""
    application = _city_application(request, pk)
    text = request.POST.get("text", "")
    try:
        services.panel_opinion_record(application=application, user=request.user, text=text)
    except services.ExpertsError as error:
        return _review_refused(request, application, opinion_error=error.message, opinion_text=text)
    messages.success(request, gettext("已保存专家组意见"))
    return redirect("experts:review", pk=application.pk)


# --- the expert ------------------------------------------------------------------------------------

@expert_only
@require_GET
def my_assignments(request):
    rows = []
    for assignment in selectors.assignments_for_expert(request.user):
        state = selectors.review_state(assignment.application) if assignment.is_active else None
        rows.append({"assignment": assignment, "state": state})
    return render(request, "experts/my_assignments.html", {
        "rows": rows, "profile": selectors.profile_of(request.user)})


def _own_assignment(request, pk) -> Assignment:
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user).filter(expert=request.user), pk=pk)
    if not selectors.can_view_assignment(request.user, assignment):
        raise Http404(gettext("找不到该评审任务"))
    return assignment


def _score_context(request, assignment, *, typed=None, errors=None, comments=None, **extra):
    application = assignment.application
    state = selectors.review_state(application)
    visible = selectors.scores_visible(request.user, state)
    stored = {s.criterion_id: s.points for s in assignment.scores.all()}
    declared = declared_levels(application)
    criteria = []
    for criterion in assignment.rubric.criteria.all():
        value = typed.get(criterion.pk, "") if typed is not None else fmt_points(stored.get(criterion.pk))
        criteria.append({"criterion": criterion, "value": value, "error": (errors or {}).get(criterion.pk),
                         "max": fmt_points(criterion.max_points), "declared": declared.get(criterion.name, "")})
    context = {
        "assignment": assignment, "application": application, "rubric": assignment.rubric, "criteria": criteria,
        "comments": assignment.comments if comments is None else comments,
        "comments_error": (errors or {}).get("comments"),
        "editable": bool(operations.AssignmentSave(assignment).check(request.user)), "state": state,
        "visible": visible,
        "max_total": fmt_points(sum(c.max_points for c in assignment.rubric.criteria.all())),
        "total": fmt_points(assignment.total),
        # The panel opinion, for the panel's own experts once the scores are unsealed (the leader may edit it).
        "panel_opinion": selectors.panel_opinion_for(request.user, application) if visible else None,
        "opinion_text": None,
        **application_content(application), **extra}
    if visible:
        aggregate = selectors.aggregate_state(state)
        labels = selectors.expert_labels(state)
        rows = {row.key: row for row in aggregate.rows}
        context["aggregate"] = aggregate
        context["others"] = [{"label": labels[a.pk], "mine": a.pk == assignment.pk, "total": a.total,
                              "row": rows.get(a.pk)} for a in state.submitted]
    return context


@expert_only
@require_http_methods(["GET", "POST"])
def score(request, pk):
    assignment = _own_assignment(request, pk)
    if request.method == "GET":
        return render(request, "experts/score.html", _score_context(request, assignment))
    submit = request.POST.get("action") == "submit"
    typed = {c.pk: request.POST.get(f"c-{c.pk}", "") for c in assignment.rubric.criteria.all()}
    comments = request.POST.get("comments", "")
    try:
        assignment = services.score_save(assignment=assignment, user=request.user, raw=typed, comments=comments,
                                         submit=submit)
    except services.ScoreInvalid as invalid:
        return render(request, "experts/score.html", _score_context(
            request, assignment, typed=typed, errors=invalid.errors, comments=comments, error=invalid.message),
            status=400)
    except services.ExpertsError as refused:
        assignment.refresh_from_db()
        return render(request, "experts/score.html", _score_context(
            request, assignment, typed=typed, comments=comments, error=refused.message), status=400)
    if submit:
        messages.success(request, gettext("评分已提交，总分 %(total)s 分") % {"total": fmt_points(assignment.total)})
    else:
        messages.success(request, gettext("草稿已保存，当前合计 %(total)s 分") % {"total": fmt_points(assignment.total)})
    return redirect("experts:score", pk=assignment.pk)


@expert_only
@require_POST
def declare_conflict(request, pk):
    assignment = _own_assignment(request, pk)
    try:
        services.conflict_declare(assignment=assignment, user=request.user, reason=request.POST.get("reason", ""))
    except services.ExpertsError as error:
        return render(request, "experts/score.html", _score_context(
            request, assignment, conflict_error=error.message, conflict_reason=request.POST.get("reason", "")),
            status=400)
    messages.success(request, gettext("已声明回避，评审任务已撤回，市经信局已收到通知"))
    return redirect("experts:my_assignments")


@expert_only
@require_POST
def leader_opinion(request, pk):
    """The panel leader records the panel opinion (专家组意见) from their own scoring page."""
    assignment = _own_assignment(request, pk)
    text = request.POST.get("text", "")
    try:
        services.panel_opinion_record(application=assignment.application, user=request.user, text=text)
    except services.ExpertsError as error:
        return render(request, "experts/score.html", _score_context(
            request, assignment, opinion_error=error.message, opinion_text=text), status=400)
    messages.success(request, gettext("已保存专家组意见"))
    return redirect("experts:score", pk=assignment.pk)


@expert_only
@require_GET
def evidence(request, pk, evidence_pk):
    """An evidence file of an application the expert is assigned to (and has not withdrawn from)."""
    assignment = _own_assignment(request, pk)
    item = get_object_or_404(selectors.assignment_evidence(request.user, assignment), pk=evidence_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(gettext("文件已不存在")) from missing
    return FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)


@expert_only
@require_http_methods(["GET", "POST"])
def my_profile(request):
    profile = selectors.profile_of(request.user)
    form = forms.SelfRelationForm(request.POST or None)
    if request.method == "POST":
        if profile is None:
            messages.error(request, gettext("您尚未被市经信局纳入专家库，暂不能登记关联关系"))
            return redirect("experts:my_profile")
        if form.is_valid():
            data = form.cleaned_data
            services.relation_declare(user=request.user, profile=profile, enterprise=data["enterprise"],
                                      kind=data["kind"], note=data["note"])
            messages.success(request, gettext("已登记与“%(name)s”的关联关系；该企业的申报将自动回避") % {"name": data["enterprise"].name})
            return redirect("experts:my_profile")
    return render(request, "experts/my_profile.html", {"profile": profile, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- printable sheets ---------------------------------------------------------------------------------------

def _sheet(request, sheet, fmt):
    try:
        return sheet_response(request, sheet, fmt)
    except DocumentError as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")


@role_required(Role.CITY, Role.EXPERT)
@require_GET
def score_sheet(request, pk, fmt):
    """One 专家评分表: an expert prints their own; the city any, once the scores are unsealed for it."""
    assignment = get_object_or_404(selectors.assignments_visible_to(request.user), pk=pk)
    if not selectors.can_view_assignment(request.user, assignment):
        raise Http404(gettext("找不到该评审任务"))
    if assignment.expert_id != request.user.pk and not selectors.scores_visible(
            request.user, selectors.review_state(assignment.application)):
        raise PermissionDenied(gettext("专家全部提交评分前，评分表不能打印。"))
    return _sheet(request, sheets.score_sheet(assignment), fmt)


@city_only
@require_GET
def panel_sheet(request, pk, fmt):
    """The 专家组意见表, once the panel's scores are unsealed."""
    application = _city_application(request, pk)
    panel = selectors.panel_for(request.user, application)
    if panel is None:
        raise Http404(gettext("该申报尚未选派专家"))
    if panel.sealed:
        raise PermissionDenied(gettext("专家全部提交评分前，专家组意见表不能打印。"))
    return _sheet(request, sheets.panel_sheet(panel), fmt)


@city_only
@require_GET
def sign_in_sheet(request, pk, fmt):
    """The 专家签到表 of the application's panel."""
    application = _city_application(request, pk)
    return _sheet(request, sheets.sign_in_sheet(selectors.review_state(application)), fmt)


# --- review sessions (评审会) -------------------------------------------------------------------------------

@city_only
@require_GET
def sessions(request):
    """The city's 评审会: each with its experts and applications, and its 专家签到表 to print."""
    found = (selectors.review_sessions_visible_to(request.user)
             .prefetch_related("experts", "applications__enterprise"))
    page = Paginator(found, POOL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "experts/sessions.html", {"sessions": page.object_list, "page": page})


def _session_form_page(request, form, session=None):
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        call = data.pop("call", None)
        try:
            saved = services.review_session_save(user=request.user, data=data, call=call, session=session)
        except services.ExpertsError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, gettext("评审会“%(name)s”已保存") % {"name": saved.name})
            return redirect("experts:sessions")
    return render(request, "experts/session_form.html", {"form": form, "session": session},
                  status=400 if request.method == "POST" else 200)


@city_only
@require_http_methods(["GET", "POST"])
def session_new(request):
    return _session_form_page(request, forms.ReviewSessionForm(request.POST or None, user=request.user))


@city_only
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    session = get_object_or_404(selectors.review_sessions_visible_to(request.user), pk=pk)
    initial = {"name": session.name, "date": session.date, "place": session.place,
               "experts": list(session.experts.all()), "applications": list(session.applications.all())}
    form = forms.ReviewSessionForm(request.POST or None, user=request.user, session=session, initial=initial)
    return _session_form_page(request, form, session)


@city_only
@require_GET
def session_sign_in_sheet(request, pk, fmt):
    """The 专家签到表 of a 评审会 (PDF or Word, with its 校验码)."""
    session = get_object_or_404(selectors.review_sessions_visible_to(request.user), pk=pk)
    return _sheet(request, sheets.session_sign_in_sheet(session), fmt)

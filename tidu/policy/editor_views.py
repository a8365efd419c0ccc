"""The call editor's pages (city bureau): start a draft from a call, edit it, compare it, publish it."""

from __future__ import annotations

from functools import wraps

import yaml
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tidu.core.downloads import attachment
from tidu.core.operations import role_of
from tidu.policy import selectors
from tidu.policy.editor import apply_edit, diff, next_version
from tidu.policy.forms import DraftCreateForm, DraftEditForm
from tidu.policy.models import Call, PackDraft
from tidu.policy.operations import DraftCreate, DraftPublish, DraftSave, PolicyEditError


def city_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) != "city":
            raise PermissionDenied(_("当前账号的角色无权访问此页面。"))
        return view(request, *args, **kwargs)

    return wrapper


def _draft_for(request, pk: int) -> PackDraft:
    return get_object_or_404(selectors.drafts_visible_to(request.user), pk=pk)


@city_only
def editor(request, code):
    """The call's drafts, and the form that starts the next one from the version the call uses now."""
    call = get_object_or_404(Call.objects.select_related("call_pack"), code=code)
    base = call.call_pack
    initial = {"pack_id": base.pack_id, "version": next_version(base.version), "code": call.code,
               "title": call.title, "year": call.year}
    form = DraftCreateForm(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            draft = DraftCreate(call, **form.cleaned_data).execute(request.user)
        except PolicyEditError as exc:
            error = exc
        else:
            messages.success(request, _("已创建草稿 %(ref)s。") % {"ref": draft.ref})
            return redirect("policy:draft", draft.pk)
    drafts = selectors.drafts_visible_to(request.user).filter(call=call)
    return render(request, "policy/editor.html", {"call": call, "form": form, "drafts": drafts, "error": error})


@city_only
def draft(request, pk):
    draft = _draft_for(request, pk)
    form = DraftEditForm(request.POST or None, document=draft.document)
    error = None
    if request.method == "POST" and form.is_valid():
        document = apply_edit(draft.document, form.edit)
        try:
            DraftSave(draft, document=document).execute(request.user)
        except PolicyEditError as exc:
            error = exc
        else:
            messages.success(request, _("已保存。"))
            return redirect("policy:draft", draft.pk)
    elif request.method == "POST" and not (allowed := DraftSave(draft).check(request.user)):
        error = PolicyEditError(allowed.reason)
    return render(request, "policy/draft.html", {"draft": draft, "form": form, "error": error,
                                                 "change_count": len(diff(draft.base.document, draft.document))})


@city_only
def draft_diff(request, pk):
    draft = _draft_for(request, pk)
    return render(request, "policy/draft_diff.html", {"draft": draft,
                                                      "changes": diff(draft.base.document, draft.document)})


@city_only
@require_POST
def draft_publish(request, pk):
    draft = _draft_for(request, pk)
    try:
        row = DraftPublish(draft).execute(request.user)
    except PolicyEditError as exc:
        return render(request, "policy/draft_diff.html", {"draft": draft, "error": exc,
                                                          "changes": diff(draft.base.document, draft.document)},
                      status=400)
    messages.success(request, _("已发布 %(ref)s，此版本从此不可修改。") % {"ref": row.ref})
    return redirect("policy:draft_diff", draft.pk)


@city_only
def draft_yaml(request, pk):
    """The version as a pack file (``<pack id>/<version>.yaml``), to keep it in the repository's packs directory."""
    draft = _draft_for(request, pk)
    text = yaml.safe_dump(draft.document, allow_unicode=True, sort_keys=False, width=120)
    return attachment(text.encode("utf-8"), f"{draft.version}.yaml", "application/yaml; charset=utf-8")

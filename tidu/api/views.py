"""The token pages: a user makes and revokes his own tokens; the 审计管理员 and 安全管理员 list all of them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tidu.accounts import permissions
from tidu.api import selectors
from tidu.api.forms import TokenForm
from tidu.api.models import SCOPES_BY_ROLE, ApiToken
from tidu.api.operations import TokenCreate, TokenRevoke, create_token, revoke_token
from tidu.core.errors import TiduError

SECRET_SESSION_KEY = "api_new_token_secret"


@login_required
def tokens(request):
    """Make a token (POST, then redirect: a reload never makes a second one) and list one's tokens. The new
    secret is handed to the next GET through the session and dropped from it as soon as it is shown."""
    role = permissions.role_of(request.user)
    may_create = role in SCOPES_BY_ROLE and bool(TokenCreate(ApiToken(user=request.user)).check(request.user))
    form = TokenForm(request.POST or None, role=role)
    status = 200
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied(_("当前角色不能创建个人访问令牌。"))
        if form.is_valid():
            try:
                _token, secret = create_token(request.user, name=form.cleaned_data["name"],
                                              scopes=form.cleaned_data["scopes"], days=form.cleaned_data["days"])
            except TiduError as error:
                form.add_error(None, str(error))
            else:
                request.session[SECRET_SESSION_KEY] = secret
                return redirect("api_tokens")
        status = 400
    secret = request.session.pop(SECRET_SESSION_KEY, None) if request.method == "GET" else None
    response = render(request, "api/tokens.html", {
        "form": form, "may_create": may_create, "secret": secret, "tokens": selectors.tokens_of(request.user),
        "may_list_all": selectors.may_list_all_tokens(request.user)}, status=status)
    if secret:
        response["Cache-Control"] = "private, no-store"  # the secret stays out of every cache and history copy
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    if selectors.may_list_all_tokens(request.user):
        token = get_object_or_404(selectors.all_tokens_visible_to(request.user), pk=pk)
    else:
        token = get_object_or_404(selectors.tokens_of(request.user), pk=pk)
    if TokenRevoke(token).check(request.user).forbidden:
        raise PermissionDenied
    try:
        revoke_token(token, request.user)
    except TiduError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤销令牌“%(name)s”，使用它的请求将被拒绝。") % {"name": token.name})
    return redirect("api_tokens_all" if selectors.may_list_all_tokens(request.user) else "api_tokens")


@login_required
def tokens_all(request):
    if not selectors.may_list_all_tokens(request.user):
        raise PermissionDenied
    return render(request, "api/tokens_all.html", {"tokens": selectors.all_tokens_visible_to(request.user),
                                                   "may_revoke": permissions.is_security_admin(request.user)})

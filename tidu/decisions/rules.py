"""Rules the decision domain adds to another domain's operations (registered from DecisionsConfig.ready()).

* 列入公示 (``publicity.add_entries``): only applications whose latest 评审结论 is 通过. The operation is checked
  on the 公示 (which applications are chosen is a parameter), so the execute hook refuses, by name, each chosen
  application without one, before anything is written; the candidate page greys them out from the same read.
* 发布公示 (``publicity.publish``): its check() refuses while an entry of the draft has no 通过 as its latest
  conclusion (e.g. 不通过 recorded after it was added), so the button and execute agree.
"""

from __future__ import annotations

from tidu.applications.models import Application
from tidu.core.errors import TiduError
from tidu.core.operations import ALLOWED, Check, Rule, add_rule, refused
from tidu.decisions import selectors


class NoPassingConclusion(TiduError):
    """Raised inside the publicity operation; its message is shown as the operation's refusal."""


def any_application(user, publicity) -> Check:
    return ALLOWED  # which applications is a parameter: judged in refuse_without_pass


def entries_passed(user, publicity) -> Check:
    problems = []
    for entry in publicity.entries.select_related("application__enterprise"):
        blocker = selectors.conclusion_blocker(entry.application)
        if blocker:
            problems.append(f"{entry.application.enterprise.name}：{blocker}")
    if problems:
        return refused("名单中有申报的评审结论不是“通过”，请移出或重新记录结论后再发布：" + "；".join(problems))
    return ALLOWED


def refuse_without_pass(user, publicity, params) -> None:
    ids = set(params.get("application_ids") or ())
    problems = []
    for application in Application.objects.filter(pk__in=ids).select_related("enterprise").order_by("enterprise__name"):
        blocker = selectors.conclusion_blocker(application)
        if blocker:
            problems.append(f"{application.enterprise.name}：{blocker}")
    if problems:
        raise NoPassingConclusion("只有评审结论为“通过”的申报才能列入公示：", problems)


PASS_BEFORE_PUBLICITY = Rule("decisions.pass_before_publicity", any_application, refuse_without_pass)
PASS_BEFORE_PUBLISH = Rule("decisions.pass_before_publish", entries_passed)


def register() -> None:
    add_rule("publicity.add_entries", PASS_BEFORE_PUBLICITY)
    add_rule("publicity.publish", PASS_BEFORE_PUBLISH)

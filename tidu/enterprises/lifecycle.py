"""The enterprise's registration and the township's confirmation (乡镇确认), as data (same form as
``tidu.applications.workflow``). Each row is one operation of ``tidu.enterprises.operations``.

A visitor registers (``PUBLIC``: no account yet); the officer of the township unit the enterprise chose
confirms it belongs there or sends it back with a reason; a rejected registration may be confirmed later
(after the facts are corrected). The enterprise's own account keeps its contact details up to date.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from tidu.accounts.lifecycle import PUBLIC

NEW = ""
SAME = "@same"  # the state does not change


class EnterpriseState:
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False


S = EnterpriseState
TRANSITIONS: tuple[Transition, ...] = (
    Transition("enterprise.register", gettext_noop("企业登记"), (NEW,), S.PENDING, (PUBLIC,)),
    Transition("enterprise.confirm", gettext_noop("确认属于本单位"), (S.PENDING, S.REJECTED), S.CONFIRMED,
               ("township",)),
    Transition("enterprise.reject", gettext_noop("退回（不予确认）"), (S.PENDING,), S.REJECTED, ("township",),
               needs_reason=True),
    Transition("enterprise.update_contact", gettext_noop("修改联系人"), (S.PENDING, S.CONFIRMED, S.REJECTED), SAME,
               ("enterprise",)),
    # 系统管理员 corrects registration facts in /admin/ (never the confirmation itself: that is the township's)
    Transition("enterprise.correct", gettext_noop("更正登记信息"), (S.PENDING, S.CONFIRMED, S.REJECTED), SAME,
               ("admin",)),
    # A confirmed enterprise asks to change its identity (name, credit code, region, industry); its township
    # decides. Until then the 申报书 keeps carrying the registered values.
    Transition("enterprise.request_change", gettext_noop("申请变更登记信息"), (S.CONFIRMED,), SAME, ("enterprise",),
               needs_reason=True),
    Transition("enterprise.approve_change", gettext_noop("同意变更登记"), (S.CONFIRMED,), SAME, ("township",)),
    Transition("enterprise.reject_change", gettext_noop("不同意变更登记"), (S.CONFIRMED,), SAME, ("township",),
               needs_reason=True),
    # A township (into its own unit) or the city (into the unit each row names) imports enterprises from its
    # registry: confirmed at once, since the importer vouches for them as the confirmation would.
    Transition("enterprise.import", gettext_noop("批量导入企业"), (NEW,), S.CONFIRMED, ("township", "city")),
    # The enterprise lets an officer of its unit prepare its applications (it still signs and submits itself).
    Transition("enterprise.grant_delegation", gettext_noop("委托代为填报"), (S.CONFIRMED,), SAME, ("enterprise",)),
    Transition("enterprise.revoke_delegation", gettext_noop("撤销委托"), (S.PENDING, S.CONFIRMED, S.REJECTED), SAME,
               ("enterprise",)),
)
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


class ImportState:
    CHECKING = "checking"
    CHECKED = "checked"
    REFUSED = "refused"
    IMPORTING = "importing"
    DONE = "done"


IS = ImportState
# The import file's own lifecycle: uploaded (checked by a job), confirmed (imported by a job).
IMPORT_TRANSITIONS: tuple[Transition, ...] = (
    Transition("enterprise_import.upload", gettext_noop("上传企业名单"), (NEW,), IS.CHECKING, ("township", "city")),
    Transition("enterprise_import.confirm", gettext_noop("确认导入"), (IS.CHECKED,), IS.IMPORTING, ("township", "city")),
)
TRANSITIONS_BY_ACTION.update({t.action: t for t in IMPORT_TRANSITIONS})


def transition(action: str) -> Transition:
    return TRANSITIONS_BY_ACTION[action]

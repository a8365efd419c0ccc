"""Changes of state in the policy domain (the call editor), each one operation with one audit row.

* ``policy_draft.create``: the city bureau starts the next version of a call's pack (or a new call) from the
  version the call uses now; the draft lives in the database until published.
* ``policy_draft.save``: an edit of a draft, validated by the pack schema before it is stored.
* ``policy_draft.publish``: the draft becomes a published pack version (a PolicyPack row, immutable like every
  loaded version) and the call its ``content.code`` names uses it. A published draft can no longer be edited.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tidu.core.errors import TiduError
from tidu.core.operations import ALLOWED, AuditRecord, Operation, operation_class, refused
from tidu.policy import selectors
from tidu.policy.editor import diff
from tidu.policy.loader import PackError, content_hash, version_key
from tidu.policy.models import Call, PackDraft, PolicyPack
from tidu.policy.services import store_call

EDITOR_ROLES = ("city",)  # the call's policy is the city bureau's (市经信局)


class PolicyEditError(TiduError):
    pass


def version_taken(pack_id: str, version: str) -> str:
    """Why ``pack_id@version`` cannot be used for a new draft ("" when it can)."""
    if PolicyPack.objects.filter(pack_id=pack_id, version=version).exists():
        return _("策略包 %(ref)s 已发布，已发布的版本不可修改；请使用新的版本号。") % {"ref": f"{pack_id}@{version}"}
    if PackDraft.objects.filter(pack_id=pack_id, version=version).exists():
        return _("已有草稿使用 %(ref)s，请在该草稿中继续编辑或使用新的版本号。") % {"ref": f"{pack_id}@{version}"}
    if (settings.TIDU_POLICY_DIR / pack_id / f"{version}.yaml").exists():
        return _("策略包目录中已有 %(ref)s 的文件，请使用新的版本号。") % {"ref": f"{pack_id}@{version}"}
    latest = [row.version for row in PolicyPack.objects.filter(pack_id=pack_id)]
    if latest and version_key(version) <= max(version_key(v) for v in latest):
        newest = max(latest, key=version_key)
        return _("版本号须高于已发布的最新版本 %(version)s。") % {"version": newest}
    return ""


def code_taken(code: str, pack_id: str) -> str:
    """Why a pack ``pack_id`` may not describe the call ``code`` ("" when it may)."""
    other = Call.objects.filter(code=code).select_related("call_pack").first()
    if other is not None and other.call_pack.pack_id != pack_id:
        return _("批次编号 %(code)s 已由另一策略包（%(pack)s）使用，请换一个批次编号。") % {
            "code": code, "pack": other.call_pack.pack_id}
    return ""


class _DraftOperation(Operation):
    error_class: ClassVar[type] = PolicyEditError
    roles = EDITOR_ROLES
    object_type = "policy_draft"
    model = PackDraft

    def state_of(self, obj) -> str:
        return obj.status

    def state_check(self, obj):
        if obj.status != PackDraft.Status.DRAFT:
            return refused(_("%(ref)s 已发布，已发布的版本不可修改；如需调整，请从它创建新的版本。") % {"ref": obj.ref})
        return ALLOWED


@operation_class
class DraftCreate(Operation):
    """Start a draft from the pack version ``call`` uses now. Params: pack_id, version, code, title, year."""

    name = "policy_draft.create"
    label = gettext_noop("创建下一版本")
    object_type = "policy_draft"
    roles = EDITOR_ROLES
    error_class = PolicyEditError
    model = Call

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, call) -> None:
        params = self.params
        problems = [problem for problem in (version_taken(params["pack_id"], params["version"]),
                                            code_taken(params["code"], params["pack_id"])) if problem]
        if problems:
            raise PolicyEditError(_("不能创建草稿："), problems)

    def perform(self, user, call) -> PackDraft:
        params = self.params
        document = call.call_pack.document
        document = {"pack": {**document["pack"], "id": params["pack_id"], "version": params["version"],
                             "title": params["title"]},
                    "content": {**document["content"], "code": params["code"], "title": params["title"],
                                "year": params["year"]}}
        return PackDraft.objects.create(call=call, base=call.call_pack, pack_id=params["pack_id"],
                                        version=params["version"], document=document, created_by=user)

    def audit(self, user, call, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, to_status=result.status,
                           detail={"call": call.code, "from": call.call_pack.ref, "draft": result.ref})


@operation_class
class DraftSave(_DraftOperation):
    """Store an edited document (validated by the pack schema first). Params: document."""

    name = "policy_draft.save"
    label = gettext_noop("保存修改")

    def validate(self, user, draft) -> None:
        try:
            selectors.policy_of_document(self.params["document"])
        except PackError as error:
            raise PolicyEditError(_("修改未保存，内容未通过策略包校验："), [error.message]) from error

    def perform(self, user, draft) -> PackDraft:
        self.changes = diff(draft.document, self.params["document"])
        if not self.changes:
            self.unchanged = True
            return draft
        draft.document = self.params["document"]
        draft.save(update_fields=["document", "updated_at"])
        return draft

    def audit(self, user, draft, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=draft.pk, action=self.name, from_status=before,
                           to_status=draft.status, content_sha256=content_hash(draft.document),
                           detail={"draft": draft.ref,
                                   "changes": [{"field": c.label, "old": c.old, "new": c.new} for c in self.changes]})


@operation_class
class DraftPublish(_DraftOperation):
    """Publish the draft as a new pack version (validated by the same schema) and point its call at it."""

    name = "policy_draft.publish"
    label = gettext_noop("发布")

    def validate(self, user, draft) -> None:
        try:
            self.policy = selectors.policy_of_document(draft.document, draft.ref)
        except PackError as error:
            raise PolicyEditError(_("不能发布，内容未通过策略包校验："), [error.message]) from error
        problems = [p for p in (code_taken(self.policy.code, draft.pack_id),) if p]
        if PolicyPack.objects.filter(pack_id=draft.pack_id, version=draft.version).exists():
            problems.append(_("策略包 %(ref)s 已发布。") % {"ref": draft.ref})
        if problems:
            raise PolicyEditError(_("不能发布："), problems)

    def perform(self, user, draft) -> PolicyPack:
        pack = self.policy.call
        row = PolicyPack(pack_id=pack.id, version=pack.version, kind=pack.kind, title=pack.title,
                         document=pack.as_document(), sha256=pack.sha256)
        try:
            row.full_clean(exclude=["document"])
        except ValidationError as error:
            raise PolicyEditError(_("不能发布："), [m for ms in error.message_dict.values() for m in ms]) from error
        row.save()
        pinned = [PolicyPack.objects.get(pack_id=p.id, version=p.version)
                  for kind, p in ((k, getattr(self.policy, k)) for k in self.policy.versions) if kind != "call"]
        self.call = store_call(self.policy, row, pinned)
        draft.status, draft.published_pack, draft.published_at = PackDraft.Status.PUBLISHED, row, timezone.now()
        draft.save(update_fields=["status", "published_pack", "published_at", "updated_at"])
        return row

    def audit(self, user, draft, result, before) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=draft.pk, action=self.name, from_status=before,
                           to_status=draft.status, content_sha256=result.sha256,
                           detail={"published": result.ref, "from": draft.base.ref, "call": self.call.code,
                                   "policy_versions": self.policy.versions})

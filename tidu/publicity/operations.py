"""Every change of state of 公示, its entries, objections (异议), 认定 and the working-day calendar.

One ``Operation`` per row of ``lifecycle.TRANSITIONS`` (same name), each writing exactly one audit row
through ``tidu.core.operations.Operation.execute``. ``services`` keeps its functions as thin wrappers.

The applications on a 公示 move (拟认定, 认定, 不予认定) through ``tidu.applications.services.
application_transition``, which audits each application's own change; the operation here audits the 公示
(or the entry) itself. Two pseudo-actors act without an account (see lifecycle.PUBLIC / SYSTEM): a visitor
lodging an objection on the public page, and the daily job closing notices whose period is over. Their
audit rows have no actor and the pseudo-role as ``actor_role``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import PurePath
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.operations import PUBLIC_ACTOR, SYSTEM_ACTOR, acting
from tidu.applications.models import Application
from tidu.applications.services import ApplicationError, application_transition
from tidu.applications.workflow import State, state_label
from tidu.core.dates import beijing_text
from tidu.core.hashing import sha256_of_json
from tidu.core.operations import (
    ALLOWED,
    AuditRecord,
    Check,
    TableOperation,
    operation_class,
    refused,
)
from tidu.notifications.messages import day, text
from tidu.notifications.services import notify
from tidu.policy.models import Call
from tidu.policy.selectors import call_policy_for
from tidu.publicity import rules
from tidu.publicity.errors import ObjectionClosed, ObjectionRateLimited, PublicityError
from tidu.publicity.events import ObjectionDecided, ObjectionSubmitted, PublicityTransitioned
from tidu.publicity.lifecycle import GONE, NEW, ObjectionState, transition
from tidu.publicity.models import CalendarDay, Objection, Publicity, PublicityEntry

logger = logging.getLogger(__name__)


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


# --- the base ----------------------------------------------------------------------------------------

class PublicityOperation(TableOperation):
    """Roles and source states come from ``lifecycle.TRANSITIONS``; refusals are PublicityError (Chinese)."""

    error_class = PublicityError
    object_type = "publicity"
    model = Publicity

    @property
    def transition(self):
        return transition(self.name)

    def detail(self, obj, result) -> dict:
        return {}

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = self.detail(obj, result)
        return record

    def now(self) -> dt.datetime | None:
        return self.params.get("now")


# --- 公示 -----------------------------------------------------------------------------------------------

@operation_class
class PublicityCreate(PublicityOperation):
    """Draft a 公示 for a call. The object checked is the call (there is no 公示 yet)."""

    name = "publicity.create"
    label = gettext_noop("新建公示")
    model = Call

    def lock(self):
        return self.obj  # nothing to lock: the new row is the change

    def state_of(self, obj) -> str:
        return obj.status if isinstance(obj, Publicity) else NEW

    def validate(self, user, obj) -> None:
        fields = {key: value for key, value in self.params.items() if key in rules.EDITABLE_FIELDS}
        fields.setdefault("working_days", 5)
        rules.check_fields(fields)
        rules.short_period(fields)
        self.fields = fields
        self.period = rules.compute_period(fields["start_date"], fields["working_days"])

    def perform(self, user, obj) -> Publicity:
        end, applied = self.period
        return Publicity.objects.create(call=obj, created_by=user, end_date=end, calendar_applied=applied,
                                        **self.fields)

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, from_status=NEW,
                           to_status=result.status,
                           detail={"call": obj.code, "title": result.title,
                                   "start_date": result.start_date.isoformat(),
                                   "end_date": result.end_date.isoformat(), "working_days": result.working_days,
                                   **({"short_period_reason": result.short_period_reason}
                                      if result.short_period_reason else {})})


@operation_class
class PublicityUpdate(PublicityOperation):
    name = "publicity.update"
    label = gettext_noop("修改公示信息")

    def state_refusal(self, obj) -> str:
        return gettext("公示已发布，不能再修改")

    def validate(self, user, obj) -> None:
        self.changes = {key: value for key, value in self.params.items()
                        if key in rules.EDITABLE_FIELDS and getattr(obj, key) != value}
        merged = {key: self.changes.get(key, getattr(obj, key)) for key in rules.EDITABLE_FIELDS}
        rules.check_fields(merged)
        reason = rules.short_period(dict(merged))["short_period_reason"]
        if reason != obj.short_period_reason:
            self.changes["short_period_reason"] = reason
        else:
            self.changes.pop("short_period_reason", None)
        self.period = rules.compute_period(merged["start_date"], merged["working_days"])

    def perform(self, user, obj) -> Publicity:
        self.before = {key: _json(getattr(obj, key)) for key in self.changes}
        for key, value in self.changes.items():
            setattr(obj, key, value)
        obj.end_date, obj.calendar_applied = self.period
        obj.save()
        return obj

    def detail(self, obj, result) -> dict:
        return {"changed": {key: [self.before[key], _json(getattr(obj, key))] for key in self.changes},
                "end_date": obj.end_date.isoformat()}


@operation_class
class PublicityDelete(PublicityOperation):
    name = "publicity.delete"
    label = gettext_noop("删除草稿")

    def state_refusal(self, obj) -> str:
        return gettext("已发布的公示不能删除")

    def perform(self, user, obj) -> None:
        self.deleted = {"pk": obj.pk, "title": obj.title, "call": obj.call.code,
                        "applications": list(obj.entries.values_list("application_id", flat=True))}
        obj.entries.all().delete()
        obj.delete()

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=self.deleted["pk"], action=self.name,
                           from_status=before, to_status=GONE,
                           detail={key: value for key, value in self.deleted.items() if key != "pk"})


@operation_class
class PublicityAddEntries(PublicityOperation):
    name = "publicity.add_entries"
    label = gettext_noop("列入公示名单")

    def state_refusal(self, obj) -> str:
        return gettext("公示已发布，名单不能再增加")

    def validate(self, user, obj) -> None:
        wanted = set(self.params.get("application_ids") or ())
        if not wanted:
            raise PublicityError(gettext("请至少选择一份申报"))
        self.allowed = {a.pk: a for a in rules.publicity_candidates(obj.call).filter(pk__in=wanted)}
        refused_ids = wanted - set(self.allowed)
        if refused_ids:
            names = Application.objects.filter(pk__in=refused_ids).values_list("enterprise__name", flat=True)
            raise PublicityError(gettext("以下申报不能列入本公示（不属于本批次、尚未完成现场核查，或已列入其他公示）："),
                                 sorted(names) or [gettext("编号 %(pk)s") % {"pk": pk} for pk in sorted(refused_ids)])

    def perform(self, user, obj) -> list[PublicityEntry]:
        try:
            with transaction.atomic():
                return [PublicityEntry.objects.create(publicity=obj, application=application)
                        for application in self.allowed.values()]
        except IntegrityError:
            raise PublicityError(gettext("所选申报已列入其他公示，请刷新页面后重试")) from None

    def detail(self, obj, result) -> dict:
        return {"applications_added": sorted(entry.application_id for entry in result)}


@operation_class
class PublicityRemoveEntry(PublicityOperation):
    """Take one application off a draft (params: ``entry``)."""

    name = "publicity.remove_entry"
    label = gettext_noop("移出公示名单")

    def state_refusal(self, obj) -> str:
        return gettext("公示已发布，名单不能再删减；如需不予认定，请通过异议处理办理")

    def validate(self, user, obj) -> None:
        entry = self.params["entry"]
        if entry.publicity_id != obj.pk:
            raise PublicityError(gettext("该申报不在本公示名单中"))

    def perform(self, user, obj) -> None:
        entry = self.params["entry"]
        self.application_id = entry.application_id
        PublicityEntry.objects.filter(pk=entry.pk, publicity=obj).delete()

    def detail(self, obj, result) -> dict:
        return {"application_removed": self.application_id}


@operation_class
class PublicityPublish(PublicityOperation):
    """Publish: check everything, freeze the list and the period, and move every entry to 拟认定."""

    name = "publicity.publish"
    label = gettext_noop("发布公示")

    def state_refusal(self, obj) -> str:
        return gettext("该公示已经发布")

    def lock(self):
        return Publicity.objects.select_for_update().select_related("call").get(pk=self.obj.pk)

    def validate(self, user, obj) -> None:
        today = rules.business_today(self.now())
        self.entries = list(obj.entries.select_related("application__enterprise__organisation__parent")
                            .select_for_update(of=("self",)))
        problems = []
        if not self.entries:
            problems.append("公示名单为空，请先选择拟认定的申报")
        if obj.start_date < today:
            problems.append(f"公示开始日期 {rules.date_text(obj.start_date)}已过，请改为今天或以后的日期")
        if not obj.contact_phone.strip():
            problems.append("请填写受理异议的联系电话")
        for entry in self.entries:
            application = entry.application
            if application.call_id != obj.call_id:
                problems.append(f"{application.enterprise.name}：不属于本批次")
            elif application.status not in rules.CANDIDATE_STATES:
                problems.append(f"{application.enterprise.name}：当前状态为“{state_label(application.status)}”，"
                                "须为“现场核查完成，待认定”才能公示")
        if problems:
            raise PublicityError(gettext("暂不能发布："), problems)

    def perform(self, user, obj) -> Publicity:
        obj.end_date, obj.calendar_applied = rules.compute_period(obj.start_date, obj.working_days)
        rows = sorted(rules.entry_display(self.entries, obj.call),
                      key=lambda r: (r["unit_name"], r["enterprise_name"], r["entry"].pk))
        for position, row in enumerate(rows, start=1):
            entry = row["entry"]
            if entry.application.status == State.ONSITE_VERIFIED:
                try:
                    application_transition(application=entry.application, action="propose", user=user)
                except ApplicationError as error:
                    raise PublicityError(f"{row['enterprise_name']}：{error.message}") from None
            entry.position = position
            for key in ("enterprise_name", "credit_code", "project_name", "unit_name", "tier_label"):
                setattr(entry, key, row[key])
            entry.outcome = PublicityEntry.Outcome.PROPOSED
            entry.save()
        obj.status = Publicity.Status.PUBLISHED
        obj.published_by = user
        obj.published_at = timezone.now()
        obj.save()
        return obj

    def detail(self, obj, result) -> dict:
        return {"start_date": obj.start_date.isoformat(), "end_date": obj.end_date.isoformat(),
                "calendar_applied": obj.calendar_applied,
                "entries": [entry.application_id for entry in sorted(self.entries, key=lambda e: e.position)]}

    def events(self, user, obj, result, entry):
        return [PublicityTransitioned(publicity_id=obj.pk, action=self.name, from_status=entry.from_status,
                                      to_status=entry.to_status, actor_id=entry.actor_id, audit_id=entry.pk)]


@operation_class
class PublicityClose(PublicityOperation):
    """公示期满: mark a published notice whose period is over and tell the city (the daily job; no account)."""

    name = "publicity.close"
    label = gettext_noop("公示期满")

    def check(self, user) -> Check:
        return super().check(acting(user, SYSTEM_ACTOR))

    def execute(self, user=None):
        return super().execute(acting(user, SYSTEM_ACTOR))

    def rules_check(self, user, obj) -> Check:
        if rules.business_today(self.now()) <= obj.end_date:
            return refused(gettext("公示期至 %(date_text)s结束，尚未期满") % {
                    "date_text": rules.date_text(obj.end_date)})
        return ALLOWED

    def perform(self, user, obj) -> Publicity:
        obj.status = Publicity.Status.CLOSED
        obj.save(update_fields=["status"])
        pending = obj.objections.filter(outcome="").count()
        ended = day(obj.end_date, weekday=True)
        body = (text(gettext_noop("“%(title)s”已于 %(date)s公示期满。尚有 %(pending)s 件异议待处理。"),
                     title=obj.title, date=ended, pending=pending) if pending
                else text(gettext_noop("“%(title)s”已于 %(date)s公示期满。异议均已处理，可以办理认定。"),
                          title=obj.title, date=ended))
        notify(rules.city_users(), kind="publicity.closed", title=text(gettext_noop("公示期满")), body=body,
               link=reverse("publicity:manage_detail", args=[obj.pk]), dedupe_key=f"publicity-closed-{obj.pk}")
        self.pending = pending
        return obj

    def detail(self, obj, result) -> dict:
        return {"end_date": obj.end_date.isoformat(), "pending_objections": self.pending}

    def events(self, user, obj, result, entry):
        return [PublicityTransitioned(publicity_id=obj.pk, action=self.name, from_status=entry.from_status,
                                      to_status=entry.to_status, actor_id=entry.actor_id, audit_id=entry.pk)]


@operation_class
class PublicityFinalise(PublicityOperation):
    """认定: recognise every remaining entry and publish the 认定名单, frozen as a snapshot."""

    name = "publicity.finalise"
    label = gettext_noop("认定并公布认定名单")

    def lock(self):
        return Publicity.objects.select_for_update().select_related("call").get(pk=self.obj.pk)

    def state_refusal(self, obj) -> str:
        return "暂不能认定：" + "；".join(rules.finalise_blockers(obj, self.now()))

    def rules_check(self, user, obj) -> Check:
        problems = rules.finalise_blockers(obj, self.now())
        return refused("暂不能认定：" + "；".join(problems)) if problems else ALLOWED

    def execute(self, user):
        # The blockers are shown one per line: give them as details when the user may finalise at all.
        # (execute asks again on the locked row; a change in between is refused with the joined reason.)
        current = Publicity.objects.get(pk=self.obj.pk)  # the caller's copy may be stale
        if not self._check(user, current).forbidden:
            problems = rules.finalise_blockers(current, self.now())
            if problems:
                raise PublicityError(gettext("暂不能认定："), problems)
        return super().execute(user)

    def perform(self, user, obj) -> Publicity:
        today = rules.business_today(self.now())
        recognised = []
        for entry in obj.entries.select_related("application").order_by("position", "id"):
            if entry.outcome != PublicityEntry.Outcome.PROPOSED:
                continue
            application = entry.application
            if application.status == State.PROPOSED:
                try:
                    application_transition(application=application, action="recognise", user=user)
                except ApplicationError as error:
                    raise PublicityError(f"{entry.enterprise_name}：{error.message}") from None
            elif application.status == State.NOT_RECOGNISED:
                # Rejected elsewhere (not through an objection here): record it, leave it off the list.
                last = application.events.filter(to_status=State.NOT_RECOGNISED).last()
                entry.outcome = PublicityEntry.Outcome.REJECTED
                entry.decided_reason = last.reason if last else ""
                entry.decided_by, entry.decided_at = (last.actor, last.created_at) if last else (user, timezone.now())
                entry.save()
                continue
            elif application.status != State.RECOGNISED:
                raise PublicityError(gettext("%(enterprise_name)s：当前状态为“%(state)s”，不能认定") % {
                        "enterprise_name": entry.enterprise_name,
                        "state": gettext(state_label(application.status))})
            entry.outcome = PublicityEntry.Outcome.RECOGNISED
            entry.decided_by, entry.decided_at = user, timezone.now()
            entry.save()
            recognised.append(entry)
        finalised_at = timezone.now()
        snapshot = {
            "format": rules.FINAL_FORMAT,
            "title": rules.final_list_title(obj),
            "issuer": call_policy_for(obj.call).call.content["issuer"],
            "list_date": today.isoformat(),
            "finalised_at": finalised_at.isoformat(),
            "publicity": {"id": obj.pk, "title": obj.title, "call": obj.call.code,
                          "call_title": obj.call.title, "start_date": obj.start_date.isoformat(),
                          "end_date": obj.end_date.isoformat(), "working_days": obj.working_days},
            "columns": [{"key": key, "label": label} for key, label in rules.FINAL_COLUMNS],
            "entries": [{"position": number, "enterprise_name": entry.enterprise_name,
                         "credit_code": entry.credit_code, "project_name": entry.project_name,
                         "unit_name": entry.unit_name, "tier_label": entry.tier_label}
                        for number, entry in enumerate(recognised, start=1)],
        }
        obj.final_snapshot = snapshot
        obj.final_snapshot_sha256 = sha256_of_json(snapshot)
        obj.status = Publicity.Status.FINALISED
        obj.final_list_date = today
        obj.finalised_by, obj.finalised_at = user, finalised_at
        obj.save()
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.content_sha256 = obj.final_snapshot_sha256
        return record

    def detail(self, obj, result) -> dict:
        return {"list_date": obj.final_list_date.isoformat(), "recognised": len(obj.final_snapshot["entries"])}

    def events(self, user, obj, result, entry):
        return [PublicityTransitioned(publicity_id=obj.pk, action=self.name, from_status=entry.from_status,
                                      to_status=entry.to_status, actor_id=entry.actor_id, audit_id=entry.pk)]


# --- an entry, upon an upheld objection ------------------------------------------------------------------

@operation_class
class EntryReject(PublicityOperation):
    """不予认定 for the entry an upheld objection concerns. Checked on the objection; audits the entry."""

    name = "publicity_entry.reject"
    label = gettext_noop("不予认定")
    object_type = "publicity_entry"
    model = Objection

    def lock(self):
        objection = Objection.objects.get(pk=self.obj.pk)
        Publicity.objects.select_for_update().get(pk=objection.publicity_id)
        PublicityEntry.objects.select_for_update().get(pk=objection.entry_id)
        return Objection.objects.select_related("publicity", "entry__application").get(pk=objection.pk)

    def state_of(self, obj) -> str:
        return obj.entry.outcome

    def state_refusal(self, obj) -> str:
        return gettext("第 %(position)s 号当前为“%(get_outcome_display)s”，不能再作不予认定") % {
                "position": obj.entry.position, "get_outcome_display": obj.entry.get_outcome_display()}

    def rules_check(self, user, obj) -> Check:
        if obj.publicity.status not in (Publicity.Status.PUBLISHED, Publicity.Status.CLOSED):
            return refused(gettext("只有已发布、尚未认定的公示才能对条目作不予认定"))
        if obj.outcome != Objection.Outcome.UPHELD:
            return refused(gettext("只有异议成立时，才能据此不予认定"))
        return ALLOWED

    def validate(self, user, obj) -> None:
        if not str(self.params.get("reason") or "").strip():
            raise PublicityError(gettext("请填写不予认定的理由"))

    def perform(self, user, obj) -> PublicityEntry:
        entry = obj.entry
        full_reason = f"公示期间异议成立（异议编号 {obj.number}）：{self.params['reason'].strip()}"
        try:
            application_transition(application=entry.application, action="reject", user=user, reason=full_reason)
        except ApplicationError as error:
            raise PublicityError(error.message) from None
        entry.outcome = PublicityEntry.Outcome.REJECTED
        entry.decided_reason, entry.decided_by, entry.decided_at = full_reason, user, timezone.now()
        entry.save()
        return entry

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=result.pk, application_id=result.application_id,
                           action=self.name, from_status=before, to_status=result.outcome,
                           reason=result.decided_reason,
                           detail={"publicity_id": obj.publicity_id, "objection": obj.number})


# --- objections ------------------------------------------------------------------------------------------

@operation_class
class ObjectionSubmit(PublicityOperation):
    """Lodge an objection on the public page (anyone, no login needed) and tell the city.

    Checked on the 公示 (there is no objection yet): it must be in its period. Files and rows move together:
    the attachment is written inside the transaction (so the row can name it) and deleted again when the
    operation fails after writing it (``execute``). Django has no hook for the rollback of a caller's outer
    transaction, so a caller wrapping this in its own ``atomic`` that later rolls back would leave the file;
    the page and the services call it as the outermost transaction.
    """

    name = "objection.submit"
    label = gettext_noop("提出异议")
    object_type = "objection"
    error_class = ObjectionClosed  # the only refusal of check(): the period is not running

    def check(self, user) -> Check:
        return super().check(acting(user, PUBLIC_ACTOR))

    def state_of(self, obj) -> str:
        return NEW

    def state_check(self, obj) -> Check:
        closed = rules.objection_window_message(obj, rules.business_today(self.now()))
        return refused(closed) if closed else ALLOWED

    def validate(self, user, obj) -> None:
        p = self.params
        entry = p["entry"]
        if entry.publicity_id != obj.pk:
            raise PublicityError(gettext("请选择本公示名单中的企业"))
        self.name_, self.phone, self.email, self.content = (str(p.get(k) or "").strip()
                                                           for k in ("name", "phone", "email", "content"))
        if not self.name_ or not (self.phone or self.email):
            raise PublicityError(gettext("请填写姓名（或单位名称），并至少留下电话或电子邮箱中的一种"))
        if not rules.OBJECTION_MIN_CHARS <= len(self.content) <= rules.OBJECTION_MAX_CHARS:
            raise PublicityError(gettext("异议内容应为 %(OBJECTION_MIN_CHARS)s–%(OBJECTION_MAX_CHARS)s 字") % {
                    "OBJECTION_MIN_CHARS": rules.OBJECTION_MIN_CHARS,
                    "OBJECTION_MAX_CHARS": rules.OBJECTION_MAX_CHARS})
        self.digest = rules.client_digest(p.get("client_address", ""))
        limit = rules.objection_daily_limit()
        if rules.objections_today_from(self.digest) >= limit:
            raise ObjectionRateLimited(f"同一网络今日已提交 {limit} 件异议，达到每日上限，请明日再提交；"
                                       f"情况紧急的，请致电{obj.contact_office}（{obj.contact_phone}）。")
        upload = p.get("upload")
        self.attachment = rules.check_attachment(upload) if upload is not None else None

    def execute(self, user=None):
        self.written: str | None = None
        try:
            return super().execute(acting(user, PUBLIC_ACTOR))
        except BaseException:
            # Files and rows move together: nothing committed, so the stored attachment goes too.
            self.discard_written()
            raise

    def discard_written(self) -> None:
        if self.written:
            try:
                Objection._meta.get_field("attachment").storage.delete(self.written)
            except Exception:  # the refusal the user sees matters more than a leftover file; log it
                logger.exception("could not delete the attachment %s of a refused objection", self.written)
            self.written = None

    def perform(self, user, obj) -> Objection:
        entry = self.params["entry"]
        objection = Objection(publicity=obj, entry=entry, number=f"pending-{uuid.uuid4().hex[:22]}",
                              name=self.name_[:100], phone=self.phone[:30], email=self.email[:254],
                              content=self.content, client_digest=self.digest)
        upload = self.params.get("upload")
        if upload is not None:
            content_type, sha256 = self.attachment
            objection.attachment_name = PurePath(upload.name).name[:255]
            objection.attachment_type = content_type
            objection.attachment_size = upload.size
            objection.attachment_sha256 = sha256
            objection.attachment.save("upload", upload, save=False)
            self.written = objection.attachment.name
        objection.save()
        objection.number = f"YY{beijing_text(objection.submitted_at, '%Y')}-{objection.pk:05d}"
        objection.save(update_fields=["number"])
        notify(rules.city_users(), kind="publicity.objection",
               title=text(gettext_noop("收到异议 %(number)s"), number=objection.number),
               body=text(gettext_noop("“%(title)s”收到对第 %(position)s 号（%(name)s）的异议，请调查核实并处理。"),
                         title=obj.title, position=entry.position, name=entry.enterprise_name),
               link=reverse("publicity:objection", args=[objection.pk]))
        return objection

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        # No names or contacts of the objector in the audit trail: they stay on the objection only.
        return AuditRecord(object_type=self.object_type, object_id=result.pk, action=self.name, from_status=NEW,
                           to_status=ObjectionState.RECEIVED,
                           detail={"number": result.number, "publicity_id": obj.pk, "entry_id": result.entry_id,
                                   "position": result.entry.position},
                           content_sha256=result.attachment_sha256)

    def events(self, user, obj, result, entry):
        return [ObjectionSubmitted(objection_id=result.pk, publicity_id=obj.pk, entry_id=result.entry_id,
                                   audit_id=entry.pk)]


@operation_class
class ObjectionDecide(PublicityOperation):
    """Record the investigation and outcome of an objection (once); e-mail the reply when an address was given."""

    name = "objection.decide"
    label = gettext_noop("记录处理结果")
    object_type = "objection"
    model = Objection

    def lock(self):
        return Objection.objects.select_for_update().select_related("publicity", "entry").get(pk=self.obj.pk)

    def state_of(self, obj) -> str:
        return obj.outcome or ObjectionState.RECEIVED

    def state_check(self, obj) -> Check:
        if obj.publicity.status == Publicity.Status.FINALISED:
            return refused(gettext("已完成认定，异议不能再处理"))
        return super().state_check(obj)

    def state_refusal(self, obj) -> str:
        return gettext("异议 %(number)s 已于 %(beijing_text)s 处理") % {
                "number": obj.number, "beijing_text": beijing_text(obj.handled_at, '%Y-%m-%d %H:%M')}

    def validate(self, user, obj) -> None:
        if self.params.get("outcome") not in Objection.Outcome.values:
            raise PublicityError(gettext("请选择处理结论（成立或不成立）"))
        if not str(self.params.get("investigation") or "").strip() or not str(self.params.get("reply") or "").strip():
            raise PublicityError(gettext("请填写调查核实情况和答复意见"))

    def perform(self, user, obj) -> Objection:
        obj.investigation = self.params["investigation"].strip()
        obj.outcome = self.params["outcome"]
        obj.reply = self.params["reply"].strip()
        obj.handled_by, obj.handled_at = user, timezone.now()
        obj.save()
        if obj.email:
            subject = f"【{obj.publicity.contact_office}】关于异议 {obj.number} 的答复"
            text = (f"{obj.name}：\n\n您对“{obj.publicity.title}”第 {obj.entry.position} 号"
                    f"（{obj.entry.enterprise_name}）提出的异议（编号 {obj.number}），经调查核实，"
                    f"结论为：{obj.get_outcome_display()}。\n\n答复意见：{obj.reply}\n\n"
                    f"{obj.publicity.contact_office}　联系电话 {obj.publicity.contact_phone}")
            address, pk = obj.email, obj.pk

            def send():
                try:
                    send_mail(subject, text, None, [address])
                except Exception:  # a mail outage must not undo the recorded decision
                    logger.exception("could not e-mail the reply to objection %s", pk)

            transaction.on_commit(send)
        return obj

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.reason = obj.reply
        record.detail = {"number": obj.number, "publicity_id": obj.publicity_id, "entry_id": obj.entry_id}
        return record

    def events(self, user, obj, result, entry):
        return [ObjectionDecided(objection_id=obj.pk, publicity_id=obj.publicity_id, outcome=obj.outcome,
                                 actor_id=entry.actor_id, audit_id=entry.pk)]


# --- the working-day calendar ------------------------------------------------------------------------------

def recompute_draft_periods() -> list[int]:
    """Drafts follow the calendar; a published notice keeps the period it was published with. Returns the ids
    of the drafts whose end date (or calendar basis) changed."""
    changed = []
    for publicity in Publicity.objects.select_for_update().filter(status=Publicity.Status.DRAFT):
        try:
            end, applied = rules.compute_period(publicity.start_date, publicity.working_days)
        except PublicityError:
            continue
        if (end, applied) != (publicity.end_date, publicity.calendar_applied):
            publicity.end_date, publicity.calendar_applied = end, applied
            publicity.save(update_fields=["end_date", "calendar_applied"])
            changed.append(publicity.pk)
    return changed


class CalendarOperation(PublicityOperation):
    object_type = "calendar_day"
    model = CalendarDay

    def state_of(self, obj) -> str:
        return obj.kind if obj.pk is not None else NEW

    def detail(self, obj, result) -> dict:
        return {"date": self.day.isoformat(), "kind": self.kind, "note": self.note,
                "drafts_recomputed": self.recomputed}


@operation_class
class CalendarDaySet(CalendarOperation):
    """Enter a public holiday on a weekday or a make-up working day on a weekend.

    The object checked is the (unsaved) day: ``CalendarDay(date=…, kind=…, note=…)``."""

    name = "calendar_day.set"
    label = gettext_noop("录入节假日或调休")

    def lock(self):
        return self.obj  # a new row; the date's uniqueness is the database's

    def state_refusal(self, obj) -> str:
        return gettext("%(date_text)s已经设置过，如需修改请先删除原设置") % {"date_text": rules.date_text(obj.date)}

    def validate(self, user, obj) -> None:
        day, kind = obj.date, obj.kind
        if kind not in CalendarDay.Kind.values:
            raise PublicityError(gettext("请选择类型"))
        if kind == CalendarDay.Kind.WORKDAY and day.weekday() < 5:
            raise PublicityError(gettext("%(date_text)s本来就是工作日，无需设为调休上班日") % {
                    "date_text": rules.date_text(day)})
        if kind == CalendarDay.Kind.HOLIDAY and day.weekday() >= 5:
            raise PublicityError(gettext("%(date_text)s是周末，本来就不计工作日，无需设为节假日") % {
                    "date_text": rules.date_text(day)})

    def perform(self, user, obj) -> CalendarDay:
        obj.note = (obj.note or "").strip()[:100]
        obj.created_by = user
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
        except IntegrityError:
            obj.pk = None
            raise PublicityError(gettext("%(date_text)s已经设置过，如需修改请先删除原设置") % {
                    "date_text": rules.date_text(obj.date)}) from None
        self.day, self.kind, self.note = obj.date, obj.kind, obj.note
        self.recomputed = recompute_draft_periods()
        return obj


@operation_class
class CalendarDayDelete(CalendarOperation):
    name = "calendar_day.delete"
    label = gettext_noop("删除节假日或调休")

    def perform(self, user, obj) -> None:
        self.day, self.kind, self.note, self.pk = obj.date, obj.kind, obj.note, obj.pk
        obj.delete()
        self.recomputed = recompute_draft_periods()

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=self.pk, action=self.name, from_status=before,
                           to_status=GONE, detail=self.detail(obj, result))


def run(operation_name: str, obj, user, /, **params):
    """Execute the operation ``operation_name`` on ``obj`` (the services call this)."""
    return OPERATIONS[operation_name](obj, **params).execute(user)


OPERATIONS: dict[str, type[PublicityOperation]] = {
    cls.name: cls for cls in (PublicityCreate, PublicityUpdate, PublicityDelete, PublicityAddEntries,
                              PublicityRemoveEntry, PublicityPublish, PublicityClose, PublicityFinalise,
                              EntryReject, ObjectionSubmit, ObjectionDecide, CalendarDaySet, CalendarDayDelete)}


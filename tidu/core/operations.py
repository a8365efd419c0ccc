"""The operations layer: every change of state in tidu is one ``Operation``.

An operation answers two questions the same way everywhere:

* ``check(user)`` — may this user do this to this object now? Role (from the domain's lifecycle table),
  organisation scope, the object's state and the owning domain's extra rules, in that order. Cheap and
  side-effect free: buttons and templates ask it (``{% allowed "application.city_receive" app as ok %}``).
* ``execute(user)`` — in one transaction: lock the row, ask ``check`` again on the locked row, validate the
  parameters, write, add exactly one ``AuditEntry``, and publish the domain events (delivered on commit).
  A ``perform`` that finds nothing to change sets ``self.unchanged``: no row, no event.

Subclasses (in each domain's ``operations.py``) set ``name``/``label``/``object_type``/``model`` and override
the small hooks below. Nothing else in a domain writes a state change: views, commands, jobs and the API
call operations. The pattern follows Wagtail's ``actions/`` and Zulip's ``zerver/actions/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import OperationalError, models, transaction
from django.utils.translation import gettext

from tidu.core.errors import Refused, TiduError
from tidu.core.events import DomainEvent, publish
from tidu.core.request_id import current_api_token, current_request_id
from tidu.core.text import param_places


@dataclasses.dataclass(frozen=True)
class Check:
    """The answer of ``check``: allowed, or why not. ``forbidden`` means the user may never (403)."""

    allowed: bool
    reason: str = ""
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Check(True)


def forbidden(reason: str = "") -> Check:
    return Check(False, reason or gettext("当前账号无权进行此操作"), forbidden=True)


def refused(reason: str) -> Check:
    return Check(False, reason)


@dataclasses.dataclass
class AuditRecord:
    """What ``execute`` writes as the one audit row; ``Operation.audit`` fills it in."""

    object_type: str
    object_id: Any
    action: str
    from_status: str = ""
    to_status: str = ""
    reason: str = ""
    detail: dict = dataclasses.field(default_factory=dict)
    content_sha256: str = ""
    application_id: int | None = None


def role_of(user) -> str | None:
    """The effective role (the accounts app defines roles; this avoids importing it into core)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return "admin"
    return getattr(user, "role", None)


DEADLOCK_RETRIES = 2


def is_deadlock(error: BaseException) -> bool:
    """PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01). SQLite has no such abort: its
    writers queue on the database lock."""
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "sqlstate", None) == "40P01"


class Operation:
    name: ClassVar[str] = ""            # "application.city_receive": unique, used in audit rows and templates
    label: ClassVar[str] = ""           # Chinese, as on the button
    object_type: ClassVar[str] = ""     # "application", "recommendation_list" …
    model: ClassVar[type[models.Model] | None] = None
    roles: ClassVar[tuple[str, ...]] = ()
    error_class: ClassVar[type[TiduError]] = TiduError
    # Chinese names of this operation's text parameters (tidu.core.text.PARAM_LABELS has the common ones), and
    # the parameters whose unsafe characters ``validate`` reports itself (with a more precise place).
    text_labels: ClassVar[dict[str, str]] = {}
    text_checked_in_validate: ClassVar[tuple[str, ...]] = ()

    def __init__(self, obj: models.Model, **params):
        self.obj = obj
        self.params = params
        # Set by ``perform`` when the request changed nothing (e.g. saving what is already saved): then there
        # is nothing to record and nothing to announce.
        self.unchanged = False

    # --- hooks -----------------------------------------------------------------------------------

    def roles_for(self, obj) -> tuple[str, ...]:
        """Roles allowed by the lifecycle table (override when the table row depends on the object)."""
        return self.roles

    def in_scope(self, user, obj) -> bool:
        """The user acts within their own organisation (own enterprise, own township unit …)."""
        return True

    def state_check(self, obj) -> Check:
        """The object's state allows the operation (from the lifecycle table)."""
        return ALLOWED

    def rules_check(self, user, obj) -> Check:
        """The owning domain's extra rules (e.g. 受理 only from a sent 推荐名单)."""
        return ALLOWED

    def lock(self) -> models.Model:
        """Re-read and lock the row this operation changes (``select_for_update``)."""
        model = self.model or type(self.obj)
        return model.objects.select_for_update().get(pk=self.obj.pk)

    def validate(self, user, obj) -> None:
        """Check the parameters; raise ``self.error_class`` with a Chinese message."""

    def refuse_unsafe_text(self) -> None:
        """No string parameter may hold a control character (NUL, other C0, a lone surrogate, a bidi override):
        the boundary rule of tidu.core.text, for every view, autosave and import that reaches an operation."""
        places = param_places(self.params, self.text_labels, skip=self.text_checked_in_validate)
        if places:
            raise self.error_class(gettext("以下内容含有不可见的控制字符（多来自复制粘贴），请删除后再提交；"
                                           "已填写的内容仍保留在表单中："), places)

    def state_of(self, obj) -> str:
        return str(getattr(obj, "status", "") or "")

    def perform(self, user, obj) -> Any:
        raise NotImplementedError

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        return AuditRecord(object_type=self.object_type, object_id=obj.pk, action=self.name,
                           from_status=before, to_status=self.state_of(obj),
                           reason=str(self.params.get("reason", "") or ""),
                           application_id=self.application_id_of(obj))

    def application_id_of(self, obj) -> int | None:
        if self.object_type == "application":
            return obj.pk
        return getattr(obj, "application_id", None)

    def events(self, user, obj, result, entry) -> list[DomainEvent]:
        return []

    # --- the fixed part --------------------------------------------------------------------------

    def _check(self, user, obj) -> Check:
        role = role_of(user)
        if role is None or role not in self.roles_for(obj) or not self.in_scope(user, obj):
            return forbidden()
        for step in (self.state_check(obj), self.rules_check(user, obj)):
            if not step:
                return step
        for rule in _RULES.get(self.name, ()):
            step = rule.check(user, obj)
            if not step:
                return step
        return ALLOWED

    def check(self, user) -> Check:
        """May ``user`` do this now? (No lock; ``execute`` asks again on the locked row.)"""
        return self._check(user, self.obj)

    def execute(self, user) -> Any:
        """Lock, check again, validate, write, audit, announce: one transaction. A transaction PostgreSQL aborts
        to break a deadlock (the per-call counts' triggers lock two count rows; two opposite moves between the same
        two rows can meet) is run again from the start, up to ``DEADLOCK_RETRIES`` times, when this operation is
        the outermost transaction: the abort rolled everything back, so nothing is done twice. Inside an outer
        transaction the error goes up to it (its own locks are still held: only the whole may be retried)."""
        attempts = 1 if transaction.get_connection().in_atomic_block else DEADLOCK_RETRIES + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._execute_once(user)
            except OperationalError as error:
                if attempt == attempts or not is_deadlock(error):
                    raise
                self.unchanged = False

    def _execute_once(self, user) -> Any:
        with transaction.atomic():
            obj = self.lock()
            self.obj = obj
            verdict = self._check(user, obj)
            if verdict.forbidden:
                raise PermissionDenied(verdict.reason)
            if not verdict:
                raise self.error_class(verdict.reason)
            self.refuse_unsafe_text()
            self.validate(user, obj)
            before = self.state_of(obj)
            for rule in _RULES.get(self.name, ()):
                if rule.on_execute is not None:
                    rule.on_execute(user, obj, self.params)
            result = self.perform(user, obj)
            if self.unchanged:
                return result
            entry = write_audit(user, self.audit(user, obj, result, before))
            for event in self.events(user, obj, result, entry):
                publish(event)
        return result


class TableOperation(Operation):
    """An operation whose roles and source states come from one row of its domain's lifecycle table.

    ``transition`` is that row (anything with ``roles``, ``sources`` and ``label``): a class attribute, or a
    property looking the row up by the operation's name. No sources: any state.
    """

    transition: ClassVar[Any]

    def roles_for(self, obj) -> tuple[str, ...]:
        return tuple(self.transition.roles)

    def state_check(self, obj) -> Check:
        sources = self.transition.sources
        if sources and self.state_of(obj) not in sources:
            return refused(self.state_refusal(obj))
        return ALLOWED

    def state_refusal(self, obj) -> str:
        return gettext("当前状态为“%(state)s”，不能“%(label)s”") % {"state": self.state_label(obj),
                                                              "label": gettext(self.transition.label)}

    def state_label(self, obj) -> str:
        display = getattr(obj, "get_status_display", None)
        return display() if display else self.state_of(obj)


def write_audit(user, record: AuditRecord):
    """The one way an audit row is written (operations call it; nothing else should)."""
    from tidu.core.models import AuditEntry

    token_id = current_api_token()
    if token_id is not None:  # done through the HTTP API with a personal access token (tidu.api)
        record.detail = {**record.detail, "api_token": token_id}
    return AuditEntry.objects.create(
        actor=user if getattr(user, "pk", None) else None, actor_role=role_of(user) or "",
        object_type=record.object_type, object_id=str(record.object_id), application_id=record.application_id,
        action=record.action, from_status=record.from_status, to_status=record.to_status, reason=record.reason,
        detail=record.detail, content_sha256=record.content_sha256, request_id=current_request_id())


# --- rules another domain adds to an operation ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Rule:
    """An extra rule from another domain: ``check(user, obj) -> Check`` joins the operation's own check (so
    buttons and execute agree); ``on_execute(user, obj, params)`` runs inside the operation's transaction,
    on the locked row, just before the write (e.g. take an application off an editable 推荐名单)."""

    key: str
    check: Callable[[Any, models.Model], Check]
    on_execute: Callable[[Any, models.Model, dict], None] | None = None


_RULES: dict[str, list[Rule]] = {}


def add_rule(operation_name: str, rule: Rule) -> None:
    """Called from the owning domain's AppConfig.ready(): the operation stays in its own app, unaware of who adds."""
    rules = _RULES.setdefault(operation_name, [])
    if all(existing.key != rule.key for existing in rules):
        rules.append(rule)


# --- the registry templates ask --------------------------------------------------------------------

_REGISTRY: dict[str, Callable[[models.Model], Operation]] = {}


def register(name: str, factory: Callable[[models.Model], Operation]) -> None:
    _REGISTRY[name] = factory


def operation(name: str, obj: models.Model) -> Operation:
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no operation named {name!r}") from None
    return factory(obj)


def registered() -> dict[str, Callable[[models.Model], Operation]]:
    return dict(_REGISTRY)


def allowed(name: str, obj: models.Model, user) -> bool:
    return bool(operation(name, obj).check(user))


def operation_class(cls: type[Operation]) -> type[Operation]:
    """Class decorator: register an operation that needs only its object to be checked."""
    register(cls.name, cls)
    return cls


__all__ = ["ALLOWED", "AuditRecord", "Check", "Operation", "Refused", "Rule", "TableOperation", "TiduError",
           "add_rule", "allowed",
           "forbidden", "operation", "operation_class", "refused", "register", "registered", "role_of", "write_audit"]

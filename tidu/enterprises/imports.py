"""Bulk import of enterprises: upload → check (a job) → preview → confirm → import (a job, in chunks).

* ``upload_import`` records the file through ``enterprise_import.upload`` (one audit row) and starts the check job.
* ``check_import`` reads the file (``bulk_import.parse``), checks every row (``bulk_import.check_rows``: the
  registration form's validators, duplicates within the file and against the registry) and writes one
  ``EnterpriseImportRow`` per data row with its problems, each located by row and column.
* ``confirm_import`` (``enterprise_import.confirm``, audited) starts the import job; ``run_import`` does the
  pending rows chunk by chunk: each chunk is one transaction, each row its own ``enterprise.import`` operation in a
  savepoint (one audit row per enterprise), the row's result written with it. A worker killed mid-chunk rolls
  that chunk back; running the job again does only the rows still pending. Invitations go out once the chunk
  has committed.

A row whose credit code is already registered is skipped, so importing the same file twice imports nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_noop as N

from tidu.accounts.models import Organisation, User
from tidu.core import sentences
from tidu.core.storage import compensated_writes
from tidu.enterprises import bulk_import, call_scope, operations
from tidu.enterprises.errors import EnterpriseError
from tidu.enterprises.models import Enterprise, EnterpriseImport, EnterpriseImportRow

logger = logging.getLogger(__name__)
Outcome = EnterpriseImportRow.Outcome
CODE_CHUNK = 900  # SQLite allows 999 parameters per query


def chunk_size() -> int:
    return max(1, int(getattr(settings, "TIDU_IMPORT_CHUNK_SIZE", 200)))


def upload_import(user, *, content: bytes, file_name: str, site_url: str = "") -> EnterpriseImport:
    with compensated_writes():
        batch = operations.EnterpriseImportUpload(EnterpriseImport(), content=content, file_name=file_name,
                                                  site_url=site_url).execute(user)
    _enqueue("check", batch.pk)
    batch.refresh_from_db()
    return batch


def confirm_import(batch: EnterpriseImport, user, *, site_url: str = "") -> EnterpriseImport:
    operations.EnterpriseImportConfirm(batch, site_url=site_url).execute(user)
    _enqueue("import", batch.pk)
    batch.refresh_from_db()
    return batch


def _enqueue(step: str, pk: int) -> None:
    from tidu.enterprises import tasks

    (tasks.check_import_task if step == "check" else tasks.run_import_task).enqueue(pk)


# --- checking ----------------------------------------------------------------------------------------------

def _units_by_name() -> dict[str, Organisation]:
    return {unit.name: unit for unit in Organisation.objects.filter(kind__in=Organisation.UNIT_KINDS, is_active=True)}


def _registered(codes: Iterable[str]) -> set[str]:
    codes, found = list(codes), set()
    for start in range(0, len(codes), CODE_CHUNK):
        found.update(Enterprise.objects.filter(credit_code__in=codes[start:start + CODE_CHUNK])
                     .values_list("credit_code", flat=True))
    return found


def _names_taken(units: dict[str, Organisation]):
    def taken(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        pairs = [(unit, name) for unit, name in pairs if unit in units]
        names = sorted({name for _, name in pairs})
        wanted = {units[unit].pk for unit, _ in pairs}
        by_pk = {unit.pk: name for name, unit in units.items()}
        found = set()
        for start in range(0, len(names), CODE_CHUNK):
            for parent, name in (Organisation.objects.filter(parent_id__in=wanted, name__in=names[start:start + CODE_CHUNK])
                                 .values_list("parent_id", "name")):
                found.add((by_pk[parent], name))
        return found
    return taken


def check_import(import_id: int) -> EnterpriseImport:
    """Check the uploaded file and record every row's problems (safe to run again: the rows are rewritten)."""
    batch = EnterpriseImport.objects.select_related("unit").get(pk=import_id)
    if batch.status != EnterpriseImport.Status.CHECKING:
        return batch
    with batch.file.open("rb") as handle:
        content = handle.read()
    try:
        parsed = bulk_import.parse(content, batch.file_name, with_unit=batch.with_unit)
    except bulk_import.ImportFileError as error:
        batch.status, batch.file_error, batch.checked_at = EnterpriseImport.Status.REFUSED, error.message, timezone.now()
        batch.save(update_fields=["status", "file_error", "checked_at"])
        return batch
    units = _units_by_name()
    if batch.unit is not None:
        units.setdefault(batch.unit.name, batch.unit)
    scope = call_scope.registration_scope()

    def admits(code: str) -> dict | None:
        if scope is None or scope.admits(code):
            return None
        return sentences.sentence(N("本次申报（%(call)s）只接受以下行业的企业：%(industries)s；行业代码 %(code)s 不在其中"),
                                  call=scope.call_title, industries=scope.admitted_text(), code=code)

    rows = bulk_import.check_rows(
        parsed, with_unit=batch.with_unit, registered=_registered, admits_industry=admits,
        unit_of=units.get, names_in_units=_names_taken(units), default_unit=batch.unit.name if batch.unit else "")
    region_letter = parsed.letter("credit_code")
    records = []
    for row in rows:
        warnings = []
        if scope is not None and row.ok and scope.region_differs(row.values["credit_code"]):
            source = sentences.sentence(
                N("第3–8位登记机关代码 %(code)s 不是%(region)s（%(region_code)s），请核实企业是否属于本地"),
                code=scope.region_of(row.values["credit_code"]), region=scope.region_name, region_code=scope.region_code)
            warnings.append({"row": row.number, "column": region_letter, "header": "统一社会信用代码",
                             "key": "credit_code", "message": sentences.chinese(source), "msg": source})
        outcome = Outcome.INVALID if not row.ok else Outcome.EXISTING if row.existing else Outcome.PENDING
        records.append(EnterpriseImportRow(
            batch=batch, number=row.number, values=row.values, outcome=outcome,
            errors=[error.as_dict() for error in row.errors] + [dict(w, warning=True) for w in warnings],
            message=N("该统一社会信用代码已登记，跳过") if row.existing else ""))
    with transaction.atomic():
        locked = EnterpriseImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != EnterpriseImport.Status.CHECKING:
            return locked
        locked.rows.all().delete()
        EnterpriseImportRow.objects.bulk_create(records, batch_size=1000)
        locked.total = len(records)
        locked.invalid = sum(1 for record in records if record.outcome == Outcome.INVALID)
        locked.existing = sum(1 for record in records if record.outcome == Outcome.EXISTING)
        locked.valid = locked.total - locked.invalid - locked.existing
        locked.status, locked.checked_at = EnterpriseImport.Status.CHECKED, timezone.now()
        locked.save(update_fields=["total", "invalid", "existing", "valid", "status", "checked_at"])
    return locked


# --- importing ---------------------------------------------------------------------------------------------

def run_import(import_id: int, *, between_chunks=None) -> EnterpriseImport:
    """Import the pending rows chunk by chunk until none is left; safe to run again or twice at once."""
    units = None
    scope = call_scope.registration_scope()
    default_region = scope.region_name if scope else ""
    while True:
        invited: list[tuple[int, str]] = []
        with transaction.atomic():
            batch = EnterpriseImport.objects.select_for_update(of=("self",)).select_related("confirmed_by", "unit").get(
                pk=import_id)
            if batch.status != EnterpriseImport.Status.IMPORTING:
                return batch
            rows = list(batch.rows.filter(outcome=Outcome.PENDING).order_by("number")[:chunk_size()])
            if not rows:
                batch.status = EnterpriseImport.Status.DONE
                batch.finished_at = batch.progressed_at = timezone.now()
                batch.save(update_fields=["status", "finished_at", "progressed_at"])
                return batch
            if units is None:
                units = _units_by_name()
            # Registrations and imports into a unit queue on its row (the same-name check), once per chunk.
            unit_ids = {batch.unit_id} if batch.unit_id else {units[r.values["unit"]].pk for r in rows
                                                               if r.values.get("unit") in units}
            list(Organisation.objects.select_for_update().filter(pk__in=unit_ids).values_list("pk", flat=True))
            for row in rows:
                _import_row(batch, row, units, default_region)
                if row.outcome == Outcome.IMPORTED and row.values.get("contact_email"):
                    invited.append((row.enterprise_id, row.values["contact_email"]))
            EnterpriseImportRow.objects.bulk_update(rows, ["outcome", "message", "enterprise", "done_at"])
            batch.imported += sum(1 for row in rows if row.outcome == Outcome.IMPORTED)
            batch.skipped += sum(1 for row in rows if row.outcome == Outcome.SKIPPED)
            batch.progressed_at = timezone.now()
            batch.save(update_fields=["imported", "skipped", "progressed_at"])
            site_url = batch.site_url
            transaction.on_commit(lambda invited=invited, site_url=site_url: send_invitations(invited, site_url))
        if between_chunks is not None:
            between_chunks(batch)


def _import_row(batch: EnterpriseImport, row: EnterpriseImportRow, units: dict, default_region: str) -> None:
    unit = batch.unit if batch.unit is not None else units.get(row.values.get("unit", ""))
    values = {key: value for key, value in row.values.items() if key != "unit"}
    row.done_at = timezone.now()
    if unit is None:
        row.outcome, row.message = Outcome.SKIPPED, N("所属单位已不存在或已停用，未导入")
        return
    step = operations.EnterpriseImportOne(Enterprise(), values=values, unit=unit, import_id=batch.pk,
                                          row=row.number, default_region=default_region, unit_locked=True)
    try:
        with transaction.atomic():  # a savepoint: a skipped row leaves nothing behind, the chunk goes on
            enterprise, _account = step.execute(batch.confirmed_by)
    except operations.ImportSkipped as error:
        row.outcome, row.message = Outcome.SKIPPED, error.message
    except (EnterpriseError, ValidationError) as error:
        row.outcome = Outcome.SKIPPED
        row.message = getattr(error, "message", None) or "；".join(getattr(error, "messages", [str(error)]))
    except Exception:  # anything unexpected is reported for this row; the rest still runs
        logger.exception("enterprise import %s: row %s failed", batch.pk, row.number)
        row.outcome, row.message = Outcome.SKIPPED, N("系统错误，未导入；请稍后重新上传该行或联系管理员")
    else:
        row.outcome, row.enterprise, row.message = Outcome.IMPORTED, enterprise, N("已导入并确认")
    row.message = str(row.message)[:500]


def send_invitations(invited: list[tuple[int, str]], site_url: str) -> int:
    """E-mail each imported enterprise's contact a link to set the password of its account (the login is the
    credit code). A mail failure is logged; the enterprise stays imported and the township can tell it."""
    sent = 0
    base = (site_url or getattr(settings, "TIDU_SITE_URL", "")).rstrip("/")
    users = {user.organisation_id: user for user in User.objects.filter(
        organisation__enterprise__pk__in=[pk for pk, _ in invited], role=User.Role.ENTERPRISE)
        .select_related("organisation__enterprise", "organisation__parent")}
    by_enterprise = {user.organisation.enterprise.pk: user for user in users.values()}
    for pk, email in invited:
        user = by_enterprise.get(pk)
        if user is None:
            continue
        link = base + reverse("accounts:password_reset_confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
        context = {"enterprise": user.organisation.enterprise, "unit": user.organisation.parent,
                   "username": user.username, "link": link}
        try:
            send_mail(render_to_string("enterprises/email/invitation_subject.txt", context).strip(),
                      render_to_string("enterprises/email/invitation_body.txt", context), None, [email])
            sent += 1
        except Exception:  # noqa: BLE001 - any mail transport error
            logger.exception("could not mail the invitation of enterprise %s", pk)
    return sent


def stale_imports(*, older_than) -> list[int]:
    """Imports still checking or importing with no progress for ``older_than``: their worker died."""
    from django.db.models import Q

    cutoff = timezone.now() - older_than
    return list(EnterpriseImport.objects.filter(status__in=[EnterpriseImport.Status.CHECKING,
                                                            EnterpriseImport.Status.IMPORTING])
                .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at=None, created_at__lt=cutoff))
                .values_list("pk", "status"))


def resume_stale_imports(*, older_than) -> list[int]:
    ids = []
    for pk, status in stale_imports(older_than=older_than):
        _enqueue("check" if status == EnterpriseImport.Status.CHECKING else "import", pk)
        ids.append(pk)
    return ids

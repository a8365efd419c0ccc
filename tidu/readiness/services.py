"""Readiness of an enterprise from what it has recorded, its snapshots and the T0 → T1 comparison."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from tidu.applications import content as application_content
from tidu.applications.models import Application
from tidu.core.dates import date_zh
from tidu.core.errors import TiduError
from tidu.eligibility.interchange import FORMAT
from tidu.enterprises.models import Enterprise
from tidu.policy.call_policy import CallPolicy
from tidu.policy.selectors import call_list, call_policy_for
from tidu.readiness import operations as readiness_operations
from tidu.readiness import presentation
from tidu.readiness.diagnosis import Readiness, diagnose, snapshot_diff
from tidu.readiness.errors import ReadinessError
from tidu.readiness.models import ReadinessProfile, ReadinessSnapshot, SnapshotRun

logger = logging.getLogger(__name__)


@dataclass
class Basis:
    """What a diagnosis rests on: the policy, the enterprise's document and a sentence saying where it came from."""

    policy: CallPolicy
    document: dict[str, Any]
    source: str
    application: Application | None


def basis_for(enterprise: Enterprise) -> Basis | None:
    """The enterprise's latest 申报书 (any state, any call) judged under its call's packs; without one, its
    registration alone under the newest call's packs (every recorded item then shows as 待填写)."""
    application = (Application.objects.filter(enterprise=enterprise).select_related("call")
                   .order_by("-updated_at", "-id").first())
    if application is not None:
        policy = call_policy_for(application.call)
        document = application_content.application_interchange(application, policy)
        source = f"{application.call.title}的申报书（{date_zh(application.updated_at)}的内容）"
        return Basis(policy, document, source[:200], application)
    call = call_list().first()
    if call is None:
        return None
    policy = call_policy_for(call)
    identity = application_content.registry_identity(enterprise)
    document = {"format": FORMAT, "call": policy.code,
                "enterprise": {k: v for k, v in identity.items() if v}}
    profile = ReadinessProfile.objects.filter(enterprise=enterprise).first()
    if profile is None:
        return Basis(policy, document, "企业注册信息（尚未开始填写申报书）", None)
    if profile.maturity_level is not None:
        document["maturity"] = {"level": profile.maturity_level}
    if profile.scope:
        document["scope"] = profile.scope
    scenarios = [{"id": s["id"], "description": "", "uses_ai": bool(s.get("uses_ai"))}
                 for s in profile.scenarios if s.get("id") in policy.scenario_map]
    if scenarios:
        document["scenarios"] = scenarios
    return Basis(policy, document, f"就绪度自评信息（{date_zh(profile.updated_at)}填写）", None)


def policy_for_profile():
    """The packs the readiness-only form offers its choices from: the newest call's."""
    call = call_list().first()
    return call_policy_for(call) if call is not None else None


def save_profile(enterprise: Enterprise, user, values: dict) -> ReadinessProfile:
    return readiness_operations.SaveProfile(enterprise, **values).execute(user)


def readiness_of(enterprise: Enterprise) -> tuple[Basis, Readiness] | None:
    basis = basis_for(enterprise)
    if basis is None:
        return None
    return basis, diagnose(basis.policy, basis.document)


def take_snapshot(enterprise: Enterprise, user) -> ReadinessSnapshot:
    found = readiness_of(enterprise)
    if found is None:
        raise ReadinessError(gettext("还没有申报批次及其策略包，无法诊断"))
    basis, readiness = found
    return readiness_operations.TakeSnapshot(enterprise, readiness=readiness, source=basis.source).execute(user)


def progress(enterprise: Enterprise) -> dict[str, Any] | None:
    """The first (T0) and latest (T1) snapshots and what changed between them."""
    snapshots = list(ReadinessSnapshot.objects.filter(enterprise=enterprise).order_by("taken_at", "id"))
    if len(snapshots) < 2:
        return None
    first, last = snapshots[0], snapshots[-1]
    return {"first": first, "last": last,
            "changes": presentation.changes(snapshot_diff(first.result(), last.result()))}


def start_snapshot_run(user) -> SnapshotRun:
    """“为全部企业生成诊断快照”: record the run (one audit row) and hand it to the task worker."""
    run = readiness_operations.StartSnapshotRun(SnapshotRun()).execute(user)
    if run.finished_at is None:
        enqueue_snapshot_run(run)
        run.refresh_from_db()
    return run


def enqueue_snapshot_run(run: SnapshotRun) -> None:
    """Start (or start again, after a worker died: it goes on from the run's cursor) the run's job."""
    from tidu.readiness.tasks import snapshot_all_task

    snapshot_all_task.enqueue(run.pk)


def stale_snapshot_runs(*, older_than: dt.timedelta):
    """Unfinished runs without progress for ``older_than``: their worker died (or never picked them up)."""
    cutoff = timezone.now() - older_than
    return (SnapshotRun.objects.filter(finished_at__isnull=True)
            .filter(Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, created_at__lt=cutoff)))


def resume_stale_snapshot_runs(*, older_than: dt.timedelta) -> list[int]:
    """Start the job again for every stalled run (it goes on from its cursor); returns their ids."""
    runs = list(stale_snapshot_runs(older_than=older_than))
    for run in runs:
        enqueue_snapshot_run(run)
    return [run.pk for run in runs]


def snapshot_chunk_size() -> int:
    return max(1, int(getattr(settings, "TIDU_BATCH_CHUNK_SIZE", 100)))


def run_snapshot_run(run_id: int, *, between_chunks=None) -> SnapshotRun:
    """Take the snapshot of every confirmed enterprise after the run's cursor, chunk by chunk; safe to run again
    or twice at once. Each chunk is one transaction (the run row locked): its snapshots, each through
    ``readiness.snapshot`` with its own audit row, and the cursor and counters moved past them. A worker killed
    mid-chunk rolls the chunk back, so no enterprise is skipped or snapshotted twice by one run."""
    while True:
        with transaction.atomic():
            run = SnapshotRun.objects.select_for_update().select_related("actor").get(pk=run_id)
            if run.finished_at is not None:
                return run
            chunk = list(Enterprise.objects.filter(status=Enterprise.Status.CONFIRMED, pk__gt=run.cursor)
                         .select_related("organisation__parent").order_by("pk")[:snapshot_chunk_size()])
            now = timezone.now()
            if not chunk:
                run.finished_at = run.progressed_at = now
                run.save(update_fields=["finished_at", "progressed_at"])
                return run
            for enterprise in chunk:
                try:
                    with transaction.atomic():  # a savepoint: a refused enterprise leaves nothing behind
                        take_snapshot(enterprise, run.actor)
                except TiduError as error:
                    run.failed += 1
                    run.last_error = f"{enterprise.name}：{error}"[:300]
                except Exception:
                    logger.exception("readiness run %s: snapshot of enterprise %s failed", run.pk, enterprise.pk)
                    run.failed += 1
                    run.last_error = f"{enterprise.name}：系统错误，未能生成"[:300]
                else:
                    run.done += 1
            run.cursor = chunk[-1].pk
            run.progressed_at = now
            run.save(update_fields=["done", "failed", "cursor", "progressed_at", "last_error"])
        if between_chunks is not None:
            between_chunks(run)


def current_snapshot_run() -> SnapshotRun | None:
    return SnapshotRun.objects.select_related("actor").first()

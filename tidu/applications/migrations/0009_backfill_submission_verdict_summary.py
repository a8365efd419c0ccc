"""Backfill the stored verdict summary of every existing submission.

Each submission's verdict is the one judged at submission: the stored ``verdict`` (the engine's result for the
frozen content, against the pack versions its call pinned) is summarised as it is. Where no verdict was stored, the
frozen content (``snapshot["interchange"]``, which carries its submission time) is judged now with the pack versions
the call pinned, and that verdict is stored too. ``judged_at`` is the submission time.
"""

from django.db import migrations


def _policy(call, cache):
    from tidu.policy.call_policy import CallPolicy
    from tidu.policy.loader import Pack, PackLibrary

    if call.pk not in cache:
        rows = [call.call_pack, *call.pinned_packs.all()]
        packs = [Pack(id=row.pack_id, kind=row.kind, version=row.version, title=row.title,
                      sources=tuple(row.document["pack"]["sources"]), content=row.document["content"],
                      sha256=row.sha256, path=f"db:{row.pack_id}@{row.version}",
                      description=row.document["pack"].get("description", "")) for row in rows]
        cache[call.pk] = CallPolicy.resolve(PackLibrary(packs), call.call_pack.pack_id, call.call_pack.version)
    return cache[call.pk]


def backfill(apps, schema_editor):
    from tidu.applications.content import verdict_summary
    from tidu.eligibility.engine import evaluate

    Submission = apps.get_model("applications", "Submission")
    policies = {}
    for submission in Submission.objects.select_related("application__call__call_pack").iterator(chunk_size=200):
        stored = submission.verdict if isinstance(submission.verdict, dict) else {}
        judged = None
        interchange = (submission.snapshot or {}).get("interchange")
        if interchange:
            try:
                judged = evaluate(_policy(submission.application.call, policies), interchange).as_dict()
            except Exception:  # a frozen document the engine can no longer read: keep what was stored
                judged = None
        fields = ["outcome", "failing_clauses", "review_clauses", "missing_clauses", "judged_at", "policy_version"]
        if not stored.get("outcome") and judged is not None:
            submission.verdict = stored = judged
            fields.append("verdict")
        source = stored if stored.get("outcome") else {}
        for name, value in verdict_summary(source, submission.submitted_at).items():
            setattr(submission, name, value)
        submission.save(update_fields=fields)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0008_submission_verdict_summary"),
        ("policy", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

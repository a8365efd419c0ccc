"""Backfill the ``SummaryFacts`` of every existing receipt from its frozen sections, with its call's policy (the
same assembly the export used per row before: ``dossier.submission_summary_facts``). 500 receipts at a time."""

from django.db import migrations

CHUNK = 500


def _policy(call):
    """The call's policy from its stored packs (as ``policy.selectors.call_policy_for``, with historical models)."""
    from tidu.policy.call_policy import CallPolicy
    from tidu.policy.loader import Pack, PackLibrary

    rows = [call.call_pack, *call.pinned_packs.all()]
    packs = [Pack(id=row.pack_id, kind=row.kind, version=row.version, title=row.title,
                  sources=tuple(row.document["pack"]["sources"]), content=row.document["content"],
                  sha256=row.sha256, path=f"db:{row.pack_id}@{row.version}",
                  description=row.document["pack"].get("description", "")) for row in rows]
    return CallPolicy.resolve(PackLibrary(packs), call.call_pack.pack_id, call.call_pack.version)


def backfill(apps, schema_editor):
    from tidu.documents.dossier import SUMMARY_FACT_FIELDS, submission_summary_facts

    Submission = apps.get_model("applications", "Submission")
    SummaryFacts = apps.get_model("documents", "SummaryFacts")
    Call = apps.get_model("policy", "Call")
    policies = {}
    ids = list(Submission.objects.filter(summary_facts__isnull=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        facts = []
        for pk, snapshot, call_id in (Submission.objects.filter(pk__in=ids[start:start + CHUNK])
                                      .values_list("pk", "snapshot", "application__call_id")):
            if call_id not in policies:
                policies[call_id] = _policy(Call.objects.select_related("call_pack").get(pk=call_id))
            policy = policies[call_id]
            values = submission_summary_facts(policy, (snapshot or {}).get("sections", {}))
            facts.append(SummaryFacts(submission_id=pk, policy_sha256=policy.sha256,
                                      **{name: values[name] for name in SUMMARY_FACT_FIELDS}))
        SummaryFacts.objects.bulk_create(facts, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0005_summaryfacts"),
        ("policy", "0003_pack_drafts"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

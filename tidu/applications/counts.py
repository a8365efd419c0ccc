"""The stored per-call counts (``ApplicationCount``): read them the way the list pages grouped the applications, and
rebuild them from the applications (``recount_applications``).

The rows are kept by database triggers (``review`` migration 0004); these readers give exactly the numbers of the
GROUP BY over the applications they replace (``tidu/review/tests/test_application_counts.py``), for the scopes the counts can answer:
the city (every submitted application) and a township officer (its unit's, plus the drafts of the enterprises that
delegated to it, which are few and read from the applications). Any other reader gets ``None`` and groups as before.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When

from tidu.accounts import permissions
from tidu.accounts.models import User
from tidu.applications.models import Application, ApplicationCount, Submission, sent_list_status
from tidu.applications.selectors import list_sent_expression, never_submitted
from tidu.applications.workflow import State
from tidu.enterprises.selectors import delegated_enterprise_ids

Role = User.Role

# (unit id or None, status, list sent, listed) -> number of applications
Grouped = Counter


def submitted_rows() -> Q:
    """The count rows of applications that left the enterprise (``selectors.never_submitted``, negated)."""
    return ~(Q(status=State.DRAFT) | Q(status=State.WITHDRAWN, has_receipt=False))


def _rows(call, unit, status) -> QuerySet[ApplicationCount]:
    rows = ApplicationCount.objects.filter(submitted_rows())
    if call is not None:
        rows = rows.filter(call_id=call.pk)
    if unit is not None:
        rows = rows.filter(unit_id=unit.pk)
    if status:
        rows = rows.filter(status=status)
    return rows


def grouped_visible(user, *, call=None, unit=None, status: str = "") -> Grouped | None:
    """{(unit id, status, list sent, listed): n} over ``applications_visible_to(user)`` filtered by call, unit and
    status (each optional) — from the stored counts; None when the counts cannot answer for this user."""
    role = permissions.role_of(user)
    if role == Role.CITY:
        rows = _rows(call, unit, status)
        delegated = None
    elif role == Role.TOWNSHIP:
        own = permissions.unit_of(user)
        if own is None or (unit is not None and unit.pk != own.pk):
            return Grouped()
        rows = _rows(call, own, status)
        # Drafts (and withdrawn never-submitted) of the enterprises that let this officer prepare them.
        delegated = Application.objects.filter(unit=own, enterprise_id__in=delegated_enterprise_ids(user)).filter(
            never_submitted())
        if call is not None:
            delegated = delegated.filter(call=call)
        if status:
            delegated = delegated.filter(status=status)
    else:
        return None
    result = Grouped()
    for unit_id, row_status, sent, listed, n in (rows.order_by().values("unit_id", "status", "sent", "listed")
                                                 .annotate(total=Sum("n"))
                                                 .values_list("unit_id", "status", "sent", "listed", "total")):
        result[(unit_id or None, row_status, bool(sent), bool(listed))] += n
    if delegated is not None:
        result.update(grouped_applications(delegated))
    return +result  # without zeros


def grouped_applications(applications: QuerySet[Application]) -> Grouped:
    """The same grouping read from the applications themselves (one GROUP BY): what the counts replace."""
    listed = Case(When(recommendation_entry__isnull=False, then=Value(True)), default=Value(False),
                  output_field=BooleanField())
    rows = (applications.order_by().annotate(_sent=list_sent_expression(), _listed=listed)
            .values("unit", "status", "_sent", "_listed").annotate(_n=Count("pk"))
            .values_list("unit", "status", "_sent", "_listed", "_n"))
    result = Grouped()
    for unit_id, status, sent, is_listed, n in rows:
        result[(unit_id, status, bool(sent), bool(is_listed))] += n
    return result


def unit_sizes(grouped: Grouped) -> dict:
    """{unit id (None: no unit): n} from a grouping."""
    sizes = Counter()
    for (unit_id, _status, _sent, _listed), n in grouped.items():
        sizes[unit_id] += n
    return dict(sizes)


def computed_counts() -> list[ApplicationCount]:
    """The counts table as it should be, from the applications (one GROUP BY over all of them)."""
    entry = Application._meta.get_field("recommendation_entry").related_model
    listed = Exists(entry.objects.filter(application=OuterRef("pk")))
    sent = Exists(entry.objects.filter(application=OuterRef("pk"), recommendation_list__status=sent_list_status()))
    receipt = Exists(Submission.objects.filter(application=OuterRef("pk")))
    rows = (Application.objects.order_by().annotate(_hr=receipt, _listed=listed, _sent=sent)
            .values("call_id", "unit_id", "status", "_hr", "_listed", "_sent").annotate(_n=Count("pk"))
            .values_list("call_id", "unit_id", "status", "_hr", "_listed", "_sent", "_n"))
    return [ApplicationCount(call_id=call_id, unit_id=unit_id or 0, status=status, has_receipt=bool(hr),
                             listed=bool(is_listed), sent=bool(is_sent), n=n)
            for call_id, unit_id, status, hr, is_listed, is_sent, n in rows]


def recount() -> int:
    """Rebuild the counts from the applications (the triggers keep them afterwards); returns the number of rows.
    On PostgreSQL the tables the triggers read are locked against writes for the rebuild (SHARE MODE: reads go
    on), so that no change is counted twice or lost in between; SQLite has one writer at a time anyway."""
    with transaction.atomic():
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            entry = Application._meta.get_field("recommendation_entry").related_model
            tables = [Application._meta.db_table, Submission._meta.db_table, entry._meta.db_table,
                      entry._meta.get_field("recommendation_list").related_model._meta.db_table]
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")
        ApplicationCount.objects.all().delete()
        rows = ApplicationCount.objects.bulk_create(computed_counts())
    return len(rows)


def stored_counts() -> set[tuple]:
    """The counts table as a set of (call, unit, status, has receipt, listed, sent, n), for comparisons."""
    return set(ApplicationCount.objects.values_list("call_id", "unit_id", "status", "has_receipt", "listed", "sent",
                                                    "n"))


def expected_counts() -> set[tuple]:
    return {(c.call_id, c.unit_id, c.status, c.has_receipt, c.listed, c.sent, c.n) for c in computed_counts()}

"""One page of a long list in two steps: the page's ids from a narrow query, then the page's rows in full.

Sorting a whole call's rows with every selected column (the joined enterprise, unit, call, the annotations) to keep
25 of them is most of a list page's database time at 10,000 applications; sorting just the ids and then reading
those 25 rows in full is several times cheaper and gives the same rows in the same order.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(queryset: QuerySet, per_page: int, number) -> Page:
    """``Paginator(queryset, per_page).get_page(number)`` with the same rows, read as ids first (``queryset`` must be
    ordered; its ordering must not use its own annotations)."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page

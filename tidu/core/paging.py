"""One page of a long list in two steps: the page's ids from a narrow query, then the page's rows in full.

Sorting a whole call's rows with every selected column (the joined enterprise, unit, call, the annotations) to keep
25 of them is most of a list page's database time at 10,000 applications; sorting just the ids and then reading
those 25 rows in full is several times cheaper and gives the same rows in the same order.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When


def page_of(queryset: QuerySet, per_page: int, number) -> Page:
    """``Paginator(queryset, per_page).get_page(number)`` with the same rows, read as ids first (``queryset`` must be
    ordered; its ordering must not use its own annotations)."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


class _GroupedIds:
    """The ids of ``queryset`` ordered by group (in ``counts``' order) then by ``within``, sliced the way a Paginator
    slices: only the groups a slice overlaps are read and sorted, never the whole call."""

    def __init__(self, queryset: QuerySet, group: str, counts: list[tuple], within: tuple[str, ...]):
        self.queryset, self.group, self.counts, self.within = queryset, group, counts, within

    def __len__(self) -> int:
        return sum(n for _, n in self.counts)

    def count(self) -> int:
        return len(self)

    def __getitem__(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop if index.stop is not None else len(self)
        overlapping, first_start, at = [], None, 0
        for group_id, n in self.counts:
            if at < stop and at + n > start:
                overlapping.append(group_id)
                first_start = at if first_start is None else first_start
            at += n
        if not overlapping:
            return []
        whens = [When(**({f"{self.group}__isnull": True} if group_id is None else {self.group: group_id}),
                      then=Value(position)) for position, group_id in enumerate(overlapping)]
        in_groups = Q(**{f"{self.group}__in": [g for g in overlapping if g is not None]})
        if None in overlapping:
            in_groups |= Q(**{f"{self.group}__isnull": True})
        ids = (self.queryset.filter(in_groups).annotate(_group_position=Case(*whens, output_field=IntegerField()))
               .order_by("_group_position", *self.within).values_list("pk", flat=True))
        return list(ids[start - first_start:stop - first_start])


def page_of_groups(queryset: QuerySet, per_page: int, number, *, group: str, group_order: str,
                   within: tuple[str, ...], sizes: dict | None = None) -> Page:
    """The page ``page_of(queryset.order_by(group_order, *within), ...)`` would give, for a list grouped by a field
    stored on its own table (e.g. the application's unit), read without sorting the whole list: one GROUP BY gives
    each group's size in ``group_order`` (it is also the paginator's count), then only the groups the page overlaps
    are sorted by ``within``. ``within`` must end with a unique field (``pk``). ``sizes`` ({group id: rows}), when the
    caller has them from an aggregate of its own, saves the GROUP BY."""
    # Each group's size (hashed, no sort of the rows), then the groups in order (a handful of rows to sort).
    if sizes is None:
        sizes = dict(queryset.order_by().values(group).annotate(_n=Count("pk")).values_list(group, "_n"))
    sizes = {g: n for g, n in sizes.items() if n}
    field = queryset.model._meta.get_field(group)
    named = field.related_model.objects.filter(pk__in=[g for g in sizes if g is not None]).order_by(
        group_order.removeprefix(f"{group}__"), "pk").values_list("pk", flat=True) if sizes else []
    order = list(named)
    if None in sizes:  # no group: where the database sorts a NULL
        order = [*order, None] if connections[queryset.db].features.nulls_order_largest else [None, *order]
    counts = [(g, sizes[g]) for g in order]
    page = Paginator(_GroupedIds(queryset, group, counts, within), per_page).get_page(number)
    ids = list(page.object_list)
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page

"""Turning the experts' submitted scores into one result (plain Python, no Django).

* The result is the mean of the experts' totals. With ``trim_extremes`` and at least five scores, one
  highest and one lowest total are dropped first (ties: the first in the given order is dropped).
* Per-criterion means are taken over all submitted scores (never trimmed), so each row can be traced
  back to what every expert gave.
* A total is flagged as an outlier when it differs from the median of the *other* experts' totals by
  more than ``outlier_points``; the city then reconciles (asks the expert to reconsider or explains).
  With three experts one extreme total also pulls the others' medians apart (80, 78, 50: the 80 is 16
  from the median of 78 and 50), so only the total farthest from the others is flagged (all that tie for
  farthest, when two are equally far). With two experts nothing tells which one deviates: both are flagged.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TRIM_MINIMUM = 5
THREE = 3  # with three totals, only the farthest is an outlier
TWO_PLACES = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TotalRow:
    key: Hashable
    total: Decimal
    median_others: Decimal | None
    deviation: Decimal | None  # total − median of the others
    outlier: bool
    dropped: bool  # left out of the mean by trimming


@dataclass(frozen=True)
class Aggregate:
    count: int
    mean: Decimal | None
    trimmed: bool
    rows: tuple[TotalRow, ...]
    criterion_means: dict[Hashable, Decimal] = field(default_factory=dict)

    @property
    def outliers(self) -> list[TotalRow]:
        return [row for row in self.rows if row.outlier]


def _trimmed_keys(totals: Sequence[tuple[Hashable, Decimal]]) -> set:
    ordered = sorted(range(len(totals)), key=lambda i: (totals[i][1], i))
    lowest, highest = ordered[0], ordered[-1]
    return {totals[lowest][0], totals[highest][0]}


def aggregate(totals: Mapping[Hashable, Decimal], criterion_points: Mapping[Hashable, Sequence[Decimal]] | None = None,
              *, trim_extremes: bool = False, outlier_points: Decimal = Decimal("15")) -> Aggregate:
    items = [(key, Decimal(value)) for key, value in totals.items()]
    trimmed = trim_extremes and len(items) >= TRIM_MINIMUM
    dropped = _trimmed_keys(items) if trimmed else set()
    used = [value for key, value in items if key not in dropped]
    mean = round2(sum(used, Decimal("0")) / len(used)) if used else None
    medians, deviations = [], []
    for index, (_key, value) in enumerate(items):
        others = [other for i, (_, other) in enumerate(items) if i != index]
        median = Decimal(statistics.median(others)) if others else None
        medians.append(median)
        deviations.append(value - median if median is not None else None)
    beyond = [d is not None and abs(d) > outlier_points for d in deviations]
    if len(items) == THREE and any(beyond):
        farthest = max(abs(d) for d in deviations if d is not None)
        beyond = [flag and abs(d) == farthest for flag, d in zip(beyond, deviations, strict=True)]
    rows = [TotalRow(key=key, total=value, median_others=medians[i], deviation=deviations[i], outlier=beyond[i],
                     dropped=key in dropped) for i, (key, value) in enumerate(items)]
    means = {criterion: round2(sum(points, Decimal("0")) / len(points))
             for criterion, points in (criterion_points or {}).items() if points}
    return Aggregate(count=len(items), mean=mean, trimmed=trimmed, rows=tuple(rows), criterion_means=means)

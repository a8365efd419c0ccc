"""The statistics of a peer group, plain Python: quartiles, an applicant's percentile, and the k-anonymity rule.

A group of fewer than ``K_MIN`` enterprises is never described (neither its quartiles nor a percentile within it):
with four peers, a median and quartiles come close to the peers' own figures.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

K_MIN = 5  # the smallest group whose figures are shown (k-anonymity)


@dataclass(frozen=True)
class GroupStats:
    count: int
    q1: float
    median: float
    q3: float


def group_stats(values: list[float]) -> GroupStats | None:
    """Quartiles (inclusive method: the 25th/50th/75th percentiles of the values themselves); None below K_MIN."""
    if len(values) < K_MIN:
        return None
    q1, median, q3 = statistics.quantiles(sorted(values), n=4, method="inclusive")
    return GroupStats(count=len(values), q1=q1, median=median, q3=q3)


def percentile(value: float, values: list[float], direction: str = "higher") -> float | None:
    """Where ``value`` stands in its group (``values``, itself included), 0–100, higher meaning better whatever the
    KPI's direction: the share of the group it does better than, ties counted half. None below K_MIN."""
    if len(values) < K_MIN:
        return None
    if direction == "lower":
        worse = sum(1 for v in values if v > value)
    else:
        worse = sum(1 for v in values if v < value)
    ties = sum(1 for v in values if v == value)
    return round((worse + 0.5 * ties) / len(values) * 100, 1)

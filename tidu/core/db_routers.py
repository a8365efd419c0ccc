"""Database routing: the dashboards' read-only aggregates may read from a replica, everything else uses default.

``DATABASE_REPLICA_URL`` (settings) adds the ``replica`` alias; without it this router answers ``None``
everywhere and Django uses ``default``. Only code inside ``replica_reads()`` reads from the replica (the
dashboards' ``overview``, tidu/dashboards/selectors.py): a page that writes and then reads what it wrote must
never see the replica's lag, so nothing else is routed there. Writes and migrations always go to default.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
_REPLICA_READS: ContextVar[bool] = ContextVar("tidu_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads():
    """Reads inside this block go to the replica when one is configured (to default otherwise)."""
    token = _REPLICA_READS.set(True)
    try:
        yield
    finally:
        _REPLICA_READS.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _REPLICA_READS.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as default

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA

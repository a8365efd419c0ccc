"""Files and rows move together: a file written in a failed request is removed, a file is deleted on commit.

Django has no "on rollback" hook, so a write is compensated by the block around the transaction::

    with compensated_writes():
        with transaction.atomic():
            name = storage.save(...)           # or a FieldFile.save(..., save=False)
            written(storage, name)             # deleted again if anything below raises
            Row.objects.create(file=name)

and a delete waits until the row's removal has committed (``delete_on_commit``), so a database error between
the two never leaves a row pointing at nothing. Limitation: a block nested in an enclosing transaction that
later rolls back cannot see that rollback; call it at the outermost level (operations and views do).
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar

from django.db import transaction

logger = logging.getLogger("tidu.storage")

_written: ContextVar[list | None] = ContextVar("tidu_storage_written", default=None)


@contextlib.contextmanager
def compensated_writes():
    """Delete every file registered with ``written`` inside the block if the block raises."""
    files: list = []
    token = _written.set(files)
    try:
        yield files
    except BaseException:
        for storage, name in reversed(files):
            try:
                storage.delete(name)
            except Exception:  # the original error matters more; the orphan is logged for clean-up
                logger.exception("could not remove %s after a failed write", name)
        raise
    finally:
        _written.reset(token)


def written(storage, name: str) -> None:
    """Register a file just written so the enclosing ``compensated_writes`` removes it on failure."""
    files = _written.get()
    if files is None:
        raise RuntimeError("a storage write outside compensated_writes() would be left behind on failure")
    files.append((storage, name))


def delete_on_commit(storage, name: str) -> None:
    """Delete ``name`` once the current transaction commits (never if it rolls back)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))

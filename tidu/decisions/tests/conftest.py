"""Fixtures for decision tests: the small world of the expert review tests (call, units, officers, experts)."""

from tidu.experts.tests.conftest import _fast_hasher_and_media, city, experts, passed, w  # noqa: F401

"""Fixtures for on-site verification tests: the same small world as the expert review tests."""

from tidu.experts.tests.conftest import _fast_hasher_and_media, city, experts, passed, w  # noqa: F401

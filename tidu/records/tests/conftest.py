"""The 公示 fixtures (three applications through on-site verification, a 公示 published) serve these tests too."""

from tidu.publicity.tests.conftest import (  # noqa: F401  (pytest fixtures)
    _fast_and_private,
    call,
    city,
    published,
    verified,
    world,
)

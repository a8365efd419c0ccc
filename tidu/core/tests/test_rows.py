"""The per-row helpers of list pages give exactly what the template tags they replace gave."""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from tidu.core.rows import concrete_user, url_for_each


def test_url_for_each_is_reverse_for_every_id():
    for name in ("applications:review", "review:receive", "review:formal_review"):
        url = url_for_each(name)
        for pk in (1, 7, 42, 918, 10_000, 123_456_789):
            assert url(pk) == reverse(name, args=[pk])


def test_concrete_user_unwraps_a_lazy_user_once():
    made = []

    class Someone:
        pass

    def make():
        made.append(1)
        return Someone()

    lazy = SimpleLazyObject(make)
    user = concrete_user(lazy)
    assert type(user) is Someone and made == [1]
    assert concrete_user(lazy) is user and made == [1]
    plain = Someone()
    assert concrete_user(plain) is plain

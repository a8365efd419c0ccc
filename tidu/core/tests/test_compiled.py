"""A query compiled once gives what the ORM gives, for any values; option lists print what the template loop did."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from tidu import testing
from tidu.accounts.models import Organisation, User
from tidu.core.compiled import CompiledQuery
from tidu.core.rows import options_html

pytestmark = pytest.mark.django_db


def test_a_compiled_query_answers_as_the_orm_for_each_value():
    units = [testing.unit(f"第{n}镇", Organisation.Kind.TOWNSHIP) for n in range(3)]
    for n, unit in enumerate(units):
        for k in range(n):
            testing.officer(unit, f"officer{n}{k}")
    officers = CompiledQuery(lambda unit_id: User.objects.filter(organisation_id=unit_id, is_active=True)
                             .order_by("username").values_list("username"))
    for unit in units:
        expected = list(User.objects.filter(organisation=unit).order_by("username").values_list("username"))
        assert officers.rows(unit.pk) == expected
        assert officers.count(unit.pk) == len(expected)


def test_every_value_must_be_a_parameter_of_its_own():
    unused = CompiledQuery(lambda unit_id: User.objects.values_list("pk"))
    with pytest.raises(ValueError):
        unused.rows(1)


def test_options_print_what_the_template_loop_printed():
    choices = [(1, "岳口镇"), (2, "A&B <农场>"), (30, "多宝镇")]
    loop = Template('{% for v, label in choices %}<option value="{{ v }}"{% if v == selected %} selected{% endif %}>'
                    '{{ label }}</option>{% endfor %}')
    for selected in (None, 2, 30, "2"):
        assert options_html(choices, selected) == loop.render(Context({"choices": choices, "selected": selected}))

"""Saving a section: a tab's own newer write is not a conflict, anybody else's is."""

import pytest

from tidu.applications import services

pytestmark = pytest.mark.django_db


def _save(application, user, data, base, token):
    # 基本信息 takes its identity from the registry, so these saves go to a section the enterprise types in full.
    return services.application_section_save(application=application, key="organisation", data=data, base_revision=base,
                                             user=user, editor_token=token)


def test_own_autosave_racing_the_save_button_is_not_a_conflict(app_a, users):
    _save(app_a, users["a"], {"name": "甲"}, 0, "tab-1")  # autosave lands first (revision 1)
    row = _save(app_a, users["a"], {"name": "甲公司"}, 0, "tab-1")  # the save button still carried revision 0
    assert row.revision == 2 and row.data == {"name": "甲公司"}


def test_another_tab_with_a_stale_revision_is_a_conflict_and_changes_nothing(app_a, users):
    _save(app_a, users["a"], {"name": "甲"}, 0, "tab-1")
    with pytest.raises(services.SectionConflict) as conflict:
        _save(app_a, users["a"], {"name": "乙"}, 0, "tab-2")
    assert "其他窗口保存过" in conflict.value.message
    row = app_a.sections.get(key="organisation")
    assert row.revision == 1 and row.data == {"name": "甲"}


def test_without_a_token_every_stale_revision_is_a_conflict(app_a, users):
    _save(app_a, users["a"], {"name": "甲"}, 0, "")
    with pytest.raises(services.SectionConflict):
        _save(app_a, users["a"], {"name": "乙"}, 0, "")

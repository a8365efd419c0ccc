"""The applications domain's refusals (re-exported by ``services`` where other apps import them from)."""

from __future__ import annotations

from tidu.applications.sections import SECTIONS_BY_KEY
from tidu.core.dates import beijing_text
from tidu.core.errors import TiduError
from tidu.core.uploads import UploadRejected


class ApplicationError(TiduError):
    """A refused operation; ``message`` is shown to the user as it is (Chinese)."""


class SectionConflict(ApplicationError):
    """The section was saved elsewhere (another tab or person) after this form was loaded."""

    def __init__(self, section):
        self.section = section
        who = section.updated_by.display_name if section.updated_by else "他人"
        when = beijing_text(section.updated_at)
        super().__init__(f"“{SECTIONS_BY_KEY[section.key].title}”已于 {when} 由 {who} 在其他窗口保存过。"
                         "为避免覆盖，本次内容未保存；请核对下方最新内容后再保存（您填写的内容仍保留在表单中）。")


class EvidenceRejected(ApplicationError, UploadRejected):
    """An evidence file refused (type, size, state); ``message`` says why in Chinese."""

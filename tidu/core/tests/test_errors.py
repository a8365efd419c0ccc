"""One error base class: every domain's refusal is a TiduError with a Chinese ``message`` and ``details``."""

import ast
from pathlib import Path

from tidu.core.errors import TiduError

TIDU_DIR = Path(__file__).resolve().parents[2]
# Value errors raised while parsing a single field (and caught next to it) stay ValueErrors.
VALUE_ERRORS = {"CreditCodeError", "IndustryCodeError", "CalendarError"}


def test_domain_errors_derive_from_tidu_error():
    from tidu.applications.evidence import EvidenceRejected
    from tidu.applications.services import ApplicationError
    from tidu.documents.services import TemplateRejected
    from tidu.documents.typst_engine import DocumentError
    from tidu.eligibility.interchange import InterchangeError
    from tidu.experts.services import ExpertsError
    from tidu.onsite.photos import PhotoRejected
    from tidu.onsite.services import OnsiteError
    from tidu.policy.loader import PackError
    from tidu.publicity.services import PublicityError
    from tidu.review.services import ReviewError

    for error in (ApplicationError, ReviewError, ExpertsError, OnsiteError, PublicityError, DocumentError,
                  TemplateRejected, InterchangeError, PackError, EvidenceRejected, PhotoRejected):
        assert issubclass(error, TiduError), error
    refused = ExpertsError("不能提交评分：", ["第 1 项未打分"])
    assert (refused.message, refused.details, str(refused)) == ("不能提交评分：", ["第 1 项未打分"], "不能提交评分：第 1 项未打分")


def test_no_other_error_base_class_appears():
    """A new ``class FooError(Exception)`` in a domain is a second base class: derive from TiduError."""
    found = []
    for path in TIDU_DIR.rglob("*.py"):
        if {"tests", "migrations", "e2e"} & set(path.relative_to(TIDU_DIR).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name not in VALUE_ERRORS | {"TiduError", "AppendOnlyError"}:
                bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
                if bases & {"Exception", "ValueError", "RuntimeError"}:
                    found.append(f"{path.relative_to(TIDU_DIR)}: {node.name}")
    assert not found, "error classes outside TiduError:\n" + "\n".join(found)

"""Helpers for tests and demo data: a complete, passing application in a few calls (the code lives in
``tidu.testing``, the one test-data builder; these names stay for existing callers).

``fill_complete_application(application, user)`` writes every section of ``application`` through
``services.application_section_save`` (so revisions, the attestation stamp and every rule apply as
they do for a person typing) with the data of ``tidu/eligibility/examples/passing-basic.json``,
mapped to the sections' raw field names — strings as a browser sends them, ``"yes"``/``"no"`` for
yes/no questions — and uploads a small, valid PDF as the 自评估报告 (evidence topic
``maturity_report``) through ``evidence.evidence_upload``.

Afterwards every section is complete and the engine finds the application eligible once it is
submitted inside the call window (2026-01-22 … 2026-03-15, 北京时间). Submitting still needs the
enterprise to be confirmed by its township, e.g.::

    from tidu.applications.testing import fill_complete_application
    fill_complete_application(application, user)
    services.application_submit(application=application, user=user, idempotency_key="k1",
                                now=datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")))

``complete_section_data(application)`` returns the same raw input per section without saving it, for
filling only some sections (e.g. a half-finished demo draft).

Notes:
* ``user`` must be the enterprise's own user (``permissions.can_edit``); the application must be a
  draft (or 退回补正, in which case only the returned sections may be written — use ``sections=``).
* The enterprise's identity (name, credit code) and contact come from the ``Enterprise`` record so that
  demo data stays coherent; everything that decides eligibility comes from the example file.
* Evidence is written to the default storage (``MEDIA_ROOT``): tests should point ``settings.MEDIA_ROOT``
  at a temporary directory. ``with_evidence=False`` skips the upload (the 成熟度自评估 section then stays
  incomplete, which is useful to test blockers).
"""

from tidu.testing import EXAMPLE, complete_section_data, fill_complete_application, minimal_pdf_bytes

__all__ = ["EXAMPLE", "complete_section_data", "fill_complete_application", "minimal_pdf_bytes"]

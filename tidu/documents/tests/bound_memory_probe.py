"""Run in a subprocess by test_image_cap: build the sample bound dossier with one picture (the file named on the
command line) and print the notes of the evidence and the process's peak resident memory in KB."""

import json
import os
import resource
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")

import django  # noqa: E402

django.setup()

from tidu.documents.bound import render_bound_dossier  # noqa: E402
from tidu.documents.dossier import EvidenceFacts  # noqa: E402
from tidu.documents.evidence_files import EvidenceInspection  # noqa: E402
from tidu.documents.sample import sample_dossier  # noqa: E402
from tidu.policy.call_policy import load_call_policy  # noqa: E402


def main(path: str) -> None:
    data = Path(path).read_bytes()
    # Marked mergeable, as a picture stored before the pixel cap existed would be.
    facts = [EvidenceFacts(1, "scenarios", "SC24", "现场照片.png", "image/png", len(data), "e" * 64,
                           EvidenceInspection("image", 1, "", True))]
    dossier = sample_dossier(load_call_policy("call-tianmen-2026-basic"), evidence=facts)
    bound = render_bound_dossier(dossier, lambda entry: data)
    print(json.dumps({"notes": [entry.note for entry in bound.evidence], "pages": bound.page_count,
                      "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(sys.argv[1])

"""Files handed to the browser: CSV that Excel opens with Chinese intact, and a correct Content-Disposition.

* ``csv_bytes``: UTF-8 with a byte-order mark (without it Excel on Windows reads GBK and shows mojibake)
  and CRLF line ends; every field through ``tidu.core.cells.csv_field`` (never a live formula).
* ``attachment``: the response for a download; the header comes from Django's own
  ``content_disposition_header`` (RFC 6266 / 5987: a Chinese file name goes in ``filename*``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from tidu.core.cells import csv_field

CSV_BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def csv_bytes(headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_field(value) for value in headers])
    writer.writerows([csv_field(value) for value in row] for row in rows)
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """An HttpResponse that downloads ``content`` as ``filename`` (any language)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response

"""Log records that carry the request id, and one JSON object per line for log collectors.

Enabled with ``LOG_FORMAT=json`` (settings.LOGGING). Every record gets ``request_id``: the id of the request
being served (``tidu.core.request_id``), which nginx passes as X-Request-ID and Django echoes in the
response, so one grep finds the access log line, the application's log lines and the audit rows of a
request. gunicorn's access log goes through the same formatter (deploy/gunicorn.conf.py) with its fields.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from tidu.core.request_id import current_request_id

# gunicorn access-log atoms → field names in the JSON line.
_ACCESS_FIELDS = {"h": "remote_addr", "m": "method", "U": "path", "q": "query", "s": "status", "B": "bytes",
                  "M": "duration_ms", "a": "user_agent", "{x-request-id}o": "request_id"}
# Attributes every LogRecord has; anything else was passed with ``extra=`` and is worth keeping.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            value = current_request_id()
            # django.request logs 4xx/5xx after the middleware has returned; the request still knows its id.
            request = getattr(record, "request", None)
            if not value and request is not None:
                value = getattr(request, "request_id", "")
            record.request_id = value
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "") or current_request_id(),
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            data["message"] = "access"
            for atom, field in _ACCESS_FIELDS.items():
                value = atoms.get(atom)
                if value not in (None, "-", ""):
                    data[field] = int(value) if field in {"status", "bytes", "duration_ms"} and str(value).isdigit() \
                        else value
        else:
            data["message"] = record.getMessage()
            for key, value in vars(record).items():
                if key not in _STANDARD and key != "request" and not key.startswith("_"):
                    data[key] = value if isinstance(value, str | int | float | bool | type(None)) else repr(value)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)

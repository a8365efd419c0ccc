"""gunicorn settings for tidu: `gunicorn -c deploy/gunicorn.conf.py` (the systemd unit does this).

Every value can be overridden from the environment (GUNICORN_*), so one file serves a 2-core test box and
a 16-core application server.
"""

import multiprocessing
import os

wsgi_app = "tidu.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: pages and PDFs are CPU-bound Python; long work (exports, batches, bound dossiers)
# runs in the task worker, not here. 2 × cores + 1 is the usual start; each worker holds one database
# connection for DATABASE_CONN_MAX_AGE seconds (see docs/deployment.md for the connection arithmetic).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request still running after this many seconds is killed (the client gets 502 from nginx). Nothing
# legitimate should take this long: anything slow belongs in a task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (systemctl stop/restart) workers finish their current request for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5  # nginx keeps upstream connections open
# Recycle workers now and then so a slow leak cannot grow without bound; jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Request line and header limits (uploads are the body and are limited by nginx and Django).
limit_request_line = 8190
# Heartbeat files of the workers in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only nginx on this host may set X-Forwarded-* headers that gunicorn trusts.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "tidu"

# Logs to stdout/stderr (journald under systemd). The access line ends with the request id that nginx
# generated and Django echoed (X-Request-ID), the same id as on the application's log lines and audit rows.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

if os.environ.get("LOG_FORMAT") == "json":
    # The same JSON lines as the application (tidu/core/logging.py); access lines get one field per atom.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "tidu.core.logging.RequestIdFilter"}},
        "formatters": {"json": {"()": "tidu.core.logging.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json",
                        "filters": ["request_id"]},
            "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                       "filters": ["request_id"]},
            "error": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json",
                      "filters": ["request_id"]},
        },
        "loggers": {
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
        },
        "root": {"handlers": ["console"], "level": loglevel.upper()},
    }

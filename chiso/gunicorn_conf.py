"""gunicorn's settings for `chiso serve`: `gunicorn -c python:chiso.gunicorn_conf chiso.wsgi`.

`chiso serve` passes --bind, --workers and --threads on the command line (they win over the
values here); the rest are the production defaults measured by bench/web_load: gthread workers
keep connections alive (sync workers closed each one, and every request paid a new TCP
connection: half the throughput), and a worker per core plus one hides a worker blocked on the
database; the pages are bound by CPU, so more workers only add switching.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

# Importing the settings validates the environment (chiso.settings refuses an unsafe production
# configuration) before a single worker forks, and gives the log format.
from chiso import settings as chiso_settings

wsgi_app = "chiso.wsgi:application"
bind = ["127.0.0.1:8000"]
worker_class = "gthread"
workers = (os.cpu_count() or 1) + 1
threads = 2
# Idle keep-alive seconds: longer than nginx's keepalive_timeout to its upstream (4 s in
# deploy/nginx-chiso.conf), so nginx, not gunicorn, closes an idle connection it might reuse.
keepalive = 5
# A request still running after this is stuck (reports and imports go to `chiso worker`).
timeout = 60
# SIGTERM: stop accepting, let requests in flight finish for up to this long, then exit 0.
# systemd's TimeoutStopSec and compose's stop_grace_period leave a margin above it.
graceful_timeout = 25
# Requests are logged once, by chiso.lib.requestlog (with the user id gunicorn cannot know).
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "chiso"
# The runtime-control socket (gunicorn ≥ 25.1) would be one shared path per user
# ($HOME/.gunicorn), which a second instance on the machine would take over; not used here.
control_socket_disable = True
# The workers' heartbeat files: in memory where there is /dev/shm (containers mount /tmp on
# an overlay disk, where a heartbeat write can stall long enough to get a worker killed).
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# gunicorn's own lines (start, workers booting, signals) in the same format as the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": chiso_settings.LOGGING["formatters"],
    "handlers": {"console": chiso_settings.LOGGING["handlers"]["console"]},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # Off (WARNING drops its INFO lines): chiso.request logs each request already.
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
}


def post_worker_init(worker: Any) -> None:
    """Move everything the worker loaded at start (Django, the apps, their modules: ~190,000
    objects) out of the garbage collector's sight. A full collection otherwise walks all of
    them now and then, and the request it lands on waits ~100 ms: measured, the dashboard's
    slowest of 5,000 requests went from 106 ms to 5 ms. These objects live as long as the
    worker, so there is nothing for the collector to find among them (Instagram's gc.freeze).
    """
    gc.collect()
    gc.freeze()

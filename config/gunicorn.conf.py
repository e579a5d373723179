"""Gunicorn settings for Casecoder: `gunicorn -c config/gunicorn.conf.py` (see docs/deploy.md).

Every value can be changed from the environment (or on the command line, which wins):

  GUNICORN_BIND           address to listen on                  127.0.0.1:8000
  WEB_CONCURRENCY         worker processes                      2 x CPU cores + 1, at most 8
  GUNICORN_WORKER_CLASS   sync | gthread                         gthread
  GUNICORN_THREADS        threads per gthread worker             2
  GUNICORN_TIMEOUT        seconds before a silent worker is restarted   60
  GUNICORN_ACCESS_LOG     file for the access log, "-" for stderr       (none)
  GUNICORN_LOG_LEVEL      error log level                        info
  FORWARDED_ALLOW_IPS     proxies whose X-Forwarded-* headers are trusted (read by gunicorn)

The application keeps no state in a worker's memory or on local disk (sessions, uploads
and exports live in the database or in the request), so any number of workers, on any
number of machines sharing one PostgreSQL, can serve the same users. Each thread of each
worker holds one database connection (CONN_MAX_AGE): servers x workers x threads must
stay below PostgreSQL's max_connections.
"""
import multiprocessing
import os

wsgi_app = "config.wsgi:application"

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 2))

# A request that takes longer is cut off and its worker restarted; large exports are
# streamed, so they keep the worker alive while they send.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5  # seconds; longer than nothing so a load balancer can reuse connections

# Restart each worker now and then, so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# The heartbeat files live in memory: a container's overlay disk can stall them.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "casecoder"

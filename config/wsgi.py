"""WSGI entry point for gunicorn: `gunicorn config.wsgi`.

The URLconf, and with it every view and API module, is imported here, as the worker starts,
not by the first request it serves: that request took 0.4-0.5 s longer than the next
(gunicorn restarts a worker after `max_requests`, so a user met one now and then) (#19).
"""
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - the imports happen now, not in a user's request

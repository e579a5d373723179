"""A project's state, and what is kept for it: reads that cost more than they change.

Every write records an Activity, so the number and the latest id of a project's activities
change with every write. A value computed from the project and kept under that stamp is
never stale, and each process may keep its own (settings.CACHES). The analysis (matrix,
frequencies), the method tour, the project home and the transcript page keep theirs here.
"""
from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max

from .models import Activity, Project

CACHE_SECONDS = 6 * 3600
_NOT_CACHED = object()


def analysis_stamp(project: Project) -> str:
    """Changes whenever the project's coding does (one query). The number of activities
    as well as the latest id: ids are handed out before their transactions commit, so a
    write that commits late with a smaller id still changes the count."""
    found = Activity.objects.filter(project=project).aggregate(n=Count("id"), last=Max("id"))
    return f"{project.pk}:{project.created_at.timestamp() if project.created_at else ''}:{found['n']}:{found['last']}"


def cached_by_state(project: Project, key: tuple, compute, *, stamp: str | None = None):
    """compute(), or its result for the same project state and parameters."""
    stamp = stamp or analysis_stamp(project)
    name = "analysis:" + hashlib.sha256(repr((stamp, key)).encode()).hexdigest()
    found = cache.get(name, _NOT_CACHED)
    if found is _NOT_CACHED:  # a result may be None itself (no tour yet): that is kept too
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found

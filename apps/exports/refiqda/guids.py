"""Stable GUIDs: the same project exported twice gives every object the same GUID."""
from __future__ import annotations

import uuid


def project_namespace(project) -> uuid.UUID:
    """A namespace per project: its id and creation time, so that two installations'
    project 1 do not share GUIDs."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"casecoder:project:{project.pk}:{project.created_at.isoformat()}")


class Guids:
    """guid(kind, id) -> "xxxxxxxx-xxxx-5xxx-...": uuid5 of the project namespace and "kind:id"."""

    def __init__(self, project):
        self.namespace = project_namespace(project)

    def __call__(self, kind: str, pk) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}:{pk}"))

"""The static files' storage of a deployment: whitenoise's compressed manifest storage, with
each file's address worked out once per process.

The manifest cannot change while a process runs (collectstatic comes before a restart),
and every page asks for the same few files: working out an address anew (the manifest
lookup, quoting, joining) cost more than the rest of a page's header (#19).
"""
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        key = (name, force)
        found = self._urls.get(key)
        if found is None:
            found = self._urls[key] = super().url(name, force)
        return found

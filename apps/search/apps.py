from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"

    def ready(self):
        from . import receivers  # noqa: F401  (keeps the search index in step with the transcripts' text)

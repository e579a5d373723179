from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "apps.media"
    label = "media"

    def ready(self):
        from . import receivers  # noqa: F401  (a recording's file goes with its row)

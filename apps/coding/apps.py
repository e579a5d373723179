from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "apps.coding"
    label = "coding"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers that keep CaseMembership current)

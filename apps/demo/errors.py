"""The one error of the demo loader, shared by its modules."""


class DemoDataError(Exception):
    """The demo files do not fit together (a phrase that no longer matches, an unknown code)."""

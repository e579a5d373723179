"""The one way a page hands over a file: every export and table download goes through
`attachment`, so the headers a browser needs to save it are set in one place."""
from django.http import HttpResponse


def attachment(data: bytes | str, filename: str, content_type: str) -> HttpResponse:
    """`data` as a file named `filename` to save (not to show)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(response.content))
    return response

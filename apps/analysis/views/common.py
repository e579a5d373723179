"""What several analysis pages share: links that keep the page's query, the download
links of a table, and the page of excerpts behind a table cell."""
from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from .. import tables


def query_with(request, **changes) -> str:
    """The current query string with some parameters changed."""
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


def query_without(request, *names) -> str:
    """The current query string without some parameters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def download_links(request, slug: str, table: str) -> list[tuple[str, str]]:
    """(format, address) of each download of `table`, with the page's parameters."""
    query = request.GET.urlencode()
    return [(fmt.upper(), reverse("analysis_download", args=[slug, table, fmt]) + (f"?{query}" if query else ""))
            for fmt in tables.FORMATS]


def excerpts_page(request, project, nav: str, page, back: str):
    """A page of excerpts behind a table cell, with a link back to the table and to the next page."""
    return render(request, "analysis/excerpts.html", {
        "project": project, "nav": nav, "page": page, "back": back,
        "next": f"?{query_with(request, offset=page.next_offset)}" if page.next_offset is not None else "",
    })

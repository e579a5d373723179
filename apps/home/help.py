"""The Help page's guide: docs/guide.md rendered with Python-Markdown.

The guide is ours, but it is still rendered without raw HTML: HTML blocks and inline tags in
the Markdown come out as text, and links or images may only point to web pages, mail
addresses or places inside the app. Screenshots (docs/screenshots/*.png, written by
tests/browser/test_guide.py) are referred to as `screenshots/<name>.png`, which reads the
same on GitHub and here, where the help_screenshot view serves them.
"""
from __future__ import annotations

import re
from html import unescape
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import markdown
from django.conf import settings
from django.http import Http404
from django.urls import reverse
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
GUIDE = DOCS_DIR / "guide.md"
SCREENSHOTS = DOCS_DIR / "screenshots"
SCREENSHOT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class _Links(Treeprocessor):
    """Screenshots point to the help view; links with another scheme (javascript:, data:) are dropped."""

    def run(self, root):
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                if urlsplit(value).scheme.lower() not in SAFE_SCHEMES:
                    del element.attrib[attribute]
                elif element.tag == "img" and value.startswith("screenshots/"):
                    element.set("src", reverse("help_screenshot", args=[value.removeprefix("screenshots/")]))
                    element.set("loading", "lazy")


class _NoRawHtml(Extension):
    """Raw HTML in the Markdown is shown as text, never passed through."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Links(md), "casecoder_links", 0)


@dataclass(frozen=True)
class Guide:
    title: str
    html: str  # rendered from our own Markdown with raw HTML escaped: safe to print
    toc: list[dict]  # the second-level sections: {"id", "name"} (plain text)


def render_guide(text: str) -> Guide:
    """Markdown -> HTML with heading anchors; the first `# heading` is the page title."""
    md = markdown.Markdown(extensions=[_NoRawHtml(), "tables", "toc", "sane_lists", "fenced_code"],
                           extension_configs={"toc": {"permalink": False}},
                           output_format="html")
    html = md.convert(text)
    tokens = md.toc_tokens  # their names come HTML-escaped; the template escapes them again
    top = tokens[0] if len(tokens) == 1 and tokens[0]["level"] == 1 else None
    title = unescape(top["name"]) if top else "Guide"
    sections = [{"id": t["id"], "name": unescape(t["name"])} for t in (top["children"] if top else tokens)]
    return Guide(title=title, html=html, toc=sections)


@lru_cache(maxsize=4)
def _guide_for(path: Path, mtime_ns: int) -> Guide:
    return render_guide(path.read_text(encoding="utf-8"))


def guide() -> Guide:
    """The rendered guide, rendered again only when the file changes."""
    try:
        mtime = GUIDE.stat().st_mtime_ns
    except FileNotFoundError:
        raise Http404("The guide (docs/guide.md) is not installed on this server.") from None
    return _guide_for(GUIDE, mtime)



def screenshot(name: str) -> Path:
    """The file of one of the guide's screenshots; a name that is not a plain `*.png` name
    (no directories) or not there is a 404."""
    path = SCREENSHOTS / name
    if not SCREENSHOT_NAME.match(name) or not path.is_file():
        raise Http404("No such screenshot.")
    return path

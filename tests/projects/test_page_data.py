"""A page's data for its script: exactly what Django's json_script writes, faster."""
import datetime
import json

import pytest
from django.utils.html import json_script

from apps.projects.templatetags.page_data import page_data

HOSTILE = {
    "quote": "</script><script>alert(1)</script> & <!-- -->",
    "path": "Threat perception > Internal unrest",
    "names": ["Кыргызстан", "Қазақстан", "Հայաստան", "emoji 🙂", "line\u2028separator"],
    "nested": [{"a": 1, "b": None, "c": True, "d": 1.5}],
    "when": datetime.datetime(2022, 1, 6, 12, 30, tzinfo=datetime.timezone.utc),
}


@pytest.mark.parametrize("value", [HOSTILE, [], {}, "plain", {"only": ">"}])
def test_page_data_is_json_script_byte_for_byte(value):
    assert page_data(value, "workspace-data") == json_script(value, "workspace-data")


def test_no_markup_survives_in_the_script_element():
    html = page_data(HOSTILE, "x")
    inner = html.removeprefix('<script id="x" type="application/json">').removesuffix("</script>")
    assert not any(c in inner for c in "<>&")
    assert json.loads(inner)["quote"] == HOSTILE["quote"]

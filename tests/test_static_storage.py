"""The static files' storage of a deployment (config/storage.py): the manifest's hashed
names, worked out once per process."""
from __future__ import annotations

import json

import pytest

from config.storage import StaticStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False  # the manifest's names are used with DEBUG off, as in production
    (tmp_path / "staticfiles.json").write_text(json.dumps(
        {"paths": {"css/app.css": "css/app.0123abcd.css"}, "version": "1.1", "hash": "h"}))
    return StaticStorage(location=tmp_path, base_url="/static/")


def test_a_static_address_is_the_manifest_s_hashed_name(storage):
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"


def test_a_static_address_is_worked_out_once_per_process(storage):
    first = storage.url("css/app.css")
    storage.hashed_files["css/app.css"] = "css/app.ffffffff.css"  # not asked again: the kept one answers
    assert storage.url("css/app.css") == first


def test_a_file_the_manifest_lacks_is_still_an_error(storage):
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/missing.css")
    with pytest.raises(ValueError):  # and stays one: an error is not kept as an address
        storage.url("css/missing.css")

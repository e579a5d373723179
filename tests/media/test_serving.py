"""The recording served to members with range requests: browsers seek by asking for the
bytes from the middle of the file."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.media.ranges import Unsatisfiable, byte_range
from apps.media.services import recording_attach


@pytest.fixture
def recorded(transcript, owner, recording_file):
    """The transcript with a real mp3 of speech; returns (its address, the file's bytes)."""
    data = recording_file("mp3").read_bytes()
    recording_attach(transcript=transcript, upload=SimpleUploadedFile("e1.mp3", data), actor=owner)
    return reverse("recording_file", args=[transcript.project.slug, transcript.pk]), data


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_whole_file_is_200_with_accept_ranges(client_for, reviewer, recorded, django_assert_max_num_queries):
    url, data = recorded
    client = client_for(reviewer)
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "audio/mpeg"
    assert int(response["Content-Length"]) == len(data)
    assert body(response) == data


@pytest.mark.parametrize("header, first, last", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, None),
    ("bytes=-500", -500, None),
    ("bytes=1000-1000", 1000, 1000),
    ("bytes=200-999999999", 200, None),  # a last byte past the end is the end
])
def test_a_range_is_206_with_exactly_those_bytes(client_for, coder, recorded, header, first, last):
    url, data = recorded
    response = client_for(coder).get(url, headers={"Range": header})
    assert response.status_code == 206
    start = first if first >= 0 else len(data) + first
    end = (last if last is not None else len(data) - 1)
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(data)}"
    assert int(response["Content-Length"]) == end - start + 1
    assert body(response) == data[start:end + 1]


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=-0"])
def test_an_unsatisfiable_range_is_416_with_the_size(client_for, coder, recorded, header):
    url, data = recorded
    response = client_for(coder).get(url, headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_several_ranges_or_another_unit_get_the_whole_file(client_for, coder, recorded):
    url, data = recorded
    client = client_for(coder)
    for header in ("bytes=0-10, 20-30", "items=0-5", "bytes=abc"):
        response = client.get(url, headers={"Range": header})
        assert response.status_code == 200 and body(response) == data


def test_head_gives_the_headers_without_the_bytes(client_for, coder, recorded):
    url, data = recorded
    response = client_for(coder).head(url)
    assert response.status_code == 200 and int(response["Content-Length"]) == len(data)
    assert body(response) == b""


def test_an_outsider_gets_404_and_an_anonymous_user_is_sent_to_sign_in(client_for, outsider, recorded, client):
    url, _ = recorded
    client.logout()
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url, headers={"Range": "bytes=0-10"}).status_code == 404


def test_a_transcript_without_a_recording_is_404(client_for, coder, transcript):
    url = reverse("recording_file", args=[transcript.project.slug, transcript.pk])
    assert client_for(coder).get(url).status_code == 404


def test_byte_range_rules():
    assert byte_range(None, 100) is None
    assert byte_range("bytes=10-5", 100) is None
    assert byte_range("bytes=0-", 100) == (0, 99)
    assert byte_range("bytes=-1000", 100) == (0, 99)
    with pytest.raises(Unsatisfiable):
        byte_range("bytes=100-", 100)

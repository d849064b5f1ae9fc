"""Upload's ``transformation`` option through the local stack: ``pre`` changes the file before it is stored,
``post`` renditions are made at upload so that their first delivery decodes nothing, and a transformation the
grammar refuses is a 400 with nothing stored."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import boto3
import pytest
from PIL import Image

from medialib.transform import engine
from medialib.upload import rules as upload_rules
from tests.conftest import basic
from tests.integration.delivery_helpers import BLUE, RED, close, colour_at, halves, picture, upload
from tests.upload_helpers import multipart

UPLOAD = "/api/v1/files/upload"


def _renditions(stack: Any, account_id: str, file_id: str) -> list[str]:
    bucket = stack.provisioned.physical["RenditionsBucket"]
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"renditions/{account_id}/{file_id}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def test_pre_transforms_the_file_before_it_is_stored(api: Any, stack: Any, account: Any) -> None:
    """Given an 80x40 PNG (left red, right blue), When uploaded with pre "w-40,h-40,fo-left", Then the stored file is
    the 40x40 left (red) square: the answer, the details and the delivered original all say so."""
    uploaded = upload(api, account.private_key, halves(80, 40), transformation=json.dumps({"pre": "w-40,h-40,fo-left"}))
    assert (uploaded.body["width"], uploaded.body["height"]) == (40, 40)
    details = json.loads(api.get(f"/v1/files/{uploaded.file_id}/details", headers=basic(account.private_key)).data)
    assert (details["width"], details["height"], details["size"]) == (40, 40, uploaded.body["size"])
    delivered = picture(api.get(uploaded.url.removeprefix(stack.base_url)))
    assert delivered.size == (40, 40)
    assert close(colour_at(delivered, 5, 20), RED) and close(colour_at(delivered, 35, 20), RED)


def test_pre_can_change_the_format(api: Any, stack: Any, account: Any) -> None:
    """Given a PNG, When uploaded with pre "f-jpg", Then the stored file is a JPEG (mime and bytes)."""
    uploaded = upload(api, account.private_key, halves(80, 40), transformation=json.dumps({"pre": "f-jpg"}))
    delivered = api.get(uploaded.url.removeprefix(stack.base_url))
    assert delivered.headers["Content-Type"] == "image/jpeg" and picture(delivered).format == "JPEG"


def test_post_renditions_are_made_at_upload_and_served_without_decoding(
    api: Any, stack: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an upload with post transformations w-20 and h-10,w-20 written otherwise, When it is stored, Then the
    renditions bucket holds them, and their first deliveries (path and query forms) decode nothing."""
    post = [{"type": "transformation", "value": "w-20"}, {"type": "transformation", "value": "w-40,h-10,c-force"}]
    uploaded = upload(api, account.private_key, halves(80, 40), transformation=json.dumps({"post": post}))
    assert len(_renditions(stack, account.account_id, uploaded.file_id)) == 2

    def broken(*_: Any, **__: Any) -> Any:
        raise AssertionError("an eager rendition must not be made again")

    monkeypatch.setattr(engine, "render", broken)
    path = uploaded.url.removeprefix(stack.base_url)
    small = api.get(path + "?tr=w-20")
    assert small.status_code == 200 and picture(small).size == (20, 10)
    forced = api.get(f"/{account.account_id}/tr:c-force,h-10,w-40{uploaded.file_path}")
    assert forced.status_code == 200 and picture(forced).size == (40, 10)
    assert close(colour_at(picture(forced), 35, 5), BLUE)


@pytest.mark.parametrize(
    ("transformation", "named"),
    [
        pytest.param({"pre": "w-abc"}, "w", id="pre-with-a-bad-width-is-400-naming-w"),
        pytest.param({"pre": "l-text"}, "l", id="pre-with-an-overlay-is-400-naming-it"),
        pytest.param({"post": [{"type": "transformation", "value": "rt-1000"}]}, "rt", id="post-bad-rotation-is-400"),
        pytest.param({"pre": "n-nothing_like_this"}, "n-nothing_like_this", id="pre-unknown-named-is-400"),
        pytest.param(
            {"post": [{"type": "transformation", "value": f"w-{n}"} for n in range(1, 7)]},
            "at most 5",
            id="more-than-5-post-transformations-is-400",
        ),
    ],
)
def test_a_transformation_the_grammar_refuses_is_400_and_nothing_is_stored(
    api: Any, account: Any, transformation: dict[str, Any], named: str
) -> None:
    """Given an upload whose transformation is refused by delivery's grammar, When posted, Then 400 naming the
    parameter, and no file exists at the path."""
    folder = "/refused-transformation"
    body, content_type = multipart(
        {
            "fileName": "r.png",
            "folder": folder,
            "useUniqueFileName": "false",
            "transformation": json.dumps(transformation),
        },
        halves(),
    )
    answer = api.post(UPLOAD, headers={**basic(account.private_key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 400, answer.get_data()
    assert named in json.loads(answer.get_data())["message"]
    listed = json.loads(api.get(f"/v1/files?path={folder}", headers=basic(account.private_key)).data)
    assert listed == []


def test_pre_on_a_file_that_is_not_an_image_is_400(api: Any, account: Any) -> None:
    """Given a text file, When uploaded with pre "w-10", Then 400 saying pre applies to images only."""
    body, content_type = multipart(
        {"fileName": "notes.txt", "transformation": json.dumps({"pre": "w-10"})}, b"just some text\n"
    )
    answer = api.post(UPLOAD, headers={**basic(account.private_key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 400 and "images only" in json.loads(answer.get_data())["message"]


def test_a_pre_transformation_that_makes_the_file_too_large_is_400(
    api: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a 40x40 noise PNG under the size limit, When uploaded with pre "w-400" (a PNG about 100 times larger,
    over the limit), Then 400 FILE_TOO_LARGE and nothing stored: the limit holds for what is stored, not only for
    what was sent."""
    noise = io.BytesIO()
    Image.frombytes("RGB", (40, 40), random.Random(8).randbytes(40 * 40 * 3)).save(noise, "PNG")
    monkeypatch.setattr(upload_rules, "MAX_FILE_BYTES", len(noise.getvalue()) * 4)
    folder = "/pre-too-large"
    body, content_type = multipart(
        {"fileName": "n.png", "folder": folder, "useUniqueFileName": "false", "transformation": '{"pre": "w-400"}'},
        noise.getvalue(),
    )
    answer = api.post(UPLOAD, headers={**basic(account.private_key), "Content-Type": content_type}, data=body)
    assert answer.status_code == 400, answer.get_data()
    assert json.loads(answer.get_data())["reason"] == "FILE_TOO_LARGE"
    assert json.loads(api.get(f"/v1/files?path={folder}", headers=basic(account.private_key)).data) == []

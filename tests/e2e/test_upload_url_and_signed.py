"""URL uploads and client-side (signed) uploads with the official SDKs, unchanged but for their base URL, against
`medialib local start-api`.

URL uploads fetch from a loopback HTTP server the test starts, so they run against the stack started with
`--allow-loopback-urls` (``local_api_loopback``); the default stack (``local_api``) still refuses the same URL.
The Python SDK refuses a URL string for `file`, so Python sends it as a raw multipart text part (as a browser
form would); Node's SDK sends it itself (tests/e2e/node/upload_url_signed.test.mjs). Answers parse in the SDKs'
own models."""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import imagekitio
import pytest
from imagekitio import ImageKit, Omit
from imagekitio.types import FileUploadResponse

from medialib_local.aws import free_port
from tests.e2e.conftest import RunningStack, run_node_tests
from tests.upload_helpers import image

pytestmark = pytest.mark.e2e

PNG = image(33, 21)


@dataclass(frozen=True)
class PictureServer:
    url: str
    requests: list[str]


@pytest.fixture(scope="module")
def picture_server() -> Iterator[PictureServer]:
    """An HTTP server on 127.0.0.1 serving PNG (33 x 21) at /picture.png, in a thread of the test process."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path != "/picture.png":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, name="picture-server", daemon=True).start()
    try:
        yield PictureServer(f"http://127.0.0.1:{server.server_address[1]}/picture.png", requests)
    finally:
        server.shutdown()
        server.server_close()


def _upload_form(stack: RunningStack, fields: dict[str, str]) -> httpx.Response:
    """A raw multipart POST of text parts only (`file` as a URL string), with Basic auth."""
    return httpx.post(
        f"{stack.base_url}/api/v1/files/upload",
        files={name: (None, value) for name, value in fields.items()},
        auth=(stack.private_key, ""),
        timeout=30,
    )


def test_a_url_upload_by_raw_multipart_stores_the_fetched_file(
    local_api_loopback: RunningStack, picture_server: PictureServer
) -> None:
    """Given the stack with the loopback allowance and a PNG served on 127.0.0.1, When a multipart form sends its
    URL as `file`, Then 200, the answer parses in the Python SDK's FileUploadResponse with the PNG's size and
    dimensions, the server was asked for it, and the SDK's files.get reads the same stored file."""
    folder = f"/url-{uuid.uuid4().hex[:8]}"
    answer = _upload_form(local_api_loopback, {"file": picture_server.url, "fileName": "fetched.png", "folder": folder})
    assert answer.status_code == 200, answer.text
    uploaded = FileUploadResponse.model_validate(answer.json())
    assert (uploaded.width, uploaded.height, uploaded.size, uploaded.file_type) == (33, 21, len(PNG), "image")
    assert uploaded.file_path is not None and uploaded.file_path.startswith(f"{folder}/fetched")
    assert "/picture.png" in picture_server.requests
    client = ImageKit(private_key=local_api_loopback.private_key, base_url=local_api_loopback.base_url)
    assert uploaded.file_id is not None
    stored = client.files.get(uploaded.file_id)
    assert (stored.width, stored.height, stored.size, stored.mime) == (33, 21, len(PNG), "image/png")


def test_the_default_stack_refuses_the_same_loopback_url(
    local_api: RunningStack, picture_server: PictureServer
) -> None:
    """Given the stack as a user starts it (no allowance) and the same loopback PNG, When its URL is uploaded,
    Then 400 URL_ADDRESS_NOT_ALLOWED, never retried, and the server was never asked."""
    before = list(picture_server.requests)
    answer = _upload_form(local_api, {"file": picture_server.url, "fileName": "refused.png"})
    assert answer.status_code == 400
    assert answer.json()["reason"] == "URL_ADDRESS_NOT_ALLOWED"
    assert answer.headers["x-should-retry"] == "false"
    assert picture_server.requests == before


def _recording_client(sent: list[httpx.Request]) -> httpx.Client:
    return httpx.Client(event_hooks={"request": [sent.append]})


def test_a_client_side_signed_upload_with_the_python_sdk_works_once(local_api: RunningStack) -> None:
    """Given token, expire and signature computed as a backend does (client.helper.get_authentication_parameters),
    When the Python SDK uploads with publicKey and those three and no Authorization header, Then 200 parsed in
    FileUploadResponse; When the same token is sent again, Then BadRequestError 400 TOKEN_REUSED, raised once."""
    backend = ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)
    params = backend.helper.get_authentication_parameters()
    sent: list[httpx.Request] = []
    browser = ImageKit(
        private_key="private_key_a_browser_never_has", base_url=local_api.base_url, http_client=_recording_client(sent)
    )

    def upload(name: str) -> FileUploadResponse:
        return browser.files.upload(
            file=PNG,
            file_name=name,
            public_key=local_api.public_key,
            token=params["token"],
            expire=params["expire"],
            signature=params["signature"],
            extra_headers={"Authorization": Omit()},
        )

    answer = upload("signed.png")
    assert isinstance(answer, FileUploadResponse)
    assert (answer.width, answer.height, answer.size) == (33, 21, len(PNG))
    assert answer.version_info is not None and answer.version_info.id == answer.file_id
    assert [request.headers.get("Authorization") for request in sent] == [None]

    with pytest.raises(imagekitio.BadRequestError) as caught:
        upload("replayed.png")
    body = caught.value.body
    assert caught.value.status_code == 400 and isinstance(body, dict)
    assert body["reason"] == "TOKEN_REUSED"
    assert set(body) == {"message", "help", "reason"}
    assert len(sent) == 2


def test_node_sdk_uploads_by_url_and_signed_client_side(
    local_api_loopback: RunningStack, picture_server: PictureServer
) -> None:
    """Given the pinned Node SDK, the stack with the loopback allowance and the loopback PNG, When
    tests/e2e/node/upload_url_signed.test.mjs runs, Then every case passes: a URL upload (the SDK sends the URL
    string), and a client-side signed upload without Authorization that works once and is TOKEN_REUSED after."""
    result = run_node_tests(
        "upload_url_signed.test.mjs",
        local_api_loopback,
        PUBLIC_KEY=local_api_loopback.public_key,
        PICTURE_URL=picture_server.url,
        PICTURE_SIZE=str(len(PNG)),
    )
    assert "# pass 2" in result.stdout, result.stdout  # both cases ran (node --test passes an empty file too)

"""Custom metadata fields end to end against `medialib local start-api` with the official Python SDK:
``client.custom_metadata_fields.create/list/update/delete`` parsed by its models, and an upload whose
``custom_metadata`` comes back in ``client.files.get``'s model (a float included). The Node SDK's subset runs in
tests/e2e/node/fields.test.mjs, started from here.

tests/integration/test_fields.py holds the rules (uniqueness under concurrency, sessions, careless clients)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import imagekitio
import pytest
from imagekitio import ImageKit
from imagekitio.types import CustomMetadataField
from PIL import Image

from tests.e2e.conftest import RunningStack, run_node_tests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_api(delivery_api: RunningStack) -> RunningStack:
    """The delivery tests' stack: these uploads stay out of the shared one, whose account test_python_sdk.py
    expects empty."""
    return delivery_api


@pytest.fixture(scope="module")
def client(local_api: RunningStack) -> ImageKit:
    return ImageKit(private_key=local_api.private_key, base_url=local_api.base_url)


@pytest.fixture
def suffix(client: ImageKit) -> Iterator[str]:
    """A suffix for this test's field names (names are never given twice); its fields are deleted afterwards."""
    tag = uuid.uuid4().hex[:8]
    yield tag
    for field in client.custom_metadata_fields.list():
        if field.name.endswith(tag):
            client.custom_metadata_fields.delete(field.id)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


def test_fields_are_created_listed_updated_and_deleted_by_the_sdk(client: ImageKit, suffix: str) -> None:
    """Given the Python SDK, When it creates a Number field (its own create body), lists, updates and deletes it,
    Then each answer parses into the SDK's CustomMetadataField; the deleted field is listed only with
    include_deleted, and deleting it again is NotFoundError."""
    name = f"price_{suffix}"
    created = client.custom_metadata_fields.create(
        name=name, label=f"Price {suffix}", description="In euros",
        schema={"type": "Number", "min_value": 0, "max_value": 100, "is_value_required": False, "default_value": 1.5},
    )  # fmt: skip
    assert isinstance(created, CustomMetadataField)
    assert (created.name, created.description, created.schema_.type) == (name, "In euros", "Number")
    assert (created.schema_.min_value, created.schema_.max_value, created.schema_.default_value) == (0, 100, 1.5)
    assert created.id in {field.id for field in client.custom_metadata_fields.list()}

    updated = client.custom_metadata_fields.update(created.id, label=f"Cost {suffix}", schema={"min_value": 1})
    assert (updated.label, updated.schema_.min_value, updated.schema_.max_value) == (f"Cost {suffix}", 1, 100)

    client.custom_metadata_fields.delete(created.id)
    assert created.id not in {field.id for field in client.custom_metadata_fields.list()}
    deleted = [f for f in client.custom_metadata_fields.list(include_deleted=True) if f.id == created.id]
    assert [f.label for f in deleted] == [f"Cost {suffix}"]
    with pytest.raises(imagekitio.NotFoundError):
        client.custom_metadata_fields.delete(created.id)


def test_an_upload_sets_custom_metadata_the_files_model_reads(client: ImageKit, suffix: str) -> None:
    """Given fields price (Number), brand (Text), sizes (MultiSelect) and launch (Date), When the SDK uploads a file
    with custom_metadata (price 9.99), Then files.get's model holds the same values (the date in ImageKit's UTC
    form), and an unknown key or a change of a field's type is BadRequestError naming it."""
    fields = client.custom_metadata_fields
    fields.create(name=f"price_{suffix}", label=f"Price {suffix}", schema={"type": "Number", "max_value": 1000})
    fields.create(name=f"brand_{suffix}", label=f"Brand {suffix}", schema={"type": "Text", "max_length": 20})
    sizes = fields.create(name=f"sizes_{suffix}", label=f"Sizes {suffix}",
                          schema={"type": "MultiSelect", "select_options": ["S", "M", 42, True]})  # fmt: skip
    fields.create(name=f"launch_{suffix}", label=f"Launch {suffix}", schema={"type": "Date"})
    values = {f"price_{suffix}": 9.99, f"brand_{suffix}": "Nike", f"sizes_{suffix}": ["M", 42],
              f"launch_{suffix}": "2024-05-01"}  # fmt: skip

    uploaded = client.files.upload(
        file=png(), file_name="cmf.png", folder=f"/cmf-{suffix}", custom_metadata=values,
        response_fields=["customMetadata"],
    )  # fmt: skip

    expected = {**values, f"launch_{suffix}": "2024-05-01T00:00:00.000Z"}
    assert uploaded.custom_metadata == expected
    assert uploaded.file_id is not None
    assert client.files.get(uploaded.file_id).custom_metadata == expected
    with pytest.raises(imagekitio.BadRequestError) as unknown:
        client.files.upload(file=png(), file_name="x.png", custom_metadata={f"colour_{suffix}": "red"})
    assert f"customMetadata.colour_{suffix}" in unknown.value.body["message"]  # type: ignore[index]
    with pytest.raises(imagekitio.BadRequestError) as retyped:
        fields.update(sizes.id, schema={"type": "Text"})  # type: ignore[arg-type]  # a careless caller: type never changes
    assert retyped.value.body["errors"] == {"schema.type": "cannot be changed (the field is of type MultiSelect)"}  # type: ignore[index]


def test_the_node_sdk_creates_lists_and_uploads_with_custom_metadata(local_api: RunningStack) -> None:
    """Given the stack, When tests/e2e/node/fields.test.mjs runs (create, list, upload with customMetadata, the
    file's details), Then every case passes with the official Node SDK."""
    run_node_tests("fields.test.mjs", local_api, SUFFIX=uuid.uuid4().hex[:8])

"""The CloudFront paths of an unpublish purge: every URL form of the files, within CloudFront's wildcard limit."""

from __future__ import annotations

import pytest

from medialib.purge.rules import MAX_UNPUBLISH_WILDCARDS, unpublish_paths

TR = "/acc/tr:*"


@pytest.mark.parametrize(
    ("files", "paths"),
    [
        pytest.param(["/a/b.jpg"], ["/acc/a/b.jpg*", TR], id="one-file-its-query-variants-and-path-transformations"),
        pytest.param(["/a/b c.jpg"], ["/acc/a/b%20c.jpg*", TR], id="encoded-as-viewers-send-it"),
        pytest.param(["/ä(1).jpg"], ["/acc/%C3%A4%281%29.jpg*", "/acc/%C3%A4(1).jpg*", TR], id="each-viewer-encoding"),
        pytest.param([f"/x{i}.jpg" for i in range(9)], [*(f"/acc/x{i}.jpg*" for i in range(9)), TR], id="nine-fit"),
        pytest.param([f"/x{i}.jpg" for i in range(10)], ["/acc/*"], id="ten-root-files-fold-into-the-account"),
        pytest.param([f"/f{i % 3}/x{i}.jpg" for i in range(50)], ["/acc/f0/*", "/acc/f1/*", "/acc/f2/*", TR],
                     id="many-files-fold-into-their-folders"),
        pytest.param([f"/a/b/f{i}/x.jpg" for i in range(20)] + ["/z.jpg"], ["/acc/a/b/*", "/acc/z.jpg*", TR],
                     id="the-deepest-fold-first"),
        pytest.param([f"/f{i}/x.jpg" for i in range(20)], ["/acc/*"], id="too-many-folders-fold-into-the-account"),
        pytest.param([f"/a/b/{i}.jpg" for i in range(12)] + [f"/c/d/e/g{i}.jpg" for i in range(3)],
                     ["/acc/a/b/*", "/acc/c/d/*", TR], id="a-folded-folder-is-as-deep-as-the-files-beside-it"),
        pytest.param([f"/a/X/{i}.jpg" for i in range(12)] + [f"/b/{i}.jpg" for i in range(9)], ["/acc/a/*", "/acc/b/*", TR],
                     id="a-folded-folder-folds-again-into-its-parent-level-with-the-files-beside-it"),
    ],
)  # fmt: skip
def test_unpublish_paths(files: list[str], paths: list[str]) -> None:
    """Given the paths of unpublished files, When the purge is planned, Then each file's path with its query variants
    and the account's path transformations; past the limit, the deepest level (files and folders folded before
    alike) folds into its folders, one level at a time."""
    assert unpublish_paths("acc", files) == paths


@pytest.mark.parametrize("count", [1, 5, 9, 10, 11, 40, 100])
def test_never_more_wildcards_than_cloudfront_allows_and_every_file_is_covered(count: int) -> None:
    files = [f"/d{i % 7}/s{i % 4}/file {i}.png" for i in range(count)]

    paths = unpublish_paths("acc", files)

    assert len(paths) <= MAX_UNPUBLISH_WILDCARDS
    assert all(p.startswith("/acc/") and p.endswith("*") for p in paths)
    for name in files:
        encoded = "/acc" + name.replace(" ", "%20")
        assert any(encoded.startswith(p.removesuffix("*")) for p in paths), name

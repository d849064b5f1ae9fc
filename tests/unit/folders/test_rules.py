"""Pure folder rules: names and paths cleaned like ImageKit's, where a copy/move/rename puts every nested path, which
requests cannot be done, and what a job reports."""

from __future__ import annotations

import pytest

from medialib.folders import rules


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        pytest.param("photos", "photos", id="letters-kept"),
        pytest.param("2024-summer", "2024-summer", id="digits-and-dash-kept"),
        pytest.param("snake_case", "snake_case", id="underscore-kept"),
        pytest.param("my new.folder!", "my_new_folder_", id="space-dot-bang-become-underscore"),
        pytest.param("a/b", "a_b", id="a-slash-is-a-character-not-a-level"),
        pytest.param("Fotos für Émile", "Fotos_für_Émile", id="letters-of-any-script-kept"),
        pytest.param("  padded  ", "padded", id="surrounding-spaces-dropped"),
        pytest.param("写真", "写真", id="cjk-kept"),
    ],
)
def test_folder_name_is_cleaned_like_upload_folders(name: str, cleaned: str) -> None:
    """Given a folderName, When cleaned, Then letters, digits, - and _ stay, anything else is _."""
    assert rules.folder_name(name) == cleaned


@pytest.mark.parametrize("name", [pytest.param("..", id="dot-dot"), pytest.param(".", id="dot"),
                                  pytest.param("   ", id="blank"),
                                  pytest.param("a\ufffdb", id="not-utf8-as-the-gateway-decodes-it")])  # fmt: skip
def test_folder_name_refused(name: str) -> None:
    """Given a name that names no folder, When cleaned, Then ValueError (a 400)."""
    with pytest.raises(ValueError, match=r"\w"):
        rules.folder_name(name)


@pytest.mark.parametrize(
    ("parent", "name", "path"),
    [
        pytest.param("/", "new", "/new", id="at-the-root"),
        pytest.param("/a/b/", "new", "/a/b/new", id="parent-with-trailing-slash"),
        pytest.param("a//b", "new", "/a/b/new", id="parent-slashes-normalised"),
        pytest.param("/my docs", "x", "/my_docs/x", id="parent-cleaned-too"),
    ],
)
def test_new_folder_path(parent: str, name: str, path: str) -> None:
    assert rules.new_folder_path(parent, name) == path


def test_fifty_levels_is_the_limit() -> None:
    """Given a parent 49 levels deep, When one more level is made, Then it is fine; at 50 levels deep, refused."""
    assert len(rules.levels(rules.new_folder_path("/a" * 49, "x"))) == 50
    with pytest.raises(ValueError, match="50 levels"):
        rules.new_folder_path("/a" * 50, "x")


@pytest.mark.parametrize(
    ("value", "path"),
    [
        pytest.param("/a/b/", "/a/b", id="trailing-slash"),
        pytest.param("a//b", "/a/b", id="doubled-slash"),
        pytest.param("/my folder", "/my folder", id="characters-as-sent-so-it-finds-nothing"),
        pytest.param("/", "/", id="root"),
    ],
)
def test_existing_path_normalises_slashes_only(value: str, path: str) -> None:
    assert rules.existing_path(value) == path


def test_existing_path_refuses_dot_levels() -> None:
    with pytest.raises(ValueError, match=r"\. or \.\."):
        rules.existing_path("/a/../b")


@pytest.mark.parametrize(
    ("path", "source", "destination", "mapped"),
    [
        pytest.param("/src", "/src", "/dst/src", "/dst/src", id="the-folder-itself"),
        pytest.param("/src/a", "/src", "/dst/src", "/dst/src/a", id="a-child"),
        pytest.param("/src/a/b/c/d", "/src", "/dst/src", "/dst/src/a/b/c/d", id="four-levels-down"),
        pytest.param("/p/old/x", "/p/old", "/p/new", "/p/new/x", id="rename-keeps-the-parent"),
        pytest.param("/src/src", "/src", "/x/src", "/x/src/src", id="a-child-of-the-same-name"),
        pytest.param("/a/b", "/a/b", "/b", "/b", id="copy-to-the-root"),
    ],
)
def test_every_nested_path_is_mapped(path: str, source: str, destination: str, mapped: str) -> None:
    """Given a path in the source's tree, When the source goes to its destination, Then the path's place there."""
    assert rules.mapped(path, source, destination) == mapped


@pytest.mark.parametrize(
    ("path", "source"),
    [pytest.param("/srcx/a", "/src", id="a-sibling-with-the-name-as-prefix"),
     pytest.param("/other", "/src", id="elsewhere")],
)  # fmt: skip
def test_a_path_outside_the_source_is_not_mapped(path: str, source: str) -> None:
    with pytest.raises(ValueError, match="not inside"):
        rules.mapped(path, source, "/dst")


@pytest.mark.parametrize(
    ("source", "parent", "refused"),
    [
        pytest.param("/a", "/b", None, id="elsewhere-is-fine"),
        pytest.param("/a", "/", "the same", id="into-its-own-parent-is-onto-itself"),
        pytest.param("/a/b", "/", None, id="up-to-the-root-is-fine"),
        pytest.param("/a", "/ab", None, id="a-sibling-whose-name-starts-alike-is-fine"),
        pytest.param("/a", "/a", "into itself", id="into-itself"),
        pytest.param("/a", "/a/b/c", "into itself", id="into-its-own-subfolder"),
        pytest.param("/a/b", "/a", "the same", id="onto-itself"),
        pytest.param("/", "/x", "root", id="the-root"),
    ],
)
def test_copy_or_move_refusals(source: str, parent: str, refused: str | None) -> None:
    """Given a source and a destinationPath, When checked, Then refused only into itself, onto itself, or the root."""
    why = rules.refusal(source, rules.copy_destination(source, parent), verb="moved")
    assert (why is None) if refused is None else (why is not None and refused in why)


def test_a_destination_past_fifty_levels_is_refused() -> None:
    assert "50 levels" in str(rules.refusal("/a", rules.copy_destination("/a", "/b" * 50), verb="copied"))


def test_a_destination_past_1024_characters_is_refused() -> None:
    """Given a destination folder of 1020 characters, When /abcdef is moved into it, Then refused: its path would
    pass the 1024 characters upload allows (rather than a job whose every folder fails)."""
    assert "1024 characters" in str(rules.refusal("/abcdef", rules.copy_destination("/abcdef", "/" + "x" * 1019),
                                                  verb="moved"))  # fmt: skip


def test_rename_stays_in_the_parent_and_cleans_the_name() -> None:
    assert rules.renamed("/p/old", "new name") == "/p/new_name"
    assert rules.renamed("/old", "new") == "/new"
    assert "the same" in str(rules.refusal("/p/old", rules.renamed("/p/old", "old"), verb="renamed"))


def test_purge_covers_the_folder_not_its_namesakes() -> None:
    """Given a renamed /a/old, When its purge path is made, Then /a/old/ (not /a/older)."""
    assert rules.purge_path("/a/old") == "/a/old/"


def test_purge_failure_keeps_the_error_name_not_its_cause() -> None:
    report = rules.purge_failure({"Error": "QuotaExceededError", "Cause": "Traceback ..."})
    assert report["reason"] == "PURGE_FAILED" and "QuotaExceededError" in report["message"]
    assert "Traceback" not in str(report)


@pytest.mark.parametrize(
    ("path", "bounded"),
    [
        pytest.param("/d" * 50, True, id="50-levels-ok"),
        pytest.param("/d" * 51, False, id="51-levels-out"),
        pytest.param("/" + "x" * 1023, True, id="1024-characters-ok"),
        pytest.param("/" + "x" * 1024, False, id="1025-characters-out"),
    ],
)
def test_a_folder_the_walk_would_make_is_bounded_as_upload_bounds_it(path: str, bounded: bool) -> None:
    """Given the destination of a folder the walk enters, When checked, Then out of bounds past 50 levels or 1024
    characters, and the failure it reports names the folder and the reason FOLDER_TOO_DEEP."""
    why = rules.out_of_bounds(path)
    assert (why is None) is bounded
    if why is not None:
        failure = rules.folder_failure("/src/s/t", path, why)
        assert (failure["reason"], failure["fileId"]) == ("FOLDER_TOO_DEEP", None) and "/src/s/t" in failure["message"]


def test_a_jobs_executions_are_named_by_the_job_and_their_generation() -> None:
    """Given a job id, When its executions are named, Then the first is the job id (the request's start), the next
    ones ``<jobId>-<n>``: a repeated start of one generation is the same execution, and every name fits in 80."""
    job_id = "0123456789abcdef0123456789abcdef"
    assert [rules.execution_name(job_id, n) for n in (0, 1, 12)] == [job_id, f"{job_id}-1", f"{job_id}-12"]
    assert len(rules.execution_name(job_id, 10**9)) <= 80

"""Pure rules of folders: paths and names as ImageKit cleans them, where a copy, move or rename puts each path,
which requests cannot be done (a folder into itself), and what a job reports."""

from __future__ import annotations

from typing import Any

from medialib.upload.rules import MAX_FOLDER_LENGTH, MAX_FOLDER_LEVELS, normalise_folder

ROOT = "/"
MAX_REPORTED_FAILURES = 100
REPLACEMENT = "\ufffd"  # a job lists its first failures; it counts them all


def levels(path: str) -> list[str]:
    return [level for level in path.split("/") if level]


def folder_name(value: str) -> str:
    """``folderName``: one level, cleaned as upload cleans folders (letters, marks and digits of any script, ``-``
    and ``_`` kept, anything else ``_``; a ``/`` in it is a character like any other). ValueError when empty or
    ``.``/``..``, or holding U+FFFD (what the gateway makes of bytes that were not UTF-8)."""
    if REPLACEMENT in value:
        raise ValueError("folderName holds bytes that are not UTF-8")
    cleaned = normalise_folder(value.strip().replace("/", "_")).lstrip("/")
    if not cleaned:
        raise ValueError("folderName must contain a letter, a digit, - or _")
    return cleaned


def new_folder_path(parent: str, name: str) -> str:
    """The folder ``POST /v1/folder`` creates: the cleaned parent (auto-created) and the cleaned name. ValueError
    past 50 levels or 1024 characters."""
    path = join(normalise_folder(parent), folder_name(name))
    _bounded(path)
    return path


def existing_path(value: str) -> str:
    """A path that names an existing folder (a source): slashes normalised (``/a/b/``, ``a//b`` are ``/a/b``), the
    characters as sent, since every stored folder is already cleaned: ``/my folder`` finds nothing rather than
    ``/my_folder``. ValueError for ``.``/``..`` levels or past 50 levels."""
    parts = levels(value.strip())
    if any(part.strip() in {".", ".."} for part in parts):
        raise ValueError("a folder path must not contain . or .. levels")
    path = ROOT + "/".join(parts)
    _bounded(path)
    return path


def destination_folder(value: str) -> str:
    """A destination (``destinationPath``): created when absent, so cleaned as upload cleans a folder."""
    return normalise_folder(value)


def _bounded(path: str) -> None:
    if len(levels(path)) > MAX_FOLDER_LEVELS:
        raise ValueError(f"a folder is nested at most {MAX_FOLDER_LEVELS} levels deep")
    if len(path) > MAX_FOLDER_LENGTH:
        raise ValueError(f"a folder path is at most {MAX_FOLDER_LENGTH} characters long")


def join(parent: str, name: str) -> str:
    return f"{parent.rstrip('/')}/{name}"


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or ROOT


def name_of(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def is_within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or inside it (``/ab`` is not inside ``/a``)."""
    return folder in (ROOT, path) or path.startswith(folder.rstrip("/") + "/")


def mapped(path: str, source: str, destination: str) -> str:
    """Where a copy, move or rename of ``source`` to ``destination`` puts ``path`` (``source`` or inside it)."""
    if not is_within(path, source) or source == ROOT:
        raise ValueError(f"{path} is not inside {source}")
    return destination + path[len(source) :]


def copy_destination(source: str, destination_parent: str) -> str:
    """``copyFolder``/``moveFolder`` put the source folder, by its name, into ``destinationPath``."""
    return join(destination_parent, name_of(source))


def renamed(source: str, new_name: str) -> str:
    """``renameFolder``: the same parent, the new (cleaned) name."""
    return join(parent_of(source), folder_name(new_name))


def refusal(source: str, destination: str, *, verb: str) -> str | None:
    """Why ``source`` cannot be copied or moved so that it becomes ``destination`` (None: it can). The root is not
    a folder one can copy or move; a folder cannot go into itself or one of its subfolders, nor onto itself, nor
    where it would pass 50 levels or 1024 characters (its subfolders are checked as the job's walk enters them)."""
    if source == ROOT:
        return f"The root folder cannot be {verb}."
    if destination == source:
        return f"The folder is already at {destination}: source and destination are the same."
    if is_within(parent_of(destination), source):
        return (
            f"A folder cannot be {verb} into itself or one of its subfolders ({source} into {parent_of(destination)})."
        )
    why = out_of_bounds(destination)
    if why is not None:
        return f"The folder cannot be {verb} to {destination}: {why}."
    return None


def out_of_bounds(path: str) -> str | None:
    """Why no folder can be at ``path`` (None: one can): upload and ``POST /v1/folder`` refuse more than 50 levels
    or 1024 characters, and so does the walk of a copy, move or rename for each folder it would make."""
    try:
        _bounded(path)
    except ValueError as error:
        return str(error)
    return None


def folder_failure(folder: str, destination: str, why: str) -> dict[str, Any]:
    """The job's report of a source folder the walk did not enter, since its destination cannot exist: the folder,
    its files and its subfolders stay where they are (counted as one failure)."""
    return {
        "fileId": None,  # a folder's, not one file's
        "status": "FAILED",
        "reason": "FOLDER_TOO_DEEP",
        "message": f"{folder} and everything in it stay where they are: {destination} cannot exist ({why}).",
    }


def execution_name(job_id: str, generation: int) -> str:
    """The name of a job's execution: the job id for the first, then ``<jobId>-<n>`` for the n-th that continues it
    (a start of the same name twice is one execution)."""
    return job_id if generation == 0 else f"{job_id}-{generation}"


def purge_path(source: str) -> str:
    """What a rename with purgeCache purges: the old folder's URL and everything under it (``<old-folder-url>*``)."""
    return source.rstrip("/") + "/"


def purge_failure(error: dict[str, Any]) -> dict[str, Any]:
    """The job's report of a purge that failed after its retries (a spent quota, a CDN that stays busy): the
    error's name, never its cause (a trace)."""
    name = error.get("Error") or "INTERNAL_ERROR"
    return {
        "fileId": None,  # the job's, not one file's
        "reason": "PURGE_FAILED",
        "message": f"The folder is renamed, but the CDN could not be cleared of its old URLs ({name}); purge "
        "<old-folder-url>* to clear it.",
    }


def file_failure(file_id: str, reason: str | None, message: str) -> dict[str, Any]:
    return {"fileId": file_id, "status": "FAILED", "reason": reason or "INTERNAL_ERROR", "message": message}

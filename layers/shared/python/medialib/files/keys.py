"""Key design of the single table for files and folders (docs/data-model.md explains each access pattern)."""

from __future__ import annotations


def file_pk(account_id: str, file_id: str) -> str:
    """Partition of one file: its current record (SK ``FILE``) and its versions (SK ``VERSION#<id>``)."""
    return f"ACCOUNT#{account_id}#FILE#{file_id}"


FILE_SK = "FILE"
VERSION_SK_PREFIX = "VERSION#"


def folder_listing_pk(account_id: str, folder_path: str) -> str:
    """GSI1 partition of one folder's direct children (files ``FILE#<name>``, folders ``FOLDER#<name>``)."""
    return f"ACCOUNT#{account_id}#FOLDER#{folder_path}"


def account_files_pk(account_id: str) -> str:
    """GSI2 partition of every current file of an account, sorted by ``<createdAt>#<fileId>``."""
    return f"ACCOUNT#{account_id}#FILES"


def account_versions_pk(account_id: str) -> str:
    """GSI2 partition of every non-current version of an account."""
    return f"ACCOUNT#{account_id}#VERSIONS"


def account_folders_pk(account_id: str) -> str:
    """GSI2 partition of every folder of an account."""
    return f"ACCOUNT#{account_id}#FOLDERS"

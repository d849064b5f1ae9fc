"""Delivery (first version): resolve ``/{accountId}/{filePath}`` to a file; unknown paths are 404."""

from __future__ import annotations

from medialib.adapters import table
from medialib.errors import NotFoundError, NotImplementedYetError


def path_key(account_id: str, file_path: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}#PATH#{file_path}", "PATH"


def resolve(proxy_path: str) -> None:
    account_id, _, file_path = proxy_path.strip("/").partition("/")
    if not account_id or not file_path or table.get(*path_key(account_id, "/" + file_path)) is None:
        raise NotFoundError("The requested resource does not exist.", reason="NOT_FOUND")
    raise NotImplementedYetError("Delivering files")

"""Delivery (first version): resolve ``/{accountId}/{filePath}`` to a file; unknown paths are 404."""

from __future__ import annotations

from medialib.errors import NotFoundError, NotImplementedYetError
from medialib.files import service as files


def resolve(proxy_path: str) -> None:
    account_id, _, file_path = proxy_path.strip("/").partition("/")
    if not account_id or not file_path or not files.path_exists(account_id, "/" + file_path):
        raise NotFoundError("The requested resource does not exist.", reason="NOT_FOUND")
    raise NotImplementedYetError("Delivering files")

"""KMS: the accounts' private keys, encrypted with the stack's key (``AccountKeysKey``) and decrypted by the
functions that verify signatures with them (deliver, upload). The only code that calls KMS.

Each ciphertext is bound to its account by the encryption context (``medialib:accountId``): a ciphertext copied
into another account's row does not decrypt there.
"""

from __future__ import annotations

from medialib.adapters import clients
from medialib.adapters.errors import AWS_ERRORS, translate


def _context(account_id: str) -> dict[str, str]:
    return {"medialib:accountId": account_id}


def encrypt(key_id: str, account_id: str, private_key: str) -> bytes:
    """``private_key`` encrypted with the KMS key ``key_id`` (id, ARN or alias) for ``account_id``."""
    try:
        answer = clients.kms().encrypt(
            KeyId=key_id, Plaintext=private_key.encode(), EncryptionContext=_context(account_id)
        )
    except AWS_ERRORS as err:
        raise translate(err, "KMS") from None
    return bytes(answer["CiphertextBlob"])


def decrypt(key_id: str, account_id: str, ciphertext: bytes) -> str:
    """The private key ``encrypt`` made; only a ciphertext of the KMS key ``key_id`` (its ARN) and of this account
    decrypts."""
    try:
        answer = clients.kms().decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionContext=_context(account_id))
    except AWS_ERRORS as err:
        raise translate(err, "KMS") from None
    return bytes(answer["Plaintext"]).decode()

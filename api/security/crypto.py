"""Field encryption at rest and keyed hashes for equality lookups.

- ``encrypt``/``decrypt``: AES-256-GCM with a random 96-bit nonce; the stored text is
  ``v1.<key id>.<base64url(nonce || ciphertext || tag)>``. The key id (8 hex characters of a hash
  of the key) lets data written under a former secret be read after rotation (OLD_SECRET_KEYS).
- ``lookup_hash``: HMAC-SHA256 under a second derived key, hex. Same input → same hash, so a
  column of hashes can be indexed and compared without decrypting anything. Its secret is
  LOOKUP_HASH_SECRET when set (keep it across a rotation of SECRET_KEY), else SECRET_KEY.

Both keys are derived from the master secret (api.security.config.master_secret) with different
labels, so neither can be computed from the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.security import config

PREFIX = "v1"


class DecryptionError(ValueError):
    pass


@lru_cache(maxsize=16)
def _keyring(current: str, old: tuple[str, ...]) -> tuple[tuple[str, AESGCM], dict[str, AESGCM]]:
    def entry(secret: str) -> tuple[str, AESGCM]:
        key = config.derive("field-encryption/v1", secret)
        return hashlib.sha256(b"key-id" + key).hexdigest()[:8], AESGCM(key)

    cur = entry(current)
    ring = dict(entry(s) for s in (current, *old))
    return cur, ring


def _keys() -> tuple[tuple[str, AESGCM], dict[str, AESGCM]]:
    return _keyring(config.master_secret(), tuple(config.old_secrets()))


def encrypt(plaintext: str) -> str:
    """AES-256-GCM under the current key; a new random nonce each time, so equal values encrypt
    differently (use lookup_hash to compare)."""
    (kid, aead), _ = _keys()
    nonce = os.urandom(12)
    blob = nonce + aead.encrypt(nonce, plaintext.encode("utf-8"), PREFIX.encode())
    return f"{PREFIX}.{kid}.{base64.urlsafe_b64encode(blob).decode().rstrip('=')}"


def decrypt(token: str) -> str:
    """The clear text of a field written by encrypt under the current or a former secret;
    DecryptionError when the key is not configured or the field is damaged."""
    try:
        prefix, kid, data = token.split(".", 2)
    except ValueError:
        raise DecryptionError("not an encrypted field") from None
    _, ring = _keys()
    aead = ring.get(kid)
    if prefix != PREFIX or aead is None:
        raise DecryptionError("unknown key id: the secret that encrypted this field is not configured")
    try:
        blob = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        return aead.decrypt(blob[:12], blob[12:], PREFIX.encode()).decode("utf-8")
    except (InvalidTag, ValueError):
        raise DecryptionError("the encrypted field is damaged or was encrypted with another key") from None


def needs_reencryption(token: str) -> bool:
    """True when the field was written under a former secret (for a rotation job)."""
    (kid, _), _ = _keys()
    return token.split(".", 2)[1:2] != [kid]


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 (hex) under the lookup key: equal values give equal hashes, stable across a
    rotation of SECRET_KEY when LOOKUP_HASH_SECRET is set. Normalise first (api.security.personal)."""
    # LOOKUP_HASH_SECRET pins the hash key when SECRET_KEY is rotated: tables that keep only the
    # hash of an ID number (shared death records, relationship checks) cannot be re-hashed.
    key = config.derive("lookup-hash/v1", config.lookup_hash_secret())
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

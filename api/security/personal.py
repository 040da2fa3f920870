"""Personal fields: one value type from the request to the database and back to the screen.

A personal value goes through the same four steps wherever it is kept (cases, shared records):
normalised (the one stored form, so that the same number typed two ways hashes the same), hashed
with the keyed lookup hash when rows are found by it, encrypted at rest, and masked for display.
A model declares each personal field once with ``PersonalField``; ``columns()`` gives every stored
column of a value and ``read()`` decrypts it, so a new personal field is protected by declaring it:

    CASE_PERSONAL = {"applicant_phone": PersonalField("applicant_phone", PHONE, hashed=True), ...}
    Case(**CASE_PERSONAL["applicant_phone"].columns(phone))
    # → applicant_phone_enc, applicant_phone_hash, applicant_phone_masked

The request schemas validate and explain mistakes (api/cases/schemas.py); the normalisers here
are idempotent on validated values. Free text (notes, results, SMS, audit object ids) is masked
with ``mask_text``, the same rules the bot applies.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.identity import (
    mask_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    normalize_id_number,
)
from api.security.crypto import decrypt, encrypt, lookup_hash

__all__ = ["ACCOUNT", "ID_NUMBER", "NAME", "PHONE", "PersonalField", "PersonalKind", "mask_text"]


@dataclass(frozen=True)
class PersonalKind:
    """One kind of personal data: its stored form and its display mask."""

    name: str
    normalise: Callable[[str], str]
    mask: Callable[[str | None], str]

    def hash(self, value: str) -> str:
        """The keyed lookup hash of the normalised value (equal values, equal hashes)."""
        return lookup_hash(self.normalise(value))


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _phone(value: str) -> str:
    v = _nfkc(value).replace(" ", "").replace("-", "")
    return v[3:] if v.startswith("+86") else v


NAME = PersonalKind("name", _nfkc, mask_name)
ID_NUMBER = PersonalKind("id_number", normalize_id_number, mask_id_number)
PHONE = PersonalKind("phone", _phone, mask_phone)
ACCOUNT = PersonalKind("account", lambda v: _nfkc(v).replace(" ", ""), mask_account)


@dataclass(frozen=True)
class PersonalField:
    """A personal field of a model, stored as ``<column>_enc`` (always), ``<column>_hash`` (when
    `hashed`: rows are looked up by it) and ``<column>_masked`` (when `masked`: shown on screens)."""

    column: str
    kind: PersonalKind
    hashed: bool = False
    masked: bool = True

    def columns(self, value: str | None) -> dict[str, Any]:
        """Every stored column for `value` (all None for no value): normalised, then encrypted,
        hashed and masked."""
        if not value:
            out: dict[str, Any] = {f"{self.column}_enc": None}
            if self.hashed:
                out[f"{self.column}_hash"] = None
            if self.masked:
                out[f"{self.column}_masked"] = None
            return out
        v = self.kind.normalise(value)
        out = {f"{self.column}_enc": encrypt(v)}
        if self.hashed:
            out[f"{self.column}_hash"] = lookup_hash(v)
        if self.masked:
            out[f"{self.column}_masked"] = self.kind.mask(v)
        return out

    def store(self, row: Any, value: str | None) -> None:
        """Set the field's columns on an existing row."""
        for name, stored in self.columns(value).items():
            setattr(row, name, stored)

    def read(self, row: Any) -> str | None:
        """The clear value, decrypted from the row (None when the field is empty)."""
        token = getattr(row, f"{self.column}_enc")
        return decrypt(token) if token else None

    def hash(self, value: str) -> str:
        return self.kind.hash(value)

"""Case numbers a family can read aloud on the phone, and applicant access tokens.

A case number is ``SH`` + the submission date + five random digits + one Damm check digit, e.g.
``SH20261129-48273-5`` written with hyphens for reading, stored without them
(``SH20261129482735``). Digits only after the prefix: no O/0 or I/1 confusion. The Damm digit
catches every single wrong digit and every swap of two neighbouring digits, so a mistyped number is
refused before any lookup. A case number alone never reveals anything: reading a case needs the
access token (stored only as a hash) or a staff credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata

PREFIX = "SH"

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_CASE_RE = re.compile(r"^SH[0-9]{14}$")  # ASCII digits only (NFKC first)


def damm(digits: str) -> int:
    """The Damm check digit of a string of ASCII digits (0 when a number ends with its own check digit)."""
    interim = 0
    for c in digits:
        interim = _DAMM[interim][int(c)]
    return interim


def new_case_no(on: dt.date) -> str:
    """A new random case number of that day (SH + yyyymmdd + 5 random digits + Damm check digit);
    unique only by chance: the caller checks the database."""
    body = on.strftime("%Y%m%d") + f"{secrets.randbelow(100_000):05d}"
    return PREFIX + body + str(damm(body))


def normalize_case_no(value: str) -> str | None:
    """Accept 'sh20261129-48273-5', spaces, full-width hyphens; None when it cannot be a case number."""
    v = re.sub(r"[\s\-－—_]", "", unicodedata.normalize("NFKC", value or "")).upper()
    if not _CASE_RE.match(v):
        return None
    return v if damm(v[2:]) == 0 else None


def readable(case_no: str) -> str:
    """SH20261129482735 → SH20261129-48273-5"""
    return f"{case_no[:10]}-{case_no[10:15]}-{case_no[15:]}"


def new_access_token() -> str:
    """A new access token (192 random bits, URL-safe); shown once, stored only as token_hash."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """The stored form of an access token (SHA-256, hex)."""
    # The token has 192 random bits: a plain SHA-256 cannot be reversed by guessing.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def case_key(case_no: str) -> str:
    """What is being guessed, for the rate limits: the normalised case number (hyphens, spaces, case
    and full-width variants of one number share one counter); text that is no case number is its own key."""
    return normalize_case_no(case_no[:64]) or "raw:" + case_no.strip().upper()[:40]

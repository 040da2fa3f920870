"""The short progress code (查询码) a family can copy by hand, and short-lived progress sessions.

The long access token (192 random bits) stays for links (``/cases/{no}#token=...``); an elderly person
cannot copy it. Each case also gets, at submission, a **progress code**: 6 characters from a
32-character alphabet without 0/O/1/I (digits 2-9 and the letters A-Z except I and O), e.g. ``4K7P2M``
— 32^6 ≈ 1.07 × 10^9 values. It is:

- shown once (submission answer, the assistant's message, the applicant's SMS), stored only as a
  keyed hash (``lookup_hash`` of the case number and the code: the same code on two cases gives
  two hashes, and the hash is stable across a SECRET_KEY rotation with LOOKUP_HASH_SECRET);
- valid only together with its case number, compared in constant time;
- exchanged (``POST /api/v1/cases/{case_no}/progress-code``, api/progress/routes.py) for the case's
  progress view and a **progress session**: a signed token ``ps1.<case id>.<expiry>.<mac>`` accepted
  wherever the applicant's access token is (``Authorization: Bearer``) until it expires
  (``PROGRESS_SESSION_MINUTES``, default 30). Nothing is stored for a session.

Guessing is bounded by the rate limits of that route (per client and per case number; see
docs/security.md): at 10 wrong codes per case an hour, finding one case's code takes on the order of
10^5 years.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import unicodedata
from hashlib import sha256

from api import clock
from api.security import config
from api.security.crypto import lookup_hash

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0, O, 1, I
LENGTH = 6
CODE_RE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")
SESSION_PREFIX = "ps1."


def new_progress_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_progress_code(value: str) -> str | None:
    """'4k7 p2m', '4K7-P2M', full-width letters → '4K7P2M'; None when it cannot be a code."""
    v = re.sub(r"[\s\-－—_·.]", "", unicodedata.normalize("NFKC", value or "")[:40]).upper()
    return v if CODE_RE.fullmatch(v) else None


def progress_code_hash(case_no: str, code: str) -> str:
    return lookup_hash(f"progress-code/v1/{case_no}/{code}")


def code_matches(case_no: str, stored_hash: str | None, presented: str) -> bool:
    """Constant-time check of a presented code against the case's stored hash (a case without a
    code — filed before codes existed — matches nothing)."""
    code = normalize_progress_code(presented)
    expected = stored_hash or ""
    candidate = progress_code_hash(case_no, code or "-")
    return bool(hmac.compare_digest(candidate.encode(), expected.encode()) and code and stored_hash)


# ------------------------------------------------------------------ progress sessions


def session_minutes() -> int:
    try:
        return max(1, min(24 * 60, int(os.environ.get("PROGRESS_SESSION_MINUTES") or 30)))
    except ValueError:
        return 30


def _mac(body: str) -> str:
    return hmac.new(config.derive("progress-session/v1"), body.encode(), sha256).hexdigest()


def new_session_token(case_id: int, now: float | None = None) -> tuple[str, int]:
    """A signed token for one case, and its expiry (Unix seconds)."""
    expires = int((now if now is not None else clock.now().timestamp()) + session_minutes() * 60)
    body = f"{case_id}.{expires}"
    return f"{SESSION_PREFIX}{body}.{_mac(body)}", expires


def is_session_token(token: str) -> bool:
    return token.startswith(SESSION_PREFIX)


def session_case_id(token: str, now: float | None = None) -> int | None:
    """The case id of a valid, unexpired session token, else None."""
    parts = token[len(SESSION_PREFIX) :].split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 12:
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(body).encode(), parts[2].encode()):
        return None
    if int(parts[1]) < (now if now is not None else clock.now().timestamp()):
        return None
    return int(parts[0])

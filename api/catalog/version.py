"""The catalog's version: a digest of the knowledge/ files, printed on documents made from it.

A printed checklist carries it so that staff can tell which catalog a family's sheet came from
(materials, time limits and rules change when knowledge/ changes). The same files give the same
version on every machine; any change to any file gives another one.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from api.catalog.loader import FILES
from api.settings import get_settings


@lru_cache(maxsize=4)
def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for file, _model in sorted(FILES.values(), key=lambda fm: fm[0]):
        h.update(file.encode())
        h.update(b"\0")
        h.update((directory / file).read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:12]


def catalog_version() -> str:
    """12 hexadecimal characters of the SHA-256 of knowledge/*.yaml (the files the loader reads)."""
    return _digest(Path(get_settings().knowledge_dir).resolve())

"""The API's name for the shared identity package (``packages/gz_identity``).

ID numbers (GB 11643), phone and name checks and masking live in ``gz_identity``, installed into
both environments, so the API and the assistant's actions apply the same rules. This module only
re-exports it so that ``from api.identity import ...`` keeps working.
"""

from gz_identity import (
    PHONE_RE,
    DigitsError,
    IdNumberError,
    ascii_digits,
    check_digit,
    clean_name,
    mask_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    normalize_id_number,
    parse_id_number,
    valid_phone,
)

__all__ = [
    "PHONE_RE",
    "DigitsError",
    "IdNumberError",
    "ascii_digits",
    "check_digit",
    "clean_name",
    "mask_account",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_text",
    "normalize_id_number",
    "parse_id_number",
    "valid_phone",
]

"""Personal fields are one value type (api/security/personal.py): declared once, then normalised,
hashed, encrypted and masked the same way wherever they are stored."""

from __future__ import annotations

import datetime as dt

from api.cases.models import CASE_PERSONAL, Case
from api.security.personal import ID_NUMBER, PHONE, PersonalField
from tests.api.conftest import make_id_number

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_every_encrypted_column_of_a_case_is_a_declared_personal_field() -> None:
    enc = {c.name.removesuffix("_enc") for c in Case.__table__.columns if c.name.endswith("_enc")}
    assert enc == set(CASE_PERSONAL)
    for field in CASE_PERSONAL.values():
        for column in field.columns("13912345678"):
            assert column in Case.__table__.columns, column


def test_a_declared_field_is_encrypted_hashed_and_masked() -> None:
    field = PersonalField("applicant_phone", PHONE, hashed=True)
    cols = field.columns("139 1234 5678")
    assert set(cols) == {"applicant_phone_enc", "applicant_phone_hash", "applicant_phone_masked"}
    assert "13912345678" not in cols["applicant_phone_enc"]
    assert cols["applicant_phone_masked"] == "139****5678"
    assert cols["applicant_phone_hash"] == PHONE.hash("13912345678")

    class Row:
        pass

    row = Row()
    field.store(row, "13912345678")
    assert field.read(row) == "13912345678"
    assert PersonalField("payee_account", PHONE).columns(None) == {
        "payee_account_enc": None,
        "payee_account_masked": None,
    }


def test_the_same_number_typed_two_ways_hashes_the_same() -> None:
    idn = make_id_number(dt.date(1941, 3, 8))
    assert ID_NUMBER.hash(idn.translate(FULL_WIDTH)) == ID_NUMBER.hash(idn)
    assert ID_NUMBER.mask(idn).count("*") == 11

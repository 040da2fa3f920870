"""Numbers are NFKC-normalised to ASCII digits before validation, hashing and storage (issue 7, high).

`\\d` and `str.isdigit()` accept full-width (０-９) and other scripts' digits, so the same deceased typed
with full-width digits once hashed differently and opened a second (and an eighteenth) case.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.cases.numbers import normalize_case_no
from api.identity import DigitsError, ascii_digits, normalize_id_number, parse_id_number
from tests.api.conftest import case_body, db_session

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def open_cases_of(id_number: str) -> int:
    from api.cases.models import Case
    from api.security.crypto import lookup_hash

    with db_session() as s:
        return s.scalar(
            select(func.count()).select_from(Case).where(Case.deceased_id_hash == lookup_hash(id_number))
        )


def test_the_same_deceased_in_other_digits_is_one_case(api):
    body = case_body()
    idn = body["deceased"]["id_number"]
    assert api.post("/api/v1/cases", json=body).status_code == 201
    # the whole number full-width, then one digit at a time (what made 18 cases)
    variants = [idn.translate(FULL)] + [idn[:i] + idn[i].translate(FULL) + idn[i + 1 :] for i in range(18)]
    for variant in variants:
        again = case_body(deceased={**body["deceased"], "id_number": variant})
        r = api.post("/api/v1/cases", json=again)
        assert r.status_code == 409, (variant, r.text)
        assert r.json()["code"] == "case_exists"
    # digits NFKC does not map are refused with a Chinese sentence, not hashed as another person
    for table in (ARABIC_INDIC, DEVANAGARI):
        other = case_body(deceased={**body["deceased"], "id_number": idn.translate(table)})
        r = api.post("/api/v1/cases", json=other)
        assert r.status_code == 422, r.text
        assert "0–9" in r.json()["message"] and "身份证号" in r.json()["message"]
    assert open_cases_of(idn) == 1


def test_phone_account_and_ids_are_stored_normalised(api):
    from api.cases.models import Case
    from api.security.crypto import decrypt

    body = case_body()
    plain_phone, plain_account = body["applicant"]["phone"], "6222021234567890123"
    body["applicant"]["phone"] = "＋８６ " + plain_phone.translate(FULL)
    body["applicant"]["id_number"] = body["applicant"]["id_number"].translate(FULL)
    body["payee_account"] = "６２２２　０２１２　３４５６　７８９０　１２３"  # with ideographic spaces
    body["region"] = "５２０１０２"
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    with db_session() as s:
        case = s.scalar(select(Case).where(Case.case_no == r.json()["case_no"]))
        assert decrypt(case.applicant_phone_enc) == plain_phone
        assert decrypt(case.payee_account_enc) == plain_account
        assert decrypt(case.applicant_id_enc) == body["applicant"]["id_number"].translate(
            str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")
        )
        assert case.region == "520102"
        assert case.applicant_phone_masked.isascii() and case.payee_account_masked.isascii()


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("phone", "1391234567" + "٨", "手机号"),
        ("account", "622202123456789" + "०१२३", "收款账号"),
    ],
)
def test_phone_and_account_in_other_scripts_are_refused(api, field, value, what):
    body = case_body()
    if field == "phone":
        body["applicant"]["phone"] = value
    else:
        body["payee_account"] = value
    r = api.post("/api/v1/cases", json=body)
    assert r.status_code == 422, r.text
    assert what in r.json()["message"] and "0–9" in r.json()["message"]


def test_parsers_normalise_or_refuse():
    idn = "520102194103081236"
    assert parse_id_number(idn.translate(FULL)) == parse_id_number(idn)
    assert normalize_id_number(idn.translate(FULL)) == idn
    with pytest.raises(ValueError, match="0–9"):
        parse_id_number(idn.translate(ARABIC_INDIC))
    with pytest.raises(DigitsError):
        ascii_digits("１٣")
    assert ascii_digits("１３９") == "139"
    assert normalize_case_no("ＳＨ２０２６１１２９－４８２７３－５") == "SH20261129482735"
    assert normalize_case_no("SH20261129-48273-" + "٥") is None

"""Property tests of the parsers of personal data (issue 7): whatever text arrives in an ID number,
date, phone, account or name, the answer is the normalised ASCII value or a ValueError with a
Chinese sentence — never another exception, never a non-ASCII number accepted."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.cases.numbers import normalize_case_no
from api.cases.schemas import ApplicantIn, CaseCreate, DeceasedIn
from api.identity import ascii_digits, mask_text, normalize_id_number, parse_id_number

CJK = re.compile(r"[\u4e00-\u9fff]")
# digits of many scripts, full-width forms, spaces, X, signs: the characters that matter here
DIGITISH = st.sampled_from(
    list("0123456789Xx +-－　") + list("０１２３４５６７８９Ｘ") + list("٠١٢٣٤٥٦٧٨٩") + list("०१२३४५६७८९")
)
NUMBERISH = st.one_of(st.text(DIGITISH, max_size=24), st.text(max_size=24))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _chinese_errors(exc: ValidationError) -> None:
    for err in exc.errors():
        if err["type"] == "value_error":
            assert CJK.search(str(err["ctx"]["error"])), err


@SETTINGS
@given(NUMBERISH)
def test_id_number_parser(value):
    try:
        birth = parse_id_number(value)
    except ValueError as exc:
        assert CJK.search(str(exc))
        return
    normalised = normalize_id_number(value)
    assert re.fullmatch(r"[0-9]{17}[0-9X]", normalised)
    assert normalised[6:14] == birth.strftime("%Y%m%d")


@SETTINGS
@given(NUMBERISH)
def test_ascii_digits(value):
    try:
        out = ascii_digits(value)
    except ValueError as exc:
        assert CJK.search(str(exc))
        return
    assert not any(ch.isdigit() and not ch.isascii() for ch in out)


@SETTINGS
@given(NUMBERISH)
def test_phone(value):
    try:
        ApplicantIn(name="张三", id_number="520102196910020025", phone=value, relationship="child")
    except ValidationError as exc:
        _chinese_errors(exc)
        return
    phone = ApplicantIn(name="张三", id_number="520102196910020025", phone=value, relationship="child").phone
    assert re.fullmatch(r"1[3-9][0-9]{9}", phone)


@SETTINGS
@given(account=NUMBERISH, region=st.one_of(st.none(), NUMBERISH))
def test_account_and_region(account, region):
    body = {
        "deceased": {"name": "张德明", "id_number": "520102194103081236", "death_date": "2026-01-02"},
        "applicant": {
            "name": "张晓红",
            "id_number": "520102196910020025",
            "phone": "13912345678",
            "relationship": "child",
        },
        "payee_account": account,
        "region": region,
    }
    try:
        case = CaseCreate.model_validate(body)
    except ValidationError as exc:
        _chinese_errors(exc)
        return
    assert case.payee_account is None or re.fullmatch(r"[0-9]{8,30}", case.payee_account)
    assert case.region is None or re.fullmatch(r"[0-9]{6}", case.region)


@SETTINGS
@given(name=st.text(max_size=60), death_date=st.text(max_size=12))
def test_name_and_date(name, death_date):
    try:
        DeceasedIn(name=name, id_number="520102194103081236", death_date=death_date)
    except ValidationError as exc:
        _chinese_errors(exc)


@SETTINGS
@given(st.text(max_size=40))
def test_case_numbers_and_masking(value):
    out = normalize_case_no(value)
    assert out is None or re.fullmatch(r"SH[0-9]{14}", out)
    assert isinstance(mask_text(value), str)

"""Every eligibility, exemption and prerequisite rule of catalog.md §2–§4, one test each."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from api.checklist.engine import ChecklistInputError, active_keys, build_checklist

MONDAY = dt.date(2026, 11, 30)

# A complete situation in which every item applies; each test changes what it is about.
FULL = {
    "death_nature": "normal",
    "death_place": "hospital",
    "funeral": "cremation",
    "hukou_in_guizhou": True,
    "driving_license_gz": True,
    "pension_scheme": "enterprise",
    "pension_status": "retired",
    "medical_scheme": "employee",
    "has_housing_fund": True,
    "housing_fund_loan_settled": True,
    "deposits": "small",
    "has_equity": "unknown",
    "receives_assistance": True,
    "relationship": "child",
    "channel": "window",
}


def run(catalog, items=None, **changes):
    return build_checklist(catalog, {**FULL, **changes}, items, MONDAY)


def status(result, key):
    return next(i for i in result.items if i.key == key)


def material(result, key):
    return next((m for m in result.materials if m.key == key), None)


# ------------------------------------------------------------------ eligibility (§3)


@pytest.mark.parametrize(
    ("item", "changes", "eligible"),
    [
        ("social_insurance_suspend", {"pension_scheme": "none"}, False),
        ("social_insurance_suspend", {"pension_status": "contributing"}, False),
        ("social_insurance_suspend", {"pension_scheme": "resident"}, True),
        ("pension_account_refund", {"pension_scheme": "none"}, False),
        ("pension_account_refund", {"pension_scheme": "resident", "pension_status": "contributing"}, True),
        ("survivor_benefits", {"pension_scheme": "resident"}, False),
        ("survivor_benefits", {"pension_scheme": "none"}, False),
        ("survivor_benefits", {"pension_scheme": "institution"}, True),
        ("survivor_benefits", {"relationship": "other_heir"}, False),
        ("survivor_benefits", {"relationship": "beneficiary"}, False),
        ("survivor_benefits", {"relationship": "agent"}, True),
        ("survivor_benefits", {"relationship": "grandchild"}, True),
        ("survivor_benefits", {"relationship": "sibling"}, True),
        ("medical_insurance_cancel", {"medical_scheme": "none"}, False),
        ("medical_insurance_cancel", {"medical_scheme": "resident"}, True),
        ("medical_account_withdraw", {"medical_scheme": "resident"}, False),
        ("medical_account_withdraw", {"medical_scheme": "employee"}, True),
        ("housing_fund_withdraw", {"has_housing_fund": False}, False),
        ("housing_fund_withdraw", {"housing_fund_loan_settled": False}, False),
        ("small_deposit_withdraw", {"deposits": "large"}, False),
        ("small_deposit_withdraw", {"deposits": "none"}, False),
        ("small_deposit_withdraw", {"deposits": "unknown"}, False),
        ("small_deposit_withdraw", {"relationship": "sibling"}, False),
        ("small_deposit_withdraw", {"relationship": "agent"}, False),
        ("small_deposit_withdraw", {"relationship": "beneficiary"}, True),
        ("small_deposit_withdraw", {"relationship": "spouse"}, True),
        ("small_deposit_withdraw", {"relationship": "parent"}, True),
        ("funeral_subsidy", {"funeral": "burial", "pension_scheme": "resident"}, False),
        ("funeral_subsidy", {"pension_scheme": "enterprise"}, False),
        ("funeral_subsidy", {"pension_scheme": "institution"}, False),
        ("funeral_subsidy", {"pension_scheme": "resident"}, True),
        ("funeral_subsidy", {"pension_scheme": "none"}, True),
        ("cremation_cert", {"funeral": "burial"}, False),
        ("hukou_cancel", {"hukou_in_guizhou": False}, False),
        ("driving_license_cancel", {"driving_license_gz": False}, False),
        ("welfare_stop", {"receives_assistance": False}, False),
        ("equity_query", {"has_equity": "no"}, False),
        ("equity_query", {"has_equity": "yes"}, True),
        ("death_cert_normal", {"death_nature": "abnormal"}, False),
        ("death_cert_normal", {"death_nature": "unknown"}, False),
        ("death_cert_abnormal", {"death_nature": "normal"}, False),
        ("death_cert_abnormal", {"death_nature": "unknown"}, True),
    ],
)
def test_eligibility(catalog, item, changes, eligible):
    result = run(catalog, [item], **changes)
    st = status(result, item)
    if eligible:
        assert st.status == "selected"
    else:
        # never dropped silently: the reason and what to do instead are given in Chinese
        assert st.status == "ineligible"
        assert st.reason and st.instead
        assert item not in active_keys(result)


def test_payout_and_query_items_accept_every_heir_beneficiary_and_agent(catalog):
    for relationship in catalog.allowed_values("relationship"):
        result = run(
            catalog,
            ["will_notary_check", "equity_query", "pension_account_refund"],
            relationship=relationship,
            pension_status="contributing",
        )
        assert {s.status for s in result.items if s.key != "death_cert_normal"} == {"selected"}


def test_large_deposits_point_to_notarisation_or_court(catalog):
    st = status(run(catalog, ["small_deposit_withdraw"], deposits="large"), "small_deposit_withdraw")
    assert "公证" in st.reason + st.instead or "法院" in st.reason + st.instead


def test_unsettled_housing_loan_says_settle_it_first(catalog):
    st = status(
        run(catalog, ["housing_fund_withdraw"], housing_fund_loan_settled=False), "housing_fund_withdraw"
    )
    assert "贷款" in st.reason + st.instead


def test_already_done_from_shared_records(catalog):
    result = run(
        catalog,
        ["death_cert_normal", "cremation_cert"],
        death_record_shared=True,
        cremation_record_shared=True,
    )
    assert status(result, "death_cert_normal").status == "already_done"
    assert status(result, "cremation_cert").status == "already_done"
    assert active_keys(result) == []


def test_every_eligible_item_when_none_chosen(catalog):
    result = run(catalog, None)
    assert set(active_keys(result)) == set(catalog.items) - {"death_cert_abnormal", "funeral_subsidy"}
    assert status(result, "funeral_subsidy").status == "ineligible"


# ------------------------------------------------------------------ prerequisites (§2)


def test_death_certificate_added_with_reason(catalog):
    result = run(catalog, ["hukou_cancel"])
    cert = status(result, "death_cert_normal")
    assert cert.status == "added_prerequisite" and cert.reason
    assert status(result, "hukou_cancel").waits_for == ["death_cert_normal"]


def test_shared_death_record_satisfies_the_certificate(catalog):
    result = run(catalog, ["hukou_cancel"], death_record_shared=True)
    assert active_keys(result) == ["hukou_cancel"]
    assert status(result, "hukou_cancel").waits_for == []


@pytest.mark.parametrize("nature", ["abnormal", "unknown"])
def test_abnormal_or_unknown_death_needs_the_police_certificate_first(catalog, nature):
    result = run(catalog, ["hukou_cancel", "medical_insurance_cancel"], death_nature=nature)
    assert status(result, "death_cert_abnormal").status == "added_prerequisite"
    assert "death_cert_normal" not in {s.key for s in result.items}
    for key in ("hukou_cancel", "medical_insurance_cancel"):
        assert status(result, key).waits_for == ["death_cert_abnormal"]


def test_death_certificates_wait_for_nothing(catalog):
    result = run(catalog, ["death_cert_normal"])
    assert status(result, "death_cert_normal").waits_for == []


def test_funeral_subsidy_waits_for_cremation_certificate(catalog):
    result = run(catalog, ["funeral_subsidy"], pension_scheme="resident")
    assert status(result, "cremation_cert").status == "added_prerequisite"
    assert "cremation_cert" in status(result, "funeral_subsidy").waits_for


def test_shared_cremation_record_satisfies_funeral_subsidy(catalog):
    result = run(catalog, ["funeral_subsidy"], pension_scheme="resident", cremation_record_shared=True)
    assert "cremation_cert" not in active_keys(result)
    assert status(result, "funeral_subsidy").waits_for == ["death_cert_normal"]


@pytest.mark.parametrize("item", ["pension_account_refund", "survivor_benefits"])
def test_retiree_payouts_wait_for_pension_suspension(catalog, item):
    result = run(catalog, [item])
    assert status(result, "social_insurance_suspend").status == "added_prerequisite"
    assert "social_insurance_suspend" in status(result, item).waits_for


@pytest.mark.parametrize("item", ["pension_account_refund", "survivor_benefits"])
def test_contributing_member_payouts_do_not_wait_for_suspension(catalog, item):
    result = run(catalog, [item], pension_status="contributing")
    assert "social_insurance_suspend" not in {s.key for s in result.items}
    assert status(result, item).waits_for == ["death_cert_normal"]


def test_medical_account_waits_for_medical_insurance_cancel(catalog):
    result = run(catalog, ["medical_account_withdraw"])
    assert status(result, "medical_insurance_cancel").status == "added_prerequisite"
    assert "medical_insurance_cancel" in status(result, "medical_account_withdraw").waits_for


def test_chosen_prerequisite_is_selected_not_added(catalog):
    result = run(catalog, ["medical_account_withdraw", "medical_insurance_cancel", "death_cert_normal"])
    assert {s.status for s in result.items} == {"selected"}


# ------------------------------------------------------------------ estimate


def test_estimate_is_the_critical_path_not_the_sum(catalog):
    result = run(catalog, ["hukou_cancel", "pension_account_refund"])
    limits = {k: catalog.time_limit(k) for k in active_keys(result)}
    chain = (
        limits["death_cert_normal"] + limits["social_insurance_suspend"] + limits["pension_account_refund"]
    )
    assert result.estimate.together_days == chain
    assert result.estimate.separately_days == sum(limits.values())
    assert result.estimate.critical_path == [
        "death_cert_normal",
        "social_insurance_suspend",
        "pension_account_refund",
    ]
    assert result.estimate.together_days <= result.estimate.separately_days


def test_finish_date_counts_holidays_and_adjusted_working_days(catalog):
    # National Day 2026: 1–7 October off, Saturday 10 October a working day (调休).
    result = build_checklist(
        catalog, {**FULL, "death_record_shared": True}, ["hukou_cancel"], dt.date(2026, 9, 30)
    )
    days = result.estimate.together_days
    assert days == catalog.time_limit("hukou_cancel")
    expected = {1: dt.date(2026, 10, 8), 2: dt.date(2026, 10, 9), 3: dt.date(2026, 10, 10)}
    assert result.estimate.finish_by == expected[days]
    assert result.estimate.calendar_note is None


def test_finish_date_beyond_the_published_calendar_says_so(catalog):
    result = build_checklist(catalog, FULL, ["pension_account_refund"], dt.date(2026, 12, 28))
    assert result.estimate.finish_by.year == 2027
    assert "2027" in result.estimate.calendar_note


def test_regional_override_changes_the_time_limit(catalog):
    from api.catalog import schema as s

    guiyang = catalog.regions["520100"]
    override = s.Override(
        effective_from=dt.date(2026, 1, 1),
        basis=s.Basis(title="测试", source="测试"),
        time_limits={"hukou_cancel": 1},
    )
    later = s.Override(
        effective_from=dt.date(2027, 1, 1),
        basis=s.Basis(title="测试", source="测试"),
        time_limits={"hukou_cancel": 9},
    )
    regions = {**catalog.regions, "520100": guiyang.model_copy(update={"overrides": [override, later]})}
    local = dataclasses.replace(catalog, regions=regions)
    county = next(r.code for r in catalog.regions.values() if r.parent == "520100")
    assert local.time_limit("hukou_cancel", county, MONDAY) == 1  # county inherits its city's rule
    assert local.time_limit("hukou_cancel", "520000", MONDAY) == catalog.items["hukou_cancel"].time_limit_days
    assert (
        local.time_limit("hukou_cancel", "520100", dt.date(2027, 3, 1)) == 9
    )  # the later rule once in force
    result = build_checklist(local, {**FULL, "death_record_shared": True}, ["hukou_cancel"], MONDAY, county)
    assert result.estimate.together_days == 1


# ------------------------------------------------------------------ materials (§4)


def test_each_material_once_and_application_form_once(catalog):
    result = run(catalog, None)
    keys = [m.key for m in result.materials]
    assert len(keys) == len(set(keys))
    assert material(result, "application_form").copies == 1


def test_applicant_id_exempt_online_only(catalog):
    assert material(run(catalog, ["hukou_cancel"], channel="online"), "applicant_id").exempt
    assert not material(run(catalog, ["hukou_cancel"], channel="window"), "applicant_id").exempt


def test_deceased_id_is_paper_only_for_hukou_cancel_and_may_be_promised(catalog):
    assert material(run(catalog, ["hukou_cancel"]), "deceased_id").medium == "paper"
    alone = material(run(catalog, ["cremation_cert"]), "deceased_id")
    assert alone.medium != "paper" and alone.promise_allowed


def test_hukou_book_is_paper(catalog):
    assert material(run(catalog, ["hukou_cancel"]), "hukou_book").medium == "paper"


def test_death_proof_exempt_when_the_case_issues_the_certificate(catalog):
    proof = material(run(catalog, ["hukou_cancel"]), "death_proof")
    assert proof.exempt and proof.reason


def test_death_proof_exempt_when_shared(catalog):
    proof = material(run(catalog, ["hukou_cancel"], death_record_shared=True), "death_proof")
    assert proof.exempt and proof.reason
    assert proof.reason != material(run(catalog, ["hukou_cancel"]), "death_proof").reason


def test_death_certificates_do_not_need_a_death_proof(catalog):
    assert material(run(catalog, ["death_cert_normal"]), "death_proof") is None


def test_cremation_proof_for_funeral_subsidy_exempt_by_share_or_by_the_case(catalog):
    in_case = material(run(catalog, ["funeral_subsidy"], pension_scheme="resident"), "cremation_proof")
    shared = material(
        run(catalog, ["funeral_subsidy"], pension_scheme="resident", cremation_record_shared=True),
        "cremation_proof",
    )
    assert in_case.exempt and shared.exempt and in_case.reason != shared.reason
    assert material(run(catalog, ["hukou_cancel"]), "cremation_proof") is None


def test_relationship_proof_for_payout_and_query_items(catalog):
    assert material(run(catalog, ["will_notary_check"]), "relationship_proof") is not None
    assert material(run(catalog, ["hukou_cancel"]), "relationship_proof") is None
    assert material(run(catalog, ["equity_query"], relationship_verified=True), "relationship_proof").exempt


def test_relationship_promise_not_allowed_with_deposits_or_housing_fund(catalog):
    assert material(run(catalog, ["will_notary_check"]), "relationship_proof").promise_allowed
    for item in ("small_deposit_withdraw", "housing_fund_withdraw"):
        assert not material(run(catalog, ["will_notary_check", item]), "relationship_proof").promise_allowed


def test_heirs_commitment_and_deposit_documents_for_small_deposits(catalog):
    result = run(catalog, ["small_deposit_withdraw"])
    assert material(result, "heirs_commitment") is not None
    assert material(result, "deposit_documents").medium == "paper"
    assert material(run(catalog, ["hukou_cancel"]), "heirs_commitment") is None


def test_notarized_will_for_a_beneficiary_applying_for_a_payout(catalog):
    assert material(run(catalog, ["small_deposit_withdraw"], relationship="beneficiary"), "notarized_will")
    assert material(run(catalog, ["will_notary_check"], relationship="beneficiary"), "notarized_will") is None
    assert material(run(catalog, ["small_deposit_withdraw"], relationship="child"), "notarized_will") is None


def test_power_of_attorney_for_an_agent(catalog):
    assert material(run(catalog, ["hukou_cancel"], relationship="agent"), "power_of_attorney") is not None
    assert material(run(catalog, ["hukou_cancel"], relationship="spouse"), "power_of_attorney") is None


def test_driving_license_paper_and_promise_when_lost(catalog):
    lic = material(run(catalog, ["driving_license_cancel"]), "driving_license")
    assert lic.medium == "paper" and lic.promise_allowed


def test_home_death_statement_only_for_home_deaths(catalog):
    assert material(run(catalog, ["death_cert_normal"], death_place="home"), "home_death_statement")
    assert (
        material(run(catalog, ["death_cert_normal"], death_place="hospital"), "home_death_statement") is None
    )


def test_copies_are_the_most_any_item_needs(catalog):
    form = catalog.materials["relationship_proof"]
    more = form.model_copy(update={"copies_by_item": {"small_deposit_withdraw": 3}})
    local = dataclasses.replace(catalog, materials={**catalog.materials, "relationship_proof": more})
    result = build_checklist(local, FULL, ["will_notary_check", "small_deposit_withdraw"], MONDAY)
    assert material(result, "relationship_proof").copies == 3


def test_every_exemption_and_promise_states_its_reason(catalog):
    result = run(catalog, None, channel="online", relationship_verified=True, death_record_shared=True)
    for m in result.materials:
        assert not m.exempt or m.reason
        assert not m.promise_allowed or m.promise_note


def test_material_reduction(catalog):
    result = run(catalog, None)
    assert result.reduction.separately > result.reduction.together > 0
    assert result.reduction.together == sum(1 for m in result.materials if not m.exempt)


# ------------------------------------------------------------------ questions and bad input


def test_only_the_questions_the_chosen_items_need(catalog):
    result = build_checklist(catalog, {}, ["hukou_cancel"], MONDAY)
    asked = {f.key for f in result.missing_fields}
    assert {"hukou_in_guizhou", "death_nature"} <= asked
    assert not asked & {"pension_scheme", "medical_scheme", "deposits", "has_housing_fund"}
    assert not asked & {"death_record_shared", "cremation_record_shared", "relationship_verified"}


def test_answered_questions_are_not_asked_again(catalog):
    result = build_checklist(catalog, FULL, None, MONDAY)
    assert result.missing_fields == []


@pytest.mark.parametrize(
    ("situation", "items", "region", "field"),
    [
        ({"death_naturee": "normal"}, None, None, "situation.death_naturee"),
        ({"death_nature": "sudden"}, None, None, "situation.death_nature"),
        ({"hukou_in_guizhou": "yes"}, None, None, "situation.hukou_in_guizhou"),
        ({}, ["hukou"], None, "items"),
        ({}, [], None, "items"),
        ({}, None, "110000", "region"),
    ],
)
def test_bad_input_names_the_field_in_chinese(catalog, situation, items, region, field):
    with pytest.raises(ChecklistInputError) as err:
        build_checklist(catalog, situation, items, MONDAY, region)
    assert err.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value))

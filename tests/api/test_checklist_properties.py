"""Properties of the checklist engine over random situations (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.catalog.loader import get_catalog
from api.checklist.engine import ACTIVE, active_keys, build_checklist

CATALOG = get_catalog()


@st.composite
def situations(draw, complete: bool = True):
    out = {}
    for key in CATALOG.situation_fields:
        if complete or draw(st.booleans()):
            out[key] = draw(st.sampled_from(CATALOG.allowed_values(key)))
    return out


item_subsets = st.lists(st.sampled_from(list(CATALOG.items)), min_size=1, unique=True)
dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(situations(complete=False), st.one_of(st.none(), item_subsets), dates)
def test_no_material_twice_and_statuses_well_formed(situation, items, today):
    result = build_checklist(CATALOG, situation, items, today)
    keys = [m.key for m in result.materials]
    assert len(keys) == len(set(keys))
    active = set(active_keys(result))
    for item in result.items:
        assert item.status in (*ACTIVE, "already_done", "ineligible")
        assert set(item.waits_for) <= active  # only waits for items this case handles
        if item.status == "ineligible":
            assert item.reason and item.instead
    for m in result.materials:
        assert set(m.needed_for) <= active  # nothing for an item that is not handled
    if items is not None:
        assert set(items) <= {i.key for i in result.items}  # a choice is never dropped silently


@SETTINGS
@given(situations(), item_subsets, dates)
def test_subset_never_needs_more_materials_than_all(situation, items, today):
    def needed(result):
        return {m.key for m in result.materials if not m.exempt}

    subset = build_checklist(CATALOG, situation, items, today)
    everything = build_checklist(CATALOG, situation, None, today)
    assert needed(subset) <= needed(everything)
    assert len(needed(subset)) <= len(needed(everything))


@SETTINGS
@given(situations(complete=False), st.one_of(st.none(), item_subsets), dates)
def test_together_never_longer_than_separately(situation, items, today):
    est = build_checklist(CATALOG, situation, items, today).estimate
    assert est.together_days <= est.separately_days
    if est.finish_by:
        assert est.finish_by <= est.separately_finish_by
        assert est.finish_by >= today


@SETTINGS
@given(situations(), item_subsets, dates)
def test_prerequisites_finish_before_their_dependents(situation, items, today):
    result = build_checklist(CATALOG, situation, items, today)
    due = {i.key: i.due_by for i in result.items if i.due_by}
    for item in result.items:
        for before in item.waits_for:
            assert due[before] < due[item.key] or CATALOG.time_limit(item.key) == 0


def test_prerequisite_graph_is_acyclic_and_references_exist():
    seen: dict[str, int] = {}

    def depth(key: str, trail: tuple[str, ...] = ()) -> int:
        assert key in CATALOG.items, f"unknown prerequisite {key}"
        assert key not in trail, f"cycle {(*trail, key)}"
        if key not in seen:
            deps = [d for p in CATALOG.items[key].prerequisites for d in p.any_of]
            seen[key] = 1 + max((depth(d, (*trail, key)) for d in deps), default=0)
        return seen[key]

    for key in CATALOG.items:
        depth(key)
    for m in CATALOG.materials.values():
        if m.required_by.items != "all":
            assert set(m.required_by.items) <= set(CATALOG.items)
    for item in CATALOG.items.values():
        assert item.department in CATALOG.departments

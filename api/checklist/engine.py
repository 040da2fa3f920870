"""The checklist engine: situation + chosen items → statuses, materials, estimate (catalog.md §2–§4).

Pure functions over the catalog: no I/O, so it can be property-tested. Every rule is data in
knowledge/; this module only knows how to evaluate conditions, close over prerequisites,
deduplicate materials and walk the prerequisite graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from api.catalog import schema as s
from api.catalog.loader import UNKNOWN_REGION, Catalog
from api.catalog.regional import RegionalRules
from api.checklist import calendar
from api.checklist.schemas import (
    ChecklistResult,
    Estimate,
    ItemStatus,
    MaterialLine,
    MissingField,
    Reduction,
)

ACTIVE = ("selected", "added_prerequisite")


class ChecklistInputError(ValueError):
    """Bad input the caller can fix; `field` names it, the message is Chinese."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


# ------------------------------------------------------------------ conditions


@dataclass
class Situation:
    """The answers given so far. Shared-data flags (never asked) default to False."""

    values: dict[str, str | bool]
    catalog: Catalog
    missing: dict[str, set[str]] = field(default_factory=dict)  # field → items needing it
    # items the region does not offer (regional configuration) → why, in plain words
    unavailable: dict[str, str] = field(default_factory=dict)

    def holds(self, cond: s.Condition | None, needed_by: str | None = None) -> bool | None:
        """True / False, or None when an unanswered question decides it."""
        if not cond:
            return True
        undecided = False
        for key, allowed in cond.items():
            if key in self.values:
                if self.values[key] not in allowed:
                    return False
            elif not self.catalog.situation_fields[key].asked:
                if False not in allowed:
                    return False
            else:
                undecided = True
                if needed_by:
                    self.missing.setdefault(key, set()).add(needed_by)
        return None if undecided else True


# ------------------------------------------------------------------ item statuses


@dataclass
class _State:
    status: str
    reason: str | None = None
    instead: str | None = None
    provisional: bool = False
    waits_for: list[str] = field(default_factory=list)


def _eligibility(item: s.Item, sit: Situation) -> _State:
    if item.key in sit.unavailable:
        return _State("ineligible", sit.unavailable[item.key], "可以拨打 12345 问一下在哪里办理。")
    if item.already_done_when and sit.holds(item.already_done_when):
        return _State("already_done", "共享数据显示此事项已办结，无需再办。")
    provisional = False
    for req in item.requirements:
        verdict = sit.holds(req.when, needed_by=item.key)
        if verdict is False:
            return _State("ineligible", req.reason, req.instead)
        provisional = provisional or verdict is None
    return _State("selected", provisional=provisional)


def _resolve_statuses(catalog: Catalog, sit: Situation, chosen: list[str]) -> dict[str, _State]:
    states: dict[str, _State] = {key: _eligibility(catalog.items[key], sit) for key in chosen}
    queue = [k for k in chosen if states[k].status in ACTIVE]
    while queue:
        key = queue.pop(0)
        state = states[key]
        for pre in catalog.items[key].prerequisites:
            edge = sit.holds(pre.when, needed_by=key)
            if edge is False:
                continue
            if edge is None:
                state.provisional = True
                continue
            satisfied_by = _satisfy(catalog, sit, states, pre, key, queue)
            if satisfied_by is None:
                state.provisional = True
            elif satisfied_by == "":
                continue  # already done through shared data
            elif satisfied_by.startswith("!"):
                blocker = catalog.items[satisfied_by[1:]]
                states[key] = _State(
                    "ineligible",
                    f"需要先办理“{blocker.colloquial_name}”，但它不适用：{states[blocker.key].reason}",
                    states[blocker.key].instead,
                )
                break
            elif satisfied_by not in state.waits_for:
                state.waits_for.append(satisfied_by)
    # an item made ineligible after others started waiting on it takes them with it
    changed = True
    while changed:
        changed = False
        for key, state in states.items():
            if state.status in ACTIVE and any(states[w].status == "ineligible" for w in state.waits_for):
                blocker = next(w for w in state.waits_for if states[w].status == "ineligible")
                states[key] = _State(
                    "ineligible",
                    f"需要先办理“{catalog.items[blocker].colloquial_name}”，但它不适用。",
                    states[blocker].instead,
                )
                changed = True
    return states


def _satisfy(
    catalog: Catalog,
    sit: Situation,
    states: dict[str, _State],
    pre: s.Prerequisite,
    dependent: str,
    queue: list[str],
) -> str | None:
    """Which item of the case satisfies a prerequisite: a key, "" (already done), None
    (undecided: a question must be answered first) or "!key" (the only candidate is ineligible)."""
    for key in pre.any_of:
        if key in states and states[key].status in ACTIVE:
            return key
        if key in states and states[key].status == "already_done":
            return ""
    candidates = {key: states.get(key) or _eligibility(catalog.items[key], sit) for key in pre.any_of}
    if any(c.status == "already_done" for c in candidates.values()):
        return ""
    eligible = [k for k, c in candidates.items() if c.status == "selected" and not c.provisional]
    if eligible:
        key = eligible[0]
        states[key] = _State("added_prerequisite", f"{pre.reason}（您没有选择，已自动加入）")
        queue.append(key)
        return key
    if any(c.status == "selected" for c in candidates.values()):
        for key in pre.any_of:  # record which questions decide the alternative
            _eligibility(catalog.items[key], Situation(sit.values, catalog, sit.missing))
        return None
    # every alternative is ineligible: report the first (its reason says why)
    key = pre.any_of[0]
    states.setdefault(key, candidates[key])
    return "!" + key


# ------------------------------------------------------------------ materials


def _items_needing(material: s.Material, catalog: Catalog, active: Iterable[str]) -> list[str]:
    rb = material.required_by
    out = []
    for key in active:
        item = catalog.items[key]
        if rb.scope == "case":
            listed = True
        else:
            listed = (
                (rb.items == "all" or key in rb.items)
                or (rb.payout_or_query_items and item.payout_or_query)
                or (rb.payout_items and item.payout)
            ) and key not in rb.except_items
        if listed:
            out.append(key)
    return out


def _materials(
    catalog: Catalog, sit: Situation, active: list[str], *, apply_exemptions: bool = True
) -> list[MaterialLine]:
    lines = []
    for material in catalog.materials.values():
        needing = _items_needing(material, catalog, active)
        if material.required_by.when and needing:
            verdict = sit.holds(material.required_by.when)
            if verdict is None:
                for key in needing:  # the answer decides whether it is needed
                    sit.holds(material.required_by.when, needed_by=key)
            if verdict is not True:
                continue
        if not needing:
            continue
        exempt_reason = None
        if apply_exemptions:
            for ex in material.exemptions:
                by_situation = ex.when is not None and sit.holds(ex.when) is True
                by_case = ex.case_includes is not None and any(k in active for k in ex.case_includes)
                if by_situation or by_case:
                    exempt_reason = ex.reason
                    break
        promise = material.promise
        promise_allowed = bool(
            promise and promise.allowed and not any(k in active for k in promise.not_when_case_includes)
        )
        lines.append(
            MaterialLine(
                key=material.key,
                name=material.name,
                description=material.description,
                copies=max(material.copies_by_item.get(k, material.copies) for k in needing),
                form=material.form,
                medium="paper" if any(k in material.paper_for_items for k in needing) else material.medium,
                generated=material.generated,
                exempt=exempt_reason is not None,
                reason=exempt_reason,
                promise_allowed=promise_allowed and exempt_reason is None,
                promise_note=promise.note if promise_allowed and exempt_reason is None and promise else None,
                needed_for=needing,
            )
        )
    return lines


# ------------------------------------------------------------------ estimate


def _time_limit(
    catalog: Catalog, key: str, region: str | None, on: dt.date, rules: RegionalRules | None
) -> int:
    """The item's time limit: the regional rules in force when given, else the catalog's."""
    return rules.time_limit(catalog, key) if rules is not None else catalog.time_limit(key, region, on)


def _critical_path(
    catalog: Catalog,
    states: dict[str, _State],
    active: list[str],
    region: str | None,
    start: dt.date,
    rules: RegionalRules | None = None,
) -> tuple[dict[str, int], list[str]]:
    """Earliest finish (working days from start) of every active item, and the longest chain."""
    finish: dict[str, int] = {}
    via: dict[str, str | None] = {}

    def ef(key: str) -> int:
        if key not in finish:
            waits = [w for w in states[key].waits_for if w in active]
            before = max(waits, key=ef, default=None)
            via[key] = before
            finish[key] = (ef(before) if before else 0) + _time_limit(catalog, key, region, start, rules)
        return finish[key]

    for key in active:
        ef(key)
    path: list[str] = []
    node = max(active, key=lambda k: finish[k], default=None)
    while node:
        path.insert(0, node)
        node = via[node]
    return finish, path


def _estimate(
    catalog: Catalog,
    states: dict[str, _State],
    active: list[str],
    materials: list[MaterialLine],
    sit: Situation,
    region: str | None,
    start: dt.date,
    rules: RegionalRules | None = None,
) -> tuple[Estimate, dict[str, int]]:
    finish, path = _critical_path(catalog, states, active, region, start, rules)
    together = max(finish.values(), default=0)
    separately = sum(_time_limit(catalog, k, region, start, rules) for k in active)
    finish_by = calendar.add_working_days(start, together) if active else None
    sep_by = calendar.add_working_days(start, separately) if active else None
    separately_visits = len({catalog.items[k].department for k in active})
    paper = any(m.medium == "paper" and not m.exempt for m in materials)
    together_visits = 0 if not active else (0 if sit.values.get("channel") == "online" and not paper else 1)
    summary = (
        f"分开办：约 {separately} 个工作日、跑 {separately_visits} 个部门；"
        f"一起办：约 {together} 个工作日，跑 {together_visits} 次。"
    )
    return (
        Estimate(
            together_days=together,
            separately_days=separately,
            finish_by=finish_by,
            separately_finish_by=sep_by,
            together_visits=together_visits,
            separately_visits=separately_visits,
            start_date=start,
            calendar_note=calendar.calendar_note(start, sep_by) if sep_by else None,
            critical_path=path,
            summary=summary,
        ),
        finish,
    )


def _reduction(
    catalog: Catalog, sit: Situation, active: list[str], together: list[MaterialLine]
) -> Reduction:
    # Each office on its own asks for everything it needs: no sharing, no deduplication.
    alone = Situation(dict(sit.values), catalog)
    separately = sum(len(_materials(catalog, alone, [k], apply_exemptions=False)) for k in active)
    needed = sum(1 for m in together if not m.exempt)
    return Reduction(
        separately=separately,
        together=needed,
        saved=separately - needed,
        summary=f"分开办共需提交 {separately} 份次材料；一起办只需 {needed} 份。",
    )


# ------------------------------------------------------------------ entry point


def normalize_situation(catalog: Catalog, situation: dict) -> dict[str, str | bool]:
    values = {k: v for k, v in situation.items() if v is not None}
    for key, value in values.items():
        if key not in catalog.situation_fields:
            raise ChecklistInputError(
                f"situation.{key}", f"不认识的情形字段 situation.{key}，请删除或检查拼写"
            )
        if value not in catalog.allowed_values(key) or isinstance(value, bool) != (
            catalog.situation_fields[key].type == "bool"
        ):
            allowed = "、".join(str(v) for v in catalog.allowed_values(key))
            raise ChecklistInputError(
                f"situation.{key}", f"情形字段 situation.{key} 的取值 {value!r} 无效，可选：{allowed}"
            )
    return values


def build_checklist(
    catalog: Catalog,
    situation: dict,
    items: list[str] | None,
    today: dt.date,
    region: str | None = None,
    rules: RegionalRules | None = None,
) -> ChecklistResult:
    """`rules`: the regional rules in force on `today` in `region` (api/catalog/regional.py, read by
    the caller): their time limits, and the items the region does not offer (ineligible, with why).
    Without them the catalog's own values (knowledge/regions.yaml) apply."""
    region = region or catalog.default_region
    if not catalog.knows_region(region):
        raise ChecklistInputError("region", UNKNOWN_REGION)
    sit = Situation(normalize_situation(catalog, situation), catalog)
    if rules is not None:
        sit.unavailable = {k: rules.unavailable_reason(catalog, k) or "" for k in rules.unavailable}
    if items is not None:
        if not items:
            raise ChecklistInputError(
                "items", "字段 items：请至少选择一个事项，或不填 items 以列出全部符合条件的事项"
            )
        unknown = [k for k in items if k not in catalog.items]
        if unknown:
            raise ChecklistInputError(
                "items", f"字段 items：不认识的事项：{'、'.join(unknown)}，请从事项目录中选择"
            )
    chosen = list(dict.fromkeys(items)) if items is not None else list(catalog.items)

    states = _resolve_statuses(catalog, sit, chosen)
    order = {k: n for n, k in enumerate(catalog.items)}
    active = sorted((k for k, st in states.items() if st.status in ACTIVE), key=order.__getitem__)
    materials = _materials(catalog, sit, active)
    estimate, finish = _estimate(catalog, states, active, materials, sit, region, today, rules)

    statuses = []
    for key in sorted(states, key=order.__getitem__):
        st, item = states[key], catalog.items[key]
        statuses.append(
            ItemStatus(
                key=key,
                name=item.name,
                colloquial_name=item.colloquial_name,
                department=item.department,
                department_name=catalog.departments[item.department].name,
                status=st.status,  # type: ignore[arg-type]
                reason=st.reason,
                instead=st.instead,
                provisional=st.provisional if st.status in ACTIVE else False,
                waits_for=[w for w in st.waits_for if w in active],
                time_limit_days=_time_limit(catalog, key, region, today, rules)
                if st.status in ACTIVE
                else None,
                due_by=calendar.add_working_days(today, finish[key]) if key in finish else None,
            )
        )
    field_order = {k: n for n, k in enumerate(catalog.situation_fields)}
    missing = [
        MissingField(
            key=key,
            label=catalog.situation_fields[key].label,
            question=catalog.situation_fields[key].question,
            type=catalog.situation_fields[key].type,
            values=[{"value": v.value, "label": v.label} for v in catalog.situation_fields[key].values]
            or [{"value": True, "label": "是"}, {"value": False, "label": "否"}],
            needed_by=sorted(needed, key=order.__getitem__),
        )
        for key, needed in sorted(sit.missing.items(), key=lambda kv: field_order[kv[0]])
        if any(states.get(k) is None or states[k].status in ACTIVE for k in needed)
    ]
    return ChecklistResult(
        items=statuses,
        materials=materials,
        estimate=estimate,
        reduction=_reduction(catalog, sit, active, materials),
        missing_fields=missing,
        region=region,
    )


def active_keys(result: ChecklistResult) -> list[str]:
    return [i.key for i in result.items if i.status in ACTIVE]

"""The one loader of knowledge/: read, validate by schema, check cross-references.

A broken file fails with the file, the entry and the field, e.g.
    knowledge/items.yaml: entry 'hukou_cancel', field 'prerequisites.0.any_of': unknown item 'hukou'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from api import clock
from api.catalog import schema as s
from api.settings import get_settings

FILES = {
    "situation": ("situation.yaml", s.SituationFile),
    "departments": ("departments.yaml", s.DepartmentsFile),
    "items": ("items.yaml", s.ItemsFile),
    "materials": ("materials.yaml", s.MaterialsFile),
    "referrals": ("referrals.yaml", s.ReferralsFile),
    "figures": ("figures.yaml", s.FiguresFile),
    "regions": ("regions.yaml", s.RegionsFile),
}


# The one wording of a refused region code, wherever a request names one (catalog, checklist, cases).
UNKNOWN_REGION = "不认识这个行政区划代码，请填写贵州省内的省、市（州）或县（区）的 6 位代码。"


class CatalogError(ValueError):
    pass


@dataclass(frozen=True, eq=False)  # identity hash: caches key on the loaded catalog
class Catalog:
    situation_fields: dict[str, s.SituationField]
    departments: dict[str, s.Department]
    items: dict[str, s.Item]
    materials: dict[str, s.Material]
    referrals: dict[str, s.Referral]
    figures: dict[str, s.Figure]
    survivor_rule: s.SurvivorRule
    regions: dict[str, s.Region]
    situation_model: type[BaseModel] = field(repr=False)
    situation_groups: tuple[s.QuestionGroup, ...] = ()

    # ---- derived views

    def allowed_values(self, field_key: str) -> list[str | bool]:
        f = self.situation_fields[field_key]
        return [True, False] if f.type == "bool" else [v.value for v in f.values]

    def value_label(self, field_key: str, value: Any) -> str:
        """The words a family reads for a situation value (子女 for child); the value itself if unknown."""
        f = self.situation_fields.get(field_key)
        labels = {v.value: v.label for v in (f.values if f else [])}
        return labels.get(value, str(value))

    def knows_region(self, code: str | None) -> bool:
        """No code (the default region applies) or a code of the province, a 市州 or a county."""
        return code is None or code in self.regions

    @property
    def default_region(self) -> str:
        """The one default region (settings' DEFAULT_REGION, the province): used wherever a request
        names none — the checklist, the catalog's figures and time limits, a new case."""
        return get_settings().default_region

    def region_chain(self, code: str | None) -> list[s.Region]:
        """county → city → province, the most specific first."""
        chain: list[s.Region] = []
        current = self.regions.get(code or self.default_region)
        while current is not None:
            chain.append(current)
            current = self.regions.get(current.parent) if current.parent else None
        return chain

    def _override(self, region: str | None, on: dt.date | None, pick) -> Any:  # type: ignore[no-untyped-def]
        on = on or clock.today()  # China's date (api/clock.py)
        for reg in self.region_chain(region):
            in_force = [o for o in reg.overrides if o.effective_from <= on and pick(o) is not None]
            if in_force:
                return pick(max(in_force, key=lambda o: o.effective_from))
        return None

    def time_limit(self, item_key: str, region: str | None = None, on: dt.date | None = None) -> int:
        """The item's time limit in working days: a region's override in force, else the default."""
        found = self._override(region, on, lambda o: o.time_limits.get(item_key))
        return int(found) if found is not None else self.items[item_key].time_limit_days

    def figure(self, key: str, region: str | None = None, on: dt.date | None = None) -> FigureInForce:
        """The value of a figure on a date: a region's override first, then the catalog's values."""
        on = on or clock.today()  # China's date (api/clock.py)
        fig = self.figures[key]
        override = self._override(region, on, lambda o: o.figures.get(key))
        current = [
            v
            for v in fig.values
            if v.effective_from <= on and (v.effective_to is None or on <= v.effective_to)
        ]
        base = max(current, key=lambda v: v.effective_from) if current else None
        if override is not None:
            return FigureInForce(key, fig.name, fig.unit, override, "region", base)
        return FigureInForce(key, fig.name, fig.unit, base.value if base else None, "catalog", base)


@dataclass(frozen=True)
class FigureInForce:
    key: str
    name: str
    unit: str
    value: float | int | None
    origin: Literal["region", "catalog"]
    entry: s.FigureValue | None


def _entry_name(data: Any, loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Turn ('items', 3, 'materials', 0) into ("entry 'hukou_cancel'", ('materials', 0))."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        try:
            entry = data[loc[0]][loc[1]]
            label = entry.get("key") or entry.get("code") or f"#{loc[1] + 1}"
        except (KeyError, IndexError, TypeError, AttributeError):
            label = f"#{loc[1] + 1}"
        return f"entry '{label}'", loc[2:]
    return "top level", loc


def _read(directory: Path, name: str, model: type[BaseModel]) -> Any:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: file missing") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            entry, rest = _entry_name(data, tuple(err["loc"]))
            lines.append(f"{path}: {entry}, field '{'.'.join(map(str, rest)) or '-'}': {err['msg']}")
        raise CatalogError("\n".join(lines)) from None


def _unique(path: str, keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise CatalogError(f"{path}: entry '{key}', field 'key': duplicate key")
        seen.add(key)


def _build_situation_model(fields: dict[str, s.SituationField]) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for f in fields.values():
        if f.type == "bool":
            annotation: Any = bool | None
        else:
            annotation = Literal[tuple(v.value for v in f.values)] | None  # type: ignore[misc]
        definitions[f.key] = (annotation, None)
    config = ConfigDict(extra="forbid", title="Situation", json_schema_extra={"description": "catalog.md §3"})
    return create_model("Situation", __config__=config, **definitions)


class _Checker:
    """Cross-reference checks, collecting every problem with its place."""

    def __init__(self, fields: dict[str, s.SituationField]) -> None:
        self.fields = fields
        self.problems: list[str] = []

    def fail(self, file: str, entry: str, fld: str, msg: str) -> None:
        self.problems.append(f"knowledge/{file}: entry '{entry}', field '{fld}': {msg}")

    def keys(
        self, file: str, entry: str, fld: str, keys: Iterable[str], known: Iterable[str], what: str
    ) -> None:
        known = set(known)
        for k in keys:
            if k not in known:
                self.fail(file, entry, fld, f"unknown {what} '{k}'")

    def condition(self, file: str, entry: str, fld: str, cond: s.Condition | None) -> None:
        for key, values in (cond or {}).items():
            f = self.fields.get(key)
            if f is None:
                self.fail(file, entry, fld, f"unknown situation field '{key}'")
                continue
            allowed = [True, False] if f.type == "bool" else [v.value for v in f.values]
            for v in values:
                if v not in allowed or isinstance(v, bool) != (f.type == "bool"):
                    self.fail(file, entry, f"{fld}.{key}", f"value {v!r} not allowed (allowed: {allowed})")


def load_catalog(directory: Path | None = None) -> Catalog:
    directory = Path(directory or get_settings().knowledge_dir)
    parsed = {name: _read(directory, file, model) for name, (file, model) in FILES.items()}
    for name, attr in [
        ("situation", "fields"),
        ("departments", "departments"),
        ("items", "items"),
        ("materials", "materials"),
        ("referrals", "referrals"),
        ("figures", "figures"),
    ]:
        _unique(f"knowledge/{FILES[name][0]}", (e.key for e in getattr(parsed[name], attr)))

    fields = {f.key: f for f in parsed["situation"].fields}
    departments = {d.key: d for d in parsed["departments"].departments}
    items = {i.key: i for i in parsed["items"].items}
    materials = {m.key: m for m in parsed["materials"].materials}
    regions = {r.code: r for r in parsed["regions"].regions}
    figures = {f.key: f for f in parsed["figures"].figures}

    c = _Checker(fields)
    for f in fields.values():
        if f.type == "enum" and not f.values:
            c.fail("situation.yaml", f.key, "values", "an enum field needs values")
    for g in parsed["situation"].groups:
        c.keys("situation.yaml", g.key, "fields", g.fields, fields, "situation field")
        c.keys("situation.yaml", g.key, "things", g.things, g.fields, "field of the group")
    for it in items.values():
        c.keys(
            "items.yaml", it.key, "department", [it.department, *it.co_departments], departments, "department"
        )
        c.condition("items.yaml", it.key, "already_done_when", it.already_done_when)
        for n, req in enumerate(it.requirements):
            c.condition("items.yaml", it.key, f"requirements.{n}.when", req.when)
        for n, pre in enumerate(it.prerequisites):
            c.keys("items.yaml", it.key, f"prerequisites.{n}.any_of", pre.any_of, items, "item")
            c.condition("items.yaml", it.key, f"prerequisites.{n}.when", pre.when)
            if it.key in pre.any_of:
                c.fail("items.yaml", it.key, f"prerequisites.{n}.any_of", "an item cannot wait for itself")
    for m in materials.values():
        rb = m.required_by
        if rb.items != "all":
            c.keys("materials.yaml", m.key, "required_by.items", rb.items, items, "item")
        c.keys("materials.yaml", m.key, "required_by.except_items", rb.except_items, items, "item")
        c.keys("materials.yaml", m.key, "paper_for_items", m.paper_for_items, items, "item")
        c.keys("materials.yaml", m.key, "copies_by_item", m.copies_by_item, items, "item")
        c.condition("materials.yaml", m.key, "required_by.when", rb.when)
        for n, ex in enumerate(m.exemptions):
            c.condition("materials.yaml", m.key, f"exemptions.{n}.when", ex.when)
            c.keys(
                "materials.yaml",
                m.key,
                f"exemptions.{n}.case_includes",
                ex.case_includes or [],
                items,
                "item",
            )
        if m.promise:
            c.keys("materials.yaml", m.key, "promise", m.promise.not_when_case_includes, items, "item")
        for n, rp in enumerate(m.review_points):
            c.condition("materials.yaml", m.key, f"review_points.{n}.when", rp.when)
            c.keys("materials.yaml", m.key, f"review_points.{n}.items", rp.items, items, "item")
    for r in regions.values():
        if r.parent and r.parent not in regions:
            c.fail("regions.yaml", r.code, "parent", f"unknown region '{r.parent}'")
        for n, o in enumerate(r.overrides):
            c.keys("regions.yaml", r.code, f"overrides.{n}.time_limits", o.time_limits, items, "item")
            c.keys("regions.yaml", r.code, f"overrides.{n}.figures", o.figures, figures, "figure")
    names = {r.name for r in regions.values()}
    for f in fields.values():
        if f.yes_places is not None:
            c.keys("situation.yaml", f.key, "yes_places.under", [f.yes_places.under], regions, "region")
            c.keys("situation.yaml", f.key, "yes_places.in_full", f.yes_places.in_full, names, "region name")
    if not any(r.level == "province" for r in regions.values()):
        c.fail("regions.yaml", "-", "level", "no province entry")
    _check_acyclic(items, c)
    if c.problems:
        raise CatalogError("\n".join(c.problems))

    return Catalog(
        situation_fields=fields,
        departments=departments,
        items=items,
        materials=materials,
        referrals={r.key: r for r in parsed["referrals"].referrals},
        figures=figures,
        survivor_rule=parsed["figures"].survivor_rule,
        regions=regions,
        situation_model=_build_situation_model(fields),
        situation_groups=tuple(parsed["situation"].groups),
    )


def _check_acyclic(items: dict[str, s.Item], c: _Checker) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2 or key not in items:
            return
        if state.get(key) == 1:
            c.fail("items.yaml", key, "prerequisites", "cycle: " + " → ".join([*path, key]))
            return
        state[key] = 1
        for pre in items[key].prerequisites:
            for dep in pre.any_of:
                visit(dep, [*path, key])
        state[key] = 2

    for key in items:
        visit(key, [])


@lru_cache
def get_catalog() -> Catalog:
    return load_catalog()

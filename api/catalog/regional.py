"""Regional rules in force on a date: what a 市州 or county set for itself (time limits, figures,
items enabled and open online, the 专员 per item), combined with knowledge/regions.yaml.

Pure: the settings come in as data (``Setting``, read from the database by api/regions/service.py),
so the checklist engine and the service guides stay functions of their inputs. Resolution walks the
region chain, most specific first (county → 市州 → province): at each level a setting made by the
regional administrator in force on the date wins over that level's regions.yaml override; the first
level that says something decides; nothing said anywhere → the catalog's default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from api.catalog.loader import Catalog, FigureInForce

KINDS = ("item_enabled", "online_enabled", "time_limit", "figure", "specialist")


@dataclass(frozen=True)
class Setting:
    """One regional setting in force: the latest of its (region, kind, target) on the date.
    ``value`` None means "nothing set at this level" (the level above decides)."""

    region: str
    kind: str
    target: str
    value: Any


@dataclass(frozen=True)
class RegionalRules:
    region: str
    on: dt.date
    time_limits: Mapping[str, int] = field(default_factory=dict)
    figures: Mapping[str, float | int] = field(default_factory=dict)
    unavailable: Mapping[str, str] = field(default_factory=dict)  # item → the region that disabled it
    offline_only: Mapping[str, str] = field(default_factory=dict)  # item → the region that closed it online
    specialists: Mapping[str, dict[str, str]] = field(default_factory=dict)  # item → name, phone, region
    origins: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (kind, target) → deciding region

    def time_limit(self, catalog: Catalog, key: str) -> int:
        found = self.time_limits.get(key)
        return int(found) if found is not None else catalog.items[key].time_limit_days

    def figure(self, catalog: Catalog, key: str) -> FigureInForce:
        base = catalog.figure(key, None, self.on)  # the catalog's own values (no region)
        if key in self.figures:
            return FigureInForce(key, base.name, base.unit, self.figures[key], "region", base.entry)
        return base

    def unavailable_reason(self, catalog: Catalog, key: str) -> str | None:
        code = self.unavailable.get(key)
        if code is None:
            return None
        return f"{catalog.regions[code].name}暂未开通“{catalog.items[key].colloquial_name}”的一件事办理。"


def resolve(catalog: Catalog, region: str | None, on: dt.date, settings: Iterable[Setting]) -> RegionalRules:
    """The rules in force in `region` on `on` (see the module's docstring)."""
    chain = catalog.region_chain(region)
    code = chain[0].code if chain else catalog.default_region
    db: dict[tuple[str, str, str], Any] = {
        (s.region, s.kind, s.target): s.value for s in settings if s.value is not None
    }
    origins: dict[tuple[str, str], str] = {}

    def walk(kind: str, target: str, yaml_pick=None) -> Any:  # type: ignore[no-untyped-def]
        for reg in chain:
            if (reg.code, kind, target) in db:
                origins[(kind, target)] = reg.code
                return db[(reg.code, kind, target)]
            if yaml_pick is not None:
                in_force = [o for o in reg.overrides if o.effective_from <= on and yaml_pick(o) is not None]
                if in_force:
                    origins[(kind, target)] = reg.code
                    return yaml_pick(max(in_force, key=lambda o: o.effective_from))
        return None

    time_limits, figures = {}, {}
    unavailable, offline, specialists = {}, {}, {}
    for key in catalog.items:
        limit = walk("time_limit", key, lambda o, k=key: o.time_limits.get(k))
        if limit is not None:
            time_limits[key] = int(limit)
        if walk("item_enabled", key) is False:
            unavailable[key] = origins[("item_enabled", key)]
        if walk("online_enabled", key) is False:
            offline[key] = origins[("online_enabled", key)]
        person = walk("specialist", key)
        if person:
            where = origins[("specialist", key)]
            specialists[key] = {
                "name": str(person.get("name", "")),
                "phone": str(person.get("phone", "")),
                "region": where,
                "region_name": catalog.regions[where].name,
            }
    for key in catalog.figures:
        value = walk("figure", key, lambda o, k=key: o.figures.get(k))
        if value is not None:
            figures[key] = value
    return RegionalRules(code, on, time_limits, figures, unavailable, offline, specialists, origins)


def catalog_only(catalog: Catalog, region: str | None, on: dt.date) -> RegionalRules:
    """The rules of knowledge/regions.yaml alone (no database settings)."""
    return resolve(catalog, region, on, ())

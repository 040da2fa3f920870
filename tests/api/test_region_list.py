"""knowledge/regions.yaml lists every county-level division of Guizhou (scripts/regions_from_adcodes.py),
and the place words the assistant reads come from it (api/catalog/places.py, the catalog export)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from api.catalog.export import export
from api.catalog.loader import CatalogError, load_catalog
from api.catalog.places import place_words, region_words, short_name


def test_every_city_has_counties_and_codes_fit_their_parent(catalog) -> None:
    regions = list(catalog.regions.values())
    assert len({r.code for r in regions}) == len(regions)
    assert len({r.name for r in regions}) == len(regions)
    provinces = [r for r in regions if r.level == "province"]
    cities = [r for r in regions if r.level == "city"]
    counties = [r for r in regions if r.level == "county"]
    assert [p.code for p in provinces] == ["520000"]
    assert len(cities) == 9 and all(c.parent == "520000" and c.code.endswith("00") for c in cities)
    per_city = Counter(r.parent for r in counties)
    assert set(per_city) == {c.code for c in cities} and all(n > 0 for n in per_city.values())
    for r in counties:
        assert r.parent in catalog.regions and catalog.regions[r.parent].level == "city"
        assert r.code[:4] == r.parent[:4] and not r.code.endswith("00")
    assert len(counties) == 88  # 贵州省 county-level divisions in the list (2025-12-31)
    assert catalog.regions["520328"].name == "湄潭县" and catalog.regions["520328"].parent == "520300"


def test_existing_entries_keep_their_place(catalog) -> None:
    guiyang = [c for c, r in catalog.regions.items() if r.parent == "520100"]
    assert guiyang[:3] == ["520102", "520103", "520111"]


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("遵义市", "遵义"),
        ("湄潭县", "湄潭"),
        ("六盘水市", "六盘水"),
        ("黔东南苗族侗族自治州", "黔东南"),
        ("黔西南布依族苗族自治州", "黔西南"),
        ("印江土家族苗族自治县", "印江"),
        ("三都水族自治县", "三都"),
        ("威宁彝族回族苗族自治县", "威宁"),
        ("六枝特区", "六枝"),
        ("七星关区", "七星关"),
        ("贵州省", "贵州"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert short_name(name) == short


def test_hukou_place_words_are_derived_from_regions(catalog, tmp_path) -> None:
    field = catalog.situation_fields["hukou_in_guizhou"]
    assert field.yes_places is not None and field.yes_places.under == "520000"
    # situation.yaml lists only words that are no region's name
    assert "遵义" not in field.yes_words and "盘县" in field.yes_words
    export(tmp_path, catalog)
    exported = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    yes = next(f for f in exported["situation"] if f["key"] == "hukou_in_guizhou")["yes_words"]
    assert len(yes) == len(set(yes))
    for word in ("本地", "盘县", "贵州", "遵义", "湄潭", "黔东南", "花溪", "盘州", "三都", "大方县"):
        assert word in yes
    assert "大方" not in yes and "白云" not in yes  # everyday word / a district of 广州 too
    # every county is named by one of the words
    for r in catalog.regions.values():
        assert any(w in r.name for w in yes), r.name
    assert set(place_words(catalog, "520000", field.yes_places.in_full)) <= set(yes)

    regions = {r["code"]: r for r in exported["regions"]}
    assert set(regions) == set(catalog.regions)
    assert regions["520328"]["words"] == ["湄潭", "湄潭县"] and regions["520328"]["parent"] == "520300"
    assert regions["520521"]["words"] == ["大方县"]
    # no two regions share a word
    words = Counter(w for r in exported["regions"] for w in r["words"])
    assert [w for w, n in words.items() if n > 1] == []


def test_place_words_only_under_the_region(catalog) -> None:
    zunyi = place_words(catalog, "520300")
    assert "遵义" in zunyi and "湄潭" in zunyi and "贵阳" not in zunyi and "花溪" not in zunyi
    assert region_words(catalog)["520111"] == ["花溪", "花溪区"]


def test_yes_places_must_name_known_regions(tmp_path) -> None:
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "knowledge"
    shutil.copytree(src, tmp_path / "knowledge")
    path = tmp_path / "knowledge" / "situation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("in_full: [大方县,", "in_full: [大方镇,"), encoding="utf-8")
    with pytest.raises(CatalogError, match="大方镇"):
        load_catalog(tmp_path / "knowledge")

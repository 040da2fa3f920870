"""The catalog loads, and a broken file fails with the file, the entry and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from api.catalog.loader import CatalogError, load_catalog
from api.settings import get_settings

KNOWLEDGE = get_settings().knowledge_dir


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def edit(directory: Path, name: str, change) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def item(data: dict, key: str) -> dict:
    return next(i for i in data["items"] if i["key"] == key)


def test_catalog_has_every_item_of_the_plan(catalog):
    assert len([i for i in catalog.items.values() if not i.extended]) == 14
    assert {i.key for i in catalog.items.values() if i.extended} == {"welfare_stop", "funeral_subsidy"}
    for it in catalog.items.values():
        assert it.colloquial_name and it.phrasings and it.basis and it.steps and it.conditions
        assert it.code_provisional and "暂定" in it.code
    assert len(catalog.materials) == 13
    assert len(catalog.referrals) == 7


def test_figures_have_effective_dates_and_no_invented_base(catalog):
    import datetime as dt

    cap = catalog.figure("small_deposit_cap_per_bank", on=dt.date(2025, 1, 1))
    assert cap.value == 50000 and cap.entry.effective_from == dt.date(2024, 6, 1)
    assert catalog.figure("small_deposit_cap_per_bank", on=dt.date(2024, 5, 31)).value is None
    assert catalog.figure("survivor_benefit_base_monthly").value is None  # not configured yet


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (
            "items.yaml",
            lambda d: item(d, "hukou_cancel").update(time_limit_days="two"),
            ["items.yaml", "entry 'hukou_cancel'", "field 'time_limit_days'"],
        ),
        (
            "items.yaml",
            lambda d: item(d, "hukou_cancel").update(colour="red"),
            ["items.yaml", "entry 'hukou_cancel'", "field 'colour'"],
        ),
        (
            "items.yaml",
            lambda d: item(d, "hukou_cancel")["prerequisites"][0].update(any_of=["death_cert"]),
            ["items.yaml", "entry 'hukou_cancel'", "prerequisites.0.any_of", "death_cert"],
        ),
        (
            "items.yaml",
            lambda d: item(d, "funeral_subsidy")["requirements"][0].update(when={"funerals": ["cremation"]}),
            ["items.yaml", "entry 'funeral_subsidy'", "funerals"],
        ),
        (
            "items.yaml",
            lambda d: item(d, "funeral_subsidy")["requirements"][0].update(when={"funeral": ["sea"]}),
            ["items.yaml", "entry 'funeral_subsidy'", "funeral", "'sea'"],
        ),
        (
            "items.yaml",
            lambda d: item(d, "death_cert_normal").update(
                prerequisites=[{"any_of": ["hukou_cancel"], "reason": "x"}]
            ),
            ["items.yaml", "cycle"],
        ),
        (
            "materials.yaml",
            lambda d: d["materials"][1]["required_by"].update(items=["hukou_cancel", "nope"]),
            ["materials.yaml", "entry 'applicant_id'", "required_by.items", "nope"],
        ),
        (
            "regions.yaml",
            lambda d: d["regions"][1].update(code="52A100"),
            ["regions.yaml", "field 'code'"],
        ),
        ("departments.yaml", lambda d: d["departments"].append(d["departments"][0]), ["duplicate key"]),
    ],
)
def test_broken_file_names_file_entry_and_field(knowledge, file, change, expected):
    edit(knowledge, file, change)
    with pytest.raises(CatalogError) as err:
        load_catalog(knowledge)
    for part in expected:
        assert part in str(err.value)


def test_missing_file_is_named(knowledge):
    (knowledge / "referrals.yaml").unlink()
    with pytest.raises(CatalogError, match=r"referrals\.yaml"):
        load_catalog(knowledge)


def test_invalid_yaml_is_named(knowledge):
    (knowledge / "figures.yaml").write_text("figures: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"figures\.yaml"):
        load_catalog(knowledge)

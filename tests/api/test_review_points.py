"""审查要点 (review points) in knowledge/materials.yaml: present for every material, each with its
basis, validated by the catalog schema and the loader's cross-reference checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from api.catalog.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parents[2]


def test_every_material_has_review_points_with_a_basis(catalog) -> None:
    for m in catalog.materials.values():
        assert m.review_points, f"{m.key}: no review points"
        for rp in m.review_points:
            assert rp.check.strip()
            assert rp.basis.title and rp.basis.source
            # the basis is the catalog or the province's plan, never anything else
            assert "catalog.md" in rp.basis.source or "实施方案" in rp.basis.source


def test_generic_points_say_they_are_generic(catalog) -> None:
    for m in catalog.materials.values():
        for rp in m.review_points:
            if "实施方案" in rp.basis.source:
                assert rp.basis.note and "通用" in rp.basis.note


def _broken_copy(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    path = target / "materials.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["materials"][1]["review_points"][0].pop("basis"), "review_points.0.basis"),
        (lambda d: d["materials"][1]["review_points"][0].update(wrong=1), "review_points.0.wrong"),
        (
            lambda d: d["materials"][1]["review_points"][0].update(when={"no_such_field": [True]}),
            "unknown situation field 'no_such_field'",
        ),
        (
            lambda d: d["materials"][1]["review_points"][0].update(items=["no_such_item"]),
            "unknown item 'no_such_item'",
        ),
    ],
)
def test_a_broken_review_point_fails_with_file_entry_and_field(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CatalogError) as exc:
        load_catalog(_broken_copy(tmp_path, mutate))
    assert "materials.yaml" in str(exc.value)
    assert expected in str(exc.value)

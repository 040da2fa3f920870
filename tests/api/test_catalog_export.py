"""The assistant's vocabulary is derived from knowledge/ (api.catalog.export), never copied."""

from __future__ import annotations

import json

import yaml

from api.catalog.export import export


def test_export_writes_every_phrasing(tmp_path, catalog):
    export(tmp_path, catalog)
    nlu = yaml.safe_load((tmp_path / "nlu" / "catalog_nlu.yml").read_text(encoding="utf-8"))["nlu"]

    def texts(block: dict) -> list[str]:
        return [line.removeprefix("- ") for line in block["examples"].strip().splitlines()]

    lookups = {b["lookup"]: set(texts(b)) for b in nlu if "lookup" in b}
    synonyms = {t: b["synonym"] for b in nlu if "synonym" in b for t in texts(b)}
    for item in catalog.items.values():
        assert item.colloquial_name in lookups["item"]
        assert synonyms[item.colloquial_name] == item.key
    # situation answers are read by the assistant in the context of its question, not by lookups
    assert set(lookups) == {"item", "topic"}
    assert "火化" not in synonyms and "老伴" not in synonyms

    exported = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    payout = {i["key"] for i in exported["items"] if i["payout"]}
    assert payout == {i.key for i in catalog.items.values() if i.payout}
    userdict = (tmp_path / "jieba" / "userdict.txt").read_text(encoding="utf-8")
    plain = [i.colloquial_name for i in catalog.items.values() if "（" not in i.colloquial_name]
    assert plain and all(f"{name} 2000 n" in userdict for name in plain)

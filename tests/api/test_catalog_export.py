"""The assistant's vocabulary is derived from knowledge/ (api.catalog.export), never copied."""

from __future__ import annotations

import json

import yaml

from api.catalog.export import MIN_ANSWER_CHARS, answer_words, export


def test_export_writes_every_phrasing_and_answer_word(tmp_path, catalog):
    export(tmp_path, catalog)
    nlu = yaml.safe_load((tmp_path / "nlu" / "catalog_nlu.yml").read_text(encoding="utf-8"))["nlu"]

    def texts(block: dict) -> list[str]:
        return [line.removeprefix("- ") for line in block["examples"].strip().splitlines()]

    lookups = {b["lookup"]: set(texts(b)) for b in nlu if "lookup" in b}
    synonyms = {t: b["synonym"] for b in nlu if "synonym" in b for t in texts(b)}
    for item in catalog.items.values():
        assert item.colloquial_name in lookups["item"]
        assert synonyms[item.colloquial_name] == item.key
    # a family typing a button title gets the value the button sets; short words are left to DIET
    for f in catalog.situation_fields.values():
        for v in f.values if f.asked else []:
            words = answer_words(v.label)
            if (v.value == "unknown" or len(words) < MIN_ANSWER_CHARS) and words not in v.phrasings:
                assert words not in lookups.get(f.key, set())
            else:
                assert words in lookups[f.key] and synonyms[words] == str(v.value)
            for text in v.phrasings:  # chosen by the catalog's authors: exported whatever their length
                assert text in lookups[f.key] and synonyms[text] == str(v.value)
    assert "火化" not in lookups.get("funeral", set())  # 火化证明 is not an answer
    assert synonyms["在医院"] == "hospital" and synonyms["老伴"] == "spouse"

    exported = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    payout = {i["key"] for i in exported["items"] if i["payout"]}
    assert payout == {i.key for i in catalog.items.values() if i.payout}
    userdict = (tmp_path / "jieba" / "userdict.txt").read_text(encoding="utf-8")
    plain = [i.colloquial_name for i in catalog.items.values() if "（" not in i.colloquial_name]
    assert plain and all(f"{name} 2000 n" in userdict for name in plain)

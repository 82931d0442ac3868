"""The portal's search index (publishing/portal/search.py) and the page's script that reads it:
they must cut names into the same pairs and send each pair to the same shard, or a search finds
nothing. The script's own functions are run in Node.js on the same names."""

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from publishing.portal import search
from publishing.portal.search import Organisation, bigrams, bitset, shard_of, write_index

APP = Path(search.__file__).parent / "static" / "app.js"
BITS = [0, 3, 8, 9, 15, 19]  # positions in a bitset of 20 organisations (3 bytes)
NAMES = [
    "长春市金源商贸有限公司",
    "ＡＢＣ科技（吉林）有限公司",
    "吉林 恒通 物流",
    "𠮷野家餐饮管理有限公司",
    "ab",
]


def script_function(name: str) -> str:
    """One function (or arrow constant) of app.js, as its source."""
    source = APP.read_text(encoding="utf-8")
    match = re.search(rf"\n  (const {name} = .*?;\n|function {name}\(.*?\n  }}\n)", source, re.S)
    assert match, name
    return match.group(1)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the page's script")
def test_the_page_script_cuts_and_shards_names_as_the_index_does():
    program = "\n".join(
        [
            "const FNV_PRIME = (1 << 24) + 403;",
            *(script_function(n) for n in ("normalise", "compact", "pairs", "shardOf", "bitset")),
            f"const names = {json.dumps(NAMES, ensure_ascii=False)};",
            "console.log(JSON.stringify(names.map((n) => pairs(n).sort().map((p) => [p, shardOf(p, 7), shardOf(p, 64)]))));",
            f"const has = bitset({json.dumps(bitset(BITS, 20))});",
            "console.log(JSON.stringify([...Array(20).keys()].filter(has)));",
        ]
    )
    pairs, bits = subprocess.run(
        ["node", "-e", program], capture_output=True, text=True, check=True
    ).stdout.split()
    expected = [sorted([p, shard_of(p, 7), shard_of(p, 64)] for p in bigrams(n)) for n in NAMES]
    assert json.loads(pairs) == expected
    assert json.loads(bits) == BITS
    assert ["AB", shard_of("AB", 7), shard_of("AB", 64)] in expected[1]  # full-width letters folded


def test_chunks_hold_organisations_in_code_order_and_pairs_are_kept_by_how_many_names_hold_them(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(search, "CHUNK", 4)
    monkeypatch.setattr(search, "DENSE_MIN", 2)
    organisations = [
        Organisation(f"9122{n:014d}", f"长春{n}号物流有限公司", {"penalties": 1}) for n in range(7)
    ]
    organisations += [Organisation(f"9123{n:014d}", f"吉林{n}号商店", {"penalties": 1}) for n in range(3)]
    organisations.append(Organisation("~无代码商店", "无代码商店", {"penalties": 2}))
    manifest = json.loads(
        (tmp_path / write_index(tmp_path, organisations[::-1], ["penalties"], {})).read_text()
    )
    assert [c[0] for c in manifest["chunks"]] == [
        "912200000000000000",
        "912200000000000004",
        "912300000000000001",
    ]
    last = json.loads((tmp_path / manifest["chunks"][2][1]).read_text())
    assert last == [
        ["912300000000000001", "吉林1号商店", [1]],
        ["912300000000000002", "吉林2号商店", [1]],
        ["~无代码商店", "无代码商店", [2]],
    ]
    # in more than half the names: never read; in more than 2 (DENSE_MIN) and 5%: a bitset
    assert set(manifest["common"]) == {"长春", "物流", "有限", "公司", "号物", "流有", "限公"}
    assert set(manifest["dense"]) == {"吉林", "号商", "商店"}
    bits = base64.b64decode(json.loads((tmp_path / manifest["dense"]["商店"]).read_text()))
    assert [p for p in range(11) if bits[p // 8] >> (p % 8) & 1] == [7, 8, 9, 10]
    # the rest as gaps between positions: 2号 is at positions 2 and 9
    shard = json.loads((tmp_path / manifest["names"][shard_of("2号", len(manifest["names"]))]).read_text())
    assert shard["2号"] == [2, 7]  # 长春2号… at 2, 吉林2号… at 9
    assert all(
        re.fullmatch(r"(orgs|records|names|bits|manifest)\.[a-z]{12}\.json", p.name)
        for p in tmp_path.iterdir()
    )


def test_a_record_s_missing_values_reach_the_page_as_json_null_never_nan():
    """A warning carries no fine: its record is written with null there. NaN is not JSON, and a
    chunk holding one fails to parse in the browser (every organisation in it would be lost)."""
    from datetime import date
    from decimal import Decimal

    import pandas as pd

    from publishing.portal.site import json_rows

    frame = pd.DataFrame(
        {
            "penalty_content": ["警告", "罚款"],
            "fine_amount": [float("nan"), 1200.0],
            "confiscated": pd.array([None, 3], dtype="Int64"),
            "decision_date": pd.to_datetime([None, "2026-03-01"]),
            "publicity_end": [None, date(2029, 3, 1)],
            "amount_text": [None, Decimal("1200.50")],
            "under_objection": [False, True],
        }
    )
    rows = json.loads(json.dumps(json_rows(frame), allow_nan=False))
    assert rows == [
        ["警告", None, None, None, None, None, False],
        ["罚款", 1200.0, 3, "2026-03-01", "2029-03-01", 1200.5, True],
    ]

"""The portal's search index (publishing/portal/search.py) and the page's script that reads it:
they must cut names into the same pairs and send each pair to the same shard, or a search finds
nothing. The script's own functions are run in Node.js on the same names."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from publishing.portal import search
from publishing.portal.search import Organisation, bigrams, shard_of, write_index

APP = Path(search.__file__).parent / "static" / "app.js"
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
            *(script_function(n) for n in ("normalise", "compact", "pairs", "shardOf")),
            f"const names = {json.dumps(NAMES, ensure_ascii=False)};",
            "console.log(JSON.stringify(names.map((n) => pairs(n).sort().map((p) => [p, shardOf(p, 7), shardOf(p, 64)]))));",
        ]
    )
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
    expected = [sorted([p, shard_of(p, 7), shard_of(p, 64)] for p in bigrams(n)) for n in NAMES]
    assert json.loads(out) == expected
    assert ["AB", shard_of("AB", 7), shard_of("AB", 64)] in expected[1]  # full-width letters folded


def test_chunks_hold_organisations_in_code_order_and_common_pairs_are_left_out(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "CHUNK", 4)
    monkeypatch.setattr(search, "COMMON_MIN", 3)
    organisations = [
        Organisation(f"9122{n:014d}", f"长春{n}号物流有限公司", {"penalties": 1}) for n in range(10)
    ]
    organisations.append(Organisation("~无代码商店", "无代码商店", {"penalties": 2}))
    manifest = json.loads(
        (tmp_path / write_index(tmp_path, organisations[::-1], ["penalties"], {})).read_text()
    )
    assert [c[0] for c in manifest["chunks"]] == [
        "912200000000000000",
        "912200000000000004",
        "912200000000000008",
    ]
    last = json.loads((tmp_path / manifest["chunks"][2][1]).read_text())
    assert last == [
        ["912200000000000008", "长春8号物流有限公司", [1]],
        ["912200000000000009", "长春9号物流有限公司", [1]],
        ["~无代码商店", "无代码商店", [2]],
    ]
    # pairs in more than 3 names point nowhere: the page checks candidates by their other pairs
    assert {"长春", "有限", "公司", "物流"} <= set(manifest["common"]) and "代码" not in manifest["common"]
    shard = json.loads((tmp_path / manifest["names"][shard_of("8号", len(manifest["names"]))]).read_text())
    assert shard["8号"] == [8]  # gaps between positions: one organisation, at position 8
    assert all(
        re.fullmatch(r"(orgs|records|names|manifest)\.[a-z]{12}\.json", p.name) for p in tmp_path.iterdir()
    )

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
from publishing.portal.search import bigrams, bitset, organisations_table, shard_of, write_index

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
    organisations = [(f"9122{n:014d}", f"长春{n}号物流有限公司", [1], f'[[0,"r{n}"]]') for n in range(7)]
    organisations += [(f"9123{n:014d}", f"吉林{n}号商店", [1], f'[[0,"s{n}"]]') for n in range(3)]
    organisations.append(("~无代码商店", "无代码商店", [2], '[[0,"u1"],[0,"u2"]]'))
    table = organisations_table(organisations[::-1])
    manifest = json.loads((tmp_path / write_index(tmp_path, table, ["penalties"], {})).read_text())
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
    # each organisation's records, in the order of the chunk's organisations
    assert json.loads((tmp_path / manifest["chunks"][2][2]).read_text()) == [
        [[0, "s1"]],
        [[0, "s2"]],
        [[0, "u1"], [0, "u2"]],
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


def test_organisations_are_collected_with_their_records_and_missing_values_as_null_never_nan(tmp_path):
    """Hand-written versions, written as publication writes them: an organisation with records in
    two datasets (and a second name on a later record), one without a code, a natural person.
    Each organisation gets its first name, its counts per dataset and its records in dataset
    then row order; a warning carries no fine, and its record says null there: NaN is not JSON,
    and a chunk holding one fails to parse in the browser (every organisation in it lost)."""
    import hashlib
    from datetime import date

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from publishing.portal.site import collect
    from publishing.targets import write_parquet

    def version(dataset, frame):
        path = tmp_path / dataset / "v1" / f"{dataset}.parquet"
        if dataset == "penalties":  # another writer, which keeps a NaN as NaN (fastparquet: null)
            columns = {c: pa.array(frame[c].tolist(), from_pandas=False) for c in frame}
            path.parent.mkdir(parents=True)
            pq.write_table(pa.table(columns), path)
        else:
            write_parquet(frame, path)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        return {
            "dataset": dataset,
            "version": "v1",
            "files": [{"path": f"{dataset}/v1/{dataset}.parquet", "sha256": sha}],
        }

    code = "91220100MA0000000X"
    licenses = pd.DataFrame(
        {
            "record_id": ["l1"],
            "subject_name": ["长春宏达有限公司"],
            "subject_uscc": [code],
            "valid_to": pd.to_datetime(["2027-01-01"]),
        }
    )
    penalties = pd.DataFrame(
        {
            "record_id": ["p1", "p2", "p3", "p4"],
            "subject_type": ["organisation", "natural_person", "organisation", "organisation"],
            "subject_name": ["长春宏达有限公司", "张*", "无代码商店", "长春宏达有限公司（更名）"],
            "subject_uscc": [code, None, "", code],
            "fine_amount": [float("nan"), 100.0, 1200.5, 3.0],
            "decision_date": [None, date(2026, 1, 1), date(2026, 3, 1), date(2026, 4, 1)],
            "under_objection": [False, False, True, False],
        }
    )
    frames = {"licenses": licenses, "penalties": penalties}
    current = {dataset: version(dataset, frame) for dataset, frame in frames.items()}
    fields = {dataset: [[c] for c in frame.columns] for dataset, frame in frames.items()}

    organisations = collect(tmp_path, current, fields)

    def no_nan(constant):
        raise AssertionError(f"{constant} is not JSON")

    got = [
        (o["key"], o["name"], o["counts"], json.loads(o["records"], parse_constant=no_nan))
        for o in organisations.to_pylist()
    ]
    assert got == [
        (
            code,
            "长春宏达有限公司",
            [1, 2],  # licences, penalties
            [
                [0, "l1", "长春宏达有限公司", code, "2027-01-01"],
                [1, "p1", "organisation", "长春宏达有限公司", code, None, None, False],
                [1, "p4", "organisation", "长春宏达有限公司（更名）", code, 3.0, "2026-04-01", False],
            ],
        ),
        (
            "~无代码商店",
            "无代码商店",
            [0, 1],
            [[1, "p3", "organisation", "无代码商店", "", 1200.5, "2026-03-01", True]],
        ),
    ]
    nan = pq.read_table(tmp_path / "penalties" / "v1" / "penalties.parquet")["fine_amount"][0].as_py()
    assert nan != nan  # the file holds a NaN there, not a null
    (tmp_path / "penalties" / "v1" / "penalties.parquet").write_bytes(b"PAR1 not the file the gate passed")
    with pytest.raises(ValueError, match="not the file the publish gate passed"):
        collect(tmp_path, current, fields)


def test_the_changelog_of_many_records_leaving_passes_the_publish_gate(tmp_path):
    """Found at 1M penalties on the tenth day: 4,616 organisations' records expired, and the page
    listing them failed the gate, which reads a page without its markup. Their count and the
    first record id (0007ecb...) read as "616 0007", a run of digits like a phone number's, so
    the portal was not replaced and the run failed. The count now stands before its words."""
    from datetime import date

    from creditlake.settings import RunConfig
    from publishing.metadata import catalogue
    from publishing.portal import pages
    from publishing.privacy.gate import Gate

    ids = ["0007ecbca37dae52a7217e8d220e4452", "0012919fcffd1591e031409ee6dd0f9a", "1234abcd" * 4]
    entry = {
        "dataset": "penalties",
        "version": "2026-12-01-cdzpcdbx",
        "as_of": "2026-12-01",
        "rows": 616_669,
        "added": 0,
        "left": {"expired": 4_616},
        "organisations_left": [{"record_id": i, "reason": "expired"} for i in ids] * 1_539,
        "removed_on": None,
    }
    cfg = RunConfig(landing=tmp_path, lake=tmp_path, as_of=date(2026, 12, 1))
    assets = {"app.js": "app.abc.js", "style.css": "style.abc.css"}
    ctx = pages.Context(catalogue(), cfg, {}, assets, "portal/search/manifest.abc.json")
    page = tmp_path / "changelog.html"
    page.write_text(pages.changelog(ctx, [entry]), encoding="utf-8")
    assert "4,617 条法人和非法人组织的记录" in page.read_text(encoding="utf-8")
    assert Gate().scan_file(page) == []


def test_the_changelog_counts_what_came_and_left_and_names_only_the_organisations_records(tmp_path):
    """Two hand-made versions: what left is counted by its reason (the warehouse's withdrawal,
    else the gate's withheld report, else `other`), and listed by record only where it was an
    organisation's (a person's, or one of no known type, is counted, never named)."""
    from datetime import date

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from creditlake.settings import RunConfig
    from publishing.portal import changelog

    cfg = RunConfig(landing=tmp_path, lake=tmp_path / "lake", as_of=date(2026, 9, 1))

    def version(name: str, rows: list[tuple[str, str | None]]) -> dict:
        folder = cfg.open_root / "penalties" / name
        folder.mkdir(parents=True)
        ids, kinds = zip(*rows, strict=True)
        pq.write_table(
            pa.table({"record_id": list(ids), "subject_type": pa.array(kinds, pa.string())}),
            folder / "penalties.parquet",
        )
        return {
            "dataset": "penalties",
            "version": name,
            "as_of": "2026-09-01",
            "profile": "national",
            "rows": len(rows),
        }

    first = version(
        "v1",
        [
            ("A", "organisation"),
            ("B", "organisation"),
            ("C", "natural_person"),
            ("D", None),
            ("F", "organisation"),
        ],
    )
    second = version("v2", [("A", "organisation"), ("E", "organisation"), ("G", "individual_business")])
    cfg.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(cfg.warehouse)) as con:
        con.execute(
            "create table fct_withdrawals as select * from (values "
            "('B', 'repaired', date '2026-08-01'), ('B', 'revoked', date '2026-08-20'), ('C', 'expired', date '2026-08-31')"
            ") as t(record_id, reason, withdrawn_on)"
        )
    report = tmp_path / "withheld.csv"
    report.write_text(
        "dataset,version,record,column,kind,reason\npenalties,v2,D,subject_name,known_name,gate\n",
        encoding="utf-8",
    )

    changelog.record_version(cfg, first, None, None)
    changelog.record_version(cfg, second, first, str(report))
    changelog.record_version(cfg, second, first, str(report))  # a rerun of the same release
    log = changelog.read_log(cfg.open_root)
    assert [(e["version"], e["previous"], e["added"], e["left"]) for e in log] == [
        ("v1", None, 5, {}),
        ("v2", "v1", 2, {"expired": 1, "other": 1, "revoked": 1, "withheld": 1}),
    ]
    assert log[1]["organisations_left"] == [
        {"record_id": "B", "reason": "revoked"},  # its latest withdrawal
        {"record_id": "F", "reason": "other"},
    ]


def test_the_same_organisations_give_the_same_files_in_any_process(tmp_path):
    """Names' pairs are sets, whose order changes with each process's string hashes: the index
    files must not, or every daily build renames them all (and the S3 mirror sends them again)."""
    import os
    import sys

    program = (
        "import sys\nfrom pathlib import Path\n"
        "from publishing.portal.search import organisations_table, write_index\n"
        "rows = [(f'9122{n:014d}', f'长春{n}号物流有限公司{chr(0x4E00 + n)}', [1], '[]') for n in range(300)]\n"
        "print(write_index(Path(sys.argv[1]), organisations_table(rows), ['penalties'], {}))\n"
    )
    built = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        env = os.environ | {"PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", program, str(folder)], env=env, check=True)
        built.append(sorted(p.name for p in folder.iterdir()))
    assert built[0] == built[1]


def test_each_record_page_s_guidance_is_its_profile_s(profile_with):
    """What a record page says of repair and objections comes from the run's profile: national
    stops publishing a repaired record (NDRC Order 36), jl-draft marks it (Art 38) and waits 6
    months for a serious one (Art 37); a profile's own wait reaches the page."""
    from publishing.metadata import catalogue
    from publishing.portal.site import guidance

    def repair(profile: str) -> dict:
        return {
            cls: (f"{r['wait']['value']} {r['wait']['unit']}", r["stops"])
            for cls, r in guidance(profile, catalogue())["repair"].items()
        }

    assert repair("national") == {"general": ("3 months", True), "serious": ("1 years", True)}
    assert repair("jl-draft") == {"general": ("3 months", False), "serious": ("6 months", False)}
    assert repair(profile_with({"repair.general.wait": 0}, base="jl-draft"))["general"] == ("0 months", False)
    assert guidance("jl-draft", catalogue())["objection"]["decide_days"] == 10

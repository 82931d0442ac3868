"""The generator (`creditlake generate`): seeded, every landing format, every defect with the
fate landing gives it, events that point at real records, personal data planted in text."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from creditlake import landing
from creditlake.settings import RunConfig
from creditlake.synthetic import (
    DATASETS,
    EVENT_DATASETS,
    PENALTY_HEADERS_ZH,
    generate,
    kinds_for,
)
from creditlake.synthetic.datasets import columns

AS_OF = date(2026, 11, 22)
FULL = dict(penalties=900, as_of=AS_OF, defect_rate=0.35, full=True, events=400, commitments=90)


def read_truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def land_everything(folder: Path, lake: Path) -> tuple[dict, dict, dict]:
    """Land every generated file on the date it was generated for; (results by file name,
    fate per 'file:row', raw rows per dataset)."""
    cfg = RunConfig(landing=folder, lake=lake, as_of=date.fromisoformat(read_truth(folder)["as_of"]))
    results, fates, raw = {}, {}, {}
    for f in landing.discover(cfg):
        result = landing.land_file(cfg, f["path"], f["dataset"])
        name = Path(f["path"]).name
        results[name] = result
        batch = result["batch_id"]
        loaded = pd.read_parquet(landing.pending_path(cfg, f["dataset"], batch))
        refused = pd.read_parquet(cfg.quarantine_root / f["dataset"] / f"{batch}.parquet")
        excluded = pd.read_parquet(cfg.lake / "excluded" / f["dataset"] / f"{batch}.parquet")
        for row in loaded["_source_row"]:
            fates[f"{name}:{row}"] = ("loaded", None)
        for frame, fate in ((refused, "quarantined"), (excluded, "excluded")):
            for row, code in zip(frame["_source_row"], frame["_reason_code"], strict=True):
                fates[f"{name}:{row}"] = (fate, code)
        raw.setdefault(f["dataset"], []).append(loaded.assign(_file=name))
    return results, fates, {k: pd.concat(v, ignore_index=True) for k, v in raw.items()}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full") / "landing"
    generate(folder, seed=3, **FULL)
    results, fates, raw = land_everything(folder, folder.parent / "lake")
    return {"folder": folder, "truth": read_truth(folder), "results": results, "fates": fates, "raw": raw}


def test_same_seed_same_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    small = FULL | {"penalties": 300, "events": 60}
    generate(a, seed=11, **small)
    generate(b, seed=11, **small)
    generate(c, seed=12, **small)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert any(p.suffix == ".xlsx" for p in files)  # openpyxl stamps save times: pinned
    for p in files:
        assert (a / p).read_bytes() == (b / p).read_bytes(), p
    assert (a / "penalties" / "penalties_0001.csv").read_bytes() != (
        c / "penalties" / "penalties_0001.csv"
    ).read_bytes()


def test_every_file_lands_and_every_row_meets_its_expected_fate(full):
    truth, results, fates = full["truth"], full["results"], full["fates"]
    assert set(results) == set(truth["files"])
    assert {r["dataset"] for r in results.values()} == set(DATASETS)
    for name, result in results.items():
        want = truth["files"][name]
        assert result["status"] == "landed", (name, result["reason"])
        assert result["rows_in"] == result["loaded"] + result["quarantined"] + result["excluded"]
        got = {k: result[k] for k in ("rows_in", "loaded", "quarantined", "excluded", "reasons")}
        assert got == {k: want[k] for k in got}, name
    expected = {k: (v["fate"], v["reason"]) for k, v in truth["expected"].items()}
    assert fates == expected


def test_every_defect_kind_is_planted_in_every_dataset_that_can_carry_it(full):
    truth = full["truth"]
    for dataset in DATASETS:
        planted = truth["defects"][dataset]
        assert set(planted) == set(kinds_for(dataset)), dataset
    kinds = {v.get("kind") for v in truth["expected"].values()}
    assert {"id_junk", "date_format", "uscc_pilot", "masked_name", "other_document", "id_legacy_15"} <= kinds
    reasons = {v["reason"] for v in truth["expected"].values()}
    assert {
        "uscc_checksum",
        "uscc_length",
        "id_excel_scientific",
        "id_excel_float",
        "id_checksum",
        "date_invalid",
        "date_in_future",
        "required_missing",
        "enum_invalid",
        "amount_invalid",
        "amount_unit",
        "date_order",
        "duplicate_in_batch",
        "excluded_simple_procedure",
        "row_malformed",
    } <= reasons


def test_the_columns_a_defect_damages_are_the_layouts_own():
    """The generator reads its columns from the layouts landing checks against: a column a
    defect blanks is required there, an invalid value lies outside the enumeration there."""
    for dataset in DATASETS:
        spec, fields = columns(dataset), {f["code"]: f for f in landing.layout(dataset)["fields"]}
        assert spec.blankable and all(fields[c].get("required") for c in spec.blankable), dataset
        assert all(fields[c]["kind"] == "date" for c in [spec.decision_date, *spec.other_dates]), dataset
        for column, values in spec.invalid_values.items():
            assert fields[column]["kind"] == "enum" and not set(values) & set(fields[column]["values"])
        identifiers = [spec.subject_key] if spec.keyed else [spec.uscc, spec.person_id]
        assert all(c in fields for c in [*identifiers, spec.number, spec.subject_name or spec.number])


def test_loaded_variants_really_are_variants(full):
    """Junk around identifiers, odd date forms and masked court names load, keyed as the clean record."""
    truth, raw = full["truth"], full["raw"]
    penalties = raw["penalties"].set_index(["_file", "_source_row"])
    forms = set()
    for key, v in truth["expected"].items():
        name, row = key.rsplit(":", 1)
        if v.get("kind") == "date_format" and name.startswith("penalties"):
            forms.add(penalties.loc[(name, int(row)), "CF_JDRQ"])
    text = " ".join(forms)
    assert "年" in text and "/" in text and "." in text and "00:00:00.0" in text and "２" in text
    assert any(f.isdigit() and len(f) == 5 for f in forms)  # an Excel serial number
    court = raw["court_dishonest"]
    assert court["SX_MC"].str.contains(r"\*").any() and court["_flags"].eq("id_masked_by_court").any()


def test_identifiers_are_valid_and_keys_unique(full):
    from creditlake.identifiers import validate_citizen_id, validate_uscc

    raw = full["raw"]["penalties"]
    orgs = raw[raw["CF_XDR_LB"] != "自然人"]
    assert validate_uscc(orgs["_subject_key"].tolist())["reason"].null_count == len(orgs)
    people = raw[(raw["CF_XDR_LB"] == "自然人") & raw["_subject_key"].str.fullmatch(r"[0-9]{17}[0-9X]")]
    assert validate_citizen_id(people["_subject_key"].tolist())["reason"].null_count == len(people) > 0
    assert not raw.duplicated(["_record_key"]).any()


def test_formats_encodings_and_headers(full):
    folder, truth = full["folder"], full["truth"]
    formats = {f["format"] for f in truth["files"].values()}
    assert formats == {"csv_bom", "csv", "csv_gb18030", "xlsx", "jsonl"}
    first = (folder / "penalties" / "penalties_0001.csv").read_bytes()
    assert (
        first.startswith(b"\xef\xbb\xbf")
        and first.decode("utf-8-sig").splitlines()[0].split(",") == PENALTY_HEADERS_ZH
    )
    for name, f in truth["files"].items():
        data = (folder / f["dataset"] / name).read_bytes()
        if f["format"] == "csv_gb18030":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            text = data.decode("gb18030")
            if f["dataset"] in ("penalties", "licenses", "honors", "court_dishonest"):
                assert "𠀀" in text or "䶮" in text, name
                with pytest.raises(UnicodeEncodeError):
                    text.encode("gbk")
        if f["format"] == "csv":
            assert not data.startswith(b"\xef\xbb\xbf") and data.split(b",")[0].decode().isascii()  # codes
    assert {f["headers"] for f in truth["files"].values()} == {"zh", "alias", "code"}


def test_xlsx_identifiers_are_text_cells_except_planted_excel_damage(full):
    from openpyxl import load_workbook

    folder, truth = full["folder"], full["truth"]
    damaged = numbers = text = 0
    for name, f in truth["files"].items():
        if f["format"] != "xlsx" or f["dataset"] != "penalties":
            continue
        sheet = load_workbook(folder / f["dataset"] / name).worksheets[0]
        header = [c.value for c in sheet[1]]
        for col in (header.index("统一社会信用代码") + 1, header.index("证件号码") + 1):
            for row in range(2, sheet.max_row + 1):
                cell = sheet.cell(row, col)
                if cell.value is None:
                    continue
                if isinstance(cell.value, float):
                    numbers += 1
                    damaged += truth["expected"][f"{name}:{row}"]["reason"] == "id_excel_scientific"
                elif isinstance(cell.value, str):
                    text += cell.number_format == "@"
    assert numbers == damaged > 0 and text > 0


def test_events_point_at_records_that_loaded(full):
    truth, raw = full["truth"], full["raw"]
    events = truth["events"]
    assert {e["dataset"] for e in events} == set(EVENT_DATASETS)
    index = {d: frame.set_index(["_file", "_source_row"]) for d, frame in raw.items()}
    number_col = {"penalties": "CF_WSH", "licenses": "XK_WSH", "court_dishonest": "SX_AH", "honors": "RY_WH"}
    checked = 0
    for e in events:
        ref = e["refers_to"]
        records = ref.get("records") or [ref]
        for rec in records:
            assert truth["expected"][f"{rec['file']}:{rec['row']}"]["fate"] == "loaded"
            row = index[rec["dataset"]].loc[(rec["file"], rec["row"])]
            assert row[number_col[rec["dataset"]]] == rec["decision_number"]
            assert row["_subject_key"] == rec["subject_code"] == e["subject_code"]
            if e["fate"] == "loaded":
                assert rec["decision_date"] < e["date"] <= AS_OF.isoformat()
                checked += 1
        if e["fate"] == "loaded" and e["dataset"] != "subject_requests":
            event_row = index[e["dataset"]].loc[(e["file"], e["row"])]
            assert event_row["_subject_key"] == e["subject_code"]
            assert rec["decision_number"] in event_row.tolist()
    assert checked > 50
    kinds = {(e["dataset"], e["event"]) for e in events}
    assert {
        ("revocations", "撤销"),
        ("revocations", "删除"),
        ("revocations", "更正"),
        ("objections", "受理"),
        ("objections", "办结"),
        ("subject_requests", "删除荣誉信息"),
        ("subject_requests", "不公示守信信息"),
    } <= kinds
    objections = [e for e in events if e["dataset"] == "objections" and e["fate"] == "loaded"]
    assert any(e["open_on_as_of"] for e in objections)
    assert {e["result"] for e in objections if e["event"] == "办结"} == {"维持", "更正", "撤销"}
    assert {e["refers_to"]["dataset"] for e in events if e["dataset"] == "revocations"} >= {
        "penalties",
        "licenses",
    }
    assert all(e["scope"] for e in events if e["event"] == "删除荣誉信息")


def test_commitments_are_made_by_subjects_of_other_records_and_some_are_breached(full):
    """信用承诺 of every national type, checked within two months (hl-2022 Art 46): kept, still
    running, or breached in each of the ways the law names; the same companies hold licences."""
    raw = full["raw"]
    commitments = raw["credit_commitments"]
    assert set(commitments["CN_LX"]) == {"审批替代型", "容缺受理型", "行业自律型", "信用修复型", "主动型"}
    assert set(commitments["CN_LXZT"]) == {"履行中", "已履行", "未履行", "违诺", "虚假承诺"}
    assert set(commitments["_subject_type"]) == {"organisation", "natural_person", "individual_business"}
    stood = commitments[commitments["CN_LXZT"] != "履行中"]
    assert (stood["CN_LXRQ"].str.len() == 10).all() and (stood["CN_LXRQ"] >= stood["_decision_date"]).all()
    assert (commitments.loc[commitments["CN_LXZT"] == "履行中", "CN_LXRQ"] == "").all()
    assert set(commitments["_subject_key"]) & set(raw["licenses"]["_subject_key"])


def test_serious_determinations_list_subjects_of_the_penalties_with_their_persons(full):
    """严重失信主体名单认定, a few (penalties/200, at least 6): the penalising agency lists its own
    subjects, names an organisation's legal representative with a citizen ID (hl-2022 Art 33),
    and gives a term, 长期 or none (then the profile's default term applies)."""
    raw = full["raw"]
    listed = raw["serious_determinations"]
    assert len(listed) == 6 and listed["RD_BH"].is_unique
    penalties = raw["penalties"].set_index("_subject_key")
    assert set(listed["_subject_key"]) <= set(penalties.index)
    assert set(listed["RD_RDDW"]) <= set(penalties["CF_SJLY"])
    orgs = listed[listed["_subject_type"] == "organisation"]
    assert len(orgs) and orgs["RD_FR_ZJHM"].str.fullmatch(r"[0-9]{17}[0-9X]").all()
    first_penalty = penalties.groupby(level=0)["_decision_date"].min()
    assert (listed["_decision_date"] > first_penalty[listed["_subject_key"]].to_numpy()).all()


def test_personal_data_is_planted_in_free_text(full):
    truth, raw = full["truth"], full["raw"]
    penalties = raw["penalties"]
    text = "\n".join(penalties["CF_SY"]) + "\n".join(penalties["CF_NR"])
    for key in ("planted_phones", "planted_landlines", "planted_emails", "planted_bank_cards"):
        assert truth[key] and sum(v in text for v in truth[key][:200]) > 0, key
    assert "某某（联系电话" in text  # pseudonymised name, real phone
    assert sum(i in text for i in truth["planted_ids"][:500]) > 0
    assert set(truth["loaded_orgs"]) <= set(
        penalties.loc[penalties["_subject_type"] == "organisation", "_subject_key"]
    )
    # a protected name never hides inside a public string (organisation or agency names)
    public = set(penalties.loc[penalties["_subject_type"] == "organisation", "CF_XDR_MC"]) | set(
        penalties["CF_CFJG"]
    )
    public_text = "\n".join(public) + "\n".join(penalties["CF_YJ"]) + "\n".join(penalties["CF_WFXW"])
    assert not [n for n in truth["protected_names"] if len(n) >= 2 and n in public_text]


def test_penalties_only_is_one_file_with_chinese_headers(tmp_path):
    generate(tmp_path, penalties=300, as_of=AS_OF, defect_rate=0.1, full=False)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "penalties/penalties_0001.csv",
        "truth.json",
    ]
    truth = read_truth(tmp_path)
    assert len(truth["expected"]) == 300 and truth["events"] == []
    assert set(truth["defects"]["penalties"]) == set(kinds_for("penalties"))


def test_defect_shares_are_configurable(tmp_path):
    generate(
        tmp_path, penalties=2000, as_of=AS_OF, defect_rate=0.0, defects={"uscc_checksum": 0.05}, full=False
    )
    truth = read_truth(tmp_path)
    reasons = [v["reason"] for v in truth["expected"].values()]
    assert 60 <= reasons.count("uscc_checksum") <= 140
    assert set(reasons) == {None, "uscc_checksum", "excluded_simple_procedure"}
    with pytest.raises(ValueError, match="unknown defect kinds"):
        generate(tmp_path, penalties=10, defects={"no_such_kind": 0.1})


def test_cli_generate_writes_every_dataset_unless_told_penalties_only(tmp_path, capsys):
    from creditlake.cli import main

    assert (
        main(
            [
                "generate",
                "--out",
                str(tmp_path / "all"),
                "--penalties",
                "120",
                "--formats",
                "csv,jsonl",
                "--as-of",
                "2026-11-22",
                "--seed",
                "5",
                "--commitments",
                "20",
            ]
        )
        == 0
    )
    truth = read_truth(tmp_path / "all")
    assert {f["format"] for f in truth["files"].values()} == {"csv", "jsonl"}
    assert {f["dataset"] for f in truth["files"].values()} == set(DATASETS)
    assert truth["params"]["sizes"]["licenses"] == 60
    assert truth["params"]["sizes"]["credit_commitments"] == 20
    assert "generated" in capsys.readouterr().out

    assert main(["generate", "--out", str(tmp_path / "one"), "--penalties", "120", "--penalties-only"]) == 0
    assert [p.name for p in (tmp_path / "one").rglob("*.csv")] == ["penalties_0001.csv"]

"""The datasets the generator writes, and what it needs to know of their columns.

The columns come from the layouts (`creditlake/layouts/*.yml`, read by
`creditlake.landing.layout`), the same files landing checks against; only what is the
generator's own choice is written here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from creditlake.landing import layout
from creditlake.synthetic.vocabulary import SUBJECT_KINDS, invalid_enum_values

RECORD_DATASETS = ["penalties", "licenses", "court_dishonest", "honors", "credit_commitments"]
EVENT_DATASETS = ["repairs", "revocations", "objections", "subject_requests"]
# records drawn from the subjects of those above (built, like events, from the loaded pool)
POOLED_DATASETS = ["serious_determinations"]
DATASETS = RECORD_DATASETS + POOLED_DATASETS + EVENT_DATASETS

# Penalties with Chinese headers follow the national template's column order (双公示);
# the names are the layout's `zh`.
PENALTY_HEADERS_ZH = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）",
    "暂扣或吊销证照名称及编号",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "案件程序类别",
    "备注",
]

# Shares of a record dataset's subjects: organisations, natural persons, individual businesses.
SUBJECT_SHARES = {
    "penalties": (0.70, 0.15, 0.15),
    "licenses": (0.60, 0.20, 0.20),
    "court_dishonest": (0.40, 0.60, 0.0),
    "honors": (0.50, 0.40, 0.10),
    "credit_commitments": (0.65, 0.20, 0.15),
    "serious_determinations": (0.80, 0.10, 0.10),
}
# Datasets that carry only some defect kinds: determinations are few rows, and carry only
# kinds that load, each planted at least once.
DEFECT_KINDS_ALLOWED = {"serious_determinations": ("date_format", "id_junk")}
# Columns no defect damages: the period-start dates penalties carry beyond the national
# template, and the event numbers of repairs, revocations and objections.
UNDAMAGED = {"CF_JDSXRQ", "CF_XWZZRQ", "XF_BH", "CX_BH", "YY_BH"}
# Field kinds a blank cell of which landing reports as `required_missing` (a blank date,
# code or enumeration has reasons of its own).
TEXT_KINDS = ("name", "text", "free_text")


@dataclass(frozen=True)
class Columns:
    """A dataset's columns as the generator uses them."""

    dataset: str
    uscc: str | None  # record datasets: the subject's USCC ...
    person_id: str | None  # ... or citizen ID ...
    document_type: str | None  # ... and its document type
    subject_key: str | None  # court list and events: one subject-code column
    subject_name: str | None
    decision_date: str
    number: str  # the record's (event's) own number: 文号, 案号, 编号
    provider: str | None  # the unit that reports it
    other_dates: list[str]  # dates a defect may damage, besides the decision date
    amounts: list[str]  # 万元 amounts
    blankable: list[str]  # required text columns a defect may blank, the subject's name first
    invalid_values: dict[str, list[str]]  # enumerated column -> values outside it
    identifiers: set[str]  # columns written as text cells in XLSX
    required: set[str]
    date_order: list[list[str]]  # [earlier, later] date columns

    @property
    def keyed(self) -> bool:
        return self.subject_key is not None

    def identifier_column(self, kind: int) -> str:
        """The column carrying the subject's code, for a subject of `kind`."""
        if self.keyed:
            return self.subject_key
        return self.person_id if kind == 1 else self.uscc


# registration numbers and agency codes: text cells too, though the layout calls them text
CODE_SUFFIXES = ("_GSZC", "_ZZJG", "_SWDJ", "_SYDW", "_SHZZ", "JGDM", "LYDM", "SJLYDM")


@cache
def columns(dataset: str) -> Columns:
    spec = layout(dataset)
    fields, subject = spec["fields"], spec["subject"]
    kind = {f["code"]: f["kind"] for f in fields}
    codes = list(kind)
    required = [f["code"] for f in fields if f.get("required")]
    blankable = [c for c in required if kind[c] in TEXT_KINDS and c not in UNDAMAGED]
    return Columns(
        dataset=dataset,
        uscc=subject.get("uscc_field"),
        person_id=subject.get("person_id_field"),
        document_type=subject.get("person_doc_type_field"),
        subject_key=subject.get("key_field"),
        subject_name=next((c for c in codes if kind[c] == "name"), None),
        decision_date=spec["decision_date_field"],
        number=spec["natural_key"][0],
        provider=spec.get("provider_field"),
        other_dates=[
            c for c in codes if kind[c] == "date" and c != spec["decision_date_field"] and c not in UNDAMAGED
        ],
        amounts=[c for c in codes if kind[c] == "amount_wan"],
        blankable=sorted(blankable, key=lambda c: kind[c] != "name"),
        invalid_values=invalid_enum_values(dataset),
        identifiers={
            c for c in codes if kind[c] in ("uscc", "person_id", "subject_key") or c.endswith(CODE_SUFFIXES)
        },
        required=set(required),
        date_order=spec.get("date_order", []),
    )


def subject_type_labels() -> list[str]:
    """行政相对人类别 by subject kind code, as the layouts spell them (法人及非法人组织, ...)."""
    by_kind = {kind: label for label, kind in layout("penalties")["subject"]["types"].items()}
    return [by_kind[kind] for kind in SUBJECT_KINDS]

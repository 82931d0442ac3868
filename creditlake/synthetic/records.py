"""Record datasets, one builder each: penalties (行政处罚), licences (行政许可), the court's
list of dishonest judgment debtors (失信被执行人), honours (守信激励), credit commitments
(信用承诺), and serious dishonest list determinations (严重失信主体名单认定)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from creditlake.identifiers import USCC_ALPHABET, uscc_check_char
from creditlake.synthetic.context import (
    MIN_FILE_ROWS,
    Context,
    Table,
    choose_by_kind,
    fill_text,
    person_values,
    sample_subjects,
    string_columns,
)
from creditlake.synthetic.datasets import subject_type_labels
from creditlake.synthetic.strings import join, pick, texts
from creditlake.synthetic.vocabulary import (
    AGENCY_TYPES,
    APPEAL,
    COMMITMENT_BREACH_NOTES,
    COMMITMENT_BREACHES,
    COMMITMENTS,
    DETERMINATION_GROUNDS,
    DISHONEST_SITUATIONS,
    DIVISION_NAME,
    DIVISION_TOWN,
    DIVISIONS,
    EARLY_REMOVAL,
    HONOURS,
    LICENCES,
    PENALTY_MEASURES,
    PLACES,
    TOWN_DIVISION,
    VIOLATIONS,
    place_values,
    subject_masks,
    template_variants,
)

SUBJECT_TYPE_LABELS = np.array(subject_type_labels(), dtype=object)  # by subject kind code
AGENCY_TYPE_COUNT = len(AGENCY_TYPES)
AGENCY_TYPE_INDEX = {a["type"]: i for i, a in enumerate(AGENCY_TYPES)}

PENALTY_FACTS = template_variants("penalty_facts")
PENALTY_CONTENT = template_variants("penalty_content")
LICENCE_CONTENT = template_variants("licence_content")
COURT_DUTIES = template_variants("court_duties")
HONOUR_NOTES = template_variants("honour_notes")
COMMITMENT_CONTENT = template_variants("commitment_content")


@dataclass(frozen=True)
class Agencies:
    """Every town's agency of every type; agency index = town * AGENCY_TYPE_COUNT + type."""

    names: np.ndarray
    codes: np.ndarray  # USCCs (head 11: government bodies)
    prefixes: np.ndarray  # 文号 prefix: town short name + type abbreviation

    @classmethod
    def build(cls) -> Agencies:
        names, codes, prefixes = [], [], []
        rng = random.Random(20230501)  # agency codes do not depend on the seed
        for place in PLACES:
            for agency in AGENCY_TYPES:
                names.append(f"{place['town']}市{agency['suffix']}")
                body = "11" + place["districts"][0][0][:4] + "00"
                body += "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
                codes.append(body + uscc_check_char(body))
                prefixes.append(f"{place['document_short']}{agency['document_abbreviation']}")
        return cls(
            np.array(names, dtype=object), np.array(codes, dtype=object), np.array(prefixes, dtype=object)
        )

    def of(self, town: np.ndarray, agency_type: np.ndarray | int) -> np.ndarray:
        return town * AGENCY_TYPE_COUNT + agency_type


AGENCIES = Agencies.build()


def yuan_text(wan: str) -> str:
    """万元 -> 元, as agencies write it in 处罚内容."""
    value = round(float(wan) * 10000, 2)
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def penalty_content(violation: dict, fine: str, confiscated: str) -> str:
    """处罚内容 of a violation's sanction: warning, fine, confiscation, then the measures."""
    category, certificate = violation["category"], violation["certificate"]
    parts = ["警告"] if "警告" in category else []
    if fine:
        parts.append(f"罚款人民币{yuan_text(fine)}元")
    if confiscated:
        parts.append(f"没收违法所得{yuan_text(confiscated)}元")
    parts += [text.format(certificate=certificate) for word, text in PENALTY_MEASURES if word in category]
    return "，".join(parts)


def column_of(entries: list[dict], key: str) -> np.ndarray:
    return np.array([e[key] for e in entries], dtype=object)


VIOLATION_TYPES = np.array([AGENCY_TYPE_INDEX[v["agency"]] for v in VIOLATIONS])
VIOLATION_SUBJECTS = subject_masks(VIOLATIONS)
# the sanctions a violation comes with, flattened: (fine, confiscated, 处罚内容)
SANCTIONS = [(fine, conf, penalty_content(v, fine, conf)) for v in VIOLATIONS for fine, conf in v["amounts"]]
SANCTION_COUNT = np.array([len(v["amounts"]) for v in VIOLATIONS])
SANCTION_START = np.cumsum([0, *SANCTION_COUNT])[:-1]
LICENCE_SUBJECTS = subject_masks(LICENCES)
LICENCE_TYPES = np.array([AGENCY_TYPE_INDEX[x["agency"]] for x in LICENCES])
HONOUR_SUBJECTS = subject_masks(HONOURS)
COMMITMENT_SUBJECTS = subject_masks(COMMITMENTS)


def numbered(template: str, *columns, start: int = 1) -> np.ndarray:
    """Numbers (文号 ...) from a format template over columns and a running count (`i`)."""
    values = zip(*(c.tolist() if isinstance(c, np.ndarray) else c for c in columns), strict=True)
    return np.array([template.format(*v, i=i) for i, v in enumerate(values, start)], dtype=object)


def build_penalties(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    people = u.persons
    kind, subject = sample_subjects(ctx, "penalties", n)
    person = u.person[subject]
    violation = choose_by_kind(ctx, kind, VIOLATION_SUBJECTS)
    agency = AGENCIES.of(u.town[subject], VIOLATION_TYPES[violation])
    day = ctx.today - rng.integers(1, 1100, size=n)
    option = np.floor(rng.random(n) * SANCTION_COUNT[violation]).astype(np.int64)
    sanction = SANCTION_START[violation] + option
    fine, confiscated, content = (np.array(x, dtype=object)[sanction] for x in zip(*SANCTIONS, strict=True))
    number = numbered("{}罚〔{}〕{i}号", AGENCIES.prefixes[agency], ctx.year_of(day), start=1001)
    is_person, has_rep = kind == 1, kind != 1
    empty = np.full(n, "", dtype=object)
    document = np.where(
        is_person, pick(rng, ["身份证", "身份证", "身份证", "居民身份证", "", "01"], n), empty
    )
    values = person_values(ctx, kind, subject) | {
        "fact": column_of(VIOLATIONS, "facts")[violation],
        "basis": column_of(VIOLATIONS, "basis")[violation],
        "date_zh": ctx.zh_of(day),
        "content": content,
    }
    facts, measures = np.empty(n, dtype=object), np.empty(n, dtype=object)
    fill_text(ctx, facts, np.flatnonzero(is_person), PENALTY_FACTS["natural_person"], values)
    fill_text(ctx, facts, np.flatnonzero(has_rep), PENALTY_FACTS["organisation"], values)
    fill_text(ctx, measures, np.flatnonzero(is_person), PENALTY_CONTENT["natural_person"], values)
    fill_text(ctx, measures, np.flatnonzero(has_rep), PENALTY_CONTENT["organisation"], values)
    certificate = _certificates(
        column_of(VIOLATIONS, "certificate")[violation], DIVISIONS[u.district[subject]]
    )
    valid_until = np.where(rng.random(n) < 0.25, "2099-12-31", empty)
    six_months = rng.random(n) < 0.2
    valid_until[six_months] = ctx.iso_of(day[six_months] + 183)
    publicity_end = np.where(
        rng.random(n) < 0.5, ctx.iso_of(day + np.where(violation % 3 == 0, 1095, 365)), empty
    )
    procedure = pick(rng, ["02"] * 17 + ["一般程序"] * 2 + [""], n)
    # some systems carry the effective date (a few days after the decision) and say that a
    # violation was not a minor first one; none here is (so no profile excludes it)
    takes_effect = np.where(rng.random(n) < 0.4, ctx.iso_of(day + rng.integers(0, 16, n)), empty)
    first_minor = np.where(rng.random(n) < 0.1, "否", empty)
    uscc = np.where(has_rep, u.code[subject], empty)
    organisation_code = empty.copy()  # 组织机构代码, from before the USCC: its digits 9-17
    legacy = np.flatnonzero(has_rep & (rng.random(n) < 0.08))
    organisation_code[legacy] = [f"{c[8:16]}-{c[16]}" for c in uscc[legacy].tolist()]
    cols = {
        "CF_XDR_MC": u.name[subject],
        "CF_XDR_LB": SUBJECT_TYPE_LABELS[kind],
        "CF_XDR_SHXYM": uscc,
        "CF_XDR_GSZC": empty,
        "CF_XDR_ZZJG": organisation_code,
        "CF_XDR_SWDJ": empty,
        "CF_XDR_SYDW": empty,
        "CF_XDR_SHZZ": empty,
        "CF_FRDB": np.where(has_rep, people.name[person], empty),
        "CF_FR_ZJLX": np.where(has_rep, "身份证", empty),
        "CF_FR_ZJHM": np.where(has_rep, people.id_number[person], empty),
        "CF_XDR_ZJLX": document,
        "CF_XDR_ZJHM": np.where(is_person, people.id_number[person], empty),
        "CF_WSH": number,
        "CF_WFXW": column_of(VIOLATIONS, "conduct")[violation],
        "CF_SY": facts,
        "CF_YJ": values["basis"],
        "CF_CFLB": column_of(VIOLATIONS, "category")[violation],
        "CF_NR": measures,
        "CF_NR_FK": fine,
        "CF_NR_WFFF": confiscated,
        "CF_NR_ZKDX": certificate,
        "CF_JDRQ": ctx.iso_of(day),
        "CF_YXQ": valid_until,
        "CF_GSJZQ": publicity_end,
        "CF_CFJG": AGENCIES.names[agency],
        "CF_CFJGDM": AGENCIES.codes[agency],
        "CF_SJLY": AGENCIES.names[agency],
        "CF_SJLYDM": AGENCIES.codes[agency],
        "CF_AJCXLB": procedure,
        "CF_JDSXRQ": takes_effect,
        "CF_XWZZRQ": empty,
        "CF_SCQW": first_minor,
        "CF_GSZT": np.where(rng.random(n) < 0.3, "0", empty),
        "BZ": empty.copy(),
    }
    ctx.mark("ni", person)  # names and IDs sit in the subject / representative columns
    return Table("penalties", string_columns(cols), kind, subject, u.code[subject].copy(), day)


def _certificates(names: np.ndarray, divisions: np.ndarray) -> np.ndarray:
    """暂扣或吊销证照名称及编号: the certificate's name and a number, where there is one."""
    rows = np.flatnonzero(names != "")
    names[rows] = [
        f"{c}（编号D{d}{i:06d}）"
        for c, d, i in zip(names[rows].tolist(), divisions[rows].tolist(), rows.tolist(), strict=True)
    ]
    return names


def build_licenses(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    people = u.persons
    kind, subject = sample_subjects(ctx, "licenses", n)
    person = u.person[subject]
    licence = choose_by_kind(ctx, kind, LICENCE_SUBJECTS)
    agency = AGENCIES.of(u.town[subject], LICENCE_TYPES[licence])
    day = ctx.today - rng.integers(1, 1500, size=n)
    years = ctx.year_of(day)
    number = numbered("{}许〔{}〕{i}号", AGENCIES.prefixes[agency], years)
    is_person, has_rep = kind == 1, kind != 1
    empty = np.full(n, "", dtype=object)
    validity = np.array([x["validity_years"] for x in LICENCES])[licence]
    long_term = pick(rng, ["2099-12-31", "2099/12/31", "长期"], n)
    valid_to = np.where(validity > 0, ctx.iso_of(day + validity * 365 - 1), long_term)
    values = person_values(ctx, kind, subject) | {"scope": column_of(LICENCES, "content")[licence]}
    content = np.empty(n, dtype=object)
    fill_text(ctx, content, np.flatnonzero(has_rep), LICENCE_CONTENT["organisation"], values)
    fill_text(ctx, content, np.flatnonzero(is_person), LICENCE_CONTENT["natural_person"], values)
    prefix = column_of(LICENCES, "number_prefix")[licence]
    certificate_number = numbered("{}{}{}{i:07d}", prefix, DIVISIONS[u.district[subject]], years, start=0)
    cols = {
        "XK_XDR_MC": u.name[subject],
        "XK_XDR_LB": SUBJECT_TYPE_LABELS[kind],
        "XK_XDR_SHXYM": np.where(has_rep, u.code[subject], empty),
        "XK_XDR_GSZC": empty,
        "XK_XDR_ZZJG": empty,
        "XK_XDR_SWDJ": empty,
        "XK_XDR_SYDW": empty,
        "XK_XDR_SHZZ": empty,
        "XK_FRDB": np.where(has_rep, people.name[person], empty),
        "XK_FR_ZJLX": np.where(has_rep, "身份证", empty),
        "XK_FR_ZJHM": np.where(has_rep, people.id_number[person], empty),
        "XK_XDR_ZJLX": np.where(is_person, pick(rng, ["身份证", "身份证", "居民身份证", ""], n), empty),
        "XK_XDR_ZJHM": np.where(is_person, people.id_number[person], empty),
        "XK_XKWS": pick(rng, ["准予行政许可决定书", "行政许可决定书"], n),
        "XK_WSH": number,
        "XK_XKLB": column_of(LICENCES, "category")[licence],
        "XK_XKZS": column_of(LICENCES, "certificate")[licence],
        "XK_XKBH": certificate_number,
        "XK_NR": content,
        "XK_JDRQ": ctx.iso_of(day),
        "XK_YXQZ": ctx.iso_of(day),
        "XK_YXQZI": valid_to,
        "XK_XKJG": AGENCIES.names[agency],
        "XK_XKJGDM": AGENCIES.codes[agency],
        "XK_ZT": pick(rng, ["1", "1", "1", "有效", ""], n),
        "XK_LYDW": AGENCIES.names[agency],
        "XK_LYDWDM": AGENCIES.codes[agency],
        "BZ": empty,
    }
    ctx.mark("ni", person)
    return Table("licenses", string_columns(cols), kind, subject, u.code[subject].copy(), day)


def build_court(ctx: Context, n: int) -> Table:
    """The court's list: persons' ID numbers mostly masked (as courts publish them), which
    landing keys as `masked:...`; creditors named in the obligation are third parties."""
    rng, u = ctx.rng, ctx.universe
    people = u.persons
    kind, subject = sample_subjects(ctx, "court_dishonest", n)
    person = u.person[subject]
    is_person = kind == 1
    district = u.district[subject]
    place = DIVISION_TOWN[district]
    court = join(place_values("town")[place] + "市", DIVISION_NAME[district], "人民法院")
    province_short = place_values("province_short")[place]
    division4 = np.array([d[2:6] for d in DIVISIONS.tolist()], dtype=object)[district]
    day = ctx.today - rng.integers(1, 1000, size=n)
    filed = day - rng.integers(30, 400, size=n)
    case = numbered("({}){}{}执{i}号", texts(ctx.year_of(filed)), province_short, division4)
    basis_year = texts(ctx.year_of(filed) - 1)
    basis = join(
        "(", basis_year, ")", province_short, division4, "民初", texts(rng.integers(100, 9999, size=n)), "号"
    )
    ids = u.code[subject].copy()
    masked = np.array([f"{i[:10]}****{i[14:]}" for i in people.id_number[person].tolist()], dtype=object)
    shown = np.where(is_person & (rng.random(n) < 0.9), masked, ids)
    key = np.where(is_person & (shown == masked), join("masked:", masked), ids)
    age = texts(ctx.as_of.year - people.birth_year[person])
    empty = np.full(n, "", dtype=object)
    creditors = rng.integers(len(people), size=n)
    values = person_values(ctx, kind, subject) | {
        "creditor": people.name[creditors],
        "counterparty": u.name[rng.integers(u.offsets[0][1], size=n)],
        "amount": texts(rng.integers(5, 2000, size=n) * 100),
    }
    duty = np.empty(n, dtype=object)
    fill_text(ctx, duty, np.flatnonzero(is_person), COURT_DUTIES["natural_person"], values)
    fill_text(ctx, duty, np.flatnonzero(~is_person), COURT_DUTIES["organisation"], values)
    cols = {
        "SX_MC": u.name[subject],
        "SX_XB": np.where(is_person, people.sex[person], empty),
        "SX_NL": np.where(is_person, age, empty),
        "SX_ZJHM": shown,
        "SX_FRDB": np.where(is_person, empty, people.name[person]),
        "SX_ZXFY": court,
        "SX_SF": np.array([p["province"].removesuffix("省") for p in PLACES], dtype=object)[place],
        "SX_ZXYJ": basis,
        "SX_LASJ": ctx.iso_of(filed),
        "SX_AH": case,
        "SX_ZCDW": court,
        "SX_YW": duty,
        "SX_LXQK": pick(rng, ["全部未履行", "全部未履行", "部分未履行"], n),
        "SX_JTQX": pick(rng, DISHONEST_SITUATIONS, n),
        "SX_FBSJ": ctx.iso_of(day),
    }
    ctx.mark("n", person)
    ctx.mark("i", person[is_person & (shown == ids)])  # published unmasked
    # creditors named in the obligation: third parties the record does not list as its own
    named = [c in text for c, text in zip(values["creditor"].tolist(), duty.tolist(), strict=True)]
    ctx.third_party[creditors[np.flatnonzero(named)]] = True
    return Table("court_dishonest", string_columns(cols), kind, subject, key, day)


def build_honors(ctx: Context, n: int) -> Table:
    rng, u = ctx.rng, ctx.universe
    people = u.persons
    kind, subject = sample_subjects(ctx, "honors", n)
    person = u.person[subject]
    honour = choose_by_kind(ctx, kind, HONOUR_SUBJECTS)
    place = u.town[subject]
    towns, provinces = place_values("town")[place], place_values("province")[place]
    granted_by = column_of(HONOURS, "granted_by")[honour]
    body = np.array(
        [
            b.format(town=t, province=p)
            for b, t, p in zip(granted_by.tolist(), towns.tolist(), provinces.tolist(), strict=True)
        ],
        dtype=object,
    )
    day = ctx.today - rng.integers(1, 1500, size=n)
    abbreviation = column_of(HONOURS, "document_abbreviation")[honour]
    number = numbered(
        "{}{}〔{}〕{i}号", place_values("document_short")[place], abbreviation, ctx.year_of(day)
    )
    is_person, empty = kind == 1, np.full(n, "", dtype=object)
    values = person_values(ctx, kind, subject) | {"count": texts(rng.integers(2, 300, size=n))}
    note = np.empty(n, dtype=object)
    fill_text(ctx, note, np.flatnonzero(is_person), HONOUR_NOTES["natural_person"], values)
    fill_text(ctx, note, np.flatnonzero(~is_person), HONOUR_NOTES["organisation"], values)
    until = np.where(rng.random(n) < 0.6, ctx.iso_of(day + 730), empty)
    cols = {
        "RY_MC": u.name[subject],
        "RY_LB": SUBJECT_TYPE_LABELS[kind],
        "RY_SHXYM": np.where(is_person, empty, u.code[subject]),
        "RY_ZJLX": np.where(is_person, "身份证", empty),
        "RY_ZJHM": np.where(is_person, people.id_number[person], empty),
        "RY_RYMC": column_of(HONOURS, "title")[honour],
        "RY_RYLB": column_of(HONOURS, "category")[honour],
        "RY_WH": number,
        "RY_SYJG": body,
        "RY_SYRQ": ctx.iso_of(day),
        "RY_YXQZ": until,
        "RY_SJLY": np.where(rng.random(n) < 0.5, join(provinces, "发展和改革委员会"), body),
        "BZ": note,
    }
    ctx.mark("ni", person[is_person])
    return Table("honors", string_columns(cols), kind, subject, u.code[subject].copy(), day)


def build_commitments(ctx: Context, n: int) -> Table:
    """信用承诺: commitments made when applying for a licence (告知承诺, 容缺受理), to an
    industry, for a repair, or of the subject's own accord, and how each stands. The acceptor
    checks within two months (hl-2022 Art 46): older ones are kept or, some, breached."""
    rng, u = ctx.rng, ctx.universe
    kind, subject = sample_subjects(ctx, "credit_commitments", n)
    person = u.person[subject]
    commitment = choose_by_kind(ctx, kind, COMMITMENT_SUBJECTS)
    licence = choose_by_kind(ctx, kind, LICENCE_SUBJECTS)
    commitment_type = column_of(COMMITMENTS, "type")[commitment]
    day = ctx.today - rng.integers(1, 1100, size=n)
    # the acceptor: the licence's agency, the market regulator, or the town's credit authority (repairs)
    town = u.town[subject]
    own_accord = np.isin(commitment_type, ["行业自律型", "主动型"])
    agency = np.where(
        own_accord, AGENCIES.of(town, AGENCY_TYPE_INDEX["market"]), AGENCIES.of(town, LICENCE_TYPES[licence])
    )
    repair = commitment_type == "信用修复型"
    acceptor = np.where(
        repair, join(place_values("town")[town], "市发展和改革委员会"), AGENCIES.names[agency]
    )
    acceptor_code = np.where(repair, "", AGENCIES.codes[agency])
    pairs = list(zip(commitment.tolist(), column_of(LICENCES, "certificate")[licence].tolist(), strict=True))
    matter = np.array([COMMITMENTS[i]["matter"].format(certificate=k) for i, k in pairs], dtype=object)
    promise = np.array([COMMITMENTS[i]["promise"].format(certificate=k) for i, k in pairs], dtype=object)
    until = _commitment_until(ctx, day, commitment, licence)
    status, status_day, note = _commitment_status(ctx, day, commitment_type)
    is_person, has_rep = kind == 1, kind != 1
    values = person_values(ctx, kind, subject) | {"promise": promise}
    content = np.empty(n, dtype=object)
    fill_text(ctx, content, np.flatnonzero(is_person), COMMITMENT_CONTENT["natural_person"], values)
    fill_text(ctx, content, np.flatnonzero(has_rep), COMMITMENT_CONTENT["organisation"], values)
    empty = np.full(n, "", dtype=object)
    cols = {
        "CN_ZT_MC": u.name[subject],
        "CN_ZT_LB": SUBJECT_TYPE_LABELS[kind],
        "CN_ZT_SHXYM": np.where(has_rep, u.code[subject], empty),
        "CN_ZT_ZJLX": np.where(is_person, pick(rng, ["身份证", "身份证", "居民身份证", ""], n), empty),
        "CN_ZT_ZJHM": np.where(is_person, u.persons.id_number[person], empty),
        "CN_BH": numbered("CN-{}-{}-{i:06d}", TOWN_DIVISION[town], ctx.year_of(day)),
        "CN_LX": commitment_type,
        "CN_SX": matter,
        "CN_NR": content,
        "CN_CNRQ": ctx.iso_of(day),
        "CN_SLDW": acceptor,
        "CN_SLDWDM": acceptor_code,
        "CN_YXQZ": until,
        "CN_LXZT": status,
        "CN_LXRQ": status_day,
        "CN_SJLY": acceptor,
        "CN_SJLYDM": acceptor_code,
        "BZ": note,
    }
    ctx.mark("ni", person[is_person])
    return Table("credit_commitments", string_columns(cols), kind, subject, u.code[subject].copy(), day)


def _commitment_until(
    ctx: Context, day: np.ndarray, commitment: np.ndarray, licence: np.ndarray
) -> np.ndarray:
    """有效期至: the commitment's own validity, the licence's, or none."""
    validity = np.array([x["validity_days"] for x in COMMITMENTS])[commitment]
    years = np.array([x["validity_years"] for x in LICENCES])[licence]
    until = np.where(
        validity > 0, ctx.iso_of(day + np.maximum(validity, 1) - 1), np.full(len(day), "", dtype=object)
    )
    by_licence = validity == 0
    long_term = pick(ctx.rng, ["长期", "长期", "2099-12-31", ""], int(by_licence.sum()))
    licence_end = ctx.iso_of(day[by_licence] + years[by_licence] * 365 - 1)
    until[by_licence] = np.where(years[by_licence] > 0, licence_end, long_term)
    return until


def _commitment_status(ctx: Context, day: np.ndarray, commitment_type: np.ndarray):
    """履行状态, the day it was found, and a note: checked within two months (hl-2022 Art 46);
    a repair's year of good conduct, once over, is kept."""
    rng, n = ctx.rng, len(day)
    repair = commitment_type == "信用修复型"
    checked = ctx.today - day > 60
    breached = checked & (rng.random(n) < 0.12)
    if n >= MIN_FILE_ROWS and checked.any() and not breached.any():
        breached[np.flatnonzero(checked)[0]] = True  # every extract carries a breach
    approval = np.isin(commitment_type, ["审批替代型", "容缺受理型"])
    kept = checked & ~breached & (approval | (repair & (ctx.today - day > 365)))
    status = np.where(breached, pick(rng, COMMITMENT_BREACHES, n), np.where(kept, "已履行", "履行中")).astype(
        object
    )
    # the day the status was found: materials in or a deadline missed, a check, the repair year's end
    late = commitment_type == "容缺受理型"
    breach_found = np.where(late, day + 31, day) + rng.integers(7, 61, size=n)
    kept_found = np.where(repair, day + 365, day) + rng.integers(7, 29, size=n)
    found = np.minimum(np.where(breached, breach_found, kept_found), ctx.today)
    empty = np.full(n, "", dtype=object)
    status_day = np.where(breached | kept, ctx.iso_of(found), empty)
    note = np.where(breached, pick(rng, COMMITMENT_BREACH_NOTES, n), empty)
    return status, status_day, note


def build_determinations(ctx: Context, n: int, pool: dict) -> Table | None:
    """严重失信主体名单认定: the agency that penalised a subject lists it, one determination per
    subject, 1-6 months after the penalty (organisations mostly). A determination states its
    term (three years, one, 长期, or none given: the profile's default), and most their removal
    conditions and remedies (hl-2022 Art 28); an organisation's legal representative, and some
    principals, actual controllers and directly responsible persons, are named with their ID
    numbers (hl-2022 Art 33); an individual business's operator as its principal."""
    loaded = pool.get("penalties")
    if not loaded or not n:
        return None
    rng, u, penalties = ctx.rng, ctx.universe, loaded.table
    _, first = np.unique(penalties.key[loaded.rows], return_index=True)
    candidates = loaded.rows[np.sort(first)]
    weight = np.where(penalties.kind[candidates] == 1, 0.25, 1.0)
    size = min(n, len(candidates))
    chosen = np.sort(rng.choice(candidates, size=size, replace=False, p=weight / weight.sum()))
    m = len(chosen)
    kind, subject, key = penalties.kind[chosen], penalties.subject[chosen], penalties.key[chosen].copy()
    names = penalties.cols["CF_SJLY"][chosen].tolist()
    agency = np.array([int(np.flatnonzero(AGENCIES.names == a)[0]) for a in names])
    agency_types = [AGENCY_TYPES[a % AGENCY_TYPE_COUNT]["type"] for a in agency.tolist()]
    town = u.town[subject]
    province = [PLACES[x]["province"] for x in town.tolist()]
    day = np.minimum(penalties.day[chosen] + rng.integers(30, 181, size=m), ctx.today)
    years = ctx.year_of(day)
    term = rng.choice(4, size=m, p=[0.5, 0.2, 0.2, 0.1])  # 3 years, 1 year, none given, 长期
    three_years = ctx.iso_of(np.minimum(day + 1094, ctx.today + 3999))
    until = np.where(
        term == 0, three_years, np.where(term == 1, ctx.iso_of(day + 364), np.where(term == 3, "长期", ""))
    ).astype(object)
    grounds = [DETERMINATION_GROUNDS[k] for k in agency_types]
    basis = [g["basis"].format(province=p) for g, p in zip(grounds, province, strict=True)]
    numbers = penalties.cols["CF_WSH"][chosen].tolist()
    conduct = [f"{g['conduct']}（{w}）" for g, w in zip(grounds, numbers, strict=True)]
    stated = rng.random(m) < 0.6
    empty = np.full(m, "", dtype=object)
    linked = _linked_persons(ctx, kind, u.person[subject])
    appeal = [
        APPEAL.format(town=PLACES[x]["town"]) if s else ""
        for x, s in zip(town.tolist(), stated.tolist(), strict=True)
    ]
    is_person = kind == 1
    cols = {
        "RD_BH": numbered("RD-{}-{}-{i:04d}", TOWN_DIVISION[town], years),
        "RD_ZT_MC": penalties.cols["CF_XDR_MC"][chosen],
        "RD_ZT_LB": SUBJECT_TYPE_LABELS[kind],
        "RD_ZT_SHXYM": np.where(is_person, empty, key),
        "RD_ZT_ZJLX": np.where(is_person, "身份证", empty),
        "RD_ZT_ZJHM": np.where(is_person, key, empty),
        "RD_RDDW": AGENCIES.names[agency],
        "RD_RDDWDM": AGENCIES.codes[agency],
        "RD_RDYJ": np.array(basis, dtype=object),
        "RD_SXXW": np.array(conduct, dtype=object),
        "RD_JDSWH": numbered("{}严失〔{}〕{i}号", AGENCIES.prefixes[agency], years),
        "RD_RDRQ": ctx.iso_of(day),
        "RD_YXQZ": until,
        "RD_YCTJ": np.where(stated, EARLY_REMOVAL, empty),
        "RD_JJTJ": np.array(appeal, dtype=object),
        **linked,
        "RD_SJLY": AGENCIES.names[agency],
        "RD_SJLYDM": AGENCIES.codes[agency],
        "BZ": empty,
    }
    return Table("serious_determinations", string_columns(cols), kind, subject, key, day)


def _linked_persons(ctx: Context, kind: np.ndarray, person: np.ndarray) -> dict[str, np.ndarray]:
    """Names and ID numbers of the persons a determination names (hl-2022 Art 33): an
    organisation's legal representative, and on a share of organisations someone as
    principal, actual controller, directly responsible person; a business's operator."""
    rng, people = ctx.rng, ctx.universe.persons
    m = len(kind)
    is_org, is_ind = kind == 0, kind == 2
    empty = np.full(m, "", dtype=object)

    def linked(share: float, who: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`who` where given, else someone else, on a share of organisations."""
        named_people = who if who is not None else rng.integers(len(people), size=m)
        named = is_org & (rng.random(m) < share) if who is None else is_org.copy()
        ctx.mark("ni", named_people[named])
        return np.where(named, people.name[named_people], empty), np.where(
            named, people.id_number[named_people], empty
        )

    representative, representative_id = linked(1.0, person)
    principal, principal_id = linked(0.5)
    principal = np.where(is_ind, people.name[person], principal)  # 个体工商户: the operator
    principal_id = np.where(is_ind, people.id_number[person], principal_id)
    controller, controller_id = linked(0.4)
    responsible, responsible_id = linked(0.5)
    ctx.mark("ni", person[(kind == 1) | is_ind])
    return {
        "RD_FRDB": representative,
        "RD_FR_ZJHM": representative_id,
        "RD_ZYFZR": principal,
        "RD_FZR_ZJHM": principal_id,
        "RD_SJKZR": controller,
        "RD_KZR_ZJHM": controller_id,
        "RD_ZJZRR": responsible,
        "RD_ZRR_ZJHM": responsible_id,
    }

"""Subject identifiers: 统一社会信用代码 (USCC) and 公民身份号码 (citizen ID).

Built on python-stdnum (`stdnum.cn.uscc`, `stdnum.cn.ric`) for the check characters, with
the gaps `shared/DOMAIN.md` §2 documents handled here:

* stdnum rejects USCCs whose registration-authority character is A, N or Y; they are legal
  (N = rural collective organisations), so the format check here is GB 32100-2015's own.
* Early pilot USCCs (e.g. Xiamen) fail the checksum yet are real: they are *flagged*
  (`uscc_pilot_checksum`), not refused, when their division code is in the pilot list.
* stdnum.cn.ric rejects IDs whose birthplace is missing from its historical table: here
  "checksum valid" and "region known" are separate results; an unknown region is a flag.
* 15-digit legacy IDs are upgraded (insert "19", compute the check digit).

Two entry points: `check_uscc` / `check_citizen_id` for one value, and the vectorised
`validate_uscc` / `validate_citizen_id` over a pandas Series (millions of rows: numpy,
no per-row Python), which the landing stage uses. Both return the same verdicts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"  # GB 11643-1999

# Registration authority (position 1) and organisation type (position 2), GB 32100-2015 table 1.
_USCC_FORMAT = re.compile(r"[1-9ANY][0-9][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
# Division codes of the pilot cities whose early codes were issued with a different check
# character (DOMAIN.md §2). Kept short and explicit: a code here is accepted with a flag.
USCC_PILOT_DIVISIONS = ("3502",)  # 厦门 Xiamen

# Junk real extracts wrap identifiers in (DOMAIN.md §6): labels, page markers, placeholders.
_JUNK = re.compile(r"统一社会信用代码|社会信用代码|身份证号码|身份证号|证件号码|代码|[:：]|\(\d+/\d+\)|[\s\-'\"`]")
# Whole values that mean "nothing here" (after cleaning and upper-casing).
_PLACEHOLDER = re.compile(r"^(|0+|无|空|/|\\N|UNDEFINED|NULL|NONE|N/?A)$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_FLOAT_TAIL = re.compile(r"^\d+\.0+$")


@dataclass(frozen=True)
class IdentifierCheck:
    """The verdict on one identifier: its normalised form, and why it is refused or flagged."""

    value: str  # normalised (cleaned, upper-case, 15-digit IDs upgraded); "" when refused
    reason: str | None  # stable reason code when refused, else None
    flag: str | None  # accepted but worth a look (pilot USCC, unknown region, legacy 15-digit)

    @property
    def ok(self) -> bool:
        return self.reason is None


def clean_identifier(raw: object) -> str:
    """NFKC-normalise an identifier field and strip the junk extracts carry around it.

    Only identifier, code and date fields are NFKC-normalised, never free text (DOMAIN.md §6).
    """
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return ""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return _JUNK.sub("", text).upper()


def _damage_reason(cleaned: str) -> str | None:
    """Excel damage: an identifier that went through a number column (DOMAIN.md §6)."""
    if _SCIENTIFIC.match(cleaned):
        return "id_excel_scientific"
    if _FLOAT_TAIL.match(cleaned):
        return "id_excel_float"
    return None


def check_uscc(raw: object) -> IdentifierCheck:
    """Validate one USCC (GB 32100-2015) after cleaning."""
    value = clean_identifier(raw)
    if _PLACEHOLDER.match(value):
        return IdentifierCheck("", "uscc_missing", None)
    if damage := _damage_reason(value):
        return IdentifierCheck("", damage, None)
    if len(value) != 18:
        return IdentifierCheck("", "uscc_length", None)
    if not _USCC_FORMAT.fullmatch(value):
        return IdentifierCheck("", "uscc_format", None)
    if _uscc.calc_check_digit(value) != value[17]:
        if value[2:6] in USCC_PILOT_DIVISIONS:
            return IdentifierCheck(value, None, "uscc_pilot_checksum")
        return IdentifierCheck("", "uscc_checksum", None)
    return IdentifierCheck(value, None, None)


def upgrade_id15(value: str) -> str:
    """A 15-digit citizen ID (pre-1999) becomes 18 digits: '19' before the birth date, plus a check digit."""
    body = value[:6] + "19" + value[6:]
    return body + _ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


@cache
def _known_regions() -> frozenset[str]:
    """Six-digit division codes in python-stdnum's historical table (a flag, never a refusal)."""
    from stdnum import numdb

    return frozenset(
        province + county
        for _len, province, _hi, _props, counties in numdb.get("cn/loc").prefixes
        for _clen, county, _chi, _cprops, _children in counties
    )


# A birth date in an ID must be a real calendar date in a plausible range.
_BIRTH_YEARS = (1880, 2100)


def _plausible_birth(yyyymmdd: str) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return _BIRTH_YEARS[0] <= born.year < _BIRTH_YEARS[1]


def region_known(citizen_id: str) -> bool:
    return citizen_id[:6] in _known_regions()


def check_citizen_id(raw: object) -> IdentifierCheck:
    """Validate one citizen ID (GB 11643-1999): length, birth date, check digit; region as a flag."""
    value = clean_identifier(raw)
    if _PLACEHOLDER.match(value):
        return IdentifierCheck("", "id_missing", None)
    if damage := _damage_reason(value):
        return IdentifierCheck("", damage, None)
    if "*" in value:
        return IdentifierCheck("", "id_masked", None)
    flag = None
    if len(value) == 15 and value.isdigit():
        value, flag = upgrade_id15(value), "id_upgraded_15"
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return IdentifierCheck("", "id_format", None)
    if not _plausible_birth(value[6:14]):
        return IdentifierCheck("", "id_birth_date", None)
    if _ric.calc_check_digit(value) != value[17]:
        return IdentifierCheck("", "id_checksum", None)
    if flag is None and not region_known(value):
        flag = "id_region_unknown"
    return IdentifierCheck(value, None, flag)


# ---------------------------------------------------------------------------------------
# Vectorised: the same verdicts over a whole column.
# ---------------------------------------------------------------------------------------

_CLEAN_FAST_USCC = r"[0-9A-Z]{18}"
_CLEAN_FAST_ID = r"[0-9]{17}[0-9X]"


def clean_identifiers(values: pd.Series, fast_pattern: str) -> pd.Series:
    """Vectorised `clean_identifier`: the costly clean-up runs only on values not already clean."""
    s = values.fillna("").astype(str)
    dirty = ~s.str.fullmatch(fast_pattern)
    if dirty.any():
        cleaned = s[dirty].map(clean_identifier)
        s = s.copy()
        s[dirty] = cleaned
    return s


def _char_codes(values: np.ndarray, alphabet: str) -> np.ndarray:
    """(n, 18) matrix of alphabet positions (-1 for characters outside it) of 18-char strings."""
    raw = np.frombuffer(values.astype("S18").tobytes(), dtype=np.uint8).reshape(-1, 18)
    table = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(alphabet):
        table[ord(ch)] = i
    return table[raw]


def validate_uscc(values: pd.Series) -> pd.DataFrame:
    """Vectorised `check_uscc`: columns `value`, `reason`, `flag` aligned with `values`."""
    cleaned = clean_identifiers(values, _CLEAN_FAST_USCC)
    n = len(cleaned)
    reason = np.full(n, None, dtype=object)
    flag = np.full(n, None, dtype=object)
    arr = cleaned.to_numpy(dtype=object)

    placeholder = cleaned.str.fullmatch(_PLACEHOLDER.pattern).to_numpy()
    scientific = cleaned.str.fullmatch(_SCIENTIFIC.pattern, case=False).to_numpy()
    floaty = cleaned.str.fullmatch(_FLOAT_TAIL.pattern).to_numpy()
    length_ok = (cleaned.str.len() == 18).to_numpy()
    fmt_ok = cleaned.str.fullmatch(_USCC_FORMAT.pattern).to_numpy()

    reason[~fmt_ok] = "uscc_format"
    reason[~length_ok] = "uscc_length"
    reason[floaty] = "id_excel_float"
    reason[scientific] = "id_excel_scientific"
    reason[placeholder] = "uscc_missing"

    idx = np.flatnonzero(fmt_ok & pd.isna(reason))  # only values no earlier check refused
    if idx.size:
        codes = _char_codes(arr[idx], USCC_ALPHABET)
        total = codes[:, :17] @ USCC_WEIGHTS
        expected = (31 - total % 31) % 31
        bad = expected != codes[:, 17]
        pilot = np.isin(np.array([v[2:6] for v in arr[idx[bad]]], dtype=object), USCC_PILOT_DIVISIONS)
        reason[idx[bad][~pilot]] = "uscc_checksum"
        flag[idx[bad][pilot]] = "uscc_pilot_checksum"

    refused = ~pd.isna(reason)
    flag[refused] = None
    value = np.where(refused, "", arr)
    return pd.DataFrame({"value": value, "reason": reason, "flag": flag}, index=values.index)


def validate_citizen_id(values: pd.Series) -> pd.DataFrame:
    """Vectorised `check_citizen_id`: columns `value`, `reason`, `flag` aligned with `values`."""
    cleaned = clean_identifiers(values, _CLEAN_FAST_ID)
    n = len(cleaned)
    reason = np.full(n, None, dtype=object)
    flag = np.full(n, None, dtype=object)

    placeholder = cleaned.str.fullmatch(_PLACEHOLDER.pattern).to_numpy()
    legacy = cleaned.str.fullmatch(r"[0-9]{15}").to_numpy() & ~placeholder
    if legacy.any():
        cleaned = cleaned.copy()
        cleaned[legacy] = cleaned[legacy].map(upgrade_id15)
        flag[legacy] = "id_upgraded_15"  # cleared below if the upgraded number is refused
    arr = cleaned.to_numpy(dtype=object)

    fmt_ok = cleaned.str.fullmatch(_CLEAN_FAST_ID).to_numpy()
    reason[~fmt_ok] = "id_format"
    reason[cleaned.str.contains("*", regex=False).to_numpy()] = "id_masked"
    reason[cleaned.str.fullmatch(_FLOAT_TAIL.pattern).to_numpy()] = "id_excel_float"
    reason[cleaned.str.fullmatch(_SCIENTIFIC.pattern, case=False).to_numpy()] = "id_excel_scientific"
    reason[placeholder] = "id_missing"

    idx = np.flatnonzero(fmt_ok & pd.isna(reason))  # only values no earlier check refused
    if idx.size:
        sub = arr[idx]
        birth = pd.to_datetime(pd.Series([v[6:14] for v in sub]), format="%Y%m%d", errors="coerce")
        bad_birth = (birth.isna() | (birth.dt.year < _BIRTH_YEARS[0]) | (birth.dt.year >= _BIRTH_YEARS[1])).to_numpy()
        codes = _char_codes(sub, "0123456789X")
        total = codes[:, :17] @ ID_WEIGHTS
        # expected check character, as its position in the "0123456789X" alphabet of `codes`
        expected = np.array(["0123456789X".index(c) for c in ID_CHECK])[total % 11]
        bad_sum = expected != codes[:, 17]
        reason[idx[bad_sum]] = "id_checksum"
        reason[idx[bad_birth]] = "id_birth_date"
        ok_idx = idx[~bad_sum & ~bad_birth]
        known = _known_regions()
        unknown = np.array([v[:6] not in known for v in arr[ok_idx]], dtype=bool)
        flag[ok_idx[unknown & pd.isna(flag[ok_idx])]] = "id_region_unknown"

    refused = ~pd.isna(reason)
    flag[refused] = None
    value = np.where(refused, "", arr)
    return pd.DataFrame({"value": value, "reason": reason, "flag": flag}, index=values.index)

"""Subject identifiers: 统一社会信用代码 (USCC) and 公民身份号码 (citizen ID).

The one home of the identifiers' check characters (USCC, citizen ID, Luhn for bank cards,
GB 11714 organisation codes): landing, the generator and the privacy code import them from
here. Built on python-stdnum (its historical division table; its `stdnum.cn.uscc` and `ric`
are the reference the tests compare against), with the gaps `docs/domain.md#identifiers`
documents handled here:

* stdnum rejects USCCs whose registration-authority character is A, N or Y; they are legal
  (N = rural collective organisations), so the format check here is GB 32100-2015's own.
* Early pilot USCCs (e.g. Xiamen) fail the checksum yet are real: they are *flagged*
  (`uscc_pilot_checksum`), not refused, when their division code is in the pilot list.
* stdnum.cn.ric rejects IDs whose birthplace is missing from its historical table: here
  "checksum valid" and "region known" are separate results; an unknown region is a flag.
* 15-digit legacy IDs are upgraded (insert "19", compute the check digit).

The verdicts are computed once, column-wise, with Arrow compute kernels and numpy
(`validate_uscc`, `validate_citizen_id`): landing checks millions of rows and per-row
Python would not keep up. `check_uscc` / `check_citizen_id` run the same code on one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ID_ALPHABET = "0123456789X"
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"  # GB 11643-1999: check character for (sum mod 11)
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997

# Registration authority (position 1: 1-9, A, N, Y) and organisation type (position 2),
# division code (3-8), organisation code and check character: GB 32100-2015 table 1.
USCC_PATTERN = r"^[1-9ANY][0-9]{7}[0-9A-HJ-NPQRTUWXY]{10}$"
CITIZEN_ID_PATTERN = r"^[0-9]{17}[0-9X]$"
_USCC_FORM = re.compile(USCC_PATTERN)
# Division codes of the pilot cities whose early codes were issued with another check
# character (docs/domain.md#identifiers). Kept short and explicit: a code here is accepted with a flag.
USCC_PILOT_DIVISIONS = ("3502",)  # 厦门 Xiamen

# Junk real extracts wrap identifiers in (docs/domain.md#what-real-extracts-look-like): labels, page markers, quotes,
# spaces. Applied after NFKC, so full-width forms are already folded.
_JUNK = r"统一社会信用代码|社会信用代码|身份证号码|身份证号|证件号码|代码|[:：]|\([0-9]+/[0-9]+\)|[\s\-'\"`]"
# Whole values that mean "nothing here" (after cleaning and upper-casing).
_PLACEHOLDER = r"^(|0+|无|空|/|\\N|UNDEFINED|NULL|NONE|N/?A)$"
# Excel damage: an identifier that went through a number column.
_SCIENTIFIC = r"^[0-9](\.[0-9]+)?E\+?[0-9]+$"
_FLOAT_TAIL = r"^[0-9]+\.0+$"
# A birth date in an ID must be a real calendar date in a plausible range.
_BIRTH_YEARS = (1880, 2100)


# --- check characters ------------------------------------------------------------------------
# Each checksum is written here once. The numpy forms take (n, 17) matrices of alphabet positions
# and serve the column-wise callers (landing, the generator); the string forms serve one value.


def uscc_check_index(body: np.ndarray) -> np.ndarray:
    """GB 32100-2015 check character of each row of `body` ((n, 17) positions in USCC_ALPHABET),
    as a position in USCC_ALPHABET: 31 minus the weighted sum mod 31 (31 itself is 0)."""
    return (31 - (body[:, :17] @ USCC_WEIGHTS) % 31) % 31


def uscc_check_char(body17: str) -> str:
    """The check character (18th) of a USCC whose first seventeen characters are `body17`."""
    body = np.array([[USCC_ALPHABET.index(c) for c in body17]], dtype=np.int64)
    return USCC_ALPHABET[int(uscc_check_index(body)[0])]


_ID_CHECK_INDEX = np.array([ID_ALPHABET.index(c) for c in ID_CHECK])


def citizen_id_check_index(body: np.ndarray) -> np.ndarray:
    """GB 11643-1999 check character of each row of `body` ((n, 17) digits), as a position in
    ID_ALPHABET (10 is X)."""
    return _ID_CHECK_INDEX[(body[:, :17] @ ID_WEIGHTS) % 11]


def citizen_id_check_char(body17: str) -> str:
    """The check character (18th, 0-9 or X) of a citizen ID whose first seventeen digits are `body17`."""
    return ID_CHECK[sum(int(c) * int(w) for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def luhn_check_digits(payload: np.ndarray) -> np.ndarray:
    """Luhn (ISO/IEC 7812) check digit of each row of `payload` ((n, k) digits)."""
    rev = payload[:, ::-1].copy()
    doubled = rev[:, 0::2] * 2
    rev[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - rev.sum(axis=1) % 10) % 10


def luhn_check_digit(body: str) -> str:
    """The Luhn digit that completes the bank card number `body`."""
    return str(int(luhn_check_digits(np.array([[int(c) for c in body]], dtype=np.int64))[0]))


def luhn_valid(digits: str) -> bool:
    """Whether a digit string (a bank card number) ends with its Luhn check digit."""
    return len(digits) > 1 and digits.isdigit() and luhn_check_digit(digits[:-1]) == digits[-1]


def uscc_valid(code: str) -> bool:
    """Whether `code`, as written (not cleaned), is a USCC the platform accepts, as `check_uscc`
    does: GB 32100-2015's form (registration authorities A, N and Y included, which stdnum
    refuses) and its check character, or an early pilot city's other one (flagged at landing)."""
    return bool(_USCC_FORM.match(code)) and (
        uscc_check_char(code[:17]) == code[17] or code[2:6] in USCC_PILOT_DIVISIONS
    )


def organisation_code_valid(code: str) -> bool:
    """GB 11714-1997 organisation code (组织机构代码): eight characters and a check character
    (X for 10, 0 for 11). Digits only: an organisation code with letters is not read here."""
    if len(code) != 9 or not code[:8].isdigit():
        return False
    check = 11 - sum(int(c) * w for c, w in zip(code[:8], ORGANISATION_CODE_WEIGHTS, strict=True)) % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class IdentifierCheck:
    """The verdict on one identifier: its normalised form, and why it is refused or flagged."""

    value: str  # normalised (cleaned, upper-case, 15-digit IDs upgraded); "" when refused
    reason: str | None  # stable reason code when refused (creditlake/reasons.yml), else None
    flag: str | None  # accepted but worth a look (pilot USCC, unknown region, legacy 15-digit)

    @property
    def ok(self) -> bool:
        return self.reason is None


def _as_strings(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    elif not isinstance(values, pa.Array):
        values = pa.array([None if v is None or v != v else str(v) for v in values], type=pa.string())
    return pc.fill_null(pc.cast(values, pa.string()), "")


def clean_identifiers(values, fast_pattern: str = USCC_PATTERN) -> pa.Array:
    """NFKC-normalise identifier fields and strip the junk extracts carry around them.

    Only identifier, code and date fields are NFKC-normalised, never free text (docs/domain.md#what-real-extracts-look-like:
    NFKC turns ① into 1). Values already in `fast_pattern` form are left untouched.
    """
    arr = _as_strings(values)
    dirty = pc.invert(pc.match_substring_regex(arr, fast_pattern))
    if not pc.any(dirty).as_py():
        return arr
    fixed = pc.utf8_upper(pc.replace_substring_regex(pc.utf8_normalize(arr.filter(dirty), "NFKC"), _JUNK, ""))
    return pc.replace_with_mask(arr, dirty, fixed)


def clean_identifier(raw: object) -> str:
    return clean_identifiers([raw]).to_pylist()[0]


def _off_form(s: pa.Array, form: np.ndarray):
    """The values of `s` not in `form` (a mask), and a function that takes a check on them
    (an Arrow mask) back to a mask over every row. The shape checks (placeholder, Excel damage,
    length) can only fail on a value that is not in the identifier's form already, so they
    look at those values only: in a clean extract, a few percent of them."""
    rows = np.flatnonzero(~form)

    def on_all(mask) -> np.ndarray:
        full = np.zeros(len(s), dtype=bool)
        full[rows] = _np(mask)
        return full

    return s.take(pa.array(rows)), on_all


def _first_reason(n: int, checks: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Per row, the reason of the first check that fails (checks in priority order)."""
    reason = np.full(n, None, dtype=object)
    for failed, code in reversed(checks):
        reason[failed] = code
    return reason


def _char_matrix(arr: pa.Array, alphabet: str) -> np.ndarray:
    """(n, 18) alphabet positions of 18-character ASCII strings (-1 outside the alphabet)."""
    arr = pa.array(arr.to_pylist(), type=pa.string()) if arr.offset else arr  # own buffers
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[: len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 18)
    table = np.full(256, -1, dtype=np.int64)
    table[np.frombuffer(alphabet.encode(), dtype=np.uint8)] = np.arange(len(alphabet))
    return table[data]


def _np(mask) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _per_distinct(verdicts):
    """Compute a column's verdicts once per distinct value and take them back to the rows:
    a subject's code repeats on every record about it, and most rows carry only one of the
    two identifiers (the other is empty)."""

    def column_wise(values) -> pa.Table:
        encoded = pc.dictionary_encode(_as_strings(values))
        return verdicts(encoded.dictionary).take(encoded.indices)

    column_wise.__doc__ = verdicts.__doc__
    return column_wise


@_per_distinct
def validate_uscc(values) -> pa.Table:
    """USCC verdicts for a column: `value` (normalised or ""), `reason`, `flag` (null when none)."""
    s = clean_identifiers(values, USCC_PATTERN)
    n = len(s)
    fmt_ok = _np(pc.match_substring_regex(s, USCC_PATTERN))
    odd, on_all = _off_form(s, fmt_ok)
    reason = _first_reason(
        n,
        [
            (on_all(pc.match_substring_regex(odd, _PLACEHOLDER)), "uscc_missing"),
            (on_all(pc.match_substring_regex(odd, _SCIENTIFIC)), "id_excel_scientific"),
            (on_all(pc.match_substring_regex(odd, _FLOAT_TAIL)), "id_excel_float"),
            (on_all(pc.not_equal(pc.utf8_length(odd), 18)), "uscc_length"),
            (~fmt_ok, "uscc_format"),
        ],
    )
    flag = np.full(n, None, dtype=object)
    idx = np.flatnonzero(fmt_ok & (reason == None))  # noqa: E711 (elementwise)
    if idx.size:
        cand = s.take(pa.array(idx))
        codes = _char_matrix(cand, USCC_ALPHABET)
        expected = uscc_check_index(codes)
        bad = expected != codes[:, 17]
        division = _np(
            pc.is_in(pc.utf8_slice_codeunits(cand, 2, 6), value_set=pa.array(USCC_PILOT_DIVISIONS))
        )
        flag[idx[bad & division]] = "uscc_pilot_checksum"
        reason[idx[bad & ~division]] = "uscc_checksum"
    return _verdicts(s, reason, flag)


def _verdicts(s: pa.Array, reason: np.ndarray, flag: np.ndarray) -> pa.Table:
    refused = reason != None  # noqa: E711 (elementwise)
    flag[refused] = None
    value = pc.if_else(pa.array(refused), "", s)
    return pa.table(
        {"value": value, "reason": pa.array(reason, pa.string()), "flag": pa.array(flag, pa.string())}
    )


def upgrade_id15(value: str) -> str:
    """A 15-digit citizen ID (pre-1999) becomes 18 digits: '19' before the birth date, plus a check digit."""
    body = value[:6] + "19" + value[6:]
    return body + citizen_id_check_char(body)


@cache
def known_regions() -> pa.Array:
    """Six-digit division codes in python-stdnum's historical table (a flag, never a refusal)."""
    from stdnum import numdb

    return pa.array(
        sorted(
            province + county
            for _len, province, _hi, _props, counties in numdb.get("cn/loc").prefixes
            for _clen, county, _chi, _cprops, _children in counties
        )
    )


@_per_distinct
def validate_citizen_id(values) -> pa.Table:
    """Citizen ID verdicts for a column: length, birth date, check digit; region as a flag."""
    s = clean_identifiers(values, CITIZEN_ID_PATTERN)
    n = len(s)
    flag = np.full(n, None, dtype=object)
    fmt_ok = _np(pc.match_substring_regex(s, CITIZEN_ID_PATTERN))
    odd, on_all = _off_form(s, fmt_ok)
    placeholder = on_all(pc.match_substring_regex(odd, _PLACEHOLDER))
    legacy = on_all(pc.match_substring_regex(odd, r"^[0-9]{15}$")) & ~placeholder
    if legacy.any():
        upgraded = [upgrade_id15(v) for v in s.filter(pa.array(legacy)).to_pylist()]
        s = pc.replace_with_mask(s, pa.array(legacy), pa.array(upgraded, pa.string()))
        flag[legacy] = "id_upgraded_15"
        fmt_ok |= legacy
    reason = _first_reason(
        n,
        [
            (placeholder, "id_missing"),
            (on_all(pc.match_substring_regex(odd, _SCIENTIFIC)), "id_excel_scientific"),
            (on_all(pc.match_substring_regex(odd, _FLOAT_TAIL)), "id_excel_float"),
            (on_all(pc.match_substring(odd, "*")), "id_masked"),
            (~fmt_ok, "id_format"),
        ],
    )
    idx = np.flatnonzero(fmt_ok & (reason == None))  # noqa: E711 (elementwise)
    if idx.size:
        cand = s.take(pa.array(idx))
        codes = _char_matrix(cand, ID_ALPHABET)
        digits = np.where(codes[:, :14] < 10, codes[:, :14], 0)
        year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
        month = digits[:, 10:12] @ np.array([10, 1])
        day = digits[:, 12:14] @ np.array([10, 1])
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
        month_days = month_days + ((month == 2) & leap)
        bad_birth = (
            (month < 1)
            | (month > 12)
            | (day < 1)
            | (day > month_days)
            | (year < _BIRTH_YEARS[0])
            | (year >= _BIRTH_YEARS[1])
        )
        expected = citizen_id_check_index(codes)
        bad_sum = (expected != codes[:, 17]) | (codes[:, :17] == 10).any(axis=1)
        reason[idx[bad_birth]] = "id_birth_date"
        reason[idx[bad_sum & ~bad_birth]] = "id_checksum"
        reason[idx[(codes == 0).all(axis=1)]] = "id_missing"  # eighteen zeros: a placeholder
        ok = idx[~bad_sum & ~bad_birth]
        unknown = ~_np(
            pc.is_in(pc.utf8_slice_codeunits(s.take(pa.array(ok)), 0, 6), value_set=known_regions())
        )
        unflagged = ok[unknown]
        flag[unflagged[flag[unflagged] == None]] = "id_region_unknown"  # noqa: E711 (elementwise)
    return _verdicts(s, reason, flag)


def _one(table: pa.Table) -> IdentifierCheck:
    row = table.to_pylist()[0]
    return IdentifierCheck(row["value"], row["reason"], row["flag"])


def check_uscc(raw: object) -> IdentifierCheck:
    """Validate one USCC (GB 32100-2015) after cleaning."""
    return _one(validate_uscc([raw]))


def check_citizen_id(raw: object) -> IdentifierCheck:
    """Validate one citizen ID (GB 11643-1999): length, birth date, check digit; region as a flag."""
    return _one(validate_citizen_id([raw]))


def region_known(citizen_id: str) -> bool:
    return pc.is_in(pa.array([citizen_id[:6]]), value_set=known_regions())[0].as_py()

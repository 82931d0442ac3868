"""Made-up identifiers with valid check characters: USCCs (GB 32100-2015), citizen IDs
(GB 11643-1999), UnionPay bank cards (Luhn). The check characters come from
`creditlake.identifiers`, the same code landing validates with."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from creditlake.identifiers import (
    ID_ALPHABET,
    USCC_ALPHABET,
    citizen_id_check_char,
    citizen_id_check_index,
    luhn_check_digits,
    uscc_check_char,
    uscc_check_index,
)
from creditlake.synthetic.strings import digit_matrix, strings_from_codes
from creditlake.synthetic.vocabulary import GIVEN_NAME_CHARACTERS, PLACES, SURNAMES

USCC_CODES = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
UNIONPAY_PREFIXES = np.array([[6, 2, 2, 2], [6, 2, 2, 8], [6, 2, 1, 7], [6, 2, 1, 4], [6, 2, 3, 0]])


# Single values, from Python's `random` (bench/identifiers_bench.py draws them one by one).


def make_uscc(rng: random.Random, division: str | None = None) -> str:
    """A company's USCC (head 91) in `division` (default: a town's first district)."""
    body = "91" + (division or _first_district(rng)) + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def make_citizen_id(rng: random.Random, birth_year_range=(1955, 2000)) -> str:
    birth = date(rng.randint(*birth_year_range), 1, 1) + timedelta(days=rng.randint(0, 364))
    body = _first_district(rng) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    return body + citizen_id_check_char(body)


def make_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(rng.choice((1, 2))))


def make_mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177", "199"]) + f"{rng.randint(0, 99_999_999):08d}"


def _first_district(rng: random.Random) -> str:
    return rng.choice(PLACES)["districts"][0][0]


# Vectorised: one identifier per row, drawn with numpy.


def uscc_array(rng: np.random.Generator, heads: np.ndarray, divisions: np.ndarray) -> np.ndarray:
    """Valid USCCs with the given two-character heads and division codes (one per row).

    Every code has at least one letter after the division code: an all-digit code looks
    like a citizen ID to landing's one-column subject check (court lists and events)."""
    n = len(heads)
    idx = np.zeros((n, 18), np.int64)
    lookup = {c: i for i, c in enumerate(USCC_ALPHABET)}
    idx[:, :2] = np.array([[lookup[h[0]], lookup[h[1]]] for h in heads.tolist()], np.int64).reshape(n, 2)
    idx[:, 2:8] = digit_matrix(divisions, 6)
    idx[:, 8:17] = rng.integers(0, 31, size=(n, 9))
    digits_only = (idx[:, 8:17] < 10).all(axis=1)
    idx[digits_only, 16] = rng.integers(10, 31, size=int(digits_only.sum()))
    idx[:, 17] = uscc_check_index(idx)
    return strings_from_codes(USCC_CODES[idx])


def citizen_id_array(
    rng: np.random.Generator, divisions: np.ndarray, first: date, last: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid 18-digit citizen IDs born between `first` and `last`; also sex and birth year."""
    n = len(divisions)
    days = rng.integers(first.toordinal(), last.toordinal() + 1, size=n) - date(1970, 1, 1).toordinal()
    born = days.astype("datetime64[D]")
    ymd = np.char.replace(np.datetime_as_string(born), "-", "")
    sequence = rng.integers(0, 1000, size=n)
    body = np.zeros((n, 17), np.int64)
    body[:, :6] = digit_matrix(divisions, 6)
    body[:, 6:14] = digit_matrix(ymd, 8)
    body[:, 14] = sequence // 100
    body[:, 15] = sequence // 10 % 10
    body[:, 16] = sequence % 10
    check = np.frombuffer(ID_ALPHABET.encode(), np.uint8)[citizen_id_check_index(body)]
    ids = strings_from_codes(np.concatenate([body + 48, check[:, None]], axis=1))
    sex = np.where(sequence % 2 == 1, "男", "女").astype(object)  # the sequence's parity says
    return ids, sex, born.astype("datetime64[Y]").astype(int) + 1970


def bank_card_array(rng: np.random.Generator, n: int) -> np.ndarray:
    """19-digit bank card numbers (UnionPay prefixes) with a valid Luhn digit."""
    prefixes = UNIONPAY_PREFIXES[rng.integers(len(UNIONPAY_PREFIXES), size=n)]
    payload = np.concatenate([prefixes, rng.integers(0, 10, size=(n, 14))], axis=1)
    check = luhn_check_digits(payload)
    return strings_from_codes(np.concatenate([payload, check[:, None]], axis=1) + 48)

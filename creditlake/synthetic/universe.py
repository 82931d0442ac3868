"""Every subject the extracts talk about: organisations, individual businesses, persons.

Pools are drawn once with numpy and records sample them, so the same company has
penalties, licences and honours, as in life, and a million rows take seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from creditlake.synthetic.identities import bank_card_array, citizen_id_array, uscc_array
from creditlake.synthetic.strings import join, pick, strings_from_codes, texts
from creditlake.synthetic.vocabulary import (
    COMPOUND_SURNAMES,
    DIVISION_NAME,
    DIVISION_TOWN,
    DIVISIONS,
    EMAIL_DOMAINS,
    GIVEN_NAME_CHARACTERS,
    LEGAL_FORMS,
    MINORITY_NAMES,
    MOBILE_PREFIXES,
    ORGANISATION_HEADS,
    RARE_GIVEN_NAMES,
    SHOPS,
    SURNAMES,
    TRADE_NAME_FIRST,
    TRADE_NAME_SECOND,
    TRADES,
    place_values,
)


@dataclass
class Persons:
    """Natural persons (an index space of their own) and their contact details."""

    name: np.ndarray
    id_number: np.ndarray
    sex: np.ndarray
    birth_year: np.ndarray
    mobile: np.ndarray
    landline: np.ndarray
    email: np.ndarray
    bank_card: np.ndarray
    division: np.ndarray  # index into DIVISIONS

    def __len__(self) -> int:
        return len(self.name)


@dataclass
class Universe:
    """Subject index space: [organisations | individual businesses | persons]."""

    kind: np.ndarray  # 0 organisation, 1 natural person, 2 individual business
    name: np.ndarray
    code: np.ndarray  # USCC or citizen ID
    person: np.ndarray  # person index: the legal representative / operator, or the person
    town: np.ndarray
    district: np.ndarray
    offsets: dict  # kind -> (start, size)
    persons: Persons


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Han names of one or two given characters; 2 % compound surnames, minority names or
    rare characters (some outside GBK)."""
    given = np.array(list(GIVEN_NAME_CHARACTERS))
    surname = np.array(list(SURNAMES))[rng.integers(len(SURNAMES), size=n)]
    first = given[rng.integers(len(given), size=n)]
    second = np.where(rng.random(n) < 0.6, given[rng.integers(len(given), size=n)], "")
    names = np.char.add(np.char.add(surname, first), second).astype(object)
    special = np.flatnonzero(rng.random(n) < 0.02)
    for j, i in enumerate(special.tolist()):
        variant, turn = j % 4, j // 4
        if variant == 0:
            names[i] = (
                COMPOUND_SURNAMES[turn % len(COMPOUND_SURNAMES)] + GIVEN_NAME_CHARACTERS[j % len(given)]
            )
        elif variant == 1:
            names[i] = MINORITY_NAMES[turn % len(MINORITY_NAMES)]
        else:
            names[i] = names[i][0] + RARE_GIVEN_NAMES[turn % len(RARE_GIVEN_NAMES)] + names[i][2:]
    return names


def draw_persons(rng: np.random.Generator, n: int, as_of: date) -> Persons:
    """Adults (born 1955 to 20 years before `as_of`) with phones, e-mail and a bank card."""
    division = rng.integers(len(DIVISIONS), size=n)
    ids, sex, born = citizen_id_array(
        rng, DIVISIONS[division], date(1955, 1, 1), date(as_of.year - 20, 12, 31)
    )
    names = person_names(rng, n)
    prefix = pick(rng, MOBILE_PREFIXES, n)
    mobile = join(prefix, np.char.zfill(rng.integers(0, 10**8, size=n).astype(str), 8).astype(object))
    area = place_values("area_code")[DIVISION_TOWN[division]]
    number = np.char.zfill(rng.integers(2 * 10**7, 9 * 10**7, size=n).astype(str), 8).astype(object)
    landline = np.where(rng.random(n) < 0.85, join(area, "-", number), join("(", area, ")", number))
    letters = strings_from_codes(rng.integers(97, 123, size=(n, 6)))
    email = join(letters, texts(born % 100), "@", pick(rng, EMAIL_DOMAINS, n))
    return Persons(names, ids, sex, born, mobile, landline, email, bank_card_array(rng, n), division)


def organisation_names(rng: np.random.Generator, heads: np.ndarray, division: np.ndarray) -> np.ndarray:
    """Names shaped by the USCC head: companies (91), cooperatives (93), schools (52, 12),
    village collectives (N2)."""
    n = len(heads)
    town = place_values("town")[DIVISION_TOWN[division]] + "市"
    first, second = pick(rng, list(TRADE_NAME_FIRST), n), pick(rng, list(TRADE_NAME_SECOND), n)
    name = join(town, first, second, pick(rng, TRADES, n), pick(rng, LEGAL_FORMS, n))
    name = np.where(heads == "93", join(town, first, second, "种植专业合作社"), name)
    name = np.where(heads == "52", join(town, first, second, "职业培训学校"), name)
    school = join(town, DIVISION_NAME[division], "第", pick(rng, list("一二三四五六七八九"), n), "中学")
    name = np.where(heads == "12", school, name)
    return np.where(
        heads == "N2", join(town, DIVISION_NAME[division], first, second, "村股份经济合作社"), name
    )


def build_universe(rng: np.random.Generator, rows: int, as_of: date) -> Universe:
    """Subjects for `rows` records: about a third as many organisations and persons, a
    tenth as many individual businesses."""
    n_org = int(np.clip(rows // 3, 200, 300_000))
    n_ind = int(np.clip(rows // 10, 60, 100_000))
    n_per = int(np.clip(rows // 3, 300, 250_000))
    persons = draw_persons(rng, n_per, as_of)

    shares = [share for _, share in ORGANISATION_HEADS]
    heads = np.array([head for head, _ in ORGANISATION_HEADS], dtype=object)[
        rng.choice(len(ORGANISATION_HEADS), size=n_org, p=shares)
    ]
    org_division = rng.integers(len(DIVISIONS), size=n_org)
    org_name = organisation_names(rng, heads, org_division)
    org_code = uscc_array(rng, heads, DIVISIONS[org_division])

    # individual businesses (个体工商户): 92 heads, named after the shop
    ind_division = rng.integers(len(DIVISIONS), size=n_ind)
    town = place_values("town")[DIVISION_TOWN[ind_division]] + "市"
    ind_name = join(
        town,
        DIVISION_NAME[ind_division],
        pick(rng, list(TRADE_NAME_FIRST), n_ind),
        pick(rng, list(TRADE_NAME_SECOND), n_ind),
        pick(rng, SHOPS, n_ind),
    )
    ind_code = uscc_array(rng, np.full(n_ind, "92", dtype=object), DIVISIONS[ind_division])

    division = np.concatenate([org_division, ind_division, persons.division])
    return Universe(
        kind=np.concatenate([np.zeros(n_org, np.int8), np.full(n_ind, 2, np.int8), np.ones(n_per, np.int8)]),
        name=np.concatenate([org_name, ind_name, persons.name]),
        code=np.concatenate([org_code, ind_code, persons.id_number]),
        person=np.concatenate(
            [rng.integers(n_per, size=n_org), rng.integers(n_per, size=n_ind), np.arange(n_per)]
        ),
        town=DIVISION_TOWN[division],
        district=division,
        offsets={0: (0, n_org), 2: (n_org, n_ind), 1: (n_org + n_ind, n_per)},
        persons=persons,
    )

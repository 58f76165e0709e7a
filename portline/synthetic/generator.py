"""A seeded generator of a realistic synthetic population.

Pure: plain data in, plain data out, randomness only from `numpy.random.default_rng(seed)`,
so the same seed gives the same people on every machine. Demo data and benchmarks (at
millions of rows) both use it; `iter_registrations` streams, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from portline.synthetic import names

GROUP_SIZES = np.arange(1, 11)
# Most units are one to four people; a few large families.
GROUP_SIZE_WEIGHTS = np.array([0.38, 0.20, 0.16, 0.12, 0.06, 0.03, 0.02, 0.015, 0.01, 0.005])
GROUP_SIZE_WEIGHTS = GROUP_SIZE_WEIGHTS / GROUP_SIZE_WEIGHTS.sum()
_NATIONALITIES = list(names.NATIONALITY_WEIGHTS)
_NAT_P = np.array([names.NATIONALITY_WEIGHTS[c] for c in _NATIONALITIES])
_NAT_P = _NAT_P / _NAT_P.sum()
_EYES = ["brown", "brown", "brown", "black", "hazel", "green", "blue"]
_BASES = ["safety", "safety", "medical", "family", "other"]


@dataclass
class SyntheticPerson:
    given_names: str
    family_names: str
    date_of_birth: dt.date
    gender: str
    nationality: str
    country_of_birth: str
    city_of_birth: str
    country_of_residence: str
    preferred_language: str
    relationship: str
    foreign_address: str
    travel_history: str
    height_cm: int
    weight_kg: int
    eye_colour: str
    phone: str = ""
    email: str = ""


@dataclass
class SyntheticRegistration:
    index: int
    registered_on: dt.date
    basis: str
    us_address_line1: str
    us_city: str
    us_state: str
    us_zip: str
    partner_index: int | None
    people: list[SyntheticPerson] = field(default_factory=list)


def _pick(rng: np.random.Generator, items: list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _birth(rng: np.random.Generator, today: dt.date, low: int, high: int) -> dt.date:
    age_days = int(rng.integers(low * 365, high * 365))
    return today - dt.timedelta(days=age_days)


def iter_registrations(
    *,
    seed: int,
    count: int,
    today: dt.date,
    partner_count: int = 0,
    partner_share: float = 0.25,
    spread_days: int = 270,
) -> Iterator[SyntheticRegistration]:
    """Yield `count` registrations (units of 1-10 people) with registration dates spread over
    the `spread_days` before `today` (waits of up to about nine months, as reported)."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        size = int(rng.choice(GROUP_SIZES, p=GROUP_SIZE_WEIGHTS))
        nationality = str(rng.choice(_NATIONALITIES, p=_NAT_P))
        female, male, surnames, two_surnames = names.POOLS[nationality]
        family = _pick(rng, surnames)
        second = _pick(rng, surnames)
        city, state = names.WAITING_CITIES[int(rng.integers(len(names.WAITING_CITIES)))]
        address = f"{_pick(rng, ['Calle', 'Avenida', 'Privada'])} {int(rng.integers(1, 40))} de {_pick(rng, ['Mayo', 'Septiembre', 'Noviembre'])} {int(rng.integers(1, 2000))}, {city}, {state}, México"
        dest_city, dest_state, zip3 = names.US_DESTINATIONS[
            int(rng.integers(len(names.US_DESTINATIONS)))
        ]
        language = names.LANGUAGE_OF.get(nationality, "es")
        travel = (
            ""
            if nationality == "MX"
            else f"{nationality} → GT → MX ({int(rng.integers(1, 12))} months)"
        )
        registration = SyntheticRegistration(
            index=index,
            registered_on=today - dt.timedelta(days=int(rng.integers(0, spread_days))),
            basis=_pick(rng, _BASES),
            us_address_line1=f"{int(rng.integers(100, 9999))} {_pick(rng, names.STREETS)}",
            us_city=dest_city,
            us_state=dest_state,
            us_zip=f"{zip3}{int(rng.integers(10, 99))}",
            partner_index=int(rng.integers(partner_count))
            if partner_count and rng.random() < partner_share
            else None,
        )
        for position in range(1, size + 1):
            if position == 1:
                relationship, low, high = "self", 18, 60
            elif position == 2 and size > 2 and rng.random() < 0.7:
                relationship, low, high = "spouse", 18, 60
            else:
                relationship, low, high = "child", 0, 17
            gender = "female" if rng.random() < 0.5 else "male"
            given = _pick(rng, female if gender == "female" else male)
            if two_surnames:
                family_names = (
                    f"{family} {second}"
                    if relationship in ("self", "child")
                    else f"{_pick(rng, surnames)} {_pick(rng, surnames)}"
                )
            else:
                family_names = family
            adult = relationship != "child"
            registration.people.append(
                SyntheticPerson(
                    given_names=given,
                    family_names=family_names,
                    date_of_birth=_birth(rng, today, low, high),
                    gender=gender,
                    nationality=nationality,
                    country_of_birth=nationality,
                    city_of_birth=_pick(rng, names.BIRTH_CITIES[nationality]),
                    country_of_residence="MX",
                    preferred_language=language,
                    relationship=relationship,
                    foreign_address=address,
                    travel_history=travel or "MX",
                    height_cm=int(rng.integers(150, 190)) if adult else int(rng.integers(55, 170)),
                    weight_kg=int(rng.integers(50, 100)) if adult else int(rng.integers(4, 60)),
                    eye_colour=_pick(rng, _EYES),
                    phone=f"+52{int(rng.integers(10**9, 10**10 - 1))}" if position == 1 else "",
                )
            )
        yield registration

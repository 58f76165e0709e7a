"""A fast, seeded, columnar version of the population generator, for benchmarks at millions.

`iter_registrations` (generator.py) builds one object per person with a scalar random draw per
field: about 0.5 ms a registration, so 1,000,000 registrations take ten minutes. This draws
each field for a whole batch at once with numpy and returns plain columns (lists and arrays),
about 100 times faster. It keeps what the integrity rules and the database need: the US
address, sponsor, partner entries with their times, and per person the names, phone, e-mail,
identity document, evidence provider and a photo hash. Pure: the same seed gives the same
columns on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from portline.synthetic import names
from portline.synthetic.generator import GROUP_SIZE_WEIGHTS, GROUP_SIZES

_NATIONALITIES = list(names.NATIONALITY_WEIGHTS)
_NAT_P = np.array([names.NATIONALITY_WEIGHTS[c] for c in _NATIONALITIES], dtype=float)
_NAT_P = _NAT_P / _NAT_P.sum()
_SYLLABLES = [
    "ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo",
    "ar", "el", "in", "or", "ul", "mar", "tor", "san", "quel", "ver",
]  # fmt: skip


@dataclass
class Batch:
    """Columns of one batch. Registration columns have one entry per registration; person
    columns one per person, `person_registration` pointing into the batch by position."""

    first_index: int
    registered_at: np.ndarray  # seconds since the epoch
    us_address_line1: list[str]
    us_address_line2: list[str]
    us_city: list[str]
    us_state: list[str]
    us_zip: list[str]
    sponsor_name: list[str]
    sponsor_phone: list[str]
    partner_staff: np.ndarray  # 0: entered by the applicant; else a staff account number
    provider: list[str]  # "" or who attested the registration's medical/police evidence
    person_registration: np.ndarray
    position: np.ndarray
    given_names: list[str]
    family_names: list[str]
    phone: list[str]
    email: list[str]
    document_number: list[str]
    nationality: list[str]
    photo_hash: list[str]
    # Drawn from a generator of their own (seeded by the seed and the batch), so the columns
    # above are the same as before these were added.
    relationship: list[str]  # self, spouse or child
    date_of_birth: list[str]  # ISO date
    sex: list[str]  # female or male
    birth_place: list[str]

    @property
    def size(self) -> int:
        return len(self.us_address_line1)


@dataclass(frozen=True)
class NamePool:
    """Names for one nationality, each list with optional frequencies (uniform without), and
    the share of people given a second given name. The built-in pools (`names.POOLS`) are
    small and uniform; a caller may pass larger ones with real frequencies (the benchmarks
    pass Faker's es_CO lists, counted from a Colombian government dataset)."""

    female: Sequence[str]
    male: Sequence[str]
    surnames: Sequence[str]
    two_surnames: bool
    female_weights: Sequence[float] | None = None
    male_weights: Sequence[float] | None = None
    surname_weights: Sequence[float] | None = None
    second_given_share: float = 0.0


BUILTIN_POOLS = {
    code: NamePool(female, male, surnames, two)
    for code, (female, male, surnames, two) in names.POOLS.items()
}


def _draw(names_: Sequence[str], weights: Sequence[float] | None, u: np.ndarray) -> np.ndarray:
    """The names at uniform draws `u` in [0, 1): by position without weights (as the
    generator always drew), else by cumulative frequency."""
    pool = np.array(names_, dtype=object)
    if weights is None:
        return pool[(u * len(pool)).astype(int)]
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    index = np.searchsorted(cumulative / cumulative[-1], u, side="right")
    return pool[np.minimum(index, len(pool) - 1)]


def invented_surnames(rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct invented surnames (two to three syllables)."""
    seen: dict[str, None] = {}
    while len(seen) < count:
        parts = rng.integers(0, len(_SYLLABLES), size=int(rng.integers(2, 4)))
        seen.setdefault("".join(_SYLLABLES[p] for p in parts).capitalize(), None)
    return list(seen)


def registration_batches(
    *,
    seed: int,
    count: int,
    today: dt.date,
    batch_size: int = 100_000,
    partner_staff: int = 400,
    partner_share: float = 0.25,
    providers: int = 20_000,
    spread_days: int = 270,
    pools: Mapping[str, NamePool] | None = None,
) -> Iterator[Batch]:
    """Batches of registrations. `pools` replaces the built-in name pools of some
    nationalities; second given names are drawn from a generator of their own, so with the
    built-in pools every column is what it was before pools could be passed."""
    pools = {**BUILTIN_POOLS, **(pools or {})}
    rng = np.random.default_rng(seed)
    end = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()
    nat_codes = np.array(_NATIONALITIES)
    dest = names.US_DESTINATIONS
    streets = np.array(names.STREETS, dtype=object)
    provider_names = np.array(
        [f"Dr. {s} {n}" for n, s in enumerate(invented_surnames(rng, 500)) for _ in range(1)]
        * (providers // 500 + 1),
        dtype=object,
    )[:providers]
    provider_names = np.array(
        [f"{name} {i}" for i, name in enumerate(provider_names)], dtype=object
    )
    done = 0
    while done < count:
        n = min(batch_size, count - done)
        sizes = rng.choice(GROUP_SIZES, size=n, p=GROUP_SIZE_WEIGHTS)
        nationality = rng.choice(len(nat_codes), size=n, p=_NAT_P)
        registered_at = end - rng.uniform(0, spread_days * 86400, size=n)
        number = rng.integers(100, 9999, size=n)
        street = rng.integers(0, len(streets), size=n)
        dest_i = rng.integers(0, len(dest), size=n)
        zip_tail = rng.integers(10, 99, size=n)
        has_sponsor = rng.random(n) < 0.4
        sponsor_phone = rng.integers(2_000_000_000, 9_999_999_999, size=n)
        staff = np.where(
            rng.random(n) < partner_share, rng.integers(1, partner_staff + 1, size=n), 0
        )
        has_provider = rng.random(n) < 0.3
        provider_i = rng.integers(0, providers, size=n)
        street_names = streets[street].tolist()
        line1 = [f"{a} {b}" for a, b in zip(number.tolist(), street_names, strict=True)]
        city = [dest[i][0] for i in dest_i.tolist()]
        state = [dest[i][1] for i in dest_i.tolist()]
        zips = [f"{dest[i][2]}{t}" for i, t in zip(dest_i.tolist(), zip_tail.tolist(), strict=True)]
        s_name = [
            f"Sponsor {done + i}" if has else "" for i, has in enumerate(has_sponsor.tolist())
        ]
        s_phone = np.where(has_sponsor, "+1" + sponsor_phone.astype(str).astype(object), "")
        prov = np.where(has_provider, provider_names[provider_i], "").tolist()
        people = int(sizes.sum())
        person_registration = np.repeat(np.arange(n), sizes)
        starts = np.cumsum(sizes) - sizes
        position = np.arange(people) - np.repeat(starts, sizes) + 1
        # Per registration: the family's surnames; per person: a given name of their nationality.
        reg_nat = nat_codes[nationality]
        s1 = rng.random(n)
        s2 = rng.random(n)
        reg_family = np.empty(n, dtype=object)
        for code_i, code in enumerate(nat_codes):
            rows = np.nonzero(nationality == code_i)[0]
            if not len(rows):
                continue
            spec = pools[code]
            first = _draw(spec.surnames, spec.surname_weights, s1[rows])
            reg_family[rows] = (
                first + " " + _draw(spec.surnames, spec.surname_weights, s2[rows])
                if spec.two_surnames
                else first
            )
        person_nat = reg_nat[person_registration]
        pick = rng.random(people)
        female = rng.random(people) < 0.5
        given = np.empty(people, dtype=object)
        second_rng = np.random.default_rng([seed, 3, done])
        second_draw, second_pick = second_rng.random(people), second_rng.random(people)
        for code in nat_codes:
            spec = pools[code]
            for is_female in (True, False):
                rows = np.nonzero((person_nat == code) & (female == is_female))[0]
                if not len(rows):
                    continue
                pool = spec.female if is_female else spec.male
                weights = spec.female_weights if is_female else spec.male_weights
                given[rows] = _draw(pool, weights, pick[rows])
                if spec.second_given_share:
                    two = rows[second_draw[rows] < spec.second_given_share]
                    second = _draw(pool, weights, second_pick[two])
                    keep = second != given[two]  # never "María María"
                    given[two[keep]] = given[two[keep]] + " " + second[keep]
        lead = position == 1
        global_person = np.arange(people) + done * 3
        phone_digits = rng.integers(1_000_000_000, 9_999_999_999, size=people)
        has_doc = rng.random(people) < 0.5
        has_email = rng.random(people) < 0.3
        photo = rng.integers(0, 2**63 - 1, size=people, dtype=np.int64)
        phone = np.where(lead, "+52" + phone_digits.astype(str).astype(object), "")
        email = np.where(
            has_email, "p" + global_person.astype(str).astype(object) + "@example.org", ""
        )
        # Distinct numbers (7919 is invertible modulo 10^10): reuse is only ever planted.
        doc_numbers = (global_person * 7919 + 1_234_567) % 10**10
        doc = np.where(
            has_doc, person_nat.astype(object) + np.char.zfill(doc_numbers.astype(str), 10), ""
        )
        photo_hash = [f"{x:016x}" for x in photo.tolist()]
        relationship, dob, birth_place = _births(
            np.random.default_rng([seed, 2, done]), today, sizes, position, person_nat
        )
        yield Batch(
            first_index=done,
            registered_at=registered_at,
            us_address_line1=line1,
            us_address_line2=[""] * n,
            us_city=city,
            us_state=state,
            us_zip=zips,
            sponsor_name=s_name,
            sponsor_phone=s_phone.tolist(),
            partner_staff=staff,
            provider=prov,
            person_registration=person_registration,
            position=position,
            given_names=given.tolist(),
            family_names=reg_family[person_registration].tolist(),
            phone=phone.tolist(),
            email=email.tolist(),
            document_number=doc.tolist(),
            nationality=person_nat.tolist(),
            photo_hash=photo_hash,
            relationship=relationship,
            date_of_birth=dob,
            sex=["female" if f else "male" for f in female.tolist()],  # two shared strings
            birth_place=birth_place,
        )
        done += n


def _births(
    rng: np.random.Generator,
    today: dt.date,
    sizes: np.ndarray,
    position: np.ndarray,
    nationality: np.ndarray,
) -> tuple[list[str], list[str], list[str]]:
    """Per person: relationship (as the per-person generator draws it: the first is the
    applicant, the second of a group of three or more a spouse seven times in ten, the others
    children), date of birth (adults 18-60, children 0-17) and a birth city of the nationality."""
    people = len(position)
    size = np.repeat(sizes, sizes)
    spouse = (position == 2) & (size > 2) & (rng.random(people) < 0.7)
    adult = (position == 1) | spouse
    kinds = np.array(["child", "spouse", "self"], dtype=object)  # shared strings, not copies
    relationship = kinds[np.where(position == 1, 2, np.where(spouse, 1, 0))]
    low = np.where(adult, 18 * 365, 0)
    high = np.where(adult, 60 * 365, 17 * 365)
    age_days = low + (rng.random(people) * (high - low)).astype(np.int64)
    dob = (np.datetime64(today.isoformat(), "D") - age_days.astype("timedelta64[D]")).astype(str)
    pick = rng.random(people)
    place = np.empty(people, dtype=object)
    for code in np.unique(nationality).tolist():
        rows = np.nonzero(nationality == code)[0]
        pool = np.array(names.BIRTH_CITIES[code], dtype=object)
        place[rows] = pool[(pick[rows] * len(pool)).astype(int)]
    return relationship.tolist(), dob.tolist(), place.tolist()

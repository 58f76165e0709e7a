"""Labelled synthetic people for measuring linkage: the seeded population generator's
people, plus planted duplicates of some of them carrying the errors seen in real records
(typos, transliteration, given name and surname swapped, day/month swapped or year off by
one, a missing second surname). Pure and seeded: the same seed gives the same records and
the same truth on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from portline.synthetic.generator import iter_registrations

# Latin -> Cyrillic, to plant names written in another script (anyascii brings them back,
# not always letter for letter: "Aleksandr" -> "Александр" -> "Aleksandr", "y" -> "и" -> "i").
_TO_CYRILLIC = dict(zip("abvgdeziyklmnoprstufhcjwq", "абвгдезийклмнопрстуфхкжвк", strict=True))
_TO_CYRILLIC["x"] = "\u043a\u0441"
_SPELLING = [("y", "j"), ("v", "b"), ("z", "s"), ("i", "y"), ("ll", "y"), ("h", ""), ("k", "c")]
_ACCENTS = str.maketrans("áéíóúñüÁÉÍÓÚÑ", "aeiounuAEIOUN")
ERROR_KINDS = ("typo", "transliteration", "swapped", "date", "missing_surname")


@dataclass
class PlantedPerson:
    record_id: str
    entity_id: int
    given_names: str
    family_names: str
    date_of_birth: dt.date
    sex: str
    birth_place: str
    address_line: str
    zip: str
    phone: str
    document: str
    errors: tuple[str, ...] = ()


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(3))
    if kind == 0:  # substitution
        return word[:i] + "aeiourns"[int(rng.integers(8))] + word[i + 1 :]
    if kind == 1:  # deletion
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # transposition


def _transliterate(rng: np.random.Generator, word: str) -> str:
    choice = int(rng.integers(3))
    if choice == 0:
        return "".join(_TO_CYRILLIC.get(ch, ch) for ch in word.lower()).capitalize()
    if choice == 1 and word != word.translate(_ACCENTS):
        return word.translate(_ACCENTS)
    for a, b in _SPELLING:
        if a in word.lower():
            return word.lower().replace(a, b, 1).capitalize()
    return word.translate(_ACCENTS).upper()


def _date_error(rng: np.random.Generator, dob: dt.date) -> dt.date:
    kind = int(rng.integers(3))
    if kind == 0 and dob.day <= 12 and dob.day != dob.month:
        return dob.replace(month=dob.day, day=dob.month)
    if kind == 1:
        year = dob.year + (1 if rng.random() < 0.5 else -1)
        return dob.replace(year=year, day=min(dob.day, 28))
    shift = int(rng.integers(1, 3)) * (1 if dob.day < 20 else -1)
    return dob + dt.timedelta(days=shift)  # a mistyped day


def _corrupt(rng: np.random.Generator, person: PlantedPerson) -> PlantedPerson:
    copy = PlantedPerson(**{**person.__dict__})
    count = 1 if rng.random() < 0.7 else 2
    kinds = rng.choice(len(ERROR_KINDS), size=count, replace=False)
    applied = []
    for k in sorted(int(x) for x in kinds):
        kind = ERROR_KINDS[k]
        if kind == "typo":
            if rng.random() < 0.5:
                copy.given_names = _typo(rng, copy.given_names)
            else:
                copy.family_names = _typo(rng, copy.family_names)
        elif kind == "transliteration":
            parts = copy.family_names.split(" ")
            parts[0] = _transliterate(rng, parts[0])
            copy.family_names = " ".join(parts)
            copy.given_names = _transliterate(rng, copy.given_names)
        elif kind == "swapped":
            copy.given_names, copy.family_names = copy.family_names, copy.given_names
        elif kind == "date":
            copy.date_of_birth = _date_error(rng, copy.date_of_birth)
        elif kind == "missing_surname":
            if " " not in copy.family_names:
                continue
            copy.family_names = copy.family_names.split(" ")[0]
        applied.append(kind)
    copy.errors = tuple(applied)
    # A person registering again often keeps the destination and phone, not always.
    if rng.random() < 0.3:
        copy.address_line = f"{int(rng.integers(100, 9999))} {copy.address_line.split(' ', 1)[-1]}"
    if rng.random() < 0.4:
        copy.phone = ""
    if rng.random() < 0.5:
        copy.document = ""
    return copy


def planted_people(
    *, seed: int, registrations: int, duplicate_share: float = 0.1, today: dt.date
) -> Iterator[PlantedPerson]:
    """Every person of `registrations` generated units, and for a `duplicate_share` of them a
    second record of the same person (same `entity_id`) with one or two planted errors."""
    rng = np.random.default_rng(seed + 1)
    entity = 0
    for reg in iter_registrations(seed=seed, count=registrations, today=today):
        for person in reg.people:
            entity += 1
            original = PlantedPerson(
                record_id=f"r{entity}",
                entity_id=entity,
                given_names=person.given_names,
                family_names=person.family_names,
                date_of_birth=person.date_of_birth,
                sex=person.gender,
                birth_place=person.city_of_birth,
                address_line=reg.us_address_line1,
                zip=reg.us_zip,
                phone=person.phone,
                document=f"{person.nationality}{int(rng.integers(10**7, 10**8))}"
                if person.relationship != "child" and rng.random() < 0.4
                else "",
            )
            yield original
            if rng.random() < duplicate_share:
                duplicate = _corrupt(rng, original)
                duplicate.record_id = f"d{entity}"
                yield duplicate


def true_pairs(people: list[PlantedPerson]) -> set[tuple[str, str]]:
    by_entity: dict[int, list[str]] = {}
    for p in people:
        by_entity.setdefault(p.entity_id, []).append(p.record_id)
    pairs = set()
    for ids in by_entity.values():
        ids.sort()
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                pairs.add((ids[i], ids[j]))
    return pairs


# The person columns `plant_duplicates` reads and returns (besides record_id and entity_id).
PERSON_COLUMNS = (
    "given_names",
    "family_names",
    "date_of_birth",  # ISO date
    "sex",
    "birth_place",
    "address_line",
    "zip",
    "phone",
    "document",
)


def plant_duplicates(
    people: dict[str, list], *, seed: int, duplicate_share: float = 0.1
) -> dict[str, list]:
    """Columnar planting for benchmarks at millions: every person of `people` (columns of
    PERSON_COLUMNS, one entry per person, e.g. from `portline.synthetic.bulk`) as record
    `r<n>` of entity n, and for a seeded `duplicate_share` of them a record `d<n>` of the same
    entity with the errors `planted_people` plants. Only the duplicates are built one by one."""
    rng = np.random.default_rng(seed + 1)
    count = len(people["given_names"])
    chosen = np.nonzero(rng.random(count) < duplicate_share)[0].tolist()
    out = {name: list(people[name]) for name in PERSON_COLUMNS}
    out["record_id"] = [f"r{n}" for n in range(1, count + 1)]
    out["entity_id"] = list(range(1, count + 1))
    for i in chosen:
        original = PlantedPerson(
            record_id="",
            entity_id=i + 1,
            given_names=people["given_names"][i],
            family_names=people["family_names"][i],
            date_of_birth=dt.date.fromisoformat(people["date_of_birth"][i]),
            sex=people["sex"][i],
            birth_place=people["birth_place"][i],
            address_line=people["address_line"][i],
            zip=people["zip"][i],
            phone=people["phone"][i],
            document=people["document"][i],
        )
        duplicate = _corrupt(rng, original)
        for name in PERSON_COLUMNS:
            out[name].append(getattr(duplicate, name))
        out["date_of_birth"][-1] = duplicate.date_of_birth.isoformat()
        out["record_id"].append(f"d{i + 1}")
        out["entity_id"].append(i + 1)
    return out

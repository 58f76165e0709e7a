"""The outside evaluation set for watchlist screening (names and schemes Portline did not write).

Built only from data and tables that Portline did not write, all shipped in PyPI packages and
read offline (nothing is downloaded at run time):

- **people**: Faker's per-locale name lists (real given names and surnames, written in their
  own script: ru_RU, uk_UA, zh_CN, ko_KR, ar_AA, el_GR, and Latin-script locales);
- **transliteration schools**: iuliia's published Russian schemes (ICAO Doc 9303 as in
  passports, BGN/PCGN, the French MVD 310 school, scientific, ISO 9, GOST 7.79, Wikipedia,
  BS 2979, ALA-LC, Telegram, Yandex), pypinyin's Wade-Giles, ICU's Korean BGN/PCGN (close to
  McCune-Reischauer) against korean-romanizer's Revised Romanization, anyascii;
- **Arabic script**: name-variants' tables of Arabic- and Persian-script given names, each
  with the Latin spellings in use (ALA-LC, Hans Wehr, Egyptian, Gulf, Levantine and diaspora
  spellings: محمد ~ Muhammad, Mohammed, Mohamed...). A person is two such names (given name
  and father's name, as Arabic names are often listed); the listing is one Latin spelling,
  the query is the Arabic script (category `script`) or another Latin spelling (`school`);
- **given-name families**: rigour's NAME symbols (OpenSanctions, from Wikidata) group Faker's
  given names across locales and scripts. The matcher reads the same rigour data, so this
  category measures that the data is used, not an independent judgement.

Typos, order and particles apply a simple, labelled change to outside names (one letter,
surname first, the particle dropped or joined).

Every item is put in the tuning part or in the reporting part by a hash of the listed
person's name, so the split is fixed and the same everywhere (`part`).
"""

from __future__ import annotations

import hashlib
import itertools
import unicodedata
from dataclasses import dataclass

import iuliia
import numpy as np
from anyascii import anyascii
from faker.providers.person.ar_AA import Provider as ArabicNames
from faker.providers.person.de_DE import Provider as GermanNames
from faker.providers.person.el_GR import Provider as GreekNames
from faker.providers.person.en_PK import Provider as PakistaniNames
from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.es_ES import Provider as SpanishNames
from faker.providers.person.es_MX import Provider as MexicanNames
from faker.providers.person.fr_FR import Provider as FrenchNames
from faker.providers.person.it_IT import Provider as ItalianNames
from faker.providers.person.ko_KR import Provider as KoreanNames
from faker.providers.person.nl_NL import Provider as DutchNames
from faker.providers.person.pl_PL import Provider as PolishNames
from faker.providers.person.pt_BR import Provider as BrazilianNames
from faker.providers.person.ru_RU import Provider as RussianNames
from faker.providers.person.tr_TR import Provider as TurkishNames
from faker.providers.person.uk_UA import Provider as UkrainianNames
from faker.providers.person.zh_CN import Provider as ChineseNames
from icu import Transliterator
from korean_romanizer.romanizer import Romanizer
from name_variants.arabic_names import ARABIC_NAME_VARIANTS
from name_variants.persian_names import PERSIAN_NAME_VARIANTS
from pypinyin import Style, lazy_pinyin
from rigour.names import NameTypeTag, analyze_names

CATEGORIES = ("script", "school", "particles", "given_name_family", "typos", "order")

RUSSIAN_LISTING = ("ICAO_DOC_9303", "BGN_PCGN", "WIKIPEDIA")
RUSSIAN_QUERY = (
    "MVD_310_FR",
    "SCIENTIFIC",
    "ISO_9_1954",
    "GOST_779",
    "WIKIPEDIA",
    "BS_2979",
    "ALA_LC",
    "TELEGRAM",
    "YANDEX_MAPS",
    "MVD_782",
    "BGN_PCGN",
)


@dataclass(frozen=True)
class OutsidePerson:
    key: int
    name: str  # as listed
    date_of_birth: str
    nationality: str


@dataclass(frozen=True)
class OutsideQuery:
    name: str
    date_of_birth: str
    nationality: str
    category: str
    detail: str  # the school, script or change
    expected_key: int | None  # None: a clean person
    part: str  # "tuning" or "reporting"


def part(listed_name: str) -> str:
    digest = hashlib.sha256(listed_name.encode()).digest()
    return "tuning" if digest[0] % 2 == 0 else "reporting"


def _values(seq) -> list[str]:
    return list(seq.keys()) if isinstance(seq, dict) else list(seq)


def _pick(rng: np.random.Generator, seq) -> str:
    values = _values(seq)
    return values[int(rng.integers(len(values)))]


def _ascii(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


_KOREAN_BGN = Transliterator.createInstance("NFD; Korean-Latin/BGN; NFC; Latin-ASCII")


def _korean_bgn(word: str) -> str:
    return "-".join(str(_KOREAN_BGN.transliterate(ch)) for ch in word).title()


def _korean_rr(word: str) -> str:
    return "-".join(Romanizer(ch).romanize() for ch in word).title()


def _pinyin(word: str) -> str:
    return "".join(anyascii(ch) for ch in word).title()


def _wade_giles(word: str) -> str:
    return "-".join(lazy_pinyin(word, style=Style.WADEGILES)).title()


def _russian(name: str, schema: str) -> str:
    return getattr(iuliia, schema).translate(name)


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(3))
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop one
        return word[:i] + word[i + 1 :]
    return word[:i] + "aeiou"[int(rng.integers(5))] + word[i + 1 :]  # another vowel


def _symbols(form: str) -> set[str]:
    found = set()
    for name in analyze_names(NameTypeTag.PER, [form]):
        if len(name.parts) == 1:
            found |= {str(s.symbol) for s in name.spans if str(s.symbol).startswith("[NAME:")}
    return found


_LATIN_LOCALES = (
    (EnglishNames, "US"),
    (GermanNames, "DE"),
    (FrenchNames, "FR"),
    (SpanishNames, "ES"),
    (MexicanNames, "MX"),
    (ItalianNames, "IT"),
    (PolishNames, "PL"),
    (TurkishNames, "TR"),
    (BrazilianNames, "BR"),
    (PakistaniNames, "PK"),
    (DutchNames, "NL"),
)
_PARTICLE_LOCALES = (
    (DutchNames, "NL", ("van", "de", "der", "den", "ter")),
    (GermanNames, "DE", ("von", "van", "zu")),
    (SpanishNames, "ES", ("de", "del", "la")),
    (FrenchNames, "FR", ("de", "du", "le", "la")),
    (ItalianNames, "IT", ("di", "de", "del", "la", "lo")),
    (BrazilianNames, "BR", ("da", "de", "do", "dos", "das")),
)


def _given(provider) -> list[str]:
    names = []
    for attr in ("first_names_male", "first_names_female", "first_names"):
        names += _values(getattr(provider, attr, ()))
    return sorted({n for n in names if " " not in n})


def _surnames(provider) -> list[str]:
    names = []
    for attr in ("last_names", "last_names_male"):
        names += _values(getattr(provider, attr, ()))
    return sorted(set(names))


def _family_pairs() -> list[tuple[str, str]]:
    """Pairs of different given names that rigour puts in one NAME family (Mohammed ~
    Muhammad, Jan ~ Johann...), from Faker's given names across locales and scripts."""
    forms = set()
    for provider, _c in (*_LATIN_LOCALES, (RussianNames, "RU"), (GreekNames, "GR")):
        forms |= set(_given(provider))
    by_symbol: dict[str, set[str]] = {}
    for form in sorted(forms):
        for symbol in _symbols(form):
            by_symbol.setdefault(symbol, set()).add(form)
    pairs = set()
    for members in by_symbol.values():
        for a, b in itertools.permutations(sorted(members), 2):
            if anyascii(a).lower() != anyascii(b).lower():
                pairs.add((a, b))
    return sorted(pairs)


def outside_set(
    *, seed: int = 15, per_category: int = 300, clean: int = 1000, first_key: int = 10_000_000
) -> tuple[list[OutsidePerson], list[OutsideQuery]]:
    """(listed people, labelled queries and clean people): deterministic for a seed."""
    rng = np.random.default_rng(seed)
    listed: list[OutsidePerson] = []
    queries: list[OutsideQuery] = []
    used: set[str] = set()

    def dob() -> str:
        return f"{int(rng.integers(1945, 2005))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"

    def add(category: str, detail: str, listed_name: str, query: str, nationality: str) -> bool:
        if listed_name in used or not query.strip() or query == listed_name:
            return False
        used.add(listed_name)
        person = OutsidePerson(first_key + len(listed), listed_name, dob(), nationality)
        listed.append(person)
        queries.append(
            OutsideQuery(
                query,
                person.date_of_birth,
                nationality,
                category,
                detail,
                person.key,
                part(listed_name),
            )
        )
        return True

    def cyrillic_person(provider) -> str:
        male = rng.random() < 0.5
        first = _pick(rng, provider.first_names_male if male else provider.first_names_female)
        last = _pick(rng, provider.last_names_male if male else provider.last_names_female)
        return f"{first} {last}"

    # script: the listing in Latin letters (a document's scheme), the query as written
    for n in range(per_category * 4):
        if sum(q.category == "script" for q in queries) >= per_category:
            break
        which = n % 4
        if which == 0:
            native = cyrillic_person(RussianNames)
            add("script", "cyrillic", _russian(native, "ICAO_DOC_9303"), native, "RU")
        elif which == 1:
            surname, given = (
                _pick(rng, ChineseNames.last_names),
                _pick(rng, ChineseNames.first_names),
            )
            add("script", "han", f"{_pinyin(given)} {_pinyin(surname)}", surname + given, "CN")
        elif which == 2:
            surname, given = (
                _pick(rng, KoreanNames.last_names),
                _pick(rng, KoreanNames.first_names),
            )
            add(
                "script",
                "hangul",
                f"{_korean_bgn(surname)} {_korean_bgn(given)}",
                surname + given,
                "KR",
            )
        else:
            male = rng.random() < 0.5
            first = _pick(
                rng, GreekNames.first_names_male if male else GreekNames.first_names_female
            )
            last = _pick(rng, GreekNames.last_names_male if male else GreekNames.last_names_female)
            add("script", "greek", anyascii(f"{first} {last}"), f"{first} {last}", "GR")

    # transliteration school: the same name by two published schemes
    for n in range(per_category * 4):
        if sum(q.category == "school" for q in queries) >= per_category:
            break
        which = n % 4
        if which <= 1:
            native = cyrillic_person(RussianNames if which == 0 else UkrainianNames)
            listing = RUSSIAN_LISTING[int(rng.integers(len(RUSSIAN_LISTING)))]
            query_schema = RUSSIAN_QUERY[int(rng.integers(len(RUSSIAN_QUERY)))]
            listed_name, query = _russian(native, listing), _russian(native, query_schema)
            if _ascii(listed_name).lower() != _ascii(query).lower():
                add("school", f"russian {listing} -> {query_schema}", listed_name, query, "RU")
        elif which == 2:
            surname, given = (
                _pick(rng, ChineseNames.last_names),
                _pick(rng, ChineseNames.first_names),
            )
            listed_name = f"{_pinyin(surname)} {_pinyin(given)}"
            query = f"{_wade_giles(surname)} {_wade_giles(given)}"
            if listed_name.lower() != query.replace("-", "").lower():
                add("school", "pinyin -> wade-giles", listed_name, query, "CN")
        else:
            surname, given = (
                _pick(rng, KoreanNames.last_names),
                _pick(rng, KoreanNames.first_names),
            )
            listed_name = f"{_korean_rr(surname)} {_korean_rr(given)}"
            query = f"{_korean_bgn(surname)} {_korean_bgn(given)}"
            if listed_name.lower() != query.lower():
                add("school", "revised -> mccune-reischauer (ICU BGN)", listed_name, query, "KR")

    # particles: surnames with a particle, written without it or joined to the name
    for _n in range(per_category * 20):
        if sum(q.category == "particles" for q in queries) >= per_category:
            break
        provider, country, particles = _PARTICLE_LOCALES[int(rng.integers(len(_PARTICLE_LOCALES)))]
        surname = _pick(rng, _surnames(provider))
        words = surname.split()
        if len(words) < 2 or words[0].lower() not in particles:
            surname = f"{particles[int(rng.integers(len(particles)))]} {surname}"
            words = surname.split()
        first = _pick(rng, _given(provider))
        if rng.random() < 0.5:
            add(
                "particles",
                f"{country} particle dropped",
                f"{first} {surname}",
                f"{first} {words[-1]}",
                country,
            )
        else:
            add(
                "particles",
                f"{country} particle joined",
                f"{first} {surname}",
                f"{first} {''.join(w.capitalize() for w in words)}",
                country,
            )

    # given-name family: another language's form of the same given name (rigour's families)
    pairs = _family_pairs()
    order = rng.permutation(len(pairs))
    for i in order[: per_category * 3]:
        if sum(q.category == "given_name_family" for q in queries) >= per_category:
            break
        a, b = pairs[int(i)]
        provider, country = _LATIN_LOCALES[int(rng.integers(len(_LATIN_LOCALES)))]
        surname = _pick(rng, _surnames(provider))
        add("given_name_family", "rigour NAME symbol", f"{a} {surname}", f"{b} {surname}", country)

    # typos and order on outside names
    for category in ("typos", "order"):
        for _n in range(per_category * 3):
            if sum(q.category == category for q in queries) >= per_category:
                break
            provider, country = _LATIN_LOCALES[int(rng.integers(len(_LATIN_LOCALES)))]
            first, last = _pick(rng, _given(provider)), _pick(rng, _surnames(provider))
            if category == "typos":
                words = [first, last]
                j = int(rng.integers(2))
                words[j] = _typo(rng, words[j])
                add("typos", country, f"{first} {last}", " ".join(words), country)
            else:
                add("order", country, f"{first} {last}", f"{last} {first}", country)

    # clean people: outside names of the same locales and scripts, not on the list
    makers = (
        lambda: (cyrillic_person(RussianNames), "RU"),
        lambda: (_pick(rng, ChineseNames.last_names) + _pick(rng, ChineseNames.first_names), "CN"),
        lambda: (_pick(rng, KoreanNames.last_names) + _pick(rng, KoreanNames.first_names), "KR"),
        lambda: (
            f"{_pick(rng, ArabicNames.first_names_male)} {_pick(rng, ArabicNames.last_names)}",
            "SA",
        ),
    )
    for n in range(clean * 3):
        if sum(q.expected_key is None for q in queries) >= clean:
            break
        if n % 2 == 0:
            name, country = makers[(n // 2) % len(makers)]()
        else:
            provider, country = _LATIN_LOCALES[int(rng.integers(len(_LATIN_LOCALES)))]
            name = f"{_pick(rng, _given(provider))} {_pick(rng, _surnames(provider))}"
        if name in used:
            continue
        used.add(name)
        queries.append(OutsideQuery(name, dob(), country, "clean", country, None, part(name)))
    _arabic_items(np.random.default_rng(seed + 1), per_category // 4, add)
    return listed, queries


def _arabic_items(rng: np.random.Generator, count: int, add) -> None:
    """Arabic-script people from name-variants (added last, with their own random stream,
    so that the other items stay as they were): `count` in the Arabic script against a
    Latin listing, `count` in one Latin spelling against another."""
    tables = (
        ("arabic", ARABIC_NAME_VARIANTS, ("SA", "EG", "JO", "IQ", "SY", "MA")),
        ("persian", PERSIAN_NAME_VARIANTS, ("IR",)),
    )
    made = {"script": 0, "school": 0}
    for _n in range(count * 20):
        if min(made.values()) >= count:
            break
        language, table, countries = tables[int(rng.integers(len(tables)))]
        written = sorted(table)
        given, father = (written[int(i)] for i in rng.choice(len(written), 2, replace=False))
        forms = [table[given]["forms"], table[father]["forms"]]
        country = countries[int(rng.integers(len(countries)))]
        listed_forms = [f[int(rng.integers(len(f)))] for f in forms]
        listed_name = " ".join(w.capitalize() for w in listed_forms)
        category = "script" if made["script"] <= made["school"] else "school"
        if category == "script":
            query = f"{given} {father}"
            detail = f"{language} script"
        else:
            others = [
                [x for x in f if x != lf] or [lf] for f, lf in zip(forms, listed_forms, strict=True)
            ]
            query = " ".join(o[int(rng.integers(len(o)))].capitalize() for o in others)
            detail = f"{language} latin spellings"
            if query.lower() == listed_name.lower():
                continue
        made[category] += add(category, detail, listed_name, query, country)

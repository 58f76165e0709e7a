# ruff: noqa: RUF001, RUF002  (Cyrillic letters are the point of the transliteration variant)
"""Synthetic watchlists, labelled name variants and clean people, for tests and benchmarks.

Pure and seeded (numpy `default_rng(seed)`): the same seed gives the same data everywhere.

The name universe: the pools of `portline.synthetic.names` are the frequent head; a seeded
long tail of invented, culture-shaped tokens (syllables + endings) is added, because 24 given
names x 40 surnames give only 38,400 distinct Hispanic names, fewer than the entries of a large
list: every clean person would then be a true namesake of dozens of listed people, which says
nothing about the matcher. Listed and clean people are drawn from the same universe.

Variant kinds (docs/screening.md): see `VARIANT_KINDS`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from portline.screening.match import NICKNAME_GROUPS, PartialDate
from portline.synthetic import names as pools

VARIANT_KINDS = (
    "accents",  # accents removed: José García -> Jose Garcia
    "order",  # surnames first: García López José
    "drop_middle",  # second given name dropped: José Luis García -> José García
    "drop_second_surname",  # second surname dropped: José García López -> José García
    "typo",  # one or two letters substituted, dropped, doubled or swapped
    "transliteration",  # written in Cyrillic (as a Russian-language document would)
    "nickname",  # a given name replaced by a nickname from match.NICKNAME_GROUPS (or back)
    "compound",  # hyphens joined or spaced (Saint-Fleur -> Saintfleur / Saint Fleur), or two surnames hyphenated
)

_CULTURES = {
    "hispanic": {
        "head": pools.POOLS["MX"][:3],
        "onsets": [
            "b",
            "c",
            "d",
            "f",
            "g",
            "l",
            "m",
            "n",
            "p",
            "r",
            "s",
            "t",
            "v",
            "br",
            "gr",
            "tr",
            "ch",
            "ll",
            "qu",
            "al",
            "ar",
            "es",
            "or",
        ],
        "vowels": ["a", "e", "i", "o", "u", "ia", "ue"],
        "given_f": ["a", "ina", "ela", "ita", "ana", "ia", "elia"],
        "given_m": ["o", "ando", "el", "io", "ero", "ino", "án"],
        "surname": [
            "ez",
            "es",
            "ales",
            "era",
            "ero",
            "ado",
            "illa",
            "ón",
            "eda",
            "aga",
            "ana",
            "oza",
            "uez",
            "aro",
        ],
        "two_surnames": 0.85,
    },
    "haitian": {
        "head": pools.POOLS["HT"][:3],
        "onsets": [
            "b",
            "d",
            "f",
            "j",
            "l",
            "m",
            "n",
            "p",
            "r",
            "s",
            "t",
            "v",
            "w",
            "ch",
            "gu",
            "cl",
            "fr",
            "st",
        ],
        "vowels": ["a", "e", "i", "o", "ou", "é", "au"],
        "given_f": ["ette", "ine", "elle", "ande", "ène", "ia"],
        "given_m": ["ens", "son", "ly", "in", "el", "ord", "ert"],
        "surname": ["ier", "ard", "eau", "ois", "in", "ville", "ant", "ot", "é", "ais"],
        "two_surnames": 0.0,
    },
    "russian": {
        "head": pools.POOLS["RU"][:3],
        "onsets": [
            "b",
            "d",
            "g",
            "k",
            "l",
            "m",
            "n",
            "p",
            "r",
            "s",
            "t",
            "v",
            "z",
            "kh",
            "sh",
            "zh",
            "gr",
            "pr",
            "st",
        ],
        "vowels": ["a", "e", "i", "o", "u", "ya", "yu"],
        "given_f": ["ina", "ana", "ya", "ia", "ova"],
        "given_m": ["ei", "an", "ir", "il", "ov", "yon"],
        "surname": ["ov", "ev", "in", "sky", "enko", "kov", "yov", "ukh"],
        "two_surnames": 0.0,
    },
    "brazilian": {
        "head": pools.POOLS["BR"][:3],
        "onsets": [
            "b",
            "c",
            "d",
            "f",
            "g",
            "l",
            "m",
            "n",
            "p",
            "r",
            "s",
            "t",
            "v",
            "br",
            "gr",
            "tr",
            "lh",
            "nh",
        ],
        "vowels": ["a", "e", "i", "o", "u", "ão", "ei"],
        "given_f": ["a", "ana", "ina", "ela", "ane"],
        "given_m": ["o", "ão", "el", "io", "ano"],
        "surname": ["eira", "inho", "ares", "ano", "ão", "osa", "edo", "ais"],
        "two_surnames": 0.3,
    },
}
_CULTURE_OF = {
    code: "hispanic" for code in ("MX", "HN", "GT", "SV", "VE", "CU", "CO", "EC", "NI", "PE")
} | {
    "HT": "haitian",
    "RU": "russian",
    "BR": "brazilian",
}
_NATIONALITIES = list(pools.NATIONALITY_WEIGHTS)
_NAT_P = np.array([pools.NATIONALITY_WEIGHTS[c] for c in _NATIONALITIES])
_NAT_CUM = np.cumsum(_NAT_P / _NAT_P.sum()).tolist()
HEAD_SHARE = 0.3  # share of Hispanic name slots filled from the pools (the frequent head); half for the smaller pools
TAIL_SIZES = {"given": 4000, "surname": 30000}


class BufferedRandom:
    """Scalar draws from a seeded numpy Generator, taken in blocks (numpy's per-call cost
    dominates otherwise). Offers the `random()` and `integers(low, high)` used here."""

    def __init__(self, seed: int, block: int = 65536):
        self._rng = np.random.default_rng(seed)
        self._block = block
        self._values: list[float] = []
        self._next = 0

    def random(self) -> float:
        if self._next >= len(self._values):
            self._values = self._rng.random(self._block).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value

    def integers(self, low: int, high: int | None = None) -> int:
        if high is None:
            low, high = 0, low
        return low + int(self.random() * (high - low))


Random = BufferedRandom | np.random.Generator


@dataclass(frozen=True)
class SyntheticEntry:
    key: int
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    aliases: tuple[str, ...]
    dates_of_birth: tuple[PartialDate, ...]
    nationalities: tuple[str, ...]
    gender: str

    @property
    def name(self) -> str:
        return " ".join(self.given + self.surnames)


@dataclass(frozen=True)
class LabelledQuery:
    name: str
    date_of_birth: dt.date
    nationality: str
    kind: str  # a VARIANT_KINDS value, or "clean"
    expected_key: int | None  # the entry this variant was made from; None for clean people


class NameUniverse:
    """Given names and surnames by culture: pool head plus a seeded invented tail."""

    def __init__(self, seed: int = 20240501):
        rng = BufferedRandom(seed)
        self.tokens: dict[tuple[str, str], list[str]] = {}
        self.cumulative: dict[tuple[str, str], list[float]] = {}
        self.totals: dict[tuple[str, str], float] = {}
        for culture, spec in _CULTURES.items():
            head_f, head_m, head_s = spec["head"]
            scale = 1.0 if culture == "hispanic" else 0.5
            head_share = HEAD_SHARE if culture == "hispanic" else HEAD_SHARE / 2  # smaller pools
            for slot, head, endings, size in (
                ("female", head_f, spec["given_f"], TAIL_SIZES["given"]),
                ("male", head_m, spec["given_m"], TAIL_SIZES["given"]),
                ("surname", head_s, spec["surname"], TAIL_SIZES["surname"]),
            ):
                tail = self._tail(rng, spec, endings, int(size * scale), exclude=set(head))
                tokens = list(head) + tail
                ranks = np.arange(len(tail))
                tail_p = 1.0 / (ranks + 50.0)
                tail_p = tail_p / tail_p.sum() * (1 - head_share)
                head_p = np.full(len(head), head_share / len(head))
                self.tokens[(culture, slot)] = tokens
                cumulative = np.cumsum(np.concatenate([head_p, tail_p]))
                self.cumulative[(culture, slot)] = cumulative.tolist()
                self.totals[(culture, slot)] = float(cumulative[-1])

    @staticmethod
    def _tail(
        rng: Random, spec: dict, endings: list[str], size: int, exclude: set[str]
    ) -> list[str]:
        found: dict[str, None] = {}
        onsets, vowels = spec["onsets"], spec["vowels"]
        attempts = 0
        while len(found) < size and attempts < size * 20:
            attempts += 1
            syllables = int(rng.integers(1, 3))
            word = "".join(
                onsets[int(rng.integers(len(onsets)))] + vowels[int(rng.integers(len(vowels)))]
                for _ in range(syllables)
            )
            word = word + endings[int(rng.integers(len(endings)))]
            word = word[0].upper() + word[1:]
            if len(word) >= 4 and word not in exclude:
                found[word] = None
        return list(found)

    def pick(self, rng: Random, culture: str, slot: str) -> str:
        tokens = self.tokens[(culture, slot)]
        position = bisect.bisect_right(
            self.cumulative[(culture, slot)], rng.random() * self.totals[(culture, slot)]
        )
        return tokens[min(position, len(tokens) - 1)]

    def person(self, rng: Random) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
        """(nationality, gender, given names, surnames)."""
        nationality = _NATIONALITIES[
            min(bisect.bisect_right(_NAT_CUM, rng.random()), len(_NATIONALITIES) - 1)
        ]
        culture = _CULTURE_OF[nationality]
        gender = "female" if rng.random() < 0.5 else "male"
        given = [self.pick(rng, culture, gender)]
        if rng.random() < 0.5:
            second = self.pick(rng, culture, gender)
            if second != given[0]:
                given.append(second)
        surnames = [self.pick(rng, culture, "surname")]
        if rng.random() < _CULTURES[culture]["two_surnames"]:
            surnames.append(self.pick(rng, culture, "surname"))
        return nationality, gender, tuple(given), tuple(surnames)


def _birth(rng: Random, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=int(rng.integers(16 * 365, 75 * 365)))


def synthetic_entries(
    *,
    seed: int,
    count: int,
    universe: NameUniverse | None = None,
    today: dt.date = dt.date(2025, 1, 1),
) -> Iterator[SyntheticEntry]:
    """A synthetic watchlist. Dates of birth: 80% full, 15% year only, 5% none.
    25% of entries carry an alias (a variant of their name or another name), 5% two."""
    universe = universe or NameUniverse()
    rng = BufferedRandom(seed)
    for key in range(1, count + 1):
        nationality, gender, given, surnames = universe.person(rng)
        roll = rng.random()
        born = _birth(rng, today)
        dobs = (
            (PartialDate(born.year, born.month, born.day),)
            if roll < 0.8
            else (PartialDate(born.year),)
            if roll < 0.95
            else ()
        )
        roll = rng.random()
        nationalities = (
            (nationality,)
            if roll < 0.9
            else (nationality, "MX")
            if roll < 0.95 and nationality != "MX"
            else ()
        )
        aliases: list[str] = []
        for _ in range(2):
            if rng.random() >= (0.25 if not aliases else 0.2):
                break
            if rng.random() < 0.5:
                kind = _VARIANT_ORDER[int(rng.integers(len(_VARIANT_ORDER)))]
                alias = make_variant(given, surnames, kind, rng)
            else:
                _nat, _g, other_given, other_surnames = universe.person(rng)
                alias = " ".join(other_given + other_surnames)
            if alias and alias not in aliases:
                aliases.append(alias)
        yield SyntheticEntry(key, given, surnames, tuple(aliases), dobs, nationalities, gender)


def clean_people(
    *,
    seed: int,
    count: int,
    universe: NameUniverse | None = None,
    today: dt.date = dt.date(2025, 1, 1),
) -> Iterator[LabelledQuery]:
    """People drawn from the same universe as the list, with their own dates of birth."""
    universe = universe or NameUniverse()
    rng = BufferedRandom(seed)
    for _ in range(count):
        nationality, _gender, given, surnames = universe.person(rng)
        yield LabelledQuery(
            " ".join(given + surnames), _birth(rng, today), nationality, "clean", None
        )


def labelled_variants(
    entries: list[SyntheticEntry], *, seed: int, count: int, kinds: tuple[str, ...] = VARIANT_KINDS
) -> list[LabelledQuery]:
    """`count` queries, each a variant of a random entry's primary name, with the person's
    date of birth (a full date inside a year-only entry's year; any date if the list has
    none) and nationality. Kinds cycle so each is equally represented where applicable."""
    rng = BufferedRandom(seed)
    queries: list[LabelledQuery] = []
    attempts = 0
    while len(queries) < count and attempts < count * 50:
        kind = kinds[len(queries) % len(kinds)]
        attempts += 1
        entry = entries[int(rng.integers(len(entries)))]
        name = make_variant(entry.given, entry.surnames, kind, rng)
        if name is None:
            continue
        if entry.dates_of_birth and entry.dates_of_birth[0].day:
            d = entry.dates_of_birth[0]
            born = dt.date(d.year, d.month, d.day)
        elif entry.dates_of_birth:
            born = dt.date(entry.dates_of_birth[0].year, 1, 1) + dt.timedelta(
                days=int(rng.integers(365))
            )
        else:
            born = _birth(rng, dt.date(2025, 1, 1))
        nationality = entry.nationalities[0] if entry.nationalities else "MX"
        queries.append(LabelledQuery(name, born, nationality, kind, entry.key))
    return queries


# ---------------------------------------------------------------------------
# Variant makers
# ---------------------------------------------------------------------------

_NICKS: dict[str, list[str]] = {}
for _group in NICKNAME_GROUPS:
    for _name in _group:
        _NICKS.setdefault(_name, []).extend(n for n in _group if n != _name)


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )


_LATIN_TO_CYRILLIC = [
    ("shch", "щ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ts", "ц"),
    ("ya", "я"),
    ("yu", "ю"),
    ("yo", "ё"),
    ("qu", "к"),
    ("ll", "й"),
    ("ñ", "нь"),
    ("ph", "ф"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("y", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", ""),
    ("j", "х"),
    ("w", "в"),
    ("x", "кс"),
]


def to_cyrillic(text: str) -> str:
    """A rough Latin-to-Cyrillic rendering (test data only): soft c is с, hard c is к."""
    out = []
    for word in text.split():
        w = _strip_accents(word).lower()
        w = "".join(
            ch if ch != "c" or nxt == "h" else "с" if nxt in "ei" else "к"
            for ch, nxt in zip(w, w[1:] + " ", strict=True)
        )
        i, res = 0, []
        while i < len(w):
            for latin, cyr in _LATIN_TO_CYRILLIC:
                if w.startswith(latin, i):
                    res.append(cyr)
                    i += len(latin)
                    break
            else:
                res.append(w[i])
                i += 1
        rendered = "".join(res)
        out.append(rendered[:1].upper() + rendered[1:])
    return " ".join(out)


_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def _typo(word: str, rng: Random) -> str:
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word)))  # keep the first letter (case and capital)
    op = int(rng.integers(4))
    if op == 0:
        return word[:i] + _KEYBOARD[int(rng.integers(len(_KEYBOARD)))] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    if i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i:] + "a"


def make_variant(
    given: tuple[str, ...], surnames: tuple[str, ...], kind: str, rng: Random
) -> str | None:
    """The name written another way, or None where the kind does not apply to this name."""
    given, surnames = list(given), list(surnames)
    full = given + surnames
    if kind == "accents":
        stripped = [_strip_accents(w) for w in full]
        return " ".join(stripped) if stripped != full else None
    if kind == "order":
        return " ".join(surnames + given)
    if kind == "drop_middle":
        return " ".join(given[:1] + surnames) if len(given) > 1 else None
    if kind == "drop_second_surname":
        return " ".join(given + surnames[:1]) if len(surnames) > 1 else None
    if kind == "typo":
        words = list(full)
        for _ in range(int(rng.integers(1, 3))):
            j = int(rng.integers(len(words)))
            words[j] = _typo(words[j], rng)
        return " ".join(words) if words != full else None
    if kind == "transliteration":
        return to_cyrillic(" ".join(full))
    if kind == "nickname":
        for j, word in enumerate(given):
            options = _NICKS.get(_strip_accents(word).lower())
            if options:
                nick = options[int(rng.integers(len(options)))]
                given[j] = nick.capitalize()
                return " ".join(given + surnames)
        return None
    if kind == "compound":
        hyphenated = [j for j, w in enumerate(full) if "-" in w]
        if hyphenated:
            j = hyphenated[int(rng.integers(len(hyphenated)))]
            if rng.random() < 0.5:
                full[j] = full[j].replace("-", " ")
            else:
                joined = full[j].replace("-", "")
                full[j] = joined[0] + joined[1:].lower()
            return " ".join(full)
        if len(surnames) > 1:
            return " ".join([*given, "-".join(surnames)])
        return None
    raise ValueError(f"unknown variant kind {kind!r}")


_VARIANT_ORDER = (
    "accents",
    "typo",
    "transliteration",
    "nickname",
    "compound",
    "drop_second_surname",
)

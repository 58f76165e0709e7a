"""The watchlist matching engine. Pure: plain data in, plain data out (no ORM, no clock).

Pipeline (docs/screening.md explains each step and its figures):

1. **Normalise** every name: drop accents (Unicode decomposition), transliterate any other
   script to Latin letters (`anyascii`), lower-case, split on spaces and hyphens, drop
   particles (de, la, y, van...), remember compounds so that "Saint-Fleur", "Saint Fleur"
   and "Saintfleur" meet.
2. **Index** (`WatchlistIndex.build`): every name of every entry (primary name and aliases)
   becomes a set of tokens; each unordered *pair* of tokens is a blocking key, stored in two
   sorted numpy arrays (pair key, entry). Order, missing and extra names do not change the
   pairs that remain.
3. **Expand** each query token into the vocabulary tokens it may stand for: itself, its
   nickname group (Pepe -> José), tokens with the same spelling key (Vázquez/Vasquez,
   Jiménez/Giménez, Sergey/Sergei) and tokens one or two edits away (typos), found through a
   deletion index over the vocabulary.
4. **Candidates**: entries sharing at least one expanded pair, ranked by pairs shared and then
   by agreement of the date of birth; entries whose date of birth certainly conflicts are
   dropped before scoring when the policy says that a conflict can never reach the threshold.
5. **Score** the best candidates token by token (rapidfuzz edit distances), then add or take
   points for date of birth and nationality. Every hit carries the score and an explanation
   (codes and values, rendered in the reader's language by `screening.display`).

The screen raises flags for an officer; it never refuses anyone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from portline.common.names import name_normalise
from portline.screening.names import (
    LATIN,
    SCHEMES,
    consonant_skeleton,
    korean_readings,
    name_symbols,
    particle_symbol_ids,
    persian_reading,
    school_key,
    script_of,
    split_han_hangul,
    squeeze,
    transliterate,
    unvocalised_spelling,
    wade_giles_readings,
    written_key,
    written_keys,
)

ENGINE_VERSION = "5"

PARTICLES = frozenset(
    "de del della la las le lo los y da das do dos du des van von der den di e al ter ten zu zur zum".split()
)
# The Arabic article as Latin writers join it to a name (al-Baghdadi, el-Baghdadi, az-Zawahiri).
ARABIC_ARTICLES = frozenset("al el ad ed az ez as es ash esh ar er at et an en ul".split())

# Nickname and spelling-variant groups: a token is equal to every other token of its groups.
# Small and documented on purpose (docs/screening.md): common Spanish hypocoristics, Russian
# diminutives and the usual Latin spellings of Russian names.
NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("jose", "pepe", "chepe"),
    ("francisco", "paco", "pancho", "curro", "chico"),
    ("alejandro", "alex", "alejo"),
    ("alejandra", "alex"),
    ("guadalupe", "lupe", "lupita"),
    ("jesus", "chuy", "chucho"),
    ("enrique", "kike"),
    ("ignacio", "nacho"),
    ("manuel", "manolo"),
    ("roberto", "beto"),
    ("alberto", "beto"),
    ("eduardo", "lalo"),
    ("luis", "lucho"),
    ("fernando", "nando"),
    ("santiago", "santi", "chago"),
    ("javier", "javi"),
    ("isabel", "chabela", "isa"),
    ("rosario", "chayo"),
    ("concepcion", "concha", "conchita"),
    ("dolores", "lola"),
    ("mercedes", "meche"),
    ("antonio", "tono", "tonho"),
    ("aleksandr", "alexander", "alexandr", "aleksander", "sasha", "sacha", "shura", "alex"),
    ("aleksandra", "alexandra", "sasha"),
    ("dmitry", "dima"),
    ("alexey", "aleksei", "alexei", "alyosha", "lyosha"),
    ("ivan", "vanya"),
    ("mikhail", "misha", "mijail"),
    ("nikolai", "kolya"),
    ("vladimir", "volodya", "vova"),
    ("pavel", "pasha"),
    ("anna", "anya"),
    ("olga", "olya"),
    ("elena", "lena", "yelena"),
    ("natalia", "natasha"),
    ("irina", "ira"),
    ("svetlana", "sveta"),
    ("tatiana", "tanya"),
    ("maria", "masha"),
    ("ekaterina", "yekaterina", "katya", "katia"),
    ("yulia", "julia", "yuliya"),
    ("fedorov", "fyodorov"),
    ("fedor", "fyodor"),
)


def _nickname_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for group in NICKNAME_GROUPS:
        for name in group:
            index.setdefault(name, set()).update(group)
    return {name: frozenset(members - {name}) for name, members in index.items()}


NICKNAMES: dict[str, frozenset[str]] = _nickname_index()

_APOSTROPHES = re.compile(r"['’`´ʼ]")  # noqa: RUF001 (the apostrophes people type)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SOFT_SIGNS = re.compile(r"['\"ʹʺ’]")  # noqa: RUF001 (BGN/PCGN writes soft and hard signs so)
_WORDS = re.compile(r"[^\s,;/]+")
_PATRONYMIC = re.compile(r"..(ovich|evich|ovna|evna|ichna)$")


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


class Token(NamedTuple):
    text: str  # folded: ASCII, lower case
    raw: str  # as written
    how: str  # "exact", "accents" or "transliteration": what folding did
    scheme: str = ""  # the transliteration scheme used, for a token written in another script
    alt: str = ""  # a second reading of a token in another script (anyascii), when it differs


class NormName(NamedTuple):
    raw: str
    tokens: tuple[Token, ...]
    # (first, last, joined): tokens first..last written as one compound ("Saint-Fleur",
    # "de la Cruz"); the joined form is also an index unit.
    compounds: tuple[tuple[int, int, str], ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.tokens)


@lru_cache(maxsize=65536)
def _fold_part(part: str) -> tuple[tuple[str, str, str, str], ...]:
    """((folded, how, scheme, alt), ...) for one hyphen-free part of a word.

    Latin letters lose their accents through Unicode decomposition (é -> e + accent) and
    anyascii folds what decomposition leaves (ß -> ss, ø -> o). Any other script is
    transliterated with the scheme of its script (`names.transliterate`: ICU BGN/PCGN for
    Cyrillic, ICU Arabic-Latin, ...); the Arabic article written together with the name
    (القذافي -> al + qdhafy) becomes a particle. A second reading by anyascii is kept as
    `alt` where it differs (Йелена: BGN "yyelena", anyascii "ielena")."""
    text = _APOSTROPHES.sub("", part)
    script = script_of(text)
    if script == LATIN:
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
        folded = anyascii(text).lower()
        how = "exact" if part.lower() == folded else "accents"
        return tuple((p, how, "", "") for p in _NON_ALNUM.split(folded) if p)
    folded = _SOFT_SIGNS.sub("", transliterate(text, script).lower())
    scheme = SCHEMES.get(script, SCHEMES["other"])
    parts = [p for p in _NON_ALNUM.split(folded) if p]
    if script == "arabic":
        parts = _article_apart(parts)
    alts = [p for p in _NON_ALNUM.split(anyascii(text).lower()) if p]
    if script == "arabic":  # read as Persian where that differs (رضا: rda, rza)
        persian = _article_apart([p for p in _NON_ALNUM.split(persian_reading(text).lower()) if p])
        if len(persian) == len(parts) and persian != parts:
            alts = persian
    if len(alts) != len(parts):
        alts = [""] * len(parts)
    return tuple(
        (p, "transliteration", scheme, alt if alt != p else "")
        for p, alt in zip(parts, alts, strict=True)
    )


def _article_apart(parts: list[str]) -> list[str]:
    """The Arabic article written together with the name, as a part of its own
    (alqdhafy -> al + qdhafy)."""
    if parts and parts[0].startswith("al") and len(parts[0]) > 4:
        return ["al", parts[0][2:], *parts[1:]]
    return parts


@lru_cache(maxsize=262144)
def _word_tokens(word: str) -> tuple[tuple[Token, ...], ...]:
    """Tokens of one written word, grouped as sub-words (hyphens split a word; a Chinese or
    Korean name written as one word splits into family name and given-name syllables).
    Cached: the words of a million names are far fewer than the names."""
    script = script_of(word)
    if script in ("han", "hangul"):
        scheme = SCHEMES[script]
        surname, given = split_han_hangul(word, script)
        groups = [tuple(Token(syl, ch, "transliteration", scheme) for ch, syl in surname)]
        if given:
            groups.append(tuple(Token(syl, ch, "transliteration", scheme) for ch, syl in given))
        return tuple(g for g in groups if g)
    parts = [p for p in word.split("-") if p]
    tokens = [
        Token(folded, part, how, scheme, alt)
        for part in parts
        for folded, how, scheme, alt in _fold_part(part)
    ]
    # An Arabic article joined by a hyphen (al-, el-, ad-, az-, ash-...) is a particle.
    if len(tokens) > 1 and tokens[0].text in ARABIC_ARTICLES:
        tokens[0] = tokens[0]._replace(text="al")
    return (tuple(tokens),)


_BLANK = re.compile("[\u115f\u1160\u3164\uffa0\u2800]")


def _name_normal(name: str) -> str:
    """`name_normalise`, with a shortcut for the usual name (printable, already in NFKC, no
    letter that draws as a blank), where only the spaces change: the same result without a
    Python loop over the characters."""
    if (
        name.isprintable()
        and unicodedata.is_normalized("NFKC", name)
        and (name.isascii() or not _BLANK.search(name))
    ):
        return " ".join(name.split())
    return name_normalise(name)


@lru_cache(maxsize=32768)
def normalise(name: str) -> NormName:
    """Split a name into folded tokens; particles are dropped unless nothing else is left."""
    return _normalise(name)


def _normalise(name: str) -> NormName:
    tokens: list[Token] = []
    compounds: list[tuple[int, int, str]] = []
    particle_run: list[str] = []
    for word in _WORDS.findall(_name_normal(name)):  # the form names are stored in
        for word_tokens in _word_tokens(word):
            kept = [t for t in word_tokens if t.text not in PARTICLES]
            if not kept:
                particle_run.extend(t.text for t in word_tokens)
                continue
            start = len(tokens)
            tokens.extend(kept)
            if len(kept) > 1:
                compounds.append((start, len(tokens) - 1, "".join(t.text for t in kept)))
            if particle_run:
                compounds.append((start, start, "".join(particle_run) + kept[0].text))
                particle_run = []
    if not tokens and particle_run:
        tokens = [Token(p, p, "exact") for p in particle_run]
    return NormName(name, tuple(tokens), tuple(compounds))


@lru_cache(maxsize=262144)
def spelling_key(token: str) -> str:
    """A spelling-insensitive key for Spanish, French/Creole and romanised Russian names:
    v/b, z/s, soft c/s, j/soft g/kh, ll/y, qu/k, x/ks, y/i, w/v merge; silent h and double
    letters go. Vowels stay (María and Mario must not meet)."""
    t = token
    for a, b in (
        ("sch", "sh"),
        ("ph", "f"),
        ("kh", "J"),
        ("qu", "k"),
        ("ll", "y"),
        ("ck", "k"),
        ("x", "ks"),
        ("w", "v"),
    ):
        t = t.replace(a, b)
    t = re.sub(r"gu(?=[ei])", "G", t)  # hard g before e/i (Guerline)
    t = re.sub(r"g(?=[ei])", "J", t)
    t = re.sub(r"c(?=[ei])", "s", t)
    t = t.replace("G", "g")
    t = t.replace("sh", "C").replace("ch", "C").replace("j", "J").replace("h", "")
    t = t.replace("c", "k").replace("z", "s").replace("v", "b").replace("y", "i")
    return squeeze(t).lower()


# ---------------------------------------------------------------------------
# Dates and policy
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date of birth as lists give it: year only, year and month, or a full date (0 = unknown)."""

    year: int
    month: int = 0
    day: int = 0

    @classmethod
    def parse(cls, value: str | dt.date | PartialDate | None) -> PartialDate | None:
        if value is None or value == "":
            return None
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value.strip())
        if not match:
            raise ValueError(f"not a date: {value!r}")
        year, month, day = (int(g) if g else 0 for g in match.groups())
        if month and not 1 <= month <= 12:
            raise ValueError(f"not a month: {value!r}")
        if day:
            dt.date(year, month, day)  # raises ValueError for 2023-02-30
        return cls(year, month, day)

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"


@dataclass(frozen=True)
class MatchPolicy:
    """Points and thresholds. The score is 0.9 x the name score (0-100) plus date-of-birth
    and nationality points, so a perfect name with a matching date and nationality is 100."""

    threshold: float = 80.0
    name_weight: float = 0.9
    dob_exact: float = 7.0
    dob_year_month: float = 5.0
    dob_year: float = 4.0
    dob_close: float = 0.0
    dob_conflict: float = -30.0
    nationality_match: float = 3.0
    nationality_conflict: float = -5.0
    missing_first: float = 5.0  # a name present on one side only (dropped middle name...)
    missing_first_short: float = 10.0  # the same when only two names match
    missing_more: float = 12.0  # each further one
    partial_credit: float = 0.7  # most a conflicting, dissimilar pair of names can add
    min_token_similarity: float = 0.75
    candidates_scored: int = 32

    def conflict_can_hit(self) -> bool:
        best = 100 * self.name_weight + max(self.nationality_match, 0)
        return best + self.dob_conflict >= self.threshold


def compare_dob(
    query: PartialDate | None, entry_dates: Sequence[PartialDate], policy: MatchPolicy
) -> dict:
    """The best comparison over an entry's dates of birth: result code, points, values."""
    if query is None or not entry_dates:
        return {
            "result": "unknown",
            "points": 0.0,
            "query": str(query or ""),
            "entry": [str(d) for d in entry_dates],
        }
    best: tuple[float, str] | None = None
    for entry in entry_dates:
        result = _compare_one(query, entry)
        points = {
            "exact": policy.dob_exact,
            "year_month": policy.dob_year_month,
            "year": policy.dob_year,
            "close": policy.dob_close,
            "conflict": policy.dob_conflict,
        }[result]
        if best is None or points > best[0]:
            best = (points, result)
    assert best is not None
    return {
        "result": best[1],
        "points": best[0],
        "query": str(query),
        "entry": [str(d) for d in entry_dates],
    }


def _compare_one(q: PartialDate, e: PartialDate) -> str:
    if q.day and e.day:
        if q == e:
            return "exact"
        qs, es = f"{q.year:04d}{q.month:02d}{q.day:02d}", f"{e.year:04d}{e.month:02d}{e.day:02d}"
        if sum(a != b for a, b in zip(qs, es, strict=True)) == 1:
            return "close"  # one digit mistyped
        if q.year == e.year and q.month == e.day and q.day == e.month:
            return "close"  # day and month swapped
        if abs(q.year - e.year) == 1 and (q.month, q.day) == (e.month, e.day):
            return "close"
        return "conflict"
    if q.year == e.year:
        if q.month and e.month:
            return "year_month" if q.month == e.month else "close"
        return "year"
    return "close" if abs(q.year - e.year) <= 1 else "conflict"


def compare_nationality(query: str, entry: Sequence[str], policy: MatchPolicy) -> dict:
    query = (query or "").upper()
    if not query or not entry:
        return {"result": "unknown", "points": 0.0, "query": query, "entry": list(entry)}
    if query in entry:
        return {
            "result": "match",
            "points": policy.nationality_match,
            "query": query,
            "entry": list(entry),
        }
    return {
        "result": "different",
        "points": policy.nationality_conflict,
        "query": query,
        "entry": list(entry),
    }


# ---------------------------------------------------------------------------
# Name comparison
# ---------------------------------------------------------------------------


@lru_cache(maxsize=262144)
def _symbols(text: str, raw: str) -> frozenset[int]:
    """rigour's symbols of a token, read on its folded and on its written form (cached: each
    token's symbols are asked for again with every candidate it is compared with)."""
    found = name_symbols(text)
    if raw and raw.lower() != text:
        found = found | name_symbols(raw)
    return found


def readings(text: str) -> frozenset[str]:
    """The token and, for a Wade-Giles syllable, the Pinyin syllables it stands for."""
    return wade_giles_readings(text) | {text}


def _same_reading(q: str, e: str) -> bool:
    """`readings(q) & readings(e)`, without building sets (q != e)."""
    wq, we = wade_giles_readings(q), wade_giles_readings(e)
    if not wq and not we:
        return False
    return e in wq or q in we or bool(wq & we)


def _same_korean_syllable(q: str, e: str) -> bool:
    """Both romanise one Hangul syllable (Revised Romanization or McCune-Reischauer)."""
    return bool(korean_readings(q) & korean_readings(e))


@lru_cache(maxsize=262144)
def token_similarity(q: str, e: str, q_raw: str = "", e_raw: str = "") -> tuple[float, str]:
    """(similarity 0-1, how) for two folded tokens (and their written forms, if known).

    The rule that matched is the `how`: exact, nickname, spelling (our Spanish/French/Russian
    key), name_variant (rigour: the same name in another language or script), particle
    (rigour: bin ~ ibn), school (the same name in another transliteration school: Wade-Giles
    and Pinyin, German, French, English, Korean romanisations), unvocalised (a script without
    short vowels against its Latin form), typo, initial."""
    if q == e:
        return 1.0, "exact"
    if e in NICKNAMES.get(q, ()):
        return 0.97, "nickname"
    if spelling_key(q) == spelling_key(e):
        return 0.95, "spelling"
    shared = _symbols(q, q_raw) & _symbols(e, e_raw)
    if shared:
        return 0.95, ("particle" if shared & particle_symbol_ids() else "name_variant")
    if _same_reading(q, e) or school_key(q) == school_key(e) or _same_korean_syllable(q, e):
        return 0.93, "school"
    shortest = min(len(q), len(e))
    allowed = 0 if shortest <= 2 else 1 if shortest <= 4 else 2
    if shortest <= 4 and len(q) == len(e) and q[1:] == e[1:]:
        # Only the first letter changed: on a short name that makes another name (Tang and
        # Lang, Dong and Long, Man and Dan, Hong and Song: syllables read from Han or Hangul
        # above all), not a slip of the pen. A first letter dropped or added still counts
        # (Ruz for Cruz, where a space slipped: "daC ruz").
        allowed = 0
    distance = OSA.distance(q, e, score_cutoff=allowed)
    q_script, e_script = _unvocalised(q_raw), _unvocalised(e_raw)
    if distance <= allowed:
        if distance == 2 and q_script != e_script and _spelled_out(q, e, q_script):
            return 0.88, "unvocalised"  # two letters apart: the short vowels (rzayy, Razayi)
        return (0.9 if distance == 1 else 0.8), "typo"
    if shortest >= 5 and OSA.distance(school_key(q), school_key(e), score_cutoff=1) <= 1:
        return 0.88, "school"
    if (q_script or e_script) and len(consonant_skeleton(q)) >= 2:
        if consonant_skeleton(q) == consonant_skeleton(e):
            return 0.88, "unvocalised"
    if q_script != e_script and _spelled_out(q, e, q_script):
        return 0.88, "unvocalised"
    if (len(q) == 1 and e.startswith(q)) or (len(e) == 1 and q.startswith(e)):
        return 0.8, "initial"
    return 0.0, ""


def _spelled_out(q: str, e: str, q_written: bool) -> bool:
    """Whether the Latin one of two tokens spells the one read from Arabic or Hebrew script."""
    return unvocalised_spelling(q, e) if q_written else unvocalised_spelling(e, q)


@lru_cache(maxsize=65536)
def _unvocalised(raw: str) -> bool:
    """Whether a token is written in a script without short vowels (Arabic, Hebrew)."""
    return bool(raw) and script_of(raw) in ("arabic", "hebrew")


@dataclass
class NameMatch:
    score: float
    pairs: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # on the list, not in the query
    extra: list[str] = field(default_factory=list)  # in the query, not on the list
    order: str = "same"


class _Unit:
    __slots__ = ("text", "tokens", "via")

    def __init__(self, tokens: list[Token], text: str, via: str = ""):
        self.tokens = tokens
        self.text = text
        self.via = via  # "school" when joined through another transliteration's reading


def _near(text: str, others: set[str]) -> bool:
    if text in others:
        return True
    first, size = text[0], len(text)
    for other in others:
        if (
            other[0] == first
            and -1 <= len(other) - size <= 1
            and OSA.distance(text, other, score_cutoff=1) <= 1
        ):
            return True
    return False


@lru_cache(maxsize=131072)
def _joins(left: str, right: str) -> tuple[tuple[str, str], ...]:
    """Joined forms of two adjacent tokens: as written, then through Wade-Giles readings
    (Tse + tung -> zedong) and through the transliteration-school key. Cached: a query's
    joins are worked out once, not once per candidate."""
    found = [(left + right, "")]
    if wade_giles_readings(left) or wade_giles_readings(right):
        for a in readings(left):
            for b in readings(right):
                if a + b != left + right:
                    found.append((a + b, "school"))
    return tuple(found)


@lru_cache(maxsize=131072)
def _join_school_key(joined: str) -> str:
    """The school key of a joined form ("" below five letters, where it is not used)."""
    return school_key(joined) if len(joined) >= 5 else ""


def _merge_compounds(a: list[_Unit], a_name: NormName, b: list[_Unit]) -> None:
    """Join adjacent tokens of `a` whose concatenation is a token of `b` (Saint Fleur ~
    Saintfleur; Tse-tung ~ Zedong through Wade-Giles), and take a particle compound's joined
    form where `b` writes it so (de la Cruz ~ Delacruz)."""
    b_texts = {u.text for u in b}
    b_school = {school_key(t) for t in b_texts}
    for first, last, joined in a_name.compounds:
        if first == last and _near(joined, b_texts):
            a[first].text = joined
    i = 0
    while i < len(a) - 1:
        joins = _joins(a[i].text, a[i + 1].text)
        exact = [(j, v) for j, v in joins if j in b_texts]
        for joined, via in exact or joins:
            if (
                (not via and _near(joined, b_texts))
                or (via and joined in b_texts)
                or (len(joined) >= 5 and _join_school_key(joined) in b_school)
            ):
                a[i : i + 2] = [
                    _Unit(a[i].tokens + a[i + 1].tokens, joined, via or a[i].via or a[i + 1].via)
                ]
                break
        else:
            i += 1


def _alt(unit: _Unit) -> str:
    return unit.tokens[0].alt if len(unit.tokens) == 1 and unit.text == unit.tokens[0].text else ""


def _written(unit: list[Token]) -> str:
    """The tokens of a unit as written (Chinese and Korean syllables without spaces)."""
    joiner = "" if all(len(t.raw) == 1 and not t.raw.isascii() for t in unit) else " "
    return joiner.join(t.raw for t in unit)


def compare_names(
    query: NormName,
    entry: NormName,
    policy: MatchPolicy | None = None,
    weight: Callable[[str], float] | None = None,
    *,
    explain: bool = True,
) -> NameMatch:
    """Align the names token by token (best pair first, order free) and score 0-100.

    `weight` gives each listed token its rarity weight (`WatchlistIndex.token_weight`: rare
    tokens above common ones, from the list itself); without it every token weighs 1.
    With `explain=False` only the score is worked out (the same arithmetic, in the same
    order, so the same score): the search scores its candidates so and explains the hits."""
    policy = policy or MatchPolicy()
    q_units = [_Unit([t], t.text) for t in query.tokens]
    e_units = [_Unit([t], t.text) for t in entry.tokens]
    if not q_units or not e_units:
        return NameMatch(score=0.0)
    _merge_compounds(q_units, query, e_units)
    _merge_compounds(e_units, entry, q_units)
    q_texts = [u.text for u in q_units]
    e_texts = [u.text for u in e_units]
    scored = []
    q_raws = [u.tokens[0].raw if len(u.tokens) == 1 else "" for u in q_units]
    e_raws = [u.tokens[0].raw if len(u.tokens) == 1 else "" for u in e_units]
    q_alts = [_alt(u) for u in q_units]
    e_alts = [_alt(u) for u in e_units]
    for i, qt in enumerate(q_texts):
        for j, et in enumerate(e_texts):
            sim, how = token_similarity(qt, et, q_raws[i], e_raws[j])
            if sim < 1.0 and (q_alts[i] or e_alts[j]):
                for qa in {qt, q_alts[i] or qt}:
                    for ea in {et, e_alts[j] or et}:
                        other = token_similarity(qa, ea, q_raws[i], e_raws[j])
                        if other[0] > sim:
                            sim, how = (
                                other[0],
                                ("transliteration" if other[1] == "exact" else other[1]),
                            )
            if sim >= policy.min_token_similarity:
                scored.append((sim, -abs(i - j), i, j, how))
    scored.sort(reverse=True)
    used_q: set[int] = set()
    used_e: set[int] = set()
    # (similarity, query unit, entry unit, how) of each pair, matched pairs first: the score
    # is summed over these in this order whether or not the explanation is written.
    aligned: list[tuple[float, int, int, str]] = []
    for sim, _dist, i, j, how in scored:
        if i in used_q or j in used_e:
            continue
        used_q.add(i)
        used_e.add(j)
        aligned.append((round(sim, 3), i, j, how))
    matched = len(aligned)
    unmatched_q = [i for i in range(len(q_units)) if i not in used_q]
    unmatched_e = [j for j in range(len(e_units)) if j not in used_e]
    needed = min(2, len(q_units), len(e_units))
    if matched < needed:
        return NameMatch(score=0.0)
    # Names left on both sides conflict; a pair that is still alike earns partial credit
    # (two typos in one name), scaled so that it never counts as a match.
    partial = []
    for i in unmatched_q:
        best = None
        for j in unmatched_e:
            ratio = Levenshtein.normalized_similarity(q_texts[i], e_texts[j])
            if best is None or ratio > best[0]:
                best = (ratio, j)
        if best is not None and best[0] > 0.5:
            credit = round(policy.partial_credit * (best[0] - 0.5) / 0.5, 3)
            partial.append((credit, i, best[1]))
    partial.sort(reverse=True)
    used_partial_e: set[int] = set()
    credit_total = 0.0
    for credit, i, j in partial:
        if j in used_partial_e:
            continue
        used_partial_e.add(j)
        credit_total += credit
        aligned.append((credit, i, j, "partial"))
    conflicts = min(len(unmatched_q), len(unmatched_e))
    unit_weight: list[float] = []
    if weight is None:
        base = (sum(a[0] for a in aligned if a[3] != "partial") + credit_total) / (
            matched + conflicts
        )
    else:
        # Each listed name counts by its rarity: a shared rare surname says more than a shared
        # common given name, and a conflict on a rare name more than one on a common name.
        unit_weight = [sum(weight(t.text) for t in u.tokens) / len(u.tokens) for u in e_units]
        total = 0.0
        mass = 0.0
        for sim, _i, j, how in aligned:
            w = unit_weight[j]
            total += w * sim
            if how != "partial":
                mass += w
        if conflicts:
            left = sorted(unit_weight[j] for j in unmatched_e)
            mass += sum(left) / len(left) * conflicts
        base = total / mass
    # A patronymic (Sergeyevich, Ivanovna) is often left out of Latin-script documents.
    optional = sum(1 for i in unmatched_q if _PATRONYMIC.search(q_texts[i])) + sum(
        1 for j in unmatched_e if _PATRONYMIC.search(e_texts[j])
    )
    one_sided = max(0, abs(len(unmatched_q) - len(unmatched_e)) - optional)
    first = policy.missing_first if matched >= 3 else policy.missing_first_short
    penalty = 0.0 if one_sided == 0 else first + policy.missing_more * (one_sided - 1)
    score = max(0.0, 100.0 * base - penalty)
    if not explain:
        return NameMatch(score=round(score, 2))
    pairs = [
        _explain_pair(q_units[i], e_units[j], how, sim, i, j, unit_weight)
        for sim, i, j, how in aligned
    ]
    partial_q = {p["_i"] for p in pairs if p["how"] == "partial"}
    partial_e = {p["_j"] for p in pairs if p["how"] == "partial"}
    unmatched_q = [i for i in unmatched_q if i not in partial_q]
    unmatched_e = [j for j in unmatched_e if j not in partial_e]
    pairs.sort(key=lambda p: p["_i"])
    order = "same" if [p["_j"] for p in pairs] == sorted(p["_j"] for p in pairs) else "different"
    for p in pairs:
        del p["_i"], p["_j"]
    return NameMatch(
        score=round(score, 2),
        pairs=pairs,
        order=order,
        missing=[" ".join(t.raw for t in e_units[j].tokens) for j in unmatched_e],
        extra=[" ".join(t.raw for t in q_units[i].tokens) for i in unmatched_q],
    )


def _explain_pair(
    q: _Unit, e: _Unit, how: str, sim: float, i: int, j: int, unit_weight: list[float]
) -> dict[str, Any]:
    """One aligned pair as the explanation stores it: both names as written, how they
    matched, the similarity, the listed name's rarity weight, and for a name in another
    script its Latin reading and the scheme used."""
    if how == "partial":
        pair: dict[str, Any] = {
            "query": " ".join(t.raw for t in q.tokens),
            "entry": " ".join(t.raw for t in e.tokens),
            "how": "partial",
            "similarity": sim,
            "_i": i,
            "_j": j,
        }
        if unit_weight:
            pair["weight"] = round(unit_weight[j], 2)
        return pair
    q_unit, e_unit = q.tokens, e.tokens
    if how == "exact" and (q.via or e.via):
        how = "school"
    elif how == "exact":
        if len(q_unit) != len(e_unit) or q.text != q_unit[0].text or e.text != e_unit[0].text:
            how = "compound"
        else:
            folds = {t.how for t in (*q_unit, *e_unit)} - {"exact"}
            how = (
                "transliteration" if "transliteration" in folds else "accents" if folds else "exact"
            )
    pair = {
        "query": _written(q_unit),
        "entry": _written(e_unit),
        "how": how,
        "similarity": sim,
        "_i": i,
        "_j": j,
    }
    for side, unit in (("query", q_unit), ("entry", e_unit)):
        schemes = {t.scheme for t in unit if t.scheme}
        if schemes:  # written in another script: keep the Latin form and the scheme
            pair[f"{side}_latin"] = " ".join(t.text for t in unit)
            pair[f"{side}_scheme"] = ", ".join(sorted(schemes))
    if unit_weight:
        pair["weight"] = round(unit_weight[j], 2)
    return pair


# ---------------------------------------------------------------------------
# Entries, queries, hits
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPerson:
    """One watchlist entry as the engine sees it. `key` is the caller's id (the entry's pk)."""

    key: int
    names: tuple[str, ...]  # primary name first, then aliases
    dates_of_birth: tuple[PartialDate, ...] = ()
    nationalities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    name: str
    date_of_birth: PartialDate | None = None
    nationality: str = ""


@dataclass(frozen=True)
class Hit:
    key: int
    score: float
    name_score: float
    matched_name: str
    explanation: dict


# The name score and the score are each rounded to two decimals: far below this margin.
_CEILING_MARGIN = 0.05


def name_score_ceiling(
    query: NormName,
    entry: NormName,
    policy: MatchPolicy,
    weight: Callable[[str], float] | None = None,
) -> float:
    """An upper bound of `compare_names(query, entry, policy, weight).score`, from the names'
    sizes and the listed tokens' rarity weights alone (no token is compared).

    The score is a weighted mean of the matched pairs' similarities (at most 1) and of the
    conflicts' partial credits (at most `partial_credit` each, weighed by a listed name),
    over a mass where each conflict weighs at least the lightest listed name; less the
    penalties. A score needs two matched names (when both sides have two or more), each
    weighing at least the lightest listed name, and leaves at most min(names) - 2
    conflicts: the mean is then at most (2 + r c) / (2 + c), r the credit times the
    heaviest over the lightest weight, c the conflicts. Merged compounds only lower the
    counts, and a merged name weighs the mean of its tokens, so the bound holds for them."""
    if min(policy.missing_first, policy.missing_first_short, policy.missing_more) < 0:
        return float("inf")  # a penalty that adds points: no bound from this reasoning
    if not query.tokens or not entry.tokens:
        return 0.0
    if weight is None:
        heaviest = lightest = 1.0
    else:
        weights = [weight(t.text) for t in entry.tokens]
        heaviest, lightest = max(weights), min(weights)
        if lightest <= 0:
            return float("inf")
    # A credit is rounded to three decimals: it may exceed `partial_credit` by 0.0005.
    ratio = (policy.partial_credit + 0.0005) * heaviest / lightest
    conflicts = max(0, min(len(query.tokens), len(entry.tokens)) - 2)
    return 100.0 * max(1.0, (2 + ratio * conflicts) / (2 + conflicts))


def score_entry(
    query: Query,
    qnorm: NormName,
    entry: ListedPerson,
    policy: MatchPolicy,
    weight: Callable[[str], float] | None = None,
    *,
    min_score: float | None = None,
) -> Hit | None:
    """The entry's hit for the query: its best name, the date-of-birth and nationality points,
    and the explanation. With `min_score`, an entry scoring below it is None, and only the
    best name of an entry that reaches it is explained (the others are scored only)."""
    dob = compare_dob(query.date_of_birth, entry.dates_of_birth, policy)
    nationality = compare_nationality(query.nationality, entry.nationalities, policy)
    points = dob["points"] + nationality["points"]
    best: tuple[float, int] | None = None
    for position, name in enumerate(entry.names):
        norm = normalise(name)
        if (
            min_score is not None
            and min_score > 0
            and policy.name_weight >= 0
            and policy.name_weight * name_score_ceiling(qnorm, norm, policy, weight) + points
            < min_score - _CEILING_MARGIN
        ):
            # Even the best score this name could have leaves the entry below the minimum
            # (a conflicting date of birth, mostly): its name is not compared. A name that
            # cannot reach the minimum is never the best name of an entry that does.
            continue
        name_score = compare_names(qnorm, norm, policy, weight, explain=False).score
        if best is None or name_score > best[0]:
            best = (name_score, position)
    if best is None or best[0] <= 0:
        return None
    position = best[1]
    score = round(
        max(
            0.0,
            min(100.0, policy.name_weight * best[0] + dob["points"] + nationality["points"]),
        ),
        2,
    )
    if min_score is not None and score < min_score:
        return None
    name_match = compare_names(qnorm, normalise(entry.names[position]), policy, weight)
    explanation = {
        "engine": ENGINE_VERSION,
        "score": score,
        "threshold": policy.threshold,
        "matched_name": entry.names[position],
        "name_kind": "primary" if position == 0 else "alias",
        "name_score": name_match.score,
        "tokens": name_match.pairs,
        "missing": name_match.missing,
        "extra": name_match.extra,
        "order": name_match.order,
        "dob": dob,
        "nationality": nationality,
    }
    return Hit(
        key=entry.key,
        score=score,
        name_score=name_match.score,
        matched_name=entry.names[position],
        explanation=explanation,
    )


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


def _deletes(token: str, depth: int = 1) -> set[str]:
    found = {token}
    frontier = {token}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        found |= frontier
    return found


def _units(name: NormName, *, all_joins: bool) -> list[tuple[str, frozenset[int]]]:
    """Index units: each token, and joined compounds (for queries: every adjacent pair too)."""
    units = [(t.text, frozenset((i,))) for i, t in enumerate(name.tokens)]
    seen = {u[0] for u in units}
    for i, t in enumerate(name.tokens):  # the second reading of a token in another script
        if t.alt and t.alt not in seen:
            seen.add(t.alt)
            units.append((t.alt, frozenset((i,))))
    joins = [(text, frozenset(range(a, b + 1))) for a, b, text in name.compounds]
    if all_joins:
        texts = name.texts
        joins += [
            (joined, frozenset((i, i + 1)))
            for i in range(len(texts) - 1)
            for joined, _via in _joins(texts[i], texts[i + 1])
        ]
    for text, span in joins:
        if text not in seen:
            seen.add(text)
            units.append((text, span))
    return units


def _distinct(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` by sorting. numpy 2's default hash-table path is far slower on the
    integer arrays of a search (about 160 ms against 2 ms for 100,000 token or pair ids)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _ranges(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The concatenation of arange(l, r) for each (l, r), vectorised."""
    lengths = right - left
    keep = lengths > 0
    left, lengths = left[keep], lengths[keep]
    if not len(lengths):
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(left - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(int(lengths.sum()))


class _Multimap:
    """Sorted (key hash, token id) arrays: a compact many-to-many map for a million-entry
    vocabulary (a dict of tuples costs ten times the memory)."""

    __slots__ = ("keys", "values")

    def __init__(self, pairs: array | None = None, values: array | None = None):
        if pairs is None or values is None or not len(pairs):
            self.keys = np.zeros(0, dtype=np.int64)
            self.values = np.zeros(0, dtype=np.int32)
            return
        keys = np.frombuffer(pairs, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.values = np.frombuffer(values, dtype=np.int32)[order]

    def get(self, key: int) -> list[int]:
        left = int(np.searchsorted(self.keys, key, "left"))
        right = int(np.searchsorted(self.keys, key, "right"))
        return self.values[left:right].tolist()


# Latin tokens checked per written key of a query token in Arabic or Hebrew script (a key
# such as `mr` is shared by a thousand tokens at a million entries).
_WRITTEN_LIMIT = 2000


def _year_may_agree(years: np.ndarray, year: int) -> np.ndarray:
    """Which entries' birth years (`WatchlistIndex.dob_year`: 0 unknown, -1 several) may agree
    with `year`: unknown or several, within one year, or one digit apart (a typing slip)."""
    years = years.astype(np.int32)
    one_digit = (
        sum(((years // 10**k) % 10 != (year // 10**k) % 10).astype(np.int32) for k in range(4)) <= 1
    )
    return (years <= 0) | (np.abs(years - year) <= 1) | one_digit


def _rarity_weights(frequencies: np.ndarray, entries: int) -> np.ndarray:
    """IDF-style weights from the list itself: ln((N+1)/(df+1)) scaled so that a token held by
    about one entry in a thousand (of a million) weighs 1, clipped to 0.5-1.5. Names shared
    by a tenth of the list weigh 0.5; names held by a handful of entries weigh 1.5."""
    idf = np.log((entries + 1) / (frequencies.astype(np.float64) + 1))
    scale = max(np.log(entries + 1), 1.0) / 2
    return np.clip(idf / scale, 0.5, 1.5).astype(np.float32)


def _pair_key(a: int, b: int) -> int:
    return (min(a, b) << 32) | max(a, b)


class WatchlistIndex:
    """An in-memory blocking index over many lists. Build once per list version; search many."""

    def __init__(self, policy: MatchPolicy | None = None):
        self.policy = policy or MatchPolicy()
        self.vocab: dict[str, int] = {}
        self.vocab_list: list[str] = []
        self.by_spelling: dict[str, tuple[int, ...]] = {}
        self._spelling_lists: dict[str, list[int]] = {}  # while building
        # Other keys a query token reaches vocabulary tokens through: the transliteration-school
        # key, rigour's name symbols, and the consonant skeleton (for unvocalised scripts).
        self.by_school = _Multimap()  # hash(school key) -> tokens
        self.by_symbol = _Multimap()  # rigour symbol id -> tokens
        self.by_skeleton = _Multimap()  # hash(consonant skeleton) -> tokens
        self.by_written = _Multimap()  # hash(written key: consonants, vav, he) -> tokens
        self.by_korean = _Multimap()  # hash(Hangul syllable) -> romanised tokens
        # Entries, stored compactly (a million entries must fit well under 1 GB):
        # names as one UTF-8 blob ("\x1f" between a person's names), dates as yyyymmdd ints.
        self.keys = np.zeros(0, dtype=np.int64)
        self.name_offsets = np.zeros(1, dtype=np.int64)
        self.names_blob = b""
        self.dob = np.zeros(0, dtype=np.int32)  # first date, yyyymmdd, 0 for unknown parts
        self.dob_year = np.zeros(0, dtype=np.int16)  # -1: several dates (never pre-filtered)
        self.more_dobs: dict[int, tuple[PartialDate, ...]] = {}
        self.nationalities: list[str] = []  # "MX" or "MX,HN", interned
        self.pair_keys = np.zeros(0, dtype=np.int64)
        self.pair_entries = np.zeros(0, dtype=np.int32)
        self.delete_hashes = np.zeros(0, dtype=np.int64)
        self.delete_tokens = np.zeros(0, dtype=np.int32)
        self.token_lengths = np.zeros(0, dtype=np.int16)
        # Rarity weight of each vocabulary token (`_rarity_weights`), from the list itself.
        self.token_weights = np.zeros(0, dtype=np.float32)
        self._expansions: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def token_weight(self, text: str) -> float:
        """A listed token's rarity weight (0.5 for the most common, up to 1.5 for the rarest);
        1.0 for a token the list does not hold."""
        token_id = self.vocab.get(text)
        return 1.0 if token_id is None else float(self.token_weights[token_id])

    def _token_id(self, text: str) -> int:
        token_id = self.vocab.get(text)
        if token_id is None:
            token_id = len(self.vocab_list)
            self.vocab[text] = token_id
            self.vocab_list.append(text)
            self._spelling_lists.setdefault(spelling_key(text), []).append(token_id)
        return token_id

    def entry(self, entry_no: int) -> ListedPerson:
        start, end = int(self.name_offsets[entry_no]), int(self.name_offsets[entry_no + 1])
        names = tuple(self.names_blob[start:end].decode().split("\x1f"))
        code = int(self.dob[entry_no])
        if entry_no in self.more_dobs:
            dobs = self.more_dobs[entry_no]
        elif code:
            dobs = (PartialDate(code // 10000, code // 100 % 100, code % 100),)
        else:
            dobs = ()
        nationalities = (
            tuple(self.nationalities[entry_no].split(",")) if self.nationalities[entry_no] else ()
        )
        return ListedPerson(int(self.keys[entry_no]), names, dobs, nationalities)

    @classmethod
    def build(
        cls, entries: Iterable[ListedPerson], policy: MatchPolicy | None = None
    ) -> WatchlistIndex:
        index = cls(policy)
        pair_keys = array("q")
        pair_entries = array("i")
        keys = array("q")
        offsets = array("q", [0])
        blob = bytearray()
        dob = array("i")
        dob_year = array("h")
        interned: dict[str, str] = {}
        entry_tokens = array("i")  # each entry's distinct tokens, for document frequencies
        # rigour's symbols of tokens written in another script, read on the written form
        # (Михаил), which rigour knows better than our Latin reading of it.
        script_symbols: dict[int, set[int]] = {}
        for entry in entries:
            entry_no = len(keys)
            keys.append(entry.key)
            blob += "\x1f".join(n.replace("\x1f", " ") for n in entry.names).encode()
            offsets.append(len(blob))
            first = entry.dates_of_birth[0] if entry.dates_of_birth else None
            dob.append(first.year * 10000 + first.month * 100 + first.day if first else 0)
            dob_year.append(-1 if len(entry.dates_of_birth) > 1 else first.year if first else 0)
            if len(entry.dates_of_birth) > 1:
                index.more_dobs[entry_no] = tuple(entry.dates_of_birth)
            nationality = ",".join(entry.nationalities)
            index.nationalities.append(interned.setdefault(nationality, nationality))
            seen_pairs: set[int] = set()
            seen_tokens: set[int] = set()
            for name in entry.names:
                norm = _normalise(name)
                units = _units(norm, all_joins=False)
                ids = [index._token_id(text) for text, _span in units]
                seen_tokens.update(ids)
                for token in norm.tokens:
                    if token.scheme:
                        script_symbols.setdefault(index.vocab[token.text], set()).update(
                            name_symbols(token.raw)
                        )
                if len(units) == 1:
                    seen_pairs.add(_pair_key(ids[0], ids[0]))
                    continue
                for a in range(len(units)):
                    for b in range(a + 1, len(units)):
                        if not units[a][1] & units[b][1]:  # not a compound and its own parts
                            seen_pairs.add(_pair_key(ids[a], ids[b]))
            pair_keys.extend(seen_pairs)
            pair_entries.extend([entry_no] * len(seen_pairs))
            entry_tokens.extend(seen_tokens)
        index.keys = np.frombuffer(keys, dtype=np.int64).copy()
        index.name_offsets = np.frombuffer(offsets, dtype=np.int64).copy()
        index.names_blob = bytes(blob)
        del blob
        index.dob = np.frombuffer(dob, dtype=np.int32).copy()
        index.dob_year = np.frombuffer(dob_year, dtype=np.int16).copy()
        raw_keys = np.frombuffer(pair_keys, dtype=np.int64)
        order = np.argsort(raw_keys, kind="stable")
        index.pair_keys = raw_keys[order]
        index.pair_entries = np.frombuffer(pair_entries, dtype=np.int32)[order]
        del pair_keys, pair_entries, raw_keys, order
        # Tuples of ints are not tracked by the garbage collector: a full collection then
        # does not walk a hundred thousand lists (it did, for 100-200 ms, at a million entries).
        index.by_spelling = {key: tuple(ids) for key, ids in index._spelling_lists.items()}
        index._spelling_lists = {}
        maps = {
            name: (array("q"), array("i"))
            for name in ("school", "symbol", "skeleton", "written", "korean")
        }
        # The cached school key and rigour symbols: scoring asks for the listed tokens' keys
        # again, so the build fills those caches (sized for a million-entry vocabulary).
        school, skeleton = school_key, consonant_skeleton.__wrapped__
        for token_id, text in enumerate(index.vocab_list):
            found = {
                "school": [hash(school(text))],
                "skeleton": [hash(skeleton(text))],
                "written": [hash(written_key(text))],
                "korean": [hash(syllable) for syllable in korean_readings(text)],
                "symbol": list(name_symbols(text) | script_symbols.get(token_id, set())),
            }
            for name, found_keys in found.items():
                maps[name][0].extend(found_keys)
                maps[name][1].extend([token_id] * len(found_keys))
        index.by_school = _Multimap(*maps["school"])
        index.by_symbol = _Multimap(*maps["symbol"])
        index.by_skeleton = _Multimap(*maps["skeleton"])
        index.by_written = _Multimap(*maps["written"])
        index.by_korean = _Multimap(*maps["korean"])
        del maps, script_symbols
        # Deletion index over the vocabulary: each token less up to two letters (one if short).
        hashes = array("q")
        tokens = array("i")
        for token_id, text in enumerate(index.vocab_list):
            for variant in _deletes(text, 2 if len(text) >= 5 else 1):
                hashes.append(hash(variant))
                tokens.append(token_id)
        h = np.frombuffer(hashes, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        index.delete_hashes = h[order]
        index.delete_tokens = np.frombuffer(tokens, dtype=np.int32)[order]
        index.token_lengths = np.array([len(t) for t in index.vocab_list], dtype=np.int16)
        frequencies = np.bincount(
            np.frombuffer(entry_tokens, dtype=np.int32), minlength=len(index.vocab_list)
        )
        index.token_weights = _rarity_weights(frequencies, len(index.keys))
        return index

    # -- search ------------------------------------------------------------

    def _expand(self, text: str, raw: str = "") -> tuple[int, ...]:
        """Vocabulary tokens that `text` may stand for (cached: names recur)."""
        unvocalised = _unvocalised(raw)
        cache_key = f"{text}\x1f{raw}" if raw and raw.lower() != text else text
        cached = self._expansions.get(cache_key)
        if cached is not None:
            return cached
        found: set[int] = set()
        exact = self.vocab.get(text)
        if exact is not None:
            found.add(exact)
        for nickname in NICKNAMES.get(text, ()):
            other = self.vocab.get(nickname)
            if other is not None:
                found.add(other)
        for reading in wade_giles_readings(text):
            other = self.vocab.get(reading)
            if other is not None:
                found.add(other)
        found.update(self.by_spelling.get(spelling_key(text), ()))
        found.update(self.by_school.get(hash(school_key(text))))
        for symbol in _symbols(text, raw):
            found.update(self.by_symbol.get(symbol))
        for syllable in korean_readings(text):
            found.update(self.by_korean.get(hash(syllable)))
        if unvocalised:
            skeleton = self.by_skeleton.get(hash(consonant_skeleton(text)))
            if len(skeleton) <= 64:  # a skeleton shared by many names says little
                found.update(skeleton)
            # Latin tokens that spell the written letters with the vowels the script leaves
            # out (vhyd: Vahid, Wahid; rzayy: Razayi), however many share the key.
            vocab_list = self.vocab_list
            for key in written_keys(text):
                for token_id in self.by_written.get(hash(key))[:_WRITTEN_LIMIT]:
                    if unvocalised_spelling(text, vocab_list[token_id]):
                        found.add(token_id)
        variants = _deletes(text, 1)
        hashes = np.fromiter((hash(v) for v in variants), dtype=np.int64, count=len(variants))
        left = np.searchsorted(self.delete_hashes, hashes, "left")
        right = np.searchsorted(self.delete_hashes, hashes, "right")
        ids = _distinct(self.delete_tokens[_ranges(left, right)])
        # A token found as written is most likely spelled right: its neighbours one edit away
        # are enough. An unknown token is probably mistyped: reach two edits (five letters on).
        allowed = 1 if exact is not None or len(text) <= 4 else 2
        # Short deletion keys reach many tokens: keep those of a length within reach, then
        # check the edit distance in rapidfuzz's C loop.
        ids = ids[np.abs(self.token_lengths[ids].astype(np.int32) - len(text)) <= allowed]
        if len(ids):
            vocab_list = self.vocab_list
            choices = [vocab_list[i] for i in ids.tolist()]
            for _choice, _distance, position in process.extract(
                text, choices, scorer=OSA.distance, score_cutoff=allowed, limit=None
            ):
                found.add(int(ids[position]))
        result = tuple(found)
        if len(self._expansions) >= 200_000:
            self._expansions.clear()
        self._expansions[cache_key] = result
        return result

    def candidates(self, qnorm: NormName) -> np.ndarray:
        """Entry numbers sharing at least one expanded token pair, most shared first."""
        found, counts = self._candidate_counts(qnorm)
        return found[np.argsort(-counts, kind="stable")]

    def _candidate_counts(
        self, qnorm: NormName, birth_year: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(entry numbers, how many expanded token pairs each shares with the query, each pair
        weighed by its tokens' rarity), in entry order. With `birth_year`, entries whose date
        of birth certainly conflicts with that year are left out (`_year_may_agree`)."""
        none = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64))
        units = _units(qnorm, all_joins=True)
        unit_of: list[int] = []
        token_of: list[int] = []
        for number, (text, span) in enumerate(units):
            raw = qnorm.tokens[next(iter(span))].raw if len(span) == 1 else ""
            expansion = self._expand(text, raw)
            unit_of.extend([number] * len(expansion))
            token_of.extend(expansion)
        if not token_of:
            return none
        tokens = np.array(token_of, dtype=np.int64)
        if len(units) == 1:
            wanted = (tokens << 32) | tokens
        else:
            # Unit pairs that may be combined: different units that do not overlap.
            n = len(units)
            allowed = np.zeros((n, n), dtype=bool)
            for a in range(n):
                for b in range(a + 1, n):
                    allowed[a, b] = not units[a][1] & units[b][1]
            unit_idx = np.array(unit_of, dtype=np.int64)
            ia, ib = np.nonzero(allowed[unit_idx[:, None], unit_idx[None, :]])
            x, y = tokens[ia], tokens[ib]
            wanted = (np.minimum(x, y) << 32) | np.maximum(x, y)
        # Sorted, distinct needles: searchsorted then walks the millions of keys in order,
        # several times faster than with needles in random order.
        wanted = _distinct(wanted)
        left = np.searchsorted(self.pair_keys, wanted, "left")
        right = np.searchsorted(self.pair_keys, wanted, "right")
        entries = self.pair_entries[_ranges(left, right)]
        # Each shared pair counts by the rarity of its two tokens: an entry sharing a rare
        # surname ranks above one sharing two common given names.
        weights = self.token_weights
        pair_weight = (weights[wanted >> 32] + weights[wanted & 0xFFFFFFFF]).astype(np.float64)
        entry_weights = np.repeat(pair_weight, right - left)
        if birth_year is not None and len(entries):
            # Before counting: the filter is per entry, and it leaves far fewer to count.
            keep = _year_may_agree(self.dob_year[entries], birth_year)
            entries, entry_weights = entries[keep], entry_weights[keep]
        if not len(entries):
            return none
        # Each posting list is in entry order: a stable sort (timsort) merges these runs,
        # faster than np.unique's quicksort. The weights are float32 values summed in float64,
        # so the sums are exact in any order.
        order = np.argsort(entries, kind="stable")
        entries, entry_weights = entries[order], entry_weights[order]
        starts = np.flatnonzero(np.concatenate(([True], entries[1:] != entries[:-1])))
        return entries[starts], np.add.reduceat(entry_weights, starts)

    def search(self, query: Query, *, limit: int = 20, min_score: float | None = None) -> list[Hit]:
        """Ranked hits at or above `min_score` (default: the policy's threshold)."""
        policy = self.policy
        min_score = policy.threshold if min_score is None else min_score
        qnorm = normalise(query.name)
        if not qnorm.tokens:
            return []
        q = query.date_of_birth
        # Entries whose date of birth certainly conflicts cannot reach the threshold.
        prefilter = (
            q is not None and min_score >= policy.threshold and not policy.conflict_can_hit()
        )
        found, counts = self._candidate_counts(
            qnorm, q.year if q is not None and prefilter else None
        )
        agreement = np.zeros(len(found), dtype=np.int8)
        if q is not None and len(found):
            # Among entries sharing as many names, those whose date agrees are scored first.
            codes = self.dob[found]
            agreement = (codes // 10000 == q.year).astype(np.int8)
            if q.day:
                agreement += 2 * (codes == q.year * 10000 + q.month * 100 + q.day)
        found = found[np.lexsort((-agreement, -counts))]
        hits = []
        for entry_no in found[: policy.candidates_scored].tolist():
            hit = score_entry(
                query, qnorm, self.entry(entry_no), policy, self.token_weight, min_score=min_score
            )
            if hit is not None and hit.score >= min_score:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.score, -h.name_score, h.key))
        return hits[:limit]


def screen(
    entries: Iterable[ListedPerson], query: Query, policy: MatchPolicy | None = None
) -> list[Hit]:
    """Score every entry (no index): for small lists and as the reference in tests. The
    rarity weights come from the entries given, as the index computes them."""
    policy = policy or MatchPolicy()
    entries = list(entries)
    qnorm = normalise(query.name)
    frequency: dict[str, int] = {}
    for e in entries:
        texts = {
            text for name in e.names for text, _span in _units(normalise(name), all_joins=False)
        }
        for text in texts:
            frequency[text] = frequency.get(text, 0) + 1
    vocab = list(frequency)
    weights = dict(
        zip(
            vocab,
            _rarity_weights(np.array([frequency[t] for t in vocab]), len(entries)).tolist(),
            strict=True,
        )
    )

    def weight(text: str) -> float:
        return weights.get(text, 1.0)

    hits = [
        h
        for e in entries
        if (h := score_entry(query, qnorm, e, policy, weight)) and h.score >= policy.threshold
    ]
    hits.sort(key=lambda h: (-h.score, -h.name_score, h.key))
    return hits

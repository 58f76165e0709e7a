"""Name understanding for the watchlist matcher: scripts, transliteration, name families and
sound keys. Pure (no ORM, no clock); every table comes from a maintained library.

- **Scripts** are told apart by the Unicode character names (standard library).
- **Transliteration** per script: ICU transforms through PyICU for Cyrillic (BGN/PCGN),
  Arabic, Greek, Hebrew and any other script; pypinyin (Hanyu Pinyin) for Chinese;
  korean-romanizer (Revised Romanization) for Hangul, one syllable at a time.
- **Name families** come from OpenSanctions' rigour: its NAME symbols group a given name's
  forms across languages and scripts (Mohammed, Muhammad, Мухаммед, محمد) and its SYMBOL
  symbols mark particles (bin, ibn, بن; abu).
- **Wade-Giles** syllables (Tse-tung) read as Pinyin (Zedong) through pypinyin's own table.
- **Sound keys** (`school_key`) survive the German, French, Spanish, Polish and English
  schools of transliteration (kh/ch/h, sch/sh/tsch/tch, ou/u, dh/d, th/t, j/y/i, w/v, q/k/g);
  `consonant_skeleton` compares names written without short vowels (Arabic script).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import groupby

from icu import Transliterator
from korean_romanizer.romanizer import Romanizer
from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict
from pypinyin.style.wadegiles import to_wade_glides
from rigour.names import NameTypeTag, analyze_names

# Scripts, by the first word of the Unicode character name.
LATIN = "LATIN"
_SCRIPT_WORDS = {
    "CYRILLIC": "cyrillic",
    "ARABIC": "arabic",
    "CJK": "han",
    "HANGUL": "hangul",
    "GREEK": "greek",
    "HEBREW": "hebrew",
}

# The scheme each script is read with; shown to the officer beside both forms.
SCHEMES = {
    "cyrillic": "BGN/PCGN (ICU)",
    "arabic": "ICU Arabic-Latin",
    "han": "Hanyu Pinyin (pypinyin)",
    "hangul": "Revised Romanization (korean-romanizer)",
    "greek": "UNGEGN (ICU)",
    "hebrew": "ICU Hebrew-Latin",
    "other": "ICU Any-Latin",
}

_ICU_RULES = {
    "cyrillic": "Russian-Latin/BGN; Latin-ASCII; [:^ASCII:] Remove",
    "arabic": "Arabic-Latin; Latin-ASCII; [:^ASCII:] Remove",
    "greek": "Greek-Latin/UNGEGN; Latin-ASCII; [:^ASCII:] Remove",
    "hebrew": "Hebrew-Latin; Latin-ASCII; [:^ASCII:] Remove",
    # A second reading of Arabic-script names, as Persian is read (BGN/PCGN: ذ ض ظ -> z,
    # ث ص -> s, و -> v); Arabic-Latin reads what the Persian table leaves (the alef).
    "persian": "Persian-Latin/BGN; Arabic-Latin; Latin-ASCII; [:^ASCII:] Remove",
    "other": "Any-Latin; Latin-ASCII; [:^ASCII:] Remove",
}


@lru_cache(maxsize=16)
def _icu(script: str) -> Transliterator:
    return Transliterator.createInstance(_ICU_RULES[script])


@lru_cache(maxsize=4096)
def _char_script(ch: str) -> str:
    try:
        word = unicodedata.name(ch).split()[0]
    except ValueError:
        return "other"
    if word == LATIN:
        return LATIN
    return _SCRIPT_WORDS.get(word, "other")


def script_of(text: str) -> str:
    """The script of a word: LATIN, or cyrillic, arabic, han, hangul, greek, hebrew, other."""
    if text.isascii():
        return LATIN
    for ch in text:
        if ch.isalpha():
            script = _char_script(ch)
            if script != LATIN:
                return script
    return LATIN


def syllables(word: str, script: str) -> list[str]:
    """Romanised syllables of a Chinese or Korean word, one per character."""
    if script == "han":
        return [s for s in lazy_pinyin(word, errors="ignore") if s.isascii() and s.isalpha()]
    out = []
    for ch in word:
        if "\uac00" <= ch <= "\ud7a3":
            out.append(Romanizer(ch).romanize())
        elif ch.isalpha():
            out.append(transliterate(ch, "other"))
    return [s for s in out if s]


def persian_reading(text: str) -> str:
    """A word in Arabic script read as Persian (رضا -> rza, آذر -> zr, وحید -> vhyd)."""
    return str(_icu("persian").transliterate(text))


def transliterate(text: str, script: str) -> str:
    """Latin letters for a word in another script (ICU transforms)."""
    if script in ("han", "hangul"):
        return "".join(syllables(text, script))
    return str(_icu(script if script in _ICU_RULES else "other").transliterate(text))


def split_han_hangul(word: str, script: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(surname, given name) of an East Asian name written as one word: the first character
    is the family name (김 정은, 毛 泽东). Each part is a list of (character, syllable)."""
    chars = [ch for ch in word if ch.isalpha()]
    pairs = [(ch, s) for ch in chars for s in syllables(ch, script)[:1]]
    if len(pairs) <= 1:
        return pairs, []
    return pairs[:1], pairs[1:]


# ---------------------------------------------------------------------------
# Name families (rigour)
# ---------------------------------------------------------------------------

_SYMBOL_IDS: dict[str, int] = {}


def warm_up() -> None:
    """rigour loads its name data on first use (several seconds): do it at start-up."""
    name_symbols("muhammad")
    wade_giles_readings("tse")
    korean_readings("kim")


@lru_cache(maxsize=262144)
def name_symbols(form: str) -> frozenset[int]:
    """rigour's NAME and SYMBOL symbols for one name part (as interned ids). Two parts that
    share one are the same name in another language, spelling or script, or the same
    particle (bin ~ ibn ~ بن)."""
    found: set[int] = set()
    if not form:
        return frozenset()
    for name in analyze_names(NameTypeTag.PER, [form], phonetics=False, numerics=False):
        if len(name.parts) != 1:
            continue
        for span in name.spans:
            category = str(span.symbol.category)
            if not (category.endswith("NAME") or category.endswith("SYMBOL")):
                continue
            label = str(span.symbol)
            found.add(_SYMBOL_IDS.setdefault(label, len(_SYMBOL_IDS)))
    return frozenset(found)


@lru_cache(maxsize=8)
def particle_symbol_ids() -> frozenset[int]:
    """Interned ids of rigour's particle symbols (SYMBOL category: BIN, ABU, ...)."""
    name_symbols("bin")
    name_symbols("abu")
    return frozenset(i for label, i in _SYMBOL_IDS.items() if label.startswith("[SYMBOL:"))


# ---------------------------------------------------------------------------
# Wade-Giles and Pinyin (pypinyin's conversion table)
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _wade_giles_table() -> dict[str, frozenset[str]]:
    readings: set[str] = set()
    for value in pinyin_dict.values():
        for reading in value.split(","):
            normal = to_normal(reading)
            if normal.isascii() and normal.isalpha():
                readings.add(normal)
    table: dict[str, set[str]] = {}
    for reading in readings:
        wade = to_wade_glides(reading)
        key = unicodedata.normalize("NFKD", wade)
        key = "".join(ch for ch in key if ch.isascii() and ch.isalpha()).lower()
        if key and key != reading:
            table.setdefault(key, set()).add(reading)
    return {k: frozenset(v) for k, v in table.items()}


@lru_cache(maxsize=65536)
def wade_giles_readings(token: str) -> frozenset[str]:
    """Pinyin syllables a Wade-Giles syllable stands for (tse -> ze, ce; tung -> dong)."""
    return _wade_giles_table().get(token, frozenset())


@lru_cache(maxsize=1)
def _korean_table() -> dict[str, frozenset[str]]:
    """Every Hangul syllable romanised by Revised Romanization (korean-romanizer) and by ICU's
    BGN/PCGN Korean (close to McCune-Reischauer): Latin form -> the syllables it may be."""
    bgn = Transliterator.createInstance("NFD; Korean-Latin/BGN; NFC; Latin-ASCII")
    table: dict[str, set[str]] = {}
    for code in range(0xAC00, 0xD7A4):
        syllable = chr(code)
        for form in (Romanizer(syllable).romanize(), str(bgn.transliterate(syllable))):
            form = re.sub(r"[^a-z]", "", form.lower())
            if form:
                table.setdefault(form, set()).add(syllable)
    return {k: frozenset(v) for k, v in table.items()}


@lru_cache(maxsize=65536)
def korean_readings(token: str) -> frozenset[str]:
    """Hangul syllables a romanised Korean syllable may stand for (Ja and Cha may both be 자)."""
    return _korean_table().get(token, frozenset()) if len(token) <= 6 else frozenset()


# ---------------------------------------------------------------------------
# Sound keys
# ---------------------------------------------------------------------------

_SCHOOL_RULES = (
    (re.compile(r"^ch(?=[rl])"), "H"),  # German initial Ch before r/l: Chruschtschow, Chlebnikow
    (re.compile(r"shch|szcz|tsch|tch|sch|sh|sz|cz|ch|zh|ż|š|č"), "S"),
    (re.compile(r"dh|dz"), "d"),
    (re.compile(r"th"), "t"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"kh|h"), "H"),  # Khrushchev ~ Hrushchev (Telegram), Mikhail ~ Mihail
    (re.compile(r"x"), "ks"),
    (re.compile(r"ck|q|c(?![eiy])|g(?![ei])"), "k"),
    (re.compile(r"c"), "s"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"eo"), "o"),  # Korean RR: jeong ~ jong
    (re.compile(r"eu"), "u"),  # Korean RR: eun ~ un
    (re.compile(r"ee|ie|j|y"), "i"),
    (re.compile(r"w"), "v"),
    (re.compile(r"tz|ts|z"), "s"),
    (re.compile(r"^i(?=e)"), ""),  # Cyrillic Ye at the start: Yevgeny ~ Evgeny
    (re.compile(r"(?<=[^aeiou])i?[eo]v$"), "ov"),  # Russian -ёв: Khrushchev ~ Chruschtschow
)


def squeeze(text: str) -> str:
    """Runs of one letter as one letter (`re.sub(r"(.)\\1+", r"\\1", text)`, several times
    faster)."""
    return "".join(letter for letter, _run in groupby(text))


@lru_cache(maxsize=262144)
def school_key(token: str) -> str:
    """One key for a name written by the German, French, Spanish, Polish or English school:
    Khrushchev, Chruschtschow and Khrouchtchev all give `HruSov`; Qadhafi, Kadhafi
    and Gaddafi give `kadafi`; Yeltsin and Jelzin give `ielsin`."""
    t = token
    for pattern, replacement in _SCHOOL_RULES:
        t = pattern.sub(replacement, t)
    return squeeze(t)


# Of a word written without short vowels (the script side), which letters may stand for
# which in its Latin spelling: alef for a/e/o, ye for i/e (and y, j: one key), vav for
# v/w/u/o, he for h/a/e (at the end of a name above all: Fatemeh ~ Fatima).
_WRITTEN_AS = {"a": "aeo", "i": "ie", "v": "vuo", "H": "Hae"}
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=262144)
def unvocalised_spelling(written: str, latin: str) -> bool:
    """Whether `latin` (a folded Latin token) spells `written` (the folded reading of a
    token in Arabic or Hebrew script) with the short vowels the script leaves out: every
    written letter is read in order, and what the Latin adds is vowels (Vhyd ~ Vahid,
    Rzayy ~ Razayi, Jvad ~ Djavad, Lyrza ~ Aliriza). Both are compared by their school
    keys (kh/h, q/k, z/s and the like are one), and a written form needs two consonants."""
    s = school_key(written)
    t = school_key(_jim_as_j(latin))
    if sum(ch not in _VOWELS for ch in s) < 2:
        return False
    # Positions (i in s, j in t) reachable: a written letter read as its Latin letter, or a
    # Latin vowel the script does not write.
    frontier = {(0, 0)}
    seen = set(frontier)
    while frontier:
        step = set()
        for i, j in frontier:
            if i == len(s) and j == len(t):
                return True
            if j == len(t):
                continue
            if t[j] in _VOWELS:
                step.add((i, j + 1))
            if i < len(s) and (t[j] == s[i] or t[j] in _WRITTEN_AS.get(s[i], "")):
                step.add((i + 1, j + 1))
        frontier = step - seen
        seen |= frontier
    return False


_VOWEL_LETTERS = re.compile("[aeiou]")


def _jim_as_j(latin: str) -> str:
    """The French dj for jim as j (Djavad -> javad), as the script's reading writes it."""
    return latin[1:] if latin.startswith("dj") else latin


def _without_vowels(token: str) -> str:
    return squeeze(_VOWEL_LETTERS.sub("", school_key(token)))


def written_key(latin: str) -> str:
    """The letters of a Latin token that a script without short vowels writes: its school
    key without vowels, v (vav) and H (he) kept (Wahid, Vahid, Waheed -> vHd; Djavad -> vd).
    The index finds Latin tokens by this key for a query in Arabic or Hebrew script."""
    return _without_vowels(_jim_as_j(latin))


@lru_cache(maxsize=32768)
def written_keys(written: str) -> frozenset[str]:
    """The `written_key`s a token read from Arabic or Hebrew script may have in Latin: vav
    and he are consonants or vowels there (vhyd -> vHd, Hd, vd; fatmh -> ftmH, ftm), each
    kept or dropped (the first four). Keys of fewer than two letters say too little."""
    key = _without_vowels(written)
    optional = [i for i, ch in enumerate(key) if ch in "vH"][:4]
    keys = set()
    for mask in range(1 << len(optional)):
        dropped = {optional[bit] for bit in range(len(optional)) if mask >> bit & 1}
        variant = squeeze("".join(ch for i, ch in enumerate(key) if i not in dropped))
        if len(variant) >= 2:
            keys.add(variant)
    return frozenset(keys)


@lru_cache(maxsize=32768)
def consonant_skeleton(token: str) -> str:
    """The school key without vowels: scripts that write no short vowels (Arabic, Hebrew)
    compare on this (معمر -> mmr ~ Muammar)."""
    key = re.sub(r"[aeiouvH]", "", school_key.__wrapped__(token).replace("S", "s"))
    return squeeze(key)

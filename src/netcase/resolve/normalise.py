"""Normalisers: pure functions that turn the spellings agencies write into comparable keys.

Names follow the Hispanic convention the task force's records mostly use: one or more given names,
then the paternal and the maternal surname (``José Luis HERNÁNDEZ ORTIZ``), with particles
(``de``, ``del``, ``de la``, ``y``) that belong to a surname, the order ``SURNAMES, GIVEN NAMES`` in
many exports, accents and ``ñ`` often dropped by U.S. systems, and either surname missing. Nicknames
used as given names (Pepe, Chucho, Lupe) map to the legal name through ``data/hypocorisms.csv``;
criminal aliases ("El Güero") are *not* names: ``alias_key`` keeps them apart.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

import jellyfish
import phonenumbers

# Particles that belong to the surname that follows them; dropped from the matching key so that
# "de la Cruz", "DE LA CRUZ" and "Cruz" compare equal, but kept in the display form.
PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di", "van", "von", "san"})
# Articles that open an alias ("El Güero", "La Flaca"): stripped from alias keys.
ALIAS_ARTICLES = frozenset({"el", "la", "los", "las", "lo"})

COUNTRY_ALPHA2 = {
    "USA": "US", "MEX": "MX", "GTM": "GT", "SLV": "SV", "HND": "HN", "NIC": "NI", "CRI": "CR",
    "PAN": "PA", "COL": "CO", "ECU": "EC", "VEN": "VE", "CUB": "CU", "DOM": "DO", "HTI": "HT",
    "PER": "PE", "BRA": "BR", "CHN": "CN", "IND": "IN", "BLZ": "BZ",
}
ALPHA2_COUNTRY = {v: k for k, v in COUNTRY_ALPHA2.items()}
# Nationalities as partner agencies write them (Spanish adjectives, English names), to trigraphs.
NATIONALITY_WORDS = {
    "mexicana": "MEX", "mexicano": "MEX", "mexico": "MEX", "mexican": "MEX", "mx": "MEX",
    "guatemalteca": "GTM", "guatemalteco": "GTM", "guatemala": "GTM", "guatemalan": "GTM", "gt": "GTM",
    "salvadorena": "SLV", "salvadoreno": "SLV", "el salvador": "SLV", "salvadoran": "SLV", "sv": "SLV",
    "hondurena": "HND", "hondureno": "HND", "honduras": "HND", "honduran": "HND", "hn": "HND",
    "nicaraguense": "NIC", "nicaragua": "NIC", "costarricense": "CRI", "panamena": "PAN",
    "colombiana": "COL", "colombiano": "COL", "colombia": "COL", "ecuatoriana": "ECU",
    "ecuatoriano": "ECU", "ecuador": "ECU", "venezolana": "VEN", "venezolano": "VEN", "venezuela": "VEN",
    "cubana": "CUB", "cubano": "CUB", "cuba": "CUB", "estadounidense": "USA", "united states": "USA",
    "american": "USA", "us": "USA", "haitiana": "HTI", "haitiano": "HTI", "haiti": "HTI",
    "peruana": "PER", "peruano": "PER", "dominicana": "DOM", "dominicano": "DOM",
}


@lru_cache(maxsize=1 << 18)
def fold(text: str | None) -> str:
    """Lower case, accents and ñ folded to ASCII, punctuation to spaces, spaces collapsed.

    ``ñ`` folds to ``n`` because most U.S. systems already write NUNEZ for NÚÑEZ; the comparison
    must meet them where they are.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = ascii_only.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").lower()
    ascii_only = re.sub(r"[^a-z0-9,]+", " ", ascii_only)
    return re.sub(r"\s+", " ", ascii_only).strip()


@lru_cache(maxsize=1)
def hypocorisms() -> dict[str, tuple[str, ...]]:
    """Nickname → the given names it can stand for, read from ``data/hypocorisms.csv``."""
    table: dict[str, list[str]] = {}
    text = resources.files("netcase.resolve").joinpath("data/hypocorisms.csv").read_text(encoding="utf-8")
    rows = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    next(rows)  # header
    for nick, canonical in rows:
        key = fold(nick)
        table.setdefault(key, [])
        if fold(canonical) not in table[key]:
            table[key].append(fold(canonical))
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def common_given_names() -> frozenset[str]:
    """Given names common in the region, used to tell a second given name from a surname."""
    text = resources.files("netcase.resolve").joinpath("data/given_names.txt").read_text(encoding="utf-8")
    names = {fold(line) for line in text.splitlines() if line.strip() and not line.startswith("#")}
    for canon in hypocorisms().values():
        for c in canon:
            names.update(c.split())
    return frozenset(names)


@lru_cache(maxsize=1)
def surname_given_overlap() -> frozenset[str]:
    """Words that are both common given names and common surnames (Ramos, Martin, Tomas…)."""
    return frozenset({"ramos", "martin", "tomas", "cruz", "rosario", "salvador", "jesus", "santiago",
                      "lorenzo", "domingo", "vicente", "leon", "pascual", "mateo", "marcos",
                      "lucas", "bautista", "jose"})


@dataclass(frozen=True)
class PersonName:
    """A person's name split into parts, each folded to a matching key.

    ``given`` holds the given names in order (nicknames left as written); ``given_canon`` the first
    given name mapped through the hypocorism table where it is unambiguous; ``given_alts`` every
    form the first given name can stand for (itself, and all its hypocorism expansions).
    """

    given: tuple[str, ...] = ()
    surname1: str | None = None
    surname2: str | None = None
    given_canon: str | None = None
    given_alts: tuple[str, ...] = ()
    tokens: tuple[str, ...] = field(default=())

    @property
    def full(self) -> str:
        return " ".join([*self.given, *(s for s in (self.surname1, self.surname2) if s)])


def _surname_groups(words: list[str]) -> list[str]:
    """Group surname words, attaching particles to the word they introduce.

    ``["de", "la", "cruz", "y", "ortiz"]`` → ``["cruz", "ortiz"]`` (the matching key drops the particle).
    ``y`` between surnames is a conjunction, dropped.
    """
    groups: list[str] = []
    pending_particle = False
    for w in words:
        if w == "y" and groups:
            continue
        if w in PARTICLES:
            pending_particle = True
            continue
        groups.append(w)
        pending_particle = False
    if pending_particle and not groups:
        # A surname made of a particle only ("DE") is noise, not a surname.
        return []
    return groups


def _given_words(words: list[str]) -> list[str]:
    """Given names with particles dropped ("María de los Ángeles" → maria angeles)."""
    return [w for w in words if w not in PARTICLES and w != "y"]


def _expand_given(first: str) -> tuple[str | None, tuple[str, ...]]:
    nick = hypocorisms().get(first)
    if not nick:
        return first, (first,)
    firsts = tuple(dict.fromkeys(c.split()[0] for c in nick))
    canon = firsts[0] if len(firsts) == 1 else first
    return canon, tuple(dict.fromkeys((first, *firsts)))


def _make(given: list[str], surnames: list[str]) -> PersonName:
    given = [g for g in given if g]
    # A nickname that stands for a compound name (Chema → José María) expands to both words.
    if given and given[0] in hypocorisms():
        expansions = hypocorisms()[given[0]]
        if len(expansions) == 1 and " " in expansions[0]:
            given = [*expansions[0].split(), *given[1:]]
    s1 = surnames[0] if surnames else None
    s2 = " ".join(surnames[1:]) if len(surnames) > 1 else None
    canon, alts = _expand_given(given[0]) if given else (None, ())
    tokens = tuple(dict.fromkeys([*given, *surnames]))
    return PersonName(tuple(given), s1, s2, canon, alts, tokens)


@lru_cache(maxsize=1 << 18)
def parse_name(
    full: str | None = None,
    *,
    given: str | None = None,
    surname: str | None = None,
    second_surname: str | None = None,
) -> PersonName:
    """Split a person's name into given names and the two surnames.

    Accepts either the parts as an agency recorded them (``given``, ``surname``, optionally
    ``second_surname``; a ``surname`` holding both surnames is split) or one ``full`` string, in
    "Given Surname Surname" or "SURNAME SURNAME, GIVEN" order. Without a comma, a three-word name is
    read as one given name and two surnames unless the middle word is a common given name
    (José Luis Hernández); four or more words as two given names and the rest as surnames.
    """
    if given or surname or second_surname:
        g = _given_words(fold(given).replace(",", " ").split())
        s = _surname_groups(fold(surname).replace(",", " ").split())
        s += _surname_groups(fold(second_surname).replace(",", " ").split())
        if not g and not s and full:
            return parse_name(full)
        return _make(g, s)
    text = fold(full)
    if not text:
        return PersonName()
    if "," in text:
        left, _, right = text.partition(",")
        return _make(_given_words(right.replace(",", " ").split()), _surname_groups(left.split()))
    words = text.split()
    # Particles stay attached while we decide where the given names end.
    core = [w for w in words if w not in PARTICLES and w != "y"]
    if len(core) <= 1:
        return _make(core, [])
    if len(core) == 2:
        return _make(core[:1], core[1:])
    known = common_given_names()
    n_given = 1
    # Walk forward while the next word is a known given name and enough words remain for a surname.
    while n_given < len(core) - 1 and core[n_given] in known and (
        core[n_given] not in surname_given_overlap() or len(core) - n_given > 2
    ):
        n_given += 1
    if len(core) >= 4 and n_given == 1:
        n_given = len(core) - 2
    # Find the cut in the original word list (to keep particles with the surnames).
    seen = 0
    cut = len(words)
    for i, w in enumerate(words):
        if w in PARTICLES or w == "y":
            continue
        if seen == n_given:
            cut = i
            break
        seen += 1
    # Move particles immediately before the cut into the surname part.
    while cut > 0 and words[cut - 1] in PARTICLES:
        cut -= 1
    return _make(_given_words(words[:cut]), _surname_groups(words[cut:]))


@lru_cache(maxsize=1 << 18)
def phonetic(word: str | None) -> str | None:
    """A sound key for a folded name word, tuned for Spanish spellings before Metaphone.

    Spanish writes one sound several ways (v/b, z/s/c before e and i, ll/y, silent h, j/g before
    e and i); folding those first lets Metaphone treat Vásquez/Vazquez/Basques alike.
    """
    if not word:
        return None
    w = word.replace(" ", "")
    w = re.sub(r"^h", "", w)
    w = w.replace("ll", "y").replace("v", "b").replace("z", "s").replace("qu", "k")
    w = re.sub(r"c(?=[ei])", "s", w)
    w = re.sub(r"g(?=[ei])", "j", w)
    w = w.replace("x", "j") if w.startswith("x") or "xic" not in w else w
    w = re.sub(r"(.)\1+", r"\1", w)
    if not w:
        return None
    return jellyfish.metaphone(w) or None


@lru_cache(maxsize=1 << 18)
def alias_key(alias: str | None) -> str | None:
    """An alias's matching key: folded, leading article dropped ("El Güero" → "guero").

    Aliases are evidence, never identity: many people are "El Güero".
    """
    text = fold(alias).replace(",", " ")
    words = text.split()
    while words and words[0] in ALIAS_ARTICLES:
        words = words[1:]
    return " ".join(words) or None


@lru_cache(maxsize=1 << 18)
def country_code(value: str | None) -> str | None:
    """A trigraph from a trigraph, an ISO alpha-2 code, a country name or a Spanish nationality."""
    if not value:
        return None
    raw = value.strip()
    if len(raw) == 3 and raw.isalpha() and raw.upper() == raw:
        return raw
    key = fold(raw).replace(",", "")
    if key in NATIONALITY_WORDS:
        return NATIONALITY_WORDS[key]
    if len(raw) == 2 and raw.upper() in ALPHA2_COUNTRY:
        return ALPHA2_COUNTRY[raw.upper()]
    if len(raw) == 3 and raw.isalpha():
        return raw.upper()
    return None


@lru_cache(maxsize=1 << 18)
def phone_e164(value: str | None, country: str | None = None) -> str | None:
    """A phone number in E.164, reading local numbers with ``country`` (trigraph or alpha-2) as default.

    Mexico's old mobile prefix (+52 1 …) is dropped, as Mexico did in 2019, so both forms meet.
    Returns None when the value cannot be a phone number.
    """
    if not value:
        return None
    text = value.strip()
    if not re.search(r"\d", text):
        return None
    region = COUNTRY_ALPHA2.get(country.upper(), country.upper()) if country else None
    if region and len(region) != 2:
        region = None
    digits = re.sub(r"\D", "", text)
    fast = _fast_e164(text, digits, region)
    if fast:
        return fast
    candidates: list[str | None] = []
    if text.startswith("+") or text.startswith("00"):
        candidates.append(None)
    candidates.append(region or "US")
    if region != "US":
        candidates.append("US")
    for reg in candidates:
        try:
            num = phonenumbers.parse("+" + digits.removeprefix("00") if reg is None else text, reg)
        except phonenumbers.NumberParseException:
            continue
        if num.country_code == 52 and str(num.national_number).startswith("1") and len(str(num.national_number)) == 11:
            num = phonenumbers.PhoneNumber(country_code=52, national_number=int(str(num.national_number)[1:]))
        if phonenumbers.is_possible_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    if 7 <= len(digits) <= 15:
        # An unparseable but plausible number still matches itself.
        return "+" + digits
    return None


# Calling code and national number length of the region's numbers, for the common cases that need
# no full parse (phonenumbers costs ~100 µs a number; a million records have a million phones).
_FAST_REGIONS = {"US": ("1", 10), "MX": ("52", 10), "GT": ("502", 8), "SV": ("503", 8), "HN": ("504", 8)}
_FAST_BY_CODE = {code: n for code, n in _FAST_REGIONS.values()}


def _fast_e164(text: str, digits: str, region: str | None) -> str | None:
    """E.164 for well-formed numbers of the task force's five countries, else None (full parse)."""
    if text.startswith("+"):
        for code, n in _FAST_BY_CODE.items():
            rest = digits[len(code):]
            if digits.startswith(code) and len(rest) == n:
                return "+" + digits
            if code == "52" and digits.startswith("521") and len(rest) == 11:
                return "+52" + rest[1:]
        return None
    if region in _FAST_REGIONS:
        code, n = _FAST_REGIONS[region]
        if len(digits) == n and digits[0] not in "01":
            return "+" + code + digits
    return None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
)


@lru_cache(maxsize=1 << 18)
def parse_date(value: str | None, order: str = "MDY") -> str | None:
    """An ISO date from ISO, ``MM/DD/YYYY`` (``order="MDY"``) or ``DD/MM/YYYY`` (``order="DMY"``).

    When the given order is impossible (a "month" of 13 or more), the other order is used: day and
    month swaps are the commonest date error between U.S. and Latin American records.
    """
    if not value:
        return None
    text = value.strip()
    for pattern, parts in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(m.group(parts.index(k) + 1)) for k in ("y", "m", "d"))
            return _iso(y, mo, d) or _iso(y, d, mo)
    m = re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$", text)
    if not m:
        return None
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y < 100:
        y += 1900 if y > 30 else 2000
    first, second = (b, a) if order.upper() == "DMY" else (a, b)
    return _iso(y, first, second) or _iso(y, second, first)


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def swap_day_month(iso: str | None) -> str | None:
    """The same date with day and month exchanged, or None when that is not a date (or the same)."""
    if not iso or len(iso) != 10:
        return None
    y, m, d = iso.split("-")
    swapped = _iso(int(y), int(d), int(m))
    return swapped if swapped != iso else None


@lru_cache(maxsize=1 << 18)
def document_key(value: str | None) -> str | None:
    """A document number's key: upper case letters and digits only; all-same-digit fillers refused."""
    if not value:
        return None
    key = re.sub(r"[^A-Z0-9]", "", fold(value).upper())
    if len(key) < 4 or len(set(key)) == 1 or key in {"UNKNOWN", "NONE", "NULL", "NA0000"}:
        return None
    return key


def plate_key(value: str | None) -> str | None:
    """A licence plate's key: letters and digits, upper case; O and 0 read alike (a common misread)."""
    if not value:
        return None
    key = re.sub(r"[^A-Z0-9]", "", fold(value).upper()).replace("O", "0")
    return key if len(key) >= 3 else None


def account_key(value: str | None) -> str | None:
    """An account or card number's key: digits and letters only (IBANs keep their letters)."""
    if not value:
        return None
    key = re.sub(r"[^A-Z0-9]", "", fold(value).upper())
    return key if len(key) >= 5 else None


def email_key(value: str | None) -> str | None:
    """An e-mail address's key: lower case, trimmed; None when it is not an address."""
    if not value or "@" not in value:
        return None
    return value.strip().lower()


@lru_cache(maxsize=1 << 18)
def address_key(value: str | None) -> str | None:
    """An address's key: folded words with common street words abbreviated alike."""
    text = fold(value).replace(",", " ")
    if not text:
        return None
    abbrev = {"street": "st", "calle": "c", "avenue": "av", "avenida": "av", "ave": "av", "road": "rd",
              "colonia": "col", "boulevard": "blvd", "bulevar": "blvd", "drive": "dr", "numero": "",
              "no": "", "num": "", "apartment": "apt", "apto": "apt", "departamento": "apt"}
    words = [abbrev.get(w, w) for w in text.split()]
    return " ".join(w for w in words if w) or None


def sex_key(value: str | None) -> str | None:
    """M or F from English or Spanish words and letters; None otherwise."""
    key = fold(value)
    if key in {"m", "male", "masculino", "hombre", "h", "man"}:
        return "M"
    if key in {"f", "female", "femenino", "mujer", "woman"}:
        return "F"
    return None


# -- organisations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgName:
    """An organisation name reduced for matching.

    ``key`` is the distinctive words, folded and sorted (word order does not matter: *Transportes
    Hernández* = *Hernández Transportes*); ``tokens`` the same words as a set; ``legal_form`` the
    generic legal form rigour recognised (``jsc`` for S.A. / S.A. de C.V., ``llc`` for S. de R.L.,
    LLC and Inc.), or None.
    """

    key: str | None
    tokens: tuple[str, ...]
    legal_form: str | None
    phonetic: str | None


@lru_cache(maxsize=1)
def org_stop_words() -> frozenset[str]:
    """Generic words of organisation names (``data/org_words.txt``), dropped from the key."""
    text = resources.files("netcase.resolve").joinpath("data/org_words.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=1)
def legal_form_suffixes() -> tuple[tuple[tuple[str, ...], str], ...]:
    """Legal-form word sequences of ``data/legal_forms.csv``, longest first, with their generic form."""
    text = resources.files("netcase.resolve").joinpath("data/legal_forms.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.reader(line for line in text.splitlines() if not line.startswith("#"))]
    pairs = [(tuple(r[0].split()), r[1]) for r in rows[1:] if len(r) == 2]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def _strip_legal_suffix(words: list[str]) -> tuple[list[str], str | None]:
    """Remove legal forms that end ``words`` (several may be stacked: *Cia. Ltda.*)."""
    form: str | None = None
    changed = True
    while changed and words:
        changed = False
        for suffix, generic in legal_form_suffixes():
            n = len(suffix)
            if len(words) > n and tuple(words[-n:]) == suffix:
                words = words[:-n]
                form = form or generic
                changed = True
                break
    return words, form


@lru_cache(maxsize=1 << 16)
def org_name(name: str | None) -> OrgName:
    """Reduce an organisation name: accents, casing, legal form, generic words and word order.

    Legal forms ending the name come from ``data/legal_forms.csv`` (S.A. de C.V., S. de R.L.,
    LLC, Inc., Ltda. in any punctuation); others anywhere in the name from rigour's table (ISO
    20275 and more). A name that is only a legal form keeps its words, and when only generic words
    remain (*Grupo Empresarial S.A.*) they are the key, so a name is never reduced to nothing.
    """
    if not name or not name.strip():
        return OrgName(None, (), None, None)
    words, legal = _strip_legal_suffix(fold(name).replace(",", " ").split())
    if legal is None:
        from rigour.names import extract_org_types, remove_org_types

        plain = unicodedata.normalize("NFKD", name)
        plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
        forms = extract_org_types(plain, generic=True)
        if forms:
            legal = forms[-1][1]
            words = fold(remove_org_types(plain, replacement=" ")).replace(",", " ").split() or words
    stop = org_stop_words()
    distinctive = [w for w in words if w not in stop] or words
    tokens = tuple(sorted(set(distinctive)))
    sound = " ".join(p for w in tokens if (p := phonetic(w))) or None
    return OrgName(" ".join(tokens) or None, tokens, legal, sound)


def registration_key(value: str | None) -> str | None:
    """A registration or tax number's key (RFC, NIT, RTN, NIT-SV, EIN): letters and digits only.

    Mexican RFCs of companies are 12 characters, Guatemalan NITs end in a check digit often written
    after a hyphen (``1234567-8``): removing punctuation makes every spelling one key.
    """
    return document_key(value)

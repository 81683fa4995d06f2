"""How agencies record people: the noise model.

A person has one true name, date of birth and set of phones; every mention of them in a source file is
rendered through ``Renderer``, which applies the errors real records carry (dropped accents, one surname
instead of two, swapped or hyphenated surnames, hypocorisms, misspellings, DOB typos and day/month swaps,
missing values, phone numbers in several formats). ``NOISE_LEVELS`` holds the rates; ``docs/synth.md``
lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from netcase.synth.rand import Dice
from netcase.synth.tables import CALLING_CODE, COMPOUND_HYPOCORISMS, HYPOCORISMS


@dataclass(frozen=True, slots=True)
class NoiseRates:
    """Probabilities of each kind of recording error, per mention."""

    accent_drop: float = 0.45  # outside CBP, which strips accents almost always
    typo: float = 0.06  # one misspelling somewhere in the name
    drop_surname2: float = 0.15  # only the paternal surname recorded
    swap_surnames: float = 0.03
    hyphenate: float = 0.04  # "HERNANDEZ-ORTIZ"
    drop_given2: float = 0.18  # "José" for "José Luis"
    nickname: float = 0.06  # hypocorism in formal records (much higher in informal ones)
    dob_missing: float = 0.12
    dob_typo: float = 0.03  # a day or year off by one
    dob_swap: float = 0.04  # day and month exchanged
    phone_missing: float = 0.25
    duplicate: float = 0.015  # a row entered twice
    wrong_category: float = 0.15  # a smuggler recorded by CBP as a migrant


BASE = NoiseRates()


def _scaled(factor: float) -> NoiseRates:
    values = {}
    for f in fields(NoiseRates):
        base = getattr(BASE, f.name)
        values[f.name] = min(0.9, base * factor)
    return replace(BASE, **values)


NOISE_LEVELS: dict[str, NoiseRates] = {"low": _scaled(0.35), "default": BASE, "high": _scaled(2.2)}

_ACCENTS = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")
# Misspellings that follow Spanish pronunciation, tried before mechanical typos.
_PHONETIC = (("s", "z"), ("z", "s"), ("v", "b"), ("b", "v"), ("ll", "y"), ("y", "ll"), ("ce", "se"),
             ("ci", "si"), ("h", ""), ("ge", "je"), ("gi", "ji"), ("rr", "r"), ("x", "j"), ("qu", "k"),
             ("ñ", "n"), ("gu", "w"))
_NEIGHBOURS = {"a": "sq", "e": "wr", "i": "uo", "o": "ip", "u": "yi", "n": "bm", "r": "et", "s": "ad",
               "l": "k", "t": "ry", "d": "sf", "m": "n", "c": "xv", "g": "fh"}


def strip_accents(text: str) -> str:
    """Text without Spanish diacritics (what many systems store)."""
    return text.translate(_ACCENTS)


class Renderer:
    """Renders true identities into noisy recorded values, with one ``Dice`` stream per output file."""

    def __init__(self, dice: Dice, rates: NoiseRates) -> None:
        self.d = dice
        self.r = rates
        # How far this level is from the default: scales the per-source rates writers pass explicitly.
        self.k = rates.typo / BASE.typo

    # -- names ----------------------------------------------------------------------------
    def typo(self, word: str) -> str:
        """One misspelling: phonetic when a pattern occurs, else a keyboard slip."""
        d = self.d
        low = word.lower()
        if d.chance(0.6):
            start = d.below(len(_PHONETIC))
            for k in range(len(_PHONETIC)):
                a, b = _PHONETIC[(start + k) % len(_PHONETIC)]
                i = low.find(a, 1)  # keep the first letter: people rarely misspell it
                if i > 0:
                    out = word[:i] + b + word[i + len(a):]
                    return out if word[i].islower() else out.upper()
        if len(word) < 4:
            return word
        i = 1 + d.below(len(word) - 2)
        op = d.below(4)
        if op == 0:
            return word[:i] + word[i + 1:]
        if op == 1:
            return word[:i] + word[i] + word[i:]
        if op == 2:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        ch = word[i]
        sub = _NEIGHBOURS.get(ch.lower())
        if not sub:
            return word
        rep = sub[d.below(len(sub))]
        return word[:i] + (rep.upper() if ch.isupper() else rep) + word[i + 1:]

    def name_parts(self, given: tuple[str, ...], sur: tuple[str, ...], informal: bool = False,
                   scale: float = 1.0) -> tuple[list[str], list[str]]:
        """Given names and surnames as one mention records them (before casing)."""
        d, r = self.d, self.r
        g = list(given)
        s = list(sur)
        nick = r.nickname * (4.0 if informal else 1.0) * scale
        if d.chance(nick):
            if len(g) == 2 and (g[0], g[1]) in COMPOUND_HYPOCORISMS:
                g = [d.pick(COMPOUND_HYPOCORISMS[(g[0], g[1])])]
            elif g[0] in HYPOCORISMS and HYPOCORISMS[g[0]]:
                g = [d.pick(HYPOCORISMS[g[0]])] + g[1:2] * (not informal)
        if len(g) > 1 and d.chance(r.drop_given2 * (2.0 if informal else 1.0) * scale):
            g = g[:1]
        if len(s) > 1:
            if d.chance(r.drop_surname2 * (2.0 if informal else 1.0) * scale):
                s = s[:1]
            elif d.chance(r.swap_surnames * scale):
                s = [s[1], s[0]]
        for j, sur_j in enumerate(s):
            if sur_j.startswith(("de ", "del ")) and d.chance(r.drop_surname2 * 2 * scale):
                # "de León" as "León", "de la Cruz" as "Cruz", or run together: "Deleón", "Delacruz".
                bare = sur_j.split(" ")[-1]
                s[j] = bare if d.chance(0.6) else sur_j.replace(" ", "").capitalize()
        if d.chance(r.typo * scale):
            if s and (d.chance(0.5) or not g):
                j = d.below(len(s))
                s[j] = self.typo(s[j])
            elif g:
                j = d.below(len(g))
                g[j] = self.typo(g[j])
        return g, s

    def full_name(self, given: tuple[str, ...], sur: tuple[str, ...], *, informal: bool = False,
                  upper: bool = False, accents: float | None = None, surname_first: bool = False,
                  scale: float = 1.0) -> str:
        """A whole name as one string, e.g. ``José Luis Hernández Ortiz`` or ``HERNANDEZ ORTIZ, JOSE LUIS``."""
        g, s = self.name_parts(given, sur, informal, scale)
        surs = "-".join(s) if len(s) > 1 and self.d.chance(self.r.hyphenate * scale) else " ".join(s)
        given_s = " ".join(g)
        if not surs:
            text = given_s
        elif not given_s:
            text = surs
        else:
            text = f"{surs}, {given_s}" if surname_first else f"{given_s} {surs}"
        if self.d.chance(self.r.accent_drop if accents is None else accents):
            text = strip_accents(text)
        return text.upper() if upper else text

    # -- dates ----------------------------------------------------------------------------
    def dob(self, true: date | None, missing: float | None = None) -> date | None:
        """A recorded date of birth: missing, off by one, day/month swapped, or right."""
        d, r = self.d, self.r
        if true is None or d.chance(r.dob_missing if missing is None else min(0.95, missing * self.k)):
            return None
        x = d.u()
        if x < r.dob_swap and true.day <= 12 and true.day != true.month:
            return date(true.year, true.day, true.month)
        if x < r.dob_swap + r.dob_typo:
            if d.chance(0.5):
                return true + timedelta(days=d.pick((-1, 1, 10, -10)))
            try:
                return true.replace(year=true.year + d.pick((-1, 1)))
            except ValueError:
                return true
        return true

    # -- phones ---------------------------------------------------------------------------
    def phone(self, number: tuple[str, str] | None, missing: float | None = None, local_country: str = "") -> str:
        """A phone number in one of the local or international forms people write."""
        d = self.d
        if number is None or d.chance(self.r.phone_missing if missing is None else min(0.95, missing * self.k)):
            return ""
        cc, nsn = number
        style = d.below(5)
        if local_country and CALLING_CODE.get(local_country) != cc and d.chance(0.8):
            style = 1 + d.below(2)  # a foreign number is mostly written with its country code
        return format_phone(cc, nsn, style, local=(CALLING_CODE.get(local_country) == cc))


def format_phone(cc: str, nsn: str, style: int, local: bool = False) -> str:
    """Format a number (calling code ``cc``, national number ``nsn``) in style 0–4."""
    if cc == "1":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        forms = (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a} {b} {c}", f"{nsn}", f"1-{a}-{b}-{c}")
    elif cc == "52":
        a = nsn[:2] if nsn.startswith(("55", "81", "33")) else nsn[:3]
        rest = nsn[len(a):]
        b, c = rest[:-4], rest[-4:]
        forms = (f"{a}-{b}-{c}", f"+52 {a} {b} {c}", f"+52 1 {a} {b} {c}", nsn, f"52{nsn}")
    else:
        a, b = nsn[:4], nsn[4:]
        forms = (f"{a}-{b}", f"+{cc} {a} {b}", f"({cc}) {a}-{b}", f"{cc}{nsn}", f"{a} {b}")
    form = forms[style % 5]
    if local and style in (1, 2) and cc != "1":
        # Local people mostly write numbers without the country code.
        form = forms[0]
    return form


def e164(number: tuple[str, str]) -> str:
    """The canonical ``+CCNSN`` form."""
    return f"+{number[0]}{number[1]}"

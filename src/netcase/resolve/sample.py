"""Person-mention tables with known truth, for tests and the speed benchmark.

``person_mentions(n_people, …)`` draws people from Hispanic name pools (with deliberately common
names, so that different people share names) and writes each several times the way different
agencies would: surnames swapped or one missing, "SURNAMES, GIVEN" order, accents dropped,
nicknames for given names, dates with day and month swapped or a typo, phones in local or
international form. It is independent of ``netcase.synth`` so resolution can be measured at
scales (a million mentions) the world generator is not meant for.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

from netcase import hooks
from netcase.resolve.features import Mention
from netcase.resolve.org_features import OrgMention
from netcase.store import Store

GIVEN_M = ["José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Francisco", "Antonio", "Jesús", "Pedro",
           "Manuel", "Alejandro", "Roberto", "Eduardo", "Fernando", "Ricardo", "Guillermo", "Enrique",
           "Ignacio", "Alberto", "Óscar", "Rubén", "Wilmer", "Selvin", "Byron", "Kevin", "Nelson", "Edwin"]
GIVEN_F = ["María", "Guadalupe", "Ana", "Rosa", "Carmen", "Dolores", "Mercedes", "Concepción", "Patricia",
           "Lucía", "Sofía", "Yesenia", "Suyapa", "Delmy", "Glenda", "Xiomara", "Teresa", "Elena"]
SECOND = ["Luis", "José", "Ángel", "Antonio", "Manuel", "Alberto", "", "", "", "", "", ""]
SECOND_F = ["José", "Elena", "Isabel", "Fernanda", "", "", "", "", "", ""]
SURNAMES = ["Hernández", "García", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez",
            "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vásquez", "Reyes", "Jiménez", "Torres",
            "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Castillo", "Romero", "Álvarez",
            "Chávez", "Ramos", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velásquez", "Muñoz",
            "Rojas", "Orellana", "Ordóñez", "Argueta", "Zelaya", "Escobar", "Funes", "Quiñónez", "Tzul",
            "Ixcot", "Cifuentes", "Barrientos", "Mejía", "de la Cruz", "del Valle", "Núñez", "Peña"]
NICK = {"José": "Pepe", "Jesús": "Chucho", "Guadalupe": "Lupe", "Francisco": "Paco", "Guillermo": "Memo",
        "Alberto": "Beto", "Roberto": "Beto", "Ignacio": "Nacho", "Eduardo": "Lalo", "Antonio": "Toño",
        "Enrique": "Quique", "Concepción": "Concha", "Dolores": "Lola", "Mercedes": "Meche"}
ALIASES = ["El Güero", "La Flaca", "El Chapo", "El Flaco", "El Negro", "El Gordo", "El Primo", "La Güera",
           "El Compa", "El Chino", "El Tigre", "El Brujo", "El Pelón", "El Tío", "El Señor"]
COUNTRIES = ["MEX", "GTM", "HND", "SLV"]
PREFIX = {"MEX": "+52", "GTM": "+502", "HND": "+504", "SLV": "+503"}
SOURCES = ["cbp/encounters.csv", "hsi/case_reports.jsonl", "fbi/case_reports.jsonl", "msb/wire_transfers.csv",
           "partners/MEX_informes.csv", "partners/GTM_informes.csv", "phones/call_records.csv"]

NOISE = {"low": 0.3, "default": 1.0, "high": 2.0}


def _strip(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourlns") + word[i + 1 :]


def person_mentions(
    n_people: int, *, mentions_per_person: float = 2.0, seed: int = 1, noise: str = "default"
) -> Iterator[tuple[Mention, str]]:
    """Yield ``(mention, true_person_id)``; about ``n_people × mentions_per_person`` mentions."""
    rng = random.Random(seed)
    level = NOISE[noise]
    counters = dict.fromkeys(SOURCES, 0)
    for pid in range(n_people):
        female = rng.random() < 0.35
        g1 = rng.choice(GIVEN_F if female else GIVEN_M)
        g2 = rng.choice(SECOND_F if female else SECOND)
        s1, s2 = rng.choice(SURNAMES), rng.choice(SURNAMES)
        year = rng.randint(1955, 2006)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        country = rng.choice(COUNTRIES)
        phone = f"{PREFIX[country]} {rng.randint(2000, 9999)} {rng.randint(1000, 9999)}"
        passport = f"{country[0]}{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.3 else None
        alias = rng.choice(ALIASES) if rng.random() < 0.15 else None
        k = max(1, int(rng.expovariate(1 / mentions_per_person) + 0.5))
        for _ in range(k):
            src = rng.choice(SOURCES)
            counters[src] += 1
            rid = f"R{counters[src]:08d}"
            props: dict[str, list[str]] = {}
            given = g1 if not g2 else f"{g1} {g2}"
            if g1 in NICK and rng.random() < 0.08 * level:
                given = NICK[g1]
            sur1, sur2 = s1, s2
            r = rng.random()
            if r < 0.10 * level:
                sur2 = ""
            elif r < 0.14 * level:
                sur1, sur2 = s2, s1
            if rng.random() < 0.06 * level:
                sur1 = _typo(rng, sur1)
            if rng.random() < 0.04 * level:
                given = _typo(rng, given)
            surnames = f"{sur1} {sur2}".strip()
            if rng.random() < 0.6:
                given, surnames = _strip(given).upper(), _strip(surnames).upper()
            form = rng.random()
            if form < 0.4:
                props["firstName"] = [given]
                props["lastName"] = [surnames]
            elif form < 0.6:
                props["name"] = [f"{surnames}, {given}"]
            else:
                props["name"] = [f"{given} {surnames}"]
            if rng.random() < 0.85:
                y, m, d = year, month, day
                r = rng.random()
                if r < 0.05 * level and day <= 12:
                    m, d = d, m
                elif r < 0.09 * level:
                    d = min(28, d + rng.choice([-1, 1, 10]))
                props["birthDate"] = [f"{y:04d}-{m:02d}-{d:02d}"]
            if rng.random() < 0.8:
                props["nationality"] = [country]
            props["gender"] = ["female" if female else "male"]
            if rng.random() < 0.5:
                local = phone.split(" ", 1)[1]
                props["phone"] = [phone if rng.random() < 0.5 else local]
            if passport and rng.random() < 0.6:
                props["passportNumber"] = [passport]
            if alias and rng.random() < 0.5:
                props["alias"] = [alias]
            yield Mention(f"{src}#{rid}", src, rid, props), f"P{pid:08d}"


ORG_KINDS = ["Transportes", "Autotransportes", "Comercializadora", "Envíos", "Remesas", "Servicios",
             "Logística", "Importadora", "Distribuidora", "Constructora", "Agrícola", "Inversiones", "Fletes"]
ORG_PLACES = ["del Norte", "de la Frontera", "del Sur", "del Golfo", "del Pacífico", "Maya", "Centroamericana",
              "Internacional", "Express", "Unidos", "La Bendición", "San Judas", "El Roble"]
# Legal forms per country with the spellings agencies use for each; the first is the registered one.
LEGAL_FORMS = {
    "MEX": [["S.A. de C.V.", "SA DE CV", "S.A. DE C.V.", "Sociedad Anónima de Capital Variable"],
            ["S. de R.L. de C.V.", "S DE RL DE CV", "S. de R.L."]],
    "GTM": [["S.A.", "SOCIEDAD ANONIMA", "S. A."], ["Ltda.", "LIMITADA"]],
    "HND": [["S. de R.L.", "S DE RL", "Sociedad de Responsabilidad Limitada"], ["S.A.", "SA"]],
    "SLV": [["S.A. de C.V.", "SA DE CV"], ["Ltda.", "LTDA"]],
    "USA": [["LLC", "L.L.C."], ["Inc.", "INC", "Incorporated"]],
}
ORG_COUNTRIES = ["MEX", "MEX", "GTM", "HND", "SLV", "USA"]


def _registration(rng: random.Random, country: str) -> list[str]:
    """A registration or tax number in the country's format, with the spellings it is written in."""
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if country == "MEX":  # RFC of a company: 3 letters, date, 3 characters
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        code, tail = f"{letters}{d(6)}", "".join(rng.choice("A1B2C3D4E5F6") for _ in range(3))
        return [f"{code}{tail}", f"{code}-{tail}", f"{letters} {code[3:]} {tail}"]
    if country == "GTM":  # NIT with a check digit
        body, check = d(7), d(1)
        return [f"{body}-{check}", f"{body}{check}"]
    if country == "HND":  # RTN, 14 digits
        rtn = d(14)
        return [rtn, f"{rtn[:4]}-{rtn[4:8]}-{rtn[8:]}"]
    if country == "SLV":  # NIT 0614-010190-101-0
        nit = d(14)
        return [f"{nit[:4]}-{nit[4:10]}-{nit[10:13]}-{nit[13]}", nit]
    ein = d(9)  # U.S. EIN
    return [f"{ein[:2]}-{ein[2:]}", ein]


def organisation_mentions(n_orgs: int, *, mentions_per_org: float = 2.0, seed: int = 1
                          ) -> Iterator[tuple[OrgMention, str]]:
    """Yield ``(organisation mention, true_org_id)`` for companies as several agencies record them.

    Names are drawn from small pools so different companies share them (*Transportes del Norte*
    exists in Mexico and in Guatemala, and twice in Mexico); each mention may spell the legal form
    differently or drop it, drop accents, change case or word order, and carry the registration
    number (RFC, NIT, RTN, EIN, in one of its spellings), the phone or the address, or not.
    """
    rng = random.Random(seed)
    counters: dict[str, int] = {}
    for oid in range(n_orgs):
        country = rng.choice(ORG_COUNTRIES)
        kind = rng.choice(ORG_KINDS)
        tail = rng.choice(ORG_PLACES) if rng.random() < 0.5 else rng.choice(SURNAMES)
        if rng.random() < 0.5:  # a second distinctive element, as most registered names have
            tail = f"{tail} {rng.choice(SURNAMES)}"
        forms = rng.choice(LEGAL_FORMS[country])
        reg = _registration(rng, country)
        phone = f"{PREFIX.get(country, '+1')} {rng.randint(2000, 9999)} {rng.randint(1000, 9999)}"
        street = f"{rng.choice(['Calle', 'Avenida', 'Boulevard'])} {rng.choice(SURNAMES)} {rng.randint(1, 999)}"
        k = max(1, int(rng.expovariate(1 / mentions_per_org) + 0.5))
        for _ in range(k):
            src = rng.choice(SOURCES)
            counters[src] = counters.get(src, 0) + 1
            rid = f"O{counters[src]:08d}"
            words = [kind, tail]
            if rng.random() < 0.15:
                words.reverse()
            name = " ".join(words)
            r = rng.random()
            if r < 0.75:
                name = f"{name}{',' if rng.random() < 0.3 else ''} {rng.choice(forms)}"
            if rng.random() < 0.5:
                name = _strip(name).upper()
            if rng.random() < 0.05:
                name = _typo(rng, name)
            props: dict[str, list[str]] = {"name": [name]}
            if rng.random() < 0.8:
                props["jurisdiction"] = [country]
            if rng.random() < 0.6:
                props["taxNumber" if country != "USA" else "registrationNumber"] = [rng.choice(reg)]
            if rng.random() < 0.4:
                props["phone"] = [phone]
            if rng.random() < 0.4:
                props["address"] = [f"{street}, {country}"]
            yield OrgMention(f"{src}#{rid}", src, rid, props), f"O{oid:06d}"


def write_statements(
    store: Store, mentions: Iterable[Mention | OrgMention], *, batch: str = "sample", schema: str = "Person"
) -> int:
    """Store mentions as statements of ``schema`` (one per property value), as an ingest would.

    For tests and benchmarks that need a store without the synthetic world and its mappings.
    """
    from datetime import UTC, datetime

    from netcase.ingest.base import StatementBuffer
    from netcase.model.marking import Marking
    from netcase.model.statement import Provenance

    buffers: dict[str, StatementBuffer] = {}
    now = datetime.now(UTC).replace(tzinfo=None)
    for m in mentions:
        buf = buffers.get(m.source_file)
        if buf is None:
            prov = Provenance(dataset=m.source_file.split("/")[0], source_file=m.source_file, agency="HSI",
                              batch_id=f"{batch}:{m.source_file}", ingested=now, marking=Marking(),
                              compartment=None, predicate=None)
            buf = buffers[m.source_file] = StatementBuffer(prov)
        for prop, values in m.props.items():
            for v in values:
                buf.add(entity_id=m.entity_id, schema=schema, prop=prop, prop_type="string", value=v,
                        original_value=None, source_record=m.source_record, observed=None)
    n = 0
    with store.transaction():
        for buf in buffers.values():
            n += store.insert_columns("statements", buf.take())
        for source_file in buffers:
            hooks.after_ingest(store, f"{batch}:{source_file}")
    return n

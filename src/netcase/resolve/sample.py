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


def write_statements(store: Store, mentions: Iterable[Mention], *, batch: str = "sample") -> int:
    """Store mentions as Person statements (one per property value), as an ingest would.

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
                buf.add(entity_id=m.entity_id, schema="Person", prop=prop, prop_type="string", value=v,
                        original_value=None, source_record=m.source_record, observed=None)
    n = 0
    with store.transaction():
        for buf in buffers.values():
            n += store.insert_columns("statements", buf.take())
        for source_file in buffers:
            hooks.after_ingest(store, f"{batch}:{source_file}")
    return n

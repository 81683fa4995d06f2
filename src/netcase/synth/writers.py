"""What each agency recorded: the source files of ``docs/sources.md`` and the truth under ``truth/``.

Every writer streams rows to its file, renders each person mention through the noise model, and
reports the mention to ``Truth`` (which streams ``truth/records.csv``). Events are counted for an
organisation only when a writer actually puts them in a file, so ``truth/orgs.csv`` matches what an
assessment can find.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from netcase.synth import tables as T
from netcase.synth.noise import Renderer, format_phone, strip_accents
from netcase.synth.rand import Dice, cumulative
from netcase.synth.world import DAYS, START, Investigation, Org, Trip, World


def iso(d: date | None) -> str:
    """ISO date, or empty."""
    return d.isoformat() if d else ""


def us_date(d: date | None) -> str:
    """``MM/DD/YYYY`` (CBP), or empty."""
    return f"{d.month:02d}/{d.day:02d}/{d.year}" if d else ""


def es_date(d: date | None) -> str:
    """``DD/MM/YYYY`` (partner countries), or empty."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if d else ""


def day_date(day: int) -> date:
    """The date of a day offset from the start of the world."""
    return START + timedelta(days=day)


class Truth:
    """Streams ``truth/records.csv`` and keeps what the other truth files need."""

    def __init__(self, out: Path, world: World) -> None:
        self.world = world
        (out / "truth").mkdir(parents=True, exist_ok=True)
        self._fh = (out / "truth" / "records.csv").open("w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh, lineterminator="\n")
        self._w.writerow(["source_file", "record_id", "person_id"])
        self.mentions = 0
        # event id -> [kind, org, day, sector, migrants, deaths, harm, victims, revenue, refs]
        self.events: dict[str, list[Any]] = {}

    def mention(self, source_file: str, record_id: str, pid: int) -> None:
        """Record that ``record_id`` of ``source_file`` mentions person ``pid``."""
        p = self.world.people[pid]
        p.mentioned = True
        self._w.writerow((source_file, record_id, p.person_id))
        self.mentions += 1

    def trip_seen(self, t: Trip, ref: str) -> None:
        """Count a trip for its organisation the first time any file records it."""
        org = self.world.orgs[t.org]
        ev = self.events.get(t.event_id)
        if ev is None:
            revenue = t.size * t.fee
            ev = self.events[t.event_id] = ["smuggling_trip", t.org, t.day, t.sector, t.size, 0, "", 0,
                                            revenue, []]
            org.observed_events.add(t.event_id)
            org.migrants_moved += t.size
            org.revenue += revenue
            t.observed = True
        if ref not in ev[9]:
            ev[9].append(ref)

    def harm_seen(self, t: Trip, ref: str) -> None:
        """Count a harm incident for its organisation the first time any file records it."""
        if not t.harm:
            return
        org = self.world.orgs[t.org]
        ev = self.events.get(t.harm_id)
        if ev is None:
            ev = self.events[t.harm_id] = ["harm", t.org, t.day, t.sector, 0, t.deaths, t.harm, t.harm_victims,
                                           t.ransom, []]
            org.observed_events.add(t.harm_id)
            org.deaths += t.deaths
            org.revenue += t.ransom
            if t.harm == "sexual_assault":
                org.sexual_assaults += 1
            elif t.harm == "kidnapping":
                org.kidnappings += 1
            elif t.harm == "extortion":
                org.extortions += 1
            t.harm_observed = True
        if ref not in ev[9]:
            ev[9].append(ref)

    def raid_seen(self, event_id: str, org: Org, day: int, sector: str, found: int, ref: str) -> None:
        """Count a stash-house raid for its organisation the first time a report records it."""
        if event_id not in self.events:
            self.events[event_id] = ["stash_house_raid", org.idx, day, sector, found, 0, "", 0, 0, []]
            org.observed_events.add(event_id)
        self.events[event_id][9].append(ref)

    def close(self) -> None:
        """Finish ``truth/records.csv``."""
        self._fh.close()


@contextmanager
def csv_file(path: Path, header: list[str], encoding: str = "utf-8", crlf: bool = False) -> Iterator[Any]:
    """A CSV writer on ``path`` with ``header`` written; unencodable characters become ``?``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, errors="replace", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        w.writerow(header)
        yield w


@contextmanager
def jsonl_file(path: Path) -> Iterator[IO[str]]:
    """A JSON-lines file opened for streaming writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        yield fh


def dump(fh: IO[str], obj: dict[str, Any]) -> None:
    """Write one JSON line."""
    fh.write(json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")))
    fh.write("\n")


class Writers:
    """Writes every source file of the world, in a fixed order (the order is part of determinism)."""

    def __init__(self, world: World, out: Path, renderers: dict[str, Renderer]) -> None:
        self.w = world
        self.out = out
        self.r = renderers
        self.truth = Truth(out, world)
        self.counts: dict[str, int] = {}
        self.p = world.people
        self.case_of_investigation: dict[str, str] = {}  # investigation id -> indictment case id
        self.clients: dict[int, list[int]] = {}  # org -> relatives who paid it (for call records)

    # -- helpers --------------------------------------------------------------------------
    def _count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def org_name_for(self, org: Org, agency: str) -> str:
        """Each agency keeps its own name for an organisation."""
        k = sum(ord(c) for c in agency) % len(org.aka)
        return org.aka[k]

    # -- CBP ------------------------------------------------------------------------------
    def encounters(self) -> None:
        """``cbp/encounters.csv``: one row per person encountered, grouped by CBP event."""
        name = "cbp/encounters.csv"
        r = self.r[name]
        d = r.d
        rates = r.r
        header = ["encounter_id", "encounter_date", "sector", "station", "district", "latitude", "longitude",
                  "event_id", "group_size", "subject_category", "last_name", "first_name", "middle_name", "dob",
                  "sex", "citizenship", "birth_country", "phone", "document_type", "document_number",
                  "vehicle_plate", "vehicle_state", "vehicle_make", "vehicle_model", "disposition", "harm_type",
                  "deaths"]
        places = self.w.places
        seq = 0
        ev_seq: dict[str, int] = {}
        sector_codes = {"Rio Grande Valley": "RGV", "Laredo": "LRT", "Del Rio": "DRT", "El Paso": "EPT",
                        "Big Bend": "BBT", "Tucson": "TCA", "Yuma": "YUM", "El Centro": "ELC", "San Diego": "SDC"}
        solo_rate = self.w.scale.solo_encounters
        with csv_file(self.out / name, header) as out:
            for t in self.w.trips:
                if not t.encountered:
                    continue
                groups: list[tuple[Trip | None, list[tuple[int, str]]]] = []
                migrants = self.w.trip_migrants(t)
                alive = migrants[: len(migrants) - t.deaths] if t.deaths else migrants
                people = [(pid, self._category(pid, rates.wrong_category, d)) for pid in t.caught]
                people += [(pid, "MIGRANT") for pid in alive if d.chance(0.85)]
                if not people and not t.deaths:
                    continue
                people = d.sample(people, len(people))  # row order must not give away who is the guide
                groups.append((t, people))
                while d.chance(solo_rate / (1 + solo_rate)):
                    groups.append((None, self._solo_group(t, d)))
                for trip, rows in groups:
                    if not rows:
                        continue  # bodies but nobody alive to record: one row is one person, so no row
                    sec = T.SECTORS[t.sector]
                    code = sector_codes[t.sector]
                    when = day_date(t.day)
                    key = f"{code}{when.year % 100:02d}{when.month:02d}"
                    ev_seq[key] = ev_seq.get(key, 0) + 1
                    event_id = f"{key}{ev_seq[key]:06d}"
                    station = t.station if trip else d.pick(sec.stations)
                    pl = places[station]
                    lat = round(pl.lat + (d.u() - 0.5) * 0.2, 5)
                    lon = round(pl.lon + (d.u() - 0.5) * 0.2, 5)
                    harm, deaths = "", 0
                    veh = ("", "", "", "")
                    if trip is not None:
                        self.truth.trip_seen(trip, f"{name}#{event_id}")
                        if trip.harm and (trip.deaths or d.chance(0.25)):
                            harm, deaths = trip.harm, trip.deaths
                            self.truth.harm_seen(trip, f"{name}#{event_id}")
                        if trip.vehicle >= 0 and trip.mode in ("vehicle", "tractor_trailer"):
                            v = self.w.orgs[trip.org].vehicles[trip.vehicle]
                            veh = (v.plate, v.state, v.make, v.model)
                    station_name = station.replace(" Station", "")
                    for pid, category in rows:
                        copies = 2 if d.chance(rates.duplicate) else 1
                        for _ in range(copies):
                            seq += 1
                            rid = f"E{seq:08d}"
                            self._encounter_row(out, r, rid, when, t.sector, station_name, sec.district, lat, lon,
                                                event_id, len(rows), category, pid, veh, harm, deaths)
                            self.truth.mention(name, rid, pid)
                    for pid, category in rows:
                        if category == "MIGRANT" and self.p[pid].role in ("migrant", "victim"):
                            self.w.returning.setdefault(self.p[pid].nat, []).append(pid)
        self.counts[name] = seq

    def _category(self, pid: int, wrong: float, d: Dice) -> str:
        if d.chance(wrong):
            return "MIGRANT"  # smugglers often claim to be migrants
        return T.CBP_CATEGORY.get(self.p[pid].role, "SMUGGLER")

    def _solo_group(self, t: Trip, d: Dice) -> list[tuple[int, str]]:
        """People who crossed on their own (or with a network nobody identified) the same day."""
        out = []
        for _ in range(1 + d.below(3)):
            nat = d.weighted(list(T.MIGRANT_MIX), _MIX_CUM)
            city = d.pick(T.ORIGINS[nat]) if nat in T.ORIGINS else "Tapachula"
            p = self.w.new_person("migrant", -1, nat, city, nat if nat in T.ORIGINS else "MEX", (17, 50))
            if d.chance(0.4):
                p.phone = None
            out.append((p.pid, "MIGRANT"))
        return out

    def _encounter_row(self, out: Any, r: Renderer, rid: str, when: date, sector: str, station: str,
                       district: str, lat: float, lon: float, event_id: str, group: int, category: str,
                       pid: int, veh: tuple[str, str, str, str], harm: str, deaths: int) -> None:
        p = self.p[pid]
        d = r.d
        g, s = r.name_parts(p.given, p.sur, informal=False)
        last = "-".join(s) if len(s) > 1 and d.chance(r.r.hyphenate) else " ".join(s)
        first = g[0]
        middle = " ".join(g[1:])
        if d.chance(0.2) and middle:
            first, middle = f"{first} {middle}", ""
        # CBP systems keep upper case without accents (most of the time).
        text = "|".join((last, first, middle))
        if d.chance(0.92):
            text = strip_accents(text)
        last, first, middle = text.upper().split("|")
        dob = r.dob(p.dob)
        doc_type, doc_no = "", ""
        if p.doc and d.chance(0.55):
            doc_type, doc_no = p.doc[0], p.doc[1]
        migrant = category == "MIGRANT"
        if p.role in ("migrant", "victim"):
            disposition = d.pick(("Expedited Removal", "Notice to Appear", "Voluntary Return",
                                  "Title 8 Removal", "Referred for 1326 prosecution"))
            if p.minor:
                disposition = "Transferred to HHS ORR"
        elif migrant:
            disposition = d.pick(("Expedited Removal", "Notice to Appear"))
        else:
            disposition = "Referred for 1324 prosecution"
        birth = p.nat if d.chance(0.9) else ""
        if p.nat == "USA" and birth and d.chance(0.3):
            birth = "MEX"  # naturalised or dual nationals among U.S. drivers
        phone = r.phone(p.phone, missing=0.45)
        if not phone and p.role in ("migrant", "victim") and d.chance(0.12):
            # Migrants without a phone give the shelter's number as their contact: a hub.
            phone = format_phone(*self.w.shelter_phone, d.below(5))
        out.writerow((rid, us_date(when), sector, station, district, lat, lon, event_id, group, category,
                      last, first, middle, us_date(dob), p.sex, p.nat, birth,
                      phone, doc_type, doc_no, *veh, disposition, harm, deaths))

    # -- case reports ---------------------------------------------------------------------
    def case_reports(self, agency: str) -> None:
        """``{hsi,fbi,dea}/case_reports.jsonl``: reports with nested subjects, vehicles, places, events."""
        name = f"{agency.lower()}/case_reports.jsonl"
        r = self.r[name]
        d = r.d
        seq = 0
        invs = sorted((i for i in self.w.investigations if i.agency == agency), key=lambda i: i.opened)
        jobs: list[tuple[int, Investigation, bool]] = []
        for inv in invs:
            org = self.w.orgs[inv.org]
            end = inv.closed if inv.closed is not None else DAYS - 1
            n = 1 + d.poisson(1.5 + len(org.members) / 12)
            for _ in range(n):
                jobs.append((inv.opened + d.below(max(1, end - inv.opened)), inv, False))
            if inv.takedown is not None:
                jobs.append((inv.takedown, inv, True))
        jobs.sort(key=lambda j: (j[0], j[1].iid))
        with jsonl_file(self.out / name) as fh:
            for day, inv, takedown in jobs:
                copies = 2 if d.chance(r.r.duplicate * 2) else 1  # a report filed twice
                for _ in range(copies):
                    seq += 1
                    rid = f"{agency}-R-{seq:06d}"
                    dump(fh, self._report(name, r, rid, agency, inv, day, takedown))
        self.counts[name] = seq

    def _report(self, name: str, r: Renderer, rid: str, agency: str, inv: Investigation, day: int,
                takedown: bool) -> dict[str, Any]:
        d = r.d
        org = self.w.orgs[inv.org]
        # Subjects: the targets the report is about plus members it turned up.
        k = 1 + d.below(min(6, len(org.members)))
        subjects: list[int] = []
        pool = inv.arrested if takedown and inv.arrested else inv.targets
        for pid in d.sample(pool, min(len(pool), 1 + d.below(3))):
            subjects.append(pid)
        for pid in d.sample(org.members, k):
            if pid not in subjects and len(subjects) < 8:
                subjects.append(pid)
        recent = [t for t in org.trips if day - 240 <= t.day <= day]
        witness: int | None = None
        if recent and d.chance(0.2):
            trip = d.pick(recent)
            migrants = self.w.trip_migrants(trip)
            if migrants:
                witness = d.pick(migrants)
        index = {pid: i for i, pid in enumerate(subjects)}
        org_label = self.org_name_for(org, agency)
        subj_json = [self._subject(r, pid, day, org_label) for pid in subjects]
        if witness is not None:
            index[witness] = len(subjects)
            subjects.append(witness)
            subj_json.append(self._subject(r, witness, day, None, role="material witness"))
        for i, pid in enumerate(subjects):
            self.truth.mention(name, f"{rid}:s{i}", pid)
        vehicles: list[dict[str, Any]] = []
        vindex: dict[int, int] = {}
        for vi, v in enumerate(org.vehicles):
            if v.owner in index and d.chance(0.7):
                vindex[vi] = len(vehicles)
                vehicles.append({"plate": v.plate, "state": v.state, "make": v.make, "model": v.model,
                                 "owner": index[v.owner]})
        places: list[dict[str, Any]] = []
        pindex: dict[int, int] = {}
        for si, sh in enumerate(org.stash):
            if sh.operator in index or (takedown and d.chance(0.5)):
                pindex[si] = len(places)
                places.append({"kind": "stash_house", "address": sh.address,
                               "operator": index.get(sh.operator)})
        events: list[dict[str, Any]] = []
        ref = f"{name}#{rid}"
        for t in d.sample(recent, min(len(recent), 1 + d.below(4))):
            parts = [index[pid] for pid in t.crew if pid in index]
            if not parts and d.chance(0.5):
                continue
            dest = org.stash[t.stash].city if t.stash >= 0 else t.dest
            ev: dict[str, Any] = {"type": "smuggling_trip", "date": iso(day_date(t.day)), "from": t.plaza,
                                  "crossing": t.sector, "to": dest, "migrants": t.size,
                                  "vehicle": vindex.get(t.vehicle), "participants": parts}
            if d.chance(0.5):
                ev["fee_per_migrant_usd"] = t.fee
            if d.chance(0.3):
                # Informants describe the "piso" paid to the group that controls the plaza.
                ev["plaza_fee_usd"] = org.plaza_fee * t.size
                ev["plaza_paid_to"] = org.cartel
            events.append(ev)
            self.truth.trip_seen(t, ref)
            if t.harm and d.chance(0.7):
                h: dict[str, Any] = {"type": "harm", "harm_type": t.harm, "date": iso(day_date(t.day)),
                                     "victims": t.harm_victims, "participants": parts,
                                     "place": pindex.get(t.stash)}
                if t.deaths:
                    h["deaths"] = t.deaths
                if t.ransom:
                    h["ransom_usd"] = t.ransom
                events.append(h)
                self.truth.harm_seen(t, ref)
        if takedown and org.stash:
            si = d.below(len(org.stash))
            if si not in pindex:
                pindex[si] = len(places)
                places.append({"kind": "stash_house", "address": org.stash[si].address,
                               "operator": index.get(org.stash[si].operator)})
            found = d.between(0, 25)
            arrested = [index[pid] for pid in inv.arrested if pid in index]
            events.append({"type": "stash_house_raid", "date": iso(day_date(day)), "place": pindex[si],
                           "migrants_found": found, "arrested": arrested, "participants": arrested})
            raid_id = f"RAID-{inv.iid}"
            self.truth.raid_seen(raid_id, org, day, org.sectors[0], found, ref)
        links = []
        for i in range(len(subjects)):
            for j in range(i + 1, len(subjects)):
                a, b = self.p[subjects[i]], self.p[subjects[j]]
                if a.org != b.org or a.org < 0:
                    continue
                if d.chance(0.35):
                    kind = "family" if a.sur[0] == b.sur[0] and d.chance(0.5) else "associate"
                    detail = "co-conspirator" if kind == "associate" else d.pick(("brother", "cousin", "uncle"))
                    links.append({"from": i, "to": j, "kind": kind, "detail": detail})
        return {"report_id": rid, "case_number": inv.case_number, "agency": agency,
                "report_date": iso(day_date(day)), "district": inv.district,
                "compartment": inv.compartment or None, "predicate": inv.predicate,
                "reliability": d.pick("ABBBCC"), "validity": d.pick("122223"),
                "subjects": subj_json, "vehicles": vehicles, "places": places, "events": events, "links": links}

    def _subject(self, r: Renderer, pid: int, day: int, org_label: str | None, role: str | None = None
                 ) -> dict[str, Any]:
        p = self.p[pid]
        d = r.d
        phones = []
        num = self.w.member_number(pid, day) if p.org >= 0 else p.phone
        if num and d.chance(0.75):
            phones.append(format_phone(num[0], num[1], d.below(5)))
        if p.phone and p.phone != num and d.chance(0.3):
            phones.append(format_phone(p.phone[0], p.phone[1], d.below(5)))
        dob = r.dob(p.dob)
        out: dict[str, Any] = {
            "name": r.full_name(p.given, p.sur),
            "aliases": [p.alias] if p.alias and d.chance(0.7) else [],
            "dob": iso(dob) or None,
            "nationality": p.nat if d.chance(0.9) else None,
            "sex": p.sex,
            "phones": phones,
            "emails": [],
            "addresses": ([T.BUS_TERMINAL] if role == "material witness" and d.chance(0.3) else
                          [p.addr] if d.chance(0.5) else []),
            "id_documents": ([{"type": p.doc[0], "number": p.doc[1], "country": p.doc[2]}]
                             if p.doc and d.chance(0.35) else []),
            "accounts": ([{"number": p.acct[0], "bank": p.acct[1], "country": p.acct[2]}]
                         if p.acct and d.chance(0.5) else []),
            "role_reported": role or (T.ROLE_REPORTED.get(p.role, "unknown") if d.chance(0.85)
                                      else d.pick(list(T.ROLE_REPORTED.values()))),
            "organization": org_label,
        }
        if p.org >= 0 and self.w.orgs[p.org].gang and d.chance(0.5):
            out["gang_affiliation"] = self.w.orgs[p.org].gang
        if p.pid % 4 == 0 and d.chance(0.4):
            # A quarter of people have an e-mail address; it is theirs, so it is the same in every report.
            domain = ("gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com")[p.pid // 4 % 4]
            local = strip_accents(f"{p.given[0]}.{p.sur[0]}").lower().replace(" ", "")
            out["emails"] = [f"{local}{p.pid % 97:02d}@{domain}"]
        return out

    # -- victim interviews ---------------------------------------------------------------
    def interviews(self) -> None:
        """``victims/interviews.jsonl``: victims and survivors interviewed after a harm."""
        name = "victims/interviews.jsonl"
        r = self.r[name]
        d = r.d
        seq = 0
        with jsonl_file(self.out / name) as fh:
            for t in self.w.trips:
                if not t.harm_victims or not d.chance(0.55):
                    continue
                org = self.w.orgs[t.org]
                migrants = self.w.trip_migrants(t)
                victims = [pid for pid in migrants[: t.harm_victims]]
                agency = "FBI" if t.harm == "kidnapping" and d.chance(0.7) else "HSI"
                unit = "FBI Victim Services Division" if agency == "FBI" else "HSI Victim Assistance Program"
                inv = next((i for i in org.investigations if i.agency == agency), None)
                for pid in victims[: 1 + d.below(len(victims))]:
                    seq += 1
                    iid = f"VI-{seq:06d}"
                    when = day_date(min(DAYS - 1, t.day + d.between(2, 90)))
                    self.truth.mention(name, f"{iid}:interviewee", pid)
                    p = self.p[pid]
                    harms: list[dict[str, Any]] = []
                    place = org.stash[t.stash].address if t.stash >= 0 and d.chance(0.6) else t.plaza
                    if t.harm.startswith("death"):
                        # Survivors of a fatal crossing: the place is where the bodies were found.
                        place = t.station.replace(" Station", "")
                    harms.append({"type": t.harm, "date": iso(day_date(t.day)), "place": place})
                    if t.ransom and t.harm == "kidnapping":
                        harms[0]["ransom_usd"] = t.ransom
                    named: list[dict[str, Any]] = []
                    crew = list(t.crew)
                    if t.stash >= 0:
                        crew.append(org.stash[t.stash].operator)
                    if t.harm == "kidnapping" and org.by_role.get("coordinator"):
                        crew.append(d.pick(org.by_role["coordinator"]))
                    for m in list(dict.fromkeys(crew))[:4]:
                        if not d.chance(0.7):
                            continue
                        mp = self.p[m]
                        n_idx = len(named)
                        self.truth.mention(name, f"{iid}:n{n_idx}", m)
                        # Victims know smugglers by first name, nickname or alias.
                        if d.chance(0.5):
                            nm = r.full_name(mp.given[:1], mp.sur[:1], informal=True)
                        else:
                            nm = r.full_name(mp.given, (), informal=True)
                        num = self.w.member_number(m, t.day)
                        named.append({"name": nm, "alias": mp.alias or None,
                                      "phone": r.phone(num, missing=0.5),
                                      "role_described": T.ROLE_REPORTED.get(mp.role, "unknown")})
                    dump(fh, {
                        "interview_id": iid, "date": iso(when), "agency": agency, "interviewer_unit": unit,
                        "compartment": inv.iid if inv else None,
                        "interviewee": {"name": r.full_name(p.given, p.sur), "dob": iso(r.dob(p.dob, 0.05)) or None,
                                        "nationality": p.nat, "sex": p.sex, "minor": p.minor,
                                        "phone": r.phone(p.phone, missing=0.4),
                                        "relief_status": d.pick(("T-visa applicant", "U-visa applicant",
                                                                 "Continued presence", "none", "none"))},
                        "harms": harms, "smugglers_named": named,
                        "route": {"origin": t.origin, "crossing": t.sector,
                                  "stash_house": org.stash[t.stash].address if t.stash >= 0 else None},
                    })
                    self.truth.trip_seen(t, f"{name}#{iid}")
                    self.truth.harm_seen(t, f"{name}#{iid}")
        self.counts[name] = seq

    # -- partner countries ----------------------------------------------------------------
    def partners(self) -> None:
        """``partners/{MEX,GTM,SLV,HND}_informes.csv``: partner police reports, one person a row."""
        encodings = {"MEX": ("utf-8", False), "GTM": ("latin-1", True), "SLV": ("utf-8-sig", True),
                     "HND": ("utf-8", False)}
        header = ["folio", "fecha", "institucion", "pais", "nombre", "apellido_paterno", "apellido_materno",
                  "alias", "fecha_nacimiento", "sexo", "nacionalidad", "telefono", "domicilio", "municipio",
                  "departamento_estado", "delito", "placa_vehiculo", "detenido"]
        for country in ("MEX", "GTM", "SLV", "HND"):
            name = f"partners/{country}_informes.csv"
            r = self.r[name]
            enc, crlf = encodings[country]
            rows = sorted(self._partner_people(country, r.d), key=lambda x: x[0])
            seq = 0
            with csv_file(self.out / name, header, encoding=enc, crlf=crlf) as out:
                for day, pid, delito, detained, trip in rows:
                    copies = 2 if r.d.chance(r.r.duplicate * 3) else 1  # reported by two institutions
                    for _ in range(copies):
                        seq += 1
                        inst = r.d.pick(T.PARTNER_INSTITUTIONS[country])
                        when = day_date(day)
                        folio = f"{inst.replace(' ', '')}-{when.year}-{seq:06d}"
                        self._partner_row(out, r, folio, when, inst, country, pid, delito, detained)
                        self.truth.mention(name, folio, pid)
                        if trip is not None:
                            self.truth.trip_seen(trip, f"{name}#{folio}")
                            if delito in (T.DELITOS["kidnapping"], T.DELITOS["extortion"]):
                                self.truth.harm_seen(trip, f"{name}#{folio}")
                        if detained:
                            self.w.arrest(pid, day, f"partner-{country}")
            self.counts[name] = seq

    def _partner_people(self, country: str, d: Dice) -> list[tuple[int, int, str, bool, Trip | None]]:
        """Who a partner country reports: local members, rescued migrants and victims."""
        rows: list[tuple[int, int, str, bool, Trip | None]] = []
        for org in self.w.orgs:
            first_row = len(rows)
            local = [pid for pid in org.members if self.p[pid].country == country]
            for pid in local:
                role = self.p[pid].role
                p_report = {"recruiter": 0.9, "guide": 0.3, "lookout": 0.3, "coordinator": 0.35, "leader": 0.5,
                            "financier": 0.4}.get(role, 0.1)
                for _ in range(d.poisson(p_report * 1.5)):
                    trip = d.pick(org.trips) if org.trips and d.chance(0.4) else None
                    day = trip.day if trip else d.below(DAYS)
                    delito = T.DELITOS["laundering"] if role == "financier" and d.chance(0.5) else (
                        T.DELITOS["trafficking"] if d.chance(0.15) else T.DELITOS["smuggling"])
                    rows.append((day, pid, delito, d.chance(0.35), trip))
            if org.home == country and len(rows) == first_row:
                # Police at home know at least one recruiter of every local network.
                pid = org.by_role["recruiter"][0]
                rows.append((d.below(DAYS), pid, T.DELITOS["smuggling"], d.chance(0.35), None))
            for t in org.trips:
                if country == "MEX" and d.chance(0.03):
                    # A group rescued in Mexico (a stash house or a truck stopped on the highway).
                    for pid in self.w.trip_migrants(t):
                        if d.chance(0.8):
                            rows.append((max(0, t.day - d.between(1, 10)), pid, T.DELITOS["victim"], False, t))
                elif t.harm in ("kidnapping", "extortion") and d.chance(0.3) and \
                        (country == "MEX" or org.home == country):
                    # Victims (or, back home, their families) report kidnapping and extortion.
                    victims = self.w.trip_migrants(t)[: t.harm_victims]
                    for pid in victims:
                        who = pid
                        if country != "MEX" and d.chance(0.5):
                            rel = self.w.relative_of(pid)
                            who = rel if self.p[rel].country == country else pid
                        rows.append((min(DAYS - 1, t.day + d.between(0, 30)), who, T.DELITOS[t.harm], False, t))
        return rows

    def _partner_row(self, out: Any, r: Renderer, folio: str, when: date, inst: str, country: str, pid: int,
                     delito: str, detained: bool) -> None:
        p = self.p[pid]
        d = r.d
        g, s = r.name_parts(p.given, p.sur)
        text = "|".join((" ".join(g), s[0], s[1] if len(s) > 1 else ""))
        if d.chance(r.r.accent_drop * 0.6):
            text = strip_accents(text)
        if d.chance(0.4):
            text = text.upper()
        nombre, pat, mat = text.split("|")
        dob = r.dob(p.dob, missing=r.r.dob_missing * 1.5)
        nac = T.NATIONALITY_ES.get(p.nat, p.nat) if d.chance(0.7) else p.nat
        place = self.w.places.get(p.city)
        municipio = p.city if p.country == country else ""
        estado = place.admin if place and p.country == country else ""
        address = p.addr if d.chance(0.6) else ""
        if p.role in ("migrant", "victim") and country == "MEX" and d.chance(0.35):
            address = T.BUS_TERMINAL  # rescued migrants give the bus terminal: a hub address
        plate = ""
        if p.org >= 0 and d.chance(0.2):
            org = self.w.orgs[p.org]
            owned = [v for v in org.vehicles if v.owner == pid]
            if owned:
                plate = owned[0].plate
        out.writerow((folio, es_date(when), inst, country, nombre, pat, mat,
                      p.alias if p.alias and d.chance(0.6) else "", es_date(dob), "hombre" if p.sex == "M" else "mujer",
                      nac, r.phone(p.phone, local_country=country), address, municipio,
                      estado, delito, plate, "si" if detained else "no"))

    # -- money ----------------------------------------------------------------------------
    def wires(self) -> None:
        """``msb/wire_transfers.csv``: fee instalments and ransoms to collectors, amid ordinary remittances."""
        name = "msb/wire_transfers.csv"
        r = self.r[name]
        d = r.d
        header = ["transfer_id", "send_date", "msb", "agent_id", "agent_city", "agent_country", "sender_name",
                  "sender_phone", "sender_city", "sender_country", "receiver_name", "receiver_phone",
                  "receiver_id_type", "receiver_id_number", "receiver_city", "receiver_country", "amount_usd",
                  "fee_usd"]
        items: list[tuple[int, int, int, int, int]] = []  # (day, sender, receiver, amount, org or -1)
        for org in self.w.orgs:
            collectors = org.by_role.get("financier") or org.by_role["leader"]
            for t in org.trips:
                share = 0.04 if t.migrants is None else 0.15
                # Only this MSB's share of the families pays through it; one draw per trip, not per migrant.
                payers = d.sample(range(t.size), min(t.size, d.poisson(t.size * share)))
                for i in sorted(payers):
                    if t.migrants is not None and i < len(t.migrants):
                        sender = self.w.relative_of(t.migrants[i])
                    else:
                        nat = org.home
                        sender = self.w.new_person("relative", -1, nat, d.pick(T.DESTINATIONS), "USA",
                                                   (25, 65)).pid
                    self.clients.setdefault(org.idx, []).append(sender)
                    receiver = d.pick(collectors)
                    n_inst = 1 + d.below(3)
                    for k in range(n_inst):
                        day = t.day - 20 + k * d.between(5, 30)
                        if 0 <= day < DAYS:
                            items.append((day, sender, receiver, int(t.fee / n_inst / 10) * 10, org.idx))
                if t.ransom and d.chance(0.6):
                    victims = self.w.trip_migrants(t)[: t.harm_victims] or self.w.trip_migrants(t)[:1]
                    for pid in victims:
                        receiver = d.pick(org.by_role.get("coordinator") or collectors)
                        day = min(DAYS - 1, t.day + d.between(1, 6))
                        items.append((day, self.w.relative_of(pid), receiver,
                                      t.ransom // max(1, len(victims)), org.idx))
        n_bg = int(len(items) * self.w.scale.background_transfers)
        pairs: list[tuple[int, int]] = []
        for _ in range(n_bg):
            if pairs and d.chance(0.6):
                s, rcv = d.pick(pairs)
            else:
                nat = d.weighted(list(T.HOME_WEIGHTS), _HOME_CUM)
                city = d.pick(T.ORIGINS[nat]) if d.chance(0.6) else d.pick(("Reynosa", "Reynosa", "Tapachula",
                                                                            "Nuevo Laredo"))
                country = nat if city in T.ORIGINS[nat] else "MEX"
                s = self.w.stranger(d.pick(T.DESTINATIONS), "USA", nat)
                rcv = self.w.stranger(city, country, nat)
                pairs.append((s, rcv))
            items.append((d.below(DAYS), s, rcv, int(d.lognormal(300, 0.6)), -1))
        items.sort(key=lambda x: (x[0], x[1], x[2]))
        seq = 0
        with csv_file(self.out / name, header) as out:
            for day, sender, receiver, amount, org_idx in items:
                seq += 1
                tid = f"W{seq:07d}"
                sp, rp = self.p[sender], self.p[receiver]
                acity, acountry = rp.city, rp.country
                if acity == T.HUB_AGENT[1] or (acity in T.HUB_AREA and d.chance(0.5)) or \
                        (org_idx >= 0 and d.chance(0.2)):
                    # The one busy paying agent of Reynosa that everybody in the area uses, and that
                    # collectors of many networks travel to because it pays out without questions.
                    agent, acity, acountry = T.HUB_AGENT
                else:
                    # A few paying agents per city; a receiver tends to use the same one.
                    agent = f"{strip_accents(acity)[:3].upper()}-{(sum(map(ord, acity)) + receiver % 5) % 97:04d}"
                doc = rp.doc
                out.writerow((tid, iso(day_date(day)), d.pick(T.MSBS), agent, acity, acountry,
                              r.full_name(sp.given, sp.sur, upper=d.chance(0.5)), r.phone(sp.phone, missing=0.1),
                              sp.city, sp.country,
                              r.full_name(rp.given, rp.sur, upper=d.chance(0.5)), r.phone(rp.phone, missing=0.3),
                              doc[0] if doc and d.chance(0.8) else "", doc[1] if doc and d.chance(0.8) else "",
                              rp.city, rp.country, f"{amount:.2f}", f"{4.99 + amount * 0.02:.2f}"))
                self.truth.mention(name, f"{tid}:sender", sender)
                self.truth.mention(name, f"{tid}:receiver", receiver)
                if org_idx >= 0:
                    self.w.orgs[org_idx].wired += amount
        self.counts[name] = seq

    # -- phones ---------------------------------------------------------------------------
    def calls(self) -> None:
        """``phones/call_records.csv``: call logs of handsets seized from arrested members."""
        name = "phones/call_records.csv"
        r = self.r[name]
        d = r.d
        header = ["call_id", "extraction_id", "device_number", "seized_from_name", "seized_from_dob", "start_time",
                  "duration_s", "direction", "other_number"]
        arrested = sorted((day, pid, how) for pid, (day, how) in self.w.arrests.items()
                          if self.p[pid].org >= 0 and not how.startswith("partner"))
        by_plaza: dict[str, list[int]] = {}
        for org in self.w.orgs:
            for pid in org.by_role.get("coordinator", []):
                by_plaza.setdefault(org.sectors[0], []).append(pid)
        role_calls = {"leader": 2.0, "coordinator": 2.5, "financier": 1.2, "recruiter": 0.8, "guide": 1.0,
                      "driver": 0.7, "stash_house_operator": 1.0, "lookout": 1.2}
        seq = 0
        n_ext = 0
        with csv_file(self.out / name, header) as out:
            for day, pid, _how in arrested:
                if not d.chance(0.55):
                    continue
                n_ext += 1
                xid = f"X{n_ext:06d}"
                p = self.p[pid]
                org = self.w.orgs[p.org]
                device = self.w.member_number(pid, day) or p.phone
                if device is None:
                    n_ext -= 1
                    continue
                device_s = format_phone(device[0], device[1], d.below(5))
                owner_name = r.full_name(p.given, p.sur, upper=d.chance(0.5))
                owner_dob = iso(r.dob(p.dob))
                n_calls = max(5, int(self.w.scale.calls_per_extraction * role_calls[p.role] * d.lognormal(1, 0.5)))
                # Who this handset talks to: mostly its own organisation, weighted toward coordinators.
                mates = [m for m in org.members if m != pid]
                mate_cum = cumulative([4.0 if self.p[m].role in ("leader", "coordinator") else 1.0 for m in mates])
                family = [self.w.phone_for(p.city, p.country, d) for _ in range(1 + d.below(3))]
                clients = self.clients.get(p.org, [])
                others = by_plaza.get(org.sectors[0], [])
                calls = []
                for _ in range(n_calls):
                    cday = day - d.below(120)
                    if cday < 0:
                        continue
                    x = d.u()
                    if x < 0.66 and mates:
                        other = self.w.member_number(d.weighted(mates, mate_cum), cday)
                    elif x < 0.71 and others:
                        other = self.w.member_number(d.pick(others), cday)  # the next stage's coordinator
                    elif x < 0.77:
                        other = self.w.shelter_phone
                    elif x < 0.83:
                        other = d.pick(family)
                    elif x < 0.89 and clients:
                        # Families of migrants: instalments, and ransom calls from kidnappers.
                        other = self.p[d.pick(clients)].phone
                    else:
                        other = self.w.phone_for(d.pick(T.DESTINATIONS + T.TRANSIT_CA), "USA" if d.chance(0.5)
                                                 else "MEX", d)
                    if other is None or other == device:
                        continue
                    secs = d.below(86400)
                    calls.append((cday, secs, other))
                if not calls:
                    n_ext -= 1  # nothing on the handset: no extraction report, no mention
                    continue
                self.truth.mention(name, f"{xid}:owner", pid)
                calls.sort()
                for cday, secs, other in calls:
                    seq += 1
                    ts = datetime.combine(day_date(cday), datetime.min.time()) + timedelta(seconds=secs)
                    duration = 0 if d.chance(0.2) else int(d.lognormal(60, 1.0))
                    out.writerow((f"C{seq:08d}", xid, device_s, owner_name, owner_dob,
                                  ts.isoformat(timespec="seconds"), duration, "out" if d.chance(0.55) else "in",
                                  format_phone(other[0], other[1], d.below(5))))
        self.counts[name] = seq

    # -- cases ----------------------------------------------------------------------------
    def cases(self) -> None:
        """``cases/*``: investigations, targets, operations, court cases, forfeitures, requests."""
        self._investigations()
        self._targets()
        self._operations()
        defendants = self._court_cases()
        self._forfeitures(self.case_of_investigation)
        self._requests(defendants)

    def _investigations(self) -> None:
        name = "cases/investigations.csv"
        header = ["investigation_id", "agency", "case_number", "district", "lead_agent", "contact_phone",
                  "contact_email", "status", "opened", "closed", "predicate", "compartment"]
        with csv_file(self.out / name, header) as out:
            for inv in sorted(self.w.investigations, key=lambda i: i.iid):
                out.writerow((inv.iid, inv.agency, inv.case_number, inv.district, inv.lead_agent,
                              inv.contact_phone, inv.contact_email, inv.status, iso(day_date(inv.opened)),
                              iso(day_date(inv.closed)) if inv.closed is not None else "", inv.predicate,
                              inv.compartment))
        self.counts[name] = len(self.w.investigations)

    def _targets(self) -> None:
        name = "cases/targets.csv"
        r = self.r[name]
        d = r.d
        header = ["target_id", "investigation_id", "name", "dob", "phone", "account", "plate", "address"]
        seq = 0
        truth_rows = []
        with csv_file(self.out / name, header) as out:
            for inv in sorted(self.w.investigations, key=lambda i: i.iid):
                org = self.w.orgs[inv.org]
                for pid in inv.targets:
                    seq += 1
                    tid = f"T{seq:06d}"
                    p = self.p[pid]
                    plate = next((v.plate for v in org.vehicles if v.owner == pid), "")
                    out.writerow((tid, inv.iid, r.full_name(p.given, p.sur, upper=d.chance(0.5),
                                                            surname_first=d.chance(0.3)),
                                  iso(r.dob(p.dob)), r.phone(self.w.member_number(pid, inv.opened), missing=0.3),
                                  p.acct[0] if p.acct and d.chance(0.5) else "", plate if d.chance(0.6) else "",
                                  p.addr if d.chance(0.5) else ""))
                    self.truth.mention(name, tid, pid)
                    truth_rows.append((inv.iid, p.person_id))
        with csv_file(self.out / "truth" / "investigations.csv", ["investigation_id", "person_id"]) as out:
            out.writerows(truth_rows)
        self.counts[name] = seq

    def _operations(self) -> None:
        name = "cases/operations.csv"
        d = self.r[name].d
        header = ["operation_id", "investigation_id", "agency", "kind", "latitude", "longitude", "address", "start",
                  "end"]
        ops: list[tuple[datetime, str, str, str, float, float, str, datetime]] = []
        for org in self.w.orgs:
            planned: list[tuple[str, datetime, float, float, str]] = []
            for inv in org.investigations:
                end = inv.closed if inv.closed is not None else DAYS - 1
                n = d.below(4) + (inv.takedown is not None)
                for k in range(n):
                    kind = d.pick(("surveillance", "search_warrant", "controlled_delivery", "undercover_meeting",
                                   "arrest"))
                    theirs = [op for op in planned if op[0] != inv.agency]
                    if theirs and d.chance(0.35):
                        # Another agency plans something at the same house on the same days: a conflict
                        # that deconfliction must catch.
                        _, start, lat, lon, addr = d.pick(theirs)
                        start = start + timedelta(hours=d.between(-20, 20))
                    else:
                        if org.stash and d.chance(0.7):
                            sh = d.pick(org.stash)
                            lat, lon, addr = sh.lat, sh.lon, sh.address
                        else:
                            target = self.p[d.pick(inv.targets)]
                            pl = self.w.places.get(target.city)
                            lat = (pl.lat if pl else 29.0) + (d.u() - 0.5) * 0.1
                            lon = (pl.lon if pl else -98.0) + (d.u() - 0.5) * 0.1
                            addr = target.addr
                        day = inv.takedown if (k == n - 1 and inv.takedown is not None) else \
                            inv.opened + d.below(max(1, end - inv.opened))
                        start = datetime.combine(day_date(day), datetime.min.time()) + timedelta(hours=d.between(4, 20))
                        if k == n - 1 and inv.takedown is not None:
                            kind = "arrest"
                    planned.append((inv.agency, start, lat, lon, addr))
                    ops.append((start, inv.iid, inv.agency, kind, round(lat, 5), round(lon, 5), addr,
                                start + timedelta(hours=d.between(2, 36))))
        ops.sort(key=lambda o: (o[0], o[1]))
        with csv_file(self.out / name, header) as out:
            for i, (start, iid, agency, kind, lat, lon, addr, end_t) in enumerate(ops, 1):
                out.writerow((f"OP-{i:06d}", iid, agency, kind, lat, lon, addr, start.isoformat(timespec="minutes"),
                              end_t.isoformat(timespec="minutes")))
        self.counts[name] = len(ops)

    def _charges(self, pid: int, d: Dice, trip: Trip | None = None) -> list[dict[str, Any]]:
        """Charges a prosecutor would bring: by role, and by the harms of the trip (a complaint) or of
        the organisation (an indictment)."""
        p = self.p[pid]
        org = self.w.orgs[p.org]
        charges = [{"statute": "8 U.S.C. 1324(a)(1)(A)(v)(I)", "counts": 1}]
        specific = {"guide": "8 U.S.C. 1324(a)(1)(A)(i)", "driver": "8 U.S.C. 1324(a)(1)(A)(ii)",
                    "stash_house_operator": "8 U.S.C. 1324(a)(1)(A)(iii)", "recruiter": "8 U.S.C. 1324(a)(1)(A)(iv)",
                    "coordinator": "8 U.S.C. 1324(a)(2)(B)(ii)", "leader": "8 U.S.C. 1324(a)(2)(B)(ii)"}
        if p.role in specific:
            charges.append({"statute": specific[p.role], "counts": 1 + d.below(6)})
        deaths = trip.deaths if trip is not None else org.deaths
        if deaths and p.role in ("leader", "coordinator", "driver", "guide") and d.chance(0.6):
            charges.append({"statute": "8 U.S.C. 1324(a)(1)(B)(iv)", "counts": 1})
        if trip is not None:
            return charges  # a complaint charges what happened on the trip
        if org.kidnappings and p.role in ("leader", "coordinator", "stash_house_operator"):
            charges.append({"statute": "18 U.S.C. 1203", "counts": 1 + d.below(3)})
        if org.sexual_assaults and p.role in ("leader", "coordinator") and d.chance(0.4):
            charges.append({"statute": d.pick(("18 U.S.C. 1591", "18 U.S.C. 1589")), "counts": 1})
        if p.role in ("financier", "leader"):
            charges.append({"statute": "18 U.S.C. 1956(h)", "counts": 1})
        if org.weapons and d.chance(0.5):
            charges.append({"statute": d.pick(("18 U.S.C. 924(c)", "18 U.S.C. 554")), "counts": 1})
        return charges

    def _court_cases(self) -> list[tuple[str, int, str, str]]:
        """Indictments after takedowns, complaints after CBP arrests. Returns (case, pid, status, district)."""
        name = "cases/court_cases.jsonl"
        r = self.r[name]
        d = r.d
        filings: list[tuple[int, str, str, Investigation | None, list[int], Trip | None]] = []
        covered: set[int] = set()
        for inv in self.w.investigations:
            if inv.takedown is None:
                continue
            defendants = list(inv.arrested) + [pid for pid in inv.targets if pid not in inv.arrested
                                                and d.chance(0.5)]
            defendants = [pid for pid in defendants if pid not in covered]
            if defendants:
                covered.update(defendants)
                filings.append((max(0, inv.takedown - d.between(0, 20)), "indictment", inv.district, inv, defendants,
                                None))
        for t in self.w.trips:
            caught = [pid for pid in t.caught if pid not in covered]
            if caught and d.chance(0.85):
                covered.update(caught)
                filings.append((t.day + d.between(1, 3), "complaint", T.SECTORS[t.sector].district, None, caught, t))
        filings.sort(key=lambda f: (f[0], f[1]))
        out_list: list[tuple[str, int, str, str]] = []
        seq_by_district: dict[str, int] = {}
        n_def = 0
        with jsonl_file(self.out / name) as fh:
            for i, (day, kind, district, filing_inv, defendants, trip) in enumerate(filings, 1):
                case_id = f"CC-{i:06d}"
                yy = day_date(day).year % 100
                seq_by_district[district] = seq_by_district.get(district, 0) + 1
                office = {"S.D. Tex.": "M", "W.D. Tex.": "DR", "D. Ariz.": "TUC", "S.D. Cal.": "CR"}[district]
                case_number = f"{d.between(1, 7)}:{yy:02d}-{'cr' if kind == 'indictment' else 'mj'}-" \
                              f"{seq_by_district[district]:05d}-{office}"
                defs = []
                for pid in defendants:
                    n_def += 1
                    did = f"D{n_def:06d}"
                    p = self.p[pid]
                    arrested = pid in self.w.arrests
                    age = DAYS - day
                    if not arrested:
                        disp, ddate, months = "fugitive", None, None
                    elif age < 150 and d.chance(0.7):
                        disp, ddate, months = "pending", None, None
                    else:
                        x = d.u()
                        disp = "guilty plea" if x < 0.82 else ("convicted at trial" if x < 0.9 else "dismissed")
                        ddate = day_date(min(DAYS + 150, day + d.between(90, 500)))
                        base = {"leader": 120, "coordinator": 84, "financier": 60, "stash_house_operator": 46,
                                "driver": 30, "guide": 27, "lookout": 18, "recruiter": 40}.get(p.role, 24)
                        months = None if disp == "dismissed" else max(6, int(d.lognormal(base, 0.35)))
                    self.truth.mention(name, f"{case_id}:{did}", pid)
                    defs.append({"defendant_id": did, "name": r.full_name(p.given, p.sur, upper=True, accents=0.95),
                                 "dob": iso(r.dob(p.dob, 0.05)) or None, "charges": self._charges(pid, d, trip),
                                 "disposition": disp, "disposition_date": iso(ddate) or None,
                                 "sentence_months": months,
                                 "fine_usd": (int(round(d.between(0, 50000), -3)) if months else None),
                                 "appeal": bool(months and d.chance(0.08))})
                    out_list.append((case_id, pid, disp, district))
                if filing_inv is not None:
                    self.case_of_investigation[filing_inv.iid] = case_id
                dump(fh, {"case_id": case_id, "district": district, "case_number": case_number, "filing_type": kind,
                          "filing_date": iso(day_date(day)),
                          "investigation_id": filing_inv.iid if filing_inv else None,
                          "defendants": defs})
        self.counts[name] = len(filings)
        return out_list

    def _forfeitures(self, cases: dict[str, str]) -> None:
        name = "cases/forfeitures.csv"
        d = self.r[name].d
        header = ["forfeiture_id", "case_id", "asset_type", "description", "value_usd", "status", "date", "org_hint"]
        seq = 0
        with csv_file(self.out / name, header) as out:
            for inv in sorted(self.w.investigations, key=lambda i: i.iid):
                if inv.takedown is None or not inv.arrested:
                    continue
                org = self.w.orgs[inv.org]
                hint = self.org_name_for(org, inv.agency) if d.chance(0.7) else ""
                assets: list[tuple[str, str, int]] = []
                for v in org.vehicles:
                    if v.owner in inv.arrested:
                        value = d.between(60000, 140000) if v.truck else d.between(8000, 45000)
                        assets.append(("vehicle", f"{v.make} {v.model}, plate {v.state} {v.plate}", value))
                assets.append(("cash", "U.S. currency seized at stash house", int(d.lognormal(40000, 1.0))))
                for pid in inv.arrested:
                    acct = self.p[pid].acct
                    if acct and d.chance(0.6):
                        assets.append(("bank_account", f"{acct[1]} account ending {acct[0][-4:]}",
                                       int(d.lognormal(25000, 1.0))))
                if org.stash and d.chance(0.3):
                    assets.append(("real_property", org.stash[0].address, d.between(90000, 320000)))
                if org.weapons:
                    assets.append(("firearms", f"{d.between(2, 40)} firearms and ammunition", d.between(2000, 60000)))
                for kind, desc, value in assets:
                    seq += 1
                    when = day_date(min(DAYS + 200, inv.takedown + d.between(0, 200)))
                    out.writerow((f"F{seq:06d}", cases.get(inv.iid, ""), kind, desc, value,
                                  d.pick(("seized", "seized", "forfeited", "forfeited", "returned")), iso(when), hint))
        self.counts[name] = seq

    def _requests(self, defendants: list[tuple[str, int, str, str]]) -> None:
        name = "cases/requests.csv"
        r = self.r[name]
        d = r.d
        header = ["request_id", "kind", "direction", "partner_country", "person_name", "person_dob", "case_id",
                  "status", "sent", "decided"]
        seq = 0
        with csv_file(self.out / name, header) as out:
            for case_id, pid, disp, _district in defendants:
                p = self.p[pid]
                abroad = p.country in ("MEX", "GTM", "SLV", "HND")
                if abroad and disp == "fugitive" and d.chance(0.7):
                    kind, direction, partner = "extradition", "outgoing", p.country
                elif p.acct and p.acct[2] != "USA" and d.chance(0.3):
                    kind, direction, partner = "mlat", "outgoing", p.acct[2]
                elif p.nat in ("GTM", "SLV", "HND") and d.chance(0.05):
                    kind, direction, partner = "extradition", "incoming", p.nat
                else:
                    continue
                seq += 1
                rid = f"RQ-{seq:06d}"
                sent = day_date(min(DAYS + 100, self.w.arrests.get(pid, (DAYS - 200, ""))[0] + d.between(30, 200)))
                status = d.pick(("pending", "pending", "granted", "executed", "denied"))
                decided = iso(sent + timedelta(days=d.between(60, 400))) if status != "pending" else ""
                out.writerow((rid, kind, direction, partner, r.full_name(p.given, p.sur, upper=d.chance(0.6)),
                              iso(r.dob(p.dob, 0.1)), case_id, status, iso(sent), decided))
                self.truth.mention(name, rid, pid)
        self.counts[name] = seq

    # -- truth ----------------------------------------------------------------------------
    def write_truth(self) -> None:
        """``truth/persons.csv``, ``orgs.csv``, ``events.csv``, ``namesakes.csv``."""
        self.truth.close()
        tdir = self.out / "truth"
        with csv_file(tdir / "persons.csv", ["person_id", "org_id", "role", "is_victim", "name", "dob", "sex",
                                             "nationality"]) as out:
            for p in self.p:
                if not p.mentioned and p.org < 0:
                    continue
                out.writerow((p.person_id, self.w.orgs[p.org].org_id if p.org >= 0 else "", p.role,
                              int(p.role in ("migrant", "victim")), p.name, iso(p.dob), p.sex, p.nat))
        with csv_file(tdir / "orgs.csv", ["org_id", "migrants_moved", "events", "deaths", "sexual_assaults",
                                          "kidnappings", "extortions", "revenue_usd", "cartel", "gang", "weapons",
                                          "national_security", "name", "members", "home_country", "sectors",
                                          "wired_usd"]) as out:
            for o in self.w.orgs:
                out.writerow((o.org_id, o.migrants_moved, len(o.observed_events), o.deaths, o.sexual_assaults,
                              o.kidnappings, o.extortions, o.revenue, o.cartel, o.gang, int(o.weapons),
                              int(o.natsec), o.name, len(o.members), o.home, ";".join(o.sectors),
                              f"{o.wired:.2f}"))
        with csv_file(tdir / "events.csv", ["event_id", "org_id", "kind", "date", "sector", "migrants", "deaths",
                                            "harm_type", "victims", "revenue_usd", "sources"]) as out:
            for eid in sorted(self.truth.events):
                kind, org_idx, day, sector, migrants, deaths, harm, victims, revenue, refs = self.truth.events[eid]
                out.writerow((eid, self.w.orgs[org_idx].org_id, kind, iso(day_date(day)), sector, migrants,
                              deaths, harm, victims, revenue, ";".join(refs)))
        with csv_file(tdir / "namesakes.csv", ["person_id", "namesake_id"]) as out:
            for a, b in self.w.namesakes:
                if (self.p[a].mentioned or self.p[a].org >= 0) and self.p[b].mentioned:
                    out.writerow((self.p[a].person_id, self.p[b].person_id))


_MIX_CUM = cumulative(list(T.MIGRANT_MIX.values()))
_HOME_CUM = cumulative(list(T.HOME_WEIGHTS.values()))

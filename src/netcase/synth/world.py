"""The true world: people, organisations, their trips and harms, investigations and arrests.

``build_world`` draws everything that is true before any agency records it. The writers
(``netcase.synth.writers``) then render what each agency saw, with noise, and count what they wrote.
People who only matter once observed (migrants of a trip, their relatives, strangers at the hub
paying agent) are created lazily by the writers through ``World`` methods, so a large world does not
hold millions of people nobody ever recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from netcase.synth import tables as T
from netcase.synth.rand import Dice, cumulative

START = date(2023, 7, 1)
DAYS = 1096  # three years of events: July 2023 – June 2026


@dataclass(frozen=True, slots=True)
class Scale:
    """Size knobs of one scale."""

    orgs: int
    trips: int  # smuggling trips over the three years, shared among organisations by size^1.15
    background_transfers: float  # unrelated transfers per network transfer
    solo_encounters: float  # encounters of people travelling without a known network, per trip encounter
    calls_per_extraction: int


# Trip budgets are fixed per scale so that record counts stay steady across seeds even though
# organisation sizes are heavy-tailed (about 10.5 source records per trip).
SCALES: dict[str, Scale] = {
    "tiny": Scale(orgs=10, trips=350, background_transfers=1.0, solo_encounters=0.2, calls_per_extraction=40),
    "small": Scale(orgs=45, trips=4000, background_transfers=1.0, solo_encounters=0.25, calls_per_extraction=60),
    "medium": Scale(orgs=220, trips=21000, background_transfers=1.0, solo_encounters=0.25,
                    calls_per_extraction=80),
    "large": Scale(orgs=1000, trips=104000, background_transfers=1.2, solo_encounters=0.25,
                   calls_per_extraction=90),
}


class Person:
    """One true person."""

    __slots__ = ("pid", "sex", "given", "sur", "dob", "nat", "phone", "city", "country", "addr", "alias",
                 "doc", "acct", "role", "org", "mentioned", "minor")

    def __init__(self, pid: int, role: str, org: int, nat: str, sex: str, given: tuple[str, ...],
                 sur: tuple[str, ...], dob: date, city: str, country: str) -> None:
        self.pid = pid
        self.role = role
        self.org = org
        self.nat = nat
        self.sex = sex
        self.given = given
        self.sur = sur
        self.dob = dob
        self.city = city
        self.country = country
        self.phone: tuple[str, str] | None = None
        self.addr = ""
        self.alias = ""
        self.doc: tuple[str, str, str] | None = None
        self.acct: tuple[str, str, str] | None = None
        self.mentioned = False
        self.minor = False

    @property
    def person_id(self) -> str:
        """The id in the truth files."""
        return f"P{self.pid:07d}"

    @property
    def name(self) -> str:
        """The true full name."""
        return " ".join([*self.given, *self.sur])


@dataclass(slots=True)
class Burner:
    """A phone passed between members: ``holders`` are (pid, first day, last day) in day offsets."""

    number: tuple[str, str]
    holders: list[tuple[int, int, int]]

    def holder_at(self, day: int) -> int | None:
        """Who held the phone on ``day`` (None between holders)."""
        for pid, a, b in self.holders:
            if a <= day <= b:
                return pid
        return None


@dataclass(slots=True)
class Vehicle:
    """A vehicle of an organisation, registered to the member who drives it."""

    plate: str
    state: str
    make: str
    model: str
    owner: int
    truck: bool = False


@dataclass(slots=True)
class StashHouse:
    """A stash house in a U.S. city, run (and lived in) by a stash-house operator."""

    address: str
    city: str
    lat: float
    lon: float
    operator: int


@dataclass(slots=True)
class Org:
    """A smuggling organisation and its truth counters (filled by the writers)."""

    idx: int
    name: str
    aka: list[str]
    home: str
    origins: tuple[str, ...]
    sectors: list[str]
    cartel: str
    gang: str
    weapons: bool
    natsec: bool
    fee: tuple[int, int]
    violence: float
    plaza_fee: int = 0  # per migrant, to the cartel of the plaza
    members: list[int] = field(default_factory=list)
    by_role: dict[str, list[int]] = field(default_factory=dict)
    burners: list[Burner] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    stash: list[StashHouse] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    investigations: list[Investigation] = field(default_factory=list)
    observed_events: set[str] = field(default_factory=set)
    migrants_moved: int = 0
    deaths: int = 0
    sexual_assaults: int = 0
    kidnappings: int = 0
    extortions: int = 0
    revenue: int = 0
    wired: float = 0.0

    @property
    def org_id(self) -> str:
        """The id in the truth files."""
        return f"ORG-{self.idx:04d}"


class Trip:
    """One smuggling trip and, when one happened, its harm incident."""

    __slots__ = ("tid", "org", "day", "origin", "plaza", "sector", "station", "stash", "dest", "mode", "size",
                 "vehicle", "crew", "fee", "harm", "deaths", "harm_victims", "ransom", "migrants",
                 "encountered", "caught", "observed", "harm_observed")

    def __init__(self, tid: int, org: int, day: int) -> None:
        self.tid = tid
        self.org = org
        self.day = day
        self.origin = ""
        self.plaza = ""
        self.sector = ""
        self.station = ""
        self.stash = -1
        self.dest = ""
        self.mode = ""
        self.size = 0
        self.vehicle = -1
        self.crew: list[int] = []
        self.fee = 0
        self.harm = ""
        self.deaths = 0
        self.harm_victims = 0
        self.ransom = 0
        self.migrants: list[int] | None = None
        self.encountered = False
        self.caught: list[int] = []  # crew apprehended at the encounter
        self.observed = False
        self.harm_observed = False

    @property
    def event_id(self) -> str:
        """The trip's id in ``truth/events.csv``."""
        return f"EV{self.tid:07d}"

    @property
    def harm_id(self) -> str:
        """The harm incident's id in ``truth/events.csv``."""
        return f"HV{self.tid:07d}"

    @property
    def when(self) -> date:
        """The trip's date."""
        return START + timedelta(days=self.day)


@dataclass(slots=True)
class Investigation:
    """One agency's investigation of an organisation: its targets, takedown day and arrests."""

    iid: str
    agency: str
    org: int
    district: str
    case_number: str
    opened: int
    closed: int | None
    status: str
    predicate: str
    compartment: str
    lead_agent: str
    contact_phone: str
    contact_email: str
    targets: list[int] = field(default_factory=list)
    takedown: int | None = None
    arrested: list[int] = field(default_factory=list)


class World:
    """Everything true, plus the lazily created people the writers need."""

    def __init__(self, scale: Scale, dice: Dice, persons_dice: Dice) -> None:
        self.scale = scale
        self.d = dice
        self.pd = persons_dice  # the stream for lazily created people
        self.people: list[Person] = []
        self.orgs: list[Org] = []
        self.trips: list[Trip] = []
        self.investigations: list[Investigation] = []
        self.arrests: dict[int, tuple[int, str]] = {}  # pid -> (day, how)
        self.relatives: dict[int, int] = {}  # migrant pid -> relative pid
        self.family_head: dict[int, int] = {}  # child migrant pid -> the parent travelling with them
        self.held: dict[int, list[tuple[int, int, tuple[str, str]]]] = {}  # pid -> burners held (days)
        self.namesakes: list[tuple[int, int]] = []  # (person, different person with the same name)
        self.returning: dict[str, list[int]] = {}  # nationality -> migrants already encountered once
        self.shelter_phone: tuple[str, str] = T.SHELTER[2]
        self.sur_cum = cumulative([1.0 / (i + 2) ** 0.9 for i in range(len(T.SURNAMES))])
        self.places = T.places()

    # -- people ---------------------------------------------------------------------------
    def new_person(self, role: str, org: int, nat: str, city: str, country: str, age: tuple[int, int],
                   sex: str | None = None, d: Dice | None = None, family_sur: str | None = None) -> Person:
        """Create a person with a believable name, date of birth, phone and address."""
        d = d or self.pd
        sex = sex or ("M" if d.chance(0.8 if role not in ("migrant", "victim", "relative", "other") else 0.6)
                      else "F")
        given = self._given(sex, nat, d)
        sur = self._surnames(nat, city, d, family_sur)
        today = START + timedelta(days=DAYS // 2)
        years = age[0] + d.u() * (age[1] - age[0])
        dob = today - timedelta(days=int(years * 365.25))
        p = Person(len(self.people), role, org, nat, sex, given, sur, dob, city, country)
        p.minor = years < 18
        p.phone = self.phone_for(city, country, d)
        p.addr = self.address(city, country, d)
        p.doc = self.document(nat, d)
        self.people.append(p)
        return p

    def _given(self, sex: str, nat: str, d: Dice) -> tuple[str, ...]:
        if nat == "USA" and d.chance(0.3):
            return (d.pick(T.GIVEN_ANGLO_M if sex == "M" else T.GIVEN_ANGLO_F),)
        x = d.u()
        if x < 0.35:
            return d.pick(T.COMPOUND_M if sex == "M" else T.COMPOUND_F)
        names = T.GIVEN_M if sex == "M" else T.GIVEN_F
        first = names[int(len(names) * d.u() ** 1.6)]  # a skew: some names far more common
        if x < 0.55:
            second = d.pick(names)
            if second != first:
                return (first, second)
        return (first,)

    def _surnames(self, nat: str, city: str, d: Dice, family: str | None) -> tuple[str, ...]:
        if nat == "USA" and d.chance(0.25):
            return (d.pick(T.SURNAMES_ANGLO),)
        maya = nat == "GTM" and city in ("Huehuetenango", "Santa Cruz del Quiché", "San Marcos")

        def one() -> str:
            if maya and d.chance(0.35):
                return d.pick(T.SURNAMES_MAYA)
            return d.weighted(T.SURNAMES, self.sur_cum)

        first = family or one()
        if nat == "USA" and d.chance(0.6):
            return (first,)  # U.S.-born people mostly carry one surname
        second = one()
        while second == first:
            second = one()
        return (first, second)

    def phone_for(self, city: str, country: str, d: Dice) -> tuple[str, str]:
        """A believable mobile number for someone living in ``city``."""
        if country == "USA":
            area = d.pick(T.US_AREA.get(city, ("956", "713", "210")))
            return ("1", area + str(d.between(2, 9)) + d.digits(2) + d.digits(4))
        if country == "MEX":
            area = T.MX_AREA.get(city, "55")
            return ("52", area + d.digits(10 - len(area)))
        if country in T.CA_MOBILE_PREFIX:
            return (T.CALLING_CODE[country], d.pick(T.CA_MOBILE_PREFIX[country]) + d.digits(7))
        cc = T.CALLING_CODE.get(country, "593")
        return (cc, "9" + d.digits(8))

    def address(self, city: str, country: str, d: Dice) -> str:
        """A street address in ``city`` (house numbers and streets from the tables)."""
        place = self.places.get(city)
        admin = place.admin if place else ""
        if country == "USA":
            return f"{d.between(100, 9899)} {d.pick(T.US_STREETS)}, {city}, {admin}, USA"
        if country == "MEX":
            state = T.STATE_NAMES_MX.get(admin, admin)
            return f"{d.pick(T.MX_STREETS)} {d.between(1, 2400)}, Col. {d.pick(T.MX_COLONIAS)}, {city}, {state}, MEX"
        return f"{d.pick(T.CA_BARRIOS)}, casa {d.between(1, 90)}, {city}, {admin}, {country}"

    def document(self, nat: str, d: Dice) -> tuple[str, str, str]:
        """An identity document number in the issuing country's shape."""
        kind = T.DOC_TYPES.get(nat, "passport")
        if d.chance(0.25) and nat != "USA":
            return ("passport", d.letters(1) + d.digits(8), nat)
        if nat == "MEX":
            number = d.digits(13)
        elif nat == "GTM":
            number = f"{d.digits(4)} {d.digits(5)} {d.digits(4)}"
        elif nat == "SLV":
            number = f"{d.digits(8)}-{d.digits(1)}"
        elif nat == "HND":
            number = f"{d.digits(4)}-{d.between(1960, 2006)}-{d.digits(5)}"
        elif nat == "USA":
            number = d.digits(8)
        else:
            number = d.digits(10)
        return (kind, number, nat)

    def account(self, country: str, d: Dice) -> tuple[str, str, str]:
        """A bank account (number, bank, country); Mexican accounts are 18-digit CLABEs."""
        bank = d.pick(T.BANKS.get(country, T.BANKS["USA"]))
        digits = 18 if country == "MEX" else (12 if country == "USA" else 10)
        return (d.digits(digits), bank, country)

    def namesake(self, of: Person, role: str, city: str, country: str, d: Dice) -> Person:
        """A different person who happens to carry exactly the same name (a false-merge trap)."""
        p = self.new_person(role, -1, of.nat, city, country, (18, 60), sex=of.sex, d=d)
        p.given, p.sur = of.given, of.sur
        while abs((p.dob - of.dob).days) < 400:
            p.dob = p.dob - timedelta(days=d.between(400, 4000))
        self.namesakes.append((of.pid, p.pid))
        return p

    # -- lazily created people ------------------------------------------------------------
    def trip_migrants(self, trip: Trip) -> list[int]:
        """The migrants of a trip (created the first time anyone records them)."""
        if trip.migrants is not None:
            return trip.migrants
        d = self.pd
        org = self.orgs[trip.org]
        out: list[int] = []
        i = 0
        while i < trip.size:
            nat = org.home if d.chance(0.75) else d.weighted(list(T.MIGRANT_MIX), _MIX_CUM)
            role = "victim" if i < trip.harm_victims else "migrant"
            i += 1
            pool = self.returning.get(nat)
            if role == "migrant" and pool and d.chance(0.06):
                out.append(d.pick(pool))  # encountered before, returned, trying again
                continue
            city = d.pick(T.ORIGINS.get(nat, ("Tapachula",))) if nat in T.ORIGINS else "Tapachula"
            country = nat if nat in T.ORIGINS else "MEX"
            if self.people and d.chance(0.04):
                # Common names: sometimes exactly the name of someone already in the world.
                other = self.people[d.below(len(self.people))]
                if other.nat == nat and other.role not in ("migrant", "victim"):
                    p = self.namesake(other, role, city, country, d)
                    p.org = -1
                    out.append(p.pid)
                    continue
            p = self.new_person(role, -1, nat, city, country, (8, 45) if d.chance(0.1) else (17, 45), d=d)
            if d.chance(0.3):
                p.phone = None  # many migrants travel without a phone of their own
            out.append(p.pid)
            if role == "migrant" and not p.minor and d.chance(0.12):
                # A parent travelling with children: they share surnames (the father's first, or the
                # mother's as second), home town, and the relative who pays for them all.
                for _ in range(1 + d.below(3)):
                    if i >= trip.size:
                        break
                    i += 1
                    child = self.new_person("migrant", -1, nat, city, country, (2, 17), d=d)
                    child.sur = p.sur if p.sex == "M" else (child.sur[0], p.sur[0])
                    if (child.dob - p.dob).days < 16 * 365:
                        # A parent is at least sixteen years older (else the child is a younger sibling).
                        child.dob = p.dob + timedelta(days=16 * 365 + d.below(365 * 8))
                        child.minor = (START + timedelta(days=DAYS // 2) - child.dob).days < 18 * 365
                    child.phone = None
                    child.addr = p.addr
                    self.family_head[child.pid] = p.pid
                    out.append(child.pid)
        trip.migrants = out
        return out

    def relative_of(self, migrant: int) -> int:
        """The relative who pays for a migrant (shares a surname; lives at the destination or at home)."""
        migrant = self.family_head.get(migrant, migrant)  # one relative pays for a whole family
        rel = self.relatives.get(migrant)
        if rel is not None:
            return rel
        d = self.pd
        m = self.people[migrant]
        if d.chance(0.6):
            city = d.pick(T.DESTINATIONS)
            country = "USA"
        else:
            city, country = m.city, m.country
        p = self.new_person("relative", -1, m.nat, city, country, (25, 65), d=d, family_sur=m.sur[0])
        self.relatives[migrant] = p.pid
        return p.pid

    def stranger(self, city: str, country: str, nat: str) -> int:
        """Someone with no part in any network (a remittance sender, a caller of the shelter)."""
        return self.new_person("other", -1, nat, city, country, (18, 70)).pid

    def member_number(self, pid: int, day: int) -> tuple[str, str] | None:
        """The number a member used on ``day``: a burner they held then, else their own phone."""
        for first, last, number in self.held.get(pid, ()):
            if first <= day <= last:
                return number
        return self.people[pid].phone

    def arrest(self, pid: int, day: int, how: str) -> None:
        """Record an arrest (the first one counts)."""
        if pid not in self.arrests:
            self.arrests[pid] = (day, how)


_MIX_CUM = cumulative(list(T.MIGRANT_MIX.values()))
_HOME_CUM = cumulative(list(T.HOME_WEIGHTS.values()))
_SECTOR_CUM = cumulative([s.weight for s in T.SECTORS.values()])


def build_world(scale: Scale, dice: Dice, persons_dice: Dice) -> World:
    """Draw organisations, members, trips, harms, investigations and arrests."""
    w = World(scale, dice, persons_dice)
    d = dice
    sizes = _org_sizes(scale.orgs, d)
    for i, size in enumerate(sizes):
        w.orgs.append(_make_org(w, i, size, d))
    # Activity grows faster than headcount: prolific organisations move most of the people.
    weights = [len(org.members) ** 1.15 for org in w.orgs]
    total = sum(weights)
    for org, weight in zip(w.orgs, weights, strict=True):
        _make_trips(w, org, d.poisson(scale.trips * weight / total), d)
    w.trips.sort(key=lambda t: (t.day, t.tid))
    _observe_trips(w, d)
    _make_investigations(w, d)
    return w


def _org_sizes(n: int, d: Dice) -> list[int]:
    """Heavy-tailed sizes: a Pareto tail over a floor of small crews, the largest few in the hundreds."""
    sizes = [int(min(260, 5 + 4 * ((1 - d.u()) ** (-1 / 1.15) - 1))) for _ in range(n)]
    if n >= 10:
        sizes[0] = max(sizes[0], 40 + d.below(20))  # every world has at least one prolific organisation
    return sizes


def _make_org(w: World, idx: int, size: int, d: Dice) -> Org:
    # The first four organisations cover the four home countries, so every partner file has rows.
    home = ("GTM", "HND", "SLV", "MEX")[idx] if idx < 4 else d.weighted(list(T.HOME_WEIGHTS), _HOME_CUM)
    n_sectors = 1 + (size > 30) + (size > 80)
    sectors: list[str] = []
    while len(sectors) < n_sectors:
        s = d.weighted(list(T.SECTORS), _SECTOR_CUM)
        if s not in sectors:
            sectors.append(s)
    plaza = d.pick(T.SECTORS[sectors[0]].plazas)
    cartel = d.pick(T.PLAZA_CARTELS[plaza])
    gang = d.pick(T.GANGS) if home in ("SLV", "HND") and d.chance(0.3) else ""
    weapons = d.chance(0.12 + 0.1 * (size > 40))
    natsec = d.chance(0.04 + 0.08 * (size > 60))
    lo, hi = T.FEES[home]
    org = Org(idx=idx, name="", aka=[], home=home,
              origins=tuple(d.sample(T.ORIGINS[home], 1 + d.below(2))), sectors=sectors, cartel=cartel,
              gang=gang, weapons=weapons, natsec=natsec, fee=(lo, hi),
              violence=(0.5 + 2.5 * d.u() ** 3) * (1.8 if gang else 1.0),
              plaza_fee=int(round(T.PLAZA_FEE[0] + d.u() * (T.PLAZA_FEE[1] - T.PLAZA_FEE[0]), -1)))
    # Members: one leader, the rest by role shares; at least one of each field role.
    roles = ["leader"]
    rest = max(size - 1, 4)
    for role, share in T.ROLE_SHARES.items():
        roles += [role] * max(1, int(round(share * rest)))
    primary_sector = T.SECTORS[sectors[0]]
    for role in roles:
        nat, city, country = _member_home(org, role, primary_sector, plaza, d)
        p = w.new_person(role, idx, nat, city, country, (19, 58), d=d)
        org.members.append(p.pid)
        org.by_role.setdefault(role, []).append(p.pid)
        if d.chance(0.75 if role != "driver" else 0.45):
            p.alias = d.pick(T.ALIASES_M if p.sex == "M" else T.ALIASES_F)
        if role in ("leader", "financier", "coordinator") or d.chance(0.1):
            p.acct = w.account(country if country in T.BANKS else "MEX", d)
        if d.chance(0.03):
            # A member who shares an exact name with a stranger somewhere else (false-merge trap).
            w.namesake(p, "other", d.pick(T.DESTINATIONS), "USA", d)
    leader = w.people[org.by_role["leader"][0]]
    lname = leader.sur[0]
    stem = d.pick(T.ORG_NAME_STEMS)
    org.name = stem if d.chance(0.6) else f"Los {strip(lname)}"
    # Agencies name the same organisation differently: a nickname, the leader's surnames, the alias.
    org.aka = [org.name, f"{' '.join(leader.sur)} ATO", f"{lname} smuggling organization"]
    if leader.alias:
        org.aka.append(f"Organización de {leader.alias}")
    # Stash houses in the primary sector's cities, run by stash-house operators.
    ops = org.by_role["stash_house_operator"]
    for k in range(max(1, len(ops))):
        city = d.pick(primary_sector.stash_cities)
        pl = w.places[city]
        addr = w.address(city, "USA", d)
        org.stash.append(StashHouse(addr, city, pl.lat + (d.u() - 0.5) * 0.15, pl.lon + (d.u() - 0.5) * 0.15,
                                    ops[k % len(ops)]))
        w.people[ops[k % len(ops)]].addr = addr  # operators live at the house
    # Vehicles owned by drivers (a tractor-trailer for larger organisations).
    for pid in org.by_role["driver"]:
        make, model = d.pick(T.VEHICLES)
        org.vehicles.append(Vehicle(_plate(primary_sector.state, d), primary_sector.state, make, model, pid))
    if size > 20 or d.chance(0.3):
        make, model = d.pick(T.TRUCKS)
        org.vehicles.append(Vehicle(_plate("TX", d), "TX", make, model, d.pick(org.by_role["driver"]), True))
    # Burner phones passed among field members every few weeks or months.
    field_roles = [p for r in ("coordinator", "guide", "lookout", "driver") for p in org.by_role.get(r, [])]
    for _ in range(max(1, size // 5)):
        number = ("52", T.MX_AREA.get(plaza, "899") + d.digits(7))
        holders: list[tuple[int, int, int]] = []
        day = d.below(120)
        while day < DAYS:
            span = d.between(40, 240)
            holders.append((d.pick(field_roles), day, min(DAYS, day + span)))
            day += span + 1
        org.burners.append(Burner(number, holders))
        for pid, first, last in holders:
            w.held.setdefault(pid, []).append((first, last, number))
    return org


def strip(name: str) -> str:
    """A surname fit for an organisation's nickname (``Los Hernández``)."""
    return name.replace("de la ", "").replace("del ", "").replace("de ", "")


def _plate(state: str, d: Dice) -> str:
    if state == "CA":
        return f"{d.between(5, 9)}{d.letters(3)}{d.digits(3)}"
    if state == "AZ":
        return f"{d.letters(3)}{d.digits(4)}"
    return f"{d.letters(3)}{d.digits(4)}" if d.chance(0.7) else f"{d.letters(2)}{d.digits(1)}{d.letters(1)}{d.digits(3)}"


def _member_home(org: Org, role: str, sector: T.Sector, plaza: str, d: Dice) -> tuple[str, str, str]:
    """Where a member of each role lives, and their nationality (networks are local at each stage)."""
    if role == "recruiter":
        return org.home, d.pick(org.origins), org.home
    if role in ("guide", "lookout"):
        return ("MEX", plaza, "MEX") if d.chance(0.8) else (org.home, plaza, "MEX")
    if role == "coordinator":
        if d.chance(0.3):
            # Coordinators who buy and sell passage along the route, at the southern border or,
            # for Mexican organisations, in the transit cities.
            return org.home, d.pick(T.TRANSIT_MX if org.home == "MEX" else T.TRANSIT_CA), "MEX"
        return "MEX", plaza, "MEX"
    if role in ("driver", "stash_house_operator"):
        city = d.pick(sector.stash_cities)
        return (d.pick(("USA", "USA", "MEX", org.home)), city, "USA")
    if role == "financier":
        return ("MEX", plaza, "MEX") if d.chance(0.6) else (org.home, d.pick(org.origins), org.home)
    # leader
    return (org.home, d.pick(org.origins), org.home) if d.chance(0.5) else ("MEX", plaza, "MEX")


def _make_trips(w: World, org: Org, n: int, d: Dice) -> None:
    """``n`` trips of one organisation over the three years."""
    guides = org.by_role["guide"]
    drivers = org.by_role["driver"]
    lookouts = org.by_role["lookout"]
    for _ in range(n):
        t = Trip(len(w.trips), org.idx, _trip_day(d))
        t.sector = org.sectors[0] if d.chance(0.7) else d.pick(org.sectors)
        sec = T.SECTORS[t.sector]
        t.plaza = d.pick(sec.plazas)
        t.station = d.pick(sec.stations)
        t.origin = d.pick(org.origins)
        t.stash = d.below(len(org.stash))
        t.dest = d.pick(T.DESTINATIONS)
        modes = [m for m, _ in sec.modes]
        t.mode = d.weighted(modes, cumulative([s for _, s in sec.modes]))
        trucks = [i for i, v in enumerate(org.vehicles) if v.truck]
        cars = [i for i, v in enumerate(org.vehicles) if not v.truck]
        if t.mode == "tractor_trailer" and not trucks:
            t.mode = "vehicle"
        if t.mode == "tractor_trailer":
            t.size = max(12, int(d.lognormal(35, 0.5)))
            t.vehicle = d.pick(trucks)
        elif t.mode == "vehicle":
            t.size = max(1, int(d.lognormal(5, 0.45)))
            t.vehicle = d.pick(cars)
        else:
            t.size = max(1, int(d.lognormal(7, 0.6)))
        t.size = min(t.size, 120)
        crew = [d.pick(guides)] if t.mode in ("foot", "raft") or d.chance(0.3) else []
        if t.mode in ("vehicle", "tractor_trailer"):
            crew.append(org.vehicles[t.vehicle].owner if d.chance(0.7) else d.pick(drivers))
        elif d.chance(0.5):
            crew.append(d.pick(drivers))  # the pick-up after the crossing
        if d.chance(0.4):
            crew.append(d.pick(lookouts))
        t.crew = list(dict.fromkeys(crew))
        lo, hi = org.fee
        t.fee = int(round((lo + d.u() * (hi - lo)) * (1.2 if t.mode == "tractor_trailer" else 1.0), -2))
        _harm(t, org, d)
        org.trips.append(t)
        w.trips.append(t)


def _trip_day(d: Dice) -> int:
    """A day in the three years, with spring–summer peaks."""
    while True:
        day = d.below(DAYS)
        month = (START + timedelta(days=day)).month
        if d.u() < (1.0 if 3 <= month <= 7 else 0.7):
            return day


def _harm(t: Trip, org: Org, d: Dice) -> None:
    """Maybe a harm incident on the trip; deaths depend on mode and season, abuse on the organisation."""
    month = (START + timedelta(days=t.day)).month
    v = org.violence
    x = d.u()
    if t.mode == "foot" and 5 <= month <= 9 and x < 0.03:
        t.harm, t.deaths = "death_heat", 1 + (d.u() < 0.3)
    elif t.mode == "raft" and x < 0.025:
        t.harm, t.deaths = "death_drowning", 1 + (d.u() < 0.25) + (d.u() < 0.1)
    elif t.mode == "tractor_trailer" and x < 0.02:
        t.harm, t.deaths = "death_suffocation", min(t.size, 1 + int(d.lognormal(3, 1.0)))
    elif t.mode == "vehicle" and x < 0.02:
        t.harm, t.deaths = "death_crash", 1 + d.below(3)
    else:
        y = d.u()
        if y < 0.012 * v:
            t.harm, t.harm_victims = "sexual_assault", 1 + (d.u() < 0.3)
        elif y < 0.024 * v:
            t.harm, t.harm_victims = "kidnapping", min(t.size, 1 + d.below(5))
            t.ransom = t.harm_victims * int(round(d.between(2000, 10000), -2))
        elif y < 0.045 * v:
            t.harm, t.harm_victims = "extortion", min(t.size, 1 + d.below(3))
            t.ransom = t.harm_victims * int(round(d.between(300, 2500), -2))
    t.deaths = min(t.deaths, t.size)
    if t.deaths:
        # Survivors of a fatal trip are victims and witnesses.
        t.harm_victims = min(t.size - t.deaths, 1 + d.below(2))


def _observe_trips(w: World, d: Dice) -> None:
    """Which trips CBP encounters, and which crew it apprehends (smugglers are arrested)."""
    p_enc = {"foot": 0.4, "raft": 0.35, "vehicle": 0.3, "tractor_trailer": 0.25}
    for t in w.trips:
        p = p_enc[t.mode] + (0.55 if t.deaths else 0.0)
        if d.chance(min(p, 0.95)):
            t.encountered = True
            t.caught = [pid for pid in t.crew if d.chance(0.35 if w.people[pid].role == "guide" else 0.55)]
            for pid in t.caught:
                w.arrest(pid, t.day, "cbp")


AGENCIES = ("HSI", "FBI", "DEA")
PREDICATES = {
    "HSI": "8 U.S.C. 1324 alien smuggling conspiracy",
    "FBI": "18 U.S.C. 1203 hostage taking; 8 U.S.C. 1324",
    "DEA": "21 U.S.C. 846 drug conspiracy; 8 U.S.C. 1324",
    "ATF": "18 U.S.C. 554 and 924(c) firearms smuggling",
    "IRS-CI": "18 U.S.C. 1956 money laundering",
}
AGENT_GIVEN = ("Michael", "Sarah", "David", "Jennifer", "Daniel", "Laura", "Robert", "Elena", "Marcus",
               "Andrea", "Carlos", "Megan", "Victor", "Rachel", "Thomas", "Diana")
AGENT_SUR = ("Reyes", "Walker", "Nguyen", "Sullivan", "Ortega", "Patel", "Brooks", "Salinas", "Kim",
             "Murphy", "Delgado", "Foster", "Cavazos", "Bennett", "Ramos", "Hughes")


def _make_investigations(w: World, d: Dice) -> None:
    """Investigations of organisations, several agencies overlapping on the larger ones."""
    counter: dict[str, int] = {}
    for org in w.orgs:
        size = len(org.members)
        p = min(0.95, 0.25 + size / 50)
        if org.idx == 0:
            # The prolific organisation is always worked by HSI and FBI at once (deconfliction truth).
            agencies = ["HSI", "FBI"] + (["DEA"] if d.chance(0.5) else [])
        elif org.idx == 1:
            agencies = ["DEA"]
        elif not d.chance(p):
            continue
        else:
            n = 1 + (size > 25 and d.chance(0.7)) + (size > 60 and d.chance(0.6))
            agencies = d.sample(AGENCIES, n)
        if org.weapons and d.chance(0.4):
            agencies.append("ATF")
        if size > 80 and d.chance(0.3):
            agencies.append("IRS-CI")
        if org.gang and "FBI" not in agencies and d.chance(0.5):
            agencies.append("FBI")
        district = T.SECTORS[org.sectors[0]].district
        for agency in agencies:
            k = counter[agency] = counter.get(agency, 0) + 1
            opened = d.below(DAYS - 200)
            closed = opened + d.between(300, 900)
            status = "closed" if closed < DAYS else "open"
            office = d.pick(T.OFFICES[district])
            yy = (START + timedelta(days=opened)).year % 100
            if agency == "FBI":
                case_number = f"FBI-{office}-{d.pick(('7A', '31E', '281D'))}-{d.digits(6)}"
            else:
                case_number = f"{agency}-{office}-{yy:02d}-{k:04d}"
            iid = f"INV-{agency}-{k:04d}"
            given, sur = d.pick(AGENT_GIVEN), d.pick(AGENT_SUR)
            domain = {"HSI": "ice.dhs.gov", "FBI": "fbi.gov", "DEA": "dea.gov", "ATF": "atf.gov",
                      "IRS-CI": "ci.irs.gov"}[agency]
            inv = Investigation(
                iid=iid, agency=agency, org=org.idx, district=district, case_number=case_number,
                opened=opened, closed=closed if status == "closed" else None, status=status,
                predicate=PREDICATES[agency],
                compartment=iid if (org.natsec or d.chance(0.2)) else "",
                lead_agent=f"SA {given} {sur}",
                contact_phone=f"({d.pick(('956', '210', '915', '520', '619', '713'))}) {d.between(200, 989)}-{d.digits(4)}",
                contact_email=f"{given.lower()}.{sur.lower()}@{domain}",
            )
            # Targets: leaders and coordinators first, then whoever the case turned up.
            weights = {"leader": 6.0, "coordinator": 4.0, "financier": 3.0, "stash_house_operator": 2.0,
                       "recruiter": 1.0, "guide": 1.5, "driver": 1.5, "lookout": 0.7}
            pool = org.members
            cum = cumulative([weights[w.people[p].role] for p in pool])
            k_targets = min(len(pool), 2 + d.below(3 + size // 10))
            chosen: dict[int, None] = {}
            for _ in range(k_targets * 3):
                chosen[d.weighted(pool, cum)] = None
                if len(chosen) >= k_targets:
                    break
            inv.targets = list(chosen)
            if d.chance(0.7):
                inv.takedown = min(DAYS - 1, opened + d.between(200, 800))
                for pid in inv.targets:
                    person = w.people[pid]
                    # Most arrests happen in the U.S.; a few abroad, with partner police.
                    if (person.country == "USA" or d.chance(0.25)) and d.chance(0.8):
                        inv.arrested.append(pid)
                        w.arrest(pid, inv.takedown, agency)
            org.investigations.append(inv)
            w.investigations.append(inv)

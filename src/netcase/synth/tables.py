"""Data tables of the synthetic world: places, sectors, plazas, names, hypocorisms, vocabularies.

Everything the generator draws from lives here (or in ``data/places.csv``) so the world can be
checked and extended in one place. Facts follow ``/work/shared/DOMAIN.md``: sectors and their federal
districts, the plazas facing each sector and the groups that have controlled them, common routes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class Place:
    """A town or station with approximate real coordinates."""

    name: str
    country: str
    admin: str
    kind: str
    lat: float
    lon: float


@cache
def places() -> dict[str, Place]:
    """The place table (``data/places.csv``), by name."""
    with (DATA / "places.csv").open(encoding="utf-8", newline="") as fh:
        return {
            r["name"]: Place(r["name"], r["country"], r["admin"], r["kind"], float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(fh)
        }


@dataclass(frozen=True, slots=True)
class Sector:
    """A U.S. Border Patrol sector: its district, state, the plazas facing it, stations, stash cities."""

    name: str
    district: str
    state: str
    plazas: tuple[str, ...]
    stations: tuple[str, ...]
    stash_cities: tuple[str, ...]
    weight: float  # share of the smuggling traffic, roughly as in recent CBP encounter figures
    modes: tuple[tuple[str, float], ...]  # crossing modes and their shares in this terrain


_RIVER = (("foot", 0.3), ("raft", 0.3), ("vehicle", 0.25), ("tractor_trailer", 0.15))
_DESERT = (("foot", 0.55), ("vehicle", 0.3), ("tractor_trailer", 0.15))
_PORT = (("foot", 0.4), ("vehicle", 0.4), ("tractor_trailer", 0.2))

SECTORS: dict[str, Sector] = {
    s.name: s
    for s in (
        Sector("Rio Grande Valley", "S.D. Tex.", "TX", ("Reynosa", "Matamoros"),
               ("McAllen Station", "Weslaco", "Rio Grande City", "Brownsville", "Falfurrias"),
               ("McAllen", "Houston"), 0.25, _RIVER),
        Sector("Laredo", "S.D. Tex.", "TX", ("Nuevo Laredo",),
               ("Laredo North", "Laredo South", "Zapata", "Cotulla"),
               ("Laredo", "San Antonio", "Houston"), 0.10, _RIVER),
        Sector("Del Rio", "W.D. Tex.", "TX", ("Ciudad Acuña", "Piedras Negras"),
               ("Del Rio", "Eagle Pass", "Uvalde", "Carrizo Springs"),
               ("San Antonio", "Houston"), 0.14, _RIVER),
        Sector("El Paso", "W.D. Tex.", "TX", ("Ciudad Juárez",),
               ("Santa Teresa", "Ysleta", "Lordsburg", "Deming"), ("El Paso",), 0.13, _DESERT),
        Sector("Big Bend", "W.D. Tex.", "TX", ("Ojinaga",), ("Presidio", "Alpine", "Sanderson"),
               ("El Paso", "San Antonio"), 0.02, _DESERT),
        Sector("Tucson", "D. Ariz.", "AZ", ("Nogales", "Sonoyta", "Agua Prieta"),
               ("Nogales Station", "Ajo", "Casa Grande", "Douglas"), ("Tucson", "Phoenix"), 0.17, _DESERT),
        Sector("Yuma", "D. Ariz.", "AZ", ("San Luis Río Colorado",), ("Yuma Station", "Wellton", "Blythe"),
               ("Phoenix", "Los Angeles"), 0.06, _DESERT),
        Sector("El Centro", "S.D. Cal.", "CA", ("Mexicali",), ("Calexico", "El Centro Station", "Indio"),
               ("Los Angeles",), 0.04, _PORT),
        Sector("San Diego", "S.D. Cal.", "CA", ("Tijuana",),
               ("Imperial Beach", "Chula Vista", "Brown Field", "Campo"), ("San Diego", "Los Angeles"),
               0.09, _PORT),
    )
}

# Groups that have controlled each plaza (DOMAIN.md); an organisation pays "piso" to one of them.
PLAZA_CARTELS: dict[str, tuple[str, ...]] = {
    "Tijuana": ("Sinaloa", "CJNG"),
    "Mexicali": ("Sinaloa",),
    "San Luis Río Colorado": ("Sinaloa",),
    "Sonoyta": ("Sinaloa",),
    "Nogales": ("Sinaloa",),
    "Agua Prieta": ("Sinaloa",),
    "Ciudad Juárez": ("La Línea", "Sinaloa"),
    "Ojinaga": ("La Línea",),
    "Ciudad Acuña": ("Cartel del Noreste",),
    "Piedras Negras": ("Cartel del Noreste",),
    "Nuevo Laredo": ("Cartel del Noreste",),
    "Reynosa": ("Gulf Cartel",),
    "Matamoros": ("Gulf Cartel",),
}
# Plaza fee per migrant paid to the controlling group (USD, low and high).
PLAZA_FEE = (300, 1500)

ORIGINS: dict[str, tuple[str, ...]] = {
    "GTM": ("Huehuetenango", "San Marcos", "Santa Cruz del Quiché", "Quetzaltenango", "Ciudad de Guatemala"),
    "HND": ("San Pedro Sula", "Tegucigalpa", "Choluteca"),
    "SLV": ("San Salvador", "San Miguel", "Usulután"),
    "MEX": ("Oaxaca", "Tuxtla Gutiérrez", "Chilpancingo", "Morelia", "Puebla"),
}
# Share of organisations based in each origin country.
HOME_WEIGHTS = {"GTM": 0.35, "HND": 0.25, "SLV": 0.15, "MEX": 0.25}
# The route north from the Guatemala–Mexico border (Central American origins) or from central Mexico.
TRANSIT_CA = ("Tecún Umán", "Ciudad Hidalgo", "Tapachula")
TRANSIT_MX = ("Villahermosa", "Coatzacoalcos", "Ciudad de México", "San Luis Potosí", "Monterrey", "Hermosillo")
DESTINATIONS = ("Houston", "Dallas", "Atlanta", "Charlotte", "Chicago", "New York", "Denver", "Nashville",
                "Miami", "Raleigh", "Omaha", "Las Vegas", "Seattle", "Boston", "Los Angeles", "San Antonio")
# Fee per migrant in USD (low, high) by origin country; tractor-trailer and long routes cost more.
FEES = {"MEX": (3000, 8000), "GTM": (7000, 15000), "HND": (8000, 17000), "SLV": (8000, 18000)}

# Migrants' nationalities: mostly the organisation's home country, some others on the same route.
MIGRANT_MIX = {"GTM": 0.7, "HND": 0.12, "SLV": 0.08, "MEX": 0.06, "ECU": 0.02, "COL": 0.02}

# Member roles and their share of an organisation's headcount (after the one leader).
ROLES = ("leader", "coordinator", "recruiter", "guide", "driver", "stash_house_operator", "lookout",
         "financier")
ROLE_SHARES = {"coordinator": 0.08, "recruiter": 0.15, "guide": 0.2, "driver": 0.2,
               "stash_house_operator": 0.1, "lookout": 0.17, "financier": 0.1}
# What agencies write in a report for a role.
ROLE_REPORTED = {"leader": "leader", "coordinator": "coordinator", "recruiter": "recruiter", "guide": "guide",
                 "driver": "transporter", "stash_house_operator": "stash house operator", "lookout": "lookout",
                 "financier": "money collector"}
CBP_CATEGORY = {"guide": "GUIDE", "driver": "DRIVER", "lookout": "LOOKOUT"}

GANGS = ("MS-13", "Barrio 18")

GIVEN_M = ("José", "Juan", "Luis", "Carlos", "Jesús", "Francisco", "Guillermo", "Alberto", "Roberto",
           "Ignacio", "Miguel", "Pedro", "Antonio", "Manuel", "Jorge", "Mario", "Óscar", "Rafael", "Ramón",
           "Raúl", "Sergio", "Víctor", "Fernando", "Eduardo", "Héctor", "Javier", "Alejandro", "Ricardo",
           "Daniel", "David", "Marco", "Édgar", "Wilmer", "Byron", "Erick", "Kevin", "Nelson", "Selvin",
           "Elmer", "Santos", "Ángel", "Julio", "César", "Rigoberto", "Armando", "Enrique", "Gustavo",
           "Andrés", "Esteban", "Felipe", "Gerardo", "Hugo", "Joel", "Marvin", "Melvin", "Omar", "Rubén",
           "Salvador", "Tomás", "Domingo", "Alfredo", "Arturo", "Efraín", "Germán", "Israel", "Josué")
GIVEN_F = ("María", "Guadalupe", "Ana", "Rosa", "Carmen", "Juana", "Martha", "Elena", "Patricia",
           "Leticia", "Sandra", "Gloria", "Isabel", "Dolores", "Alejandra", "Claudia", "Verónica", "Yesenia",
           "Karla", "Wendy", "Sonia", "Blanca", "Reina", "Lucía", "Fernanda", "Mónica", "Silvia", "Teresa",
           "Daniela", "Gabriela", "Esmeralda", "Ingrid", "Lesly", "Dayana", "Brenda", "Paola", "Concepción",
           "Rocío", "Socorro", "Adriana", "Josefa", "Marisol", "Yolanda", "Olga", "Irma")
COMPOUND_M = (("José", "Luis"), ("Juan", "Carlos"), ("José", "Antonio"), ("Luis", "Alberto"),
              ("Jesús", "Manuel"), ("Juan", "José"), ("José", "Manuel"), ("Miguel", "Ángel"),
              ("Carlos", "Alberto"), ("Francisco", "Javier"), ("José", "Guadalupe"), ("Víctor", "Manuel"),
              ("Jorge", "Luis"), ("Marco", "Antonio"), ("Luis", "Fernando"), ("José", "María"),
              ("Juan", "Pablo"), ("José", "Ángel"))
COMPOUND_F = (("María", "José"), ("María", "Guadalupe"), ("Ana", "María"), ("María", "Fernanda"),
              ("María", "Elena"), ("María", "de los Ángeles"), ("María", "del Carmen"), ("Rosa", "María"),
              ("María", "Isabel"), ("Ana", "Lucía"), ("María", "Dolores"), ("Luz", "María"))

# Hypocorisms: what relatives, accomplices and informants call a person instead of the given name.
HYPOCORISMS: dict[str, tuple[str, ...]] = {
    "José": ("Pepe", "Chepe", "Cheo"), "Jesús": ("Chucho", "Chuy"), "Guadalupe": ("Lupe", "Lupita"),
    "Francisco": ("Paco", "Pancho", "Chico"), "Guillermo": ("Memo",), "Alberto": ("Beto",),
    "Roberto": ("Beto", "Tito"), "Ignacio": ("Nacho",), "Manuel": ("Manolo",), "Antonio": ("Toño",),
    "Luis": ("Lucho", "Güicho"), "Enrique": ("Kike",), "Eduardo": ("Lalo",), "Rafael": ("Rafa",),
    "Alejandro": ("Alex", "Jando"), "Fernando": ("Nando",), "Ramón": ("Moncho",),
    "Concepción": ("Concha", "Conchita"), "Dolores": ("Lola",), "Socorro": ("Coco",), "Rosa": ("Rosita",),
    "Gabriela": ("Gaby",), "Patricia": ("Paty",), "Salvador": ("Chava",), "Rigoberto": ("Rigo",),
    "Gerardo": ("Jerry",), "Isabel": ("Chabela",), "Teresa": ("Tere",), "Armando": ("Mando",),
    "Ricardo": ("Richi",), "Alfredo": ("Fredo",), "Josefa": ("Chepita",), "Javier": ("Javi",),
    "Daniel": ("Dani",), "Juana": ("Juanita",), "Yolanda": ("Yola",), "Arturo": ("Tury",),
}
# Hypocorisms of compound given names, taking the place of both.
COMPOUND_HYPOCORISMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("José", "Luis"): ("Joselo", "Pepe Luis"), ("José", "María"): ("Chema",), ("Juan", "Carlos"): ("Juanca",),
    ("María", "José"): ("Majo",), ("María", "Fernanda"): ("Marifer",), ("Jesús", "Manuel"): ("Chuma",),
    ("María", "Guadalupe"): ("Lupita",), ("Miguel", "Ángel"): ("Miguelón",), ("Ana", "María"): ("Anita",),
}

SURNAMES = ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
            "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vásquez", "Reyes", "Jiménez", "Torres", "Díaz",
            "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez",
            "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro",
            "Vargas", "Guzmán", "Velásquez", "Muñoz", "Rojas", "Contreras", "Salazar", "Orellana", "Estrada",
            "Bautista", "Zelaya", "Mejía", "Pineda", "Portillo", "Alvarado", "Figueroa", "Escobar", "Cabrera",
            "Ayala", "Maldonado", "Navarro", "Solís", "Ochoa", "Cortés", "Villatoro", "Zepeda", "Argueta",
            "Amaya", "Henríquez", "Quintanilla", "Barrientos", "Cifuentes", "Recinos", "Chacón", "Sosa",
            "Paz", "Bonilla", "Funes", "Lara", "Guerra", "Espinoza", "Cardona", "Rosales", "Fuentes", "Rubio",
            "Saucedo", "Treviño", "Garza", "Villarreal", "Cantú", "Elizondo", "Ibarra", "Zúñiga", "Núñez",
            "de León", "de la Cruz", "del Cid", "de Jesús", "de la Rosa", "del Valle", "de la Torre")
# Maya surnames, common in the western highlands (Huehuetenango, Quiché, San Marcos).
SURNAMES_MAYA = ("Tzul", "Xol", "Coc", "Ixcoy", "Tzoc", "Cux", "Chox", "Pú", "Tay", "Yax", "Caal", "Choc",
                 "Tzunun", "Sic", "Ajú", "Cumes")
SURNAMES_ANGLO = ("Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
                  "Thomas", "Moore", "Jackson", "White", "Harris", "Clark")
GIVEN_ANGLO_M = ("Michael", "James", "Robert", "John", "David", "William", "Joshua", "Tyler", "Brandon")
GIVEN_ANGLO_F = ("Jessica", "Ashley", "Amanda", "Jennifer", "Sarah", "Brittany", "Megan")

ALIASES_M = ("El Güero", "El Flaco", "El Chino", "El Negro", "El Gordo", "El Compa", "El Primo", "El Tío",
             "El Chaparro", "El Pelón", "El Catracho", "El Chapín", "El Guanaco", "El Mono", "El Tigre",
             "El Toro", "El Gallo", "El Zorro", "El Cholo", "El Profe", "El Inge", "El Licenciado", "El Doc",
             "El Sapo", "El Diablo", "El Cuervo", "El Gato", "El Viejo", "El Junior", "El Morro", "El Pollo",
             "El Pato", "El Loco", "El Chamaco", "El Cuate", "El Mudo", "El Tuerto", "El Alacrán",
             "El Halcón", "El Coyote", "El Chivo", "El Burro", "El Cabo", "El Comandante", "El Pariente")
ALIASES_F = ("La Flaca", "La Güera", "La Chata", "La Morena", "La Gorda", "La Jefa", "La Tía", "La Madrina",
             "La Güerita", "La Chaparra", "La Negra", "La Señora", "La Prieta", "La Reina")
ORG_NAME_STEMS = ("Los Güeros", "Los Primos", "Los Compadres", "La Empresa", "Los Chapines", "Los Catrachos",
                  "Los Hermanos", "La Familia", "Los del Norte", "Los Rápidos", "La Oficina", "Los Tíos",
                  "Los Halcones", "Los Coyotes", "Los Polleros", "Los de Arriba", "La Ruta", "Los Gallos",
                  "Los Zorros", "Los Cuervos", "El Cartelito", "Los Paisanos", "Los Morros", "Los Pelones")

US_STREETS = ("Elm St", "Oak St", "Main St", "Maple Ave", "Pecan St", "Mesquite Dr", "Cedar Ln", "Palm Ave",
              "Sunset Blvd", "Rio Grande Ave", "Alamo St", "Cactus Rd", "Mission Rd", "Valley View Dr",
              "Mockingbird Ln", "Bluebonnet Dr", "Lakeview Dr", "Willow St", "Jackson Rd", "Bell St")
MX_STREETS = ("Calle Hidalgo", "Calle Juárez", "Av. Morelos", "Calle Zaragoza", "Calle Allende",
              "Av. Revolución", "Calle Guerrero", "Calle 5 de Mayo", "Av. Reforma", "Calle Independencia",
              "Calle Matamoros", "Calle Aldama")
MX_COLONIAS = ("Centro", "Las Flores", "Del Valle", "Obrera", "Buenos Aires", "Aztlán", "Pedregal",
               "Los Pinos", "Hidalgo", "Solidaridad", "Lomas del Sol")
CA_BARRIOS = ("Barrio El Centro", "Colonia La Esperanza", "Barrio San José", "Colonia Kennedy",
              "Colonia Las Brisas", "Barrio Guadalupe", "Colonia El Carmen", "Aldea San Antonio",
              "Caserío Los Pinos", "Colonia Monte Verde")
STATE_NAMES_MX = {"Tamaulipas": "Tamps.", "Chihuahua": "Chih.", "Sonora": "Son.", "Coahuila": "Coah.",
                  "Baja California": "B.C.", "Chiapas": "Chis.", "Nuevo León": "N.L."}

# Area codes for believable local numbers (USA: border and stash cities; MEX: plazas and transit).
US_AREA = {"Houston": ("713", "832", "281"), "Laredo": ("956",), "McAllen": ("956",), "Phoenix": ("602", "480"),
           "Tucson": ("520",), "El Paso": ("915",), "Los Angeles": ("213", "323", "818"),
           "San Antonio": ("210",), "San Diego": ("619", "858"), "Dallas": ("214", "469"),
           "Atlanta": ("404", "678"), "Charlotte": ("704",), "Chicago": ("312", "773"),
           "New York": ("718", "347", "917"), "Denver": ("303",), "Nashville": ("615",), "Miami": ("305",),
           "Raleigh": ("919",), "Omaha": ("402",), "Las Vegas": ("702",), "Seattle": ("206",),
           "Boston": ("617",)}
MX_AREA = {"Tijuana": "664", "Mexicali": "686", "San Luis Río Colorado": "653", "Sonoyta": "638",
           "Nogales": "631", "Agua Prieta": "633", "Ciudad Juárez": "656", "Ojinaga": "626",
           "Ciudad Acuña": "877", "Piedras Negras": "878", "Nuevo Laredo": "867", "Reynosa": "899",
           "Matamoros": "868", "Tapachula": "962", "Ciudad Hidalgo": "962", "Monterrey": "81",
           "Ciudad de México": "55", "Oaxaca": "951", "Puebla": "222", "Morelia": "443",
           "Tuxtla Gutiérrez": "961", "Chilpancingo": "747", "Hermosillo": "662", "Villahermosa": "993",
           "Coatzacoalcos": "921", "San Luis Potosí": "444"}
# First digit of mobile numbers by country (8-digit national numbers in Central America).
CA_MOBILE_PREFIX = {"GTM": "345", "SLV": "67", "HND": "389"}
CALLING_CODE = {"USA": "1", "MEX": "52", "GTM": "502", "SLV": "503", "HND": "504", "ECU": "593", "COL": "57"}

VEHICLES = (("Ford", "F-150"), ("Chevrolet", "Silverado"), ("Chevrolet", "Tahoe"), ("Toyota", "Sienna"),
            ("Honda", "Odyssey"), ("Nissan", "Altima"), ("Dodge", "Ram 1500"), ("GMC", "Yukon"),
            ("Ford", "Expedition"), ("Chrysler", "Pacifica"), ("Toyota", "Camry"), ("Ford", "Transit"))
TRUCKS = (("Freightliner", "Cascadia"), ("Kenworth", "T680"), ("International", "ProStar"),
          ("Volvo", "VNL"), ("Peterbilt", "579"))

BANKS = {"MEX": ("Banorte", "BBVA México", "Banco Azteca", "Santander México", "Bancoppel"),
         "GTM": ("Banrural", "Banco Industrial", "BAM"), "HND": ("Banco Atlántida", "BAC Honduras"),
         "SLV": ("Banco Agrícola", "Banco Cuscatlán"), "USA": ("Wells Fargo", "Bank of America", "Chase")}
DOC_TYPES = {"MEX": "INE", "GTM": "DPI", "SLV": "DUI", "HND": "DNI", "USA": "driver_license",
             "ECU": "cedula", "COL": "cedula"}
MSBS = ("Elektra Envíos", "Remesas del Norte", "EnvíaYa", "Pronto Money")

NATIONALITY_ES = {"MEX": "mexicana", "GTM": "guatemalteca", "SLV": "salvadoreña", "HND": "hondureña",
                  "USA": "estadounidense", "ECU": "ecuatoriana", "COL": "colombiana"}

# Partner reporting institutions and the offences they record.
PARTNER_INSTITUTIONS = {"MEX": ("FGR", "Guardia Nacional", "INM"), "GTM": ("MP", "PNC"),
                        "SLV": ("FGR", "PNC"), "HND": ("MP", "DPI", "ATIC")}
DELITOS = {"smuggling": "tráfico ilícito de migrantes", "trafficking": "trata de personas",
           "kidnapping": "secuestro", "extortion": "extorsión", "victim": "víctima de tráfico de migrantes",
           "homicide": "homicidio", "laundering": "lavado de dinero"}

HARM_TYPES = ("death_heat", "death_drowning", "death_suffocation", "death_crash", "sexual_assault",
              "kidnapping", "extortion")

# Offices that open cases, by district (used in case numbers).
OFFICES = {"S.D. Tex.": ("HO", "MC"), "W.D. Tex.": ("SA", "EP"), "D. Ariz.": ("PX", "TU"),
           "S.D. Cal.": ("SD",)}

# The migrant shelter whose number many migrants give and many smugglers call (a hub).
SHELTER = ("Casa del Migrante Tapachula", "Tapachula", ("52", "9626251234"))
BUS_TERMINAL = "Central de Autobuses, Blvd. Hidalgo 1000, Reynosa, Tamps., MEX"
HUB_AGENT = ("ELK-REY-0001", "Reynosa", "MEX")
# Receivers in these towns often collect at the hub agent too (the Tamaulipas border corridor).
HUB_AREA = ("Matamoros", "Nuevo Laredo", "Reynosa")

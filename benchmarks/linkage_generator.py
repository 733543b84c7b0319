"""A population of people in households, with injected duplicates whose truth is known.

Written apart from CashDesk's own duplicate matcher and its demo names, so that a benchmark built on it
does not grade the matcher against its own assumptions. The error model is what real enumerations
(household surveys, social registries in sub-Saharan Africa, South Asia and Latin America) produce: the
same person registered twice, in another household or a neighbouring village, with names swapped,
spelt by ear or typed wrong on a tablet, a date of birth written day-first or only as a year, an ID
number mistyped, a new SIM card, the address described in other words.

The originals carry the hard negatives a matcher must not merge: twins (same household, family name
and date of birth), a son named after his father (junior/senior) or his grandfather (a patronymic
name read backwards looks like a swap), a household phone given for every member, the 1 January and
1 July dates that registrars write when only the year is known, and names that a few hundred
thousand people share.

    population(n_people, seed=..., duplicates_per_kind=...)  n_people originals, then the duplicates
    pairs(people)                                            the true duplicate pairs
    febrl4()                                                 the public Febrl 4 benchmark as Person rows

`python -m benchmarks.linkage_generator --help` prints a sample, the counts per kind, or writes a CSV.
Plain Python and the standard library only; deterministic for a seed (no set or hash order is used).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

FEBRL_DIR = Path(__file__).parent / "data" / "febrl"
# The day the enumeration "happened": ages and the latest valid birth date count from it, so a seed
# gives the same population whatever today is.
REFERENCE_DAY = date(2024, 7, 1)

ORIGINAL = "original"
NAMES_SWAPPED = "names swapped"
NAME_PART_REPLACED = "name part replaced"
NAME_PART_MISSING = "name part missing"
KEYBOARD_TYPO = "keyboard typo"
PHONETIC_SPELLING = "phonetic spelling"
DAY_MONTH_SWAPPED = "day/month swapped"
DATE_DIGIT_WRONG = "one digit wrong in date"
ID_DIGITS_TRANSPOSED = "transposed digits in ID"
ID_DIGIT_WRONG = "one digit wrong in ID"
YEAR_OF_BIRTH_ONLY = "year of birth only"
ADDRESS_REWRITTEN = "address rewritten"
PHONE_CHANGED = "phone changed"
TWO_ERRORS = "two errors"
FEBRL_DUPLICATE = "febrl duplicate"  # febrl4(): Febrl does not say which errors a duplicate carries

SINGLE_ERRORS: tuple[str, ...] = (
    NAMES_SWAPPED,
    NAME_PART_REPLACED,
    NAME_PART_MISSING,
    KEYBOARD_TYPO,
    PHONETIC_SPELLING,
    DAY_MONTH_SWAPPED,
    DATE_DIGIT_WRONG,
    ID_DIGITS_TRANSPOSED,
    ID_DIGIT_WRONG,
    YEAR_OF_BIRTH_ONLY,
    ADDRESS_REWRITTEN,
    PHONE_CHANGED,
)
KINDS: tuple[str, ...] = (*SINGLE_ERRORS, TWO_ERRORS)  # every kind a duplicate of population() carries
ID_KINDS = (ID_DIGITS_TRANSPOSED, ID_DIGIT_WRONG)  # absent when with_ids=False
# "Two errors" takes its two from different groups: two edits of one field mostly read as one edit.
_ERROR_GROUP = {
    NAMES_SWAPPED: "name",
    NAME_PART_REPLACED: "name",
    NAME_PART_MISSING: "name",
    KEYBOARD_TYPO: "name",
    PHONETIC_SPELLING: "name",
    DAY_MONTH_SWAPPED: "birth",
    DATE_DIGIT_WRONG: "birth",
    YEAR_OF_BIRTH_ONLY: "birth",
    ID_DIGITS_TRANSPOSED: "id",
    ID_DIGIT_WRONG: "id",
    ADDRESS_REWRITTEN: "address",
    PHONE_CHANGED: "phone",
}


@dataclass(frozen=True, slots=True)
class Person:
    key: str  # unique record key, "p000123", or "p000123-d1" for a duplicate of p000123
    truth: str  # the real person's key: records of one person share it
    household: str  # household key (a duplicate may sit in another household)
    given_name: str  # "" for one-name people (the one name is then the family name)
    family_name: str  # Latin American records hold both surnames, "García López"
    other_names: str | None
    sex: str  # "F" or "M" ("" in febrl4(), which has no sex)
    date_of_birth: date | None
    birth_year: int | None  # always set when date_of_birth is; alone when only the year is known
    phone: str | None  # E.164
    id_number: str | None  # upper case, no spaces
    village: str  # village code, "V017"
    address: str | None  # free text
    kind: str  # ORIGINAL or the kind of error the duplicate carries


# --- Names ------------------------------------------------------------------------------------------
# Each list is in rough order of frequency: _Pool gives rank r the weight 1 / (r + 1) ** skew, so the
# first few names cover a large share of people and the rest make a long tail, as in real registries.


class _Pool:
    __slots__ = ("_cum", "_total", "names")

    def __init__(self, names: Sequence[str], skew: float) -> None:
        self.names = tuple(names)
        self._cum = list(itertools.accumulate(1.0 / (rank + 1) ** skew for rank in range(len(names))))
        self._total = self._cum[-1]

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect.bisect(self._cum, rng.random() * self._total)]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CHEWA_M = _words("""Chikondi John Blessings Kondwani Peter James Limbani Mphatso Joseph Yamikani Charles Francis
Madalitso Patrick Moses Thokozani Gift Davie Wongani Innocent Stanley Chisomo Harold Lusungu Mayeso Alick
Pemphero Dalitso Khumbo Lloyd Dyson Kelvin Isaac Yohane Masauko Mabvuto Fanuel Chifundo Hastings""")
_CHEWA_F = _words("""Grace Mary Chikondi Esther Agnes Mercy Memory Loveness Tadala Tiyamike Chimwemwe Ethel
Alinafe Tawonga Chisomo Faith Eneless Maria Lucy Rose Thoko Dorothy Annie Tamanda Mwayi Takondwa
Chiyembekezo Ruth Jane Modesta Precious Patricia Catherine Violet Tiwonge Mphatso Lonely""")
_CHEWA_FAMILY = _words("""Phiri Banda Mwale Tembo Zulu Chirwa Nyirenda Mbewe Jere Gondwe Kachingwe Chisale
Kamanga Mkandawire Nkhoma Daka Soko Lungu Msiska Kumwenda Chimwaza Kalua Mvula Chilima Moyo Mhango
Ngwira Chavula Mponda Ngoma Kapalamula Mussa Kachale Chikoko Mtambo Chiumia Munthali Kaliati Chimombo
Sakala Chunga Manda Likongwe Mbendera Kalilani Chagunda Mtonga Katsonga Chibwe""")

_HAUSA_M = _words("""Muhammad Abubakar Ibrahim Musa Usman Abdullahi Aliyu Yusuf Sani Umar Bello Haruna Isah
Suleiman Garba Lawal Shehu Ahmad Adamu Idris Nasiru Bashir Hamza Auwal Kabiru Salisu Jibril Yakubu
Dauda Murtala Hassan Husaini Mustapha Bala Danjuma Hamidu Amadou Boubacar Oumarou Souleymane""")
_HAUSA_F = _words("""Aisha Fatima Hauwa Zainab Maryam Hadiza Amina Halima Khadija Safiya Rabi Hafsat Balaraba
Asma'u Rukayya Bilkisu Zulaihat Jamila Sadiya Hajara Binta Hassana Husaina Ummi Larai Ladi Talatu Kande
Mairo Salamatu Aminatou Mariama Ramatou""")
_HAUSA_FAMILY = _words("""Bello Abubakar Sani Musa Garba Lawal Aliyu Danjuma Dikko Tukur Bah Diallo Barry Sow Ba
Dicko Maikano Dankano Gwarzo Kurfi Yola Kano""")

_SWAHILI_M = _words("""John Juma Joseph Hamisi Peter Ally James Omari Daniel Salim Rashidi David Bakari Paul
Hassani Emmanuel Athumani Mohamedi Baraka Faraja Amani Kassim Said Issa Hussein Yusufu Elia Godfrey Samson
Kennedy Mussa Selemani Abdallah""")
_SWAHILI_F = _words("""Mary Grace Rehema Esther Mwanaisha Zawadi Neema Upendo Amina Fatuma Mwajuma Halima Zuhura
Asha Mariamu Salma Tatu Subira Imani Rukia Saida Mwanahawa Agnes Joyce Lucy Faith Elizabeth Anna
Happiness Pendo""")
_SWAHILI_FAMILY = _words("""Mohamed Juma Ali Hassan Omari Mwita Otieno Odhiambo Ochieng Kamau Mwangi Njoroge Kimani
Mushi Massawe Mrema Shirima Lyimo Kimaro Mollel Mnyampala Mwakalinga Mwakyusa Komba Ngowi Swai Temba
Makame Salim Athumani Bakari Kiprono Wekesa Wafula Barasa Onyango Mutua Kariuki""")

_AMHARIC_M = _words("""Abebe Kebede Tesfaye Getachew Alemayehu Mulugeta Girma Tadesse Haile Solomon Dawit Yohannes
Bekele Mesfin Tekle Gebre Wolde Fikru Berhanu Mengistu Desta Tilahun Ayele Negash Demissie Asfaw Kassahun
Yared Henok Biniam Amanuel Mekonnen Worku Lemma Abera""")
_AMHARIC_F = _words("""Tigist Almaz Meseret Hirut Aster Selam Mulu Genet Tsehay Birtukan Yeshi Zewditu Alem Hanna
Meron Bethlehem Tsion Hiwot Mekdes Rahel Saba Lidya Eden Marta Senait Aberash Etenesh Workinesh Fantaye
Abebech Yenenesh""")

_LATIN_M = _words("""José Juan Luis Carlos Jorge Miguel Pedro Francisco Manuel Antonio Jesús Alejandro Santiago
Mateo Diego Marco Edwin Wilmer Nelson Mario Ángel Byron Óscar Hugo Raúl Julio César Rafael Fernando
Elmer""")
_LATIN_F = _words("""María Ana Rosa Carmen Juana Marta Gloria Sandra Yesenia Luz Blanca Olga Sofía Valentina
Isabel Lucía Elena Margarita Claudia Patricia Lidia Dora Sonia Flor Esperanza Delmy Glenda Karla Wendy
Daniela""")
_LATIN_FAMILY = _words("""García López Pérez González Rodríguez Hernández Martínez Ramírez Gómez Díaz Sánchez
Flores Torres Morales Vásquez Cruz Reyes Castillo Mendoza Ortiz Chávez Ramos Quispe Mamani Huamán Condori
Choque Xol Caal Tzul Ixcoy Coc Pop Jiménez Rojas Vargas Silva Castro Ruiz""")

_BENGALI_M = _words("""Abdul Rahim Karim Jamal Kamal Rafiq Shafiq Alamgir Habib Nurul Aminul Rashid Hasan Rakib
Sohel Mizanur Shahidul Anwar Jahangir Faruk Monir Delwar Selim Babul Masud""")
_BENGALI_F = _words("""Fatema Rokeya Nasrin Shahnaz Ayesha Salma Rehana Jesmin Shirin Morium Sumaiya Taslima
Shilpi Rina Hasina Parvin Nazma Sabina Ruma Shapla""")
_BENGALI_FAMILY = _words("""Hossain Rahman Islam Ahmed Uddin Ali Khan Mia Sheikh Molla Sarkar Mondal Talukder
Chowdhury Howlader Bhuiyan Sikder Mridha Munshi Bepari""")
_BENGALI_WOMEN = _words("Begum Khatun Akter Bibi Nessa")

_NEPALI_M = _words("""Ram Shyam Suresh Ramesh Rajesh Mahesh Sanjay Anil Sunil Bishnu Krishna Gopal Hari Prakash
Dipak Ganesh Arjun Ravi Bikash Santosh Dinesh Nabin Binod Kamal Raju""")
_NEPALI_F = _words("""Sita Gita Lakshmi Sarita Sunita Anita Kamala Radha Parvati Puja Priya Sabitri Maya Durga
Rita Asha Manju Sarswati Bimala Kalpana Sushila Mina Nirmala Ganga Tulasi""")
_NEPALI_FAMILY = _words("""Shrestha Thapa Tamang Gurung Rai Magar Yadav Sharma Adhikari Karki Chaudhary Limbu
Bhattarai Poudel Khadka Basnet Sah Mandal Mahato Bista Pandey Kumar""")
_NEPALI_WOMEN = _words("Devi Kumari")

# The names of twins that several traditions give by custom (and a matcher must still tell apart).
_TWIN_NAMES = {
    "hausa": (("Hassan", "Husaini"), ("Hassana", "Husaina")),
    "swahili": (("Kurwa", "Doto"), ("Kurwa", "Doto")),
    "nepali": (("Lav", "Kush"), ("Sita", "Gita")),
}

# Concentrated districts: every person from these 20 given and 11 family names.
_CONCENTRATED_M = _words("John Peter James Joseph Chikondi Moses Yohane Charles Francis Limbani")
_CONCENTRATED_F = _words("Mary Grace Esther Agnes Memory Chimwemwe Loveness Tadala Ruth Alinafe")
_CONCENTRATED_FAMILY = _words("Phiri Banda Mwale Tembo Zulu Chirwa Nyirenda Mbewe Jere Gondwe Soko")


# --- Countries: phones and ID numbers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Country:
    calling_code: str
    mobile_prefixes: tuple[str, ...]
    subscriber_digits: int
    id_lengths: tuple[int, ...]  # a national ID of these many characters
    id_letters: bool  # Malawi's NRIS numbers mix letters and digits


_MW = _Country("+265", ("99", "88", "98", "99", "88"), 7, (8,), id_letters=True)
_NG = _Country(
    "+234", ("803", "806", "813", "816", "703", "706", "810", "903", "802", "808"), 7, (11,), False
)
_KE = _Country("+254", ("71", "72", "70", "79", "11", "74"), 7, (8,), id_letters=False)
_ET = _Country("+251", ("91", "92", "93", "94", "70"), 7, (12,), id_letters=False)
_GT = _Country("+502", ("3", "4", "5"), 7, (13,), id_letters=False)
_BD = _Country("+880", ("17", "18", "19", "13", "16", "15", "14"), 8, (10, 10, 17), id_letters=False)
_NP = _Country("+977", ("98",), 8, (11,), id_letters=False)

_ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: registries leave them out to spare confusion
_ADJACENT_DIGITS = re.compile(r"(\d)(?!\1)\d")


def _phone(rng: random.Random, country: _Country) -> str:
    prefix = country.mobile_prefixes[int(rng.random() * len(country.mobile_prefixes))]
    digits = country.subscriber_digits
    return f"{country.calling_code}{prefix}{int(rng.random() * 10**digits):0{digits}d}"


def _id_number(rng: random.Random, country: _Country) -> str:
    length = country.id_lengths[int(rng.random() * len(country.id_lengths))]
    if not country.id_letters:
        return str(rng.randrange(1, 10)) + f"{int(rng.random() * 10 ** (length - 1)):0{length - 1}d}"
    while True:  # letters and digits, with at least one pair of adjacent digits to get wrong
        chars = [
            rng.choice(_ID_LETTERS) if rng.random() < 0.45 else str(rng.randrange(10)) for _ in range(length)
        ]
        value = "".join(chars)
        if _ADJACENT_DIGITS.search(value):
            return value


# --- Traditions ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tradition:
    name: str
    male: _Pool
    female: _Pool
    family: _Pool
    women: _Pool | None  # surnames only women carry (Begum, Devi), where the custom has them
    country: _Country
    patronymic: float  # share of children whose family name is the father's given name
    wife_takes_name: float  # share of wives registered under the husband's family name
    second_given: float  # share of people with a second given name (other_names)
    landmarks: tuple[str, ...]
    area_word: str
    spanish: bool = False
    one_name: bool = True  # whether some people here go by one name only

    def given(self, sex: str) -> _Pool:
        return self.female if sex == "F" else self.male


_EN_LANDMARKS = (
    "the borehole",
    "the maize mill",
    "the primary school",
    "the market",
    "the church",
    "the mosque",
    "the health centre",
    "the chief's house",
    "the football ground",
    "the trading centre",
    "the water tank",
    "the baobab tree",
    "the police unit",
    "the bridge",
)
_SA_LANDMARKS = (
    "the primary school",
    "the mosque",
    "the temple",
    "the bazaar",
    "the tube well",
    "the union office",
    "the pond",
    "the madrasa",
    "the rice mill",
    "the bus stand",
)
_ES_LANDMARKS = (
    "la escuela",
    "la iglesia",
    "el mercado",
    "la cancha",
    "el puesto de salud",
    "la municipalidad",
    "el molino",
    "la tienda",
)


_TRADITIONS: tuple[_Tradition, ...] = (
    _Tradition(
        name="chewa",
        male=_Pool(_CHEWA_M, 0.8),
        female=_Pool(_CHEWA_F, 0.8),
        family=_Pool(_CHEWA_FAMILY, 1.1),
        women=None,
        country=_MW,
        patronymic=0.0,
        wife_takes_name=0.55,
        second_given=0.25,
        landmarks=_EN_LANDMARKS,
        area_word="area",
    ),
    _Tradition(
        name="hausa",
        male=_Pool(_HAUSA_M, 0.9),
        female=_Pool(_HAUSA_F, 0.9),
        family=_Pool(_HAUSA_FAMILY, 1.0),
        women=None,
        country=_NG,
        patronymic=0.75,
        wife_takes_name=0.0,
        second_given=0.1,
        landmarks=_EN_LANDMARKS,
        area_word="ward",
    ),
    _Tradition(
        name="swahili",
        male=_Pool(_SWAHILI_M, 0.8),
        female=_Pool(_SWAHILI_F, 0.8),
        family=_Pool(_SWAHILI_FAMILY, 0.9),
        women=None,
        country=_KE,
        patronymic=0.3,
        wife_takes_name=0.45,
        second_given=0.2,
        landmarks=_EN_LANDMARKS,
        area_word="estate",
    ),
    _Tradition(
        name="amharic",
        male=_Pool(_AMHARIC_M, 0.8),
        female=_Pool(_AMHARIC_F, 0.8),
        family=_Pool(_AMHARIC_M, 0.8),  # a family name is a father's given name
        women=None,
        country=_ET,
        patronymic=1.0,
        wife_takes_name=0.0,
        second_given=0.0,  # other_names holds the grandfather's name instead
        landmarks=_EN_LANDMARKS,
        area_word="kebele",
    ),
    _Tradition(
        name="latin",
        male=_Pool(_LATIN_M, 0.9),
        female=_Pool(_LATIN_F, 0.9),
        family=_Pool(_LATIN_FAMILY, 1.0),
        women=None,
        country=_GT,
        patronymic=0.0,
        wife_takes_name=0.0,
        second_given=0.5,
        landmarks=_ES_LANDMARKS,
        area_word="sector",
        spanish=True,
    ),
    _Tradition(
        name="bengali",
        male=_Pool(_BENGALI_M, 0.9),
        female=_Pool(_BENGALI_F, 0.9),
        family=_Pool(_BENGALI_FAMILY, 1.1),
        women=_Pool(_BENGALI_WOMEN, 1.2),
        country=_BD,
        patronymic=0.0,
        wife_takes_name=0.2,
        second_given=0.15,
        landmarks=_SA_LANDMARKS,
        area_word="ward",
    ),
    _Tradition(
        name="nepali",
        male=_Pool(_NEPALI_M, 0.9),
        female=_Pool(_NEPALI_F, 0.9),
        family=_Pool(_NEPALI_FAMILY, 1.0),
        women=_Pool(_NEPALI_WOMEN, 1.0),
        country=_NP,
        patronymic=0.0,
        wife_takes_name=0.4,
        second_given=0.1,
        landmarks=_SA_LANDMARKS,
        area_word="ward",
    ),
)
_TRADITION_SHARE = (0.3, 0.15, 0.15, 0.1, 0.12, 0.1, 0.08)  # of villages, by dominant tradition
_CONCENTRATED = _Tradition(
    name="concentrated",
    male=_Pool(_CONCENTRATED_M, 0.6),
    female=_Pool(_CONCENTRATED_F, 0.6),
    family=_Pool(_CONCENTRATED_FAMILY, 0.7),
    women=None,
    country=_MW,
    patronymic=0.0,
    wife_takes_name=0.55,
    second_given=0.2,
    landmarks=_EN_LANDMARKS,
    area_word="area",
    one_name=False,  # a one-name person would add "" as a 21st given name
)


# --- Addresses --------------------------------------------------------------------------------------
# A household's place is (landmark, plot/house number, area number); its address text is one way of
# writing that place. "Address rewritten" writes the same place another way, as a second enumerator does.

_EN_PATTERNS = (
    "near {lm}, plot {n}",
    "plot {n}, near {lm}",
    "behind {lm}, house {n}",
    "house no. {n}, {area} {a}, near {lm}",
    "{lm}, plot {n}",
    "{area} {a}, plot {n}",
    "next to {lm}, {area} {a}",
    "off {lm} road, house {n}",
)
_ES_PATTERNS = (
    "cerca de {lm}, casa {n}",
    "casa {n}, frente a {lm}",
    "{area} {a}, casa {n}",
    "lote {n}, {area} {a}, cerca de {lm}",
    "detrás de {lm}, lote {n}",
    "casa #{n} {area} {a}",
)
_ABBREVIATIONS = (
    ("plot ", "plt "),
    ("house no. ", "hse "),
    ("house ", "H/No "),
    ("near ", "nr "),
    ("behind ", "bhd "),
    ("next to ", "nxt to "),
    ("the ", ""),
    ("casa ", "cs "),
    ("cerca de ", "cerca "),
)


@dataclass(frozen=True, slots=True)
class _Place:
    tradition: int  # index into the traditions in use
    pattern: int
    landmark: int
    number: int
    area: int
    written: bool  # False: the enumerator left the address blank


def _patterns(tradition: _Tradition) -> tuple[str, ...]:
    return _ES_PATTERNS if tradition.spanish else _EN_PATTERNS


def _render(tradition: _Tradition, place: _Place, pattern: int) -> str:
    return _patterns(tradition)[pattern].format(
        lm=tradition.landmarks[place.landmark], n=place.number, a=place.area, area=tradition.area_word
    )


def _rewrite_address(rng: random.Random, tradition: _Tradition, place: _Place, current: str | None) -> str:
    patterns = _patterns(tradition)
    for _ in range(20):
        text = _render(tradition, place, rng.randrange(len(patterns)))
        roll = rng.random()
        if roll < 0.3:
            for long, short in _ABBREVIATIONS:
                if long in text and rng.random() < 0.6:
                    text = text.replace(long, short)
        elif roll < 0.45:
            text = text.upper()  # tablets left in caps lock
        elif roll < 0.55:
            text = text.replace(",", "")
        elif roll < 0.65:  # another landmark of the same place
            other = replace(place, landmark=rng.randrange(len(tradition.landmarks)))
            text = _render(tradition, other, rng.randrange(len(patterns)))
        if text != current:
            return text
    return f"{current or ''} ({tradition.area_word} {place.area})".strip()


# --- Dates ------------------------------------------------------------------------------------------

_REFERENCE_ORDINAL = REFERENCE_DAY.toordinal()
_date_cache: dict[int, date] = {}


def _date(ordinal: int) -> date:
    # ~30,000 distinct birth dates for half a million people: share the objects.
    found = _date_cache.get(ordinal)
    if found is None:
        found = _date_cache[ordinal] = date.fromordinal(ordinal)
    return found


def _birth(rng: random.Random, age: int, *, exact: bool = False) -> tuple[date | None, int]:
    """A date of birth for someone `age` years old; None with only the year when it was estimated."""
    ordinal = _REFERENCE_ORDINAL - int(age * 365.25) - int(rng.random() * 365)
    day = _date(ordinal)
    if exact:
        return day, day.year
    roll = rng.random()
    estimated = 0.25 if age >= 40 else (0.08 if age >= 18 else 0.02)
    if roll < estimated:
        year = day.year
        if rng.random() < 0.5:  # age heaping: an estimated age is a multiple of five
            year = REFERENCE_DAY.year - 5 * round((REFERENCE_DAY.year - year) / 5)
        return None, year
    if age >= 18 and roll < estimated + 0.08:
        return _date(date(day.year, 1, 1).toordinal()), day.year
    if age >= 18 and roll < estimated + 0.12:
        return _date(date(day.year, 7, 1).toordinal()), day.year
    return day, day.year


# --- The population ---------------------------------------------------------------------------------

_HOUSEHOLD_SIZES = tuple(range(1, 11))
_HOUSEHOLD_SIZE_CUM = tuple(itertools.accumulate((8, 10, 14, 16, 15, 12, 9, 7, 5, 4)))


@dataclass(slots=True)
class _Member:
    sex: str
    age: int
    given: str
    family: str
    other: str | None = None
    twin_of: _Member | None = None


class _Builder:
    """Everything the duplicates need to know about the originals: households, places, villages."""

    def __init__(self, rng: random.Random, traditions: Sequence[_Tradition], *, with_ids: bool) -> None:
        self.rng = rng
        self.traditions = traditions
        self.with_ids = with_ids
        self.people: list[Person] = []
        self.places: dict[str, _Place] = {}
        self.household_address: dict[str, str | None] = {}
        self.village_households: list[list[str]] = []
        self.village_codes: list[str] = []
        self.household_count = 0
        self.ids_used: set[str] = set()

    # Households ---------------------------------------------------------------------------------

    def new_household_key(self) -> str:
        self.household_count += 1
        return f"h{self.household_count:06d}"

    def new_place(self, tradition_index: int) -> _Place:
        rng = self.rng
        tradition = self.traditions[tradition_index]
        return _Place(
            tradition=tradition_index,
            pattern=rng.randrange(len(_patterns(tradition))),
            landmark=int(rng.random() ** 1.5 * len(tradition.landmarks)),  # some landmarks everyone uses
            number=1 + int(rng.random() ** 2 * 400),
            area=1 + rng.randrange(12),
            written=rng.random() >= 0.08,
        )

    def add_household(self, key: str, village: int, place: _Place) -> str | None:
        tradition = self.traditions[place.tradition]
        address = _render(tradition, place, place.pattern) if place.written else None
        self.places[key] = place
        self.household_address[key] = address
        self.village_households[village].append(key)
        return address

    def build(self, n_people: int, village_traditions: Sequence[int]) -> None:
        rng = self.rng
        n_villages = len(village_traditions)
        width = max(3, len(str(n_villages)))
        self.village_codes = [f"V{index + 1:0{width}d}" for index in range(n_villages)]
        self.village_households = [[] for _ in range(n_villages)]
        key_width = max(6, len(str(n_people)))
        while len(self.people) < n_people:
            village = int(rng.random() * n_villages)
            tradition_index = village_traditions[village]
            if len(self.traditions) > 1 and rng.random() < 0.1:  # a family from elsewhere
                tradition_index = rng.randrange(len(self.traditions))
            tradition = self.traditions[tradition_index]
            size = _HOUSEHOLD_SIZES[
                bisect.bisect(_HOUSEHOLD_SIZE_CUM, rng.random() * _HOUSEHOLD_SIZE_CUM[-1])
            ]
            members = _household_members(rng, tradition, size)[: n_people - len(self.people)]
            household = self.new_household_key()
            address = self.add_household(household, village, self.new_place(tradition_index))
            self._add_members(members, tradition, household, self.village_codes[village], address, key_width)

    def _add_members(
        self,
        members: Sequence[_Member],
        tradition: _Tradition,
        household: str,
        village: str,
        address: str | None,
        key_width: int,
    ) -> None:
        rng = self.rng
        country = tradition.country
        household_phone = _phone(rng, country) if rng.random() < 0.75 else None
        births: dict[int, tuple[date | None, int]] = {}
        for index, member in enumerate(members):
            if member.twin_of is not None:
                dob, year = births[id(member.twin_of)]
            else:
                dob, year = _birth(rng, member.age, exact=any(m.twin_of is member for m in members))
            births[id(member)] = (dob, year)
            phone: str | None
            if member.age >= 18:
                roll = rng.random()
                phone = _phone(rng, country) if roll < 0.4 else (household_phone if roll < 0.85 else None)
                if index == 0 and household_phone is not None:
                    phone = household_phone  # the head owns the household's phone
            elif member.age >= 15 and rng.random() < 0.1:
                phone = _phone(rng, country)
            else:
                phone = household_phone if rng.random() < 0.2 else None
            id_number = None
            if self.with_ids and rng.random() < (
                0.85 if member.age >= 18 else 0.3 if member.age >= 16 else 0.0
            ):
                id_number = _id_number(rng, country)
                while id_number in self.ids_used:
                    id_number = _id_number(rng, country)
                self.ids_used.add(id_number)
            key = f"p{len(self.people) + 1:0{key_width}d}"
            self.people.append(
                Person(
                    key=key,
                    truth=key,
                    household=household,
                    given_name=member.given,
                    family_name=member.family,
                    other_names=member.other,
                    sex=member.sex,
                    date_of_birth=dob,
                    birth_year=year,
                    phone=phone,
                    id_number=id_number,
                    village=village,
                    address=address,
                    kind=ORIGINAL,
                )
            )


def _adult_family(rng: random.Random, tradition: _Tradition, sex: str) -> str:
    """The family name of an adult whose parents are not in the household."""
    if tradition.spanish:
        first = tradition.family.pick(rng)
        second = tradition.family.pick(rng)
        while second == first and rng.random() < 0.9:
            second = tradition.family.pick(rng)
        return f"{first} {second}"
    if sex == "F" and tradition.women is not None and rng.random() < 0.6:
        return tradition.women.pick(rng)
    if tradition.patronymic >= 0.5 and rng.random() < tradition.patronymic:
        return tradition.male.pick(rng)  # the father's given name
    return tradition.family.pick(rng)


def _second_given(rng: random.Random, tradition: _Tradition, sex: str, given: str) -> str | None:
    if rng.random() >= tradition.second_given:
        return None
    if tradition.name == "bengali" and sex == "M" and rng.random() < 0.6:
        return "Mohammad"  # written, abbreviated ("Md") or left out from one form to the next
    other = tradition.given(sex).pick(rng)
    return other if other != given else None


def _household_members(rng: random.Random, tradition: _Tradition, size: int) -> list[_Member]:
    def adult(sex: str, age: int) -> _Member:
        given = tradition.given(sex).pick(rng)
        return _Member(
            sex, age, given, _adult_family(rng, tradition, sex), _second_given(rng, tradition, sex, given)
        )

    head_sex = "M" if rng.random() < 0.72 else "F"
    head = adult(head_sex, 18 + int(rng.random() ** 1.3 * 62))
    if tradition.name == "amharic":
        head.other = tradition.male.pick(rng)  # grandfather's name: given, father's, grandfather's
    members = [head]
    father: _Member | None = head if head_sex == "M" else None
    mother: _Member | None = head if head_sex == "F" else None
    if size >= 2 and rng.random() < (0.85 if head_sex == "M" else 0.2):
        if head_sex == "M":
            spouse = adult("F", max(16, head.age - int(rng.random() * 12)))
            if rng.random() < tradition.wife_takes_name:
                spouse.family = head.family
            mother = spouse
        else:
            spouse = adult("M", min(90, head.age + int(rng.random() * 10)))
            father = spouse
        members.append(spouse)
    if len(members) < size and size >= 3 and rng.random() < 0.12:
        # The head's parent: in a patronymic tradition, the one whose given name the head carries.
        parent_sex = "F" if rng.random() < 0.65 else "M"
        parent = adult(parent_sex, min(95, head.age + 18 + int(rng.random() * 20)))
        if parent_sex == "M" and tradition.patronymic >= 0.5 and head_sex == "M":
            parent.given = head.family
        elif parent_sex == "M" and head_sex == "M":
            parent.family = head.family
        members.append(parent)
    parent_age = (mother or head).age
    siblings: set[str] = {m.given for m in members}
    while len(members) < size:
        if rng.random() < 0.08:  # a niece, nephew or grandchild of another family
            child = adult("F" if rng.random() < 0.5 else "M", int(rng.random() * 17))
            members.append(child)
            continue
        sex = "F" if rng.random() < 0.5 else "M"
        age = max(0, parent_age - 16 - int(rng.random() * max(1, min(29, parent_age - 16))))
        family, other = _child_family(rng, tradition, sex, father, mother)
        given = _child_given(rng, tradition, sex, father, mother, siblings)
        child = _Member(sex, age, given, family, other)
        if other is None:
            child.other = _second_given(rng, tradition, sex, given)
        members.append(child)
        siblings.add(given)
        if len(members) < size and rng.random() < 0.025:  # twins: ~2.5% of births in much of Africa
            twin_sex = sex if rng.random() < 0.6 else ("M" if sex == "F" else "F")
            custom = _TWIN_NAMES.get(tradition.name)
            if custom and twin_sex == sex and rng.random() < 0.5:
                names = custom[0] if sex == "M" else custom[1]
                child.given, twin_given = names
            else:
                twin_given = tradition.given(twin_sex).pick(rng)
                while twin_given == child.given:
                    twin_given = tradition.given(twin_sex).pick(rng)
            # Twins share the family name even where the custom gives daughters another (Begum).
            members.append(_Member(twin_sex, age, twin_given, family, child.other, twin_of=child))
            siblings.add(twin_given)
    twins = {id(m.twin_of) for m in members if m.twin_of is not None}
    for member in members:
        if member.twin_of is not None or id(member) in twins:
            continue
        if tradition.one_name and rng.random() < (0.025 if member.age >= 50 else 0.007):
            member.family = member.given  # one-name people: the name sits in family_name
            member.given, member.other = "", None
    return members


def _child_family(
    rng: random.Random, tradition: _Tradition, sex: str, father: _Member | None, mother: _Member | None
) -> tuple[str, str | None]:
    """A child's family name (and, in Ethiopia, the grandfather's name as other_names)."""
    father_given = father.given if father is not None and father.given else tradition.male.pick(rng)
    father_family = father.family if father is not None else None
    if tradition.spanish:
        paternal = (
            father_family or (mother.family if mother else _adult_family(rng, tradition, "M"))
        ).split()[0]
        maternal = mother.family.split()[0] if mother is not None else tradition.family.pick(rng)
        return f"{paternal} {maternal}", None
    if tradition.name == "amharic":
        grandfather = father_family if father_family and rng.random() < 0.6 else None
        return father_given, grandfather
    if rng.random() < tradition.patronymic:
        return father_given, None
    if sex == "F" and tradition.women is not None and rng.random() < 0.5:
        return tradition.women.pick(rng), None
    if father_family is not None and father_family not in (tradition.women.names if tradition.women else ()):
        return father_family, None
    if mother is not None and rng.random() < 0.8:
        return mother.family, None
    return _adult_family(rng, tradition, sex), None


def _child_given(
    rng: random.Random,
    tradition: _Tradition,
    sex: str,
    father: _Member | None,
    mother: _Member | None,
    siblings: set[str],
) -> str:
    if sex == "M" and father is not None and father.given:
        if tradition.patronymic < 0.5 and rng.random() < 0.05:
            return father.given  # junior: same given and family name as the father in the same household
        if tradition.patronymic >= 0.5 and father.family and rng.random() < 0.06:
            return father.family  # named after his grandfather: "Ibrahim Musa", son of "Musa Ibrahim"
    if sex == "F" and mother is not None and mother.given and rng.random() < 0.02:
        return mother.given
    pool = tradition.given(sex)
    given = pool.pick(rng)
    for _ in range(3):  # siblings rarely share a given name
        if given not in siblings:
            break
        given = pool.pick(rng)
    return given


# --- Errors -----------------------------------------------------------------------------------------
# Each takes the record so far and returns the changed fields, or None when the error cannot apply to
# this person (no date, one name only...): the caller then draws another original.

_Changes = dict[str, object]
_KEYBOARD = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "awedxz",
    "d": "serfcx",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}
# Spellings of one name that registries hold side by side.
_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Muhammad", "Mohammed", "Mohamed", "Mohammad", "Muhammed", "Mohamad", "Mahamadou"),
    ("Mohamedi", "Mohamed", "Muhamedi"),
    ("Abubakar", "Abubakr", "Aboubakar", "Abubakari", "Boubacar"),
    ("Hussein", "Husseini", "Hussain", "Husain", "Husaini", "Hossain", "Hosen"),
    ("Hassan", "Hasan", "Hassani", "Assane"),
    ("Ibrahim", "Ibrahima", "Ebrahim", "Brahim"),
    ("Fatima", "Fatuma", "Fatouma", "Fatema", "Fatimah", "Fatumata"),
    ("Aisha", "Aishatu", "Aysha", "Ayesha", "Aicha", "Asha"),
    ("Yusuf", "Yusufu", "Yousuf", "Yousef", "Youssouf"),
    ("Mustapha", "Mustafa", "Moustapha"),
    ("Suleiman", "Sulaiman", "Souleymane", "Selemani", "Sulemana"),
    ("Usman", "Usuman", "Othman", "Ousmane", "Osman"),
    ("Umar", "Omar", "Oumarou", "Omari", "Umaru"),
    ("Abdullahi", "Abdallah", "Abdulahi", "Abdullah"),
    ("Hauwa", "Hawa", "Hawau"),
    ("Zainab", "Zaynab", "Zenabu", "Zeinab"),
    ("Maryam", "Mariam", "Mariamu", "Meriam", "Mariama"),
    ("Khadija", "Hadiza", "Hadija", "Khadijah"),
    ("Halima", "Halimah", "Alima"),
    ("Amina", "Aminatu", "Aminatou", "Aminah"),
    ("Yohannes", "Yohanes", "Johannes", "Yohanis"),
    ("Yohane", "Johane", "Yohani"),
    ("Tesfaye", "Tesfay", "Tesfai"),
    ("Gebre", "Ghebre", "Gebrey"),
    ("Wolde", "Welde", "Woldie"),
    ("Tekle", "Tekley", "Teklay"),
    ("Rahman", "Rehman", "Rahaman"),
    ("Begum", "Begam", "Bagum"),
    ("Khatun", "Khatoon", "Katun"),
    ("Akter", "Akhter", "Aktar", "Akhtar"),
    ("Uddin", "Udin", "Uddeen"),
    ("Mia", "Miah", "Mian"),
    ("Chowdhury", "Chowdhary", "Choudhury"),
    ("Lakshmi", "Laxmi", "Laksmi"),
    ("Shrestha", "Shresta", "Srestha"),
    ("Devi", "Debi"),
    ("Bishnu", "Vishnu", "Bisnu"),
    ("Krishna", "Krisna", "Kisan"),
    ("Sita", "Seeta"),
    ("Gita", "Geeta"),
    ("Sunita", "Suneeta"),
    ("Chaudhary", "Chaudhari", "Choudhary"),
    ("Quispe", "Kispe", "Quispi"),
    ("Huamán", "Guamán", "Wamán", "Huaman"),
    ("Mamani", "Mamane"),
    ("Jiménez", "Giménez", "Jimenez"),
    ("Vásquez", "Vázquez", "Vasquez", "Basquez"),
    ("González", "Gonzales", "Gonzalez"),
    ("Yesenia", "Jesenia", "Llesenia"),
    ("Chirwa", "Chilwa"),
    ("Nyirenda", "Nyilenda"),
    ("Mkandawire", "Mkandavire"),
    ("Mphatso", "Mpatso"),
    ("Thokozani", "Tokozani"),
    ("Blessings", "Blessing"),
    ("Loveness", "Lovenes", "Loveless"),
    ("Eneless", "Eniless", "Enelesi"),
    ("Fanuel", "Phanuel"),
    ("Kondwani", "Khondwani"),
    ("Chimwemwe", "Chimwēmwē", "Chimwemwemwe"),
)
_VARIANT_OF = {name.casefold(): group for group in _VARIANTS for name in group}
# Spelling by ear: each rule applies at one place in one word (lower case, accents kept).
_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ph", "f"),
        (r"f", "ph"),
        (r"c(?=[aou])", "k"),
        (r"k(?=[aou])", "c"),
        (r"ou", "u"),
        (r"(?<=[^aeiou])u", "ou"),
        (r"([bdfgklmnprstz])\1", r"\1"),
        (r"(?<=[aeiou])([bdfgklmnprstz])(?=[aeiou])", r"\1\1"),
        (r"y", "i"),
        (r"(?<=[aeiou])i", "y"),
        (r"ee", "i"),
        (r"oo", "u"),
        (r"(?<=[^aeiou])u(?=[^aeiou])", "oo"),
        (r"(?<=[aeiou])l(?=[aeiou])", "r"),
        (r"(?<=[aeiou])r(?=[aeiou])", "l"),
        (r"(?<=[bdfgklmnprstz])$", "u"),
        (r"(?<=[^aeiou])[iu]$", ""),
        (r"(?<=[tkd])h", ""),
        (r"v", "b"),
        (r"(?<=[aeiou])b", "v"),
        (r"j(?=[ei])", "g"),
        (r"z$", "s"),
        (r"(?<=[aeiou])s$", "z"),
        (r"(?<=[aeiou])e(?=[^aeiou])", "i"),
        (r"w(?=[aeiou])", "u"),
    )
)


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _by_ear(rng: random.Random, word: str) -> str | None:
    group = _VARIANT_OF.get(word.casefold())
    if group is not None and rng.random() < 0.9:
        return rng.choice([name for name in group if name.casefold() != word.casefold()])
    lower = word.lower()
    candidates = [(rule, repl) for rule, repl in _PHONETIC_RULES if rule.search(lower)]
    if _strip_accents(lower) != lower and rng.random() < 0.5:
        return _capitalised(_strip_accents(lower))
    rng.shuffle(candidates)
    for rule, repl in candidates:
        matches = list(rule.finditer(lower))
        match = matches[rng.randrange(len(matches))]
        changed = lower[: match.start()] + match.expand(repl) + lower[match.end() :]
        if len(changed) >= 2 and changed != lower:
            return _capitalised(changed)
    return None


def _typo(rng: random.Random, word: str) -> str | None:
    positions = [i for i, c in enumerate(word) if c.lower() in _KEYBOARD]
    if not positions:
        return None
    for _ in range(10):
        i = rng.choice(positions)
        c = word[i]
        near = rng.choice(_KEYBOARD[c.lower()])
        near = near.upper() if c.isupper() else near
        roll = rng.random()
        if roll < 0.5:
            changed = word[:i] + near + word[i + 1 :]  # the key next door
        elif roll < 0.65:
            changed = word[: i + 1] + near + word[i + 1 :]  # two keys at once
        elif roll < 0.8:
            changed = word[:i] + word[i + 1 :]  # a key not pressed hard enough
        else:
            if i + 1 >= len(word) or word[i + 1] == c:
                continue
            changed = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two keys in the wrong order
        if changed and changed != word:
            return changed
    return None


def _edit_one_word(
    rng: random.Random, person: Person, edit: Callable[[random.Random, str], str | None]
) -> _Changes | None:
    choices = [f for f in ("given_name", "family_name") if getattr(person, f)]
    rng.shuffle(choices)
    for field in choices:
        words = getattr(person, field).split(" ")
        index = rng.randrange(len(words))
        changed = edit(rng, words[index])
        if changed is not None and changed != words[index]:
            words[index] = changed
            return {field: " ".join(words)}
    return None


def _names_swapped(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if not person.given_name or person.given_name == person.family_name:
        return None
    return {"given_name": person.family_name, "family_name": person.given_name}


def _name_part_replaced(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if not person.given_name:
        return None
    if person.other_names and person.other_names != person.given_name and rng.random() < 0.6:
        # Known by the other name this time ("Chikondi" for John Chikondi Banda).
        return {"given_name": person.other_names, "other_names": person.given_name}
    pool = builder.traditions[builder.places[person.household].tradition].given(person.sex)
    own = {person.given_name, person.family_name, person.other_names}
    for _ in range(20):
        given = pool.pick(builder.rng)
        if given not in own:
            return {"given_name": given}  # a baptismal name, a nickname, a name taken at marriage
    return None


def _name_part_missing(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if not person.given_name:
        return None
    options: list[_Changes] = [{"given_name": ""}, {"family_name": ""}]
    if person.other_names:
        options += [{"other_names": None}] * 4
    if " " in person.family_name:
        options += [{"family_name": person.family_name.split(" ")[0]}] * 4  # the mother's surname left off
    return rng.choice(options)


def _keyboard_typo(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    return _edit_one_word(rng, person, _typo)


def _phonetic_spelling(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    return _edit_one_word(rng, person, _by_ear)


def _day_month_swapped(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    dob = person.date_of_birth
    if dob is None or dob.day > 12 or dob.day == dob.month:
        return None
    swapped = date(dob.year, dob.day, dob.month)
    return {"date_of_birth": _date(swapped.toordinal())} if swapped <= REFERENCE_DAY else None


def _date_digit_wrong(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    dob = person.date_of_birth
    if dob is None:
        return None
    text = dob.strftime("%Y%m%d")
    for _ in range(30):
        # Mostly the last figures of the year or the day, as in real forms; rarely the century.
        i = rng.choice((2, 3, 3, 3, 4, 5, 6, 7, 7, 7))
        digit = str(rng.randrange(10))
        if digit == text[i]:
            continue
        changed = text[:i] + digit + text[i + 1 :]
        try:
            new = date(int(changed[:4]), int(changed[4:6]), int(changed[6:]))
        except ValueError:
            continue
        if new.year >= 1900 and new <= REFERENCE_DAY:
            return {"date_of_birth": _date(new.toordinal()), "birth_year": new.year}
    return None


def _id_digits_transposed(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if person.id_number is None:
        return None
    value = person.id_number
    spots = [
        i
        for i in range(len(value) - 1)
        if value[i].isdigit() and value[i + 1].isdigit() and value[i] != value[i + 1]
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    return {"id_number": value[:i] + value[i + 1] + value[i] + value[i + 2 :]}


def _id_digit_wrong(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if person.id_number is None:
        return None
    value = person.id_number
    i = rng.choice([i for i, c in enumerate(value) if c.isdigit()])
    digit = rng.choice([d for d in "0123456789" if d != value[i]])
    return {"id_number": value[:i] + digit + value[i + 1 :]}


def _year_of_birth_only(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    if person.date_of_birth is None:
        return None
    return {"date_of_birth": None}


def _address_rewritten(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    place = builder.places[person.household]
    tradition = builder.traditions[place.tradition]
    return {"address": _rewrite_address(rng, tradition, place, person.address)}


def _phone_changed(rng: random.Random, person: Person, builder: _Builder) -> _Changes | None:
    country = builder.traditions[builder.places[person.household].tradition].country
    roll = rng.random()
    if person.phone is not None and roll < 0.1:
        return {"phone": None}  # no phone given this time
    if person.phone is not None and roll < 0.35:  # one figure misheard
        i = rng.randrange(len(person.phone) - 6, len(person.phone))
        digit = rng.choice([d for d in "0123456789" if d != person.phone[i]])
        return {"phone": person.phone[:i] + digit + person.phone[i + 1 :]}
    phone = _phone(rng, country)  # a new SIM card, or a neighbour's phone
    return {"phone": phone} if phone != person.phone else None


_ERRORS: dict[str, Callable[[random.Random, Person, _Builder], _Changes | None]] = {
    NAMES_SWAPPED: _names_swapped,
    NAME_PART_REPLACED: _name_part_replaced,
    NAME_PART_MISSING: _name_part_missing,
    KEYBOARD_TYPO: _keyboard_typo,
    PHONETIC_SPELLING: _phonetic_spelling,
    DAY_MONTH_SWAPPED: _day_month_swapped,
    DATE_DIGIT_WRONG: _date_digit_wrong,
    ID_DIGITS_TRANSPOSED: _id_digits_transposed,
    ID_DIGIT_WRONG: _id_digit_wrong,
    YEAR_OF_BIRTH_ONLY: _year_of_birth_only,
    ADDRESS_REWRITTEN: _address_rewritten,
    PHONE_CHANGED: _phone_changed,
}


def _place_duplicate(builder: _Builder, original: Person, *, keeps_household_place: bool) -> _Changes:
    """Where the second registration sits: village, household and that household's address."""
    rng = builder.rng
    village = int(original.village[1:]) - 1  # codes are "V" and the 1-based index
    if keeps_household_place:  # the same family registered again, as the same or a "new" household
        if rng.random() < 0.5:
            return {}
        return {"household": builder.new_household_key()}
    if rng.random() < 0.15:  # across the village boundary
        village = min(len(builder.village_codes) - 1, max(0, village + rng.choice((-1, 1))))
        roll = 0.4 + rng.random() * 0.6
    else:
        roll = rng.random()
    if roll < 0.4:
        return {}
    households = builder.village_households[village]
    if roll < 0.75 and households:  # staying with a relative, or a second wife's household
        own = builder.places[original.household].tradition
        for _ in range(5):  # a relative's household is mostly one of the same naming tradition
            household = households[rng.randrange(len(households))]
            if builder.places[household].tradition == own:
                break
        if household == original.household:
            return {}
        address = builder.household_address[household]
    else:  # on their own, as a one-person household
        household = builder.new_household_key()
        address = builder.add_household(
            household, village, builder.new_place(builder.places[original.household].tradition)
        )
    return {"household": household, "village": builder.village_codes[village], "address": address}


def _duplicates(builder: _Builder, kinds: Sequence[str], per_kind: int, *, with_ids: bool) -> list[Person]:
    rng = builder.rng
    originals = builder.people
    copies: Counter[str] = Counter()
    made: list[Person] = []
    pairable = [k for k in SINGLE_ERRORS if with_ids or k not in ID_KINDS]
    for kind in kinds:
        for _ in range(per_kind):
            for _attempt in range(10_000):
                original = originals[int(rng.random() * len(originals))]
                steps = [kind] if kind != TWO_ERRORS else _two_errors(rng, pairable)
                changes: _Changes = {}
                current = original
                for step in steps:
                    step_changes = _ERRORS[step](rng, current, builder)
                    if step_changes is None:
                        break
                    changes.update(step_changes)
                    current = replace(current, **step_changes)
                else:
                    break
            else:
                raise ValueError(f"no original can carry the error {kind!r}: the population is too small")
            placement = _place_duplicate(builder, original, keeps_household_place=ADDRESS_REWRITTEN in steps)
            if "address" in changes:
                placement.pop("address", None)
            copies[original.key] += 1
            key = f"{original.key}-d{copies[original.key]}"
            made.append(replace(current, key=key, kind=kind, **placement))
    return made


def _two_errors(rng: random.Random, pairable: Sequence[str]) -> list[str]:
    first = rng.choice(pairable)
    second = rng.choice([k for k in pairable if _ERROR_GROUP[k] != _ERROR_GROUP[first]])
    return [first, second]


def population(
    n_people: int, *, seed: int, duplicates_per_kind: int, with_ids: bool = True, names: str = "varied"
) -> list[Person]:
    """`n_people` original people in households, then `duplicates_per_kind` duplicates of each kind.

    names="varied" draws from seven naming traditions (one dominant in each village); "concentrated"
    from exactly 20 given and 11 family names. The duplicates are scattered through the list; with
    with_ids=False no record has an ID number and the two ID kinds are left out.
    """
    if names not in ("varied", "concentrated"):
        raise ValueError(f"names must be 'varied' or 'concentrated', not {names!r}")
    if n_people < 1:
        raise ValueError("n_people must be at least 1")
    rng = random.Random(seed)
    traditions = _TRADITIONS if names == "varied" else (_CONCENTRATED,)
    n_villages = max(1, round(n_people / 450))
    if names == "varied":
        shares = list(itertools.accumulate(_TRADITION_SHARE))
        village_traditions = [bisect.bisect(shares, rng.random() * shares[-1]) for _ in range(n_villages)]
    else:
        village_traditions = [0] * n_villages
    builder = _Builder(rng, traditions, with_ids=with_ids)
    builder.build(n_people, village_traditions)
    kinds = [k for k in KINDS if with_ids or k not in ID_KINDS]
    extra = _duplicates(builder, kinds, duplicates_per_kind, with_ids=with_ids)
    if not extra:
        return builder.people
    # A later registration round: the duplicates come anywhere in the list, not all at the end.
    people = builder.people
    total = len(people) + len(extra)
    rng.shuffle(extra)
    slots = sorted(rng.sample(range(total), len(extra)))
    merged: list[Person] = []
    start = 0
    for slot, duplicate in zip(slots, extra, strict=True):
        take = slot - len(merged)
        merged.extend(people[start : start + take])
        start += take
        merged.append(duplicate)
    merged.extend(people[start:])
    return merged


def pairs(people: Iterable[Person]) -> set[tuple[str, str]]:
    """The true duplicate pairs: every two records that share a truth, as (smaller key, larger key)."""
    by_truth: defaultdict[str, list[str]] = defaultdict(list)
    for person in people:
        by_truth[person.truth].append(person.key)
    found: set[tuple[str, str]] = set()
    for keys in by_truth.values():
        if len(keys) > 1:
            found.update(itertools.combinations(sorted(keys), 2))
    return found


# --- Febrl 4 ----------------------------------------------------------------------------------------

_FEBRL_REC = re.compile(r"rec-(\d+)-(org|dup-\d+)")


def febrl4(directory: Path = FEBRL_DIR) -> list[Person]:
    """Febrl's data set 4 (5,000 originals in dataset4a.csv, one duplicate each in dataset4b.csv).

    Febrl has no sex, phone or household: sex is "", phone None, and each record is a household of
    its own. The postcode stands for the village, the street address for the address. Dates that the
    corruption left invalid become None (with the year kept when it still reads as one).
    """
    people: list[Person] = []
    for name in ("dataset4a.csv", "dataset4b.csv"):
        with (directory / name).open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file, skipinitialspace=True):
                people.append(_febrl_person({k.strip(): (v or "").strip() for k, v in row.items()}))
    return people


def _febrl_person(row: dict[str, str]) -> Person:
    key = row["rec_id"]
    match = _FEBRL_REC.fullmatch(key)
    if match is None:
        raise ValueError(f"unexpected Febrl record id {key!r}")
    raw = row["date_of_birth"]
    dob: date | None = None
    year: int | None = (
        int(raw[:4]) if len(raw) >= 4 and raw[:4].isdigit() and 1900 <= int(raw[:4]) <= 2025 else None
    )
    if len(raw) == 8 and raw.isdigit():
        try:
            dob = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError:
            dob = None
        if dob is not None and not 1900 <= dob.year <= 2025:
            dob = None
    address = ", ".join(
        part
        for part in (
            " ".join(p for p in (row["street_number"], row["address_1"]) if p),
            row["address_2"],
            row["suburb"],
            row["state"],
        )
        if part
    )
    id_number = row["soc_sec_id"].replace(" ", "").upper() or None
    return Person(
        key=key,
        truth=f"rec-{match.group(1)}-org",
        household=key,
        given_name=row["given_name"],
        family_name=row["surname"],
        other_names=None,
        sex="",
        date_of_birth=dob,
        birth_year=year,
        phone=None,
        id_number=id_number,
        village=row["postcode"],
        address=address or None,
        kind=ORIGINAL if match.group(2) == "org" else FEBRL_DUPLICATE,
    )


# --- Command line -----------------------------------------------------------------------------------

FIELDS = tuple(f.name for f in fields(Person))


def write_csv(people: Iterable[Person], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(FIELDS)
        for person in people:
            writer.writerow(["" if (value := getattr(person, f)) is None else value for f in FIELDS])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=5000, help="original people (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-kind", type=int, default=20, help="duplicates of each kind (default 20)")
    parser.add_argument("--names", choices=("varied", "concentrated"), default="varied")
    parser.add_argument("--no-ids", action="store_true", help="no record has an ID number")
    parser.add_argument("--sample", type=int, default=12, help="records to print (default 12)")
    parser.add_argument("--febrl", action="store_true", help="load Febrl 4 instead of generating")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write every record to FILE")
    args = parser.parse_args(argv)
    if args.febrl:
        people = febrl4()
    else:
        people = population(
            args.people,
            seed=args.seed,
            duplicates_per_kind=args.per_kind,
            with_ids=not args.no_ids,
            names=args.names,
        )
    by_key = {p.key: p for p in people}
    duplicates = [p for p in people if p.kind != ORIGINAL]
    sample_rng = random.Random(args.seed)
    for person in sample_rng.sample(duplicates, min(args.sample, len(duplicates))):
        original = by_key[person.truth]
        print(f"{person.kind}:")
        for record in (original, person):
            print(
                f"  {record.key:<12} {record.household:<12} {record.village:<6} {record.given_name!r} "
                f"{record.family_name!r} {record.other_names!r} {record.sex} {record.date_of_birth} "
                f"{record.birth_year} {record.phone} {record.id_number} {record.address!r}"
            )
    print()
    counts = Counter(p.kind for p in people)
    width = max(len(k) for k in counts)
    for kind, count in sorted(counts.items(), key=lambda item: (item[0] != ORIGINAL, item[0])):
        print(f"{kind:<{width}}  {count:>9,}")
    print(f"{'records':<{width}}  {len(people):>9,}")
    print(f"{'true pairs':<{width}}  {len(pairs(people)):>9,}")
    print(f"{'households':<{width}}  {len({p.household for p in people}):>9,}")
    if args.csv:
        write_csv(people, args.csv)
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

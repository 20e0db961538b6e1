"""Fictional people and places: name parts combined at random into parties and addresses.

Kept apart from the claims reference data because it only colours the rows (names,
streets, credentials); no rule of CLAIMS_POLICY.md depends on it.
"""

from __future__ import annotations

from interlock.domains.claims.seeding.basics import words

FIRST_NAMES: tuple[str, ...] = words(
    """
    Avery Blake Casey Dana Elliot Frankie Gale Harper Indra Jordan Kai Linden Morgan
    Noel Oakley Parker Quinn Reese Sage Tatum Umi Vesna Wren Xiomara Yael Zion Ada Bruno
    Celia Dmitri Esme Farid Greta Hiro Ines Jonah Kalani Lior Mira Nikhil Odette Pavel
    Rosalind Soren Thea Ulrich Valentina Wendell Yusuf Zora Amara Bastian Carmen Desmond
    Elif Florian Gemma Hassan Ilse Joaquin Keiko Lucian Marisol Nadia Osric Priya Rafael
    Selma Tobias Anouk
    """
)
LAST_NAMES: tuple[str, ...] = words(
    """
    Abernathy Bellweather Castellan Dunmore Ellery Fairweather Galloway Hollis Ingram
    Jessup Kettering Lockhart Marchetti Northcote Okonkwo Pemberton Quintero Rasmussen
    Sandoval Thackeray Underhill Valdivia Whitcombe Yarborough Zeller Ashdown Blackwood
    Cardenas Delacroix Eastwick Fennimore Grimaldi Hawthorne Iverson Jablonski Kowalczyk
    Lindqvist Moreau Nakashima Oyelaran Petrakis Rourke Santangelo Trevelyan Umberto
    Vasquez-Hale Westergaard Yoshida Zabriskie Alcott Brightwater Colquitt Drummond
    Esposito Farraday Goldberg Halvorsen Ishikawa Juarez Kimathi Larkspur Mbeki
    Nightingale Ostrander Prewitt Quarles Redfern Silvermoon Tolliver Vanterpool
    """
)
STREETS: tuple[str, ...] = words(
    """
    Alder Birch Cedar Dogwood Elm Fir Ginkgo Hazel Ironwood Juniper Larch Magnolia
    Nutmeg Oak Pine Quince Rowan Spruce Tamarack Willow Harbor Lantern Millpond Orchard
    Quarry Ridge
    """
)
STREET_KINDS: tuple[str, ...] = ("St", "Ave", "Rd", "Ln", "Way", "Ct", "Blvd", "Pl")
CITIES: dict[str, tuple[str, ...]] = {
    "north": ("Harrow Point", "Frostmere", "Northfield Landing"),
    "south": ("Sallow Bay", "Cypress Hollow", "Port Amberly"),
    "east": ("Dawnhaven", "Easton Mills", "Brightcove"),
    "west": ("Sunset Gap", "Westmarch", "Copper Flats"),
    "central": ("Midvale", "Hearthstone", "Crossroads Junction"),
}
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "Physical Therapy": ("DPT", "PT", "PTA"),
    "Clinical Laboratory": ("MD", "MLS"),
    "Durable Medical Equipment": ("RN", "CDCES", "RRT"),
    "Psychiatry": ("MD", "PsyD", "LCSW"),
    "Addiction Medicine": ("MD", "LCSW", "CADC"),
    "Medical Genetics": ("MD", "MS, CGC"),
}
DEFAULT_CREDENTIALS: tuple[str, ...] = ("MD", "DO", "MD", "NP", "PA-C", "RN")
ORGANIZATION_SUFFIX: dict[str, str] = {
    "Radiology": "Imaging Center",
    "Clinical Laboratory": "Laboratory",
    "Physical Therapy": "Physical Therapy",
    "Durable Medical Equipment": "Medical Supply",
    "Sleep Medicine": "Sleep Center",
    "Addiction Medicine": "Recovery Services",
    "Psychiatry": "Behavioral Health",
    "Family Medicine": "Family Practice",
    "Orthopedic Surgery": "Orthopedics",
}
PLACE_WORDS: tuple[str, ...] = (
    "Harborview",
    "Cedar Ridge",
    "Lakeshore",
    "Summit",
    "Riverbend",
    "Northwind",
    "Bluestone",
    "Meadowlark",
    "Granite Peak",
    "Silverbrook",
    "Oakhaven",
    "Pinecrest",
)

"""The generator's fictional world: Alder Works' companies, chart of accounts and vendors.

Each expense account carries two vocabularies of what is bought under it: the one the
standard phrasing family (and therefore the decided history a baseline trains on)
uses, and a held-out one that only the held-out family uses. The chart's own
``description`` prose sits between the two, as a real chart's would: it is what a
reviewer or a model reads to decide where an unfamiliar purchase belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ACCOUNTS", "COMPANIES", "DEPARTMENTS", "VAGUE", "VENDOR_NAMES", "AccountSpec", "CompanySpec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompanySpec:
    """One company of the group."""

    code: str
    name: str
    currency: str
    tax_rate_pct: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSpec:
    """One account of the chart, with what the two phrasing families buy under it.

    ``price`` is the range of a unit price in whole currency units; ``departments``
    are where such spending usually comes from (empty: anywhere).
    """

    account: str
    name: str
    description: str
    requires_po: bool
    active: bool = True
    items: tuple[str, ...] = ()
    heldout_items: tuple[str, ...] = ()
    price: tuple[int, int] = (20, 400)
    departments: tuple[str, ...] = ()


COMPANIES = (
    CompanySpec(code="AW10", name="Alder Works Inc.", currency="USD", tax_rate_pct=Decimal("8.25")),
    CompanySpec(code="AW20", name="Alder Works GmbH", currency="EUR", tax_rate_pct=Decimal("19.00")),
    CompanySpec(code="AW30", name="Alder Works Ltd", currency="GBP", tax_rate_pct=Decimal("20.00")),
)
DEPARTMENTS = ("operations", "engineering", "it", "facilities", "legal", "hr")
#: Departments whose spending is confidential (legal and HR, per SPEC).
CONFIDENTIAL_DEPARTMENTS = frozenset({"legal", "hr"})

ACCOUNTS = (
    AccountSpec(
        account="6100",
        name="Software subscriptions",
        description="Software licences, SaaS subscriptions, cloud applications and their renewals.",
        requires_po=False,
        items=(
            "annual licence for the CAD design suite",
            "SaaS subscription for the project tracking tool",
            "user seats for the collaboration platform",
            "renewal of the antivirus licence",
        ),
        heldout_items=(
            "hosted application access, yearly term",
            "cloud application plan for the analytics team",
            "upgrade entitlement for the licensed modelling product",
        ),
        price=(30, 900),
        departments=("it", "engineering"),
    ),
    AccountSpec(
        account="6200",
        name="Office supplies",
        description="Office supplies: paper, pens, toner, folders and small desk items.",
        requires_po=False,
        items=("copy paper, A4, 80gsm", "ballpoint pens, blue", "toner cartridges for the office printers"),
        heldout_items=(
            "stationery restock for reception",
            "printer ink and desk organisers",
            "writing pads, sticky notes and staplers",
        ),
        price=(3, 60),
    ),
    AccountSpec(
        account="6300",
        name="Travel",
        description="Business travel: airfare, rail tickets, hotel stays and car hire for staff trips.",
        requires_po=False,
        items=(
            "return flight to the supplier audit",
            "hotel accommodation, three nights",
            "rail tickets for the site visit",
            "rental car for the trade fair",
        ),
        heldout_items=(
            "lodging for the visiting engineers",
            "airfare and baggage fees for the customer trip",
            "train travel to head office",
        ),
        price=(80, 900),
    ),
    AccountSpec(
        account="6400",
        name="Legal fees",
        description="Legal fees: outside counsel, contract review, litigation and legal advice.",
        requires_po=False,
        items=(
            "legal advice on the supply contract",
            "contract review by outside counsel",
            "litigation support, hourly fees",
        ),
        heldout_items=(
            "attorney time on the employment dispute",
            "counsel opinion on trademark registration",
            "legal drafting of the distribution agreement",
        ),
        price=(200, 900),
        departments=("legal",),
    ),
    AccountSpec(
        account="6500",
        name="Facilities maintenance",
        description="Facilities maintenance: cleaning, repairs, HVAC servicing and building upkeep.",
        requires_po=False,
        items=(
            "monthly office cleaning service",
            "repair of the loading dock door",
            "HVAC filter replacement and servicing",
        ),
        heldout_items=(
            "janitorial service for the plant offices",
            "building upkeep: roof leak repair",
            "heating and ventilation maintenance visit",
        ),
        price=(60, 1500),
        departments=("facilities", "operations"),
    ),
    AccountSpec(
        account="6600",
        name="Utilities",
        description="Utilities: electricity, water, natural gas and waste collection for company sites.",
        requires_po=False,
        items=(
            "electricity supply for the month",
            "water and sewage charges",
            "waste collection and disposal",
        ),
        heldout_items=(
            "power usage at the warehouse, metered",
            "refuse removal from the yard",
            "gas supply for the boiler house",
        ),
        price=(100, 3000),
        departments=("facilities", "operations"),
    ),
    AccountSpec(
        account="6700",
        name="Training and recruiting",
        description=(
            "Training and recruiting: courses, workshops, conference registrations and "
            "recruitment agency fees."
        ),
        requires_po=False,
        items=(
            "forklift safety course for operators",
            "conference registration for two engineers",
            "recruitment agency fee for the quality manager hire",
        ),
        heldout_items=(
            "workshop seats on lean manufacturing",
            "certification exam vouchers for staff",
            "headhunter placement fee, finance analyst",
        ),
        price=(150, 2500),
        departments=("hr", "operations", "engineering"),
    ),
    AccountSpec(
        account="6800",
        name="Telecommunications",
        description=(
            "Telecommunications: mobile phone plans, landlines, internet connectivity and data lines."
        ),
        requires_po=False,
        items=(
            "mobile phone plans for the sales team",
            "fibre internet line, monthly",
            "landline rental and call charges",
        ),
        heldout_items=(
            "broadband connectivity for the depot",
            "cellular data bundle for field tablets",
            "telephone service for the front desk",
        ),
        price=(25, 700),
        departments=("it",),
    ),
    AccountSpec(
        account="1500",
        name="Machinery and equipment",
        description=(
            "Machinery and equipment: machines, power tools, plant equipment and spare machine "
            "parts. Must be ordered through a purchase order."
        ),
        requires_po=True,
        items=("CNC lathe spindle assembly", "bench drill press", "pneumatic impact wrench set"),
        heldout_items=(
            "industrial welding unit with torch",
            "replacement gearbox for the conveyor",
            "milling machine tooling kit",
        ),
        price=(150, 4000),
        departments=("operations", "engineering"),
    ),
    AccountSpec(
        account="1600",
        name="IT hardware",
        description=(
            "IT hardware: laptops, desktop computers, servers, monitors and network equipment. "
            "Ordered through a purchase order."
        ),
        requires_po=True,
        items=("laptops, 14 inch, for new starters", "rack server with two CPUs", "27 inch monitors"),
        heldout_items=(
            "notebook computers for the design office",
            "storage array for the data room",
            "wireless access points for the warehouse",
        ),
        price=(150, 3500),
        departments=("it",),
    ),
    AccountSpec(
        account="5100",
        name="Raw materials and components",
        description=(
            "Raw materials and components: steel, aluminium, resin, fasteners and purchased "
            "components for production. Ordered through a purchase order."
        ),
        requires_po=True,
        items=(
            "cold rolled steel sheet",
            "aluminium bar stock",
            "epoxy resin drums",
            "stainless fasteners, M8",
        ),
        heldout_items=(
            "copper wire spools for winding",
            "polymer granulate for moulding",
            "bearings and bushings for assembly",
        ),
        price=(2, 300),
        departments=("operations", "engineering"),
    ),
    AccountSpec(
        account="6990",
        name="Marketing (closed)",
        description="Closed account: marketing spending moved to the group ledger.",
        requires_po=False,
        active=False,
    ),
)

#: Line descriptions that do not say what was bought: rule 8 cannot be settled on them.
VAGUE = (
    "services rendered as agreed",
    "monthly charges",
    "miscellaneous items per our discussion",
    "professional services, see attached",
    "goods and services, period to date",
)

VENDOR_NAMES = (
    "Birchfield Supply",
    "Castlerock Industrial",
    "Delta Office Partners",
    "Eastgate Legal LLP",
    "Fernhill Travel",
    "Granite Facility Services",
    "Harbor Utilities",
    "Ironwood Machines",
    "Juniper Software",
    "Kestrel Telecom",
    "Larch Training Group",
    "Maple Metals",
    "Northwind Components",
    "Oakline Systems",
    "Pinecrest Consulting",
    "Quarry Road Tools",
    "Redwood Hardware",
    "Silverbirch Cleaning",
    "Tamarack Resins",
    "Umber Logistics",
    "Valley Power",
    "Willow Stationers",
    "Yew Street Networks",
    "Zephyr Recruiting",
)

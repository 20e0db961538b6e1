"""The words of clinical text as the relevance scorer sees them: stems of content words.

A policy criterion and a note passage rarely use the same surface words: "weeks" and
"wks", "PT" and "physical therapy", "locks" and "locking". :func:`content_stems` folds
case and Unicode, splits hyphenated and slashed words, adds the words of a small table
of general clinical abbreviations and synonyms (and, for a drug's generic name, the
words "medication" and "medicine"), drops stop words, numbers and units of
time or amount (a shared "weeks" says nothing about *what* lasted), and strips common
suffixes. It is shared by :mod:`.criteria` (relevance) and :mod:`.quantities` (the name
of a measured value).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

__all__ = ["content_stems", "fold", "stem", "words"]

_STOP: Final = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "during",
        "each",
        "either",
        "following",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "her",
        "here",
        "his",
        "how",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "least",
        "less",
        "may",
        "might",
        "more",
        "most",
        "must",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "one",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "per",
        "same",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        # "well documented", "well controlled", "well-appearing": the other word says what.
        "well",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "you",
        "adequate",
        "adequately",
        "criteria",
        "criterion",
        "documented",
        "documentation",
        "member",
        "members",
        "patient",
        "patients",
        "medical",
        "medically",
        "necessary",
        "service",
        "services",
        "record",
        "records",
        "note",
        "notes",
        "new",
        "condition",
        "treating",
        "practitioner",
        "clinician",
        "includes",
        "including",
        "example",
        # Units and amounts: a shared "weeks" or "higher" says nothing about what lasted or rose.
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "daily",
        "week",
        "weeks",
        "weekly",
        "wk",
        "wks",
        "month",
        "months",
        "monthly",
        "mo",
        "mos",
        "year",
        "years",
        "yr",
        "yrs",
        "time",
        "times",
        "several",
        "few",
        "many",
        "higher",
        "greater",
        "lower",
        "fewer",
        "longer",
        "shorter",
        "minimum",
        "maximum",
        "ago",
        "past",
        "last",
    ]
)

# Clinical abbreviations and synonyms: each spelling on the left also counts as the
# words on the right. General clinical usage, not any one payer's wording.
_SYNONYMS: Final[dict[str, str]] = {
    "physio": "physical therapy conservative",
    "physiotherapy": "physical therapy conservative",
    "nsaid": "anti-inflammatory medication conservative",
    "nsaids": "anti-inflammatory medication conservative",
    "ibuprofen": "anti-inflammatory medication",
    "naproxen": "anti-inflammatory medication",
    "meloxicam": "anti-inflammatory medication",
    "diclofenac": "anti-inflammatory medication",
    "celecoxib": "anti-inflammatory medication",
    "mri": "magnetic resonance imaging",
    "bmi": "body mass index",
    "hx": "history",
    "tx": "treatment",
    "dx": "diagnosis",
    "osa": "obstructive sleep apnea",
    "hsat": "home sleep apnea test",
    "hst": "home sleep apnea test",
    "chf": "congestive heart failure",
    "copd": "pulmonary disease",
    "ckd": "chronic kidney disease",
    "egfr": "kidney",
    "ibd": "inflammatory bowel disease",
    "crohn": "inflammatory bowel disease",
    "colitis": "inflammatory bowel disease",
    "cgm": "continuous glucose monitor device",
    "a1c": "glycemic",
    "t2dm": "type 2 diabetes",
    "dm": "diabetes",
    "htn": "hypertension",
    "plm": "periodic limb movement",
    "rom": "range motion",
    "weakness": "neurological deficit",
    "foot drop": "neurological deficit",
    "reflexes": "neurological",
    "incontinence": "bowel bladder dysfunction",
    "retention": "bladder dysfunction",
    "urinary": "bladder",
    "metastatic": "malignancy",
    "metastasis": "malignancy",
    "cancer": "malignancy",
    "tumor": "malignancy",
    "abscess": "infection",
    "osteomyelitis": "infection",
    "locks": "locking",
    "locked": "locking",
    "catches": "catching",
    "buckling": "giving way",
    "buckles": "giving way",
    "gives way": "giving way",
    "insulin pump": "insulin",
    "hypoglycaemia": "hypoglycemia",
    "telemedicine": "telehealth",
    "video visit": "telehealth",
    "psychologist": "psychological",
    "psychology": "psychological",
    "dietitian": "weight-loss program",
    "diet": "weight-loss program",
    "brca": "brca1 brca2",
    "insufficient": "inadequate",
    # Plain films, however they are called.
    "x ray": "radiograph imaging",
    "x rays": "radiograph imaging",
    "xray": "radiograph imaging",
    "xrays": "radiograph imaging",
    "films": "radiograph imaging",
    "radiographs": "radiograph imaging",
    "epworth": "daytime sleepiness",
    "behavioral health": "psychological",
    "bathroom": "toileting",
    # Tobacco, however it is said.
    "smoker": "tobacco",
    "smokers": "tobacco",
    "smokes": "tobacco",
    "smoking": "tobacco",
    "smoked": "tobacco",
    "cigarette": "tobacco",
    "cigarettes": "tobacco",
    "nicotine": "tobacco",
    "vaping": "tobacco",
    # Conservative care by its other names, and its usual forms.
    "non operative": "conservative",
    "nonoperative": "conservative",
    "non surgical": "conservative",
    "nonsurgical": "conservative",
    "physical therapy": "conservative",
    "home exercise": "conservative",
    "exercise program": "conservative",
    "strengthening": "conservative",
    "chiropractic": "conservative",
    "bracing": "conservative",
    "brace": "conservative",
    "splinting": "conservative",
    "splint": "conservative",
    "activity modification": "conservative",
    # Effort and oxygen, however they are measured.
    "walk": "exertion",
    "walked": "exertion",
    "walking": "exertion",
    "ambulation": "exertion",
    "ambulating": "exertion",
    "exercise": "exertion",
    "stairs": "exertion",
    "bcva": "best corrected visual acuity",
    "nrs": "pain score",
    "vas": "pain score",
    "spo2": "oxygen saturation",
    "sao2": "oxygen saturation",
    "sats": "oxygen saturation",
    "saturating": "oxygen saturation",
    "iui": "intrauterine insemination",
    "girth": "circumference",
    "circumferential": "circumference",
    "nondiagnostic": "inconclusive",
    "non-diagnostic": "inconclusive",
}
#: Endings of international nonproprietary drug names (the stems naming schemes give a
#: class): "sertraline", "topiramate" and "propranolol" are all a medicine a criterion
#: may ask about ("an oral preventive medicine", "antidepressant medication"). Not
#: "drug": a list of a member's medicines says nothing of "drug or alcohol abuse".
_DRUG: Final = re.compile(
    r"^[a-z]{2,}(?:oxetine|alopram|traline|triptyline|ipramine|faxine|azodone|zodone|azapine|upropion"
    r"|triptan|gepant|amate|olol|proate|sartan|pril|dipine|statin|parin|xaban|gatran"
    r"|profen|proxen|coxib|fenac|oxicam|pentin|gabalin|adol|codone|morphone"
    r"|formin|gliptin|glutide|gliflozin|glitazone|sone|olone|prazole|tidine|setron"
    r"|cillin|mycin|floxacin|cycline|azepam|azolam|apine|peridone|asidone|perazine|promazine"
    r"|[^s]terol|tropium|lukast|sonide|umab|ximab|zumab|[nb]ercept|tinib|trexate|dronate|(?:do|va)caine)$"
)
#: Drugs whose names carry no class ending.
_DRUG_NAMES: Final = frozenset({"lithium", "bupropion", "morphine", "insulin", "warfarin", "aspirin"})
#: Four-letter words ending in "s" that are no plural of a shorter word.
_NOT_PLURALS: Final = frozenset({"lens", "news", "mets", "does", "goes", "aids", "gums", "odds", "pros"})
_WORD: Final = re.compile(r"[^\W_]+(?:[-/'][^\W_]+)*")
_NUMERIC: Final = re.compile(r"^\d+(?:\.\d+)?[a-z]?$")
_PT: Final = re.compile(r"\bPT\b")
_SUFFIXES: Final = (
    "ations",
    "ation",
    "ness",
    "ings",
    "ing",
    "ies",
    "ied",
    "ors",
    "or",
    "ed",
    "es",
    "us",
    "s",
    "al",
    "ly",
)


def fold(text: str) -> str:
    """NFKC, curly apostrophes made straight, case-folded."""
    return unicodedata.normalize("NFKC", text.replace("\u2019", "'")).casefold()


def stem(word: str) -> str:
    """A light suffix stripper: enough for locks/locking, weeks/week, tried/tries, arms/arm.

    A long stem's final "e" or "y" goes too, so a word and its inflections meet:
    "fracture", "fractures" and "fractured" are all "fractur", "therapy" and
    "therapies" both "therap".
    """
    if len(word) == 4 and word.endswith("s") and word[-2] not in "siu" and word not in _NOT_PLURALS:
        return word[:-1]  # short plurals: "arms", "legs", "eyes", "hips" (not "loss", "this", "plus")
    base = word
    for suffix in _SUFFIXES:
        if suffix in ("s", "es", "us") and word.endswith("ss"):
            continue  # "loss", "breathless": not plurals
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            break
    return base[:-1] if len(base) >= 5 and base[-1] in "ey" else base


def words(text: str) -> list[str]:
    """The folded words of ``text``, hyphenated and slashed words split into their parts."""
    out: list[str] = []
    for token in _WORD.findall(fold(text)):
        out.extend(part for part in re.split(r"[-/]", token) if part)
    return out


def _expanded(text: str) -> list[str]:
    """The words of ``text`` with the synonym table's words added after their spelling.

    ``PT`` in capitals is physical therapy; ``pt`` or ``Pt`` is the patient.
    """
    found = words(text)
    extra: list[str] = ["physical", "therapy", "conservative"] if _PT.search(text) else []
    for i, word in enumerate(found):
        single = word[:-1] if word.endswith("s") else word
        if len(single) >= 6 and (_DRUG.match(single) or single in _DRUG_NAMES):
            extra.extend(("medication", "medicine"))  # not "drug": a medicine list is no drug use
        pair = f"{word} {found[i + 1]}" if i + 1 < len(found) else ""
        for key in (word, pair):
            if key and key in _SYNONYMS:
                extra.extend(words(_SYNONYMS[key]))
    return found + extra


@lru_cache(maxsize=65_536)
def content_stems(text: str, *, expand: bool = True) -> frozenset[str]:
    """Stems of the content words of ``text`` (numbers, stop words and units dropped).

    Cached: training and the gate read the same clauses against every criterion.
    """
    found = _expanded(text) if expand else words(text)
    return frozenset(stem(w) for w in found if len(w) >= 2 and w not in _STOP and not _NUMERIC.match(w))

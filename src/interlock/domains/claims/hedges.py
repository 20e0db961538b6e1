"""Whether a clause of a note records what happened or was found, or only plans, weighs or doubts it.

"Physical therapy for 8 weeks" is evidence; "physical therapy discussed", "MRI to be
scheduled", "results pending", "duration not stated" and "possibly saw a chiropractor?"
are not, whatever vocabulary they share with a criterion. The cues are grammatical,
not any payer's phrases:

- modality and the future: *will*, *would*, *may*, *might*, *could*, *should* ("could
  not tolerate" is a past inability, a finding), *to be* + a participle or adjective
  ("to be arranged", "appears to be"), *going to*; what may be started ("can try",
  "open to", "to commence"), a plan line in the imperative ("Start naproxen 500 mg", not
  "start 03/2024") or a SOAP note's "P:" line, a prescription handed over, sent to the
  pharmacy or not yet dispensed, an order placed, a device still to be delivered, a
  wait list, "needs 4 wk of ...", "once ... obtained", "please see", information
  handed over about a therapy;
- proposing: *recommend*, *suggest*, *advise*, *offer*, *encourage*, *counsel*, *refer*,
  *willing*, *interested*: a therapy proposed is not a therapy given. Only a
  proposal's own fate makes it a finding: a clause that ends with the patient declining
  it ("PT offered but she declined"), a refused or never-started referral, "never been
  referred", "never attempted", or a finding that followed the advice ("8 weeks of PT as
  recommended"). Another outcome in the same clause does not ("offered six weeks of PT,
  declines opioids" still proposes PT);
- planning and waiting: *plan*, *schedule*, *order*, *referred*, *request*, *arrange*,
  *pending*, *awaiting*, *deferred*, *next*, *return*;
- deliberation: *discuss*, *consider*, *option*, *choice*, *versus*, *prefers*, *wants*,
  a matter *under review* or *being evaluated*;
  and a talk or review verb that closes the clause with nothing found after it
  ("mobility reviewed." but not "therapy note reviewed: 8 weeks completed");
- doubt: *unclear*, *unknown*, *uncertain*, *unsure*, *possible*, *possibly*, *probably*,
  *reportedly*, *apparently*, *allegedly*, *seemingly*, *suspect*, *perhaps*, *thinks*,
  *believes*, "not sure", "unable to quantify", the patient's own estimate, "doesn't
  know", "on and off", "for a while", accounts that disagree ("conflicting",
  "discrepancy"), "no way to tell", a ``?``;
- conclusions and headings: *candidate* (for the service: a conclusion, not a finding),
  a clause ending in a colon;
- missing documentation: *not* or *never* before *documented*, *recorded*, *stated*,
  *available*, *performed*, *confirmed*, *recalled*..., *could not be obtained*, *not
  yet received*, or *no (attendance) records*: the absence of a record is not a record
  of absence, so a person decides.

A refusal is a finding, not a plan: "has yet to try", "reluctant to try", "won't
consider", "said no to the referral".

A cue the criterion itself uses does not count against a clause (a criterion may ask
for a *suspected* condition, for counseling, a *discrepancy* of the jaw, or for a result
that *will* guide care); the proposing verbs count in any form ("counseled" answers
"counseling"), a letter "supporting" surgery is answered by one that "recommends" it,
and a schedule "agreed to" by a plan agreed.

Some cues are no cues where they stand: "re" in a topic label before a colon ("f/u re
compression pump: girth difference 5.7 cm"), "vs" in a comparison in brackets ("9.0 cm
(affected vs unaffected)"). A talk verb introducing a list of alternatives ("approaches
reviewed today: topiramate, propranolol or candesartan") names options.
"""

from __future__ import annotations

import re
from typing import Final

from interlock.domains.claims.vocabulary import content_stems, stem, words

__all__ = ["unsettled"]

#: Cues that recommend, offer or refer. They are the cues a proposal's own fate can
#: excuse (:data:`_FINDING_FRAMES`, :data:`_DECLINED_AT_END`).
_PROPOSING: Final = frozenset(
    {
        "recommend",
        "recommends",
        "recommended",
        "recommending",
        "recommendation",
        "suggest",
        "suggests",
        "suggested",
        "suggesting",
        "advise",
        "advised",
        "advises",
        "advice",
        "offer",
        "offers",
        "offered",
        "offering",
        "encourage",
        "encouraged",
        "counseled",
        "counselled",
        "counseling",
        "counselling",
        "propose",
        "proposed",
        "refer",
        "referral",
        "referred",
        "referring",
        "willing",
        "interested",
    }
)
_CUES: Final = _PROPOSING | frozenset(
    [
        "discuss",
        "discussed",
        "discusses",
        "discussing",
        "discussion",
        "option",
        "options",
        "consider",
        "considering",
        "considered",
        "plan",
        "plans",
        "planned",
        "planning",
        "will",
        "would",
        "may",
        "might",
        "maybe",
        "perhaps",
        "possibly",
        "unsure",
        "unclear",
        "unknown",
        "uncertain",
        "undetermined",
        "questionable",
        "prefers",
        "wants",
        "keen",
        "arrange",
        "arranged",
        "arranging",
        "talked",
        "talk",
        "explained",
        "choice",
        "choices",
        "alternative",
        "alternatives",
        "versus",
        "vs",
        "next",
        "ordered",
        "order",
        "orders",
        "requested",
        "request",
        "re",
        "regarding",
        "pending",
        "awaiting",
        "awaited",
        "await",
        "schedule",
        "scheduled",
        "scheduling",
        "deferred",
        "defer",
        "postponed",
        "tbd",
        "if",
        "whether",
        "return",
        "returns",
        "rtc",
        "recheck",
        "follow",
        "candidate",
        "requesting",
        "requests",
        "reassess",
        "could",
        "should",
        "possible",
        "probably",
        "reportedly",
        "apparently",
        "allegedly",
        "seemingly",
        "thinks",
        "believes",
        "suspect",
    ]
)
_MODALS: Final = frozenset({"will", "would", "may", "might"})
#: Verbs that say a topic was gone over; at the end of a clause they report no finding.
_TALK: Final = frozenset(
    {
        "reviewed",
        "mentioned",
        "addressed",
        "noted",
        "described",
        "covered",
        "assessed",
        "evaluated",
        "examined",
        "explored",
    }
)
#: "MRI to be scheduled", "appears to be", "going to": not "has to be worked loose".
_TO_BE: Final = re.compile(
    r"(?<!\bhas )(?<!\bhave )(?<!\bhad )(?<!\bneeds )(?<!\bneed )(?<!\bbeen )\b(?:to be|going to)\s+\w+",
    re.IGNORECASE,
)
#: Phrases that name a proposal only to say what became of it, or to say where a finding
#: came from; each is removed before the cues are counted, so a proposing word inside
#: one does not count. Only the proposal's own fate qualifies: "offered six weeks of PT,
#: declines opioids" still proposes PT.
_FINDING_FRAMES: Final = re.compile(
    # "8 weeks of PT as recommended by her GP": a finding that followed the advice.
    r"\bas (?:recommended|advised|suggested|directed|prescribed)(?: by (?:her |his |the )?[\w'-]+)?"
    # "referring physician documents ...": where the record came from.
    r"|\breferring (?:physician|provider|doctor|clinician|surgeon)\b"
    # "never been referred", "has not been offered", "never attempted": nothing was done.
    r"|\b(?:never|not|n't)\s+(?:been\s+|yet\s+)?(?:referred|offered|recommended|advised|suggested|prescribed|"
    r"issued|arranged|attempted|processed)\b"
    # "refused the PT referral", "never started the PT referral", "not interested".
    r"|\b(?:declined|declines|refused|refuses|never (?:started|began|attended|pursued))\s+(?:the |a |an |her |his )?"
    r"(?:[\w-]+\s+){0,3}(?:referral|offer|recommendation|suggestion)s?\b"
    r"|\bnot interested\b"
    # "if anything worse": an idiom, no condition; "talk therapy" is a therapy, not a talk.
    r"|\bif anything\b|\btalk(?:ing)? therap(?:y|ies)\b"
    # "won't consider hearing aids", "said no to the referral": a refusal is a finding.
    r"|\b(?:won't|will not|wouldn't|would not|refuses to|refused to) (?:consider|try|go|attend|start|wear|use)\b"
    r"|\bsaid no to\b(?:\s+(?:the|a|an|her|his))?(?:\s+[\w-]+){0,3}"
    # "before the referral for surgery": a date, not a proposal.
    r"|\b(?:before|after|since|prior to|at|until) (?:the|this|her|his|their) (?:[\w-]+ )?referral\b",
    re.IGNORECASE,
)
#: A proposal whose fate closes the clause: "PT was offered but she declined", "referred
#: for PT, did not attend". Nothing but the refusal, and what it refers back to, follows.
_DECLINED_AT_END: Final = re.compile(
    r"\b(?:but|and|which|however)?\s*(?:the |)(?:pt|patient|she|he|they|member)?\s*"
    r"(?:declined|refused|did not (?:attend|start|go|complete)|didn't (?:attend|start|go|complete)|"
    r"never (?:attended|started|went|began)|chose not to (?:start|attend|proceed|go))"
    r"(?:\s+(?:it|them|this|that|to|the (?:referral|offer|recommendation)))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
#: "could not tolerate", "couldn't walk": a past inability is a finding ("could not be
#: obtained" is a missing record, caught above).
_COULD_NOT: Final = re.compile(r"\bcould(?:n't| not)\s+(?!be\b)", re.IGNORECASE)
#: Cues the criterion excuses in any form: "counseled" answers "counseling". Only these
#: families, because a light stemmer also joins "willing" to "will" and "following" to "follow".
_STEM_EXCUSED: Final = frozenset(
    {"counsel", "counsell", "recommend", "suggest", "advis", "offer", "encourag", "propos"}
)
#: What may be started, not what was: "can try ibuprofen", "open to CBT", "to commence PT".
_MAY_START: Final = re.compile(
    r"\bcan (?:try|trial|start|begin|consider)\b|\bopen to\b"
    r"|(?<!able )(?<!prior )(?<!on )(?<!went )(?<!yet )(?<!reluctant )(?<!unwilling )(?<!refuses )(?<!refused )"
    r"(?<!declined )(?<!declines )\bto (?:start|begin|commence|initiate|try|trial)\b"
    # A plan line in the imperative: "Start naproxen 500 mg", "- begin PT", "Neuropathy: start ...".
    r"|(?:^[\W_]*|[\u2013\u2014:]\s*|\s-\s*)(?:start|begin|commence|initiate)\s+"
    r"(?!of\b|date\b|on\b|in\b|\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)\w"
    # A prescription or an order handed over is not a treatment taken.
    r"|\b(?:rx|script|prescription)\b(?:\s+\w+){0,3}\s+(?:given|provided|sent|written|issued)\b"
    r"|\b(?:consult|order|referral)s?\b(?:\s+\w+){0,3}\s+placed\b",
    re.IGNORECASE,
)
#: What is still to come: a prescription just sent, a wait list, a device not yet
#: delivered, "needs 4 wk of ...", "once ... obtained", a referral letter's "please see",
#: and information handed over about a therapy (a proposal of it).
_TO_COME: Final = re.compile(
    r"\be-?prescribed\b|\bsent to (?:the )?pharmacy\b|\bpharmacy notified\b"
    r"|\bwait(?:ing)?[ -]?list(?:ed)?\b|\bplease (?:see|evaluate|assess|treat|arrange|book)\b"
    r"|\bonce (?:[\w-]+\s+){0,3}(?:obtained|cleared|approved|done|completed|available|received|healed)\b"
    r"|\bneeds? (?:to (?:start|begin|try|complete|do|attend|enrol+|undergo|have)\b|a (?:trial|course) of\b|\d)"
    r"|\b(?:expected |anticipated |awaiting )?delivery (?:in|by|expected)\b|\bimpressions taken\b|\bcasted for\b"
    r"|\b(?:provided|gave|given|handed)\s+(?:\w+\s+){0,2}(?:info|information|handouts?|leaflets?|brochures?|pamphlets?)\b",
    re.IGNORECASE,
)
#: "may" as a modal: lower case, or opening the clause ("May need PT"); "since May" is a month.
_MONTH_MAY: Final = re.compile(r"(?<=\S)\s+May\b|(?<=[-\u2013/(])May\b")
#: "scheduled naproxen" is regular dosing; "MRI scheduled", "scheduled for" are plans.
_ATTRIBUTIVE_SCHEDULED: Final = re.compile(
    r"\bscheduled\s+(?!for\b|on\b|at\b|in\b|next\b|to\b|today\b|tomorrow\b|after\b|once\b|when\b|with\b)[a-z]",
    re.IGNORECASE,
)
_UNDOCUMENTED: Final = re.compile(
    r"\b(?:not|never|un)[ -]?(?:yet )?(?:been )?(?:documented|recorded|stated|specified|available|"
    r"known|quantified|described|performed|done|obtained|staged|repeated|attached|confirmed|"
    r"recalled|remembered|verified|substantiated|dispensed)\b"
    r"|\b(?:could|can)(?:n't| ?not) be (?:obtained|confirmed|verified|substantiated|found)\b"
    r"|\bno (?:[\w-]+ (?:or )?){0,3}(?:records?|documentation|details|dates|data|results?|download)\b"
    r"|\bwithout (?:records?|documentation|details|dates)\b"
    r"|\b(?:cannot|can't|couldn't|could not|unable to) (?:recall|remember|say|determine|confirm|name|"
    r"quantify|verify|provide|find)\b"
    r"|\bnot (?:yet )?(?:received|provided)\b"
    r"|\bf/u\b",
    re.IGNORECASE,
)
#: Doubt in words: "not sure", accounts that disagree, the patient's own estimate (a
#: surgeon's estimate of a planned resection is the measure), what nobody can tell.
_DOUBTED: Final = re.compile(
    r"\bnot sure\b|\bdifficult to (?:quantify|say|tell)\b"
    r"|\binconsisten(?:t|cy)\b|\bdifferent answers\b|\b(?:do|does|did)(?:n't| not) know\b"
    r"|\b(?:pt|patient|she|he|they|member|wife|husband|family) estimates?\b"
    r"|\bconflicting\b|\bdiscrepan(?:cy|cies|t)\b|\bunresolved\b|\bno way to (?:tell|know|confirm|say)\b"
    r"|\bnot how (?:long|often|much|many)\b"
    r"|\banyone's guess\b|\bsomewhere between\b|\bon and off\b|\bfor a while\b",
    re.IGNORECASE,
)
#: A matter still being weighed: "regimen under review", "being evaluated".
_UNDER_WAY: Final = re.compile(
    r"\bunder (?:review|consideration|evaluation|discussion|investigation)\b"
    r"|\bbeing (?:reviewed|evaluated|considered|assessed|worked up|investigated)\b",
    re.IGNORECASE,
)
_CLAUSE_END: Final = re.compile(r"[\s.!;,:)\]-]*$")
#: The plan line of a SOAP note ("P: metformin 500 mg, uptitrate weekly"): what is to be done.
_PLAN_LINE: Final = re.compile(r"^\s*[-\u2022*]?\s*P\s*:", re.IGNORECASE)


#: A topic label before a colon ("f/u re compression pump: girth difference 5.7 cm",
#: "quick note regarding the brace: worn 20 h daily"): it names what the finding after
#: it is about, and "re" there plans nothing.
_TOPIC_LABEL: Final = re.compile(r"^(?P<label>[^:;]*?\b(?:re|regarding)\b[^:;]*):\s*(?=\S)", re.IGNORECASE)
_FOLLOW_UP: Final = re.compile(r"\bf/u\b|\bfollow[- ]?up\b", re.IGNORECASE)
#: A comparison in parentheses ("9.0 cm (affected vs unaffected)") weighs no options.
_COMPARED: Final = re.compile(r"\((?:[\w-]+\s+){0,3}(?:vs\.?|versus)\s+(?:[\w-]+\s*){1,3}\)", re.IGNORECASE)
_AGREED: Final = re.compile(r"\b(?:agreed|accepted|consented|signed)\b", re.IGNORECASE)
#: Cues a criterion's own word (a stem) answers, and what the clause must then also say:
#: a letter "supporting surgery" is one that "recommends surgery"; a schedule "agreed to"
#: is a plan the clause says was agreed.
_ANSWERED: Final[tuple[tuple[str, frozenset[str], re.Pattern[str] | None], ...]] = (
    ("support", frozenset({"recommend", "recommends", "recommended", "endorse", "endorses"}), None),
    ("agre", frozenset({"plan", "plans", "planned"}), _AGREED),
)


def _without_topic_label(clause: str) -> str:
    """``clause`` without a leading topic label, when the label itself plans or weighs nothing."""
    m = _TOPIC_LABEL.match(clause)
    if m is None:
        return clause
    label = set(words(_FOLLOW_UP.sub(" ", m.group("label"))))
    if label & (_CUES - {"re", "regarding"}):
        return clause  # "discussed re MRI: ..." still discusses
    return clause[m.end() :]


def _doubted(own_stems: frozenset[str], clause: str) -> bool:
    """Doubt in words, unless the criterion itself asks about it ("a jaw discrepancy of 5 mm")."""
    return any(not content_stems(m.group(0), expand=False) <= own_stems for m in _DOUBTED.finditer(clause))


def _yet_to_start(text: str) -> bool:
    """What may be started or is still to come (:data:`_MAY_START`, :data:`_TO_COME`)."""
    return bool(_MAY_START.search(text) or _TO_COME.search(text))


#: Words that make a list after a talk verb a finding ("films reviewed: no fracture or dislocation").
_NEGATING: Final = frozenset({"no", "not", "without", "never", "denies", "negative", "none"})


def _talk_ends_clause(text: str) -> bool:
    """True when the clause's last word is a talk or review verb, or one introduces alternatives.

    "Mobility reviewed." finds nothing; nor does "range of approaches reviewed today:
    topiramate, propranolol or candesartan", a list of what could be tried. "Labs
    reviewed: A1c 8.2" and "films reviewed: no fracture or dislocation" state findings.
    """
    found = words(_CLAUSE_END.sub("", text))
    if bool(found) and found[-1] in _TALK:
        return True
    head, colon, rest = text.partition(":")
    if not colon or not set(words(head)[-2:]) & _TALK:
        return False
    listed = words(rest)
    return "or" in listed and not any(ch.isdigit() for ch in rest) and not set(listed) & _NEGATING


def unsettled(criterion_text: str, clause: str) -> bool:
    """True when ``clause`` plans, weighs, doubts or lacks a record rather than stating a finding."""
    own = set(words(criterion_text))
    if own & _MODALS:
        own |= _MODALS  # a criterion about what *will* happen accepts what *would*
    own_stems = content_stems(criterion_text, expand=False)
    clause = clause.replace("\u2019", "'")
    if clause.rstrip().endswith(":"):
        return True  # a heading ("Review summary, MRI knee:") introduces findings and states none
    if _PLAN_LINE.match(clause):
        return True
    clause = _without_topic_label(clause)
    if (
        "?" in clause
        or _UNDOCUMENTED.search(clause)
        or _doubted(own_stems, clause)
        or _UNDER_WAY.search(clause)
        or _talk_ends_clause(clause)
    ):
        return True
    if _TO_BE.search(clause) and not _TO_BE.search(criterion_text):
        return True
    if _yet_to_start(clause) and not _yet_to_start(criterion_text):
        return True
    text = _ATTRIBUTIVE_SCHEDULED.sub(" ", _MONTH_MAY.sub(" ", clause))
    text = _COMPARED.sub(" ", _COULD_NOT.sub(" ", _FINDING_FRAMES.sub(" ", text)))
    cues = set(words(text)) & _CUES
    if _DECLINED_AT_END.search(text):
        cues -= _PROPOSING
    for asked, answering, also in _ANSWERED:
        if asked in own_stems and (also is None or also.search(text)):
            cues -= answering
    excused = {stem(w) for w in own} & _STEM_EXCUSED
    return any(c not in own and stem(c) not in excused for c in cues)

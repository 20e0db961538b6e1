"""Whether a clause of a note records what happened or was found, or only plans, weighs or doubts it.

"Physical therapy for 8 weeks" is evidence; "physical therapy discussed", "MRI to be
scheduled", "results pending", "duration not stated" and "possibly saw a chiropractor?"
are not, whatever vocabulary they share with a criterion. The cues are grammatical,
not any payer's phrases:

- modality and the future: *will*, *would*, *may*, *might*, *could*, *should*, *to be* +
  a participle or adjective ("to be arranged", "appears to be"), *going to*; what may be
  started ("can try", "open to", "to commence"), a plan line in the imperative ("Start
  naproxen 500 mg"), a prescription handed over or an order placed;
- proposing: *recommend*, *suggest*, *advise*, *offer*, *encourage*, *counsel*, *refer*,
  *willing*, *interested*: a therapy proposed is not a therapy given. A clause that also
  says the patient declined, refused or never started it is a record that it was not
  done, and stays a finding;
- planning and waiting: *plan*, *schedule*, *order*, *referred*, *request*, *arrange*,
  *pending*, *awaiting*, *deferred*, *next*, *return*;
- deliberation: *discuss*, *consider*, *option*, *choice*, *versus*, *prefers*, *wants*,
  a matter *under review* or *being evaluated*;
  and a talk or review verb that closes the clause with nothing found after it
  ("mobility reviewed." but not "therapy note reviewed: 8 weeks completed");
- doubt: *unclear*, *unknown*, *uncertain*, *unsure*, *possible*, *possibly*, *probably*,
  *reportedly*, *apparently*, *perhaps*, *thinks*, *believes*, "not sure", "unable to
  quantify", a ``?``;
- conclusions and headings: *candidate* (for the service: a conclusion, not a finding),
  a clause ending in a colon;
- missing documentation: *not* or *never* before *documented*, *recorded*, *stated*,
  *available*, *performed*, *confirmed*, *recalled*..., *could not be obtained*, or *no
  records*: the absence of a record is not a record of absence, so a person decides.

A cue the criterion itself uses, in any form ("counseled" for "counseling"), does not
count against a clause (a criterion may ask for a *suspected* condition, for counseling,
or for a result that *will* guide care).
"""

from __future__ import annotations

import re
from typing import Final

from interlock.domains.claims.vocabulary import stem, words

__all__ = ["unsettled"]

#: Cues that recommend, offer or refer. A clause that also says what came of the
#: proposal (completed, attended, failed; declined, refused, never started) records
#: whether it was done: "as recommended by orthopaedics, completed 8 weeks of PT".
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
        "willing",
        "interested",
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
_MODALS: Final = frozenset({"will", "would", "may", "might", "could", "should"})
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
    r"(?<!\bhas )(?<!\bhave )(?<!\bhad )(?<!\bneeds )(?<!\bneed )\b(?:to be|going to)\s+\w+", re.IGNORECASE
)
_CAME_OF_IT: Final = re.compile(
    r"\b(?:completed|finished|attended|underwent|undergone|tried|trialled|trialed|failed|took|used|wore"
    r"|received|(?:has|have|had) been (?:doing|taking|using|on|wearing|attending))\b"
    r"|\b(?:declined|declines|refused|refuses|chose not|not interested|no[ -]show"
    r"|never (?:been )?(?:\w+ed|began|went|took|had|done|undergone|worn)"
    r"|not (?:been )?attempted"
    r"|(?:has|have|had) not been|not (?:issued|arranged|obtained|processed)"
    r"|(?:did not|didn't|has not|hasn't|have not|haven't) (?:start|begin|attend|try|go|take|use|had|started|tried|attended))\b",
    re.IGNORECASE,
)
#: What may be started, not what was: "can try ibuprofen", "open to CBT", "to commence PT".
_MAY_START: Final = re.compile(
    r"\bcan (?:try|trial|use|start|begin|consider|continue)\b|\bopen to\b"
    r"|\bto (?:start|begin|commence|initiate|try|trial)\b"
    # A plan line in the imperative: "Start naproxen 500 mg", "- begin PT", "Neuropathy: start ...".
    r"|(?:^[\W_]*|[\u2013\u2014:]\s*|\s-\s*)(?:start|begin|commence|initiate)\s+(?!of\b|date\b|on\b|in\b)\w"
    # A prescription or an order handed over is not a treatment taken.
    r"|\b(?:rx|script|prescription)\b(?:\s+\w+){0,3}\s+(?:given|provided|sent|written|issued)\b"
    r"|\b(?:consult|order|referral)s?\b(?:\s+\w+){0,3}\s+placed\b",
    re.IGNORECASE,
)
#: "may" as a modal: lower case, or opening the clause ("May need PT"); "since May" is a month.
_MONTH_MAY: Final = re.compile(r"(?<=\S)\s+May\b")
#: "scheduled naproxen" is regular dosing; "MRI scheduled", "scheduled for" are plans.
_ATTRIBUTIVE_SCHEDULED: Final = re.compile(
    r"\bscheduled\s+(?!for\b|on\b|at\b|in\b|next\b|to\b|today\b|tomorrow\b|after\b|once\b|when\b|with\b)[a-z]",
    re.IGNORECASE,
)
_UNDOCUMENTED: Final = re.compile(
    r"\b(?:not|never|un)[ -]?(?:yet )?(?:been )?(?:documented|recorded|stated|specified|available|"
    r"known|quantified|described|performed|done|obtained|staged|repeated|attached|confirmed|"
    r"recalled|remembered|verified|substantiated)\b"
    r"|\b(?:could|can)(?:n't| ?not) be (?:obtained|confirmed|verified|substantiated|found)\b"
    r"|\bno (?:records?|documentation|details|dates|data|results?)\b"
    r"|\bwithout (?:records?|documentation|details|dates)\b"
    r"|\b(?:cannot|can't|couldn't|could not|unable to) (?:recall|remember|say|determine|confirm|name|"
    r"quantify|verify|provide|find)\b"
    r"|\bnot sure\b|\bdifficult to (?:quantify|say|tell)\b"
    r"|\bf/u\b",
    re.IGNORECASE,
)
#: A matter still being weighed: "regimen under review", "being evaluated".
_UNDER_WAY: Final = re.compile(
    r"\bunder (?:review|consideration|evaluation|discussion|investigation)\b"
    r"|\bbeing (?:reviewed|evaluated|considered|assessed|worked up|investigated)\b",
    re.IGNORECASE,
)
_CLAUSE_END: Final = re.compile(r"[\s.!;,:)\]-]*$")


def _talk_ends_clause(text: str) -> bool:
    """True when the clause's last word is a talk or review verb: nothing found follows it."""
    found = words(_CLAUSE_END.sub("", text))
    return bool(found) and found[-1] in _TALK


def unsettled(criterion_text: str, clause: str) -> bool:
    """True when ``clause`` plans, weighs, doubts or lacks a record rather than stating a finding."""
    own = set(words(criterion_text))
    if own & _MODALS:
        own |= _MODALS  # a criterion about what *will* happen accepts what *would*
    if clause.rstrip().endswith(":"):
        return True  # a heading ("Review summary, MRI knee:") introduces findings and states none
    if (
        "?" in clause
        or _UNDOCUMENTED.search(clause)
        or _UNDER_WAY.search(clause)
        or _talk_ends_clause(clause)
    ):
        return True
    if _TO_BE.search(clause) and not _TO_BE.search(criterion_text):
        return True
    if _MAY_START.search(clause) and not _MAY_START.search(criterion_text):
        return True
    text = _ATTRIBUTIVE_SCHEDULED.sub(" ", _MONTH_MAY.sub(" ", clause))
    cues = set(words(text)) & _CUES
    if _CAME_OF_IT.search(clause):
        cues -= _PROPOSING
    own_stems = {stem(w) for w in own}
    return any(c not in own and stem(c) not in own_stems for c in cues)

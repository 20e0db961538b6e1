"""The parts of the reference data generator; ``generator.seed`` runs them in order.

Reference data (``plans``, ``policies``, ``bundles``, ``diagnoses``, ``names``) is
fixed; everything else is drawn from streams of one seed: the parties (``parties``),
claims built scenario by scenario (``scenarios``, ``factory``, ``claim``,
``authorizations``, ``documentation``), their clinical notes (``templates``, the
``criteria_*`` banks, ``notes``), the history's decisions (``history``), and the rows
(``rows``) checked independently (``truth``) before they are loaded (``bulk_insert``,
``background``). Split by concept so each part can be read against the rule of
CLAIMS_POLICY.md it serves.
"""

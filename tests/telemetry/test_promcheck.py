"""The metrics checks used on live scrapes catch what they are there to catch."""

from __future__ import annotations

from promcheck import differences, documented, lint, promtool_problems

BAD = """# HELP jobs_done Jobs done.
# TYPE jobs_done counter
jobs_done 3
# HELP queue_total Items waiting.
# TYPE queue_total gauge
queue_total 1
# HELP latency_milliseconds Latency.
# TYPE latency_milliseconds gauge
latency_milliseconds 3
"""


def test_lint_flags_promtools_rules() -> None:
    """A counter without _total, a gauge with it and a non-base unit are each reported."""
    problems = "\n".join(lint(BAD))
    assert "jobs_done: counter metrics should have '_total' suffix" in problems
    assert "queue_total: non-counter metrics should not have '_total' suffix" in problems
    assert "latency_milliseconds: use base unit" in problems


def test_promtool_flags_a_bad_exposition() -> None:
    """promtool (where installed) finds problems in the same text; the clean path is not vacuous."""
    import shutil

    if shutil.which("promtool") is None:
        return
    assert promtool_problems(BAD)


def test_differences_name_missing_and_undocumented_families() -> None:
    """A scrape lacking a documented family, or serving an undocumented one, is reported."""
    text = "# HELP surprise_seconds Not in the docs.\n# TYPE surprise_seconds gauge\nsurprise_seconds 1\n"
    problems = differences(text, "cli")
    assert "family surprise_seconds is not documented for cli" in problems
    assert all(f"documented family {name} is missing" in problems for name in documented("cli"))


def test_differences_compare_help_type_and_labels() -> None:
    """A documented family served with other help, type or labels is reported."""
    text = (
        "# HELP interlock_review_backlog Something else.\n# TYPE interlock_review_backlog counter\n"
        'interlock_review_backlog{queue="a"} 1\n'
    )
    problems = "\n".join(differences(text, "cli"))
    assert "interlock_review_backlog: type counter, documented gauge" in problems
    text = (
        "# HELP interlock_review_backlog Something else.\n# TYPE interlock_review_backlog gauge\n"
        'interlock_review_backlog{queue="a"} 1\n'
    )
    problems = "\n".join(differences(text, "cli"))
    assert "interlock_review_backlog: help 'Something else.'" in problems
    assert "interlock_review_backlog: labels ['queue'], documented []" in problems

"""``interlock worker --shadow-model``: queue workers run a candidate beside production, on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from queueworld import finish, queue_world


@pytest.mark.postgres
def test_a_worker_records_a_shadow_decision_for_every_item_it_decides(pg_url: str) -> None:
    """Burst worker with a hosted candidate at stricter thresholds: writes exactly once, one shadow record per item."""
    for world in queue_world(pg_url, claims=16, model_delay=0.0):
        world.enqueue()
        summary = finish(
            world.worker("--burst", "--shadow-model", "openai:candidate", "--shadow-threshold", "0.995")
        )
        assert summary["finished"] == 16, summary
        report = world.check()
        assert report.ok, report.as_dict()
        done = world.count("SELECT count(*) FROM work_items WHERE status = 'done'")
        assert world.count("SELECT count(*) FROM shadow_decisions") == done == 16
        joined = "SELECT count(*) FROM shadow_decisions s JOIN work_items w USING (work_item_id) WHERE w.status = 'done'"
        assert world.count(joined) == 16
        answered = world.count("SELECT count(*) FROM shadow_decisions WHERE candidate_status = 'answered'")
        asked_models = [r["model"] for r in world.server.requests]
        assert answered == asked_models.count("candidate") > 0
        # The candidate's 0.99 answers fall short of its 0.995 thresholds: a person, every time.
        assert (
            world.count(
                "SELECT count(*) FROM shadow_decisions WHERE candidate_status = 'answered' AND candidate_route = 'review'"
            )
            == answered
        )

        evaluated = world.run("eval", "--shadow", "--store", world.url, "--json")
        assert evaluated.returncode == 0, evaluated.stderr
        [comparison] = json.loads(evaluated.stdout)["candidates"]
        assert comparison["candidate"] == "model openai:candidate, thresholds approve 0.995 deny 0.995"
        assert comparison["items"] == 16
        held_back = world.count(
            "SELECT count(*) FROM shadow_decisions WHERE candidate_status = 'answered' AND production_route = 'commit'"
        )
        assert comparison["shadow"]["automatic"] == comparison["production"]["automatic"] - held_back

"""Concurrent clients on a live server: pushes from several integrations at once lose nothing,
and the desk keeps answering meanwhile."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
from sqlalchemy import func, select

from wfm.grid import intervals, open_mask
from wfm.storage import connect
from wfm.storage import tables as t


def test_concurrent_pushes_of_actuals_are_all_stored_while_the_desk_is_polled(server, sample_config):
    q = sample_config.queue("lyon_voice")
    idx = intervals(date(2027, 1, 4), date(2027, 3, 1), "Europe/Paris", q.interval_minutes)
    idx = idx[open_mask(idx, q.open_hours, q.interval_minutes)][:8 * 5 * 20]
    batches = [idx[i:i + 20] for i in range(0, len(idx), 20)]           # 40 batches of 20 rows
    auth = {"X-API-Key": server["keys"]["integration"]}

    def push(batch):
        csv = "queue_id,interval_start,offered,answered,handle_seconds\n" + "".join(
            f"lyon_voice,{ts.isoformat()},{10 + k},{9 + k},{(9 + k) * 300}\n" for k, ts in enumerate(batch))
        with httpx.Client(base_url=server["base"], timeout=60) as c:
            return c.post("/api/v1/actuals", content=csv, headers=dict(auth, **{"content-type": "text/csv"}))

    def poll(i):
        with httpx.Client(base_url=server["base"], timeout=60) as c:
            return c.get("/api/v1/desk", params={"now": f"2026-11-27T10:{i % 60:02d}:00Z"},
                         headers={"X-API-Key": server["keys"]["desk"]})

    with ThreadPoolExecutor(8) as pool:
        pushes = pool.map(push, batches)
        polls = pool.map(poll, range(40))
        pushed, polled = list(pushes), list(polls)
    assert [r.status_code for r in pushed] == [200] * len(batches)
    assert [r.status_code for r in polled] == [200] * 40
    with connect(server["url"]).connect() as conn:
        stored = conn.execute(select(func.count(), func.sum(t.interval_actuals.c.offered))
                              .where(t.interval_actuals.c.queue_id == "lyon_voice")
                              .where(t.interval_actuals.c.interval_start >= idx[0].to_pydatetime())).one()
    assert stored[0] == len(idx) == 800
    assert stored[1] == sum(10 + k for b in batches for k in range(len(b)))

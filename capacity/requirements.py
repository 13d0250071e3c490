"""Forecast frame → requirement frame (what the scheduler consumes).

Real-time channels (voice, chat, face-to-face): Erlang A per interval when the queue (or
the forecast) gives a customer patience — service level and abandon rate predicted from the
same assumptions — else Erlang C; the smallest agent count meeting all the queue's targets. Deferred channels (email, back office): the smallest staffing (one level per local day,
in open hours) whose FIFO backlog projection meets the timeliness target within the cycle
time (:mod:`capacity.deferred`). Outbound: attempts × (connect rate × AHT + non-connects ×
their handling time) ÷ (interval × utilisation target). Face-to-face footfall goes through
the same queueing models as calls. Gross = net ÷ (1 − shrinkage), rounded up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from capacity.deferred import backlog_projection, deferred_staffing, outbound_agents
from capacity.shrinkage import gross_agents
from capacity.staffing import required_agents

REQUIREMENT_COLUMNS = ["interval_start", "volume", "aht_seconds", "agents_net", "agents_gross", "shrinkage",
                       "net_hours", "gross_hours", "service_level", "abandon_rate", "asa_seconds", "occupancy",
                       "p_wait", "feasible", "binding", "model"]

DEFERRED_CHANNELS = ("email", "back_office")


def requirements(forecast: pd.DataFrame, queue: Any, *, open_mask: np.ndarray | None = None,
                 timezone: str | None = None) -> pd.DataFrame:
    """Requirement per interval of ``forecast`` (columns ``interval_start, volume, aht_seconds,
    shrinkage, concurrency``) for ``queue`` (an object with ``channel``, ``targets``,
    ``interval_minutes``, ``concurrency``). ``open_mask`` marks open intervals (closed → 0 agents).
    Output columns: :data:`REQUIREMENT_COLUMNS`; agents in agents, ``*_hours`` in agent-hours,
    fractions 0–1, seconds."""
    f = forecast.reset_index(drop=True)
    n = len(f)
    is_open = np.ones(n, bool) if open_mask is None else np.asarray(open_mask, bool)
    vol = np.where(is_open, f["volume"].to_numpy(float), 0.0)
    aht = f["aht_seconds"].to_numpy(float)
    shrink = f["shrinkage"].to_numpy(float) if "shrinkage" in f else np.zeros(n)
    targets = queue.targets
    channel = str(queue.channel)
    out = pd.DataFrame({"interval_start": f["interval_start"], "volume": vol, "aht_seconds": aht,
                        "shrinkage": shrink})
    if channel in DEFERRED_CHANNELS:
        if targets.cycle_time_seconds is None or targets.timeliness is None:
            raise ValueError(f"queue {queue.id}: deferred work is planned on its cycle time: set targets."
                             "timeliness and targets.cycle_time_seconds (e.g. 0.95 within 86400 s)")
        if timezone is None:
            raise ValueError("timezone is needed to group deferred work by local day")
        day = pd.DatetimeIndex(f["interval_start"]).tz_convert(timezone).date
        # every arrival counts (mail arrives round the clock); work is done in open hours
        arrivals = f["volume"].to_numpy(float)
        staff, summary = deferred_staffing(arrivals, np.where(aht > 0, aht, 1.0),
                                           interval_minutes=queue.interval_minutes,
                                           cycle_time_seconds=targets.cycle_time_seconds,
                                           timeliness_target=targets.timeliness, open_mask=is_open, day=day)
        proj = backlog_projection(arrivals, staff, np.where(aht > 0, aht, 1.0), interval_minutes=queue.interval_minutes,
                                  cycle_time_seconds=targets.cycle_time_seconds, open_mask=is_open)
        work = proj["handled"].to_numpy() * aht
        out = out.assign(volume=arrivals, agents_net=staff, service_level=np.nan, abandon_rate=np.nan,
                         asa_seconds=np.nan,
                         occupancy=np.where(staff > 0, work / (np.where(staff > 0, staff, 1) *
                                                               queue.interval_minutes * 60), np.nan),
                         p_wait=np.nan, feasible=summary["feasible"],
                         binding=np.where(staff > 0, "timeliness" if summary["feasible"] else "infeasible", "none"),
                         model=f"deferred FIFO backlog: {summary['timeliness']:.1%} within "
                               f"{targets.cycle_time_seconds / 3600:g} h (target {targets.timeliness:.0%}), "
                               f"one staffing level per local day")
    elif channel == "outbound":
        ob = getattr(queue, "outbound", None)
        if ob is None:
            raise ValueError(f"queue {queue.id}: outbound planning needs [queues.outbound] "
                             "(right_party_connect_rate, non_connect_seconds, utilisation_target)")
        rate = f["connect_rate"].to_numpy(float) if "connect_rate" in f else np.full(n, np.nan)
        forecast_rate = np.isfinite(rate).all() and n > 0
        rate = rate if forecast_rate else np.full(n, ob.right_party_connect_rate)
        net = outbound_agents(vol, right_party_connect_rate=rate, aht_seconds=aht,
                              non_connect_seconds=ob.non_connect_seconds, utilisation_target=ob.utilisation_target,
                              interval_minutes=queue.interval_minutes)
        how = "forecast connect rate per interval" if forecast_rate else f"{ob.right_party_connect_rate:.0%} connect"
        out = out.assign(agents_net=net, service_level=np.nan, abandon_rate=np.nan, asa_seconds=np.nan,
                         occupancy=np.nan, p_wait=np.nan, feasible=True, binding=np.where(net > 0, "workload", "none"),
                         model=f"outbound: attempts x ({how} x AHT + "
                               f"non-connects x {ob.non_connect_seconds:g} s) / utilisation {ob.utilisation_target:.0%}")
    else:
        conc = f["concurrency"].to_numpy(float) if "concurrency" in f else np.full(n, float(queue.concurrency))
        conc = np.where(np.isfinite(conc) & (conc >= 1), np.round(conc), 1.0)
        patience = queue.patience_seconds
        if "patience_seconds" in f and f["patience_seconds"].notna().all():
            patience = f["patience_seconds"].to_numpy(float)
        model = "erlang_a" if patience is not None else "erlang_c"
        if targets.max_abandon_rate is not None and model == "erlang_c":
            raise ValueError(f"queue {queue.id}: an abandon target (max_abandon_rate) needs a customer patience "
                             "(patience_seconds) so that Erlang A can predict abandonment")
        res = required_agents(vol, np.where(vol > 0, aht, 1.0), interval_minutes=queue.interval_minutes,
                              model=model, patience_seconds=patience, concurrency=conc,
                              sl_target=targets.service_level,
                              sl_threshold_seconds=targets.service_level_threshold_seconds,
                              abandon_target=targets.max_abandon_rate,
                              asa_target_seconds=targets.max_asa_seconds, max_occupancy=targets.max_occupancy)
        label = (f"erlang_a (patience {np.mean(patience):.0f} s)" if model == "erlang_a" else "erlang_c") + \
            "; SL and abandon rate on offered" + ("; chat: AHT/concurrency" if channel == "chat" else "")
        out = out.assign(agents_net=res["agents"].to_numpy(float), service_level=res["service_level"].to_numpy(),
                         abandon_rate=res["abandon_rate"].to_numpy() if model == "erlang_a" else np.nan,
                         asa_seconds=res["asa_seconds"].to_numpy(),
                         occupancy=res["occupancy"].to_numpy(), p_wait=res["p_wait"].to_numpy(),
                         feasible=res["feasible"].to_numpy(), binding=res["binding"].to_numpy(), model=label)
    out["agents_gross"] = gross_agents(out["agents_net"].to_numpy(), out["shrinkage"].to_numpy())
    hours = queue.interval_minutes / 60.0
    out["net_hours"] = out["agents_net"] * hours      # agent-hours (FTE hours) needed in the interval
    out["gross_hours"] = out["agents_gross"] * hours
    return out[REQUIREMENT_COLUMNS]

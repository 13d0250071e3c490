"""Forecast frame → requirement frame (what the scheduler consumes).

Real-time channels (voice, chat, face-to-face): Erlang A per interval when the queue (or
the forecast) gives a customer patience — service level and abandon rate predicted from the
same assumptions — else Erlang C; the smallest agent count meeting all the queue's targets. Deferred channels (email, back office) with a cycle time of at least a day: the
day's workload (volume × AHT) spread evenly over the day's open intervals, so that all of
a day's items are handled within the day (timeliness 100 % within a 24 h cycle if the
forecast holds); work arriving on a closed day is carried to the next open day. Gross = net ÷ (1 − shrinkage), rounded up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from capacity.shrinkage import gross_agents
from capacity.staffing import required_agents

REQUIREMENT_COLUMNS = ["interval_start", "volume", "aht_seconds", "agents_net", "agents_gross", "shrinkage",
                       "service_level", "abandon_rate", "asa_seconds", "occupancy", "p_wait", "feasible",
                       "binding", "model"]

DEFERRED_CHANNELS = ("email", "back_office")


def requirements(forecast: pd.DataFrame, queue: Any, *, open_mask: np.ndarray | None = None,
                 timezone: str | None = None) -> pd.DataFrame:
    """Requirement per interval of ``forecast`` (columns ``interval_start, volume, aht_seconds,
    shrinkage, concurrency``) for ``queue`` (an object with ``channel``, ``targets``,
    ``interval_minutes``, ``concurrency``). ``open_mask`` marks open intervals (closed → 0 agents).
    Output columns: :data:`REQUIREMENT_COLUMNS`; agents in agents, fractions 0–1, seconds."""
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
        if targets.cycle_time_seconds is not None and targets.cycle_time_seconds < 86400:
            raise ValueError(f"queue {queue.id}: deferred planning needs cycle_time_seconds >= 86400 for now, "
                             f"got {targets.cycle_time_seconds}")
        if timezone is None:
            raise ValueError("timezone is needed to group deferred work by local day")
        day = pd.DatetimeIndex(f["interval_start"]).tz_convert(timezone).date
        # all volume of a local day (arrivals outside hours included) is handled in that day's
        # open hours; a closed day's work is carried to the next day that opens
        per_day = pd.DataFrame({"w": f["volume"].to_numpy(float) * aht,
                                "o": is_open * queue.interval_minutes * 60.0}).groupby(day).sum()
        carried, carry = [], 0.0
        for w, o in zip(per_day["w"], per_day["o"]):
            carry += w
            carried.append(carry if o > 0 else 0.0)
            carry = 0.0 if o > 0 else carry
        per_day["w"] = carried
        per_day.loc[per_day.index[-1], "w"] += carry  # work still waiting at the horizon's end
        workload = per_day["w"].reindex(day).to_numpy()
        open_seconds = per_day["o"].reindex(day).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            net = np.where(is_open & (open_seconds > 0), np.ceil(workload / open_seconds - 1e-9), 0.0)
        feasible = ~((workload > 0) & (open_seconds == 0))
        out = out.assign(agents_net=net, service_level=np.nan, abandon_rate=np.nan, asa_seconds=np.nan,
                         occupancy=np.where(net > 0, workload / np.where(open_seconds > 0, open_seconds, 1)
                                            / np.where(net > 0, net, 1), np.nan),
                         p_wait=np.nan, feasible=feasible,
                         binding=np.where(net > 0, "cycle_time", "none"),
                         model="deferred: daily workload spread over open intervals (cycle time >= 24 h)")
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
    return out[REQUIREMENT_COLUMNS]

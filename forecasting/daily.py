"""Daily total × intraday shape, with day types: the main volume model.

Daily totals (log scale) = local level + weekday effect + monthly cycle + special-day effects:

* the **level** is exponentially smoothed over ordinary days; weekday effects are recency-
  weighted means (half-life ``halflife_weeks``); the **monthly cycle** (pay days,
  statements) is a Fourier series of order 3 in the position within the month, fitted by
  weighted ridge least squares; the three are backfitted in three passes, and the smoothing
  constant is chosen per series from a grid by the error of next-day forecasts inside the
  history (no future data);
* each **special-day label** (holiday, holiday eve, half day, event, after a holiday, see
  :mod:`forecasting.calendar`) has an effect: a ridge regression of special days' log
  ratio to the baseline on their labels, so a label seen once is shrunk toward no effect
  and labels that overlap are separated. A label with a shape of its own makes the day a
  **day type of its own**: its baseline has no weekday term (an eve is short whatever its
  weekday) and its intraday shape is the label's mean over past occurrences. Labels in
  ``level_only`` (after a holiday, holiday period) scale the weekday's day instead. An
  own-type label never seen in history is forecast as an ordinary day and flagged; one whose
  past dates all have no data (a centre closed on holidays) is forecast closed (0).

The **intraday shape** of an ordinary day is its weekday's recency-weighted mean share per
local time of day, shrunk toward the all-weekday shape by how much of the difference is
sampling noise (James–Stein), keyed on the local wall clock and renormalised over each
day's own slots, so DST days (46 or 50 half-hours), closed hours and forecasts that start
mid-day need nothing special.

**Cleaning**: unlabelled days whose total is far from the model's in-sample value (robust z
beyond ``outlier_z``, e.g. an outage or a missing export) or whose intraday shape is far from
their weekday's (e.g. a two-hour outage) are left out of the final fit and listed in
``outliers_`` with the reason; they never shape the forecast.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from forecasting.calendar import LEVEL_ONLY, as_day_types, day_labels

ALPHAS = (0.0, 0.05, 0.1, 0.2, 0.35)


def _frame(history: pd.Series, timezone: str) -> pd.DataFrame:
    """One row per (local day, local minute): the repeated hour of a fall-back day averaged."""
    h = history.dropna().sort_index()
    local = pd.DatetimeIndex(h.index).tz_convert(timezone)
    f = pd.DataFrame({"y": h.to_numpy(float), "day": np.asarray(local.date),
                      "minute": np.asarray(local.hour * 60 + local.minute)})
    return f.groupby(["day", "minute"], as_index=False)["y"].mean()


MONTH_ORDER = 3
"Fourier order of the monthly cycle (``monthly_cycle=True``)"
MONTH_RIDGE = 1.0
MONTH_MIN_DAYS = 56
"history span (days) from which the monthly cycle is fitted (two cycles)"


@lru_cache(maxsize=None)
def _month_position(d: date) -> float:
    """(day of month − 1) ÷ days in the month: 0 on the 1st, just under 1 on the last."""
    return (d.day - 1) / monthrange(d.year, d.month)[1]


def _month_terms(days, order: int) -> np.ndarray:
    """Fourier terms of the position in the month: a smooth monthly cycle (pay days,
    statements) shared by all months; ``order`` 0 gives no columns."""
    pos = np.fromiter((_month_position(d) for d in days), float) * 2 * np.pi
    return np.column_stack([f(k * pos) for k in range(1, order + 1) for f in (np.sin, np.cos)])


def _smooth_level(y: np.ndarray, season: np.ndarray, alpha: float, init: float) -> np.ndarray:
    """Level *before* each observation (the one-step forecast's level), length len(y) + 1:
    l[t+1] = (1 − α) l[t] + α (y[t] − s[t]), a first-order linear filter."""
    x = np.asarray(y, float) - np.asarray(season, float)
    if alpha == 0:
        return np.full(len(x) + 1, float(init))
    rest, _ = lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * init])
    return np.concatenate([[init], rest])


class DayTypeModel:
    """Daily total by level × weekday × day-type effects, times a day-type intraday shape.

    ``special_days``: {date: label} (or a list of holiday dates). ``halflife_weeks``: recency
    of weekday effects; ``shape_weeks``/``shape_halflife_weeks``: which weeks shape ordinary
    days; ``ridge``: shrinkage of special-day effects (in occurrences); ``outlier_z``:
    threshold of the robust z of a day's log total for cleaning (``None``: no cleaning)."""

    name = "day_type_profile"

    def __init__(self, timezone: str, special_days: Mapping[date, str] | Iterable[date] | None = None, *,
                 exclude_days: Iterable[date] | None = None, halflife_weeks: float = 8.0, shape_weeks: int = 8,
                 shape_halflife_weeks: float = 4.0, ridge: float = 1.0, outlier_z: float | None = 4.0,
                 alpha: float | None = None, month_effects: bool = False, monthly_cycle: bool | int = True,
                 level_only: Iterable[str] = LEVEL_ONLY, pool_shapes: bool = True,
                 prior_factors: Mapping[str, float] | None = None):
        self.timezone = timezone
        self.special = as_day_types(special_days)
        for d in exclude_days or ():  # the façade's holiday list
            self.special.setdefault(pd.Timestamp(d).date(), "holiday")
        self.halflife, self.shape_weeks, self.shape_halflife = halflife_weeks, shape_weeks, shape_halflife_weeks
        self.ridge, self.outlier_z, self.alpha, self.month_effects = ridge, outlier_z, alpha, month_effects
        self.monthly_cycle, self.level_only, self.pool_shapes = monthly_cycle, frozenset(level_only), pool_shapes
        self.prior_factors = dict(prior_factors or {})
        bad = {k: v for k, v in self.prior_factors.items() if not (isinstance(v, (int, float)) and v > 0)}
        if bad:
            raise ValueError(f"prior_factors must be positive factors, got {bad}")

    # -- fit -------------------------------------------------------------------------------
    def fit(self, history: pd.Series) -> "DayTypeModel":
        f = _frame(history, self.timezone)
        if f.empty:
            raise ValueError("history is empty: nothing to forecast from")
        totals = f.groupby("day")["y"].sum()
        steps = np.diff(np.sort(f["minute"].unique()))
        self.step_minutes_ = int(np.min(steps)) if len(steps) else 60
        totals, labels = self._fit_daily_part(totals)
        self._fit_shapes(f[~f["day"].isin(set(self.outliers_))], totals, labels)
        self.closed_labels_ = self._closed_labels(totals)
        return self

    def fit_daily(self, totals: pd.Series) -> "DayTypeModel":
        """Fit the daily-total part only, from contacts per local day (index: dates); enough
        for :meth:`daily_totals` (long horizons, capacity plans), not for :meth:`predict`."""
        totals = pd.Series(totals.to_numpy(float), index=[pd.Timestamp(d).date() for d in totals.index]).dropna()
        if totals.empty:
            raise ValueError("daily totals are empty: nothing to forecast from")
        self.step_minutes_ = 24 * 60
        self._fit_daily_part(totals)
        self.own_shapes_: set[str] = set()
        self.closed_labels_ = self._closed_labels(totals)
        return self

    def _fit_daily_part(self, totals: pd.Series) -> tuple[pd.Series, dict]:
        """Open weekdays, day labels, daily-total model, cleaning and refit; returns the
        cleaned totals and their labels."""
        self.open_weekdays_ = sorted({d.weekday() for d, v in totals.items() if v > 0 and d not in self.special})
        labels = day_labels(totals.index, self.special, self.open_weekdays_, month_effects=self.month_effects)
        self.outliers_: list[date] = []
        self.outlier_reasons_: dict[date, str] = {}
        self.month_order_ = MONTH_ORDER if self.monthly_cycle is True else int(self.monthly_cycle)
        self._fit_totals(totals, labels)
        return self._clean_totals(totals, labels)

    def _clean_totals(self, totals: pd.Series, labels) -> tuple[pd.Series, dict]:
        if self.outlier_z is None:
            return totals, labels
        z = self._robust_z(totals, labels)
        out = [d for d, v in z.items() if abs(v) > self.outlier_z and not labels[d]]
        if not out:
            return totals, labels
        self.outliers_ = out
        self.outlier_reasons_ = {d: f"daily total robust z {z[d]:+.1f}" for d in out}
        totals = totals.drop(out)
        labels = {d: v for d, v in labels.items() if d not in set(out)}
        self._fit_totals(totals, labels)
        return totals, labels

    def _closed_labels(self, totals: pd.Series) -> set[str]:
        """Labels (not level-only ones) whose every past date on an open weekday inside the history
        has no data at all (e.g. public holidays of a centre that closes on them)."""
        first, last = min(totals.index), max(totals.index)
        seen: dict[str, bool] = {}
        for d, lab in self.special.items():
            if lab in self.level_only or not first <= d <= last or d.weekday() not in self.open_weekdays_:
                continue
            seen[lab] = seen.get(lab, False) or (d in totals.index and totals[d] > 0)
        return {lab for lab, any_data in seen.items() if not any_data}

    def _fit_totals(self, totals: pd.Series, labels: dict[date, tuple[str, ...]]) -> None:
        days = np.array(totals.index)
        y = np.log(np.maximum(totals.to_numpy(float), 1.0))
        dow = np.array([d.weekday() for d in days])
        ordinary = np.array([not labels[d] for d in days]) & (totals.to_numpy() > 0)
        yo, dowo, dayso = y[ordinary], dow[ordinary], days[ordinary]
        if len(yo) == 0:
            raise ValueError("history has no ordinary (non-special) day with volume: nothing to forecast from")
        last = days[-1]
        w = 0.5 ** (np.array([(last - d).days for d in dayso]) / (7 * self.halflife))
        use_month = self.month_order_ > 0 and (dayso[-1] - dayso[0]).days >= MONTH_MIN_DAYS
        Mo = _month_terms(dayso, self.month_order_) if use_month else np.zeros((len(dayso), 0))
        month_beta = np.zeros(Mo.shape[1])
        season = np.zeros(7)
        level = np.full(len(yo) + 1, np.average(yo, weights=w))
        alphas = ALPHAS if self.alpha is None else (self.alpha,)
        best = (np.inf, alphas[0])
        wsum = np.bincount(dowo, weights=w, minlength=7)
        seen = wsum > 0
        for _ in range(3):  # backfitting: weekday effects, monthly cycle, level
            resid = yo - level[:-1] - Mo @ month_beta
            season[seen] = np.bincount(dowo, weights=w * resid, minlength=7)[seen] / wsum[seen]
            season -= np.average(season[dowo], weights=w)
            if use_month:
                r = yo - level[:-1] - season[dowo]
                WM = Mo * w[:, None]
                month_beta = np.linalg.solve(Mo.T @ WM + MONTH_RIDGE * np.eye(Mo.shape[1]), WM.T @ r)
            s_t = season[dowo] + Mo @ month_beta
            init = float(np.average(yo[:10] - s_t[:10]))
            best = (np.inf, alphas[0])
            for a in alphas:
                err = self._multi_step_error(yo, s_t, _smooth_level(yo, s_t, a, init), a)
                if err < best[0]:
                    best = (err, a)
            level = _smooth_level(yo, s_t, best[1], init)
        self.alpha_, self.season_, self.month_beta_ = best[1], season, month_beta
        self.level_ = float(level[-1])
        resid = yo - level[:-1] - s_t
        self.sigma_ = float(np.sqrt(np.average(resid ** 2, weights=w))) if len(resid) > 1 else 0.0
        # in-sample baseline of every day: the level in force on that day (ordinary days before
        # it) plus its weekday and monthly terms — or, for a day type of its own, none
        pos = np.searchsorted(dayso, days, side="left")
        self.own_types_ = self._choose_own_types(days, y, level[pos], labels)
        self.baseline_ = pd.Series(level[pos] + self._calendar_terms(days, labels), index=days)
        # special-day effects: ridge regression of log ratios on label indicators
        special = [d for d in days if labels[d]]
        names = sorted({lab for d in special for lab in labels[d]})
        self.effects_: dict[str, float] = {}
        self.effect_counts_: dict[str, int] = {}
        if names:
            idx = {n: i for i, n in enumerate(names)}
            X = np.zeros((len(special), len(names)))
            for r, d in enumerate(special):
                for lab in labels[d]:
                    X[r, idx[lab]] = 1.0
            r = np.array([y[np.searchsorted(days, d)] - self.baseline_[d] for d in special])
            beta = np.linalg.solve(X.T @ X + self.ridge * np.eye(len(names)), X.T @ r)
            self.effects_ = {n: float(beta[idx[n]]) for n in names}
            self.effect_counts_ = {n: int(X[:, idx[n]].sum()) for n in names}
        self.labels_ = labels

    def _choose_own_types(self, days, y, level, labels) -> set[str]:
        """Labels that make a day a day type of its own: seen on at least two days whose log
        totals vary less around the plain level than around their weekday's baseline (e.g. an
        Israeli holiday eve: short whatever its weekday). Others scale their weekday's day."""
        cal = self.season_[[d.weekday() for d in days]]
        if len(self.month_beta_):
            cal = cal + _month_terms(days, len(self.month_beta_) // 2) @ self.month_beta_
        own = set()
        for lab in {x for d in days for x in labels[d] if x not in self.level_only}:
            at = np.array([lab in labels[d] for d in days])
            if at.sum() < 2:
                continue
            r_own, r_dow = y[at] - level[at], y[at] - level[at] - cal[at]
            if np.var(r_own) < np.var(r_dow):
                own.add(lab)
        return own

    def _own_type(self, labs: tuple[str, ...]) -> str | None:
        """The label that makes a day a day type of its own (its own level and shape)."""
        return next((lab for lab in labs if lab not in self.level_only and lab in self.own_types_), None)

    def _calendar_terms(self, days, labels) -> np.ndarray:
        """Weekday + monthly-cycle terms (log scale) of each day; none for an own-type day."""
        days = np.asarray(days)
        cal = self.season_[[d.weekday() for d in days]]
        if len(self.month_beta_):
            cal = cal + _month_terms(days, len(self.month_beta_) // 2) @ self.month_beta_
        if not self.own_types_:
            return cal
        own = np.array([any(lab in self.own_types_ for lab in labels.get(d, ())) for d in days], dtype=bool)
        return np.where(own, 0.0, cal)

    @staticmethod
    def _multi_step_error(y: np.ndarray, s: np.ndarray, lev: np.ndarray, alpha: float, horizon: int = 1) -> float:
        """Mean squared error of forecasts 1…``horizon`` ordinary days ahead over the last
        third of the history (the level frozen at each origin)."""
        n = len(y)
        start = max(n - max(n // 3, horizon * 3), 1)
        errs = []
        for h in range(1, horizon + 1):
            t = np.arange(start, n - h + 1)
            if len(t):
                errs.append((y[t + h - 1] - s[t + h - 1] - lev[t]) ** 2)
        return float(np.mean(np.concatenate(errs))) if errs else 0.0

    def _robust_z(self, totals: pd.Series, labels) -> dict[date, float]:
        y = np.log(np.maximum(totals.to_numpy(float), 1.0))
        r = y - self.baseline_.reindex(totals.index).to_numpy()
        mask = np.array([not labels[d] for d in totals.index])
        med = np.median(r[mask]) if mask.any() else 0.0
        mad = 1.4826 * np.median(np.abs(r[mask] - med)) if mask.sum() > 5 else np.inf
        mad = max(mad, 0.02)
        return {d: float((v - med) / mad) for d, v in zip(totals.index, r)}

    def _fit_shapes(self, f: pd.DataFrame, totals: pd.Series, labels) -> None:
        f = f.join(totals.rename("total"), on="day")
        f = f[f["total"] > 0].copy()
        f["share"] = f["y"] / f["total"]
        last = max(totals.index)
        age = np.array([(last - d).days for d in f["day"]]) / 7.0
        f["w"] = 0.5 ** (age / self.shape_halflife)
        f["dow"] = [d.weekday() for d in f["day"]]
        f["label"] = f["day"].map({d: next((lab for lab in labels.get(d, ()) if lab not in self.level_only), None)
                                   for d in totals.index})
        ordinary = f[f["label"].isna() & (age < self.shape_weeks)]
        if self.outlier_z is not None and len(ordinary):
            ordinary = self._drop_odd_shapes(ordinary)
        self.shape_ = self._pooled_shape(ordinary) if self.pool_shapes else self._mean_shape(ordinary, "dow")
        special = f[f["label"].notna()]
        self.label_shape_ = self._mean_shape(special, "label") if len(special) else pd.Series(dtype=float)
        self.own_shapes_ = self._choose_own_shapes(special)

    def _choose_own_shapes(self, special: pd.DataFrame) -> set[str]:
        """Labels with a shape of their own: seen on at least two days whose shares lie closer
        (L1) to the label's mean shape than to their weekdays' shapes (a half day that closes
        at 13:00); a label seen once, or shaped like its weekdays, keeps the weekday shape."""
        own = set()
        for lab, g in special.groupby("label"):
            table = g.pivot_table(index="day", columns="minute", values="share", aggfunc="sum", fill_value=0.0)
            if len(table) < 2:
                continue
            mins = table.columns.to_numpy()
            mine = self.label_shape_.reindex(pd.MultiIndex.from_arrays([np.full(len(mins), lab, dtype=object), mins]))
            d_label = np.abs(table.to_numpy() - np.nan_to_num(mine.to_numpy())).sum(axis=1).mean()
            dows = [d.weekday() for d in table.index]
            wk = np.vstack([np.nan_to_num(self.shape_.reindex(pd.MultiIndex.from_arrays(
                [np.full(len(mins), k), mins])).to_numpy()) for k in dows])
            d_dow = np.abs(table.to_numpy() - wk).sum(axis=1).mean()
            if d_label < d_dow:
                own.add(lab)
        return own

    def _drop_odd_shapes(self, f: pd.DataFrame) -> pd.DataFrame:
        """Leave out days whose shares are far (robust z of the L1 distance beyond
        ``outlier_z``) from their weekday's median shape: partial outages, half-missing exports."""
        table = f.pivot_table(index="day", columns="minute", values="share", aggfunc="sum", fill_value=0.0)
        dow = np.array([d.weekday() for d in table.index])
        dist = np.zeros(len(table))
        for k in np.unique(dow):
            m = dow == k
            dist[m] = np.abs(table.to_numpy()[m] - np.median(table.to_numpy()[m], axis=0)).sum(axis=1)
        if len(dist) < 8:
            return f
        med = np.median(dist)
        mad = max(1.4826 * np.median(np.abs(dist - med)), 1e-3)
        z = (dist - med) / mad
        odd = [d for d, v in zip(table.index, z) if v > self.outlier_z]
        for d, v in zip(table.index, z):
            if v > self.outlier_z:
                self.outliers_.append(d)
                self.outlier_reasons_[d] = f"intraday shape robust z {v:+.1f}"
        return f[~f["day"].isin(set(odd))]

    def _pooled_shape(self, f: pd.DataFrame) -> pd.Series:
        """Weekday shapes shrunk toward the all-weekday shape by how much of their difference
        is sampling noise (James–Stein): a weekday whose shape is really different (a Friday
        half day) keeps it; weekdays alike borrow each other's days and lose noise."""
        table = f.pivot_table(index="day", columns="minute", values="share", aggfunc="sum", fill_value=0.0)
        w = f.groupby("day")["w"].first().reindex(table.index).to_numpy()
        dow = np.array([d.weekday() for d in table.index])
        x = table.to_numpy()
        pooled = np.average(x, axis=0, weights=w)
        rows = {}
        self.shape_shrink_ = {}
        for k in np.unique(dow):
            m = dow == k
            wk = w[m]
            mean = np.average(x[m], axis=0, weights=wk)
            n_eff = wk.sum() ** 2 / (wk ** 2).sum()
            noise = (np.average((x[m] - mean) ** 2, axis=0, weights=wk) / max(n_eff - 1, 1.0)).sum() if m.sum() > 1 else 0
            gap = ((mean - pooled) ** 2).sum()
            b = float(min(1.0, noise / gap)) if gap > 0 else 1.0
            self.shape_shrink_[int(k)] = b
            rows[int(k)] = (1 - b) * mean + b * pooled
        out = pd.DataFrame(rows, index=table.columns).T.stack()
        out.index.names = ["dow", "minute"]
        return out

    @staticmethod
    def _mean_shape(f: pd.DataFrame, key: str) -> pd.Series:
        g = f.assign(sw=f["share"] * f["w"]).groupby([key, "minute"])[["sw", "w"]].sum()
        days_w = f.groupby([key, "day"])["w"].first().groupby(level=0).sum()
        # mean share per minute over the key's days (a minute absent on a day counts as 0)
        return g["sw"] / days_w.reindex(g.index.get_level_values(0)).to_numpy()

    # -- predict -----------------------------------------------------------------------------
    def _day_plan(self, days: Iterable[date]) -> pd.DataFrame:
        """Per local day: labels, the own day type used, closed or not, the total, and labels
        never seen in history (forecast with the planner's ``prior_factors`` if given, else as
        an ordinary day, flagged)."""
        days = sorted(set(days))
        labels = day_labels(days, self.special, self.open_weekdays_, month_effects=self.month_effects)
        rows = []
        cal = self._calendar_terms(days, labels) if days else []
        for d, c in zip(days, cal):
            labs = labels[d]
            unseen = tuple(lab for lab in labs if lab not in self.effects_)
            closed = d.weekday() not in self.open_weekdays_ or any(lab in self.closed_labels_ for lab in labs)
            prior = sum(np.log(self.prior_factors[lab]) for lab in unseen if lab in self.prior_factors)
            v = self.level_ + c + prior + sum(self.effects_.get(lab, 0.0) for lab in labs)
            rows.append({"day": d, "labels": labs, "day_type": self._own_type(labs),
                         "shape_type": next((lab for lab in labs if lab in self.own_shapes_), None), "closed": closed,
                         "unseen_label": ",".join(lab for lab in unseen if lab not in self.closed_labels_) or None,
                         "prior_factor": float(np.exp(prior)) if prior else None,
                         "total": 0.0 if closed else float(np.exp(v + 0.5 * self.sigma_ ** 2))})
        # object columns: a missing day type stays None (pandas 3 would make these str with NaN)
        cols = ["labels", "day_type", "shape_type", "closed", "unseen_label", "prior_factor", "total"]
        return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=float if c == "total" else object)
                             for c in cols}).set_axis(pd.Index([r["day"] for r in rows], name="day"))

    def daily_totals(self, days: Iterable[date]) -> pd.Series:
        """Forecast daily totals (contacts) for local ``days``."""
        return self._day_plan(days)["total"].astype(float)

    def _shares(self, d: date, shape_type: str | None, minutes: np.ndarray) -> np.ndarray:
        key = shape_type if shape_type is not None else d.weekday()
        table = self.label_shape_ if shape_type is not None else self.shape_
        s = table.reindex(pd.MultiIndex.from_arrays([np.full(len(minutes), key, dtype=object), minutes])).to_numpy()
        return np.where(np.isfinite(s), s, 0.0)

    def predict(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Contacts per interval at ``index`` (daily total × the day type's share of each slot)."""
        local = pd.DatetimeIndex(index).tz_convert(self.timezone)
        day = np.asarray(local.date)
        minute = np.asarray(local.hour * 60 + local.minute)
        plan = self._day_plan(set(day))
        self.last_plan_ = plan
        out = np.zeros(len(index))
        for d, row in plan.iterrows():
            at = day == d
            if row["total"] <= 0:
                continue
            # normalise over all the slots the day has on the wall clock (not only those asked
            # for: a forecast may start or end mid-day; a DST day has 23 or 25 hours)
            start = pd.Timestamp(d).tz_localize(self.timezone, ambiguous=True, nonexistent="shift_forward")
            stop = pd.Timestamp(d + pd.Timedelta(days=1).to_pytimedelta()).tz_localize(
                self.timezone, ambiguous=True, nonexistent="shift_forward")
            full = pd.date_range(start, stop, freq=f"{self.step_minutes_}min", inclusive="left").tz_convert(self.timezone)
            norm = self._shares(d, row["shape_type"], np.asarray(full.hour * 60 + full.minute)).sum()
            if norm > 0:
                out[at] = row["total"] * self._shares(d, row["shape_type"], minute[at]) / norm
        return out

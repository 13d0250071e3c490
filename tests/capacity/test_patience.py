import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from capacity.patience import estimate_patience, patience_from_counts


def _censored_exponential_mle(waits, abandoned):
    """Independent check: maximise the censored exponential log-likelihood numerically."""
    def nll(log_rate):
        r = np.exp(log_rate)
        return -(abandoned.sum() * log_rate - r * waits.sum())
    res = minimize_scalar(nll, bounds=(-15, 5), method="bounded", options={"xatol": 1e-10})
    return 1 / np.exp(res.x)


def test_recovers_a_known_patience_from_simulated_waits():
    rng = np.random.default_rng(3)
    true_patience = 240.0
    would_wait = rng.exponential(90, 200_000)                 # time until an agent would answer
    patience = rng.exponential(true_patience, would_wait.size)
    abandoned = patience < would_wait
    waited = np.minimum(patience, would_wait)
    est = patience_from_counts(abandoned.sum(), waited.sum())
    assert est["patience_seconds"].iloc[0] == pytest.approx(true_patience, rel=0.02)
    assert est["patience_low"].iloc[0] < true_patience < est["patience_high"].iloc[0]
    assert est["patience_seconds"].iloc[0] == pytest.approx(_censored_exponential_mle(waited, abandoned), rel=1e-6)
    # the naive mean wait of abandoners is far too short: censoring matters
    assert waited[abandoned].mean() < 0.5 * true_patience


def test_interval_actuals_by_band_and_missing_columns():
    act = pd.DataFrame({"abandoned": [2, 0, 3], "wait_seconds": [300.0, 50, 200], "abandon_wait_seconds": [100.0, 0, 100],
                        "band": ["am", "am", "pm"]})
    est = estimate_patience(act, by="band")
    assert est.loc["am", "patience_seconds"] == pytest.approx(450 / 2)
    assert est.loc["pm", "patience_seconds"] == pytest.approx(300 / 3)
    assert np.isnan(patience_from_counts([0], [100.0])["patience_seconds"].iloc[0])
    with pytest.raises(ValueError, match="abandon_wait_seconds"):
        estimate_patience(act.drop(columns="abandon_wait_seconds"))


def test_real_call_records_holdout(shared_data):
    """Anonymous Bank, January 1999: patience estimated on the first half of the month
    predicts the second half's abandonments from its waiting exposure."""
    calls = pd.read_csv(shared_data / "il_bank_1999_01_calls.tsv.gz", sep="\t", dtype=str)
    calls = calls[(calls["outcome"] != "PHANTOM") & (calls["type"] == "PS")]
    q_time = calls["q_time"].astype(float)
    waited = calls[q_time > 0]
    wait = waited["q_time"].astype(float).to_numpy()
    abandoned = (waited["outcome"] == "HANG").to_numpy()
    day = waited["date"].astype(int).to_numpy() % 100
    first, second = day <= 15, day > 15
    est = patience_from_counts(abandoned[first].sum(), wait[first].sum())
    patience = est["patience_seconds"].iloc[0]
    assert 60 < patience < 3600                               # minutes, as published for this bank
    predicted = wait[second].sum() / patience                 # expected abandons given exposure
    observed = abandoned[second].sum()
    assert abs(predicted - observed) / observed < 0.2, (predicted, observed)

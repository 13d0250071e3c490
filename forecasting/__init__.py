"""Forecasting: volume, AHT, shrinkage and concurrency per interval."""

from forecasting.backtest import Backtest, backtest, backtest_origins
from forecasting.calendar import as_day_types, day_labels, holiday_day_types
from forecasting.daily import DayTypeModel
from forecasting.longrange import weekly_totals
from forecasting.intraday import reforecast_rest_of_day
from forecasting.models import MODELS, Ensemble, forecast, forecast_aht, forecast_slot_mean, rolling_backtest
from forecasting.profile import DailyProfile, RecentSlotAverage
from forecasting.naive import SeasonalNaive, SlotAverage, slot_keys

__all__ = ["weekly_totals", "Backtest", "backtest", "backtest_origins", "as_day_types", "day_labels", "holiday_day_types", "DayTypeModel", "reforecast_rest_of_day", "Ensemble",
           "rolling_backtest", "DailyProfile", "RecentSlotAverage", "MODELS", "forecast", "forecast_aht",
           "forecast_slot_mean", "SeasonalNaive", "SlotAverage", "slot_keys"]

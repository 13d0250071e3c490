"""Forecasting: volume, AHT, shrinkage and concurrency per interval."""

from forecasting.intraday import reforecast_rest_of_day
from forecasting.models import MODELS, forecast, forecast_aht, forecast_slot_mean
from forecasting.naive import SeasonalNaive, SlotAverage, slot_keys

__all__ = ["reforecast_rest_of_day", "MODELS", "forecast", "forecast_aht", "forecast_slot_mean", "SeasonalNaive", "SlotAverage", "slot_keys"]

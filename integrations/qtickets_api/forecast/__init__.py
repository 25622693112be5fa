"""Where every upcoming show will end: expected final tickets and revenue with a P25–P75 band.

``pickup`` is the method (pure arithmetic over sales curves), ``curves`` reads the curves from ClickHouse,
``backtest`` measures the method on finished shows it did not see, ``panel`` registers the ``forecast`` panel.
"""

from . import panel  # registers the ``forecast`` panel
from .curves import read_curves
from .pickup import Curve, Forecast, forecast_all, forecast_show

__all__ = ["Curve", "Forecast", "forecast_all", "forecast_show", "panel", "read_curves"]

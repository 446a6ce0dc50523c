"""Published results, printed beside the measured ones and labelled as published.

They were computed by their authors, with their own implementations, on the same
official test sets (M3: the last 6/8/18/8 values; Tourism: the last 4/8/24), and
averaged over all series and horizons of a subset, as this benchmark's "mean"
columns are. Our numbers are not expected to equal them: the methods differ (our
AutoETS and AutoTheta are statsforecast's, not the competitions' software).
"""

from __future__ import annotations

NBEATS = "Oreshkin et al., N-BEATS, ICLR 2020 (arXiv:1905.10437)"
M3_SOURCE = f"{NBEATS}, appendix C.2, Table 14 (M3 sMAPE; Naive2, Theta and ForecastPro from the M3 competition, Makridakis & Hibon 2000)"
TOURISM_SOURCE = (
    f"{NBEATS}, appendix C.3, Table 15 (Tourism MAPE; SNaive, Theta, ETS, ARIMA from "
    "Athanasopoulos, Hyndman, Song & Wu, The tourism forecasting competition, IJF 27(3), 2011)"
)

#: subset -> list of (method, metric, value, source)
PUBLISHED: dict[str, list[tuple[str, str, float, str]]] = {}

_M3 = {  # method: (yearly, quarterly, monthly, other), sMAPE
    "Naive2": (17.88, 9.95, 16.91, 6.30),
    "Theta (M3 winner)": (16.90, 8.96, 13.85, 4.41),
    "ForecastPro": (17.14, 9.77, 13.86, 4.60),
    "N-BEATS-G": (16.2, 8.92, 13.19, 4.19),
    "N-BEATS-I+G (ensemble)": (15.93, 8.84, 13.11, 4.24),
}
for index, subset in enumerate(("m3-yearly", "m3-quarterly", "m3-monthly", "m3-other")):
    PUBLISHED[subset] = [(method, "smape", values[index], M3_SOURCE) for method, values in _M3.items()]

_TOURISM = {  # method: (yearly, quarterly, monthly), MAPE
    "SNaive": (23.61, 16.46, 22.56),
    "Theta": (23.45, 16.15, 22.11),
    "ETS": (27.68, 16.05, 21.15),
    "ARIMA": (28.03, 16.23, 21.13),
    "N-BEATS-G": (21.67, 14.71, 19.17),
    "N-BEATS-I+G (ensemble)": (21.44, 14.78, 19.29),
}
for index, subset in enumerate(("tourism-yearly", "tourism-quarterly", "tourism-monthly")):
    PUBLISHED[subset] = [(method, "mape", values[index], TOURISM_SOURCE) for method, values in _TOURISM.items()]

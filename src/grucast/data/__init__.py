"""Data: from a user's file to leak-free training windows.

Read and validate (:func:`read_series`, :func:`from_dataframe`) into a
:class:`SeriesSet`; then a :class:`WindowPipeline` learns from the training part of
each series (split, calendar features, a :class:`SeriesScaler`, window
normalisation) and turns series into lazy :class:`WindowDataset` s for train,
validation and test. Importing this
package does not import matplotlib or Lightning.
"""

from grucast.data.errors import DataError, DataWarning, NotFittedError
from grucast.data.features import CALENDAR_FEATURES, calendar_features, calendar_names, default_calendar
from grucast.data.frame import Series, SeriesSet
from grucast.data.frequency import Frequency, infer_frequency
from grucast.data.pipeline import WindowedData, WindowPipeline
from grucast.data.readers import from_dataframe, read_future, read_series, read_table
from grucast.data.scaling import SCALER_KINDS, SeriesScaler
from grucast.data.splits import SeriesSplit, SplitPlan, plan_splits
from grucast.data.times import TimeBasis, output_times
from grucast.data.validation import MISSING_POLICIES
from grucast.data.window_norm import WINDOW_NORMS, denormalize, suggest_window_norm, window_statistics
from grucast.data.windows import Segment, WindowBatchSampler, WindowDataset

__all__ = [
    "CALENDAR_FEATURES",
    "MISSING_POLICIES",
    "SCALER_KINDS",
    "WINDOW_NORMS",
    "DataError",
    "DataWarning",
    "Frequency",
    "NotFittedError",
    "Segment",
    "Series",
    "SeriesScaler",
    "SeriesSet",
    "SeriesSplit",
    "SplitPlan",
    "TimeBasis",
    "WindowBatchSampler",
    "WindowDataset",
    "WindowPipeline",
    "WindowedData",
    "calendar_features",
    "calendar_names",
    "default_calendar",
    "denormalize",
    "from_dataframe",
    "infer_frequency",
    "output_times",
    "plan_splits",
    "read_future",
    "read_series",
    "read_table",
    "suggest_window_norm",
    "window_statistics",
]

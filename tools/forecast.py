"""Demand classification and forecasting for the replenishment planner:
pure Python on lists of daily quantities (index 0 is the oldest day), no
database and no dependency, so that each number can be checked by hand.

Classification (Syntetos & Boylan, 2005)
    ``adi``  average inter-demand interval: the mean number of days between
             two consecutive days with demand, ``(last - first) / (k - 1)``
             over the ``k`` days with demand (needs two of them).
    ``cv2``  squared coefficient of variation of the non-zero daily demand
             sizes, ``(σ / μ)²`` with the population deviation.
    ``ADI < 1.32`` is a short interval, ``CV² < 0.49`` a steady size:
    smooth (short, steady), erratic (short, varying), intermittent (long,
    steady), lumpy (long, varying). Fewer than two days with demand do not
    classify (no interval, no deviation): the pattern is None.

Forecasts: the demand per day expected after the series, with smoothing
constant ``alpha`` in (0, 1). Every method is initialised from the series
it is given (the "mean" initialisation), so that a short or quiet start does
not bias it for months:
    ``average``  total ÷ days (days without demand count as 0).
    ``ses``      simple exponential smoothing; level₀ = the series' average,
                 then level ← level + α (d − level) on every day.
    ``croston``  size z and interval p smoothed on the days with demand only;
                 z₀ = the mean non-zero size, p₀ = days ÷ days with demand
                 (the whole series counts, the quiet days before the first
                 demand and after the last too: a product that sold 4 times
                 in its last 12 days of 90 starts at 22.5 days, not 3.7);
                 each demand d after the first, q days after the one before,
                 updates z ← z + α (d − z), p ← p + α (q − p); forecast z ÷ p.
    ``sba``      Syntetos–Boylan approximation: croston × (1 − α/2).
    ``tsb``      Teunter–Syntetos–Babai: probability of demand P and size z;
                 P₀ = share of days with demand, z₀ = mean non-zero size; every
                 day P ← P + α (1 − P) if there is demand else P ← P − α P,
                 and on a day with demand z ← z + α (d − z) (the probability
                 uses the same constant α as the size); forecast P × z.
    Without any demand every method forecasts 0.

Backtest: the last quarter of the days (``len // 4``, at least one) is held
out; the method forecasts from the first three quarters and that forecast is
held flat over the holdout, as a reordering rule holds it until the next
plan. ``mae`` is the mean absolute error per day on the holdout, ``rmse`` its
root mean square (the σ of the forecast error that sizes safety stock) and
``mase`` the mae divided by the mae of the naive average (the average of the
first three quarters held flat) on the same days: below 1 the method beats
the average. When the naive average makes no error at all, ``mase`` is 1 if
the method makes none either and None otherwise (no division by zero).
"""

import math
from dataclasses import dataclass
from itertools import pairwise

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49

SMOOTH = "smooth"
ERRATIC = "erratic"
INTERMITTENT = "intermittent"
LUMPY = "lumpy"

METHODS = ("average", "ses", "croston", "sba", "tsb")
# The method that fits each pattern ("auto").
AUTO_METHOD = {SMOOTH: "ses", ERRATIC: "ses", INTERMITTENT: "sba", LUMPY: "tsb"}


@dataclass(frozen=True)
class Classification:
    pattern: str | None  # None: fewer than two days with demand
    adi: float
    cv2: float
    occurrences: int


@dataclass(frozen=True)
class Backtest:
    forecast: float  # made from the first three quarters
    mae: float
    rmse: float
    naive_mae: float
    mase: float | None
    holdout_days: int


def check_alpha(alpha):
    """Raise ValueError unless 0 < alpha < 1 (a finite number)."""
    if not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, not {alpha!r}")


def net_daily_demand(delivered, returned):
    """The daily demand series from the delivered and returned quantities per
    day (two lists of the same length) and the returned quantity that
    matched no delivery in the series.

    A return cancels the most recent earlier deliveries (what was sold then
    came back): it is taken from that day's demand backwards. What is left
    (the return of a sale before the series, or more returned than sold) is
    not negative demand: it counts as zero and is reported."""
    if len(delivered) != len(returned):
        raise ValueError("delivered and returned must cover the same days")
    series = []
    unmatched = 0.0
    for day, (out, back) in enumerate(zip(delivered, returned, strict=True)):
        net = out - back
        series.append(max(net, 0.0))
        owed = -net
        index = day - 1
        while owed > 0 and index >= 0:
            taken = min(series[index], owed)
            series[index] -= taken
            owed -= taken
            index -= 1
        if owed > 0:
            unmatched += owed
    return series, unmatched


def classify(series):
    """The Syntetos–Boylan classification of ``series`` (see the module)."""
    days = [index for index, qty in enumerate(series) if qty > 0]
    sizes = [series[index] for index in days]
    count = len(days)
    if count < 2:
        return Classification(None, 0.0, 0.0, count)
    adi = (days[-1] - days[0]) / (count - 1)
    mean = sum(sizes) / count
    variance = sum((size - mean) ** 2 for size in sizes) / count
    cv2 = variance / (mean * mean)
    if adi < ADI_CUTOFF:
        pattern = SMOOTH if cv2 < CV2_CUTOFF else ERRATIC
    else:
        pattern = INTERMITTENT if cv2 < CV2_CUTOFF else LUMPY
    return Classification(pattern, adi, cv2, count)


def average(series, alpha=None):
    """Total ÷ days; 0 for an empty series."""
    return sum(series) / len(series) if series else 0.0


def ses(series, alpha):
    """Simple exponential smoothing, level₀ = the series' average."""
    check_alpha(alpha)
    level = average(series)
    for qty in series:
        level += alpha * (qty - level)
    return level


def croston(series, alpha):
    """Croston's method (see the module for its initialisation)."""
    check_alpha(alpha)
    days = [index for index, qty in enumerate(series) if qty > 0]
    if not days:
        return 0.0
    sizes = [series[index] for index in days]
    size = sum(sizes) / len(sizes)
    interval = len(series) / len(days)
    for previous, day in pairwise(days):
        size += alpha * (series[day] - size)
        interval += alpha * ((day - previous) - interval)
    return size / interval


def sba(series, alpha):
    """Syntetos–Boylan approximation: Croston × (1 − α/2)."""
    return croston(series, alpha) * (1 - alpha / 2)


def tsb(series, alpha):
    """Teunter–Syntetos–Babai (see the module for its initialisation)."""
    check_alpha(alpha)
    sizes = [qty for qty in series if qty > 0]
    if not sizes:
        return 0.0
    probability = len(sizes) / len(series)
    size = sum(sizes) / len(sizes)
    for qty in series:
        if qty > 0:
            probability += alpha * (1 - probability)
            size += alpha * (qty - size)
        else:
            probability -= alpha * probability
    return probability * size


FORECASTERS = {"average": average, "ses": ses, "croston": croston, "sba": sba, "tsb": tsb}


def forecast(method, series, alpha):
    """The demand per day ``method`` expects after ``series``."""
    if method not in FORECASTERS:
        raise ValueError(f"unknown forecast method {method!r}")
    check_alpha(alpha)
    return FORECASTERS[method](series, alpha)


def mae(actual, predicted):
    """Mean absolute error of a flat forecast over ``actual``."""
    return sum(abs(qty - predicted) for qty in actual) / len(actual) if actual else 0.0


def mase(method_mae, naive_mae):
    """``method_mae`` ÷ ``naive_mae``; 1 when both are 0, None when only the
    benchmark is (the ratio is undefined)."""
    if naive_mae > 0:
        return method_mae / naive_mae
    return 1.0 if method_mae == 0 else None


def backtest(method, series, alpha):
    """Hold out the last quarter of ``series`` (see the module). A series of
    fewer than two days cannot be split: ValueError."""
    if len(series) < 2:
        raise ValueError("a backtest needs at least two days")
    holdout_days = max(len(series) // 4, 1)
    train, holdout = series[:-holdout_days], series[-holdout_days:]
    predicted = forecast(method, train, alpha)
    method_mae = mae(holdout, predicted)
    naive_mae = mae(holdout, average(train))
    rmse = math.sqrt(sum((qty - predicted) ** 2 for qty in holdout) / len(holdout))
    return Backtest(
        predicted, method_mae, rmse, naive_mae, mase(method_mae, naive_mae), holdout_days
    )


def choose_method(method, pattern):
    """The method a line uses: the planner's, or for ``auto`` the one that
    fits its pattern (the average when it has none)."""
    if method != "auto":
        return method
    return AUTO_METHOD.get(pattern, "average")


def weekly(series):
    """Sums of 7 days, the last week ending on the last day (a partial
    first week is summed as it is)."""
    first = len(series) % 7
    weeks = [sum(series[:first])] if first else []
    return weeks + [sum(series[start : start + 7]) for start in range(first, len(series), 7)]

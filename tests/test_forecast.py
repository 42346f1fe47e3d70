import math

from odoo.tests import BaseCase, tagged

from ..tools import forecast as fc


def every_fifth_day(days=90, qty=10.0, first=4):
    return [qty if day >= first and (day - first) % 5 == 0 else 0.0 for day in range(days)]


@tagged("post_install", "-at_install")
class TestClassification(BaseCase):
    def test_ten_units_every_fifth_day_is_intermittent(self):
        result = fc.classify(every_fifth_day())
        self.assertEqual(result.pattern, fc.INTERMITTENT)
        self.assertEqual(result.adi, 5.0)
        self.assertEqual(result.cv2, 0.0)
        self.assertEqual(result.occurrences, 18)

    def test_constant_demand_is_smooth(self):
        result = fc.classify([5.0] * 30)
        self.assertEqual((result.pattern, result.adi, result.cv2), (fc.SMOOTH, 1.0, 0.0))

    def test_boundaries(self):
        """ADI 1.32 and CV² 0.49 are "high" (the cut-offs are strict < for
        low); just below them is "low"."""
        # ADI exactly 1.32: 26 days with demand spanning 33 days (33 / 25).
        days = [round(i * 1.32) for i in range(26)]
        self.assertEqual(days[-1] - days[0], 33)
        on_boundary = [0.0] * 34
        for day in days:
            on_boundary[day] = 4.0
        result = fc.classify(on_boundary)
        self.assertAlmostEqual(result.adi, 1.32)
        self.assertEqual(result.pattern, fc.INTERMITTENT)
        # ADI 1.3 (below): smooth.
        below = [0.0] * 14
        for day in (0, 1, 3, 4, 5, 7, 8, 9, 10, 11, 13):
            below[day] = 4.0
        result = fc.classify(below)
        self.assertAlmostEqual(result.adi, 1.3)
        self.assertEqual(result.pattern, fc.SMOOTH)
        # Sizes 3 and 17: mean 10, σ 7, CV² exactly 0.49 → erratic.
        result = fc.classify([3.0, 17.0, 3.0, 17.0])
        self.assertAlmostEqual(result.cv2, 0.49)
        self.assertEqual(result.pattern, fc.ERRATIC)
        # Sizes 3.1 and 16.9: σ 6.9, CV² 0.4761 → smooth.
        result = fc.classify([3.1, 16.9])
        self.assertAlmostEqual(result.cv2, 0.4761)
        self.assertEqual(result.pattern, fc.SMOOTH)
        # Both high: lumpy.
        self.assertEqual(fc.classify([3.0, 0.0, 17.0, 0.0, 3.0]).pattern, fc.LUMPY)

    def test_too_little_history_does_not_classify(self):
        for series in ([], [0.0] * 10, [0.0, 0.0, 7.0, 0.0]):
            with self.subTest(series=series):
                result = fc.classify(series)
                self.assertEqual((result.pattern, result.adi, result.cv2), (None, 0.0, 0.0))
        self.assertEqual(fc.choose_method("auto", None), "average")


@tagged("post_install", "-at_install")
class TestForecastMethods(BaseCase):
    def test_croston_and_sba_on_ten_every_fifth_day(self):
        for first in (0, 2, 4):
            series = every_fifth_day(first=first)
            croston = fc.croston(series, 0.1)
            self.assertAlmostEqual(croston, 2.0)
            self.assertEqual(fc.sba(series, 0.1), croston * (1 - 0.1 / 2))
            self.assertEqual(fc.sba(series, 0.3), fc.croston(series, 0.3) * 0.85)

    def test_croston_smooths_size_and_interval(self):
        # Demands 4 (day 1), 8 (day 3), 2 (day 7): z₀ = 14/3, p₀ = 8 days / 3 = 8/3.
        series = [0, 4, 0, 8, 0, 0, 0, 2]
        z, p = 14 / 3, 8 / 3
        z, p = z + 0.5 * (8 - z), p + 0.5 * (2 - p)
        z, p = z + 0.5 * (2 - z), p + 0.5 * (4 - p)
        self.assertAlmostEqual(fc.croston(series, 0.5), z / p)
        # One demand only: 4 days per day with demand, 6 ÷ 4.
        self.assertAlmostEqual(fc.croston([0, 0, 6, 0], 0.2), 1.5)
        # The quiet days before the first demand count: 2 demands of 4 in 20
        # days start at z 4, p 10, then one update with q = 3.
        self.assertAlmostEqual(
            fc.croston([0.0] * 16 + [4, 0, 0, 4], 0.1), 4 / (10 + 0.1 * (3 - 10))
        )

    def test_tsb_against_a_hand_computation(self):
        series = [0.0, 4.0, 0.0, 0.0, 6.0]
        alpha = 0.2
        # P₀ = 2/5 = 0.4, z₀ = (4 + 6) / 2 = 5.
        # day 0 (0): P = 0.4 − 0.2 × 0.4 = 0.32
        # day 1 (4): P = 0.32 + 0.2 × 0.68 = 0.456; z = 5 + 0.2 × (4 − 5) = 4.8
        # day 2 (0): P = 0.456 × 0.8 = 0.3648
        # day 3 (0): P = 0.3648 × 0.8 = 0.29184
        # day 4 (6): P = 0.29184 + 0.2 × 0.70816 = 0.433472; z = 4.8 + 0.2 × 1.2 = 5.04
        self.assertAlmostEqual(fc.tsb(series, alpha), 0.433472 * 5.04)

    def test_ses_against_a_hand_computation(self):
        # level₀ = 3; 3 + 0.5 (2 − 3) = 2.5; 2.5 + 0.5 (4 − 2.5) = 3.25; 3.25 + 0.5 (3 − 3.25)
        self.assertAlmostEqual(fc.ses([2.0, 4.0, 3.0], 0.5), 3.125)

    def test_constant_demand_every_method_forecasts_it(self):
        series = [5.0] * 60
        for method in fc.METHODS:
            with self.subTest(method=method):
                expected = 5.0 * (1 - 0.1 / 2) if method == "sba" else 5.0
                self.assertAlmostEqual(fc.forecast(method, series, 0.1), expected)
        # SBA's deflation is by design (it corrects Croston's bias on
        # intermittent demand); on a smooth series auto never picks it.
        self.assertEqual(fc.choose_method("auto", fc.SMOOTH), "ses")
        self.assertEqual(fc.choose_method("auto", fc.ERRATIC), "ses")
        self.assertEqual(fc.choose_method("auto", fc.INTERMITTENT), "sba")
        self.assertEqual(fc.choose_method("auto", fc.LUMPY), "tsb")
        self.assertEqual(fc.choose_method("croston", fc.LUMPY), "croston")

    def test_no_demand_forecasts_zero(self):
        for method in fc.METHODS:
            with self.subTest(method=method):
                self.assertEqual(fc.forecast(method, [0.0] * 20, 0.1), 0.0)
        self.assertEqual(fc.average([]), 0.0)

    def test_bad_alpha(self):
        for alpha in (0, 1, -0.1, 1.5, float("nan"), None, "0.1"):
            for method in fc.METHODS:
                with self.subTest(alpha=alpha, method=method), self.assertRaises(ValueError):
                    fc.forecast(method, [1.0, 2.0], alpha)
        with self.assertRaises(ValueError):
            fc.forecast("median", [1.0], 0.1)


@tagged("post_install", "-at_install")
class TestBacktest(BaseCase):
    def test_backtest_on_a_constructed_series(self):
        # 12 days: the first 9 sell 2 a day (average 2), the holdout
        # (12 // 4 = 3 days) sells 0, 4 and 2.
        series = [2.0] * 9 + [0.0, 4.0, 2.0]
        result = fc.backtest("average", series, 0.1)
        self.assertEqual(result.holdout_days, 3)
        self.assertEqual(result.forecast, 2.0)
        self.assertAlmostEqual(result.mae, (2 + 2 + 0) / 3)
        self.assertAlmostEqual(result.rmse, math.sqrt(8 / 3))
        self.assertEqual(result.mase, 1.0)
        # SES on the same training days forecasts 2 as well.
        self.assertAlmostEqual(fc.backtest("ses", series, 0.3).mae, 4 / 3)

    def test_mase_against_the_naive_average(self):
        # 10 days: train [0,0,0,0,0,0,6,6] (average 1.5), holdout [6,6] (10 // 4 = 2 days).
        series = [0.0] * 6 + [6.0] * 4
        result = fc.backtest("ses", series, 0.5)
        self.assertEqual(result.holdout_days, 2)
        # level₀ = 12/8 = 1.5, six zeros halve it: 1.5/64; then two 6s.
        level = 1.5 / 64
        level = level + 0.5 * (6 - level)
        level = level + 0.5 * (6 - level)
        self.assertAlmostEqual(result.forecast, level)
        self.assertAlmostEqual(result.mae, 6 - level)
        self.assertAlmostEqual(result.naive_mae, 4.5)
        self.assertAlmostEqual(result.mase, (6 - level) / 4.5)
        self.assertLess(result.mase, 1)

    def test_degenerate_backtests(self):
        constant = fc.backtest("tsb", [5.0] * 8, 0.1)
        self.assertEqual((constant.mae, constant.naive_mae, constant.mase), (0.0, 0.0, 1.0))
        self.assertIsNone(fc.mase(1.0, 0.0))
        empty = fc.backtest("croston", [0.0] * 8, 0.1)
        self.assertEqual((empty.forecast, empty.mae, empty.mase), (0.0, 0.0, 1.0))
        with self.assertRaises(ValueError):
            fc.backtest("average", [3.0], 0.1)


@tagged("post_install", "-at_install")
class TestNetDemand(BaseCase):
    def test_returns_cancel_earlier_sales(self):
        series, unmatched = fc.net_daily_demand([10, 0, 5, 0], [0, 0, 0, 12])
        self.assertEqual(series, [3.0, 0.0, 0.0, 0.0])
        self.assertEqual(unmatched, 0.0)

    def test_returns_beyond_the_sales_count_as_zero(self):
        series, unmatched = fc.net_daily_demand([0, 4, 0], [3, 6, 0])
        self.assertEqual(series, [0.0, 0.0, 0.0])
        self.assertEqual(unmatched, 5.0)
        with self.assertRaises(ValueError):
            fc.net_daily_demand([1], [1, 2])

    def test_weekly_sums(self):
        self.assertEqual(fc.weekly([1.0] * 16), [2.0, 7.0, 7.0])
        self.assertEqual(fc.weekly([1.0] * 14), [7.0, 7.0])

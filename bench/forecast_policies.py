#!/usr/bin/env python3
"""Other reordering-rule shapes on the forecast bench's lumpy products
(issue 21): how much stock each needs for 93 % fill. Pure Python, no
database: the bench's own generator (``generate_series``) and replay
(``simulate``) on the same seed 21, the same plan window (365 days before
the last 180) and lead times 2–10 days.

1. Today's rule (average, σ of the daily demand, min = z·σ·√LT + demand
   over LT) with max − min of 3, 7, 14, 21 or 28 days of demand, z bisected
   to 93 % fill.
2. The buffer from the empirical lead-time demand instead of z·σ·√LT: min
   = the quantile of the lookback's LT-day demand totals, quantile bisected
   to 93 % fill, the same spreads.
3. One z per lead time, chosen to trade fill for stock on a second history
   (seed 7) and checked on seed 21.

Usage: python3 bench/forecast_policies.py  (about 25 seconds on one core)
"""

import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast_bench import (
    COST,
    DAYS,
    FILL_TARGET,
    PATTERNS,
    PLAN_LOOKBACK,
    REPLAY_DAYS,
    generate_series,
    simulate,
)

PRODUCTS = 2_000
SPREADS = (3, 7, 14, 21, 28)


def lumpy_history(seed):
    """(series, lead) of each lumpy product, generated as the bench does."""
    rng = random.Random(seed)
    products = []
    for index in range(PRODUCTS):
        pattern = PATTERNS[index % 4]
        series = generate_series(rng, pattern)
        if pattern == "lumpy":
            products.append((series, 2 + index % 9))
    return products


def replay(products, rule):
    """Fill rate and average stock value of ``rule(past, lead) -> (min, max)``."""
    demand = served = value = 0.0
    for series, lead in products:
        past = series[DAYS - REPLAY_DAYS - PLAN_LOOKBACK : DAYS - REPLAY_DAYS]
        minimum, maximum = rule(past, lead)
        product_demand, product_served, on_hand = simulate(
            series[DAYS - REPLAY_DAYS :], minimum, maximum, lead
        )
        demand += product_demand
        served += product_served
        value += on_hand * COST
    return served / demand, value


def normal_rule(z, spread):
    def rule(past, lead):
        mean = sum(past) / len(past)
        sigma = math.sqrt(max(sum(q * q for q in past) / len(past) - mean * mean, 0.0))
        minimum = math.ceil(z * sigma * math.sqrt(lead) + mean * lead)
        return minimum, max(math.ceil(minimum + mean * spread), minimum)

    return rule


def quantile(values, share):
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def empirical_rule(share, spread):
    def rule(past, lead):
        mean = sum(past) / len(past)
        totals = [sum(past[day : day + lead]) for day in range(len(past) - lead + 1)]
        minimum = math.ceil(max(quantile(totals, share), mean * lead))
        return minimum, max(math.ceil(minimum + mean * spread), minimum)

    return rule


def at_target(products, make_rule, low, high):
    """Bisect the rule's parameter until the fill reaches the target."""
    for _step in range(18):
        middle = (low + high) / 2
        if replay(products, make_rule(middle))[0] >= FILL_TARGET:
            high = middle
        else:
            low = middle
    return high, replay(products, make_rule(high))


def per_lead_time(train, test):
    """z per lead time chosen on ``train`` (one price of stock for all), the
    fill and stock it gives on ``test`` for a few prices."""
    grid = [step / 10 for step in range(41)]
    leads = sorted({lead for _series, lead in train})

    def curves(products):
        table = {}
        for lead in leads:
            group = [product for product in products if product[1] == lead]
            for z in grid:
                fill, value = replay(group, normal_rule(z, 7))
                demand = sum(sum(s[DAYS - REPLAY_DAYS :]) for s, _lead in group)
                table[lead, z] = (fill * demand, value, demand)
        return table

    trained, tested = curves(train), curves(test)
    rows = []
    for price in (0.25, 0.3, 0.35, 0.4):
        choice = {
            lead: max(
                grid, key=lambda z, lead=lead: trained[lead, z][0] - price * trained[lead, z][1]
            )
            for lead in leads
        }
        served = sum(tested[lead, choice[lead]][0] for lead in leads)
        value = sum(tested[lead, choice[lead]][1] for lead in leads)
        demand = sum(tested[lead, choice[lead]][2] for lead in leads)
        rows.append((price, served / demand, value))
    return rows


def main():
    products = lumpy_history(21)
    today = replay(products, normal_rule(1.6449, 7))
    print(f"Lumpy products (seed 21, {len(products)}): today's rule at 95 %: fill {today[0]:.1%},")
    print(f"stock value {today[1]:,.0f}.\n")
    print(f"| rule | max − min (days) | parameter at {FILL_TARGET:.0%} fill | avg stock value |")
    print("| --- | ---: | ---: | ---: |")
    for spread in SPREADS:
        z, (_fill, value) = at_target(products, lambda z, s=spread: normal_rule(z, s), 0.0, 4.0)
        print(f"| z·σ·√LT | {spread} | z {z:.3f} | {value:,.0f} |")
    for spread in SPREADS:
        share, (_fill, value) = at_target(
            products, lambda q, s=spread: empirical_rule(q, s), 0.5, 0.999
        )
        print(f"| empirical LT quantile | {spread} | quantile {share:.3f} | {value:,.0f} |")
    print("\nOne z per lead time, chosen on seed 7, replayed on seed 21 (max − min 7 days):\n")
    print("| price of stock | fill | avg stock value |")
    print("| ---: | ---: | ---: |")
    for price, fill, value in per_lead_time(lumpy_history(7), products):
        print(f"| {price} | {fill:.1%} | {value:,.0f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scores `lotsen forecast` against seasonal-naive baselines: WAPE per interval over a test
window of the last N open days of a history of counts. Used by bench/forecast_accuracy.sh.

  forecast_score.py bank LOTSEN DATA.csv [--test-days 20] [--closed DATES]
  forecast_score.py synthetic LOTSEN [--calls-per-day 50,150,300] [--seed 1]

Prints one line per series: wape_lotsen, wape_snaive (the same weekday's last observed
day before the window), wape_median8 (per interval, the median of the last 8 same
weekdays) and how much lower Lotsen's WAPE is than the better baseline."""
import argparse
import datetime as dt
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile

INTERVAL = 30


def read_counts(path):
    days = {}
    with open(path) as f:
        next(f)
        for line in f:
            t, c = line.strip().split(",")[:2]
            d = dt.date.fromisoformat(t[:10])
            slot = (int(t[11:13]) * 60 + int(t[14:16])) // INTERVAL
            days.setdefault(d, {})
            days[d][slot] = days[d].get(slot, 0.0) + float(c)
    return days


def write_counts(path, days):
    with open(path, "w") as f:
        f.write("interval_start,calls\n")
        for d in sorted(days):
            for s in sorted(days[d]):
                f.write(f"{d.isoformat()}T{s * INTERVAL // 60:02d}:{s * INTERVAL % 60:02d}:00,"
                        f"{days[d][s]:g}\n")


def wape(fc, actual, first=None, last=None):
    """Over the actual days and any day of the window the forecast has open: calls
    forecast on a day the center was closed count as errors."""
    num = den = 0.0
    days = set(actual) | {d for d in fc if first and first <= d <= last}
    for d in days:
        row, f = actual.get(d, {}), fc.get(d, {})
        for s in set(row) | set(f):
            num += abs(f.get(s, 0.0) - row.get(s, 0.0))
            den += row.get(s, 0.0)
    return num / den


def baselines(train, test_days):
    snaive, median8 = {}, {}
    for d in test_days:
        same = [x for x in sorted(train) if x.weekday() == d.weekday()]
        if not same:
            continue
        snaive[d] = dict(train[same[-1]])
        last8 = same[-8:]
        slots = set().union(*(train[x] for x in last8))
        median8[d] = {s: statistics.median(train[x].get(s, 0.0) for x in last8) for s in slots}
    return snaive, median8


def run_lotsen(lotsen, train, start, ndays, closed, tmp):
    hist, out = os.path.join(tmp, "history.csv"), os.path.join(tmp, "forecast.csv")
    write_counts(hist, train)
    cmd = [lotsen, "forecast", "--history", hist, "--start", start.isoformat(), "--days",
           str(ndays), "--interval", str(INTERVAL), "--out", out]
    if closed:
        cmd += ["--closed", closed]
    subprocess.run(cmd, check=True)
    return read_counts(out), cmd


def score(name, lotsen, days, test_n, closed, tmp, truth=None):
    open_days = sorted(days)
    test_days = open_days[-test_n:]
    train = {d: days[d] for d in open_days if d < test_days[0]}
    actual = {d: days[d] for d in test_days}
    ndays = (test_days[-1] - test_days[0]).days + 1
    fc, cmd = run_lotsen(lotsen, train, test_days[0], ndays, closed, tmp)
    sn, md = baselines(train, test_days)
    w = wape(fc, actual, test_days[0], test_days[-1])
    ws, wm = wape(sn, actual), wape(md, actual)
    best = min(ws, wm)
    line = (f"{name}: test {test_days[0]}..{test_days[-1]} ({len(test_days)} days, "
            f"{sum(sum(r.values()) for r in actual.values()) / len(test_days):.0f} calls/day) "
            f"wape_lotsen={w:.4f} wape_snaive={ws:.4f} wape_median8={wm:.4f} "
            f"lower_than_best_baseline={(1 - w / best) * 100:.1f}%")
    if truth is not None:
        line += f" wape_true_mean={wape(truth, actual):.4f}"
    print(line, flush=True)
    return w, best


# Swedish holidays and the eves taken as days off, as base/calendar.c counts them.
def easter(y):
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    return dt.date(y, month, (h + l - 7 * m + 114) % 31 + 1)


def holidays(y):
    e = easter(y)
    mids = next(dt.date(y, 6, d) for d in range(20, 27) if dt.date(y, 6, d).weekday() == 5)
    return {dt.date(y, 1, 1), dt.date(y, 1, 6), e - dt.timedelta(2), e + dt.timedelta(1),
            dt.date(y, 5, 1), e + dt.timedelta(39), dt.date(y, 6, 6), mids - dt.timedelta(1),
            dt.date(y, 12, 24), dt.date(y, 12, 25), dt.date(y, 12, 26), dt.date(y, 12, 31)}


def synthetic(calls_per_day, seed, start=dt.date(2024, 1, 8), weeks=72):
    """Weekdays 08:00–16:00 in 30-minute intervals; Monday heavier, Friday lighter; a
    morning peak and a smaller one after lunch; closed on Swedish holidays, the day after
    a holiday 30 % busier; Poisson counts."""
    rng = random.Random(seed)
    weekday = [1.25, 1.05, 1.0, 0.95, 0.75]
    shape = [0.6, 1.3, 1.6, 1.5, 1.3, 1.1, 0.8, 0.7, 1.0, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.4]
    total = sum(shape)
    hol = set().union(*(holidays(y) for y in range(start.year, start.year + 3)))
    days, truth = {}, {}
    for i in range(weeks * 7):
        d = start + dt.timedelta(i)
        if d.weekday() >= 5 or d in hol:
            continue
        prev = d - dt.timedelta(1)
        while prev.weekday() >= 5:
            prev -= dt.timedelta(1)
        level = calls_per_day * weekday[d.weekday()] * (1.3 if prev in hol else 1.0)
        truth[d] = {16 + s: level * shape[s] / total for s in range(len(shape))}
        days[d] = {s: float(poisson(rng, lam)) for s, lam in truth[d].items()}
    return days, truth


def poisson(rng, lam):
    # Knuth's method, in pieces so that exp() does not underflow
    k, left = 0, lam
    p = 1.0
    while True:
        k += 1
        p *= rng.random()
        while p < 1 and left > 0:
            step = min(left, 500.0)
            p *= math.exp(step)
            left -= step
        if p <= 1:
            return k - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["bank", "synthetic"])
    ap.add_argument("lotsen")
    ap.add_argument("data", nargs="?")
    ap.add_argument("--test-days", type=int, default=20)
    ap.add_argument("--closed", default="")
    ap.add_argument("--calls-per-day", default="50,150,300")
    ap.add_argument("--seeds", default="1,2,3")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if a.what == "bank":
            score("bank", a.lotsen, read_counts(a.data), a.test_days, a.closed, tmp)
            return
        for cpd in (int(x) for x in a.calls_per_day.split(",")):
            ratios = []
            for seed in (int(x) for x in a.seeds.split(",")):
                days, truth = synthetic(cpd, seed)
                test = {d: truth[d] for d in sorted(days)[-a.test_days:]}
                w, best = score(f"synthetic {cpd}/day seed {seed}", a.lotsen, days,
                                a.test_days, "", tmp, test)
                ratios.append(w / best)
            print(f"synthetic {cpd}/day: mean lower_than_best_baseline="
                  f"{(1 - sum(ratios) / len(ratios)) * 100:.1f}% over {len(ratios)} seeds")


if __name__ == "__main__":
    sys.exit(main())

"""`lotsen forecast` and `lotsen staffing` from the shell: a small history in, a forecast
and a staffing plan out; bad input ends with exit code 2 and one line naming the line."""
import csv
import datetime as dt
import os
import subprocess
import tempfile
import unittest

from harness import BIN

# Weekdays 08:00–12:00 in 30-minute intervals; Monday busier; closed on holidays.
SHAPE = [4, 8, 10, 9, 7, 6, 5, 3]
HOLIDAYS = {dt.date(2025, 1, 1), dt.date(2025, 1, 6)}


def history_rows(start=dt.date(2024, 11, 4), weeks=10):
    rows = []
    for i in range(weeks * 7):
        d = start + dt.timedelta(i)
        if d.weekday() >= 5 or d in HOLIDAYS or (d.month == 12 and d.day in (24, 25, 26, 31)):
            continue
        for s, n in enumerate(SHAPE):
            t = dt.datetime(d.year, d.month, d.day, 8) + dt.timedelta(minutes=30 * s)
            rows.append((t.strftime("%Y-%m-%dT%H:%M:%SZ"), n * (2 if d.weekday() == 0 else 1)))
    return rows


class ForecastCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def lotsen(self, *args):
        return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)

    def history(self):
        return self.write("history.csv", "interval_start,calls\n" +
                          "".join(f"{t},{n}\n" for t, n in history_rows()))

    def read(self, name):
        with open(self.path(name)) as f:
            return list(csv.DictReader(f))

    def test_forecast_then_staffing(self):
        r = self.lotsen("forecast", "--history", self.history(), "--start", "2025-01-13",
                        "--days", "7", "--interval", "30", "--out", self.path("fc.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.read("fc.csv")
        days = sorted({row["interval_start"][:10] for row in rows})
        # Monday to Friday; the weekend is closed as in the history.
        self.assertEqual(days, [f"2025-01-{d}" for d in range(13, 18)])
        self.assertEqual(len(rows), 5 * len(SHAPE))
        self.assertEqual(rows[0]["interval_start"], "2025-01-13T08:00:00")
        monday = sum(float(x["calls"]) for x in rows if x["interval_start"].startswith("2025-01-13"))
        tuesday = sum(float(x["calls"]) for x in rows if x["interval_start"].startswith("2025-01-14"))
        self.assertAlmostEqual(monday, 2 * sum(SHAPE), delta=0.1 * 2 * sum(SHAPE))
        self.assertAlmostEqual(tuesday, sum(SHAPE), delta=0.1 * sum(SHAPE))

        r = self.lotsen("staffing", "--forecast", self.path("fc.csv"), "--aht", "240",
                        "--patience", "90", "--target-sl", "0.8", "--target-time", "60",
                        "--shrinkage", "0.3", "--max-occupancy", "0.85",
                        "--out", self.path("staff.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = self.read("staff.csv")
        self.assertEqual(list(plan[0].keys()),
                         ["interval_start", "calls", "agents", "agents_erlang_c", "service_level"])
        self.assertEqual(len(plan), len(rows))
        for row in plan:
            self.assertGreaterEqual(int(row["agents"]), 1)
            self.assertGreaterEqual(int(row["agents_erlang_c"]), int(row["agents"]))
            self.assertGreaterEqual(float(row["service_level"]), 0.8)
        # Busier intervals need at least as many agents.
        busiest = max(plan, key=lambda x: float(x["calls"]))
        quietest = min(plan, key=lambda x: float(x["calls"]))
        self.assertGreaterEqual(int(busiest["agents"]), int(quietest["agents"]))

    def test_holidays_are_closed(self):
        # Epiphany (Monday 6 January 2025) is a Swedish holiday: no rows for it.
        r = self.lotsen("forecast", "--history", self.history(), "--start", "2026-01-05",
                        "--days", "3", "--out", self.path("fc.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        days = sorted({row["interval_start"][:10] for row in self.read("fc.csv")})
        self.assertEqual(days, ["2026-01-05", "2026-01-07"])

    def test_closed_dates_and_events(self):
        base = ["forecast", "--history", self.history(), "--start", "2025-01-13", "--days", "5"]
        r = self.lotsen(*base, "--out", self.path("plain.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        events = self.write("events.csv", "date,extra_calls\n2025-01-14,40\n")
        r = self.lotsen(*base, "--closed", "2025-01-15,2025-01-16", "--events", events,
                        "--out", self.path("fc.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)

        def per_day(name):
            out = {}
            for row in self.read(name):
                out[row["interval_start"][:10]] = out.get(row["interval_start"][:10], 0) + float(row["calls"])
            return out
        plain, fc = per_day("plain.csv"), per_day("fc.csv")
        self.assertEqual(sorted(fc), ["2025-01-13", "2025-01-14", "2025-01-17"])
        self.assertAlmostEqual(fc["2025-01-14"] - plain["2025-01-14"], 40, delta=0.1)

        bad = self.write("bad-events.csv", "date,extra_calls\n2025-01-14,lots\n")
        r = self.lotsen(*base, "--events", bad)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("bad-events.csv:2", r.stderr)
        r = self.lotsen(*base, "--closed", "2025-01-32")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--closed", r.stderr)

    def test_bad_input(self):
        good = history_rows()[:3]
        header = "interval_start,calls\n"
        cases = [
            ("count.csv", header + f"{good[0][0]},5\n{good[1][0]},many\n", "count.csv:3"),
            ("date.csv", header + "2025-02-30T08:00:00,5\n", "date.csv:2"),
            ("order.csv", header + f"{good[1][0]},5\n{good[0][0]},5\n", "order.csv:3"),
            ("repeat.csv", header + f"{good[0][0]},5\n{good[0][0]},5\n", "repeat.csv:3"),
            ("step.csv", header + "2025-01-07T08:00:00,5\n2025-01-07T08:02:00,5\n", "step.csv:3"),
            ("header.csv", "when,how_many\n", "header.csv:1"),
            ("negative.csv", header + f"{good[0][0]},-3\n", "negative.csv:2"),
            ("empty.csv", "", "empty.csv"),
        ]
        for name, text, where in cases:
            with self.subTest(name):
                r = self.lotsen("forecast", "--history", self.write(name, text), "--start",
                                "2025-03-03", "--days", "5")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(where, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                r = self.lotsen("staffing", "--forecast", self.path(name), "--aht", "240",
                                "--patience", "90", "--target-sl", "0.8", "--target-time", "60")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(where, r.stderr)

        hist = self.history()
        for args, what in [
            (["--history", self.path("missing.csv"), "--start", "2025-03-03", "--days", "5"],
             "missing.csv"),
            (["--history", hist, "--start", "2025-13-01", "--days", "5"], "--start"),
            (["--history", hist, "--start", "2025-03-03", "--days", "0"], "--days"),
            (["--history", hist, "--start", "2025-03-03", "--days", "5", "--interval", "4"],
             "--interval"),
            (["--history", hist, "--start", "2025-03-03", "--days", "5", "--interval", "7"],
             "--interval"),
            (["--history", hist, "--days", "5"], "--start"),
            (["--history", hist, "--start", "2025-03-03", "--days", "5", "--frobnicate"],
             "--frobnicate"),
        ]:
            with self.subTest(args=args):
                r = self.lotsen("forecast", *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(what, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

        fc = self.write("fc.csv", header + "2025-03-03T08:00:00,5\n2025-03-03T08:30:00,7\n")
        for flag, value in [("--aht", "0"), ("--patience", "x"), ("--target-sl", "1.5"),
                            ("--shrinkage", "1"), ("--max-occupancy", "0")]:
            with self.subTest(flag=flag):
                args = {"--aht": "240", "--patience": "90", "--target-sl": "0.8",
                        "--target-time": "60", flag: value}
                r = self.lotsen("staffing", "--forecast", fc,
                                *[x for kv in args.items() for x in kv])
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(flag, r.stderr)


class ForecastFromDatabaseTest(unittest.TestCase):
    """`lotsen forecast --db`: the history is the queue's own rollups in a database made by
    `lotsen demo` (a year of generated traffic on weekdays 08–16)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = os.path.join(cls.tmp.name, "demo.db")
        r = subprocess.run([BIN, "demo", "--db", cls.db, "--years", "1", "--contacts-per-year", "30000"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def lotsen(self, *args):
        return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)

    def test_forecast_from_the_queue_history(self):
        today = dt.date.today()
        start = today + dt.timedelta(days=7 - today.weekday())  # next Monday
        out = os.path.join(self.tmp.name, "fc.csv")
        r = self.lotsen("forecast", "--db", self.db, "--group", "2", "--channel", "phone",
                        "--start", start.isoformat(), "--days", "7", "--interval", "30", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            rows = list(csv.DictReader(f))
        days = sorted({row["interval_start"][:10] for row in rows})
        # Weekdays only (the demo's groups are closed at weekends), 08:00–16:00.
        self.assertTrue(all(dt.date.fromisoformat(d).weekday() < 5 for d in days), days)
        self.assertGreaterEqual(len(days), 4)
        times = {row["interval_start"][11:16] for row in rows}
        self.assertEqual(min(times), "08:00")
        self.assertEqual(max(times), "15:30")
        self.assertGreater(sum(float(row["calls"]) for row in rows), 0)

    def test_bad_database_input(self):
        cases = [(("--db", self.db, "--group", "99"), "no response group 99"),
                 (("--db", self.db, "--group", "x"), "--group"),
                 (("--db", self.db), "--group is required"),
                 (("--db", os.path.join(self.tmp.name, "none.db"), "--group", "2"), "cannot read"),
                 (("--db", self.db, "--group", "2", "--channel", "email"), "only phone"),
                 (("--db", self.db, "--group", "2", "--interval", "10"), "15-minute"),
                 (("--db", self.db, "--history", "x.csv", "--group", "2"), "not both"),
                 (("--history", "x.csv", "--group", "2"), "go with --db")]
        for args, msg in cases:
            with self.subTest(args=args):
                r = self.lotsen("forecast", *args, "--start", "2030-01-07", "--days", "5")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)
        # Before any history: a clear error.
        r = self.lotsen("forecast", "--db", self.db, "--group", "2", "--start", "2000-01-03", "--days", "5")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no queue history", r.stderr)


if __name__ == "__main__":
    unittest.main()

"""Schedules, coverage and the daily steering board over HTTP: shifts with breaks,
meetings that close the group, absence; who may plan which group; coverage of the
forecast's need by the schedule and its CSV/XLSX exports; today's figures following a call
and the agents logged in; the `wfm` event on the stream; the groups' staffing targets and
the wallboard's summary."""
import datetime as dt
import http.client
import io
import json
import re
import time
import urllib.request
import zipfile
import zoneinfo

from harness import ServerTest

STO = zoneinfo.ZoneInfo("Europe/Stockholm")
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}
WEEKDAYS = {"weekly": {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": "closed"}


def at(day, hh, mm=0):
    """ISO time of a Stockholm wall-clock time."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=STO).isoformat()


def next_monday(weeks=1):
    today = dt.datetime.now(STO).date()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def iso_week(day):
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def add_history(srv, group, calls=6):
    """Twelve weeks of history: `calls` calls per 15 minutes, 08–16 on weekdays."""
    today = dt.datetime.now(STO).date()
    con = srv.connect()
    with con:
        for back in range(1, 85):
            d = today - dt.timedelta(days=back)
            if d.weekday() >= 5:
                continue
            for q in range(32):
                t = dt.datetime(d.year, d.month, d.day, 8, tzinfo=STO) + dt.timedelta(minutes=15 * q)
                start = int(t.timestamp() * 1000)
                # replaces the interval's row (in the SQL of both backends)
                con.execute("DELETE FROM acd_group_intervals WHERE group_id = ? AND start_ms = ?",
                            (group, start))
                con.execute("INSERT INTO acd_group_intervals VALUES"
                            " (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 60000, 0, 20000, ?,"
                            " ?, ?)", (group, start, calls, calls, calls, calls,
                                       calls, calls * 180000, calls * 30000))
    con.close()


class WfmTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = {}
        cls.uid = {u: i for u, i in cls.srv.sql("SELECT username, id FROM users")}
        # Group 1 is open around the clock so that a call can be offered at any hour.
        admin = cls.srv.login("admin")
        r = cls.srv.request("PATCH", "/api/v1/groups/1", {"opening_hours": ALWAYS, "wrapup_s": 0},
                            token=admin)
        assert r.status == 200, r
        r = cls.srv.request("PATCH", "/api/v1/groups/3", {"opening_hours": WEEKDAYS}, token=admin)
        assert r.status == 200, r

    def shift(self, user, day, a, b, group=2, **kw):
        body = {"group_id": group, "user_id": self.uid[user] if user else None,
                "start": at(day, *a), "end": at(day, *b)}
        body.update(kw)
        return body

    def coverage(self, group, day, user="lead.aldre"):
        r = self.api("GET", f"/api/v1/coverage?group_id={group}&date={day.isoformat()}", user=user)
        self.assertEqual(r.status, 200, r)
        return {dt.datetime.fromisoformat(i["start"].replace("Z", "+00:00")).astimezone(STO)
                .strftime("%H:%M"): i for i in r.json["intervals"]}

    # ---- shifts ------------------------------------------------------------------------

    def test_shift_with_break_changes_coverage(self):
        day = next_monday(2)
        r = self.api("POST", "/api/v1/shifts", self.shift("anna", day, (9, 0), (12, 0)),
                     user="lead.aldre")
        self.assertEqual(r.status, 201, r)
        sid = r.json["id"]
        cov = self.coverage(2, day)
        self.assertEqual(cov["09:00"]["scheduled"], 1)
        self.assertEqual(cov["10:15"]["scheduled"], 1)
        self.assertNotIn("12:00", cov)
        # A break 10:15–10:30 takes her off the phones then.
        r = self.api("PATCH", f"/api/v1/shifts/{sid}",
                     {"breaks": [{"start": at(day, 10, 15), "end": at(day, 10, 30)}]}, user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["breaks"]), 1)
        cov = self.coverage(2, day)
        self.assertEqual(cov["10:15"]["scheduled"], 0)
        self.assertEqual(cov["10:30"]["scheduled"], 1)
        # Sick that morning: nothing left before 11.
        r = self.api("POST", "/api/v1/shifts",
                     self.shift("anna", day, (8, 0), (11, 0), kind="sick"), user="lead.aldre")
        self.assertEqual(r.status, 201, r)
        cov = self.coverage(2, day)
        self.assertEqual(cov.get("09:00", {"scheduled": 0})["scheduled"], 0)
        self.assertEqual(cov["11:00"]["scheduled"], 1)
        # The agent sees her own schedule, with the absence.
        r = self.api("GET", f"/api/v1/schedules?week={iso_week(day)}", user="anna")
        self.assertEqual(r.status, 200, r)
        self.assertEqual({s["kind"] for s in r.json["shifts"]}, {"shift", "sick"})
        self.assertTrue(all(s["user_id"] in (None, self.uid["anna"]) for s in r.json["shifts"]))
        # …and an agent of the same group does not see it.
        r = self.api("GET", f"/api/v1/schedules?week={iso_week(day)}", user="sara")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["shifts"], [])
        self.assertEqual(self.api("DELETE", f"/api/v1/shifts/{sid}", user="lead.aldre").status, 204)
        self.assertEqual(self.api("GET", f"/api/v1/shifts/{sid}", user="lead.aldre").status, 404)
        self.assertEqual(self.api("DELETE", f"/api/v1/shifts/{sid}", user="lead.aldre").status, 404)

    def test_bad_shifts(self):
        day = next_monday(3)
        r = self.api("POST", "/api/v1/shifts", self.shift("erik", day, (8, 0), (12, 0)), user="lead.aldre")
        self.assertEqual(r.status, 201, r)
        # Overlapping the same agent's shift: 409, nothing stored.
        r = self.api("POST", "/api/v1/shifts", self.shift("erik", day, (11, 0), (15, 0)), user="lead.aldre")
        self.assertProblem(r, 409)
        # …also when in another of the agent's groups.
        r = self.api("POST", "/api/v1/shifts", self.shift("erik", day, (11, 0), (15, 0), group=3),
                     user="admin")
        self.assertProblem(r, 409)
        self.assertProblem(self.api("POST", "/api/v1/shifts", self.shift("erik", day, (12, 0), (8, 0)),
                                    user="lead.aldre"), 422, "end")
        self.assertProblem(self.api("POST", "/api/v1/shifts", self.shift("erik", day, (8, 0), (8, 0)),
                                    user="lead.aldre"), 422, "end")
        body = self.shift("erik", day, (13, 0), (15, 0))
        body["user_id"] = 999999
        self.assertProblem(self.api("POST", "/api/v1/shifts", body, user="lead.aldre"), 422, "user_id")
        body["user_id"] = "anna"
        self.assertProblem(self.api("POST", "/api/v1/shifts", body, user="lead.aldre"), 422, "user_id")
        # Lars is not in the group.
        self.assertProblem(self.api("POST", "/api/v1/shifts", self.shift("lars", day, (13, 0), (15, 0)),
                                    user="admin"), 422, "user_id")
        self.assertProblem(self.api("POST", "/api/v1/shifts",
                                    self.shift("erik", day, (13, 0), (15, 0), kind="nap"),
                                    user="lead.aldre"), 422, "kind")
        self.assertProblem(self.api("POST", "/api/v1/shifts",
                                    self.shift("erik", day, (13, 0), (15, 0), start="kl 13"),
                                    user="lead.aldre"), 422, "start")
        self.assertProblem(self.api("POST", "/api/v1/shifts",
                                    self.shift("erik", day, (13, 0), (15, 0),
                                               breaks=[{"start": at(day, 16), "end": at(day, 16, 15)}]),
                                    user="lead.aldre"), 422, "breaks[0]")
        self.assertProblem(self.api("POST", "/api/v1/shifts", self.shift(None, day, (13, 0), (15, 0)),
                                    user="lead.aldre"), 422, "user_id")
        self.assertProblem(self.api("POST", "/api/v1/shifts", raw=b"{not json", user="lead.aldre"), 400)
        self.assertProblem(self.api("POST", "/api/v1/shifts", [1, 2], user="lead.aldre"), 400)
        r = self.api("GET", f"/api/v1/schedules?group_id=2&week={iso_week(day)}", user="lead.aldre")
        self.assertEqual(len([s for s in r.json["shifts"] if s["user_id"] == self.uid["erik"]]), 1, r)
        self.assertProblem(self.api("PATCH", "/api/v1/shifts/999999", {"note": "x"}, user="lead.aldre"), 404)

    # ---- weeks ---------------------------------------------------------------------

    def test_week_put_with_a_meeting_that_closes_the_group(self):
        day = next_monday(4)
        week = iso_week(day)
        body = {"shifts": [self.shift("anna", day, (8, 0), (16, 0)),
                           self.shift("sara", day, (8, 0), (16, 0)),
                           self.shift(None, day, (13, 0), (14, 0), kind="meeting", closes_group=True,
                                      note="APT")]}
        r = self.api("PUT", f"/api/v1/schedules?group_id=2&week={week}", body, user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["shifts"]), 3)
        meeting = [s for s in r.json["shifts"] if s["kind"] == "meeting"][0]
        self.assertTrue(meeting["closes_group"])
        closures = self.srv.sql("SELECT reason FROM closures WHERE id = ?", meeting["closure_id"])
        self.assertEqual(closures, [("Möte: APT",)])
        cov = self.coverage(2, day)
        self.assertEqual(cov["12:45"]["scheduled"], 2)
        self.assertEqual(cov["13:00"]["scheduled"], 0)
        r = self.api("GET", f"/api/v1/schedules?group_id=2&week={week}", user="lead.aldre")
        self.assertEqual(len(r.json["shifts"]), 3)
        self.assertIn(self.uid["anna"], [a["user_id"] for a in r.json["agents"]])
        # Overlapping shifts in the body: 409 and the week as it was.
        bad = {"shifts": [self.shift("anna", day, (8, 0), (12, 0)), self.shift("anna", day, (11, 0), (16, 0))]}
        self.assertProblem(self.api("PUT", f"/api/v1/schedules?group_id=2&week={week}", bad,
                                    user="lead.aldre"), 409)
        # A shift outside the week: 422 naming it.
        late = {"shifts": [self.shift("anna", day + dt.timedelta(days=7), (8, 0), (12, 0))]}
        self.assertProblem(self.api("PUT", f"/api/v1/schedules?group_id=2&week={week}", late,
                                    user="lead.aldre"), 422, "shifts[0].")
        r = self.api("GET", f"/api/v1/schedules?group_id=2&week={week}", user="lead.aldre")
        self.assertEqual(len(r.json["shifts"]), 3)
        # Emptying the week removes the meeting's closure too.
        r = self.api("PUT", f"/api/v1/schedules?group_id=2&week={week}", {"shifts": []}, user="lead.aldre")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM closures WHERE id = ?", meeting["closure_id"]),
                         [(0,)])
        for w in ("2026-W54", "2026W50", "2026-W5", "vecka 50", "2027-W53"):
            self.assertProblem(self.api("GET", f"/api/v1/schedules?group_id=2&week={w}",
                                        user="lead.aldre"), 400)
        self.assertProblem(self.api("PUT", f"/api/v1/schedules?group_id=2&week={week}", {"shifts": 3},
                                    user="lead.aldre"), 422, "shifts")
        self.assertProblem(self.api("GET", "/api/v1/schedules?group_id=999", user="admin"), 404)
        self.assertProblem(self.api("GET", "/api/v1/schedules", user="admin"), 400)

    # ---- roles ---------------------------------------------------------------------

    def test_who_may_plan(self):
        day = next_monday(5)
        week = iso_week(day)
        r = self.api("POST", "/api/v1/shifts", self.shift("sara", day, (8, 0), (12, 0)), user="lead.aldre")
        self.assertEqual(r.status, 201, r)
        sid = r.json["id"]
        new = self.shift("sara", day, (13, 0), (15, 0))
        paths = [("GET", f"/api/v1/schedules?group_id=2&week={week}", None),
                 ("PUT", f"/api/v1/schedules?group_id=2&week={week}", {"shifts": []}),
                 ("POST", "/api/v1/shifts", new),
                 ("PATCH", f"/api/v1/shifts/{sid}", {"note": "x"}),
                 ("DELETE", f"/api/v1/shifts/{sid}", None),
                 ("GET", f"/api/v1/coverage?group_id=2&date={day}", None),
                 ("GET", f"/api/v1/coverage.csv?group_id=2&date={day}", None),
                 ("GET", f"/api/v1/coverage.xlsx?group_id=2&date={day}", None),
                 ("GET", "/api/v1/wfm/today?group_id=2", None)]
        for user in ("lead.forskola", "viewer.aldre"):  # a lead of other groups, a department
            for method, path, body in paths:
                with self.subTest(user=user, path=path, method=method):
                    self.assertProblem(self.api(method, path, body, user=user), 403)
        for method, path, body in paths:
            if method == "GET" and "schedules" in path:
                continue
            with self.subTest(user="sara", path=path, method=method):
                self.assertProblem(self.api(method, path, body, user="sara"), 403)
        # The agent reads her own shift; another agent does not.
        self.assertEqual(self.api("GET", f"/api/v1/shifts/{sid}", user="sara").status, 200)
        self.assertProblem(self.api("GET", f"/api/v1/shifts/{sid}", user="anna"), 403)
        self.assertProblem(self.api("GET", f"/api/v1/schedules?group_id=4&week={week}", user="sara"), 403)
        # A manager of another unit plans every group; so does the lead of the group.
        for user in ("chef.barn", "lead.aldre"):
            for method, path, body in paths[:1] + paths[5:7] + paths[8:]:
                with self.subTest(user=user, path=path):
                    self.assertEqual(self.api(method, path, body, user=user).status, 200)
        r = self.api("POST", "/api/v1/shifts", new, user="chef.barn")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.api("DELETE", f"/api/v1/shifts/{r.json['id']}", user="chef.barn").status, 204)
        self.assertEqual(self.api("GET", "/api/v1/schedules?group_id=2", user=None).status, 401)

    # ---- coverage from history ---------------------------------------------------------

    def test_coverage_needs_from_history_and_exports(self):
        # Twelve weeks of history for group 3: 6 calls per 15 minutes, 08–16 on weekdays.
        add_history(self.srv, 3)
        day = next_monday(6) + dt.timedelta(days=1)  # a Tuesday
        r = self.api("POST", "/api/v1/shifts", self.shift("erik", day, (8, 0), (12, 0), group=3), user="admin")
        self.assertEqual(r.status, 201, r)
        r = self.api("GET", f"/api/v1/coverage?group_id=3&date={day}", user="admin")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["forecast_available"])
        self.assertAlmostEqual(r.json["params"]["aht_s"], 210, delta=1)
        iv = {dt.datetime.fromisoformat(i["start"].replace("Z", "+00:00")).astimezone(STO).strftime("%H:%M"): i
              for i in r.json["intervals"]}
        self.assertAlmostEqual(iv["10:00"]["forecast"], 6, delta=0.6)
        self.assertGreaterEqual(iv["10:00"]["needed"], 2)
        self.assertEqual(iv["10:00"]["scheduled"], 1)
        self.assertEqual(iv["10:00"]["status"], "short")
        self.assertEqual(iv["13:00"]["scheduled"], 0)
        self.assertLess(iv["13:00"]["gap"], 0)
        self.assertGreater(r.json["totals"]["short_hours"], 0)
        r = self.api("GET", f"/api/v1/coverage.csv?group_id=3&date={day}", user="admin")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        raw = r.body if isinstance(r.body, bytes) else r.body.encode()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        lines = raw.decode("utf-8-sig").splitlines()
        self.assertEqual(lines[0].split(";")[0], "Intervall")
        row10 = [line for line in lines if f"{day} 10:00" in line][0].split(";")
        self.assertIn(",", row10[1])  # decimal comma
        self.assertEqual(row10[5], "underbemannat")
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.srv.port}/api/v1/coverage.xlsx?group_id=3&date={day}",
            headers={"Authorization": f"Bearer {self.token('admin')}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.headers["Content-Type"],
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            body = resp.read()
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            self.assertIsNone(z.testzip())
            self.assertIn("underbemannat", z.read("xl/sharedStrings.xml").decode())
        self.assertProblem(self.api("GET", "/api/v1/coverage?group_id=3&date=2026-13-01", user="admin"), 400)
        self.assertProblem(self.api("GET", "/api/v1/coverage?date=2026-12-01", user="admin"), 400)
        # A day without history for its group still shows the schedule.
        r = self.api("GET", f"/api/v1/coverage?group_id=2&date={day}", user="admin")
        self.assertFalse(r.json["forecast_available"])

    # ---- today ---------------------------------------------------------------------

    def test_board_follows_calls_and_logins(self):
        now = dt.datetime.now(STO)
        start = now - dt.timedelta(hours=1)
        end = now + dt.timedelta(hours=2)
        if start.date() != now.date() or end.date() != now.date():
            self.skipTest("too close to midnight for a shift around now")
        body = {"group_id": 1, "user_id": self.uid["fatima"], "start": start.isoformat(),
                "end": end.isoformat()}
        r = self.api("POST", "/api/v1/shifts", body, user="admin")
        self.assertEqual(r.status, 201, r)

        def current():
            r = self.api("GET", "/api/v1/wfm/today?group_id=1", user="lead.forskola")
            self.assertEqual(r.status, 200, r)
            cur = [i for i in r.json["intervals"] if i["current"]]
            self.assertEqual(len(cur), 1, r.json)
            return r.json, cur[0]

        board, cur = current()
        before = cur["actual"]
        self.assertEqual(cur["scheduled"], 1)
        r = self.api("POST", "/api/v1/acd/calls", {"group_id": 1}, user="admin")
        self.assertEqual(r.status, 201, r)
        board, cur = current()
        self.assertEqual(cur["actual"], before + 1)
        self.assertEqual(cur["login_rate"], 0)
        r = self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_in"}, user="fatima")
        self.assertEqual(r.status, 200, r)
        board, cur = current()
        self.assertEqual(cur["logged_in"], 1)
        self.assertEqual(cur["login_rate"], 1)
        self.assertIsNotNone(board["totals"]["login_rate"])
        # The queue's interval figures carry the login rate once shifts exist.
        r = self.api("GET", "/api/v1/acd/intervals?group_id=1", user="lead.forskola")
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(r.json["agents"]["login_rate"])
        r = self.api("GET", "/api/v1/acd/intervals?group_id=6", user="admin")
        self.assertIsNone(r.json["agents"]["login_rate"])
        self.api("POST", "/api/v1/acd/agents/me/state", {"state": "logged_out"}, user="fatima")

    # ---- the stream ----------------------------------------------------------------

    def stream(self, user):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=30)
        conn.request("GET", "/api/v1/acd/stream", headers={"Authorization": "Bearer " + self.token(user)})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        return conn, resp

    def events(self, resp, until, deadline_s=20):
        """Reads (event, data) pairs until `until(event, data)` is true; returns all read.
        The deadline is generous: the test waits for what must come, it does not time it."""
        seen, ev = [], None
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            line = resp.fp.readline().decode()
            if line.startswith("event: "):
                ev = line[7:].strip()
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                seen.append((ev, data))
                if until(ev, data):
                    return seen
        self.fail(f"the stream did not bring what was awaited; it brought {[e for e, _ in seen]}")

    def offered_today(self, group):
        r = self.api("GET", f"/api/v1/acd/groups/{group}", user="admin")
        self.assertEqual(r.status, 200, r)
        return r.json["today"]["offered"]

    def test_lead_hears_the_wfm_event_when_a_call_is_offered(self):
        conn, resp = self.stream("lead.forskola")
        before = self.offered_today(1)
        # The snapshot of every group comes first; then the call.
        self.events(resp, lambda e, d: e == "group" and d["group_id"] == 1)
        r = self.api("POST", "/api/v1/acd/calls", {"group_id": 1}, user="admin")
        self.assertEqual(r.status, 201, r)
        seen = self.events(resp, lambda e, d: e == "wfm" and d["group_id"] == 1
                           and d["today"]["offered"] == before + 1)
        wfm = seen[-1][1]
        self.assertEqual(set(wfm), {"group_id", "at", "today", "agents"}, wfm)
        self.assertIn("logged_in", wfm["agents"])
        self.assertRegex(wfm["at"], r"^\d{4}-\d\d-\d\dT")
        # The event comes right after the group's own snapshot of the same moment.
        self.assertEqual(seen[-2][0], "group")
        self.assertEqual(seen[-2][1]["today"], wfm["today"])
        conn.close()
        # …and the board it tells the lead to refetch counts the call.
        board = self.api("GET", "/api/v1/wfm/today?group_id=1", user="lead.forskola").json
        self.assertEqual(board["totals"]["actual_today"], wfm["today"]["offered"], board["totals"])
        self.api("POST", f"/api/v1/acd/calls/{r.json['call_id']}/hangup", user="admin")

    def test_agents_get_no_wfm_events(self):
        conn, resp = self.stream("sara")
        self.events(resp, lambda e, d: e == "group" and d["group_id"] == 1)
        calls = []
        for _ in range(2):
            n = self.offered_today(1)
            r = self.api("POST", "/api/v1/acd/calls", {"group_id": 1}, user="admin")
            self.assertEqual(r.status, 201, r)
            calls.append(r.json["call_id"])
            seen = self.events(resp, lambda e, d: e == "group" and d["group_id"] == 1
                               and d["today"]["offered"] >= n + 1)
            # For a lead the wfm event follows the group event at once; here, between the
            # first call's snapshot and the second's, there is none.
            self.assertNotIn("wfm", [e for e, _ in seen])
        conn.close()
        for c in calls:
            self.api("POST", f"/api/v1/acd/calls/{c}/hangup", user="admin")

    # ---- targets -------------------------------------------------------------------

    def test_targets_roles_and_bad_input(self):
        path = "/api/v1/groups/4/wfm-targets"
        r = self.api("GET", path, user="chef.barn")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"group_id": 4, "target_sl": 0.85, "target_time_s": 60, "max_occupancy": 0.85,
                                  "shrinkage": 0.15, "default": True})
        # The lead of another group reads but may not change them; agents and departments
        # neither.
        self.assertEqual(self.api("GET", path, user="lead.aldre").status, 200)
        for user in ("lead.aldre", "sara"):
            with self.subTest(user=user):
                self.assertProblem(self.api("PUT", path, {"target_sl": 0.8}, user=user), 403)
        for user in ("sara", "viewer.aldre"):
            with self.subTest(user=user):
                self.assertProblem(self.api("GET", path, user=user), 403)
        self.assertEqual(self.api("PUT", path, {"target_sl": 0.8}, user=None).status, 401)
        bad = [({"target_sl": 1}, "target_sl"), ({"target_sl": 0.2}, "target_sl"), ({"target_sl": "0.8"}, "target_sl"),
               ({"target_sl": None}, "target_sl"), ({"target_time_s": 0}, "target_time_s"),
               ({"target_time_s": 20.5}, "target_time_s"), ({"target_time_s": 3601}, "target_time_s"),
               ({"max_occupancy": 1.2}, "max_occupancy"), ({"max_occupancy": 0.1}, "max_occupancy"),
               ({"shrinkage": -0.1}, "shrinkage"), ({"shrinkage": 0.95}, "shrinkage"),
               ({"shrinkage": True}, "shrinkage"), ({"service_level": 0.8}, "service_level")]
        for body, field in bad:
            with self.subTest(body=body):
                self.assertProblem(self.api("PUT", path, body, user="chef.barn"), 422, field)
        # Two bad fields name both, and nothing is stored.
        r = self.api("PUT", path, {"target_sl": 2, "shrinkage": 0.1, "max_occupancy": "hög"}, user="chef.barn")
        self.assertProblem(r, 422)
        self.assertEqual(sorted(e["field"] for e in r.json["errors"]), ["max_occupancy", "target_sl"])
        self.assertEqual(self.srv.sql("SELECT COUNT(*) FROM wfm_targets WHERE group_id = 4"), [(0,)])
        self.assertProblem(self.api("PUT", path, raw=b"{\"target_sl\": 0.8", user="chef.barn"), 400)
        self.assertProblem(self.api("PUT", path, [0.8], user="chef.barn"), 400)
        self.assertProblem(self.api("PUT", "/api/v1/groups/999/wfm-targets", {"target_sl": 0.8}, user="admin"), 404)
        self.assertProblem(self.api("GET", "/api/v1/groups/999/wfm-targets", user="admin"), 404)
        # Only what is given changes.
        r = self.api("PUT", path, {"target_sl": 0.8, "target_time_s": 30}, user="chef.barn")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"group_id": 4, "target_sl": 0.8, "target_time_s": 30, "max_occupancy": 0.85,
                                  "shrinkage": 0.15, "default": False})
        r = self.api("PUT", path, {"shrinkage": 0.3}, user="lead.forskola")  # the group's lead
        self.assertEqual((r.json["target_sl"], r.json["shrinkage"]), (0.8, 0.3), r.json)
        self.assertEqual(self.srv.sql("SELECT service_level, target_time_s, shrinkage, max_occupancy"
                                      " FROM wfm_targets WHERE group_id = 4"), [(0.8, 30, 0.3, 0.85)])
        self.assertIn(("update",), self.srv.sql("SELECT action FROM audit_log WHERE entity = 'wfm_targets'"
                                                " AND entity_id = 4"))

    def test_coverage_and_board_staff_to_the_groups_targets(self):
        add_history(self.srv, 5, calls=20)
        day = next_monday(7) + dt.timedelta(days=2)  # a Wednesday

        def needed():
            r = self.api("GET", f"/api/v1/coverage?group_id=5&date={day}", user="admin")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["forecast_available"], r.json)
            return r.json["params"], {i["start"]: i["needed"] for i in r.json["intervals"]}

        params, before = needed()
        self.assertEqual((params["target_sl"], params["shrinkage"]), (0.85, 0.15))
        r = self.api("PUT", "/api/v1/groups/5/wfm-targets",
                     {"target_sl": 0.95, "target_time_s": 20, "shrinkage": 0.4, "max_occupancy": 0.7},
                     user="lead.forskola")  # the group's lead
        self.assertEqual(r.status, 200, r)
        params, after = needed()
        self.assertEqual((params["target_sl"], params["target_time_s"], params["shrinkage"], params["max_occupancy"]),
                         (0.95, 20, 0.4, 0.7))
        self.assertEqual(before.keys(), after.keys())
        self.assertTrue(all(after[k] >= before[k] for k in before), (before, after))
        self.assertGreater(sum(after.values()), sum(before.values()))
        board = self.api("GET", "/api/v1/wfm/today?group_id=5", user="admin").json
        self.assertEqual(board["params"]["target_sl"], 0.95, board["params"])

    # ---- numbers and the wallboard's summary ---------------------------------------

    def test_fractions_read_cleanly(self):
        add_history(self.srv, 6, calls=7)
        self.api("PUT", "/api/v1/groups/6/wfm-targets", {"target_sl": 0.85, "shrinkage": 0.07,
                                                        "max_occupancy": 0.83}, user="admin")
        day = next_monday(2) + dt.timedelta(days=1)
        noise = re.compile(rb"\d\.\d{5,}")
        for path in (f"/api/v1/coverage?group_id=6&date={day}", "/api/v1/wfm/today?group_id=6",
                     "/api/v1/groups/6/wfm-targets", "/api/v1/wfm/summary"):
            with self.subTest(path=path):
                r = self.api("GET", path, user="admin")
                self.assertEqual(r.status, 200, r)
                raw = r.body if isinstance(r.body, bytes) else r.body.encode()
                self.assertIsNone(noise.search(raw), raw[:2000])
        raw = self.api("GET", "/api/v1/groups/6/wfm-targets", user="admin").body
        raw = raw if isinstance(raw, bytes) else raw.encode()
        self.assertIn(b'"target_sl":0.85', raw)
        self.assertIn(b'"shrinkage":0.07', raw)

    def test_wallboard_summary_counts_the_days_calls(self):
        def group1(user="sara"):
            r = self.api("GET", "/api/v1/wfm/summary", user=user)
            self.assertEqual(r.status, 200, r)
            return [g for g in r.json["groups"] if g["group_id"] == 1][0], r.json

        g, whole = group1()
        self.assertEqual(len(whole["groups"]), len(self.srv.sql("SELECT id FROM groups")))
        self.assertEqual(set(g), {"group_id", "forecast_available", "forecast_day", "forecast_to_now",
                                  "actual_today", "reforecast_day", "needed_now", "scheduled_now",
                                  "logged_in_now", "login_rate"})
        r = self.api("POST", "/api/v1/acd/calls", {"group_id": 1}, user="admin")
        self.assertEqual(r.status, 201, r)
        after, _ = group1()
        self.assertEqual(after["actual_today"], g["actual_today"] + 1)
        self.api("POST", f"/api/v1/acd/calls/{r.json['call_id']}/hangup", user="admin")
        self.assertProblem(self.api("GET", "/api/v1/wfm/summary", user="viewer.aldre"), 403)
        self.assertEqual(self.api("GET", "/api/v1/wfm/summary", user=None).status, 401)

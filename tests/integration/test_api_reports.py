"""Monthly report and invoice basis over HTTP: who sees which client, bad months, and
invoice lines that trace back to real cases."""
import datetime
import io
import os
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zoneinfo

from harness import ServerTest

VIEWER = "viewer.aldre"  # client viewer of client 1 (Äldreförvaltningen)


def this_month():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")


class ReportTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo's cases are from the last 60 days; one logged now makes sure the
        # current month has a case for client 1 even on the 1st.
        g, c, k, ch = cls.srv.sql("SELECT group_id, client_id, category_id, channel FROM cases"
                                  " WHERE client_id = 1 AND outcome = 'resolved' LIMIT 1")[0]
        r = cls.srv.request("POST", "/api/v1/cases",
                            {"group_id": g, "client_id": c, "category_id": k, "channel": ch,
                             "outcome": "resolved", "summary": "Fråga om hemtjänst"},
                            token=cls.srv.login("anna"))
        assert r.status == 201, r
        cls.month = this_month()

    def test_monthly_for_a_manager_has_rows_and_totals(self):
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}", user="chef.stod")
        self.assertEqual(r.status, 200, r)
        rep = r.json
        self.assertEqual(rep["month"], self.month)
        self.assertGreater(len(rep["rows"]), 0)
        self.assertEqual(sum(x["cases"] for x in rep["rows"]), rep["totals"]["cases"])
        for key in ("fcr", "fcr_incl_guided", "channels", "complaints", "praise", "calls"):
            self.assertIn(key, rep["totals"])
        self.assertIn("previous", rep)
        self.assertEqual(rep["change"]["cases"],
                         rep["totals"]["cases"] - rep["previous"]["totals"]["cases"])
        # no citizen data in a report
        self.assertNotIn("citizen", r.body)
        self.assertNotIn("summary", r.body)

    def test_client_viewer_sees_only_its_own_client(self):
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}", user=VIEWER)
        self.assertEqual(r.status, 200, r)
        self.assertGreater(len(r.json["rows"]), 0)
        self.assertEqual({x["client_id"] for x in r.json["rows"]}, {1})
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}&client_id=1", user=VIEWER)
        self.assertEqual(r.status, 200, r)
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}&client_id=3", user=VIEWER)
        self.assertProblem(r, 403)
        r = self.api("GET", f"/api/v1/reports/invoice?month={self.month}&client_id=3", user=VIEWER)
        self.assertProblem(r, 403)
        r = self.api("GET", f"/api/v1/reports/invoice?month={self.month}", user=VIEWER)
        self.assertEqual(r.status, 200, r)
        self.assertEqual({a["client_id"] for a in r.json["agreements"]}, {1})

    def test_agents_may_not_read_reports(self):
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}", user="anna")
        self.assertProblem(r, 403)

    def test_bad_month_is_400_naming_month(self):
        for bad in ("2026-13", "2026-3", "mars", ""):
            r = self.api("GET", f"/api/v1/reports/monthly?month={bad}", user="admin")
            self.assertProblem(r, 400, "month")
        r = self.api("GET", "/api/v1/reports/invoice", user="admin")
        self.assertProblem(r, 400, "month")

    def test_invoice_lines_reference_existing_cases(self):
        r = self.api("GET", f"/api/v1/reports/invoice?month={self.month}", user="admin")
        self.assertEqual(r.status, 200, r)
        inv = r.json
        ids = [i for a in inv["agreements"] for line in a["lines"] for i in line.get("case_ids", [])]
        self.assertGreater(len(ids), 0)
        rows = dict(self.srv.sql("SELECT id, client_id FROM cases WHERE id IN (%s)"
                                 % ",".join("?" * len(ids)), *ids))
        self.assertEqual(set(rows), set(ids))
        for a in inv["agreements"]:
            for line in a["lines"]:
                for i in line.get("case_ids", []):
                    self.assertEqual(rows[i], a["client_id"])
                if line["kind"] == "cases" and line["price"] is not None:
                    self.assertAlmostEqual(line["amount"], line["count"] * line["price"], places=2)
        self.assertAlmostEqual(inv["amount"], sum(c["amount"] for c in inv["clients"]), places=2)

    def get_bytes(self, path, user="admin"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.srv.port}{path}")
        req.add_header("Authorization", f"Bearer {self.token(user)}")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def test_monthly_as_xlsx(self):
        rep = self.api("GET", f"/api/v1/reports/monthly?month={self.month}", user="chef.stod").json
        status, headers, body = self.get_bytes(
            f"/api/v1/reports/monthly?month={self.month}&format=xlsx", user="chef.stod")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertEqual(headers["Content-Disposition"],
                         f'attachment; filename="manadsrapport-{self.month}.xlsx"')
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            self.assertIsNone(z.testzip())
            workbook = z.read("xl/workbook.xml").decode()
            self.assertEqual(re.findall(r'<sheet name="([^"]+)"', workbook),
                             ["Ärenden", "Samtal", "Jämförelse", "Fördelning", "Diagram",
                              "Belastning", "E-post"])
            strings = z.read("xl/sharedStrings.xml").decode()
            self.assertIn("Lotsens kommun – Ärenden per svarsgrupp och förvaltning,", strings)
            self.assertIn("<t>Totalt</t>", strings)
            # the totals row comes after the title, an empty row, the header and the rows;
            # its case count (column C) is the report's
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
            row = 3 + len(rep["rows"]) + 1
            m = re.search(rf'<c r="C{row}"[^>]*><v>([^<]*)</v>', sheet)
            self.assertIsNotNone(m, sheet[-2000:])
            self.assertEqual(int(m.group(1)), rep["totals"]["cases"])
            # Belastning: måndag–söndag on rows 4–10, hours 00–23 in columns B–Y, each the
            # JSON's busy_hours; the charts read the Diagram and Belastning sheets
            sheet = z.read("xl/worksheets/sheet6.xml").decode()
            cells = dict(re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*><v>([^<]*)</v>', sheet))
            for d, hours in enumerate(rep["busy_hours"]["offered"]):
                for h, n in enumerate(hours):
                    self.assertEqual(int(cells[f"{chr(ord('B') + h)}{d + 4}"]), n, (d, h))
            self.assertIn("<c:f>Diagram!$B$4:", z.read("xl/charts/chart1.xml").decode())
            self.assertIn("<c:f>Belastning!$B$11:$Y$11</c:f>",
                          z.read("xl/charts/chart3.xml").decode())

    def test_xlsx_for_a_client_viewer_and_the_invoice(self):
        status, _, _ = self.get_bytes(
            f"/api/v1/reports/monthly?month={self.month}&client_id=3&format=xlsx", user=VIEWER)
        self.assertEqual(status, 403)
        status, headers, body = self.get_bytes(
            f"/api/v1/reports/invoice?month={self.month}&format=xlsx", user=VIEWER)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Disposition"],
                         f'attachment; filename="fakturaunderlag-{self.month}.xlsx"')
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            workbook = z.read("xl/workbook.xml").decode()
            self.assertEqual(re.findall(r'<sheet name="([^"]+)"', workbook),
                             ["Fakturaunderlag", "Ärenden"])
            strings = z.read("xl/sharedStrings.xml").decode()
            self.assertIn("Äldreförvaltningen", strings)
            self.assertNotIn("Kommunstyrelsen", strings)

    def test_csv_opens_in_swedish_excel(self):
        # UTF-8 with a byte order mark, ';' between fields, decimal comma; as a file
        status, headers, body = self.get_bytes(
            f"/api/v1/reports/period?period={self.month}&format=csv", user=VIEWER)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(headers["Content-Disposition"], f'attachment; filename="rapport-{self.month}.csv"')
        self.assertTrue(body.startswith(b"\xef\xbb\xbfM\xc3\xa5nad;Svarsgrupp;F\xc3\xb6rvaltning;"), body[:60])
        text = body[3:].decode("utf-8")
        self.assertIn("Äldreförvaltningen", text)
        self.assertNotIn("Kommunstyrelsen", text)
        self.assertRegex(text, r";\d+,\d;")  # a share such as 57,1
        self.assertIn(";Kategori;", text)
        status, _, body = self.get_bytes(f"/api/v1/reports/invoice?month={self.month}&format=csv", user=VIEWER)
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith("\ufeffMånad;Förvaltning;Avtal;".encode()), body[:60])
        status, _, _ = self.get_bytes(f"/api/v1/reports/period?period={self.month}&client_id=3&format=csv",
                                      user=VIEWER)
        self.assertEqual(status, 403)

    def test_monthly_as_pdf_renders(self):
        status, headers, body = self.get_bytes(
            f"/api/v1/reports/monthly?month={self.month}&format=pdf", user="chef.stod")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(headers["Content-Disposition"],
                         f'attachment; filename="manadsrapport-{self.month}.pdf"')
        self.assertTrue(body.startswith(b"%PDF-"))
        with tempfile.TemporaryDirectory() as d:
            pdf = os.path.join(d, "rapport.pdf")
            with open(pdf, "wb") as f:
                f.write(body)
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", pdf,
                            os.path.join(d, "sida")], check=True, timeout=60)
            pngs = [n for n in os.listdir(d) if n.endswith(".png")]
            self.assertEqual(len(pngs), 1, pngs)
            png = os.path.join(d, pngs[0])
            self.assertGreater(os.path.getsize(png), 0)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            # page 2 is the busy hours, "När ringer medborgarna?", with every weekday
            text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", pdf, "-"], check=True,
                                  timeout=60, capture_output=True, text=True).stdout
        self.assertIn("När ringer medborgarna?", text)
        for day in ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"):
            self.assertIn(day, text)

    def test_unknown_format_is_400_naming_format(self):
        r = self.api("GET", f"/api/v1/reports/monthly?month={self.month}&format=docx", user="admin")
        self.assertProblem(r, 400, "format")
        r = self.api("GET", f"/api/v1/reports/invoice?month={self.month}&format=docx", user="admin")
        self.assertProblem(r, 400, "format")

    def test_invoice_as_pdf_renders_with_its_case_ids(self):
        inv = self.api("GET", f"/api/v1/reports/invoice?month={self.month}&client_id=1",
                       user=VIEWER).json
        status, headers, body = self.get_bytes(
            f"/api/v1/reports/invoice?month={self.month}&format=pdf", user=VIEWER)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(headers["Content-Disposition"],
                         f'attachment; filename="fakturaunderlag-{self.month}.pdf"')
        with tempfile.TemporaryDirectory() as d:
            pdf = os.path.join(d, "faktura.pdf")
            with open(pdf, "wb") as f:
                f.write(body)
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", pdf,
                            os.path.join(d, "sida")], check=True, timeout=60)
            self.assertEqual(len([n for n in os.listdir(d) if n.endswith(".png")]), 1)
            text = subprocess.run(["pdftotext", pdf, "-"], check=True, timeout=60,
                                  capture_output=True, text=True).stdout
        self.assertIn("Fakturaunderlag", text)
        self.assertIn("Äldreförvaltningen", text)
        self.assertNotIn("Kommunstyrelsen", text)
        ids = [i for a in inv["agreements"] for l in a["lines"] for i in l.get("case_ids", [])]
        self.assertGreater(len(ids), 0)
        for i in ids:
            self.assertRegex(text, rf"\b{i}\b")

    # --- periods, rollups and stored reports -------------------------------------------

    def test_periods_tertial_year_and_range(self):
        now = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Stockholm"))
        tertial = f"{now.year}-T{(now.month - 1) // 4 + 1}"
        monthly = self.api("GET", f"/api/v1/reports/monthly?month={self.month}",
                           user="chef.stod").json
        for period, kind in ((tertial, "tertial"), (str(now.year), "year"),
                             (f"{self.month}-01..{now.strftime('%Y-%m-%d')}", "range"),
                             (self.month, "month")):
            r = self.api("GET", f"/api/v1/reports/period?period={period}", user="chef.stod")
            self.assertEqual(r.status, 200, r)
            rep = r.json
            self.assertEqual((rep["period"], rep["kind"]), (period, kind))
            self.assertEqual(sum(x["cases"] for x in rep["rows"]), rep["totals"]["cases"])
            self.assertGreaterEqual(rep["totals"]["cases"], monthly["totals"]["cases"])
            for b in ("groups", "clients", "units", "kinds", "channels", "agents"):
                self.assertEqual(sum(x["cases"] for x in rep["breakdowns"][b]),
                                 rep["totals"]["cases"], b)
            row = rep["breakdowns"]["groups"][0]
            for key in ("previous", "change", "vs_target", "calls", "satisfaction"):
                self.assertIn(key, row)
            self.assertEqual(rep["targets"],
                             {"service_level_60": 0.85, "fcr": 0.8, "satisfaction": 0.9})
        # the month as a period is the monthly report
        r = self.api("GET", f"/api/v1/reports/period?period={self.month}", user="chef.stod")
        self.assertEqual(r.json["rows"], monthly["rows"])

    def test_bad_period_is_400_naming_period(self):
        for bad in ("2026-T4", "2026-T0", "26", "2026-02-30..2026-03-01",
                    "2026-05-01..2026-04-01", "2000-01-01..2026-01-01", "", "T1"):
            r = self.api("GET", f"/api/v1/reports/period?period={bad}", user="admin")
            self.assertProblem(r, 400, "period")
        r = self.api("GET", "/api/v1/reports/period", user="admin")
        self.assertProblem(r, 400, "period")
        # a period is not a month for the monthly report
        r = self.api("GET", "/api/v1/reports/monthly?month=2026-T1", user="admin")
        self.assertProblem(r, 400, "month")

    def test_period_for_a_client_viewer(self):
        r = self.api("GET", "/api/v1/reports/period?period=2026", user=VIEWER)
        self.assertEqual(r.status, 200, r)
        self.assertEqual({x["client_id"] for x in r.json["breakdowns"]["clients"]}, {1})
        r = self.api("GET", "/api/v1/reports/period?period=2026&client_id=3", user=VIEWER)
        self.assertProblem(r, 403)
        r = self.api("GET", "/api/v1/reports/period?period=2026", user="anna")
        self.assertProblem(r, 403)

    def test_case_update_moves_the_rollup_count(self):
        token = self.srv.login("anna")
        g, c, k, ch = self.srv.sql("SELECT group_id, client_id, category_id, channel FROM cases"
                                   " WHERE client_id = 1 AND outcome = 'resolved' LIMIT 1")[0]
        r = self.srv.request("POST", "/api/v1/cases",
                             {"group_id": g, "client_id": c, "category_id": k, "channel": ch,
                              "outcome": "resolved", "summary": "Fråga om färdtjänst"},
                             token=token)
        self.assertEqual(r.status, 201, r)
        before = self.api("GET", f"/api/v1/reports/period?period={self.month}", user="admin")
        r = self.srv.request("PATCH", f"/api/v1/cases/{r.json['id']}", {"outcome": "guided"},
                             token=token)
        self.assertEqual(r.status, 200, r)
        after = self.api("GET", f"/api/v1/reports/period?period={self.month}", user="admin")
        b, a = before.json["totals"], after.json["totals"]
        self.assertEqual((a["cases"], a["resolved"], a["guided"]),
                         (b["cases"], b["resolved"] - 1, b["guided"] + 1))

    def test_stored_reports_list_and_download(self):
        # the server stores last month's reports at start when the first working day has come;
        # they are made off the loop and stored all at once, so wait for the first to appear
        deadline = time.monotonic() + 120
        while True:
            r = self.api("GET", "/api/v1/reports/stored", user="chef.stod")
            if r.status != 200 or r.json["items"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 200, r)
        reports = r.json["items"]
        self.assertGreater(len(reports), 0)
        self.assertEqual({x["format"] for x in reports}, {"json", "pdf", "xlsx"})
        mine = self.api("GET", "/api/v1/reports/stored", user=VIEWER).json["items"]
        self.assertGreater(len(mine), 0)
        self.assertEqual({x["client_id"] for x in mine}, {1})
        pdf = next(x for x in mine if x["format"] == "pdf")
        status, headers, body = self.get_bytes(f"/api/v1/reports/stored/{pdf['id']}", user=VIEWER)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertTrue(body.startswith(b"%PDF-"))
        self.assertEqual(len(body), pdf["bytes"])
        other = next(x for x in reports if x["client_id"] not in (None, 1))
        r = self.api("GET", f"/api/v1/reports/stored/{other['id']}", user=VIEWER)
        self.assertProblem(r, 403)
        r = self.api("GET", "/api/v1/reports/stored/999999", user="admin")
        self.assertEqual(r.status, 404)
        r = self.api("GET", "/api/v1/reports/stored?month=2026-13", user="admin")
        self.assertProblem(r, 400, "month")
        r = self.api("GET", "/api/v1/reports/stored", user="anna")
        self.assertProblem(r, 403)

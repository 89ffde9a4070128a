"""Every search that revealed a citizen's cases leaves its audit row, also when the searches
run on the read workers many at a time and the server is killed right after the answers
arrived: an answer is only sent once its audit row is on disk."""
import threading
import unittest
import urllib.parse

from harness import Server

N = 48       # searches
CLIENTS = 8  # at once


class SearchAuditTest(unittest.TestCase):
    def setUp(self):
        # A file database, so the searches run on the read workers (read-workers 2).
        self.srv = Server(extra=("--read-workers", "2")).start()
        self.token = self.srv.login("admin")
        # A citizen of the demo with cases and a phone number.
        self.citizen = self.srv.sql(
            "SELECT z.id, z.phone FROM citizens z WHERE z.phone IS NOT NULL AND EXISTS (SELECT 1 FROM cases c WHERE c.citizen_id = z.id)"
            " ORDER BY z.id LIMIT 1")[0]

    def tearDown(self):
        if self.srv.proc:
            self.srv.stop()

    def audit_rows(self):
        """The citizen searches in the audit log, read from the file as an operator would."""
        return self.srv.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'search'"
                            " AND entity = 'citizen'")[0][0]

    def paths(self):
        cid, phone = self.citizen
        forms = [f"/api/v1/cases?phone={urllib.parse.quote(phone)}&limit=50",
                 f"/api/v1/cases?citizen_id={cid}&limit=50"]
        return [forms[i % len(forms)] for i in range(N)]

    def search_all(self):
        """N searches from CLIENTS threads at once; the answers, each checked to show the
        citizen's cases."""
        paths = self.paths()
        answers, lock = [], threading.Lock()

        def client(k):
            for p in paths[k::CLIENTS]:
                r = self.srv.read(p, token=self.token)
                with lock:
                    answers.append((p, r))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(answers), N)
        for p, r in answers:
            self.assertEqual(r.status, 200, (p, r))
            self.assertTrue(r.json["items"], (p, r))
            self.assertTrue(all(c["citizen_id"] == self.citizen[0] for c in r.json["items"]),
                            (p, r))
        return answers

    def test_every_search_has_its_row(self):
        before = self.audit_rows()
        self.search_all()
        self.assertEqual(self.audit_rows(), before + N)
        # The same rows through the API, newest first, each naming how the citizen was found.
        r = self.srv.request("GET", f"/api/v1/audit?entity=citizen&limit={N}", token=self.token)
        self.assertEqual(r.status, 200, r)
        found = [a for a in r.json["items"] if a["action"] == "search"]
        self.assertEqual(len(found), N)
        self.assertEqual({a["detail"] for a in found},
                         {"by phone", "by citizen_id"})

    def test_rows_survive_a_kill_right_after_the_answers(self):
        before = self.audit_rows()
        self.search_all()
        self.srv.kill9()  # no clean stop: what is not on disk now is lost
        self.assertEqual(self.audit_rows(), before + N)


if __name__ == "__main__":
    unittest.main()

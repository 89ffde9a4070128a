"""GET /api/v1/openapi.json: an OpenAPI 3.1 document that a maintained validator
(@seriousme/openapi-schema-validator, from npm) accepts, that describes every route of
the route tables and no route that does not exist, gives every operation its request body,
success response and problem responses, and whose schemas the answers of a running Lotsen
meet (checked with Ajv's JSON Schema 2020-12 validator, from npm)."""
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
import urllib.error
import urllib.request
import wave

from harness import BIN, ROOT, Server, ServerTest, connect

PKG = "@seriousme/openapi-schema-validator"
SRC = os.path.join(ROOT, "src", "http")
ROUTE = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*("(?:[^"\\]|\\.)*"(?:\s*[A-Za-z_]*\s*"(?:[^"\\]|\\.)*")*)')
ROUTE_MACRO = re.compile(r'RESOURCE_ROUTES\("([a-z_]+)"\)')


def validator_dir(pkg=PKG, main="index.js"):
    """The package in the repository's node_modules, or under LOTSEN_NODE_MODULES."""
    for base in (os.path.join(ROOT, "node_modules"), os.environ.get("LOTSEN_NODE_MODULES", "")):
        d = os.path.join(base, pkg)
        if base and os.path.isfile(os.path.join(d, main)):
            return d
    return None


def table_routes():
    """(method, pattern with every {…} as {}) of every route in src/http/api_*.c, read from
    the source so the test does not trust the server's own walk."""
    out = set()
    for name in sorted(os.listdir(SRC)):
        if not (name.startswith("api_") and name.endswith(".c")):
            continue
        with open(os.path.join(SRC, name), encoding="utf-8") as f:
            text = f.read()
        start = text.find("_routes[] = {")
        if start < 0:
            continue
        table = text[start:]
        for m in ROUTE.finditer(table):
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
            if not parts[0].startswith("/"):
                continue
            out.add((m.group(1), re.sub(r"\{[^}]*\}", "{}", "".join(parts))))
        for res in ROUTE_MACRO.findall(table):
            base = f"/api/v1/{res}"
            out |= {("GET", base), ("POST", base), ("GET", base + "/{}"), ("PATCH", base + "/{}"),
                    ("PUT", base + "/{}")}
    return out


class OpenApiTest(ServerTest):
    demo = False

    def document(self):
        r = self.srv.request("GET", "/api/v1/openapi.json")
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_every_route_is_described_and_every_description_is_a_route(self):
        doc = self.document()
        self.assertEqual(doc["openapi"], "3.1.0")
        described = set()
        for path, item in doc["paths"].items():
            for method, op in item.items():
                described.add((method.upper(), re.sub(r"\{[^}]*\}", "{}", path)))
                self.assertIsInstance(op["x-roles"], list, (method, path))
                self.assertTrue(op.get("summary"), (method, path))
                for name in re.findall(r"\{([^}]*)\}", path):
                    self.assertIn(name, [p["name"] for p in op.get("parameters", [])], (method, path))
        routes = table_routes()
        self.assertGreater(len(routes), 100)
        self.assertEqual(sorted(routes - described), [], "routes not described")
        self.assertEqual(sorted(described - routes), [], "described routes that do not exist")

    def test_roles_and_schemas_of_main_resources(self):
        doc = self.document()
        get_case = doc["paths"]["/api/v1/cases/{id}"]["get"]
        self.assertIn("agent", get_case["x-roles"])
        self.assertEqual(get_case["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
                         "#/components/schemas/Case")
        self.assertEqual(doc["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]
                         ["application/json"]["schema"]["$ref"], "#/components/schemas/User")
        self.assertEqual(doc["paths"]["/healthz"]["get"]["x-roles"], [])
        self.assertEqual(doc["paths"]["/healthz"]["get"]["security"], [])
        for name in ("Case", "User", "Group", "Client", "KbArticle", "Problem"):
            self.assertIn(name, doc["components"]["schemas"])

    # JSON bodies still described only as the generic Object, each with why. The test fails
    # when one is added and when one is described (take it off the list then). None now.
    GENERIC = {}
    # Bodies that are not JSON, each with why: files, exports, a redirect's target, the
    # stream. The test fails when one is added or one becomes JSON.
    NON_JSON = {
        ("get", "/api/v1/acd/stream", "response"): "server-sent events (text/event-stream)",
        ("get", "/metrics", "response"): "Prometheus' text format",
        ("get", "/api/v1/attachments/{id}", "response"): "the attached file as stored",
        ("post", "/api/v1/cases/{id}/attachments", "request"): "the file itself (?filename=)",
        ("get", "/api/v1/mail-attachments/{id}", "response"): "an e-mail's attachment (octet-stream)",
        ("get", "/api/v1/mails/{id}/raw", "response"): "the e-mail as received (RFC 5322)",
        ("get", "/api/v1/coverage.csv", "response"): "coverage as CSV",
        ("get", "/api/v1/coverage.xlsx", "response"): "coverage as a spreadsheet",
    }

    def test_generic_objects_only_where_allowed(self):
        doc = self.document()
        generic = set()
        for path, item in doc["paths"].items():
            for method, op in item.items():
                bodies = [("request", op.get("requestBody", {}))]
                bodies += [("response", r) for c, r in op["responses"].items() if c[0] in "23"]
                for kind, b in bodies:
                    schema = b.get("content", {}).get("application/json", {}).get("schema", {})
                    if schema.get("$ref") == "#/components/schemas/Object":
                        generic.add((method, path, kind))
        self.assertEqual(sorted(generic - set(self.GENERIC)), [], "new generic JSON bodies")
        self.assertEqual(sorted(set(self.GENERIC) - generic), [],
                         "described now: take them off GENERIC")
        self.assertEqual(len(generic), 0)

    def test_non_json_bodies_only_where_allowed(self):
        """Files, exports and the stream are the only bodies that are not JSON; a JSON
        route that turns into a string of some media type fails here."""
        doc = self.document()
        other = set()
        for path, item in doc["paths"].items():
            for method, op in item.items():
                bodies = [("request", op.get("requestBody", {}))]
                bodies += [("response", r) for c, r in op["responses"].items() if c[0] in "23"]
                for kind, b in bodies:
                    for media in b.get("content", {}):
                        if not media.endswith("json"):
                            other.add((method, path, kind))
        self.assertEqual(sorted(other), sorted(self.NON_JSON))

    def test_lists_name_their_items(self):
        """A list names the shape of its items: only the ACD's event log (its events vary
        by kind) is still the bare Page."""
        doc = self.document()
        bare = []
        for path, item in doc["paths"].items():
            for method, op in item.items():
                for c, r in op["responses"].items():
                    schema = r.get("content", {}).get("application/json", {}).get("schema", {})
                    if c[0] == "2" and schema.get("$ref") == "#/components/schemas/Page":
                        bare.append((method, path))
        self.assertEqual(bare, [("get", "/api/v1/acd/events")])

    def test_fixed_answers_refuse_fields_they_do_not_name(self):
        """A field a handler adds and the description does not must fail the answers test:
        these shapes are closed, and so is every object inside them that has properties."""
        schemas = self.document()["components"]["schemas"]
        for name in ("Case", "AcdCall", "AcdCallEnded", "AcdAgent", "AgentChannels", "MailItem",
                     "MailQueue", "Wallboard", "MonthlyReport", "InvoiceReport", "DirectoryEntry",
                     "KbHit", "KbSearch", "WfmEntry", "Schedule", "Coverage", "WfmToday",
                     "WfmParams", "Telephony", "GroupPolicy", "Survey", "VoiceMenu", "MenuSet",
                     "Announcement", "Trunk", "Listening", "TransferredOut", "ConsultState",
                     "Mail", "MailList", "OutboxMail", "OutboxRow", "Mailbox", "Attachment",
                     "TelCall", "SurveyAnswer", "Notification", "KbFlag", "KbKeyword",
                     "KbReadsMine", "KbReadStatus", "AcdGroup", "AcdTotals", "MailboxIn",
                     "TrunkIn", "GroupPolicyIn", "HandoverIn"):
            self.assertIn(name, schemas)
            self.assertIs(schemas[name].get("additionalProperties"), False, name)
            for p, sub in schemas[name]["properties"].items():
                sub = sub.get("items", sub)
                if isinstance(sub, dict) and "properties" in sub:
                    self.assertIs(sub.get("additionalProperties"), False, f"{name}.{p}")
        self.assertEqual(schemas["AcdCallNow"]["oneOf"], [{"$ref": "#/components/schemas/AcdCall"},
                                                          {"$ref": "#/components/schemas/AcdCallEnded"}])

    @unittest.skipUnless(shutil.which("node"), "node missing")
    def test_the_document_is_valid_openapi(self):
        d = validator_dir()
        if not d:
            self.skipTest(f"{PKG} not installed (scripts/install-test-peers.sh)")
        path = os.path.join(self.srv.dir, "openapi.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.document(), f)
        script = (
            f"import {{ Validator }} from {json.dumps('file://' + os.path.join(d, 'index.js'))};"
            "import { readFileSync } from 'node:fs';"
            "const v = new Validator();"
            "const r = await v.validate(JSON.parse(readFileSync(process.argv[1], 'utf8')));"
            "console.log(JSON.stringify({valid: r.valid, version: v.version, errors: r.errors}));"
            "process.exit(r.valid ? 0 : 1);")
        p = subprocess.run(["node", "--input-type=module", "-e", script, path],
                           capture_output=True, timeout=120)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertEqual(p.returncode, 0, out[:4000])
        self.assertEqual(json.loads(p.stdout)["version"], "3.1", out)

    def test_every_operation_has_its_bodies_and_problems(self):
        doc = self.document()
        schemas = doc["components"]["schemas"]
        # Operations that take no body (the path says it all).
        bodyless = {("post", "/api/v1/logout"), ("post", "/api/v1/acd/reload"),
                    ("post", "/api/v1/notifications/{id}/read"),
                    ("post", "/api/v1/handovers/{id}/takeover"),
                    ("post", "/api/v1/kb/articles/{id}/read")}
        for name in ("Case", "Citizen", "Problem", "Page", "User", "Group", "Handover",
                     "KbArticle", "CasePage"):
            self.assertIn(name, schemas)
        refs = set()

        def walk(v):
            if isinstance(v, dict):
                if "$ref" in v:
                    refs.add(v["$ref"])
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(doc)
        for ref in refs:
            self.assertTrue(ref.startswith("#/components/"), ref)
            node = doc
            for part in ref[2:].split("/"):
                self.assertIn(part, node, f"{ref} does not resolve")
                node = node[part]
        ops = 0
        for path, item in doc["paths"].items():
            for method, op in item.items():
                ops += 1
                where = (method, path)
                resp = op["responses"]
                ok = [c for c in resp if c.startswith("2") or c.startswith("3")]
                self.assertEqual(len(ok), 1, where)
                success = resp[ok[0]]
                if method == "delete" or ok[0] in ("204", "302"):
                    self.assertNotIn("content", success, where)
                elif not ("2XX" in ok and "content" not in success):
                    self.assertTrue(success.get("content"), where)
                    for media in success["content"].values():
                        self.assertIn("schema", media, where)
                for problem in ("4XX", "5XX"):
                    self.assertEqual(resp[problem]["$ref"], "#/components/responses/Problem", where)
                if method in ("post", "put", "patch") and where not in bodyless:
                    body = op.get("requestBody", {}).get("content")
                    self.assertTrue(body, f"{where} has no request body")
                    for media in body.values():
                        self.assertIn("schema", media, where)
        self.assertGreater(ops, 150)
        self.assertEqual(doc["components"]["responses"]["Problem"]["content"]
                         ["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem")
        self.assertEqual(doc["paths"]["/api/v1/groups/{id}"]["get"]["responses"]["200"]["content"]
                         ["application/json"]["schema"]["$ref"], "#/components/schemas/Group")
        self.assertEqual(schemas["Group"]["properties"]["max_wait_s"],
                         {"type": ["integer", "null"], "minimum": 1, "maximum": 3600})
        self.assertIn("name", schemas["Group"]["required"])


class OpenApiAnswersTest(ServerTest):
    """One representative request per operation against the demo data; each answer must
    have a documented status and meet its schema (the success one or the problem)."""

    IDS = {"cases": "cases", "citizens": "citizens", "handovers": "handovers",
           "articles": "kb_articles", "flags": "kb_flags", "synonyms": "kb_synonyms",
           "keywords": "kb_keywords", "users": "users", "groups": "groups", "units": "units",
           "clients": "clients", "contacts": "contacts", "categories": "categories",
           "agreements": "agreements", "boundaries": "boundaries", "closures": "closures",
           "client_units": "client_units", "attachments": "attachments",
           "mails": "mail_messages", "mail-attachments": "mail_attachments",
           "mailboxes": "mailboxes", "shifts": "wfm_entries", "trunks": "tel_trunks",
           "calls": "tel_calls", "notifications": "notifications", "stored": "report_stored",
           "staff": "users"}
    QUERY = {"/api/v1/reports/monthly": "?month=2026-11", "/api/v1/reports/invoice": "?month=2026-11",
             "/api/v1/reports/period": "?period=2026-11",
             "/api/v1/kb/search": "?q=parkering", "/api/v1/directory": "?q=a",
             "/api/v1/schedules": "?group_id=1&week=2026-W50",
             "/api/v1/coverage": "?group_id=1&date=2026-12-07",
             "/api/v1/wfm/today": "?group_id=1", "/api/v1/kb/articles/{id}/diff": "?from=1&to=1",
             "/api/v1/mail/queue": "?group=1"}
    BODY = {("post", "/api/v1/login"): {"username": "admin", "password": "lotsen-demo"},
            ("post", "/api/v1/cases"): {"channel": "phone", "group_id": 1, "outcome": "resolved",
                                        "client_id": 6, "category_id": 1,
                                        "summary": "Frågade om parkeringstillstånd"},
            ("post", "/api/v1/kb/synonyms"): {"word": "p-tillstånd", "means": "parkeringstillstånd"},
            ("post", "/api/v1/public/feedback"): {"kind": "idea", "client_id": 1,
                                                  "message": "Fler bänkar i parken"},
            ("post", "/api/v1/kb/articles/{id}/flags"): {"kind": "outdated", "message": "Avgiften är ny"},
            ("patch", "/api/v1/kb/flags/{id}"): {"status": "closed", "note": "Rättad"},
            ("post", "/api/v1/kb/missing"): {"question": "Hur söker en förening bidrag?"},
            ("post", "/api/v1/kb/missing/connect"): {"question": "Hur söker en förening bidrag?",
                                                     "article_id": 1},
            ("post", "/api/v1/kb/keywords"): {"phrase": "bidrag förening", "article_id": 2},
            ("post", "/api/v1/kb/search/abandon"): {"q": "parkering"},
            ("post", "/api/v1/cases/{id}/articles"): {"article_id": 1},
            ("put", "/api/v1/directory/me/presence"): {"status": "meeting", "until": "2026-12-24T12:00:00Z"},
            ("put", "/api/v1/directory/staff/{id}/presence"): {"status": "in"},
            ("post", "/api/v1/users/{id}/sip-secret"): {"secret": "ett-långt-lösenord"},
            ("post", "/api/v1/shifts"): {"kind": "meeting", "group_id": 1, "start": "2026-12-08T09:00",
                                         "end": "2026-12-08T10:00", "note": "Arbetsplatsträff"},
            ("patch", "/api/v1/shifts/{id}"): {"note": "Flyttat till lilla rummet"},
            ("put", "/api/v1/schedules"): {"shifts": [{"kind": "meeting", "start": "2026-12-09T09:00",
                                                       "end": "2026-12-09T10:00"}]},
            ("post", "/api/v1/telephony/trunks"): {"name": "Operatören", "sources": ["192.0.2.10"]},
            ("patch", "/api/v1/telephony/trunks/{id}"): {"active": False},
            ("patch", "/api/v1/telephony/groups/{id}/policy"): {"record": False, "recording_days": 30},
            ("post", "/api/v1/mailboxes"): {"address": "bygglov-in@lotsen.example", "group_id": 1},
            ("patch", "/api/v1/mailboxes/{id}"): {"signature": "Med vänlig hälsning\nKontaktcenter"}}
    # Writes that need a query.
    WRITE_QUERY = {("put", "/api/v1/schedules"): "?group_id=1&week=2026-W50"}

    def first_id(self, path):
        """The id of an existing row for the path's last {…}: the table its segment names."""
        segs = path.strip("/").split("/")
        ids = []
        for i, seg in enumerate(segs):
            if seg.startswith("{"):
                table = self.IDS.get(segs[i - 1])
                row = self.srv.sql(f"SELECT min(id) FROM {table}") if table else [(1,)]
                ids.append(str(row[0][0] or 1))
            else:
                ids.append(seg)
        return "/" + "/".join(ids)

    def call(self, method, url, body, token):
        req = urllib.request.Request(f"http://127.0.0.1:{self.srv.port}{url}", method=method.upper(),
                                     data=None if body is None else json.dumps(body).encode())
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=60) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    @unittest.skipUnless(shutil.which("node"), "node missing")
    def test_answers_meet_the_schemas(self):
        doc = self.srv.request("GET", "/api/v1/openapi.json").json
        token = self.token("admin")
        ops = [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()
               if not p.endswith("/stream")]
        # Reads first, then changes; logging out last.
        # Reads first, then changes, removals after them; logging out last.
        ops.sort(key=lambda x: (x[0] != "get", x[1] == "/api/v1/logout", x[0] == "delete", x[1], x[0]))
        bodies = dict(self.BODY)
        # Bodies that name rows of the demo's data.
        number = self.srv.sql("SELECT number FROM entry_numbers ORDER BY number LIMIT 1")[0][0]
        # A menu names prompts, which a build has when espeak-ng and sox made them; without
        # them the number's menu is removed (null).
        build = os.environ.get("LOTSEN_BUILD", os.path.join(ROOT, "build"))
        menu = None
        if os.path.isfile(os.path.join(build, "prompts", "sv", "valkommen.wav")):
            menu = {"prompt": "valkommen", "options": {"1": {"group": 1}, "9": {"repeat": True}}}
        bodies[("put", "/api/v1/telephony/menus")] = {"number": number, "menu": menu}
        # A handover after the fact: a case the agreement lets the center hand over.
        case = self.srv.sql("SELECT min(id) FROM cases WHERE outcome = 'handed_over'")[0][0]
        urls = {("post", "/api/v1/cases/{id}/handovers"): f"/api/v1/cases/{case}/handovers"}
        contact = self.srv.sql("SELECT min(id) FROM contacts WHERE active = 1 AND client_id ="
                               " (SELECT client_id FROM cases WHERE id = ?)", case)[0][0]
        bodies[("post", "/api/v1/cases/{id}/handovers")] = {
            "message": "Ring medborgaren om bygglovet", "contact_id": contact, "due_date": "2026-12-20"}
        wav = base64.b64encode(silent_wav()).decode()
        for path in ("/api/v1/telephony/crisis", "/api/v1/telephony/groups/{id}/announcement"):
            bodies[("put", path)] = {"wav_base64": wav, "active": path.endswith("announcement")}
        checks, undocumented, ok, sent, succeeded = [], [], 0, set(), set()
        for method, path, op in ops:
            url = urls.get((method, path)) or self.first_id(path) + (self.QUERY.get(path, "") if method == "get" else
                                         self.WRITE_QUERY.get((method, path), ""))
            body = bodies.get((method, path), {} if method in ("post", "put", "patch") else None)
            if (method, path) in bodies:
                sent.add((method, path))
            status, ctype, raw = self.call(method, url, body, token if op["x-roles"] else None)
            responses = op["responses"]
            code = str(status)
            key = code if code in responses else code[0] + "XX"
            if key not in responses:
                undocumented.append(f"{method} {url}: {status}")
                continue
            res = responses[key]
            if "$ref" in res:
                res = doc["components"]["responses"][res["$ref"].rsplit("/", 1)[1]]
            if status < 300:
                ok += 1
                succeeded.add((method, path))
            media = ctype.split(";")[0].strip()
            content = res.get("content")
            if status == 204:
                self.assertFalse(raw, f"{method} {url}: 204 with a body")
                continue
            if not content:
                self.assertFalse(raw, f"{method} {url}: a body where none is documented")
                continue
            self.assertIn(media, content, f"{method} {url}: {ctype} not documented ({status})")
            if not media.endswith("json"):
                continue
            checks.append({"op": f"{method} {url} → {status}", "schema": content[media]["schema"],
                           "body": json.loads(raw)})
        self.assertEqual(undocumented, [], "answers with a status the document does not give")
        self.assertGreater(ok, 100, "too few successful answers to check the success schemas")
        # Every request given a real body must have been accepted, so its answer was checked.
        self.assertEqual(sorted(sent - succeeded), [], "representative bodies refused")
        n = ajv_check(self, doc, checks)
        print(f"\n{n} JSON answers checked, {ok} successful", file=sys.stderr)


def silent_wav(ms=200):
    """A short 8 kHz mono 16-bit PCM WAV of silence: what announcements accept."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * (8 * ms))
    return out.getvalue()


def schema_of(doc, method, path, status):
    """The schema of the answer `status` to the operation, or None when it has no JSON."""
    responses = doc["paths"][path][method]["responses"]
    code = str(status)
    res = responses.get(code) or responses.get(code[0] + "XX")
    if res is None:
        return None
    if "$ref" in res:
        res = doc["components"]["responses"][res["$ref"].rsplit("/", 1)[1]]
    content = res.get("content") or {}
    for media in ("application/json", "application/problem+json"):
        if media in content:
            return content[media]["schema"]
    return None


def ajv_check(test, doc, checks):
    """Checks each {op, schema, body} with Ajv (JSON Schema 2020-12) against the document's
    components, with a control that must fail; returns how many answers were checked."""
    ajv = validator_dir("ajv", "dist/2020.js")
    if not ajv:
        test.skipTest("ajv not installed (npm ci)")
    base = "https://lotsen.invalid/openapi.json"
    checks = [dict(c) for c in checks]
    for c in checks:
        if "$ref" in c["schema"]:
            c["schema"] = {"$ref": base + c["schema"]["$ref"]}
    # A control: a case with a wrong channel must be refused, or nothing was checked.
    checks.append({"op": "control", "schema": {"$ref": base + "#/components/schemas/Case"},
                   "body": {"id": 1, "channel": "pigeon", "status": "open", "outcome": "guided"}})
    path = os.path.join(test.srv.dir, "answers.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"components": {"$id": base, **{"components": doc["components"]}}, "checks": checks}, f)
    script = (
        f"const Ajv = require({json.dumps(os.path.join(ajv, 'dist', '2020.js'))});"
        "const A = Ajv.default || Ajv;"
        "const ajv = new A({strict: false, validateFormats: false, allErrors: true});"
        "const input = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));"
        "ajv.addSchema(input.components);"
        "const bad = [];"
        "for (const c of input.checks) {"
        "  const v = ajv.compile(c.schema);"
        "  if (!v(c.body)) bad.push({op: c.op, errors: v.errors.slice(0, 3)});"
        "}"
        "console.log(JSON.stringify({checked: input.checks.length, bad}));")
    p = subprocess.run(["node", "-e", script, path], capture_output=True, timeout=120)
    out = p.stdout.decode() + p.stderr.decode()
    test.assertEqual(p.returncode, 0, out[:4000])
    result = json.loads(p.stdout)
    test.assertEqual([b["op"] for b in result["bad"]], ["control"],
                     json.dumps(result["bad"], ensure_ascii=False, indent=1)[:6000])
    test.assertEqual(result["checked"], len(checks))
    return len(checks) - 1


ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}


class OpenApiQueueFlowTest(ServerTest):
    """The queue's answers need agents and calls: an agent gets ready, calls come in through
    the test entry and are answered, transferred, hung up and called back; every answer
    meets the schema its operation documents."""

    def test_queue_answers_meet_the_schemas(self):
        doc = self.srv.request("GET", "/api/v1/openapi.json").json
        for g in (2, 3):
            self.assertEqual(self.api("PATCH", f"/api/v1/groups/{g}",
                                      {"opening_hours": ALWAYS, "wrapup_s": 0}).status, 200)
        anna = {a["name"]: a["agent_id"] for a in
                self.api("GET", "/api/v1/acd/agents", user="lead.aldre").json["items"]}["Anna Lindqvist"]
        checks = []

        def step(method, template, url, body=None, user="admin", status=200):
            r = self.api(method.upper(), url, body, user=user)
            self.assertEqual(r.status, status, (method, url, r))
            schema = schema_of(doc, method, template, r.status)
            self.assertIsNotNone(schema, (method, template, r.status))
            checks.append({"op": f"{method} {url} → {r.status}", "schema": schema, "body": r.json})
            return r.json

        step("get", "/api/v1/acd/agents/me", "/api/v1/acd/agents/me", user="anna")
        step("post", "/api/v1/acd/agents/me/state", "/api/v1/acd/agents/me/state",
             {"state": "logged_in"}, user="anna")
        step("post", "/api/v1/acd/agents/{id}/state", f"/api/v1/acd/agents/{anna}/state",
             {"state": "paused", "reason": "meeting"}, user="lead.aldre")
        step("put", "/api/v1/acd/agents/{id}/channels", f"/api/v1/acd/agents/{anna}/channels",
             {"voice": True, "email": True}, user="lead.aldre")
        a = step("post", "/api/v1/acd/agents/me/state", "/api/v1/acd/agents/me/state",
                 {"state": "ready"}, user="anna")
        self.assertEqual(a["state"], "ready", a)
        c = step("post", "/api/v1/acd/calls", "/api/v1/acd/calls",
                 {"group_id": 2, "caller": "070-123 45 67", "ivr": "2"}, status=201)
        self.assertEqual(c.get("agent_id"), anna, c)
        cid = c["call_id"]
        step("get", "/api/v1/acd/agents/{id}", f"/api/v1/acd/agents/{anna}", user="lead.aldre")
        step("get", "/api/v1/acd/calls/{id}", f"/api/v1/acd/calls/{cid}", user="anna")
        a = step("post", "/api/v1/acd/calls/{id}/answer", f"/api/v1/acd/calls/{cid}/answer", {},
                 user="anna")
        self.assertTrue(a["talking"], a)
        step("post", "/api/v1/acd/calls/{id}/transfer", f"/api/v1/acd/calls/{cid}/transfer",
             {"group_id": 3, "note": "Vill prata med bygglov"}, user="anna")
        step("post", "/api/v1/acd/calls/{id}/hangup", f"/api/v1/acd/calls/{cid}/hangup", {})
        # A caller who waits (no agent is ready in the group) and hangs up
        c2 = step("post", "/api/v1/acd/calls", "/api/v1/acd/calls", {"group_id": 3}, status=201)
        step("get", "/api/v1/acd/calls/{id}", f"/api/v1/acd/calls/{c2['call_id']}")
        step("post", "/api/v1/acd/calls/{id}/hangup", f"/api/v1/acd/calls/{c2['call_id']}/hangup", {})
        # A caller who asks to be called back; Erik (group 3) gets ready and the callback
        # is his; the caller answers it, and they talk until the hang-up
        c3 = step("post", "/api/v1/acd/calls", "/api/v1/acd/calls",
                  {"group_id": 3, "caller": "070-765 43 21"}, status=201)
        cb = step("post", "/api/v1/acd/calls/{id}/callback", f"/api/v1/acd/calls/{c3['call_id']}/callback", {})
        self.assertTrue(cb["callback"], cb)
        step("get", "/api/v1/acd/groups/{id}", "/api/v1/acd/groups/3", user="lead.aldre")
        for state in ("logged_in", "ready"):
            step("post", "/api/v1/acd/agents/me/state", "/api/v1/acd/agents/me/state", {"state": state},
                 user="erik")
        res = step("post", "/api/v1/acd/calls/{id}/callback-result",
                   f"/api/v1/acd/calls/{c3['call_id']}/callback-result", {"answered": True})
        self.assertTrue(res["talking"], res)
        step("post", "/api/v1/acd/calls/{id}/hangup", f"/api/v1/acd/calls/{c3['call_id']}/hangup", {})
        step("get", "/api/v1/mail/queue", "/api/v1/mail/queue?group=2", user="anna")
        step("get", "/api/v1/wallboard", "/api/v1/wallboard", user="lead.aldre")
        step("post", "/api/v1/acd/reload", "/api/v1/acd/reload", None)
        n = ajv_check(self, doc, checks)
        self.assertEqual(n, len(checks))


class OpenApiMailFlowTest(unittest.TestCase):
    """E-mail in the queue and on a case, with a message imported into a mailbox before the
    start (as test_mail_acd does): the mailbox, the item taken and put back, the e-mail and
    the case's e-mails, the answer sent and the outbox, an attachment, and a group's
    planning; every answer meets the schema its operation documents."""

    BOX = "forskola-in@lotsen.example"
    FORSKOLA = 4  # lars and lead.forskola are members

    @classmethod
    def setUpClass(cls):
        srv = Server(demo=True).start()
        assert (code := srv.stop()) == 0, (code, srv.logs()[-3000:])
        con = connect(srv.db)
        con.execute("INSERT INTO mailboxes(address, group_id) VALUES (?, ?)", (cls.BOX, cls.FORSKOLA))
        con.commit()
        con.close()
        maildir = os.path.join(srv.dir, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, sub))
        shutil.copy(os.path.join(ROOT, "tests", "data", "mail", "alternative.eml"),
                    os.path.join(maildir, "cur", "0.lotsen:2,S"))
        r = subprocess.run([BIN, "mail", "import", "--mailbox", cls.BOX, "--db", srv.db, maildir],
                           capture_output=True, text=True, timeout=300, cwd=srv.cwd)
        assert r.returncode == 0, r.stderr
        cls.srv = srv.start()
        cls.tokens = {}

    @classmethod
    def tearDownClass(cls):
        code = cls.srv.stop()
        if code != 0:
            raise AssertionError(f"server exited with {code}:\n{cls.srv.logs()[-4000:]}")

    def test_mail_answers_meet_the_schemas(self):
        srv = self.srv
        doc = srv.request("GET", "/api/v1/openapi.json").json
        checks = []

        def step(method, template, url, body=None, user="admin", status=200, raw=None, headers=None):
            if user not in self.tokens:
                self.tokens[user] = srv.login(user)
            r = srv.request(method.upper(), url, body, token=self.tokens[user], raw=raw, headers=headers)
            self.assertEqual(r.status, status, (method, url, r))
            schema = schema_of(doc, method, template, r.status)
            self.assertIsNotNone(schema, (method, template, r.status))
            checks.append({"op": f"{method} {url} → {r.status}", "schema": schema, "body": r.json})
            return r.json

        box = srv.sql("SELECT id FROM mailboxes WHERE address = ?", self.BOX)[0][0]
        step("get", "/api/v1/mailboxes/{id}", f"/api/v1/mailboxes/{box}")
        step("get", "/api/v1/mailboxes", "/api/v1/mailboxes")
        q = step("get", "/api/v1/mail/queue", f"/api/v1/mail/queue?group={self.FORSKOLA}", user="lars")
        self.assertEqual(len(q["items"]), 1, q)
        item = q["items"][0]
        # Lars logs in to the queue (not ready: nothing is offered) and takes it by hand
        step("post", "/api/v1/acd/agents/me/state", "/api/v1/acd/agents/me/state", {"state": "logged_in"},
             user="lars")
        t = step("post", "/api/v1/mail/items/{id}/take", f"/api/v1/mail/items/{item['item_id']}/take",
                 {}, user="lars")
        self.assertEqual(t["state"], "taken", t)
        r = step("post", "/api/v1/mail/items/{id}/release",
                 f"/api/v1/mail/items/{item['item_id']}/release", {}, user="lars")
        self.assertEqual(r["state"], "waiting", r)
        step("get", "/api/v1/mail/items/{id}", f"/api/v1/mail/items/{item['item_id']}", user="lars")
        case = item["case_id"]
        mails = step("get", "/api/v1/cases/{id}/mails", f"/api/v1/cases/{case}/mails", user="lars")
        one = step("get", "/api/v1/mails/{id}", f"/api/v1/mails/{mails['items'][0]['id']}", user="lars")
        self.assertEqual(one["direction"], "in", one)
        sent = step("post", "/api/v1/cases/{id}/mails", f"/api/v1/cases/{case}/mails",
                    {"text": "Hej! Platsen är uppsagd från den 1 februari."}, user="lars", status=201)
        self.assertEqual(sent["status"], "queued", sent)
        step("get", "/api/v1/mail/outbox", "/api/v1/mail/outbox")
        step("post", "/api/v1/cases/{id}/attachments", f"/api/v1/cases/{case}/attachments?filename=svar.txt",
             user="lars", status=201, raw="Uppsägningen är mottagen.\n".encode(),
             headers={"Content-Type": "text/plain; charset=utf-8"})
        step("get", "/api/v1/cases/{id}/attachments", f"/api/v1/cases/{case}/attachments", user="lars")
        # A group's planning: a shift of Lars, read back, the week, the coverage and today
        lars = srv.sql("SELECT id FROM users WHERE username = 'lars'")[0][0]
        sh = step("post", "/api/v1/shifts", "/api/v1/shifts",
                  {"kind": "shift", "group_id": self.FORSKOLA, "user_id": lars, "start": "2026-12-08T08:00",
                   "end": "2026-12-08T16:30", "breaks": [{"start": "2026-12-08T12:00", "end": "2026-12-08T12:30"}]},
                  user="lead.forskola", status=201)
        step("get", "/api/v1/shifts/{id}", f"/api/v1/shifts/{sh['id']}", user="lars")
        step("get", "/api/v1/schedules", f"/api/v1/schedules?group_id={self.FORSKOLA}&week=2026-W50",
             user="lead.forskola")
        step("get", "/api/v1/coverage", f"/api/v1/coverage?group_id={self.FORSKOLA}&date=2026-12-08",
             user="lead.forskola")
        step("get", "/api/v1/wfm/today", f"/api/v1/wfm/today?group_id={self.FORSKOLA}", user="lead.forskola")
        n = ajv_check(self, doc, checks)
        self.assertEqual(n, len(checks))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


if __name__ == "__main__":
    unittest.main()

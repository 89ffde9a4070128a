"""GET /api/v1/openapi.json: an OpenAPI 3.1 document that a maintained validator
(@seriousme/openapi-schema-validator, from npm) accepts, and that describes every route of
the route tables and no route that does not exist."""
import json
import os
import re
import shutil
import subprocess
import unittest

from harness import ROOT, ServerTest

PKG = "@seriousme/openapi-schema-validator"
SRC = os.path.join(ROOT, "src", "http")
ROUTE = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*("(?:[^"\\]|\\.)*"(?:\s*[A-Za-z_]*\s*"(?:[^"\\]|\\.)*")*)')
ROUTE_MACRO = re.compile(r'RESOURCE_ROUTES\("([a-z_]+)"\)')


def validator_dir():
    """The package in the repository's node_modules, or under LOTSEN_NODE_MODULES."""
    for base in (os.path.join(ROOT, "node_modules"), os.environ.get("LOTSEN_NODE_MODULES", "")):
        d = os.path.join(base, PKG)
        if base and os.path.isfile(os.path.join(d, "index.js")):
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


if __name__ == "__main__":
    unittest.main()

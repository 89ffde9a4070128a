/* GET /api/v1/openapi.json: the OpenAPI 3.1 description of the API, its paths made from
 * the route tables (method, path, roles as x-roles) so it cannot leave a route out, and
 * the summaries and schemas of the main resources from the table below. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "http/http_int.h"

/* ======================================================================
 * What the route tables do not say: summaries and schemas
 * ====================================================================== */

struct op_doc {
	const char *method;  /* "GET" … */
	const char *pattern; /* as in the route table */
	const char *summary;
	const char *schema; /* request and response body: a name under components.schemas */
};

static const struct op_doc docs[] = {
        {"POST", "/api/v1/login", "Log in with username and password; returns a bearer token",
         NULL},
        {"GET", "/healthz", "Health of the database and the loop", NULL},
        {"GET", "/metrics", "Counters in Prometheus' text format (loopback or metrics-token)",
         NULL},
        {"GET", "/api/v1/openapi.json", "This description", NULL},
        {"GET", "/api/v1/cases", "Search the case log", NULL},
        {"POST", "/api/v1/cases", "Log a case", "Case"},
        {"GET", "/api/v1/cases/{id}", "A case, with its ETag", "Case"},
        {"GET", "/api/v1/handovers", "Handovers to departments", NULL},
        {"GET", "/api/v1/kb/articles", "Search the knowledge base", NULL},
        {"POST", "/api/v1/kb/articles", "Write a knowledge-base article", "KbArticle"},
        {"GET", "/api/v1/kb/articles/{id}", "A knowledge-base article", "KbArticle"},
        {"PATCH", "/api/v1/kb/articles/{id}", "Change an article (a new version)", "KbArticle"},
        {"GET", "/api/v1/reports/period",
         "The period report (period, client_id, client_unit_id, category_id, group=ID repeated"
         " or comma list; a group lead: only groups they lead, theirs when none is named;"
         " format json|csv|xlsx|pdf)",
         "PeriodReport"},
        {"POST", "/api/v1/cases/{id}/hold", "Set a legal hold on a case (admin): {reason}",
         "LegalHold"},
        {"DELETE", "/api/v1/cases/{id}/hold", "Release the case's legal hold (admin)", NULL},
        {"GET", "/api/v1/holds", "The legal holds in force (admin, manager); audited",
         "LegalHoldList"},
        {"GET", "/api/v1/price_classes", "Price classes an agreement may price", NULL},
        {"POST", "/api/v1/price_classes", "Create a price class (admin, manager)", "PriceClass"},
        {"GET", "/api/v1/price_classes/{id}", "A price class, with its ETag", "PriceClass"},
        {"PATCH", "/api/v1/price_classes/{id}",
         "Change or retire (active false) a price class (If-Match: the ETag)", "PriceClass"},
        {"PUT", "/api/v1/price_classes/{id}", "Change a price class (If-Match: the ETag)",
         "PriceClass"},
        {"GET", "/api/v1/users", "Users", NULL},
        {"POST", "/api/v1/users", "Create a user", "User"},
        {"GET", "/api/v1/users/{id}", "A user, with its ETag", "User"},
        {"PATCH", "/api/v1/users/{id}", "Change a user (If-Match: the ETag)", "User"},
        {"PUT", "/api/v1/users/{id}", "Change a user (If-Match: the ETag)", "User"},
        {"GET", "/api/v1/groups", "Response groups", NULL},
        {"POST", "/api/v1/groups", "Create a response group", "Group"},
        {"GET", "/api/v1/groups/{id}", "A response group, with its ETag", "Group"},
        {"PATCH", "/api/v1/groups/{id}", "Change a response group (If-Match: the ETag)", "Group"},
        {"PUT", "/api/v1/groups/{id}", "Change a response group (If-Match: the ETag)", "Group"},
        {"GET", "/api/v1/clients", "Client departments", NULL},
        {"POST", "/api/v1/clients", "Create a client department", "Client"},
        {"GET", "/api/v1/clients/{id}", "A client department, with its ETag", "Client"},
        {"PATCH", "/api/v1/clients/{id}", "Change a client department (If-Match: the ETag)",
         "Client"},
        {"PUT", "/api/v1/clients/{id}", "Change a client department (If-Match: the ETag)",
         "Client"},
        {"POST", "/api/v1/acd/calls", "A test call into the queue", NULL},
        {"POST", "/api/v1/acd/agents/me/state", "The agent's own state", NULL},
        {"GET", "/api/v1/agents/{id32}/languages", "The languages an agent takes calls in",
         "AgentLanguages"},
        {"PUT", "/api/v1/agents/{id32}/languages",
         "Set the languages an agent takes calls in (the queue uses them at once)",
         "AgentLanguages"},
        {"POST", "/api/v1/calls/{id}/consult",
         "Hold the caller and call an agent or a number (consultative transfer)", "Consult"},
        {"POST", "/api/v1/calls/{id}/consult/complete",
         "Hand the caller over to the consulted party; the agent is released", "ConsultState"},
        {"POST", "/api/v1/calls/{id}/consult/cancel",
         "End the consultation; caller and agent talk again", "ConsultState"},
        {"GET", "/api/v1/wallboard", "The wallboard's figures: targets, agents per state, e-mail",
         "Wallboard"},
        {"POST", "/api/v1/displays", "Issue a display login (its token shown once)", "Display"},
        {"GET", "/api/v1/displays", "Display logins (never their tokens)", NULL},
        {"DELETE", "/api/v1/displays/{id}", "Revoke a display login", NULL},
        {"PUT", "/api/v1/acd/agents/{id32}/channels", "An agent's channels (voice, email)", NULL},
        {"GET", "/api/v1/mail/queue", "A group's e-mail waiting for an agent, first due first",
         NULL},
        {"GET", "/api/v1/mail/items/{id}", "An e-mail item of the queue", NULL},
        {"POST", "/api/v1/mail/items/{id}/take", "Take an e-mail (or accept its offer)", NULL},
        {"POST", "/api/v1/mail/items/{id}/release", "Put an e-mail back (or decline its offer)",
         NULL},
};

/* The schemas named above, as JSON text. */
static const char schemas[] =
        "{"
        "\"Problem\":{\"type\":\"object\",\"description\":\"RFC 9457 problem details\","
        "\"properties\":{\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
        "\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"},"
        "\"errors\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
        "\"field\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}},"
        "\"required\":[\"title\",\"status\"]},"
        "\"Case\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"channel\":{\"enum\":[\"phone\",\"email\",\"letter\",\"fax\",\"visit\",\"web\","
        "\"social\"]},"
        "\"group_id\":{\"type\":\"integer\"},\"client_id\":{\"type\":\"integer\"},"
        "\"category_id\":{\"type\":\"integer\"},"
        "\"outcome\":{\"enum\":[\"resolved\",\"guided\",\"handed_over\",\"forwarded_urgent\"]},"
        "\"status\":{\"enum\":[\"open\",\"waiting_for_department\",\"waiting_for_citizen\","
        "\"closed\"]},"
        "\"summary\":{\"type\":\"string\"},\"version\":{\"type\":\"integer\",\"readOnly\":true}}},"
        "\"KbArticle\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},\"title\":{\"type\":\"string\"},"
        "\"body\":{\"type\":\"string\",\"description\":\"Markdown\"},"
        "\"kind\":{\"type\":\"string\"}}},"
        "\"User\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},\"username\":{\"type\":\"string\"},"
        "\"display_name\":{\"type\":\"string\"},"
        "\"role\":{\"enum\":[\"agent\",\"group_lead\",\"manager\",\"admin\",\"client_viewer\"]},"
        "\"active\":{\"type\":\"boolean\"}}},"
        "\"Group\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},\"name\":{\"type\":\"string\"},"
        "\"unit_id\":{\"type\":\"integer\"},\"email\":{\"type\":\"string\"},"
        "\"entry_numbers\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"max_wait_s\":{\"type\":\"integer\"},\"wrapup_s\":{\"type\":\"integer\"},"
        "\"language_widen_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":1,"
        "\"description\":\"How long a call asking for a language waits for an agent who "
        "speaks it (null: 60)\"},"
        "\"opening_hours\":{\"type\":\"object\"},\"active\":{\"type\":\"boolean\"},"
        "\"target_sl_pct\":{\"type\":[\"integer\",\"null\"],\"minimum\":1,\"maximum\":100},"
        "\"target_sl_s\":{\"enum\":[60,180,null]},"
        "\"wait_warn_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":1},"
        "\"wait_alarm_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":1},"
        "\"abandon_warn_pct\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":100},"
        "\"abandon_alarm_pct\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,"
        "\"maximum\":100}}},"
        "\"AgentLanguages\":{\"type\":\"object\",\"properties\":{"
        "\"agent_id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"languages\":{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":\"string\","
        "\"pattern\":\"^[a-z]{2,3}$\"}}},\"required\":[\"languages\"]},"
        "\"Consult\":{\"type\":\"object\",\"description\":\"One of agent_id, group_id (its "
        "member ready longest), number, contact_id\",\"properties\":{"
        "\"agent_id\":{\"type\":\"integer\"},\"group_id\":{\"type\":\"integer\"},\"number\":{"
        "\"type\":\"string\"},"
        "\"contact_id\":{\"type\":\"integer\"},"
        "\"note\":{\"type\":\"string\",\"maxLength\":511,\"description\":\"Follows the call "
        "to the target and onto its record\"},"
        "\"call_id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"state\":{\"enum\":[\"consulting\"],\"readOnly\":true}}},"
        "\"ConsultState\":{\"type\":\"object\",\"properties\":{"
        "\"call_id\":{\"type\":\"integer\"},"
        "\"state\":{\"enum\":[\"transferred\",\"talking\"]}}},"
        "\"Display\":{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":120},"
        "\"groups\":{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"integer\"},"
        "\"maxItems\":64,\"description\":\"response groups shown; null: all\"},"
        "\"token\":{\"type\":\"string\",\"readOnly\":true,\"description\":\"only in the "
        "answer to POST\"},"
        "\"login_path\":{\"type\":\"string\",\"readOnly\":true,"
        "\"description\":\"/wallboard.html?kiosk=1#token=…, only in the answer to POST\"}}},"
        "\"Wallboard\":{\"type\":\"object\",\"readOnly\":true,\"properties\":{"
        "\"display\":{\"type\":[\"object\",\"null\"],\"properties\":{"
        "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"}}},"
        "\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
        "\"group_id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},"
        "\"targets\":{\"type\":\"object\"},\"agent_states\":{\"type\":\"object\","
        "\"additionalProperties\":{\"type\":\"object\",\"properties\":{"
        "\"count\":{\"type\":\"integer\"},\"longest_s\":{\"type\":\"integer\"}}}}}}},"
        "\"email\":{\"type\":\"object\",\"properties\":{\"waiting\":{\"type\":\"integer\"},"
        "\"oldest_received_at\":{\"type\":[\"integer\",\"null\"]}}},"
        "\"at\":{\"type\":\"integer\"}}},"
        "\"Client\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},\"name\":{\"type\":\"string\"}}},"
        "\"PriceClass\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":60},"
        "\"description\":{\"type\":[\"string\",\"null\"],\"maxLength\":400},"
        "\"active\":{\"type\":\"boolean\"}},\"required\":[\"name\"]},"
        "\"LegalHold\":{\"type\":\"object\",\"properties\":{"
        "\"id\":{\"type\":\"integer\",\"readOnly\":true},"
        "\"case_id\":{\"type\":[\"integer\",\"null\"],\"readOnly\":true},"
        "\"citizen_id\":{\"type\":[\"integer\",\"null\"],\"readOnly\":true},"
        "\"reason\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":1000},"
        "\"set_by\":{\"type\":[\"integer\",\"null\"],\"readOnly\":true},"
        "\"set_at\":{\"type\":\"integer\",\"readOnly\":true}},\"required\":[\"reason\"]},"
        "\"LegalHoldList\":{\"type\":\"object\",\"properties\":{"
        "\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/LegalHold\"}},"
        "\"total\":{\"type\":\"integer\"}}},"
        "\"PeriodReport\":{\"type\":\"object\",\"properties\":{"
        "\"period\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},"
        "\"group_ids\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},"
        "\"description\":\"the groups the report is narrowed to (a lead's: theirs)\"},"
        "\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"
        "\"totals\":{\"type\":\"object\"},\"breakdowns\":{\"type\":\"object\"},"
        "\"busy_hours\":{\"type\":\"object\",\"properties\":{\"days\":{\"type\":\"integer\"},"
        "\"offered\":{\"type\":\"array\",\"description\":\"7 weekdays (Monday first) x 24 "
        "hours\",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}},"
        "\"service_level_hours\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"hour\":{\"type\":\"integer\"},\"offered\":{\"type\":\"integer\"},"
        "\"answered_60\":{\"type\":\"integer\"},"
        "\"service_level_60\":{\"type\":[\"number\",\"null\"]}}}},"
        "\"satisfaction_months\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"properties\":{\"month\":{\"type\":\"string\"},\"answers\":{\"type\":\"integer\"},"
        "\"distribution\":{\"type\":\"array\",\"description\":\"answers 1..5\","
        "\"items\":{\"type\":\"integer\"}},"
        "\"share_3_5\":{\"type\":[\"number\",\"null\"]},"
        "\"share_4_5\":{\"type\":[\"number\",\"null\"]}}}}}}"
        "}";

static const struct op_doc *doc_of(const char *method, const char *pattern)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (strcmp(docs[i].method, method) == 0 && strcmp(docs[i].pattern, pattern) == 0)
			return &docs[i];
	return NULL;
}

/* ======================================================================
 * The document
 * ====================================================================== */

/* "/api/v1/cases/{id}/notes/{id}" → "/api/v1/cases/{id}/notes/{id2}" (template names must
 * differ), with the names in `names` (at most REQ_MAX_PARAMS). */
static size_t openapi_path(const char *pat, char *out, size_t n, char names[][8])
{
	size_t o = 0, k = 0;

	while (*pat && o + 10 < n) {
		if (*pat == '{') {
			const char *end = strchr(pat, '}');
			if (!end || k >= REQ_MAX_PARAMS)
				break;
			if (k == 0)
				snprintf(names[k], 8, "id");
			else
				snprintf(names[k], 8, "id%zu", k + 1);
			o += (size_t)snprintf(out + o, n - o, "{%s}", names[k]);
			k++;
			pat = end + 1;
			continue;
		}
		out[o++] = *pat++;
	}
	out[o] = '\0';
	return k;
}

static void lower(const char *s, char *out, size_t n)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[i] = '\0';
}

static json_t *roles_of(unsigned roles)
{
	static const enum role all[] = {ROLE_AGENT, ROLE_GROUP_LEAD,    ROLE_MANAGER,
	                                ROLE_ADMIN, ROLE_CLIENT_VIEWER, ROLE_WALLBOARD};
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (roles & (unsigned)all[i])
			json_array_append_new(a, json_string(role_name(all[i])));
	return a;
}

static json_t *operation(const struct route *rt, const char *path, char names[][8], size_t nparams)
{
	const struct op_doc *d = doc_of(rt->method, rt->pattern);
	char id[320], m[16];
	json_t *op = json_object(), *params = json_array(), *resp = json_object();

	lower(rt->method, m, sizeof(m));
	snprintf(id, sizeof(id), "%s %s", m, path);
	json_object_set_new(op, "operationId", json_string(id));
	json_object_set_new(op, "summary",
	                    json_string(d           ? d->summary
	                                : rt->roles ? "Staff API"
	                                            : "Public"));
	json_object_set_new(op, "x-roles", roles_of(rt->roles));
	if (rt->roles)
		json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
	else
		json_object_set_new(op, "security", json_array());
	for (size_t i = 0; i < nparams; i++)
		json_array_append_new(params, json_pack("{s:s,s:s,s:b,s:{s:s,s:i}}", "name",
		                                        names[i], "in", "path", "required", 1,
		                                        "schema", "type", "integer", "minimum", 1));
	if (nparams)
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (d && d->schema) {
		char ref[80];

		snprintf(ref, sizeof(ref), "#/components/schemas/%s", d->schema);
		if (strcmp(rt->method, "GET") != 0)
			json_object_set_new(op, "requestBody",
			                    json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1,
			                              "content", "application/json", "schema",
			                              "$ref", ref));
		json_object_set_new(resp, strcmp(rt->method, "POST") == 0 ? "201" : "200",
		                    json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "The record",
		                              "content", "application/json", "schema", "$ref",
		                              ref));
	} else {
		json_object_set_new(resp, "2XX", json_pack("{s:s}", "description", "Success"));
	}
	json_object_set_new(resp, "default",
	                    json_pack("{s:s,s:{s:{s:{s:s}}}}", "description",
	                              "A problem (RFC 9457)", "content", "application/problem+json",
	                              "schema", "$ref", "#/components/schemas/Problem"));
	json_object_set_new(op, "responses", resp);
	return op;
}

int api_openapi_document(json_t **out)
{
	json_t *doc, *paths = json_object();
	json_error_t jerr;
	json_t *sch = json_loads(schemas, 0, &jerr);

	if (!sch || !paths) {
		json_decref(sch);
		json_decref(paths);
		return ENOMEM;
	}
	for (size_t t = 0; router_tables[t]; t++) {
		for (const struct route *rt = router_tables[t]; rt->pattern; rt++) {
			char path[300], names[REQ_MAX_PARAMS][8], m[16];
			size_t np = openapi_path(rt->pattern, path, sizeof(path), names);
			json_t *item = json_object_get(paths, path);

			if (!item) {
				item = json_object();
				json_object_set_new(paths, path, item);
			}
			lower(rt->method, m, sizeof(m));
			/* The router takes the first route that matches; a later duplicate never
			 * runs. */
			if (!json_object_get(item, m))
				json_object_set_new(item, m, operation(rt, path, names, np));
		}
	}
	doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s}}}}", "openapi", "3.1.0",
	                "info", "title", "Lotsen API", "version", "1", "description",
	                "Lotsen's HTTP API. Paths come from the server's route tables; x-roles "
	                "lists the roles that may call each (empty: no login). Errors are RFC 9457 "
	                "problems. See docs/api.md.",
	                "paths", paths, "components", "schemas", sch, "securitySchemes", "bearer",
	                "type", "http", "scheme", "bearer");
	if (!doc)
		return ENOMEM;
	*out = doc;
	return 0;
}

static int openapi(struct req *r)
{
	json_t *doc;
	int err = api_openapi_document(&doc);

	if (err)
		return resp_store_error(r, err, "openapi");
	return resp_json(r, 200, doc);
}

const struct route api_openapi_routes[] = {
        {"GET", "/api/v1/openapi.json", 0, openapi},
        {NULL, NULL, 0, NULL},
};

/* GET /api/v1/openapi.json: the OpenAPI 3.1 description of the API, its paths made from
 * the route tables (method, path, roles as x-roles) so it cannot leave a route out, and
 * the summaries and schemas of the main resources from the table below. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/auth.h"
#include "core/resource.h"
#include "http/http_int.h"

/* ======================================================================
 * What the route tables do not say: summaries and schemas
 * ====================================================================== */

struct op_doc {
	const char *method;  /* "GET" … */
	const char *pattern; /* as in the route table */
	const char *summary;
	/* The request body: a name under components.schemas (JSON), a media type (any type,
	 * "audio/wav": the body is the file), or NULL: none. */
	const char *request;
	/* The success body: a name under components.schemas, a media type (a string in that
	 * type), "redirect" (a Location header, no body) or NULL: none. */
	const char *response;
	unsigned status; /* the success status; 0: several (200 or 201, 202 or 204): "2XX" */
};

/* Every route but the administrative resources (their schemas come from their field
 * tables, below). A route missing here is still described, with a generic object. */
static const struct op_doc docs[] = {
        {"GET", "/api/v1/acd/groups", "Queues now, per response group", NULL, "AcdGroupPage", 200},
        {"GET", "/api/v1/acd/groups/{id32}", "One queue now", NULL, "AcdGroup", 200},
        {"GET", "/api/v1/acd/agents", "Agents' states now", NULL, "AcdAgentPage", 200},
        {"GET", "/api/v1/acd/agents/me", "The caller's own agent state", NULL, "AcdAgent", 200},
        {"GET", "/api/v1/acd/agents/{id32}", "An agent's state", NULL, "AcdAgent", 200},
        {"POST", "/api/v1/acd/agents/me/state", "The agent's own state", "AgentState", "AcdAgent",
         0},
        {"POST", "/api/v1/acd/agents/{id32}/state", "Set an agent's state (group lead)",
         "AgentState", "AcdAgent", 0},
        {"POST", "/api/v1/acd/calls", "A test call into the queue", "AcdCallIn", "AcdCallNow", 201},
        {"GET", "/api/v1/acd/calls/{id}", "A call in the ACD", NULL, "AcdCall", 200},
        {"POST", "/api/v1/acd/calls/{id}/answer", "Answer an offered call", "Ignored", "AcdCallNow",
         0},
        {"POST", "/api/v1/acd/calls/{id}/reject", "Refuse an offered call", "Ignored", "AcdCallNow",
         0},
        {"POST", "/api/v1/acd/calls/{id}/hangup", "End a call", "Ignored", "AcdCallNow", 0},
        {"POST", "/api/v1/acd/calls/{id}/transfer", "Transfer a call to another group or agent",
         "AcdTransfer", "AcdCallNow", 0},
        {"POST", "/api/v1/acd/calls/{id}/callback", "Ask for a callback instead of waiting",
         "Ignored", "AcdCallNow", 0},
        {"POST", "/api/v1/acd/calls/{id}/callback-result", "The outcome of a callback attempt",
         "CallbackResult", "AcdCallNow", 0},
        {"GET", "/api/v1/acd/intervals", "Queue figures per interval", NULL, "AcdIntervals", 200},
        {"GET", "/api/v1/acd/events", "The ACD's event log", NULL, "Page", 200},
        {"GET", "/api/v1/acd/stream", "Server-sent events of queue changes", NULL,
         "text/event-stream", 200},
        {"POST", "/api/v1/acd/reload", "Reload groups, hours and closures into the ACD", NULL,
         "AcdGroupPage", 0},
        {"GET", "/healthz", "Health of the database and the loop", NULL, "Health", 200},
        {"POST", "/api/v1/login", "Log in with username and password; returns a bearer token",
         "LoginRequest", "Login", 200},
        {"POST", "/api/v1/logout", "End the session", NULL, NULL, 204},
        {"GET", "/api/v1/me", "The logged-in user", NULL, "Me", 200},
        {"POST", "/api/v1/users/{id}/sip-secret", "Set a user's SIP password", "SipSecretIn",
         "SipSecretSet", 0},
        {"GET", "/api/v1/calls", "Calls (recordings, surveys)", NULL, "TelCallPage", 200},
        {"POST", "/api/v1/calls/{id}/record", "Start or stop recording a call", "Ignored",
         "Recording", 0},
        {"GET", "/api/v1/surveys/answers", "Answers to the after-call survey", NULL,
         "SurveyAnswerPage", 200},
        {"POST", "/api/v1/cases/{id}/status", "Change a case's status (If-Match: the ETag)",
         "CaseStatusChange", "Case", 200},
        {"GET", "/api/v1/cases/waiting", "Cases waiting for a department or a citizen", NULL,
         "WaitingCasePage", 200},
        {"POST", "/api/v1/handovers/{id}/question", "The department asks a question back",
         "HandoverQuestionIn", "Case", 0},
        {"POST", "/api/v1/handovers/{id}/reply",
         "The contact center replies to a department's question", "HandoverReplyIn", "Case", 0},
        {"POST", "/api/v1/handovers/{id}/takeover", "The department takes the case over",
         "HandoverTakeoverIn", "Case", 0},
        {"POST", "/api/v1/cases/{id}/attachments", "Attach a file to a case (the body is the file)",
         "*/*", "Attachment", 0},
        {"GET", "/api/v1/cases/{id}/attachments", "A case's attachments", NULL, "AttachmentList",
         200},
        {"GET", "/api/v1/attachments/{id}", "An attachment's file", NULL, "*/*", 200},
        {"DELETE", "/api/v1/attachments/{id}", "Remove an attachment", NULL, NULL, 204},
        {"POST", "/api/v1/cases", "Log a case", "Case", "Case", 201},
        {"GET", "/api/v1/cases", "Search the case log", NULL, "CasePage", 200},
        {"GET", "/api/v1/cases/{id}", "A case, with its ETag", NULL, "Case", 200},
        {"PATCH", "/api/v1/cases/{id}", "Change a case (If-Match: the ETag)", "Case", "Case", 200},
        {"POST", "/api/v1/cases/{id}/handovers", "Hand a case over to a department", "HandoverIn",
         "Case", 201},
        {"GET", "/api/v1/handovers", "Handovers to departments", NULL, "HandoverPage", 200},
        {"POST", "/api/v1/handovers/{id}/answer", "The department's answer to a handover",
         "HandoverAnswerIn", "Case", 0},
        {"GET", "/api/v1/citizens/{id}", "A citizen (audited)", NULL, "Citizen", 200},
        {"GET", "/api/v1/citizens/{id}/cases", "A citizen's cases (audited)", NULL, "CasePage",
         200},
        {"GET", "/api/v1/citizens/{id}/export",
         "Everything held about a citizen: the registerutdrag (audited)", NULL, "CitizenExport",
         200},
        {"GET", "/api/v1/notifications", "The caller's notifications", NULL, "NotificationPage",
         200},
        {"POST", "/api/v1/notifications/{id}/read", "Mark a notification read", NULL, NULL, 204},
        {"GET", "/api/v1/audit", "The audit log", NULL, "AuditPage", 200},
        {"GET", "/api/v1/directory", "Staff and department directory with presence", NULL,
         "DirectoryPage", 200},
        {"PUT", "/api/v1/directory/me/presence", "Set one's own presence", "PresenceIn", "Ok", 0},
        {"PUT", "/api/v1/directory/staff/{id}/presence", "Set a colleague's presence", "PresenceIn",
         "Ok", 0},
        {"GET", "/api/v1/me/today", "The caller's own figures today", NULL, "MeToday", 200},
        {"GET", "/api/v1/cases/counts", "Case counts per outcome and channel for a group", NULL,
         "CaseCounts", 200},
        {"GET", "/api/v1/kb/articles", "Search the knowledge base", NULL, "KbArticlePage", 200},
        {"POST", "/api/v1/kb/articles", "Write a knowledge-base article", "KbArticle", "KbArticle",
         201},
        {"GET", "/api/v1/kb/articles/{id}", "A knowledge-base article", NULL, "KbArticle", 200},
        {"PATCH", "/api/v1/kb/articles/{id}", "Change an article (a new version)", "KbArticle",
         "KbArticle", 200},
        {"GET", "/api/v1/kb/articles/{id}/versions", "An article's versions", NULL, "KbVersionPage",
         200},
        {"GET", "/api/v1/kb/articles/{id}/diff",
         "The difference between two versions of an article", NULL, "KbDiff", 200},
        {"POST", "/api/v1/kb/articles/{id}/flags", "Flag an article as wrong or out of date",
         "KbFlagIn", "KbFlagCreated", 201},
        {"GET", "/api/v1/kb/flags", "Open flags on articles", NULL, "KbFlagPage", 200},
        {"PATCH", "/api/v1/kb/flags/{id}", "Close a flag", "KbFlagClose", "KbFlagClosed", 0},
        {"GET", "/api/v1/kb/search", "Full-text search of the knowledge base", NULL, "KbSearch",
         200},
        {"POST", "/api/v1/kb/search/abandon", "Record a search that found nothing useful",
         "KbSearchAbandon", "Recorded", 200},
        {"GET", "/api/v1/kb/notices", "Current notices (driftinformation)", NULL, "KbArticlePage",
         200},
        {"GET", "/api/v1/kb/review-due", "Articles due for review", NULL, "KbArticlePage", 200},
        {"POST", "/api/v1/kb/missing", "Report a missing article", "KbMissingIn",
         "KbMissingCreated", 201},
        {"GET", "/api/v1/kb/stats", "Knowledge-base use", NULL, "KbStats", 200},
        {"POST", "/api/v1/cases/{id}/articles", "Link an article to a case", "CaseArticleIn",
         "CaseArticle", 201},
        {"GET", "/api/v1/kb/synonyms", "Search synonyms", NULL, "KbSynonymPage", 200},
        {"POST", "/api/v1/kb/synonyms", "Add a search synonym", "KbSynonymIn", "KbSynonymCreated",
         201},
        {"DELETE", "/api/v1/kb/synonyms/{id}", "Remove a search synonym", NULL, NULL, 204},
        {"GET", "/api/v1/kb/keywords", "Search keywords", NULL, "KbKeywordPage", 200},
        {"POST", "/api/v1/kb/keywords", "Add a search keyword", "KbKeywordIn", "KbKeywordCreated",
         201},
        {"DELETE", "/api/v1/kb/keywords/{id}", "Remove a search keyword", NULL, NULL, 204},
        {"POST", "/api/v1/kb/missing/connect", "Connect missed searches to an article",
         "KbMissConnectIn", "KbMissConnected", 201},
        {"POST", "/api/v1/kb/articles/{id}/read", "Confirm having read an article", NULL,
         "KbReadConfirmed", 200},
        {"GET", "/api/v1/kb/reads/mine", "Articles the caller must read", NULL, "KbReadsMine", 200},
        {"GET", "/api/v1/kb/reads", "Who has read the articles that must be read", NULL,
         "KbReadStatusPage", 200},
        {"GET", "/api/v1/cases/{id}/mails", "A case's e-mails", NULL, "MailList", 200},
        {"POST", "/api/v1/cases/{id}/mails", "Answer a case by e-mail", "CaseMailIn", "OutboxMail",
         201},
        {"GET", "/api/v1/mails/{id}", "An e-mail", NULL, "Mail", 200},
        {"GET", "/api/v1/mails/{id}/raw", "An e-mail as received (RFC 5322)", NULL,
         "message/rfc822", 200},
        {"GET", "/api/v1/mail-attachments/{id}", "An e-mail's attachment", NULL, "*/*", 200},
        {"GET", "/api/v1/mailboxes", "Mailboxes read by the intake", NULL, "MailboxPage", 200},
        {"POST", "/api/v1/mailboxes", "Add a mailbox", "MailboxNew", "Mailbox", 201},
        {"GET", "/api/v1/mailboxes/{id}", "A mailbox", NULL, "Mailbox", 200},
        {"PATCH", "/api/v1/mailboxes/{id}", "Change a mailbox", "MailboxIn", "Mailbox", 200},
        {"DELETE", "/api/v1/mailboxes/{id}", "Remove a mailbox", NULL, NULL, 204},
        {"GET", "/api/v1/mail/outbox", "E-mails waiting to be sent", NULL, "OutboxPage", 200},
        {"GET", "/metrics", "Counters in Prometheus' text format (loopback or metrics-token)", NULL,
         "text/plain", 200},
        {"GET", "/api/v1/openapi.json", "This description", NULL, "OpenApi", 200},
        {"GET", "/api/v1/public/contact",
         "Public: the groups' numbers, hours and queues; the feedback form's choices", NULL,
         "PublicContact", 200},
        {"POST", "/api/v1/public/feedback", "Public: the feedback form (Tyck till)", "Feedback",
         "FeedbackReceived", 201},
        {"GET", "/api/v1/reports/monthly", "The monthly report (JSON, CSV, XLSX or PDF by format)",
         NULL, "MonthlyReport", 200},
        {"GET", "/api/v1/reports/invoice", "The invoice basis per client", NULL, "InvoiceReport",
         200},
        {"GET", "/api/v1/reports/period",
         "The period report (period, client_id, client_unit_id, category_id, group=ID repeated"
         " or comma list; a group lead: only groups they lead, theirs when none is named;"
         " format json|csv|xlsx|pdf)",
         NULL, "PeriodReport", 200},
        {"GET", "/api/v1/reports/stored", "Reports stored each month", NULL, "StoredReportPage",
         200},
        {"GET", "/api/v1/reports/stored/{id}", "A stored report", NULL, "MonthlyReport", 200},
        {"GET", "/api/v1/sso", "Whether single sign-on is on", NULL, "SsoInfo", 200},
        {"GET", "/api/v1/sso/start", "Start an OpenID Connect login (a redirect to the provider)",
         NULL, "redirect", 302},
        {"GET", "/api/v1/sso/callback", "The provider's redirect back (a redirect to the desk)",
         NULL, "redirect", 302},
        {"POST", "/api/v1/sso/session", "Exchange a single-sign-on ticket for a token",
         "SsoSessionIn", "Login", 200},
        {"GET", "/api/v1/telephony", "Telephony settings", NULL, "Telephony", 200},
        {"PUT", "/api/v1/telephony/menus", "Replace the voice menus", "MenuIn", "MenuSet", 200},
        {"PATCH", "/api/v1/telephony/groups/{id32}/policy",
         "Change a group's recording and survey policy", "GroupPolicyIn", "GroupPolicy", 200},
        {"PUT", "/api/v1/telephony/groups/{id32}/announcement",
         "Set a group's announcement (spoken text or a WAV in base64)", "AnnouncementIn",
         "Telephony", 200},
        {"DELETE", "/api/v1/telephony/groups/{id32}/announcement", "Remove a group's announcement",
         NULL, NULL, 204},
        {"PUT", "/api/v1/telephony/crisis", "Turn the crisis message on or off", "AnnouncementIn",
         "Telephony", 200},
        {"POST", "/api/v1/calls/{id}/listen", "A group lead listens to or coaches a call",
         "ListenIn", "Listening", 202},
        {"POST", "/api/v1/calls/{id}/transfer-out", "Transfer a call to an outside number",
         "TransferOutIn", "TransferredOut", 202},
        {"GET", "/api/v1/telephony/trunks", "SIP trunks", NULL, "TrunkPage", 200},
        {"POST", "/api/v1/telephony/trunks", "Add a SIP trunk", "TrunkNew", "Trunk", 201},
        {"PATCH", "/api/v1/telephony/trunks/{id}", "Change a SIP trunk", "TrunkIn", "Trunk", 200},
        {"DELETE", "/api/v1/telephony/trunks/{id}", "Remove a SIP trunk", NULL, NULL, 204},
        {"GET", "/api/v1/schedules", "A week's schedule (?group_id=, ?week=2026-W50)", NULL,
         "Schedule", 200},
        {"PUT", "/api/v1/schedules", "Replace a group's week (?group_id=, ?week=)", "ScheduleIn",
         "Schedule", 200},
        {"POST", "/api/v1/shifts", "Add a shift", "WfmEntryNew", "WfmEntry", 201},
        {"GET", "/api/v1/shifts/{id}", "A shift", NULL, "WfmEntry", 200},
        {"PATCH", "/api/v1/shifts/{id}", "Change a shift", "WfmEntryIn", "WfmEntry", 200},
        {"DELETE", "/api/v1/shifts/{id}", "Remove a shift", NULL, NULL, 204},
        {"GET", "/api/v1/coverage", "Staffing against need per interval", NULL, "Coverage", 200},
        {"GET", "/api/v1/coverage.csv", "Coverage as CSV", NULL, "text/csv", 200},
        {"GET", "/api/v1/coverage.xlsx", "Coverage as a spreadsheet", NULL,
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 200},
        {"GET", "/api/v1/wfm/today", "Planning against today's traffic", NULL, "WfmToday", 200},
        {"GET", "/api/v1/wfm/summary", "The steering board's planning figures", NULL, "WfmSummary",
         200},
        {"GET", "/api/v1/groups/{id}/wfm-targets", "A group's planning targets", NULL, "WfmTargets",
         200},
        {"PUT", "/api/v1/groups/{id}/wfm-targets", "Set a group's planning targets", "WfmTargets",
         "WfmTargets", 200},
        {"GET", "/api/v1/agents/{id32}/languages", "The languages an agent takes calls in", NULL,
         "AgentLanguages", 200},
        {"PUT", "/api/v1/agents/{id32}/languages",
         "Set the languages an agent takes calls in (the queue uses them at once)",
         "AgentLanguages", "AgentLanguages", 200},
        {"POST", "/api/v1/calls/{id}/consult",
         "Hold the caller and call an agent or a number (consultative transfer)", "Consult",
         "Consult", 0},
        {"POST", "/api/v1/calls/{id}/consult/complete",
         "Hand the caller over to the consulted party; the agent is released", "Ignored",
         "ConsultState", 200},
        {"POST", "/api/v1/calls/{id}/consult/cancel",
         "End the consultation; caller and agent talk again", "Ignored", "ConsultState", 200},
        {"GET", "/api/v1/wallboard", "The wallboard's figures: targets, agents per state, e-mail",
         NULL, "Wallboard", 200},
        {"POST", "/api/v1/displays", "Issue a display login (its token shown once)", "Display",
         "Display", 201},
        {"GET", "/api/v1/displays", "Display logins (never their tokens)", NULL, "DisplayPage",
         200},
        {"DELETE", "/api/v1/displays/{id}", "Revoke a display login", NULL, NULL, 204},
        {"PUT", "/api/v1/acd/agents/{id32}/channels", "An agent's channels (voice, email)",
         "AgentChannelsIn", "AgentChannels", 200},
        {"GET", "/api/v1/mail/queue", "A group's e-mail waiting for an agent, first due first",
         NULL, "MailQueue", 200},
        {"GET", "/api/v1/mail/items/{id}", "An e-mail item of the queue", NULL, "MailItem", 200},
        {"POST", "/api/v1/mail/items/{id}/take", "Take an e-mail (or accept its offer)", "Empty",
         "MailItem", 0},
        {"POST", "/api/v1/mail/items/{id}/release", "Put an e-mail back (or decline its offer)",
         "Empty", "MailItem", 0},
        {"POST", "/api/v1/cases/{id}/hold", "Set a legal hold on a case (admin): {reason}",
         "LegalHold", "LegalHold", 0},
        {"DELETE", "/api/v1/cases/{id}/hold", "Release the case's legal hold (admin)", NULL, NULL,
         0},
        {"GET", "/api/v1/holds", "The legal holds in force (admin, manager); audited", NULL,
         "LegalHoldList", 200},
};

/* Shapes shared by the operations: components.schemas, one JSON text each (each under
 * the 4095 characters C guarantees for a string literal). */
struct schema_doc {
	const char *name;
	const char *json;
};

/* The JSON texts are laid out by hand. */
/* clang-format off */
#define NULLABLE(t) "{\"type\":[\"" t "\",\"null\"]}"
#define STR         "{\"type\":\"string\"}"
#define INT         "{\"type\":\"integer\"}"
#define NUM         "{\"type\":\"number\"}"
#define BOOL        "{\"type\":\"boolean\"}"
#define TIME        "{\"type\":\"string\",\"format\":\"date-time\"}"
#define NTIME       "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define PAGE_OF(item)                                                                              \
	"{\"allOf\":[{\"$ref\":\"#/components/schemas/Page\"},{\"properties\":{\"items\":{"        \
	"\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/" item "\"}}}}]}"

static const struct schema_doc schema_docs[] = {
        {"Problem",
         "{\"type\":\"object\",\"description\":\"RFC 9457 problem details\","
         "\"properties\":{\"type\":" STR ",\"title\":" STR ",\"status\":" INT ",\"detail\":"
         STR ",\"errors\":{\"type\":\"array\",\"description\":\"One per field in error\","
         "\"items\":{\"type\":\"object\",\"required\":[\"field\",\"message\"],"
         "\"properties\":{\"field\":" STR ",\"message\":" STR "}}}},"
         "\"required\":[\"title\",\"status\"]}"},
        {"Object",
         "{\"type\":\"object\",\"description\":\"A JSON object; see docs/api.md\"}"},
        {"Page",
         "{\"type\":\"object\",\"description\":\"A list: items, and when paged total, "
         "limit " "and offset (?limit=, ?offset=)\",\"required\":[\"items\"],\"properties\":{"
         "\"items\":{\"type\":\"array\"},\"total\":" INT ",\"limit\":" INT ",\"offset\":" INT
         "}}"},
        {"Health",
         "{\"type\":\"object\",\"required\":[\"status\",\"database\"],\"properties\":{"
         "\"status\":{\"enum\":[\"ok\",\"degraded\"]},\"database\":" STR ",\"loop_max_ms\":"
         NUM ",\"loop_probe_ms\":" NUM ",\"loop_max_cpu_ms\":" NUM "}}"},
        {"LoginRequest",
         "{\"type\":\"object\",\"required\":[\"username\",\"password\"],\"properties\":{"
         "\"username\":" STR ",\"password\":{\"type\":\"string\",\"writeOnly\":true}}}"},
        {"Login",
         "{\"type\":\"object\",\"required\":[\"token\",\"user_id\",\"role\"],"
         "\"properties\":{" "\"token\":" STR ",\"user_id\":" INT
         ",\"role\":{\"$ref\":\"#/components/schemas/Role\"}," "\"expires_in\":" INT
         ",\"client_id\":" INT "}}"},
        {"Role",
         "{\"enum\":[\"agent\",\"group_lead\",\"manager\",\"admin\",\"client_viewer\"]}"},
        {"Me",
         "{\"type\":\"object\",\"required\":[\"id\",\"username\",\"role\"],\"properties\":{"
         "\"id\":" INT ",\"username\":" STR ",\"display_name\":" STR
         ",\"role\":{\"$ref\":\"#/components/schemas/Role\"},\"client_id\":"
         NULLABLE("integer") ",\"unit_id\":" NULLABLE("integer") ",\"groups\":{\"type\":"
         "\"array\"}}}"},
        {"CaseStatus",
         "{\"enum\":[\"open\",\"waiting_for_department\",\"waiting_for_"
         "citizen\",\"closed\"]}"},
        {"CasePage",
         "{\"allOf\":[{\"$ref\":\"#/components/schemas/Page\"},{\"properties\":{\"items\":{"
         "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Case\"}},"
         "\"total_exact\":" BOOL ",\"next\":{\"type\":[\"string\",\"null\"],\"description\":"
         "\"The cursor of the next page (?after=)\"}}}]}"},
        {"Citizen",
         "{\"type\":\"object\",\"description\":\"A citizen (personal data: reads are "
         "audited)\",\"required\":[\"id\"],\"properties\":{\"id\":{\"type\":\"integer\","
         "\"readOnly\":true},\"name\":" NULLABLE("string") ",\"phone\":" NULLABLE("string")
         ",\"email\":" NULLABLE("string") ",\"personal_id\":" NULLABLE("string")
         ",\"created_at\":" INT "}}"},
        {"CitizenExport",
         "{\"type\":\"object\",\"required\":[\"exported_at\",\"citizen\",\"cases\"],"
         "\"properties\":{\"exported_at\":" TIME
         ",\"citizen\":{\"$ref\":\"#/components/schemas/"
         "Citizen\"},\"cases\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
         "\"required\":" "[\"id\",\"channel\",\"status\"],\"properties\":{\"id\":" INT
         ",\"channel\":" STR
         ",\"status\":{\"$ref\":\"#/components/schemas/CaseStatus\"},\"summary\":" STR
         ",\"history\":{\"type\":\"array\"},\"handovers\":{\"type\":\"array\"},"
         "\"attachments\":{\"type\":\"array\"},\"emails\":{\"type\":\"array\"},"
         "\"calls\":{\"type\":\"array\"},\"survey_answers\":{\"type\":\"array\"}}}},"
         "\"legal_holds\":{\"type\":\"array\"},\"audit\":{\"type\":\"array\"}}}"},
        {"Handover",
         "{\"type\":\"object\",\"description\":\"A case handed over to a " "department "
         "contact\",\"required\":[\"id\",\"case_id\"],\"properties\":{\"id\":{" "\"type\":"
         "\"integer\",\"readOnly\":true},\"case_id\":" INT ",\"client_id\":"
         NULLABLE("integer") ",\"client\":" NULLABLE("string") ",\"contact_id\":"
         NULLABLE("integer") ",\"contact\":" NULLABLE("string") ",\"message\":" STR
         ",\"created_at\":" TIME ",\"due_date\":" NULLABLE("string")
         ",\"group_id\":" NULLABLE("integer") ",\"answered_at\":" NTIME ",\"answer\":"
         NULLABLE("string") ",\"status\"" ":" STR ",\"question\"" ":" NULLABLE("string") ",\"reply\":" NULLABLE("string") ",\"client_unit_id\":" NULLABLE("integer") ","
         "\"" "c" "a" "s" "e" "_" "s" "t" "a" "t" "u" "s" "\":" "{" "\"" "$" "r" "e" "f" "\""
         ":" "\"#" "/" "c" "o" "m" "p" "o" "n" "e" "n" "t" "s" "/" "s" "c" "h" "e" "m" "a" "s"
         "/" "C" "a" "s" "e" "S" "t" "a" "t" "u" "s" "\"" "}" "," "\"o" "v" "e" "r" "d" "u" "e"
         "\"" ":" BOOL "," "\"" "w" "o" "r" "k" "i" "n" "g" "_" "d" "a" "y" "s" "_" "l" "e" "f"
         "t" "\"" ":" NULLABLE("integer") "}}"},
        {"HandoverPage", PAGE_OF("Handover")},
        {"KbArticle",
         "{\"type\":\"object\",\"description\":\"A knowledge-base article " "(body in "
         "Markdown)\",\"required\":[\"id\",\"title\",\"kind\"],\"properties\":" "{\"id\":{"
         "\"type\":\"integer\",\"readOnly\":true},\"slug\":" STR ",\"kind\":" STR ",\"title\":"
         STR ",\"body\":{\"type\":\"string\",\"description\":\"Markdown\"},"
         "\"body_html\":{\"type\":\"string\",\"readOnly\":true}," "\"status\":" STR
         ",\"version\":{\"type\":\"integer\",\"readOnly\":" "true},\"created_at\":" TIME
         ",\"updated_at\":" TIME ",\"owner_id\":" NULLABLE("integer") ",\"review_date\":"
         NULLABLE("string") ",\"valid_from\":" NULLABLE("string") ",\"valid_to\":"
         NULLABLE("string") ",\"updated_by\":" NULLABLE("integer") "," "\"" "gr" "ou" "ps"
         "\"" ":{" "\"" "ty" "pe" "\"" ":" "\"" "ar" "ra" "y" "\"" "," "\"" "it" "em" "s" "\""
         ":" INT "}," "\"" "cl" "ie" "nt" "s" "\"" ":{" "\"" "ty" "pe" "\"" ":" "\"" "ar" "ra"
         "y" "\"" "," "\"" "it" "em" "s" "\"" ":" INT "}," "\"" "ca" "te" "go" "ri" "es" "\""
         ":{" "\"" "ty" "pe" "\"" ":" "\"" "ar" "ra" "y" "\"" "," "\"" "it" "em" "s" "\"" ":"
         INT "}," "\"" "ta" "gs" "\"" ":{" "\"" "ty" "pe" "\"" ":" "\"" "ar" "ra" "y" "\"" ","
         "\"" "it" "em" "s" "\"" ":" STR "}," "\"" "ca" "n_" "ed" "it" "\"" ":{" "\"" "ty" "pe"
         "\"" ":" "\"" "bo" "ol" "ea" "n" "\"" "," "\"" "re" "ad" "On" "ly" "\"" ":t" "ru" "e}"
         "}" "}"},
        {"KbArticlePage", PAGE_OF("KbArticle")},
        {"PublicContact",
         "{\"type\":\"object\",\"required\":[\"groups\"],\"properties\":{\"groups\":{"
         "\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\",\"name\"],"
         "\"properties\":{\"id\":" INT ",\"name\":" STR ",\"email\":" NULLABLE("string")
         ",\"numbers\":{\"type\":\"array\",\"items\":" STR "},\"open_now\":" BOOL
         ",\"hours\":{\"type\":\"array\"},\"busy\":{\"type\":[\"object\"," "\"null\"]}}}},"
         "\"feedback\":{\"type\":\"object\",\"properties\":{\"clients\":{"
         "\"type\":\"array\"}," "\"kinds\":{\"type\":\"array\",\"items\":" STR "}}},\"today\":"
         STR ",\"at\":" TIME "}}"},
        {"WfmTargets",
         "{\"type\":\"object\",\"description\":\"A group's planning "
         "targets\",\"properties\":{"
         "\"group_id\":{\"type\":\"integer\",\"readOnly\":true},\"target_sl\":" NUM
         ",\"target_time_s\":" INT ",\"max_occupancy\":" NUM ",\"shrinkage\":" NUM
         ",\"default\":{\"type\":\"boolean\",\"readOnly\":true}}}"},
        {"AuditEntry",
         "{\"type\":\"object\",\"description\":\"Who did or read what, "
         "when\",\"required\":[\"id\"," "\"at\",\"action\",\"entity\"],\"properties\":{\"id\":"
         INT ",\"at\":{\"type\":\"integer\"," "\"description\":\"Unix time\"},\"action\":" STR
         ",\"entity\":" STR ",\"entity_id\":" NULLABLE("integer") ",\"user_id\":"
         NULLABLE("integer") ",\"username\":" NULLABLE("string") ",\"detail\":" NULLABLE("string") "}}"},
        {"AuditPage", PAGE_OF("AuditEntry")},
        {"SsoInfo",
         "{\"type\":\"object\",\"required\":[\"enabled\"],\"properties\":{\"enabled\":" BOOL
         ",\"local_passwords\":" STR "}}"},
        {"MeToday",
         "{\"type\":\"object\",\"required\":[\"cases\",\"calls\",\"time\"],\"properties\":{"
         "\"cases\":{\"type\":\"object\",\"additionalProperties\":" INT
         "},\"calls\":{\"type\":" "\"object\",\"properties\":{\"answered\":" INT ",\"aht_s\":"
         NULLABLE("number") "}}," "\"time\":{\"type\":\"object\",\"additionalProperties\":" NUM
         "},\"no_answers\":" INT ",\"from\":" TIME ",\"at\":" TIME "}}"},
        {"CaseCounts",
         "{\"type\":\"object\",\"required\":[\"total\",\"outcomes\",\"channels\"],"
         "\"properties\":{" "\"group_id\":" NULLABLE("integer") ",\"from\":" STR ",\"to\":" STR
         ",\"total\":" INT ",\"outcomes\":{\"type\":\"object\"," "\"additionalProperties\":"
         INT "},\"channels\":{" "\"type\":\"object\",\"additionalProperties\":" INT
         "},\"threat\":" INT ",\"fcr\":" NULLABLE("number") ",\"fcr_with_guided\":"
         NULLABLE("number") "}}"},
        {"AcdIntervals",
         "{\"type\":\"object\",\"required\":[\"intervals\",\"totals\"],\"properties\":{"
         "\"intervals\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},\"totals\":{"
         "\"type\":" "\"object\",\"additionalProperties\":" NUM
         "},\"agents\":{\"type\":\"object\"," "\"additionalProperties\":" NULLABLE("number")
         "}}}"},
        {"KbStats",
         "{\"type\":\"object\",\"required\":[\"most_used\",\"missing\",\"open_flags\"],"
         "\"properties\":{\"most_used\":{\"type\":\"array\"},\"missing\":{\"type\":"
         "\"array\"}," "\"missed_searches\":{\"type\":\"array\"},\"open_flags\":" INT "}}"},
        {"KbVersion",
         "{\"type\":\"object\",\"required\":[\"version\",\"created_at\"],\"properties\":{"
         "\"version\":" INT ",\"created_at\":" TIME ",\"title\":" STR ",\"author_id\":"
         NULLABLE("integer") ",\"author\":" NULLABLE("string") ",\"note\":" NULLABLE("string")
         "}}"},
        {"KbVersionPage", PAGE_OF("KbVersion")},
        {"KbSynonym",
         "{\"type\":\"object\",\"required\":[\"id\",\"word\",\"means\"],\"properties\":{"
         "\"id\":" "{\"type\":\"integer\",\"readOnly\":true},\"word\":" STR ",\"means\":" STR
         ",\"created_by\":" NULLABLE("integer") ",\"created_at\":" INT "}}"},
        {"KbSynonymPage", PAGE_OF("KbSynonym")},
        {"WfmSummary",
         "{\"type\":\"object\",\"required\":[\"at\",\"groups\"],\"properties\":{" "\"at\":"
         TIME ",\"interval_min\":" INT
         ",\"groups\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
         "\"required\":[\"group_id\"],\"properties\":{\"group_id\":" INT
         ",\"forecast_available\":" BOOL ",\"forecast_day\":" NUM ",\"actual_today\":" INT
         ",\"needed_now\":" NULLABLE("integer") ",\"scheduled_now\":" NUM ",\"logged_in_now\":"
         NUM ",\"login_rate\":" NULLABLE("number") "}}}}}"},
        {"StoredReport",
         "{\"type\":\"object\",\"required\":[\"id\",\"month\",\"format\"],"
         "\"properties\":{\"id\":" INT ",\"month\":" STR ",\"client_id\":" NULLABLE("integer")
         ",\"client_name\":" NULLABLE("string") ",\"format\":" STR ",\"bytes\":" INT
         ",\"created_at\":" TIME "}}"},
        {"StoredReportPage", PAGE_OF("StoredReport")},
        {"WaitingCase",
         "{\"type\":\"object\",\"required\":[\"id\",\"status\"],\"properties\":{\"id\":" INT
         ",\"status\":{\"$ref\":\"#/components/schemas/" "CaseStatus\"},\"status_changed_at\":"
         NTIME ",\"received_at\":" TIME ",\"group\":" STR ",\"client\":" NULLABLE("string")
         ",\"summary\":" STR ",\"waited_s\":" INT ",\"client_unit\":" NULLABLE("string") "}}"},
        {"WaitingCasePage", PAGE_OF("WaitingCase")},
        {"OpenApi",
         "{\"type\":\"object\",\"description\":\"An OpenAPI 3.1 document\",\"required\":["
         "\"openapi\",\"info\",\"paths\",\"components\"],\"properties\":{\"openapi\":{"
         "\"const\":"
         "\"3.1.0\"},\"info\":{\"type\":\"object\"},\"paths\":{\"type\":\"object\"},"
         "\"components\":{\"type\":\"object\"}}}"},
        {"CaseStatusChange",
         "{\"type\":\"object\",\"required\":[\"status\"],\"additionalProperties\":false,"
         "\"properties\":{\"status\":{\"$ref\":\"#/components/schemas/CaseStatus\"},"
         "\"reason\":{\"type\":[\"string\",\"null\"],\"maxLength\":2000,\"description\":"
         "\"Why the case is closed or waits\"},\"citizen_informed\":{\"enum\":[\"phone\","
         "\"email\",\"letter\",\"visit\",null],\"description\":\"How the citizen was told\"}}}"},
        {"AgentState",
         "{\"type\":\"object\",\"required\":[\"state\"],\"properties\":{\"state\":{\"enum\":["
         "\"logged_in\",\"ready\",\"paused\",\"logged_out\"]},\"reason\":{\"type\":\"string\","
         "\"description\":\"A pause's reason (meeting, …)\"}}}"},
        {"AgentLanguages",
         "{\"type\":\"object\",\"properties\":{\"agent_id\":{\"type\":\"integer\",\"readOn"
         "ly\":true},\"languages\":{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":"
         "\"string\",\"pattern\":\"^[a-z]{2,3}$\"}}},\"required\":[\"languages\"]}"},
        {"Consult",
         "{\"type\":\"object\",\"description\":\"One of agent_id, group_id (its member rea"
         "dy longest), number, contact_id\",\"properties\":{\"agent_id\":{\"type\":\"integ"
         "er\"},\"group_id\":{\"type\":\"integer\"},\"number\":{\"type\":\"string\"},\"con"
         "tact_id\":{\"type\":\"integer\"},\"note\":{\"type\":\"string\",\"maxLength\":511"
         ",\"description\":\"Follows the call to the target and onto its record\"},\"call_"
         "id\":{\"type\":\"integer\",\"readOnly\":true},\"state\":{\"enum\":[\"consulting\""
         "],\"readOnly\":true}}}"},
        {"Display",
         "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"id\":{\"type\":\""
         "integer\",\"readOnly\":true},\"name\":{\"type\":\"string\",\"minLength\":1,\"max"
         "Length\":120},\"groups\":{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"in"
         "teger\"},\"maxItems\":64,\"description\":\"response groups shown; null: all\"},\""
         "token\":{\"type\":\"string\",\"readOnly\":true,\"description\":\"only in the ans"
         "wer to POST\"},\"login_path\":{\"type\":\"string\",\"readOnly\":true,\"descripti"
         "on\":\"/wallboard.html?kiosk=1#token=…, only in the answer to POST\"}}}"},
        {"LegalHold",
         "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\",\"readOnly\":t"
         "rue},\"case_id\":{\"type\":[\"integer\",\"null\"],\"readOnly\":true},\"citizen_i"
         "d\":{\"type\":[\"integer\",\"null\"],\"readOnly\":true},\"reason\":{\"type\":\"s"
         "tring\",\"minLength\":1,\"maxLength\":1000},\"set_by\":{\"type\":[\"integer\",\""
         "null\"],\"readOnly\":true},\"set_at\":{\"type\":\"integer\",\"readOnly\":true}},"
         "\"required\":[\"reason\"]}"},
        {"LegalHoldList",
         "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{\""
         "$ref\":\"#/components/schemas/LegalHold\"}},\"total\":{\"type\":\"integer\"}}}"},
};
/* clang-format on */
/* More shapes, written with ' for " (no ' inside a text: use ’): read like the JSON they
 * are. Set additionalProperties false where the answer is fixed, so a field a handler
 * adds and this table does not fails the tests. */
/* clang-format off */
#define S_    "{'type':'string'}"
#define I_    "{'type':'integer'}"
#define N_    "{'type':'number'}"
#define B_    "{'type':'boolean'}"
#define T_    "{'type':'string','format':'date-time'}"
#define D_    "{'type':'string','format':'date'}"
#define NS_   "{'type':['string','null']}"
#define NI_   "{'type':['integer','null']}"
#define NN_   "{'type':['number','null']}"
#define NT_   "{'type':['string','null'],'format':'date-time'}"
#define ND_   "{'type':['string','null'],'format':'date'}"
#define UNIX_ "{'type':'integer','description':'Unix time (seconds)'}"
#define NUNIX_ "{'type':['integer','null'],'description':'Unix time (seconds)'}"
#define REF_(x) "{'$ref':'#/components/schemas/" x "'}"
#define ARR_(x) "{'type':'array','items':" x "}"
#define MAP_(x) "{'type':'object','additionalProperties':" x "}"
/* A fixed object: these fields and no others; `req` the required ones ('a','b'). */
#define FIXED_(req, props) "{'type':'object','additionalProperties':false,'required':[" req "],'properties':{" props "}}"
/* A request that refuses unknown fields. */
#define CLOSED_(req, props) FIXED_(req, props)
/* A request whose other fields are ignored. */
#define OPEN_(req, props) "{'type':'object','required':[" req "],'properties':{" props "}}"
#define PAGED_(item) "{'type':'object','additionalProperties':false,'required':['items','total','limit','offset'],'properties':{'items':" ARR_(REF_(item)) ",'total':" I_ ",'limit':" I_ ",'offset':" I_ "}}"
#define EMPTY_ "{'type':'object','maxProperties':0,'description':'No fields'}"

static const struct schema_doc sq_docs[] = {
        /* ---- cases ---- */
        {"Case", "{'type':'object','additionalProperties':false,'required':['id','channel','status','outcome'],"
         "'description':'A case (ärende); the ETag header carries its version. One case (GET, PATCH) adds "
         "citizen, history, attachments, handovers and earlier_cases; the list leaves them out',"
         "'properties':{'id':{'type':'integer','readOnly':true},"
         "'channel':{'enum':['phone','email','letter','fax','visit','web','social']},'group_id':" I_
         ",'group':" S_ ",'client_id':" NI_ ",'client':" NS_ ",'client_unit_id':" NI_ ",'client_unit':" NS_
         ",'category_id':" NI_ ",'category':" NS_ ",'category_kind':" NS_
         ",'outcome':{'enum':['resolved','guided','handed_over','forwarded_urgent']},'handled':" B_
         ",'summary':" S_ ",'citizen_id':" NI_ ",'citizen':{'oneOf':[{'type':'null'}," REF_("Citizen") "]},"
         "'received_at':" T_ ",'created_at':" T_ ",'updated_at':" T_ ",'agent_id':" NI_
         ",'confidential':" B_ ",'threat':" B_ ",'call_id':" NI_ ",'status':" REF_("CaseStatus")
         ",'status_changed_at':" NT_ ",'status_changed_by':" NI_ ",'closed_at':" NT_ ",'closed_by':" NI_
         ",'closing_reason':" NS_ ",'citizen_informed':{'enum':['phone','email','letter','visit',null]},"
         "'version':{'type':'integer','readOnly':true},"
         "'history':{'type':'array','readOnly':true,'items':" FIXED_("'at','user_id','user','field','old','new'",
         "'at':" T_ ",'user_id':" NI_ ",'user':" NS_ ",'field':" S_ ",'old':{'type':['string','integer','number','boolean','null']},"
         "'new':{'type':['string','integer','number','boolean','null']}") "},"
         "'attachments':{'type':'array','readOnly':true,'items':{'type':'object'}},"
         "'handovers':{'type':'array','readOnly':true,'items':{'type':'object'}},"
         "'earlier_cases':{'type':'array','readOnly':true,'items':{'type':'object'},'description':"
         "'The citizen’s earlier cases'}}}"},
        {"Feedback", "{'type':'object','additionalProperties':false,'description':'Tyck till: a "
         "complaint, praise, idea, opinion or fault report from a citizen','required':['kind','client_id','message'],"
         "'properties':{'kind':{'enum':['complaint','praise','idea','opinion','fault_report']},"
         "'client_id':" I_ ",'message':" S_ ",'name':" S_ ",'email':" S_ ",'phone':" S_ ",'address':" S_
         ",'latitude':{'type':'number','description':'With longitude: a fault report’s point'},"
         "'longitude':" N_ "}}"},
        /* ---- reports (src/report/: struct report as JSON) ---- */
        {"ReportChannels", FIXED_("", "'phone':" I_ ",'email':" I_ ",'letter':" I_ ",'fax':" I_
         ",'visit':" I_ ",'web':" I_ ",'social':" I_)},
        {"ReportCalls", FIXED_("", "'offered':" I_ ",'answered':" I_ ",'answered_60':" I_ ",'answered_180':" I_
         ",'abandoned':" I_ ",'short_abandoned':" I_ ",'handled':" I_ ",'service_level_60':" NN_
         ",'service_level_180':" NN_ ",'abandon_rate':" NN_ ",'asa_s':" NN_ ",'aht_s':" NN_)},
        {"ReportSatisfaction", FIXED_("", "'answers':" I_ ",'share_3_5':" NN_ ",'share_4_5':" NN_
         ",'index':" NN_ ",'distribution':{'type':'array','description':'answers 1..5','items':" I_ "}")},
        {"ReportRow", "{'type':'object','additionalProperties':false,'description':'Figures of one "
         "group, client, unit, kind, channel, agent, category or client unit (its id and name), or of "
         "all (totals); change: this period less the previous one','properties':{"
         "'group_id':" I_ ",'group_name':" S_ ",'client_id':" NI_ ",'client_name':" NS_ ",'unit_id':" NI_
         ",'unit_name':" NS_ ",'kind':" S_ ",'channel':" S_ ",'agent_id':" I_ ",'agent_name':" S_
         ",'category_id':" NI_ ",'category_name':" NS_ ",'client_unit_id':" NI_ ",'client_unit_name':" NS_
         ",'cases':" I_ ",'resolved':" I_ ",'guided':" I_ ",'handed_over':" I_ ",'forwarded_urgent':" I_
         ",'fcr':" NN_ ",'fcr_incl_guided':" NN_ ",'channels':" REF_("ReportChannels")
         ",'complaints':" I_ ",'praise':" I_ ",'calls':" REF_("ReportCalls") ",'satisfaction':"
         REF_("ReportSatisfaction") ",'change':" REF_("ReportRow") ",'previous':" REF_("ReportRow")
         ",'vs_target':" FIXED_("", "'fcr':" NN_ ",'service_level_60':" NN_ ",'satisfaction':" NN_) "}}"},
        {"MonthlyReport", "{'type':'object','additionalProperties':false,'required':['period','from','to','rows','totals'],"
         "'properties':{'month':" S_ ",'period':" S_ ",'from':" T_ ",'to':" T_ ",'kind':" S_
         ",'group_ids':" ARR_(I_) ",'client_id':" NI_ ",'category_id':" NI_ ",'client_unit_id':" NI_
         ",'rows':" ARR_(REF_("ReportRow")) ",'groups':" ARR_(REF_("ReportRow")) ",'totals':" REF_("ReportRow")
         ",'change':" REF_("ReportRow") ",'targets':" FIXED_("", "'service_level_60':" NN_ ",'fcr':" NN_
         ",'satisfaction':" NN_) ",'previous':" REF_("MonthlyReport")
         ",'breakdowns':" FIXED_("", "'groups':" ARR_(REF_("ReportRow")) ",'clients':" ARR_(REF_("ReportRow"))
         ",'units':" ARR_(REF_("ReportRow")) ",'kinds':" ARR_(REF_("ReportRow")) ",'channels':" ARR_(REF_("ReportRow"))
         ",'agents':" ARR_(REF_("ReportRow")) ",'categories':" ARR_(REF_("ReportRow")) ",'client_units':" ARR_(REF_("ReportRow")))
         ",'busy_hours':" FIXED_("'days','offered'", "'days':" I_ ",'offered':{'type':'array','description':"
         "'7 weekdays (Monday first) x 24 hours','items':" ARR_(I_) "}")
         ",'service_level_hours':" ARR_(FIXED_("'hour','offered','answered_60','service_level_60'", "'hour':" I_
         ",'offered':" I_ ",'answered_60':" I_ ",'service_level_60':" NN_))
         ",'satisfaction_months':" ARR_(FIXED_("'month','answers','distribution','share_3_5','share_4_5'",
         "'month':" S_ ",'answers':" I_ ",'distribution':" ARR_(I_) ",'share_3_5':" NN_ ",'share_4_5':" NN_))
         ",'mail':" FIXED_("", "'rows':" ARR_("{'type':'object'}") ",'groups':" ARR_("{'type':'object'}")
         ",'clients':" ARR_("{'type':'object'}") ",'months':" ARR_("{'type':'object'}") ",'totals':"
         FIXED_("", "'cases':" I_ ",'answered':" I_ ",'unanswered':" I_ ",'answered_24h':" I_ ",'answered_1wd':" I_
         ",'answered_2wd':" I_ ",'share_24h':" NN_ ",'share_1wd':" NN_ ",'share_2wd':" NN_ ",'mean_hours':" NN_
         ",'median_hours':" NN_ ",'mean_working_days':" NN_)) "}}"},
        {"InvoiceReport", FIXED_("'month','from','to','client_id','agreements','clients','amount'",
         "'month':" S_ ",'from':" T_ ",'to':" T_ ",'client_id':" NI_ ",'agreements':" ARR_(FIXED_(
         "'agreement_id','name','client_id','client_name','cases','lines','amount'", "'agreement_id':" I_
         ",'name':" S_ ",'client_id':" I_ ",'client_name':" S_ ",'valid_from':" D_ ",'valid_to':" ND_
         ",'cases':" I_ ",'lines':{'type':'array','items':{'oneOf':[" FIXED_("'kind','channel','price_basis',"
         "'price_key','count','price','amount','case_ids'", "'kind':{'const':'cases'},'channel':" S_
         ",'price_basis':{'enum':['channel','category_kind','price_class']},'price_key':" S_ ",'count':" I_
         ",'price':" NN_ ",'amount':" N_ ",'case_ids':" ARR_(I_)) "," FIXED_("'kind','annual_price','days',"
         "'days_in_year','amount'", "'kind':{'const':'fixed'},'annual_price':" N_ ",'days':" I_
         ",'days_in_year':" I_ ",'amount':" N_) "]}},'amount':" N_))
         ",'clients':" ARR_(FIXED_("'client_id','client_name','cases','amount'", "'client_id':" I_
         ",'client_name':" S_ ",'cases':" I_ ",'amount':" N_)) ",'amount':" N_)},
        /* ---- the ACD: agents and calls ---- */
        {"AcdAgent", FIXED_("'agent_id','state','since','groups','pause_reason','call_id',"
         "'email_item_id','channels','seconds_in_state','consult_call_id','consult_taken'",
         "'agent_id':" I_ ",'name':{'type':'string','description':'In the list only'},"
         "'state':{'enum':['logged_out','ready','offered','talking','wrapup','paused']},"
         "'since':" NT_ ",'groups':" ARR_(FIXED_("'group_id','level'", "'group_id':" I_ ",'level':" I_))
         ",'pause_reason':{'enum':['meeting','training','email','break','no_answer','other',null]},"
         "'call_id':" NI_ ",'email_item_id':" NI_ ",'channels':" REF_("Channels")
         ",'seconds_in_state':" NI_ ",'consult_call_id':{'type':['integer','null'],'description':"
         "'A colleague consults the agent about this call (GET /acd/calls/{id}); after the hand-over "
         "it is their own caller'},'consult_taken':{'type':'boolean','description':"
         "'The consulting colleague handed the caller over to the agent'}")},
        {"AcdAgentPage", PAGED_("AcdAgent")},
        {"Channels", FIXED_("'voice','email'", "'voice':" B_ ",'email':" B_)},
        {"AgentChannels", FIXED_("'agent_id','channels'", "'agent_id':" I_ ",'channels':" REF_("Channels"))},
        {"AcdCall", FIXED_("'call_id','group_id','arrived_at','callback','talking','position',"
         "'entry','ivr','path','agent_id','caller','waited_s'",
         "'call_id':" I_ ",'group_id':" I_ ",'arrived_at':" T_ ",'callback':" B_ ",'talking':" B_
         ",'position':{'type':'integer','description':'In the queue; 0 when not waiting'},"
         "'entry':{'type':'string','description':'The number called'},'ivr':{'type':'string',"
         "'description':'Menu keys pressed'},'path':" ARR_(FIXED_("'kind','group_id','group','at'",
         "'kind':{'enum':['entry','overflow','transfer']},'group_id':" I_ ",'group':" S_ ",'at':" T_))
         ",'agent_id':" NI_ ",'caller':" NS_ ",'waited_s':" I_ ",'lang':{'type':'string',"
         "'description':'A SIP call: the language asked for'},'note':{'type':'string','description':"
         "'A SIP call: the transfer note'},'urgent':{'const':true},'consulting':{'type':'boolean',"
         "'description':'A SIP call: the agent consults someone'},'consult_agent_id':{'type':'integer',"
         "'description':'A SIP call: the colleague the agent consults'},'consulted_by':{'type':'object',"
         "'additionalProperties':false,'required':['agent_id','name'],'description':'To the consulted agent: "
         "the colleague who consults them (or handed them the caller)','properties':{'agent_id':" I_
         ",'name':" S_ "}},'handed_over':{'const':true,'description':'To the consulted agent: the "
         "colleague handed the caller over to them; the queue no longer holds the call'}")},
        {"AcdCallEnded", FIXED_("'call_id','ended'", "'call_id':" I_ ",'ended':{'const':true}")},
        {"AcdCallNow", "{'description':'The call after the act, or that it ended (closed, forwarded, hung up)',"
         "'oneOf':[" REF_("AcdCall") "," REF_("AcdCallEnded") "]}"},
        {"AcdCallIn", OPEN_("", "'group_id':" I_ ",'entry':{'type':'string','description':'An "
         "entry number (instead of group_id): its group and voice menu'},'ivr':{'type':'string',"
         "'description':'Menu keys, e.g. 1,2'},'caller':" S_ ",'urgent':" B_)},
        {"AcdTransfer", OPEN_("'group_id'", "'group_id':" I_ ",'note':{'type':'string','maxLength':510}")},
        {"CallbackResult", OPEN_("'answered'", "'answered':" B_)},
        {"Ignored", "{'type':'object','description':'The body is not read'}"},
        {"Empty", EMPTY_},
        {"AgentChannelsIn", CLOSED_("'voice','email'", "'voice':" B_ ",'email':" B_)},
        /* ---- e-mail in the queue ---- */
        {"MailItem", FIXED_("'item_id','case_id','message_id','group_id','subject','from',"
         "'from_name','state','agent_id','position','arrived_at','due_at','overdue','waited_s','taken_at'",
         "'item_id':" I_ ",'case_id':" I_ ",'message_id':" I_ ",'group_id':" I_ ",'subject':" S_
         ",'from':" NS_ ",'from_name':" NS_ ",'state':{'enum':['waiting','offered','taken','done']},"
         "'agent_id':" NI_ ",'position':" NI_ ",'arrived_at':" NT_ ",'due_at':" NT_ ",'overdue':" B_
         ",'waited_s':" I_ ",'taken_at':" NT_)},
        {"MailQueue", FIXED_("'group_id','items','total'", "'group_id':" I_ ",'items':" ARR_(REF_("MailItem")) ",'total':" I_)},
        /* ---- wallboard and displays ---- */
        {"Wallboard", FIXED_("'groups','email','display','at'",
         "'display':{'oneOf':[{'type':'null'}," FIXED_("'id','name'", "'id':" I_ ",'name':" S_) "]},"
         "'groups':" ARR_(FIXED_("'group_id','name','targets','agent_states'", "'group_id':" I_
         ",'name':" S_ ",'targets':" FIXED_("'target_sl_pct','target_sl_s','wait_warn_s','wait_alarm_s',"
         "'abandon_warn_pct','abandon_alarm_pct'", "'target_sl_pct':" NI_ ",'target_sl_s':" NI_
         ",'wait_warn_s':" NI_ ",'wait_alarm_s':" NI_ ",'abandon_warn_pct':" NI_ ",'abandon_alarm_pct':" NI_)
         ",'agent_states':{'type':'object','propertyNames':{'enum':['ready','offered','talking','wrapup','paused']},"
         "'additionalProperties':" FIXED_("'count','longest_s'", "'count':" I_ ",'longest_s':" I_) "}"))
         ",'email':" FIXED_("'waiting','oldest_received_at'", "'waiting':" I_ ",'oldest_received_at':" NUNIX_)
         ",'at':" UNIX_)},
        {"DisplayEntry", FIXED_("'id','name','groups','created_at','created_by','revoked_at'",
         "'id':" I_ ",'name':" S_ ",'groups':{'type':['array','null'],'items':" I_ "},'created_at':" UNIX_
         ",'created_by':" NI_ ",'revoked_at':" NUNIX_)},
        {"DisplayPage", PAGED_("DisplayEntry")},
        /* ---- knowledge base ---- */
        {"KbDiff", FIXED_("'article_id','from','to','diff'", "'article_id':" I_ ",'from':" I_ ",'to':" I_
         ",'diff':{'type':'string','description':'A unified diff of the bodies'}")},
        {"KbFlagIn", CLOSED_("'kind'", "'kind':{'enum':['wrong','incomplete','outdated']},'message':"
         "{'type':'string','minLength':1,'maxLength':2000},'group_id':" NI_)},
        {"KbFlagCreated", FIXED_("'id','article_id','status'", "'id':" I_ ",'article_id':" I_ ",'status':{'const':'open'}")},
        {"KbFlagClose", CLOSED_("'status'", "'status':{'const':'closed'},'note':{'type':'string','minLength':1,'maxLength':2000}")},
        {"KbFlagClosed", FIXED_("'id','status'", "'id':" I_ ",'status':{'const':'closed'}")},
        {"KbHit", FIXED_("'id','slug','title','kind','score','own_group','snippet'", "'id':" I_ ",'slug':" S_
         ",'title':" S_ ",'kind':" S_ ",'score':" N_ ",'own_group':" B_ ",'snippet':{'type':'string',"
         "'description':'HTML: the matched words in <mark>'}")},
        {"KbSearch", FIXED_("'items','total','limit','offset','q'", "'items':" ARR_(REF_("KbHit"))
         ",'total':" I_ ",'limit':" I_ ",'offset':" I_ ",'q':" S_ ",'did_you_mean':" S_)},
        {"KbSearchAbandon", CLOSED_("'q'", "'q':{'type':'string','minLength':1,'maxLength':500}")},
        {"Recorded", FIXED_("'recorded'", "'recorded':{'type':'boolean','description':'false: not kept (only spaces, or personal data)'}")},
        {"KbMissingIn", CLOSED_("'question'", "'question':{'type':'string','minLength':1,'maxLength':1000},'group_id':" NI_)},
        {"KbMissingCreated", FIXED_("'id','status'", "'id':" I_ ",'status':{'const':'open'}")},
        {"CaseArticleIn", CLOSED_("'article_id'", "'article_id':{'type':'integer','minimum':1}")},
        {"CaseArticle", FIXED_("'case_id','article_id'", "'case_id':" I_ ",'article_id':" I_)},
        {"KbHitBrief", FIXED_("'id','slug','title'", "'id':" I_ ",'slug':" S_ ",'title':" S_)},
        {"KbSynonymIn", OPEN_("'word','means'", "'word':{'type':'string','maxLength':60,'description':'One word'},"
         "'means':{'type':'string','description':'What it means (up to 6 words)'}")},
        {"KbSynonymCreated", FIXED_("'id','word','means','hits'", "'id':" I_ ",'word':" S_ ",'means':" S_
         ",'hits':{'type':'array','description':'What a search for the word now finds first','items':" REF_("KbHitBrief") "}")},
        {"KbKeywordIn", OPEN_("'phrase','article_id'", "'phrase':{'type':'string','minLength':1,'maxLength':200},'article_id':" I_)},
        {"KbKeywordCreated", FIXED_("'id','phrase','article_id','hits'", "'id':" I_ ",'phrase':" S_
         ",'article_id':" I_ ",'hits':" ARR_(REF_("KbHitBrief")))},
        {"KbMissConnectIn", OPEN_("'question','article_id'", "'question':{'type':'string','minLength':1,'maxLength':200},"
         "'as':{'enum':['keyword','synonym'],'default':'keyword'},'article_id':" I_)},
        {"KbMissConnected", FIXED_("'as','id','article_id','question','closed','resolved_searches','hits'",
         "'as':{'enum':['keyword','synonym']},'id':" I_ ",'article_id':" I_ ",'question':" S_
         ",'closed':{'type':'integer','description':'Reports of the missing article closed'},"
         "'resolved_searches':" I_ ",'hits':" ARR_(REF_("KbHitBrief")))},
        {"KbReadConfirmed", FIXED_("'id','confirmed'", "'id':" I_ ",'confirmed':{'const':true}")},
        /* ---- users, calls, directory, the public form, single sign-on ---- */
        {"SipSecretIn", OPEN_("'secret'", "'secret':{'type':'string','minLength':12,'maxLength':200,'writeOnly':true}")},
        {"SipSecretSet", FIXED_("'user_id','sip_secret'", "'user_id':" I_ ",'sip_secret':{'const':true}")},
        {"Recording", FIXED_("'call_id','recording'", "'call_id':" I_ ",'recording':{'const':true}")},
        {"DirectoryEntry", FIXED_("'kind','id','name','unit','role','phone','phone_hours','presence','presence_until'",
         "'kind':{'enum':['contact','staff']},'id':" I_ ",'name':" S_ ",'unit':" NS_ ",'role':" NS_
         ",'phone':" NS_ ",'phone_hours':{'type':['object','null'],'description':'A contact’s phone hours (as a group’s opening hours)'},"
         "'presence':{'enum':['in','away','meeting',null]},'presence_until':" NT_)},
        {"DirectoryPage", PAGED_("DirectoryEntry")},
        {"PresenceIn", OPEN_("'status'", "'status':{'enum':['in','away','meeting']},'until':" NT_)},
        {"Ok", FIXED_("'status'", "'status':{'const':'ok'}")},
        {"FeedbackReceived", FIXED_("'case_id','message'", "'case_id':" I_ ",'message':" S_)},
        {"SsoSessionIn", OPEN_("'ticket'", "'ticket':{'type':'string','minLength':1}")},
        {"HandoverQuestionIn", OPEN_("'question'", "'question':{'type':'string','minLength':1,'maxLength':4000}")},
        {"HandoverReplyIn", OPEN_("'reply'", "'reply':{'type':'string','minLength':1,'maxLength':4000}")},
        {"HandoverTakeoverIn", OPEN_("'text'", "'text':{'type':'string','minLength':1,'maxLength':4000}")},
        {"HandoverAnswerIn", OPEN_("'answer'", "'answer':{'type':'string','minLength':1,'maxLength':4000}")},
        {"CaseMailIn", CLOSED_("'text'", "'text':{'type':'string','minLength':1,'maxLength':262144}")},
        /* ---- planning (src/wfm/: wfm_entry_json, api_wfm.c) ---- */
        {"WfmEntry", FIXED_("'id','kind','user_id','group_id','start','end','breaks','closes_group','closure_id','note'",
         "'id':" I_ ",'kind':" REF_("WfmKind") ",'user_id':{'type':['integer','null'],'description':'null: a meeting "
         "of the whole group'},'group_id':" I_ ",'start':" T_ ",'end':" T_ ",'breaks':" ARR_(FIXED_("'start','end'",
         "'start':" T_ ",'end':" T_)) ",'closes_group':{'type':'boolean','description':'A meeting that closes the "
         "group’s queue'},'closure_id':" NI_ ",'note':" NS_)},
        {"WfmKind", "{'enum':['shift','meeting','sick','vacation','training']}"},
        {"WfmEntryIn", "{'type':'object','description':'A shift, meeting or absence; other fields are ignored. "
         "On PATCH only what is given changes','properties':{'kind':" REF_("WfmKind") ",'group_id':" I_
         ",'user_id':{'type':['integer','null'],'description':'A member of the group; null only for a meeting'},"
         "'start':{'type':'string','description':'ISO 8601 time (YYYY-MM-DDTHH:MM…)'},'end':{'type':'string',"
         "'description':'After start: at most 16 hours for a shift or meeting, 31 days for absence'},"
         "'note':{'type':['string','null'],'maxLength':199},'closes_group':" B_ ",'breaks':{'type':'array',"
         "'maxItems':8,'description':'A shift’s breaks, within it','items':{'type':'object','required':['start','end'],"
         "'properties':{'start':" S_ ",'end':" S_ "}}}}}"},
        {"WfmEntryNew", "{'allOf':[" REF_("WfmEntryIn") ",{'required':['group_id','start','end']}]}"},
        {"ScheduleIn", OPEN_("'shifts'", "'shifts':{'type':'array','maxItems':2000,'description':'The week’s "
         "entries of the group (?group_id=, ?week=): all replaced, or none','items':" REF_("WfmEntryIn") "}")},
        {"Schedule", FIXED_("'group_id','week','from','to','shifts'", "'group_id':" NI_ ",'week':{'type':'string',"
         "'description':'ISO week, 2026-W50'},'from':" T_ ",'to':" T_ ",'agents':{'type':'array','description':"
         "'GET of a group by a planner: its members','items':" FIXED_("'user_id','display_name','role','skill'",
         "'user_id':" I_ ",'display_name':" S_ ",'role':{'enum':['agent','group_lead']},'skill':" I_) "},"
         "'shifts':" ARR_(REF_("WfmEntry")))},
        {"WfmParams", FIXED_("'aht_s','patience_s','target_sl','target_time_s','shrinkage','max_occupancy'",
         "'aht_s':" N_ ",'patience_s':" N_ ",'target_sl':" N_ ",'target_time_s':" I_ ",'shrinkage':" N_
         ",'max_occupancy':" N_)},
        {"Coverage", FIXED_("'group_id','date','interval_min','forecast_available','open','params','intervals','totals'",
         "'group_id':" I_ ",'date':" D_ ",'interval_min':" I_ ",'forecast_available':" B_ ",'open':" B_
         ",'params':" REF_("WfmParams") ",'intervals':" ARR_(FIXED_("'start','forecast','needed','needed_erlang_c',"
         "'scheduled','gap','status'", "'start':" T_ ",'forecast':" N_ ",'needed':" I_ ",'needed_erlang_c':" I_
         ",'scheduled':" N_ ",'gap':" N_ ",'status':{'enum':['short','ok','over']}")) ",'totals':"
         FIXED_("'forecast','needed_hours','scheduled_hours','short_hours'", "'forecast':" N_ ",'needed_hours':" N_
         ",'scheduled_hours':" N_ ",'short_hours':" N_))},
        {"WfmToday", FIXED_("'group_id','at','interval_min','forecast_available','params','intervals','totals'",
         "'group_id':" I_ ",'at':" T_ ",'interval_min':" I_ ",'forecast_available':" B_ ",'params':" REF_("WfmParams")
         ",'intervals':" ARR_(FIXED_("'start','forecast','reforecast','needed','scheduled','current','actual',"
         "'logged_in','service_level','login_rate'", "'start':" T_ ",'forecast':" N_ ",'reforecast':" NN_
         ",'needed':" I_ ",'scheduled':" N_ ",'current':" B_ ",'actual':" NI_ ",'logged_in':" NN_
         ",'service_level':" NN_ ",'login_rate':" NN_)) ",'totals':" FIXED_("'forecast_day','forecast_so_far',"
         "'actual_so_far','actual_today','reforecast_factor','reforecast_day','service_level','login_rate'",
         "'forecast_day':" N_ ",'forecast_so_far':" N_ ",'actual_so_far':" I_ ",'actual_today':" I_
         ",'reforecast_factor':" N_ ",'reforecast_day':" N_ ",'service_level':" NN_ ",'login_rate':" NN_))},
        /* ---- telephony settings (api_tel.c, tel/tel_store.c, tel/menu.c) ---- */
        {"VoiceMenu", FIXED_("'prompt','options'", "'prompt':{'type':'string','description':'A prompt name'},"
         "'options':{'type':'object','minProperties':1,'propertyNames':{'pattern':'^[0-9*#]$'},"
         "'additionalProperties':" REF_("VoiceMenuOption") "},'timeout_s':{'type':'integer','minimum':1,'maximum':60},"
         "'default_group':" I_ ",'invalid_prompt':" S_ ",'max_invalid':{'type':'integer','minimum':1,'maximum':5},"
         "'no_input_repeats':{'type':'integer','minimum':0,'maximum':3}")},
        {"VoiceMenuOption", "{'type':'object','additionalProperties':false,'description':'Exactly one of group, "
         "announcement, menu, repeat, outside; lang and urgent go with group','oneOf':[{'required':['group']},"
         "{'required':['announcement']},{'required':['menu']},{'required':['repeat']},{'required':['outside']}],"
         "'properties':{'group':" I_ ",'lang':{'type':'string','pattern':'^[a-z]{2,3}$'},'urgent':" B_
         ",'announcement':{'type':'string','description':'A prompt name'},'menu':" REF_("VoiceMenu")
         ",'repeat':{'const':true},'outside':{'type':'string','description':'A phone number'}}}"},
        {"MenuIn", OPEN_("'number','menu'", "'number':{'type':'string','description':'An entry number of a group'},"
         "'menu':{'oneOf':[{'type':'null'}," REF_("VoiceMenu") "]},'language':{'type':['string','null'],"
         "'pattern':'^[a-z]{2,3}$'}")},
        {"MenuSet", FIXED_("'number','menu','language'", "'number':" S_ ",'menu':{'type':'boolean','description':"
         "'The number has a menu now'},'language':" NS_)},
        {"Survey", FIXED_("'questions'", "'active':" B_ ",'questions':{'type':'array','minItems':1,'maxItems':16,"
         "'items':{'oneOf':[{'type':'string','description':'A prompt name'}," FIXED_("'prompt'", "'prompt':" S_
         ",'max':{'type':'integer','minimum':1,'maximum':9}") "]}},'max_answers':{'type':['integer','null'],"
         "'minimum':1,'maximum':1000000}")},
        {"GroupPolicy", FIXED_("'group_id','record','recording_days','survey','survey_calls'", "'group_id':" I_
         ",'record':" B_ ",'recording_days':{'type':'integer','description':'0: kept until further notice'},"
         "'survey':{'oneOf':[{'type':'null'}," REF_("Survey") "]},'survey_calls':" I_ ",'recordings_expired':"
         "{'type':'integer','description':'In the answer to PATCH: recordings removed by a shorter retention'}")},
        {"GroupPolicyIn", CLOSED_("", "'record':" B_ ",'recording_days':{'type':'integer','minimum':0,'maximum':3650},"
         "'survey':{'oneOf':[{'type':'null'}," REF_("Survey") "]},'reset_survey_calls':" B_)},
        {"AnnouncementIn", "{'type':'object','description':'text (spoken) or wav_base64 (8 kHz mono 16-bit PCM), "
         "or only active to switch the stored one','properties':{'text':{'type':'string','minLength':1,"
         "'maxLength':1000},'wav_base64':{'type':'string','contentEncoding':'base64','contentMediaType':"
         "'audio/wav'},'active':" B_ "},'anyOf':[{'required':['text']},{'required':['wav_base64']},"
         "{'required':['active']}]}"},
        {"Announcement", FIXED_("'group_id','text','active','updated_ms','duration_ms','source'", "'group_id':"
         "{'type':'integer','description':'0: the crisis message'},'text':" NS_ ",'active':" B_ ",'updated_ms':" I_
         ",'duration_ms':" I_ ",'source':{'enum':['text','wav']}")},
        {"Trunk", FIXED_("'id','name','sources','username','digest','outbound','proxy','from_number','active',"
         "'updated_ms'", "'id':" I_ ",'name':" S_ ",'sources':" ARR_(S_) ",'username':" NS_ ",'digest':{'type':"
         "'boolean','description':'A secret is set for username'},'outbound':" B_ ",'proxy':" NS_ ",'from_number':"
         NS_ ",'active':" B_ ",'updated_ms':" I_)},
        {"TrunkPage", PAGED_("Trunk")},
        {"TrunkIn", CLOSED_("", "'name':{'type':'string','minLength':1,'maxLength':80},'sources':{'type':'array',"
         "'maxItems':32,'items':{'type':'string','description':'An IP address'}},'username':{'type':['string',"
         "'null'],'pattern':'^[A-Za-z0-9._-]{1,64}$'},'secret':{'type':'string','minLength':12,'maxLength':200,"
         "'writeOnly':true},'outbound':" B_ ",'proxy':{'type':['string','null'],'description':'IP:port; needed "
         "with outbound'},'from_number':" NS_ ",'active':" B_)},
        {"TrunkNew", "{'allOf':[" REF_("TrunkIn") ",{'required':['name']}]}"},
        {"ListenIn", OPEN_("", "'uri':{'type':'string','pattern':'^sip:','maxLength':200,'description':'Without "
         "it: the lead’s own phone'}")},
        {"Listening", FIXED_("'call_id','listening'", "'call_id':" I_ ",'listening':{'const':true}")},
        {"TransferOutIn", "{'type':'object','description':'number or contact_id (a contact with a phone number)',"
         "'oneOf':[{'required':['number']},{'required':['contact_id']}],'properties':{'number':" S_
         ",'contact_id':" I_ "}}"},
        {"TransferredOut", FIXED_("'call_id','number'", "'call_id':" I_ ",'number':" S_)},
        {"Telephony", FIXED_("'crisis','entries','announcements','policies','running'", "'crisis':{'oneOf':["
         REF_("Announcement") "," FIXED_("'active','text'", "'active':{'const':false},'text':{'type':'null'}") "]},"
         "'entries':" ARR_(FIXED_("'number','group_id','menu','language'", "'number':" S_ ",'group_id':" I_
         ",'menu':{'oneOf':[{'type':'null'}," REF_("VoiceMenu") "]},'language':" NS_)) ",'announcements':"
         ARR_(REF_("Announcement")) ",'policies':" ARR_(REF_("GroupPolicy")) ",'trunks':" ARR_(REF_("Trunk"))
         ",'running':{'type':'boolean','description':'Telephony (--sip) runs'}")},
        {"ConsultState", FIXED_("'call_id','state'", "'call_id':" I_ ",'state':{'enum':['transferred','talking']}")},
        /* ---- e-mail (mail/mail_store.c, api_mail_admin.c) ---- */
        {"MailAttachmentInfo", FIXED_("'id','filename','content_type','size','stored','inline','content_id'",
         "'id':" I_ ",'filename':" S_ ",'content_type':" S_ ",'size':" I_ ",'stored':{'type':'boolean','description':"
         "'false: larger than the limit, recorded only'},'inline':" B_ ",'content_id':" NS_)},
        {"Mail", FIXED_("'id','case_id','mailbox_id','mailbox','direction','kind','message_id','in_reply_to',"
         "'from','from_name','to','subject','text','body_was_html','parsed','auto_submitted','needs_review','size',"
         "'sent_at','received_at','outbox_status','outbox_error','attachments_count'", "'id':" I_ ",'case_id':" NI_
         ",'mailbox_id':" NI_ ",'mailbox':" NS_ ",'direction':{'enum':['in','out']},'kind':{'enum':['answer',"
         "'receipt','notice','report',null]},'message_id':" NS_ ",'in_reply_to':" NS_ ",'from':" NS_
         ",'from_name':" NS_ ",'to':" NS_ ",'subject':" S_ ",'text':" S_ ",'body_was_html':" B_ ",'parsed':" B_
         ",'auto_submitted':" B_ ",'needs_review':" B_ ",'size':" I_ ",'sent_at':" NUNIX_ ",'received_at':" UNIX_
         ",'outbox_status':{'enum':['queued','sending','sent','failed',null]},'outbox_error':" NS_
         ",'attachments_count':" I_ ",'attachments':{'type':'array','description':'One e-mail (GET) only',"
         "'items':" REF_("MailAttachmentInfo") "}")},
        {"MailList", FIXED_("'items','total'", "'items':" ARR_(REF_("Mail")) ",'total':" I_)},
        {"OutboxMail", FIXED_("'id','case_id','kind','from','to','subject','message_id','status','attempts',"
         "'next_attempt_at','last_error','created_at','sent_at'", "'id':" I_ ",'case_id':" NI_ ",'kind':"
         REF_("OutboxKind") ",'from':" S_ ",'to':" S_ ",'subject':" NS_ ",'message_id':" NS_ ",'status':"
         REF_("OutboxStatus") ",'attempts':" I_ ",'next_attempt_at':" UNIX_ ",'last_error':" NS_ ",'created_at':"
         UNIX_ ",'sent_at':" NUNIX_)},
        {"OutboxKind", "{'enum':['answer','receipt','notice','report']}"},
        {"OutboxStatus", "{'enum':['queued','sending','sent','failed']}"},
        {"OutboxRow", FIXED_("'id','case_id','kind','from_addr','to_addr','subject','message_id','status',"
         "'attempts','next_attempt_at','last_error','created_at','sent_at'", "'id':" I_ ",'case_id':" NI_
         ",'kind':" REF_("OutboxKind") ",'from_addr':" S_ ",'to_addr':" S_ ",'subject':" NS_ ",'message_id':" NS_
         ",'status':" REF_("OutboxStatus") ",'attempts':" I_ ",'next_attempt_at':" UNIX_ ",'last_error':" NS_
         ",'created_at':" UNIX_ ",'sent_at':" NUNIX_)},
        {"OutboxPage", PAGED_("OutboxRow")},
        {"Mailbox", FIXED_("'id','address','group_id','imap_host','imap_port','imap_security','imap_user','folder',"
         "'processed_folder','signature','receipt_reply','tls_verify','active','created_at','imap_password_set','fetch'",
         "'id':" I_ ",'address':" S_ ",'group_id':" I_ ",'imap_host':" NS_ ",'imap_port':" NI_ ",'imap_security':"
         "{'enum':['tls','starttls','none']},'imap_user':" NS_ ",'folder':" S_ ",'processed_folder':{'type':['string',"
         "'null'],'description':'null: fetched mail is flagged, not moved'},'signature':" NS_ ",'receipt_reply':" B_
         ",'tls_verify':" B_ ",'active':" B_ ",'created_at':" UNIX_ ",'imap_password_set':" B_ ",'fetch':"
         FIXED_("'running'", "'running':{'type':'boolean','description':'The fetcher runs for the mailbox; the "
         "others only then'},'connected':" B_ ",'idle':" B_ ",'fetched':" I_ ",'last_error':" NS_))},
        {"MailboxPage", PAGED_("Mailbox")},
        {"MailboxIn", CLOSED_("", "'address':{'type':'string','maxLength':254,'description':'An e-mail address, "
         "unique'},'group_id':" I_ ",'imap_host':{'type':['string','null'],'maxLength':253,'pattern':"
         "'^[A-Za-z0-9.:-]*$'},'imap_port':{'type':['integer','null'],'minimum':1,'maximum':65535},"
         "'imap_security':{'enum':['tls','starttls','none',null]},'imap_user':{'type':['string','null'],"
         "'maxLength':254},'imap_password':{'type':['string','null'],'maxLength':255,'writeOnly':true},"
         "'folder':{'type':['string','null'],'maxLength':200},'processed_folder':{'type':['string','null'],"
         "'maxLength':200},'signature':{'type':['string','null'],'maxLength':2000},'receipt_reply':" B_
         ",'tls_verify':" B_ ",'active':" B_)},
        {"MailboxNew", "{'allOf':[" REF_("MailboxIn") ",{'required':['address','group_id']}]}"},
        /* ---- cases: attachments, a new handover ---- */
        {"Attachment", FIXED_("'id','case_id','filename','content_type','size','created_at','created_by'",
         "'id':" I_ ",'case_id':" I_ ",'filename':" S_ ",'content_type':" S_ ",'size':" I_ ",'created_at':" T_
         ",'created_by':" NI_)},
        {"AttachmentList", FIXED_("'items'", "'items':" ARR_(REF_("Attachment")))},
        {"HandoverIn", CLOSED_("'message'", "'message':{'type':'string','minLength':1,'maxLength':4000,"
         "'description':'What the department is asked to do'},'contact_id':{'type':'integer','description':"
         "'Who receives it; without it the agreement’s contact'},'client_unit_id':{'type':'integer','minimum':1},"
         "'due_date':" D_)},
        /* ---- lists that were a generic page ---- */
        {"TelCall", FIXED_("'id','call_id','caller_sip_callid','agent_sip_callid','caller','entry','group_id',"
         "'agent_id','arrived_ms','answered_ms','ended_ms','end_reason','recording_path','recording_ms'",
         "'id':" I_ ",'call_id':" I_ ",'caller_sip_callid':" NS_ ",'agent_sip_callid':" NS_ ",'caller':" NS_
         ",'entry':" NS_ ",'group_id':" NI_ ",'agent_id':" NI_ ",'arrived_ms':" NI_ ",'answered_ms':" NI_
         ",'ended_ms':" I_ ",'end_reason':" S_ ",'recording_path':" NS_ ",'recording_ms':" NI_)},
        {"TelCallPage", PAGED_("TelCall")},
        {"SurveyAnswer", FIXED_("'id','call_id','group_id','agent_id','question','prompt','answer','t_ms'",
         "'id':" I_ ",'call_id':" I_ ",'group_id':" I_ ",'agent_id':" NI_ ",'question':" I_ ",'prompt':" S_
         ",'answer':" I_ ",'t_ms':" I_)},
        {"SurveyAnswerPage", PAGED_("SurveyAnswer")},
        {"Notification", FIXED_("'id','kind','message','created_at','read','case_id'", "'id':" I_ ",'kind':" S_
         ",'message':" S_ ",'created_at':" UNIX_ ",'read':" B_ ",'case_id':" NI_)},
        {"NotificationPage", PAGED_("Notification")},
        {"KbFlag", FIXED_("'id','kind','message','created_at','status','article_id','slug','title','group_id',"
         "'created_by','created_by_name','owner_id','closed_by','closed_at','note'", "'id':" I_ ",'kind':{'enum':"
         "['wrong','incomplete','outdated']},'message':" S_ ",'created_at':" T_ ",'status':{'enum':['open','closed']},"
         "'article_id':" NI_ ",'slug':" NS_ ",'title':" NS_ ",'group_id':" NI_ ",'created_by':" NI_
         ",'created_by_name':" NS_ ",'owner_id':" NI_ ",'closed_by':" NI_ ",'closed_at':" NT_ ",'note':" NS_)},
        {"KbFlagPage", PAGED_("KbFlag")},
        {"KbKeyword", FIXED_("'id','phrase','article_id','slug','title','created_by','created_at'", "'id':" I_
         ",'phrase':" S_ ",'article_id':" I_ ",'slug':" S_ ",'title':" S_ ",'created_by':" NI_ ",'created_at':" UNIX_)},
        {"KbKeywordPage", PAGED_("KbKeyword")},
        {"KbReadsMine", FIXED_("'items','total','limit','offset'", "'items':{'type':'array','description':'The ids "
         "of the current notices the caller has confirmed (this version)','items':" I_ "},'total':" I_ ",'limit':"
         I_ ",'offset':" I_)},
        {"KbReadStatus", FIXED_("'id','slug','title','version','confirmed','unread'", "'id':" I_ ",'slug':" S_
         ",'title':" S_ ",'version':" I_ ",'confirmed':{'type':'integer','description':'Readers of this version'},"
         "'unread':" ARR_(FIXED_("'id','display_name'", "'id':" I_ ",'display_name':" S_)))},
        {"KbReadStatusPage", PAGED_("KbReadStatus")},
        /* ---- the queue now ---- */
        {"AcdTotals", FIXED_("'offered','answered','answered_60','answered_180','abandoned','short_abandoned',"
         "'overflowed','closed','forwarded','callbacks_requested','callbacks_answered','handled','service_level_60',"
         "'service_level_180','asa_s','aht_s','abandon_rate','longest_wait_s'", "'offered':" I_ ",'answered':" I_
         ",'answered_60':" I_ ",'answered_180':" I_ ",'abandoned':" I_ ",'short_abandoned':" I_ ",'overflowed':" I_
         ",'closed':" I_ ",'forwarded':" I_ ",'callbacks_requested':" I_ ",'callbacks_answered':" I_ ",'handled':" I_
         ",'service_level_60':" N_ ",'service_level_180':" N_ ",'asa_s':" N_ ",'aht_s':" N_ ",'abandon_rate':" N_
         ",'longest_wait_s':" N_)},
        {"AcdGroup", FIXED_("'group_id','name','open','waiting','callbacks_waiting','longest_wait_s','ewt_s',"
         "'agents','today','emails_waiting','emails_today','email_longest_wait_s','at'", "'group_id':" I_
         ",'name':" S_ ",'open':" B_ ",'waiting':" I_ ",'callbacks_waiting':" I_ ",'longest_wait_s':" I_
         ",'ewt_s':{'type':'integer','description':'Expected wait of a new caller'},'agents':"
         FIXED_("'logged_in','ready','offered','talking','wrapup','paused'", "'logged_in':" I_ ",'ready':" I_
         ",'offered':" I_ ",'talking':" I_ ",'wrapup':" I_ ",'paused':" I_) ",'today':" REF_("AcdTotals")
         ",'emails_waiting':" I_ ",'emails_today':" FIXED_("'queued','taken','average_wait_s','longest_wait_s'",
         "'queued':" I_ ",'taken':" I_ ",'average_wait_s':" N_ ",'longest_wait_s':" N_) ",'email_longest_wait_s':"
         I_ ",'at':" T_)},
        {"AcdGroupPage", PAGED_("AcdGroup")},
        {"PeriodReport", "{'$ref':'#/components/schemas/MonthlyReport','description':'The same report as the "
         "monthly one, over the period asked for'}"},
};
/* clang-format on */

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

/* ======================================================================
 * The administrative resources: schemas from their field tables
 * ====================================================================== */

/* "client_units" → "ClientUnit", "categories" → "Category", "users" → "User". */
static void resource_schema_name(const char *res, char *out, size_t n)
{
	size_t o = 0, len = strlen(res);
	bool up = true;

	if (len > 3 && strcmp(res + len - 3, "ies") == 0)
		len -= 3;
	else if (len > 1 && res[len - 1] == 's')
		len -= 1;
	for (size_t i = 0; i < len && o + 2 < n; i++) {
		if (res[i] == '_') {
			up = true;
			continue;
		}
		out[o++] =
		        up && res[i] >= 'a' && res[i] <= 'z' ? (char)(res[i] - 'a' + 'A') : res[i];
		up = false;
	}
	if (len < strlen(res) && strcmp(res + len, "ies") == 0 && o + 1 < n)
		out[o++] = 'y';
	out[o] = '\0';
}

static json_t *field_schema(const struct field *f)
{
	json_t *s = json_object();
	bool nullable = !(f->flags & (FF_REQUIRED | FF_NOTNULL));

	switch (f->type) {
	case FT_TEXT:
		json_object_set_new(s, "type",
		                    nullable ? json_pack("[s,s]", "string", "null")
		                             : json_string("string"));
		json_object_set_new(s, "maxLength", json_integer(f->max ? f->max : 200));
		break;
	case FT_INT:
	case FT_REF:
		json_object_set_new(s, "type",
		                    nullable ? json_pack("[s,s]", "integer", "null")
		                             : json_string("integer"));
		if (f->type == FT_INT && (f->min || f->max)) {
			json_object_set_new(s, "minimum", json_integer(f->min));
			json_object_set_new(s, "maximum", json_integer(f->max));
		}
		if (f->type == FT_REF)
			json_object_set_new(s, "description",
			                    json_sprintf("The id of a row of %s", f->ref));
		break;
	case FT_BOOL:
		json_object_set_new(s, "type", json_string("boolean"));
		break;
	case FT_ENUM: {
		json_t *e = json_array();

		for (const char *const *x = f->values; x && *x; x++)
			json_array_append_new(e, json_string(*x));
		if (nullable)
			json_array_append_new(e, json_null());
		json_object_set_new(s, "enum", e);
		break;
	}
	case FT_REAL:
		json_object_set_new(s, "type",
		                    nullable ? json_pack("[s,s]", "number", "null")
		                             : json_string("number"));
		json_object_set_new(s, "minimum", json_integer(0));
		break;
	case FT_DATE:
		json_object_set_new(s, "type",
		                    nullable ? json_pack("[s,s]", "string", "null")
		                             : json_string("string"));
		json_object_set_new(s, "format", json_string("date"));
		break;
	case FT_TIME:
		json_object_set_new(s, "type",
		                    nullable ? json_pack("[s,s]", "string", "null")
		                             : json_string("string"));
		json_object_set_new(s, "format", json_string("date-time"));
		break;
	case FT_JSON:
		json_object_set_new(s, "description", json_string("Structured (see docs/api.md)"));
		break;
	case FT_LIST:
		json_object_set_new(s, "type", json_string("array"));
		break;
	}
	if (f->flags & FF_READONLY)
		json_object_set_new(s, "readOnly", json_true());
	if (f->flags & FF_WRITEONLY)
		json_object_set_new(s, "writeOnly", json_true());
	return s;
}

/* The record as resource_get gives it; FF_REQUIRED fields are required (on create). */
static json_t *resource_schema(const struct resource *res)
{
	json_t *props = json_object(), *req = json_array();

	json_object_set_new(props, "id", json_pack("{s:s,s:b}", "type", "integer", "readOnly", 1));
	json_array_append_new(req, json_string("id"));
	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];

		json_object_set_new(props, f->name, field_schema(f));
		if (f->flags & FF_REQUIRED)
			json_array_append_new(req, json_string(f->name));
	}
	return json_pack("{s:s,s:s+,s:o,s:o}", "type", "object", "description", res->what_en,
	                 "; the required fields besides id are needed on create", "properties",
	                 props, "required", req);
}

/* "/api/v1/groups" or "/api/v1/groups/{id}" of a resource's routes: that resource. */
static const struct resource *route_resource(const char *pattern, bool *one)
{
	const char *p = pattern, *slash;
	char name[40];
	size_t n;

	if (strncmp(p, "/api/v1/", 8) != 0)
		return NULL;
	p += 8;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n >= sizeof(name) || (slash && strcmp(slash, "/{id}") != 0))
		return NULL;
	memcpy(name, p, n);
	name[n] = '\0';
	*one = slash != NULL;
	return resource_find(name);
}

/* ======================================================================
 * Operations
 * ====================================================================== */

static json_t *json_content(const char *schema)
{
	char ref[96];

	snprintf(ref, sizeof(ref), "#/components/schemas/%s", schema);
	return json_pack("{s:{s:{s:s}}}", "application/json", "schema", "$ref", ref);
}

/* A body in another media type: a string of it (binary unless text). */
static json_t *media_content(const char *type)
{
	json_t *sch = strncmp(type, "text/", 5) == 0 || strcmp(type, "message/rfc822") == 0
	                      ? json_pack("{s:s}", "type", "string")
	                      : json_pack("{s:s,s:s}", "type", "string", "contentMediaType", type);

	return json_pack("{s:{s:o}}", type, "schema", sch);
}

static json_t *content_of(const char *what)
{
	return strchr(what, '/') ? media_content(what) : json_content(what);
}

/* The documented shape of one route; for a resource route, made from its fields. */
struct op_shape {
	const char *summary;
	const char *request;  /* as in struct op_doc */
	const char *response; /* as in struct op_doc */
	unsigned status;
	char name[48]; /* a resource's schema name */
};

static void shape_of(const struct route *rt, struct op_shape *sh)
{
	const struct op_doc *d = doc_of(rt->method, rt->pattern);
	bool one = false;
	const struct resource *res = route_resource(rt->pattern, &one);

	memset(sh, 0, sizeof(*sh));
	if (d) {
		sh->summary = d->summary;
		sh->request = d->request;
		sh->response = d->response;
		sh->status = d->status;
		return;
	}
	if (res) {
		resource_schema_name(res->name, sh->name, sizeof(sh->name));
		if (strcmp(rt->method, "GET") == 0) {
			sh->summary =
			        one ? "A record, with its ETag" : "List (?limit, ?offset, filters)";
			if (!one)
				snprintf(sh->name + strlen(sh->name),
				         sizeof(sh->name) - strlen(sh->name), "Page");
			sh->response = sh->name;
			sh->status = 200;
		} else {
			sh->summary = strcmp(rt->method, "POST") == 0 ? "Create a record"
			              : strcmp(rt->method, "PUT") == 0
			                      ? "Replace a record (If-Match: the ETag)"
			                      : "Change a record (If-Match: the ETag)";
			sh->request = sh->response = sh->name;
			sh->status = strcmp(rt->method, "POST") == 0 ? 201 : 200;
		}
		return;
	}
	/* Not in the table (a route added since): a generic description. */
	sh->summary = rt->roles ? "Staff API" : "Public";
	sh->request = strcmp(rt->method, "GET") == 0 || strcmp(rt->method, "DELETE") == 0
	                      ? NULL
	                      : "Object";
	sh->response = strcmp(rt->method, "DELETE") == 0 ? NULL : "Object";
}

static json_t *operation(const struct route *rt, const char *path, char names[][8], size_t nparams)
{
	struct op_shape sh;
	char id[320], m[16], code[16];
	json_t *op = json_object(), *params = json_array(), *resp = json_object(), *ok;

	shape_of(rt, &sh);
	lower(rt->method, m, sizeof(m));
	snprintf(id, sizeof(id), "%s %s", m, path);
	json_object_set_new(op, "operationId", json_string(id));
	json_object_set_new(op, "summary", json_string(sh.summary));
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
	if (sh.request)
		json_object_set_new(
		        op, "requestBody",
		        json_pack("{s:b,s:o}", "required", 1, "content", content_of(sh.request)));
	if (sh.status)
		snprintf(code, sizeof(code), "%u", sh.status);
	else
		snprintf(code, sizeof(code), "2XX");
	if (!sh.response)
		ok = json_pack("{s:s}", "description", "Done (no body)");
	else if (strcmp(sh.response, "redirect") == 0)
		ok = json_pack("{s:s,s:{s:{s:s,s:{s:s}}}}", "description", "A redirect", "headers",
		               "Location", "description", "Where to go", "schema", "type",
		               "string");
	else
		ok = json_pack("{s:s,s:o}", "description", "Success", "content",
		               content_of(sh.response));
	json_object_set_new(resp, code, ok);
	json_object_set_new(resp, "4XX",
	                    json_pack("{s:s}", "$ref", "#/components/responses/Problem"));
	json_object_set_new(resp, "5XX",
	                    json_pack("{s:s}", "$ref", "#/components/responses/Problem"));
	json_object_set_new(op, "responses", resp);
	return op;
}

static json_t *components(void)
{
	json_t *sch = json_object();
	json_error_t jerr;

	for (size_t i = 0; i < sizeof(schema_docs) / sizeof(schema_docs[0]); i++) {
		json_t *one = json_loads(schema_docs[i].json, 0, &jerr);

		if (!one) {
			json_decref(sch);
			return NULL;
		}
		json_object_set_new(sch, schema_docs[i].name, one);
	}
	for (size_t i = 0; i < sizeof(sq_docs) / sizeof(sq_docs[0]); i++) {
		char *text = strdup(sq_docs[i].json);
		json_t *one;

		if (!text) {
			json_decref(sch);
			return NULL;
		}
		for (char *c = text; *c; c++)
			if (*c == '\'')
				*c = '"';
		one = json_loads(text, 0, &jerr);
		free(text);
		if (!one) {
			log_error("openapi", "schema %s: %s", sq_docs[i].name, jerr.text);
			json_decref(sch);
			return NULL;
		}
		json_object_set_new(sch, sq_docs[i].name, one);
	}
	for (size_t i = 0; resources[i]; i++) {
		char name[48], page[64], ref[96];

		resource_schema_name(resources[i]->name, name, sizeof(name));
		snprintf(page, sizeof(page), "%sPage", name);
		snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
		json_object_set_new(sch, name, resource_schema(resources[i]));
		json_object_set_new(sch, page,
		                    json_pack("{s:[{s:s},{s:{s:{s:s,s:{s:s}}}}]}", "allOf", "$ref",
		                              "#/components/schemas/Page", "properties", "items",
		                              "type", "array", "items", "$ref", ref));
	}
	return json_pack("{s:o,s:{s:{s:s,s:{s:{s:{s:s}}}}},s:{s:{s:s,s:s}}}", "schemas", sch,
	                 "responses", "Problem", "description", "A problem (RFC 9457)", "content",
	                 "application/problem+json", "schema", "$ref",
	                 "#/components/schemas/Problem", "securitySchemes", "bearer", "type",
	                 "http", "scheme", "bearer");
}

int api_openapi_document(json_t **out)
{
	json_t *doc, *paths = json_object();
	json_t *comp = components();

	if (!comp || !paths) {
		json_decref(comp);
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
	doc = json_pack("{s:s,s:{s:s,s:s,s:s},s:o,s:o}", "openapi", "3.1.0", "info", "title",
	                "Lotsen API", "version", "1", "description",
	                "Lotsen's HTTP API. Paths come from the server's route tables; x-roles "
	                "lists the roles that may call each (empty: no login). Errors are RFC 9457 "
	                "problems (application/problem+json). See docs/api.md.",
	                "paths", paths, "components", comp);
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

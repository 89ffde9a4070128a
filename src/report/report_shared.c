/* What the report files share: the channel names in their order, who may read reports,
 * and reading a report's JSON for the exporters (CSV, XLSX, PDF). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/report_int.h"

const char *const report_channels[REPORT_NCHANNELS] = {"phone", "email", "letter", "fax",
                                                       "visit", "web",   "social"};

/* Who may read reports: managers and admins any client's; a client viewer only its own
 * department's (a client_id of 0 becomes theirs). */
int report_access_check(const struct principal *who, int64_t *client_id)
{
	if (who->role == ROLE_CLIENT_VIEWER) {
		if (who->client_id <= 0)
			return EPERM;
		if (*client_id == 0)
			*client_id = who->client_id;
		return *client_id == who->client_id ? 0 : EPERM;
	}
	return (who->role & (ROLE_MANAGER | ROLE_ADMIN)) ? 0 : EPERM;
}

const json_t *report_get_path(const json_t *o, const char *key)
{
	const char *dot = strchr(key, '.');
	char head[32];

	if (!dot)
		return json_object_get(o, key);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
	return report_get_path(json_object_get(o, head), dot + 1);
}

const char *report_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

const char *report_name_sv(const char *s)
{
	static const char *const names[][2] = {
	        {"question", "Fråga"},
	        {"matter", "Ärende"},
	        {"opinion", "Synpunkt"},
	        {"complaint", "Klagomål"},
	        {"praise", "Beröm"},
	        {"idea", "Idé"},
	        {"fault_report", "Felanmälan"},
	        {"phone", "Telefon"},
	        {"email", "E-post"},
	        {"letter", "Brev"},
	        {"fax", "Fax"},
	        {"visit", "Besök"},
	        {"web", "Webb"},
	        {"social", "Sociala medier"},
	};

	if (!s)
		return "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1];
	return s;
}

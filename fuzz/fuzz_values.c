/* The small parsers behind query values, settings and forms: dates, ISO 8601 times,
 * report periods and months, rate limits, roles, log levels, e-mail addresses, phone
 * numbers, and opening hours (JSON). The first byte picks the parser. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "base/ratelimit.h"
#include "core/auth.h"
#include "base/calendar.h"
#include "base/contact.h"
#include "base/hours.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, err[256], phone[64];
	struct date d;
	struct report_period p, prev;
	struct report_month m;
	struct hours *h = NULL;
	struct local_time lt;
	enum log_level lvl;
	enum role role;
	unsigned burst, period;
	int64_t t;
	json_t *j;

	if (size < 1 || size > 4096)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 9) {
	case 0:
		if (calendar_date_parse(s, &d) == 0)
			(void)calendar_holiday_name(&d);
		break;
	case 1:
		if (calendar_parse_iso8601(s, &t) == 0)
			calendar_local_from_utc(t, &lt);
		break;
	case 2:
		if (report_period_parse(s, &p) == 0)
			report_period_previous(&p, &prev);
		break;
	case 3:
		(void)report_month_parse(s, &m);
		break;
	case 4:
		(void)ratelimit_parse(s, &burst, &period);
		break;
	case 5:
		(void)role_parse(s, &role);
		(void)log_level_parse(s, &lvl);
		break;
	case 6:
		(void)contact_email_validate(s);
		break;
	case 7:
		(void)contact_phone_normalize(s, phone, sizeof(phone));
		break;
	case 8:
		j = json_loads(s, JSON_DECODE_ANY, NULL);
		if (j && hours_parse(&h, j, err, sizeof(err)) == 0) {
			(void)hours_is_open(h, 1795428000);
			(void)hours_next_change(h, 1795428000);
			hours_free(h);
		}
		json_decref(j);
		break;
	}
	free(s);
	return 0;
}

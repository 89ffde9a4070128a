/* Opening hours: parse the group's JSON once, answer "open now?" many times. */
#include "base/hours.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct week {
	struct day_hours day[7]; /* Monday … Sunday */
};

struct season {
	int from_md, to_md; /* month*100 + day; to < from wraps the new year */
	struct week week;
};

struct exception {
	int64_t day; /* calendar_date_to_days */
	struct day_hours hours;
};

struct hours {
	struct week weekly;
	bool holidays_closed; /* "holidays": "closed" (the default) */
	struct season *seasons;
	size_t n_seasons;
	struct exception *exceptions;
	size_t n_exceptions;
};

static const char *const day_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int fail(char *err, size_t n, const char *fmt, const char *path, const char *what)
{
	snprintf(err, n, fmt, path, what);
	return EINVAL;
}

/* "HH:MM" → minutes; "24:00" only as an end. */
static int parse_hhmm(const char *s, bool end)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h == 24 && m == 0 && end)
		return 24 * 60;
	if (h > 23)
		return -1;
	return h * 60 + m;
}

static int parse_spans(const json_t *v, const char *path, struct day_hours *out, char *err,
                       size_t n)
{
	char p[128];
	size_t i;
	json_t *span;

	out->n = 0;
	if (!json_is_array(v))
		return fail(err, n, "%s: %s", path,
		            "must be a list of [\"HH:MM\",\"HH:MM\"] spans");
	if (json_array_size(v) > HOURS_MAX_SPANS)
		return fail(err, n, "%s: %s", path, "at most 8 spans per day");
	json_array_foreach(v, i, span)
	{
		int t[2];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_array(span) || json_array_size(span) != 2)
			return fail(err, n, "%s: %s", p, "must be a pair [\"HH:MM\",\"HH:MM\"]");
		for (int k = 0; k < 2; k++) {
			json_t *x = json_array_get(span, (size_t)k);
			char q[140];

			snprintf(q, sizeof(q), "%s[%d]", p, k);
			if (!json_is_string(x))
				return fail(err, n, "%s: %s", q, "must be a time \"HH:MM\"");
			t[k] = parse_hhmm(json_string_value(x), k == 1);
			if (t[k] < 0) {
				snprintf(err, n, "%s: \"%s\" is not a time HH:MM", q,
				         json_string_value(x));
				return EINVAL;
			}
		}
		if (t[1] <= t[0])
			return fail(err, n, "%s: %s", p, "the end must come after the start");
		if (out->n > 0 && t[0] < out->to[out->n - 1])
			return fail(err, n, "%s: %s", p,
			            "spans must be in order and must not overlap");
		out->from[out->n] = t[0];
		out->to[out->n] = t[1];
		out->n++;
	}
	return 0;
}

static int parse_week(const json_t *v, const char *path, struct week *w, char *err, size_t n)
{
	const char *key;
	json_t *x;
	char p[64];

	memset(w, 0, sizeof(*w));
	if (!json_is_object(v))
		return fail(err, n, "%s: %s", path, "must be an object with mon … sun");
	json_object_foreach((json_t *)v, key, x)
	{
		int d = -1;

		for (int i = 0; i < 7; i++)
			if (strcmp(key, day_keys[i]) == 0)
				d = i;
		snprintf(p, sizeof(p), "%s.%.16s", path, key);
		if (d < 0)
			return fail(err, n, "%s: %s", p,
			            "unknown day; use mon, tue, wed, thu, fri, sat, sun");
		if (parse_spans(x, p, &w->day[d], err, n) != 0)
			return EINVAL;
	}
	return 0;
}

static int parse_md(const char *s)
{
	int m, d;

	if (!s || strlen(s) != 5 || s[2] != '-')
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '9' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	d = (s[3] - '0') * 10 + (s[4] - '0');
	if (!calendar_date_valid(2000, m, d)) /* a leap year, so 02-29 is allowed */
		return -1;
	return m * 100 + d;
}

static int parse_seasons(const json_t *v, struct hours *h, char *err, size_t n)
{
	size_t i;
	json_t *s;
	char p[64];

	if (!json_is_array(v))
		return fail(err, n, "%s: %s", "seasons", "must be a list");
	h->seasons = calloc(json_array_size(v) + 1, sizeof(*h->seasons));
	if (!h->seasons)
		return ENOMEM;
	json_array_foreach(v, i, s)
	{
		struct season *se = &h->seasons[i];
		const char *key;
		json_t *x;

		snprintf(p, sizeof(p), "seasons[%zu]", i);
		if (!json_is_object(s))
			return fail(err, n, "%s: %s", p,
			            "must be an object {name, from, to, weekly}");
		json_object_foreach(s, key, x)
		{
			if (strcmp(key, "name") != 0 && strcmp(key, "from") != 0 &&
			    strcmp(key, "to") != 0 && strcmp(key, "weekly") != 0) {
				snprintf(err, n,
				         "%s.%.32s: unknown key; use name, from, to, weekly", p,
				         key);
				return EINVAL;
			}
		}
		se->from_md = parse_md(json_string_value(json_object_get(s, "from")));
		se->to_md = parse_md(json_string_value(json_object_get(s, "to")));
		if (se->from_md < 0 || se->to_md < 0)
			return fail(err, n, "%s: %s", p, "from and to must be dates \"MM-DD\"");
		if (parse_week(json_object_get(s, "weekly"), p, &se->week, err, n) != 0)
			return EINVAL;
		h->n_seasons++;
	}
	return 0;
}

static int parse_exceptions(const json_t *v, struct hours *h, char *err, size_t n)
{
	size_t i;
	json_t *e;
	char p[64];

	if (!json_is_array(v))
		return fail(err, n, "%s: %s", "exceptions", "must be a list");
	h->exceptions = calloc(json_array_size(v) + 1, sizeof(*h->exceptions));
	if (!h->exceptions)
		return ENOMEM;
	json_array_foreach(v, i, e)
	{
		struct date d;
		const json_t *hs;

		snprintf(p, sizeof(p), "exceptions[%zu]", i);
		if (!json_is_object(e) ||
		    calendar_date_parse(json_string_value(json_object_get(e, "date")), &d) != 0)
			return fail(err, n, "%s: %s", p,
			            "must be {\"date\":\"YYYY-MM-DD\",\"hours\":[…]}");
		hs = json_object_get(e, "hours");
		if (!hs)
			return fail(err, n, "%s: %s", p, "hours missing; [] means closed");
		snprintf(p, sizeof(p), "exceptions[%zu].hours", i);
		if (parse_spans(hs, p, &h->exceptions[i].hours, err, n) != 0)
			return EINVAL;
		h->exceptions[i].day = calendar_date_to_days(&d);
		h->n_exceptions++;
	}
	return 0;
}

int hours_parse(struct hours **out, const json_t *v, char *err, size_t n)
{
	struct hours *h;
	const char *key;
	json_t *x;
	int r = 0;

	if (!json_is_object(v)) {
		snprintf(err, n, "must be an object {\"weekly\": {…}}");
		return EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return ENOMEM;
	h->holidays_closed = true;
	json_object_foreach((json_t *)v, key, x)
	{
		if (strcmp(key, "weekly") == 0) {
			r = parse_week(x, "weekly", &h->weekly, err, n);
		} else if (strcmp(key, "holidays") == 0) {
			const char *s = json_string_value(x);

			if (s && strcmp(s, "closed") == 0)
				h->holidays_closed = true;
			else if (s && strcmp(s, "ignore") == 0)
				h->holidays_closed = false;
			else
				r = fail(err, n, "%s: %s", "holidays",
				         "must be \"closed\" or \"ignore\"");
		} else if (strcmp(key, "seasons") == 0) {
			r = parse_seasons(x, h, err, n);
		} else if (strcmp(key, "exceptions") == 0) {
			r = parse_exceptions(x, h, err, n);
		} else {
			snprintf(err, n,
			         "%.32s: unknown key; use weekly, holidays, seasons, exceptions",
			         key);
			r = EINVAL;
		}
		if (r)
			break;
	}
	if (r == 0 && !json_object_get(v, "weekly")) {
		snprintf(err, n, "weekly: missing; e.g. {\"mon\": [[\"08:00\",\"16:30\"]]}");
		r = EINVAL;
	}
	if (r) {
		hours_free(h);
		return r;
	}
	*out = h;
	return 0;
}

void hours_free(struct hours *h)
{
	if (!h)
		return;
	free(h->seasons);
	free(h->exceptions);
	free(h);
}

struct hours *hours_always(void)
{
	struct hours *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	for (int d = 0; d < 7; d++) {
		h->weekly.day[d].n = 1;
		h->weekly.day[d].from[0] = 0;
		h->weekly.day[d].to[0] = 24 * 60;
	}
	return h;
}

static bool in_season(const struct season *s, int md)
{
	if (s->from_md <= s->to_md)
		return md >= s->from_md && md <= s->to_md;
	return md >= s->from_md || md <= s->to_md; /* e.g. 12-15 … 01-10 */
}

void hours_for_date(const struct hours *h, const struct date *d, struct day_hours *out)
{
	int64_t day = calendar_date_to_days(d);
	int wd = calendar_weekday(d), md = d->m * 100 + d->d;

	for (size_t i = 0; i < h->n_exceptions; i++) {
		if (h->exceptions[i].day == day) {
			*out = h->exceptions[i].hours;
			out->why = "exception";
			return;
		}
	}
	if (h->holidays_closed && calendar_holiday_name(d)) {
		memset(out, 0, sizeof(*out));
		out->why = "holiday";
		return;
	}
	for (size_t i = 0; i < h->n_seasons; i++) {
		if (in_season(&h->seasons[i], md)) {
			*out = h->seasons[i].week.day[wd];
			out->why = "season";
			return;
		}
	}
	*out = h->weekly.day[wd];
	out->why = "weekly";
}

bool hours_is_open(const struct hours *h, int64_t t)
{
	struct local_time lt;
	struct day_hours dh;
	int min;

	if (!h)
		return true;
	calendar_local_from_utc(t, &lt);
	hours_for_date(h, &lt.date, &dh);
	min = lt.hour * 60 + lt.min;
	for (int i = 0; i < dh.n; i++)
		if (min >= dh.from[i] && min < dh.to[i])
			return true;
	return false;
}

int64_t hours_next_change(const struct hours *h, int64_t t)
{
	bool now = hours_is_open(h, t);
	struct local_time lt;
	struct date d;

	if (!h)
		return 0;
	calendar_local_from_utc(t, &lt);
	d = lt.date;
	/* Candidate instants are span edges; check them in order for up to 400 days. */
	for (int k = 0; k < 400; k++) {
		struct day_hours dh;
		int edges[2 * HOURS_MAX_SPANS + 1], ne = 0;

		hours_for_date(h, &d, &dh);
		for (int i = 0; i < dh.n; i++) {
			edges[ne++] = dh.from[i];
			edges[ne++] = dh.to[i];
		}
		edges[ne++] = 24 * 60; /* a new day may bring other hours */
		for (int i = 0; i < ne; i++) {
			int64_t at;
			struct date dd = d;
			int m = edges[i];

			if (m == 24 * 60) {
				calendar_add_days(&d, 1, &dd);
				m = 0;
			}
			if (calendar_local_to_utc(&dd, m / 60, m % 60, &at) != 0 || at <= t)
				continue;
			if (hours_is_open(h, at) != now)
				return at;
		}
		calendar_add_days(&d, 1, &d);
	}
	return 0;
}

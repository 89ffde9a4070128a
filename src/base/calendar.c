/* Dates, Swedish working days and Stockholm local time from the system's tz database. */
#include "base/calendar.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- dates --------------------------------------------------------------- */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int calendar_days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && leap(y));
}

bool calendar_date_valid(int y, int m, int d)
{
	return y >= 1800 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= calendar_days_in_month(y, m);
}

/* Reads exactly n digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int calendar_date_parse(const char *s, struct date *out)
{
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return EINVAL;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !calendar_date_valid(y, m, d))
		return EINVAL;
	out->y = y;
	out->m = m;
	out->d = d;
	return 0;
}

void calendar_date_format(const struct date *d, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d->y % 10000u, (unsigned)d->m % 100u,
	         (unsigned)d->d % 100u);
}

/* Howard Hinnant's days-from-civil: exact over the proleptic Gregorian calendar. */
int64_t calendar_date_to_days(const struct date *dt)
{
	int64_t y = dt->y - (dt->m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (dt->m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + dt->d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void calendar_date_from_days(int64_t z, struct date *out)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = (int)(y + (out->m <= 2));
}

void calendar_add_days(const struct date *from, int n, struct date *out)
{
	calendar_date_from_days(calendar_date_to_days(from) + n, out);
}

int calendar_weekday(const struct date *d)
{
	int64_t days = calendar_date_to_days(d); /* 1970-01-01 was a Thursday (3) */
	int64_t w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* ---- Swedish holidays ------------------------------------------------------ */

/* Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
static void easter(int y, struct date *out)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;

	out->y = y;
	out->m = (h + l - 7 * m + 114) / 31;
	out->d = (h + l - 7 * m + 114) % 31 + 1;
}

/* The Saturday in [from, from+6] of month m: midsommardagen and alla helgons dag. */
static int saturday_between(int y, int m, int from)
{
	struct date d = {y, m, from};

	return from + (5 - calendar_weekday(&d) + 7) % 7;
}

const char *calendar_holiday_name(const struct date *d)
{
	static const struct {
		int m, d;
		const char *name;
	} fixed[] = {
	        {1, 1, "Nyårsdagen"},           {1, 6, "Trettondedag jul"}, {5, 1, "Första maj"},
	        {6, 6, "Sveriges nationaldag"}, {12, 24, "Julafton"},       {12, 25, "Juldagen"},
	        {12, 26, "Annandag jul"},       {12, 31, "Nyårsafton"},
	};
	struct date e;
	int64_t days, ed;
	int mids, saints_m, saints_d;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].m == d->m && fixed[i].d == d->d)
			return fixed[i].name;

	easter(d->y, &e);
	days = calendar_date_to_days(d);
	ed = calendar_date_to_days(&e);
	if (days == ed - 2)
		return "Långfredagen";
	if (days == ed)
		return "Påskdagen";
	if (days == ed + 1)
		return "Annandag påsk";
	if (days == ed + 39)
		return "Kristi himmelsfärdsdag";
	if (days == ed + 49)
		return "Pingstdagen";

	/* Midsommardagen: the Saturday 20–26 June; its eve is a day off in practice. */
	mids = saturday_between(d->y, 6, 20);
	if (d->m == 6 && d->d == mids)
		return "Midsommardagen";
	if (d->m == 6 && d->d == mids - 1)
		return "Midsommarafton";

	/* Alla helgons dag: the Saturday 31 October – 6 November. */
	saints_d = saturday_between(d->y, 10, 31);
	saints_m = 10;
	if (saints_d > 31) {
		saints_d -= 31;
		saints_m = 11;
	}
	if (d->m == saints_m && d->d == saints_d)
		return "Alla helgons dag";
	return NULL;
}

bool calendar_is_working_day(const struct date *d)
{
	return calendar_weekday(d) < 5 && !calendar_holiday_name(d);
}

void calendar_add_working_days(const struct date *from, int n, struct date *out)
{
	struct date d = *from;

	while (!calendar_is_working_day(&d))
		calendar_add_days(&d, 1, &d);
	while (n > 0) {
		calendar_add_days(&d, 1, &d);
		if (calendar_is_working_day(&d))
			n--;
	}
	*out = d;
}

/* ---- Stockholm time -------------------------------------------------------- */

/* libc knows one zone per process, named by TZ. Lotsen serves one Swedish municipality,
 * so the process runs on Stockholm time: TZ is set once, before any thread starts
 * (setenv is not thread-safe), and every conversion uses localtime_r. A change of the
 * daylight-saving rule then comes with the tzdata package, not with Lotsen. */
#define STOCKHOLM_ZONE "Europe/Stockholm"
/* Only when tzdata is missing: today's EU rule, in the POSIX TZ form. */
#define STOCKHOLM_FALLBACK "CET-1CEST,M3.5.0,M10.5.0/3"

static pthread_once_t tz_once = PTHREAD_ONCE_INIT;
static int tz_status; /* written once under tz_once, read only after it */

static void tz_set(void)
{
	const char *dir = getenv("TZDIR");
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
	         STOCKHOLM_ZONE);
	if (access(path, R_OK) == 0) {
		setenv("TZ", ":" STOCKHOLM_ZONE, 1);
		tz_status = 0;
	} else {
		setenv("TZ", STOCKHOLM_FALLBACK, 1);
		tz_status = ENOENT;
	}
	tzset();
}

int calendar_tz_init(void)
{
	pthread_once(&tz_once, tz_set);
	return tz_status;
}

int calendar_utc_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	calendar_tz_init();
	if (!localtime_r(&tt, &tm))
		return 3600; /* beyond what struct tm holds: standard time */
	return (int)tm.tm_gmtoff;
}

void calendar_local_from_utc(int64_t t, struct local_time *out)
{
	int off = calendar_utc_offset(t);
	int64_t l = t + off;
	int64_t days = l >= 0 ? l / 86400 : (l - 86399) / 86400;
	int64_t sec = l - days * 86400;

	calendar_date_from_days(days, &out->date);
	out->hour = (int)(sec / 3600);
	out->min = (int)(sec / 60 % 60);
	out->sec = (int)(sec % 60);
	out->utc_offset_s = off;
	out->wday = calendar_weekday(&out->date);
}

/* A wall time has the offset in force half a day before or the one half a day after
 * (zones change at most once a day); each that holds at its own instant is a reading. */
int calendar_local_to_utc(const struct date *d, int hour, int min, int64_t *out)
{
	int64_t local, before, after;
	int ob, oa;
	bool b_ok, a_ok;

	if (!calendar_date_valid(d->y, d->m, d->d) || hour < 0 || hour > 24 || min < 0 || min > 59)
		return EINVAL;
	local = calendar_date_to_days(d) * 86400 + hour * 3600 + min * 60;
	ob = calendar_utc_offset(local - 43200);
	oa = calendar_utc_offset(local + 43200);
	before = local - ob;
	after = local - oa;
	b_ok = calendar_utc_offset(before) == ob;
	a_ok = calendar_utc_offset(after) == oa;
	if (b_ok && a_ok) /* the autumn hour that occurs twice: the earlier */
		*out = before < after ? before : after;
	else if (a_ok)
		*out = after;
	else
		*out = before; /* skipped in spring: read with the old offset, an hour on */
	return 0;
}

int calendar_parse_iso8601(const char *s, int64_t *out)
{
	struct date d;
	char day[11];
	int h = 0, mi = 0, se = 0, off = 0;
	size_t len, i = 10;
	bool zone = false;
	int64_t t;

	if (!s)
		return EINVAL;
	len = strlen(s);
	if (len < 10)
		return EINVAL;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (calendar_date_parse(day, &d) != 0)
		return EINVAL;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != ' ') || len < 16 || s[13] != ':')
			return EINVAL;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		i = 16;
		if (s[i] == ':') {
			se = digits(s + i + 1, 2);
			if (se < 0) /* before stepping past a string that ends after the ':' */
				return EINVAL;
			i += 3;
			if (s[i] == '.') /* fractions of a second are accepted and dropped */
				for (i++; s[i] >= '0' && s[i] <= '9'; i++)
					;
		}
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
			return EINVAL;
		if (s[i] == 'Z' && s[i + 1] == '\0') {
			zone = true;
		} else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 && s[i + 3] == ':') {
			int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);

			if (oh < 0 || oh > 14 || om < 0 || om > 59)
				return EINVAL;
			off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
			zone = true;
		} else if (s[i] != '\0') {
			return EINVAL;
		}
	}
	if (zone) {
		*out = calendar_date_to_days(&d) * 86400 + h * 3600 + mi * 60 + se - off;
		return 0;
	}
	if (calendar_local_to_utc(&d, h, mi, &t) != 0)
		return EINVAL;
	*out = t + se;
	return 0;
}

void calendar_format_iso8601(int64_t t, char out[21])
{
	struct date d;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t sec = t - days * 86400;

	calendar_date_from_days(days, &d);
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)d.y % 10000u,
	         (unsigned)d.m % 100u, (unsigned)d.d % 100u, (unsigned)(sec / 3600) % 100u,
	         (unsigned)(sec / 60 % 60), (unsigned)(sec % 60));
}

/* Dates, Swedish working days and Stockholm local time.
 *
 * Handovers are due in working days, opening hours are kept in local time and
 * reports group by local day; all of it runs through here. The Swedish public
 * holidays are computed per year (Easter by the Gregorian computus); the Stockholm
 * offset comes from the system's tz database (the tzdata package, Europe/Stockholm). */
#ifndef LOTSEN_BASE_CALENDAR_H
#define LOTSEN_BASE_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

struct date {
	int y, m, d;
};

struct local_time {
	struct date date;
	int hour, min, sec;
	int utc_offset_s; /* 3600 in winter, 7200 in summer */
	int wday;         /* 0 = Monday … 6 = Sunday */
};

/* "YYYY-MM-DD", strictly (a real date between 1800 and 2199); 0 or EINVAL. */
int calendar_date_parse(const char *s, struct date *out);
void calendar_date_format(const struct date *d, char out[11]);
bool calendar_date_valid(int y, int m, int d);
int calendar_days_in_month(int y, int m);

/* Days since 1970-01-01 (negative before). */
int64_t calendar_date_to_days(const struct date *d);
void calendar_date_from_days(int64_t days, struct date *out);
void calendar_add_days(const struct date *from, int n, struct date *out);
int calendar_weekday(const struct date *d); /* 0 = Monday … 6 = Sunday */

/* Public holidays ("röda dagar") and the eves treated as days off
 * (midsommarafton, julafton, nyårsafton). Name in Swedish, or NULL. */
const char *calendar_holiday_name(const struct date *d);
bool calendar_is_working_day(const struct date *d);

/* The date n working days after `from`; when `from` is not a working day the
 * count starts from the next one (n = 0 gives that next working day). */
void calendar_add_working_days(const struct date *from, int n, struct date *out);

/* Make the process run on Stockholm time (TZ=Europe/Stockholm). Call it at start,
 * before any thread: setenv is not thread-safe. The conversions below call it too, so
 * tools and tests need not. 0, or ENOENT when tzdata lacks the zone (then today's EU
 * rule is used: last Sunday of March / October at 01:00 UTC). */
int calendar_tz_init(void);

/* Stockholm local time for a UTC instant (seconds since the epoch). */
void calendar_local_from_utc(int64_t t, struct local_time *out);
/* The UTC instant of a Stockholm wall-clock time. In the autumn hour that occurs
 * twice the earlier is chosen; a time skipped in spring maps one hour later. */
int calendar_local_to_utc(const struct date *d, int hour, int min, int64_t *out);
int calendar_utc_offset(int64_t t);

/* ISO 8601 "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]"; without a zone it is Stockholm time.
 * A bare "YYYY-MM-DD" is midnight Stockholm time. */
int calendar_parse_iso8601(const char *s, int64_t *out);
void calendar_format_iso8601(int64_t t, char out[21]); /* "YYYY-MM-DDTHH:MM:SSZ" */

#endif

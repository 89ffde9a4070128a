/* Calendar: dates, Swedish holidays, working days and Stockholm time across DST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"

static struct date D(int y, int m, int d) {
	return (struct date){y, m, d};
}

static void
test_parse_is_strict(void **state)
{
	struct date d;

	(void)state;
	assert_int_equal(calendar_date_parse("2026-02-28", &d), 0);
	assert_int_equal(d.y * 10000 + d.m * 100 + d.d, 20260228);
	assert_int_equal(calendar_date_parse("2024-02-29", &d), 0);
	assert_int_not_equal(calendar_date_parse("2026-02-29", &d), 0);
	assert_int_not_equal(calendar_date_parse("2026-02-30", &d), 0);
	assert_int_not_equal(calendar_date_parse("2026-13-01", &d), 0);
	assert_int_not_equal(calendar_date_parse("2026-1-01", &d), 0);
	assert_int_not_equal(calendar_date_parse("2026-01-01x", &d), 0);
	assert_int_not_equal(calendar_date_parse("", &d), 0);
	assert_int_not_equal(calendar_date_parse(NULL, &d), 0);
}

static void test_days_round_trip(void **state)
{
	struct date d = D(1970, 1, 1), back;
	char buf[11];

	(void)state;
	assert_int_equal(calendar_date_to_days(&d), 0);
	for (int64_t n = -40000; n < 80000; n += 37) {
		calendar_date_from_days(n, &back);
		assert_int_equal(calendar_date_to_days(&back), n);
	}
	d = D(2026, 11, 23);
	assert_int_equal(calendar_weekday(&d), 0); /* a Monday */
	calendar_add_days(&d, 39, &back);
	calendar_date_format(&back, buf);
	assert_string_equal(buf, "2027-01-01");
}

static void test_holidays_2026(void **state)
{
	static const struct {
		struct date d;
		const char *name;
	} h[] = {
	        {{2026, 1, 1}, "Nyårsdagen"},
	        {{2026, 1, 6}, "Trettondedag jul"},
	        {{2026, 4, 3}, "Långfredagen"},
	        {{2026, 4, 5}, "Påskdagen"},
	        {{2026, 4, 6}, "Annandag påsk"},
	        {{2026, 5, 1}, "Första maj"},
	        {{2026, 5, 14}, "Kristi himmelsfärdsdag"},
	        {{2026, 5, 24}, "Pingstdagen"},
	        {{2026, 6, 6}, "Sveriges nationaldag"},
	        {{2026, 6, 19}, "Midsommarafton"},
	        {{2026, 6, 20}, "Midsommardagen"},
	        {{2026, 10, 31}, "Alla helgons dag"},
	        {{2026, 12, 24}, "Julafton"},
	        {{2026, 12, 25}, "Juldagen"},
	        {{2026, 12, 26}, "Annandag jul"},
	        {{2026, 12, 31}, "Nyårsafton"},
	};
	struct date plain = D(2026, 4, 7);

	(void)state;
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		const char *n = calendar_holiday_name(&h[i].d);

		assert_non_null(n);
		assert_string_equal(n, h[i].name);
		assert_false(calendar_is_working_day(&h[i].d));
	}
	assert_null(calendar_holiday_name(&plain));
	assert_true(calendar_is_working_day(&plain));
}

static void test_moving_holidays_other_years(void **state)
{
	struct date e2024 = D(2024, 3, 31), e2025 = D(2025, 4, 20), e2027 = D(2027, 3, 28);
	struct date mids2025 = D(2025, 6, 20), saints2027 = D(2027, 11, 6),
	            asc2025 = D(2025, 5, 29);

	(void)state;
	assert_string_equal(calendar_holiday_name(&e2024), "Påskdagen");
	assert_string_equal(calendar_holiday_name(&e2025), "Påskdagen");
	assert_string_equal(calendar_holiday_name(&e2027), "Påskdagen");
	assert_string_equal(calendar_holiday_name(&mids2025), "Midsommarafton");
	assert_string_equal(calendar_holiday_name(&saints2027), "Alla helgons dag");
	assert_string_equal(calendar_holiday_name(&asc2025), "Kristi himmelsfärdsdag");
}

static void test_working_days_skip_weekends_and_holidays(void **state)
{
	struct date from, out;
	char buf[11];

	(void)state;
	/* Thursday before Easter + 1 working day = Tuesday after Easter. */
	from = D(2026, 4, 2);
	calendar_add_working_days(&from, 1, &out);
	calendar_date_format(&out, buf);
	assert_string_equal(buf, "2026-04-07");
	/* Over Christmas: 23 Dec + 3 = 30 Dec? 24, 25, 26, 27 off; 28, 29, 30. */
	from = D(2026, 12, 23);
	calendar_add_working_days(&from, 3, &out);
	calendar_date_format(&out, buf);
	assert_string_equal(buf, "2026-12-30");
	/* Handing over on a Saturday counts from Monday. */
	from = D(2026, 11, 21);
	calendar_add_working_days(&from, 0, &out);
	calendar_date_format(&out, buf);
	assert_string_equal(buf, "2026-11-23");
	calendar_add_working_days(&from, 5, &out);
	calendar_date_format(&out, buf);
	assert_string_equal(buf, "2026-11-30");
}

static void test_stockholm_dst(void **state)
{
	struct local_time lt;
	struct date d;
	int64_t t;

	(void)state;
	/* 2026-03-29 00:59:59 UTC is winter (01:59:59), one second later summer (03:00). */
	d = D(2026, 3, 29);
	t = calendar_date_to_days(&d) * 86400 + 3600;
	calendar_local_from_utc(t - 1, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 159);
	assert_int_equal(lt.utc_offset_s, 3600);
	calendar_local_from_utc(t, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 300);
	assert_int_equal(lt.utc_offset_s, 7200);

	/* Autumn: 2026-10-25 02:30 local happens twice; the earlier (summer) is chosen. */
	d = D(2026, 10, 25);
	assert_int_equal(calendar_local_to_utc(&d, 2, 30, &t), 0);
	assert_int_equal(t, calendar_date_to_days(&d) * 86400 + 30 * 60);
	/* 12:00 local in summer is 10:00 UTC, in winter 11:00 UTC. */
	d = D(2026, 7, 1);
	calendar_local_to_utc(&d, 12, 0, &t);
	assert_int_equal(t % 86400, 10 * 3600);
	d = D(2026, 12, 1);
	calendar_local_to_utc(&d, 12, 0, &t);
	assert_int_equal(t % 86400, 11 * 3600);
	/* A wall time skipped in spring maps to one hour later. */
	d = D(2026, 3, 29);
	calendar_local_to_utc(&d, 2, 30, &t);
	calendar_local_from_utc(t, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 330);
}

/* The switches of another year, wall clock and offsets on either side. */
static void test_stockholm_dst_2027(void **state)
{
	struct local_time lt;
	struct date d;
	int64_t t;

	(void)state;
	/* Spring, 2027-03-28: 02:00 becomes 03:00 at 01:00 UTC. */
	d = D(2027, 3, 28);
	t = calendar_date_to_days(&d) * 86400 + 3600;
	assert_int_equal(calendar_utc_offset(t - 1), 3600);
	assert_int_equal(calendar_utc_offset(t), 7200);
	calendar_local_from_utc(t - 60, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 159);
	calendar_local_from_utc(t, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 300);
	assert_int_equal(lt.wday, 6);
	/* The Sunday before is still winter all day. */
	d = D(2027, 3, 21);
	assert_int_equal(calendar_utc_offset(calendar_date_to_days(&d) * 86400 + 12 * 3600), 3600);

	/* Autumn, 2027-10-31: 03:00 becomes 02:00 at 01:00 UTC. */
	d = D(2027, 10, 31);
	t = calendar_date_to_days(&d) * 86400 + 3600;
	calendar_local_from_utc(t - 1, &lt);
	assert_int_equal(lt.hour * 10000 + lt.min * 100 + lt.sec, 25959);
	assert_int_equal(lt.utc_offset_s, 7200);
	calendar_local_from_utc(t, &lt);
	assert_int_equal(lt.hour * 100 + lt.min, 200);
	assert_int_equal(lt.utc_offset_s, 3600);
	/* The repeated 02:15 is read as the first (summer) one; 03:15 happens once. */
	assert_int_equal(calendar_local_to_utc(&d, 2, 15, &t), 0);
	assert_int_equal(t, calendar_date_to_days(&d) * 86400 + 15 * 60);
	assert_int_equal(calendar_local_to_utc(&d, 3, 15, &t), 0);
	assert_int_equal(t, calendar_date_to_days(&d) * 86400 + 2 * 3600 + 15 * 60);
	/* The Sunday before is summer. */
	d = D(2027, 10, 24);
	assert_int_equal(calendar_utc_offset(calendar_date_to_days(&d) * 86400 + 12 * 3600), 7200);
}

/* Far from today the tz database's rule still holds, and its history is Sweden's. */
static void test_stockholm_far_years(void **state)
{
	struct local_time lt;
	struct date d;
	int64_t t;

	(void)state;
	/* 2150: last Sundays are 29 March and 25 October. */
	d = D(2150, 3, 29);
	t = calendar_date_to_days(&d) * 86400 + 3600;
	assert_int_equal(calendar_utc_offset(t - 1), 3600);
	assert_int_equal(calendar_utc_offset(t), 7200);
	d = D(2150, 10, 25);
	t = calendar_date_to_days(&d) * 86400 + 3600;
	assert_int_equal(calendar_utc_offset(t - 1), 7200);
	assert_int_equal(calendar_utc_offset(t), 3600);
	d = D(2150, 7, 1);
	assert_int_equal(calendar_local_to_utc(&d, 12, 0, &t), 0);
	calendar_local_from_utc(t, &lt);
	assert_int_equal(lt.hour, 12);
	assert_int_equal(lt.utc_offset_s, 7200);
	/* Until 1995 Swedish summer time ended on the last Sunday of September: mid-October
	 * 1990 was winter time (a rule written for today's EU would say summer). */
	d = D(1990, 10, 15);
	assert_int_equal(calendar_utc_offset(calendar_date_to_days(&d) * 86400 + 12 * 3600), 3600);
	d = D(1990, 9, 15);
	assert_int_equal(calendar_utc_offset(calendar_date_to_days(&d) * 86400 + 12 * 3600), 7200);
}

static void test_iso8601(void **state)
{
	int64_t t;
	char buf[21];

	(void)state;
	assert_int_equal(calendar_parse_iso8601("2026-11-23T09:15:00Z", &t), 0);
	calendar_format_iso8601(t, buf);
	assert_string_equal(buf, "2026-11-23T09:15:00Z");
	assert_int_equal(calendar_parse_iso8601("2026-11-23T10:15:00+01:00", &t), 0);
	calendar_format_iso8601(t, buf);
	assert_string_equal(buf, "2026-11-23T09:15:00Z");
	/* No zone: Stockholm time (summer here). */
	assert_int_equal(calendar_parse_iso8601("2026-07-01T12:00", &t), 0);
	calendar_format_iso8601(t, buf);
	assert_string_equal(buf, "2026-07-01T10:00:00Z");
	assert_int_equal(calendar_parse_iso8601("2026-07-01", &t), 0);
	calendar_format_iso8601(t, buf);
	assert_string_equal(buf, "2026-06-30T22:00:00Z");
	assert_int_equal(calendar_parse_iso8601("2026-07-01T12:00:00.250Z", &t), 0);
	assert_int_not_equal(calendar_parse_iso8601("2026-07-01T25:00Z", &t), 0);
	assert_int_not_equal(calendar_parse_iso8601("2026-07-01T12:00Q", &t), 0);
	assert_int_not_equal(calendar_parse_iso8601("2026-07-01T12", &t), 0);
	assert_int_not_equal(calendar_parse_iso8601("igår", &t), 0);
}

/* Found by fuzzing: a time ending right after the seconds' ':' was read past its end. The
 * strings are copied to the heap at their exact size so ASan sees such a read. */
static void test_iso8601_cut_short(void **state)
{
	static const char *const bad[] = {"2026-10-24T02:02:", "2026-10-24T02:02:5",
	                                  "2026-10-24T02:02:.", "2026-10-24T02:02:+01:00"};
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = strdup(bad[i]);

		assert_non_null(s);
		assert_int_equal(calendar_parse_iso8601(s, &t), EINVAL);
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_is_strict),
	        cmocka_unit_test(test_days_round_trip),
	        cmocka_unit_test(test_holidays_2026),
	        cmocka_unit_test(test_moving_holidays_other_years),
	        cmocka_unit_test(test_working_days_skip_weekends_and_holidays),
	        cmocka_unit_test(test_stockholm_dst),
	        cmocka_unit_test(test_stockholm_dst_2027),
	        cmocka_unit_test(test_stockholm_far_years),
	        cmocka_unit_test(test_iso8601),
	        cmocka_unit_test(test_iso8601_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

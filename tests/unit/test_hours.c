/* Opening hours: parsing with errors that name the path, precedence of the rules,
 * holidays, seasons and DST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/hours.h"

static struct hours *parse(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	struct hours *h = NULL;
	char err[300];

	assert_non_null(v);
	if (hours_parse(&h, v, err, sizeof(err)) != 0)
		fail_msg("hours_parse: %s", err);
	json_decref(v);
	return h;
}

static void expect_error(const char *text, const char *want)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	struct hours *h = NULL;
	char err[300] = "";

	assert_non_null(v);
	assert_int_not_equal(hours_parse(&h, v, err, sizeof(err)), 0);
	assert_null(h);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	json_decref(v);
}

static int64_t at(int y, int m, int d, int hh, int mm)
{
	struct date dt = {y, m, d};
	int64_t t;

	assert_int_equal(calendar_local_to_utc(&dt, hh, mm, &t), 0);
	return t;
}

static const char *office =
        "{\"weekly\":{\"mon\":[[\"08:00\",\"16:30\"]],\"tue\":[[\"08:00\",\"16:30\"]],"
        "\"wed\":[[\"08:00\",\"16:30\"]],\"thu\":[[\"08:00\",\"16:30\"]],"
        "\"fri\":[[\"08:00\",\"12:00\"],[\"13:00\",\"15:00\"]]},"
        "\"seasons\":[{\"name\":\"Sommar\",\"from\":\"06-22\",\"to\":\"08-09\","
        "\"weekly\":{\"mon\":[[\"09:00\",\"15:00\"]],\"fri\":[[\"09:00\",\"12:00\"]]}}],"
        "\"exceptions\":[{\"date\":\"2026-12-23\",\"hours\":[[\"08:00\",\"12:00\"]]},"
        "{\"date\":\"2026-12-24\",\"hours\":[[\"09:00\",\"11:00\"]]}]}";

static void test_weekly_and_lunch(void **state)
{
	struct hours *h = parse(office);

	(void)state;
	assert_false(hours_is_open(h, at(2026, 11, 23, 7, 59)));
	assert_true(hours_is_open(h, at(2026, 11, 23, 8, 0)));
	assert_true(hours_is_open(h, at(2026, 11, 23, 16, 29)));
	assert_false(hours_is_open(h, at(2026, 11, 23, 16, 30)));
	assert_false(hours_is_open(h, at(2026, 11, 27, 12, 30))); /* Friday lunch */
	assert_true(hours_is_open(h, at(2026, 11, 27, 13, 0)));
	assert_false(hours_is_open(h, at(2026, 11, 28, 10, 0))); /* Saturday */
	hours_free(h);
}

static void test_precedence(void **state)
{
	struct hours *h = parse(office);
	struct day_hours dh;
	struct date d;

	(void)state;
	/* An exception beats the holiday: Julafton opened 09–11 on purpose. */
	d = (struct date){2026, 12, 24};
	hours_for_date(h, &d, &dh);
	assert_string_equal(dh.why, "exception");
	assert_true(hours_is_open(h, at(2026, 12, 24, 10, 0)));
	/* A holiday beats the weekly hours. */
	d = (struct date){2026, 4, 6};
	hours_for_date(h, &d, &dh);
	assert_string_equal(dh.why, "holiday");
	assert_false(hours_is_open(h, at(2026, 4, 6, 10, 0)));
	/* Midsommarafton is closed although a Friday. */
	assert_false(hours_is_open(h, at(2026, 6, 19, 10, 0)));
	/* The summer season replaces the week: Monday 08:30 closed, 09:00 open. */
	assert_false(hours_is_open(h, at(2026, 7, 6, 8, 30)));
	assert_true(hours_is_open(h, at(2026, 7, 6, 9, 0)));
	assert_false(hours_is_open(h, at(2026, 7, 7, 10, 0))); /* Tuesday: not in the season */
	hours_free(h);
}

static void test_holidays_ignore(void **state)
{
	struct hours *h =
	        parse("{\"weekly\":{\"mon\":[[\"00:00\",\"24:00\"]]},\"holidays\":\"ignore\"}");

	(void)state;
	assert_true(hours_is_open(h, at(2026, 4, 6, 3, 0))); /* Annandag påsk, a Monday */
	assert_true(hours_is_open(h, at(2026, 4, 6, 23, 59)));
	hours_free(h);
}

static void test_dst_days(void **state)
{
	/* Open 08–17 on Sundays too: the local hours hold on both DST Sundays. */
	struct hours *h =
	        parse("{\"weekly\":{\"sun\":[[\"08:00\",\"17:00\"]]},\"holidays\":\"ignore\"}");
	struct date d = {2026, 3, 29};
	int64_t midnight = calendar_date_to_days(&d) * 86400;

	(void)state;
	/* 06:00 UTC = 08:00 summer time on 29 March. */
	assert_true(hours_is_open(h, midnight + 6 * 3600));
	assert_false(hours_is_open(h, midnight + 6 * 3600 - 1));
	d = (struct date){2026, 10, 25};
	midnight = calendar_date_to_days(&d) * 86400;
	/* 07:00 UTC = 08:00 winter time on 25 October. */
	assert_true(hours_is_open(h, midnight + 7 * 3600));
	assert_false(hours_is_open(h, midnight + 7 * 3600 - 1));
	assert_int_equal(hours_next_change(h, midnight), midnight + 7 * 3600);
	hours_free(h);
}

static void test_next_change(void **state)
{
	struct hours *h = parse(office);

	(void)state;
	/* Friday 11:00 → closes 12:00 → opens 13:00 → closes 15:00 → opens Monday 08:00. */
	int64_t t = at(2026, 11, 27, 11, 0);

	t = hours_next_change(h, t);
	assert_int_equal(t, at(2026, 11, 27, 12, 0));
	t = hours_next_change(h, t);
	assert_int_equal(t, at(2026, 11, 27, 13, 0));
	t = hours_next_change(h, t);
	assert_int_equal(t, at(2026, 11, 27, 15, 0));
	t = hours_next_change(h, t);
	assert_int_equal(t, at(2026, 11, 30, 8, 0));
	hours_free(h);
}

static void test_errors_name_the_path(void **state)
{
	(void)state;
	expect_error("{\"weekly\":{\"mon\":[[\"08:00\",\"25:00\"]]}}",
	             "weekly.mon[0][1]: \"25:00\" is not a time HH:MM");
	expect_error("{\"weekly\":{\"mon\":[[\"16:00\",\"08:00\"]]}}", "weekly.mon[0]");
	expect_error("{\"weekly\":{\"mon\":[[\"08:00\",\"12:00\"],[\"11:00\",\"13:00\"]]}}",
	             "overlap");
	expect_error("{\"weekly\":{\"mån\":[]}}", "unknown day");
	expect_error("{\"weekly\":{},\"öppet\":true}", "unknown key");
	expect_error("{\"weekly\":{},\"holidays\":\"open\"}", "holidays");
	expect_error("{\"weekly\":{},\"exceptions\":[{\"date\":\"2026-02-30\",\"hours\":[]}]}",
	             "exceptions[0]");
	expect_error(
	        "{\"weekly\":{},\"seasons\":[{\"name\":\"S\",\"from\":\"13-01\",\"to\":\"01-01\","
	        "\"weekly\":{}}]}",
	        "seasons[0]");
	expect_error("{\"holidays\":\"closed\"}", "weekly");
	expect_error("[]", "object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_weekly_and_lunch),
	        cmocka_unit_test(test_precedence),
	        cmocka_unit_test(test_holidays_ignore),
	        cmocka_unit_test(test_dst_days),
	        cmocka_unit_test(test_next_change),
	        cmocka_unit_test(test_errors_name_the_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

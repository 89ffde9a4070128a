/* Personnummer: the accepted forms, the century rule, Luhn and the clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/personnummer.h"

static const struct date today = {2026, 11, 23};

static void expect_ok(const char *in, const char *want)
{
	char out[13];
	enum pnr_error why = PNR_FORMAT;

	assert_int_equal(pnr_parse(in, &today, out, &why), 0);
	assert_int_equal(why, PNR_OK);
	assert_string_equal(out, want);
}

static void expect_err(const char *in, enum pnr_error want)
{
	char out[13] = "untouched";
	enum pnr_error why = PNR_OK;

	assert_int_not_equal(pnr_parse(in, &today, out, &why), 0);
	assert_int_equal(why, want);
	assert_string_equal(out, "untouched");
}

static void test_forms(void **state)
{
	(void)state;
	expect_ok("19811218-9876", "198112189876");
	expect_ok("198112189876", "198112189876");
	expect_ok("811218-9876", "198112189876");
	expect_ok("8112189876", "198112189876");
	expect_ok("121212-1212", "201212121212");
	/* '+' marks someone aged 100 or more. */
	expect_ok("121212+1212", "191212121212");
	expect_ok("450101-1235", "194501011235");
}

static void test_coordination_number(void **state)
{
	char out[13];

	(void)state;
	expect_ok("701063-2391", "197010632391");
	assert_int_equal(pnr_parse("701063-2391", &today, out, NULL), 0);
	assert_true(pnr_is_coordination(out));
	assert_int_equal(pnr_parse("811218-9876", &today, out, NULL), 0);
	assert_false(pnr_is_coordination(out));
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("19811218-9875", PNR_CHECKSUM);
	expect_err("19810230-1234", PNR_DATE);
	expect_err("19811318-9876", PNR_DATE);
	expect_err("20301218-9876", PNR_FUTURE);
	expect_err("abc", PNR_FORMAT);
	expect_err("", PNR_FORMAT);
	expect_err(NULL, PNR_FORMAT);
	expect_err("19811218 9876", PNR_FORMAT);
	expect_err("1981121-89876", PNR_FORMAT);
	expect_err("19811218-98761", PNR_FORMAT);
}

static void test_error_texts(void **state)
{
	(void)state;
	assert_non_null(strstr(pnr_error_text(PNR_CHECKSUM, "sv"), "Luhn"));
	assert_non_null(strstr(pnr_error_text(PNR_DATE, "sv"), "datum"));
	assert_non_null(strstr(pnr_error_text(PNR_FORMAT, "sv"), "ÅÅÅÅMMDD-NNNN"));
	assert_non_null(strstr(pnr_error_text(PNR_CHECKSUM, "en"), "check digit"));
}

static void test_mask(void **state)
{
	char m[14];

	(void)state;
	pnr_mask("198112189876", m);
	assert_string_equal(m, "19811218-****");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_forms),  cmocka_unit_test(test_coordination_number),
	        cmocka_unit_test(test_errors), cmocka_unit_test(test_error_texts),
	        cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

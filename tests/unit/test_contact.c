/* Phone numbers to E.164 and e-mail plausibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/contact.h"

static void expect_phone(const char *in, const char *want)
{
	char out[24];

	assert_int_equal(contact_phone_normalize(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_swedish_forms(void **state)
{
	(void)state;
	expect_phone("08-508 360 00", "+46850836000");
	expect_phone("070-123 45 67", "+46701234567");
	expect_phone("054-540 00 00", "+46545400000");
	expect_phone("+46 8 508 360 00", "+46850836000");
	expect_phone("+46 (0)8-508 360 00", "+46850836000");
	expect_phone("0046 70 123 45 67", "+46701234567");
	expect_phone("+358 9 123 4567", "+35891234567");
	expect_phone("(08) 508 360 00", "+46850836000");
}

static void test_rejects(void **state)
{
	char out[24];

	(void)state;
	assert_int_not_equal(contact_phone_normalize("ring mig", out, sizeof(out)), 0);
	assert_int_not_equal(contact_phone_normalize("070-123 45 6x", out, sizeof(out)), 0);
	assert_int_not_equal(contact_phone_normalize("112", out, sizeof(out)), 0);
	assert_int_not_equal(contact_phone_normalize("", out, sizeof(out)), 0);
	assert_int_not_equal(contact_phone_normalize("+46 8 5083 6000 0000 000", out, sizeof(out)),
	                     0);
	assert_int_not_equal(contact_phone_normalize("++4685083600", out, sizeof(out)), 0);
	assert_int_not_equal(contact_phone_normalize(NULL, out, sizeof(out)), 0);
	/* A buffer too small is an error, never a truncated number. */
	assert_int_not_equal(contact_phone_normalize("08-508 360 00", out, 8), 0);
}

static void test_email(void **state)
{
	(void)state;
	assert_int_equal(contact_email_validate("kontaktcenter@stockholm.se"), 0);
	assert_int_equal(contact_email_validate("anna.ek+test@lotsen.example"), 0);
	assert_int_not_equal(contact_email_validate("anna"), 0);
	assert_int_not_equal(contact_email_validate("anna@"), 0);
	assert_int_not_equal(contact_email_validate("@stockholm.se"), 0);
	assert_int_not_equal(contact_email_validate("anna@stockholm"), 0);
	assert_int_not_equal(contact_email_validate("anna@@stockholm.se"), 0);
	assert_int_not_equal(contact_email_validate("anna ek@stockholm.se"), 0);
	assert_int_not_equal(contact_email_validate("anna@stockholm..se"), 0);
	assert_int_not_equal(contact_email_validate(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_swedish_forms),
	        cmocka_unit_test(test_rejects),
	        cmocka_unit_test(test_email),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Token buckets for the public feedback form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "base/ratelimit.h"

static void test_burst_then_refill(void **state)
{
	struct ratelimit *rl = NULL;
	unsigned retry = 0;

	(void)state;
	assert_int_equal(ratelimit_alloc(&rl, 5, 600), 0);
	for (int i = 0; i < 5; i++) {
		assert_true(ratelimit_check(rl, "192.0.2.1", 1000, &retry));
		ratelimit_take(rl, "192.0.2.1", 1000);
	}
	assert_false(ratelimit_check(rl, "192.0.2.1", 1000, &retry));
	assert_int_equal(retry, 120); /* one token every 600 / 5 s */
	/* Another address has its own bucket. */
	assert_true(ratelimit_check(rl, "192.0.2.2", 1000, &retry));
	assert_false(ratelimit_check(rl, "192.0.2.1", 1000 + 119000, &retry));
	assert_int_equal(retry, 1);
	assert_true(ratelimit_check(rl, "192.0.2.1", 1000 + 120000, &retry));
	ratelimit_take(rl, "192.0.2.1", 1000 + 120000);
	assert_false(ratelimit_check(rl, "192.0.2.1", 1000 + 120000, &retry));
	ratelimit_free(rl);
}

static void test_checking_takes_nothing(void **state)
{
	struct ratelimit *rl = NULL;

	(void)state;
	assert_int_equal(ratelimit_alloc(&rl, 1, 60), 0);
	for (int i = 0; i < 10; i++)
		assert_true(ratelimit_check(rl, "2001:db8::1", 0, NULL));
	ratelimit_take(rl, "2001:db8::1", 0);
	assert_false(ratelimit_check(rl, "2001:db8::1", 0, NULL));
	ratelimit_free(rl);
}

static void test_many_addresses_keep_fixed_memory(void **state)
{
	struct ratelimit *rl = NULL;
	char key[48];
	unsigned refused = 0;

	(void)state;
	assert_int_equal(ratelimit_alloc(&rl, 1, 600), 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		ratelimit_take(rl, key, i);
	}
	/* The table holds 4096 and lets the longest-refilled bucket go: the newest keys are
	 * still limited. */
	for (int i = 19000; i < 20000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		refused += !ratelimit_check(rl, key, 20000, NULL);
	}
	assert_true(refused > 900);
	ratelimit_free(rl);
}

static void test_parse(void **state)
{
	unsigned b = 9, p = 9;

	(void)state;
	assert_int_equal(ratelimit_parse("5/600", &b, &p), 0);
	assert_int_equal(b, 5);
	assert_int_equal(p, 600);
	assert_int_equal(ratelimit_parse("off", &b, &p), 0);
	assert_int_equal(b, 0);
	assert_int_not_equal(ratelimit_parse("5", &b, &p), 0);
	assert_int_not_equal(ratelimit_parse("5/", &b, &p), 0);
	assert_int_not_equal(ratelimit_parse("0/60", &b, &p), 0);
	assert_int_not_equal(ratelimit_parse("-1/60", &b, &p), 0);
	assert_int_not_equal(ratelimit_parse("5/60x", &b, &p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_burst_then_refill),
	        cmocka_unit_test(test_checking_takes_nothing),
	        cmocka_unit_test(test_many_addresses_keep_fixed_memory),
	        cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

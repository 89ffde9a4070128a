/* Telephony: the G.711 codecs the media relay and the tone generator use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "tel/tel_int.h"

static void test_ulaw_known_codes(void **state)
{
	(void)state;
	assert_int_equal(g711_ulaw_encode(0), 0xff);
	assert_int_equal(g711_ulaw_decode(0xff), 0);
	assert_int_equal(g711_ulaw_decode(0x80), 32124);
	assert_int_equal(g711_ulaw_decode(0x00), -32124);
	assert_int_equal(g711_ulaw_encode(32767), 0x80);
	assert_int_equal(g711_ulaw_encode(-32768), 0x00);
}

static void test_alaw_known_codes(void **state)
{
	(void)state;
	assert_int_equal(g711_alaw_encode(0), 0xd5);
	assert_int_equal(g711_alaw_decode(0xd5), 8);
	assert_int_equal(g711_alaw_decode(0x55), -8);
	assert_int_equal(g711_alaw_decode(0xaa), 32256);
	assert_int_equal(g711_alaw_decode(0x2a), -32256);
	assert_int_equal(g711_alaw_encode(32767), 0xaa);
	assert_int_equal(g711_alaw_encode(-32768), 0x2a);
}

/* Every code decodes to a value that encodes back to it (µ-law's negative zero aside). */
static void test_codes_round_trip(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		if (c != 0x7f)
			assert_int_equal(g711_ulaw_encode(g711_ulaw_decode((uint8_t)c)), c);
		assert_int_equal(g711_alaw_encode(g711_alaw_decode((uint8_t)c)), c);
	}
}

/* Quantisation error stays within half a step: about 1/32 of the value, at least 16. */
static void test_samples_round_trip_closely(void **state)
{
	(void)state;
	for (int s = -32768; s <= 32767; s += 7) {
		int u = g711_ulaw_decode(g711_ulaw_encode((int16_t)s));
		int a = g711_alaw_decode(g711_alaw_encode((int16_t)s));
		int tol = abs(s) / 16 + 16;
		assert_true(abs(u - s) <= tol);
		assert_true(abs(a - s) <= tol);
	}
}

static void test_transcoding(void **state)
{
	(void)state;
	assert_int_equal(g711_ulaw_to_alaw(0xff), 0xd5);
	assert_int_equal(g711_ulaw_decode(g711_alaw_to_ulaw(0xd5)), 8); /* A-law has no zero */
	for (int c = 0; c < 256; c++) {
		int back = g711_alaw_to_ulaw(g711_ulaw_to_alaw((uint8_t)c));
		int d = g711_ulaw_decode((uint8_t)back) - g711_ulaw_decode((uint8_t)c);
		assert_true(abs(d) <= abs(g711_ulaw_decode((uint8_t)c)) / 16 + 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ulaw_known_codes),
	        cmocka_unit_test(test_alaw_known_codes),
	        cmocka_unit_test(test_codes_round_trip),
	        cmocka_unit_test(test_samples_round_trip_closely),
	        cmocka_unit_test(test_transcoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

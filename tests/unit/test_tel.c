/* Telephony: the G.711 codecs the media relay and the tone generator use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "tel/tel_int.h"
#include <re_mem.h>
#include <string.h>

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

/* A WAV as make-prompts.sh writes it: RIFF, fmt (PCM 1 ch 8000 Hz 16 bit), data. */
static size_t wav(uint8_t *b, uint16_t channels, uint32_t rate, const int16_t *s, size_t n)
{
	static const uint8_t hdr[] = {'R', 'I', 'F', 'F', 0,   0,  0, 0, 'W', 'A', 'V',
	                              'E', 'f', 'm', 't', ' ', 16, 0, 0, 0,   1,   0};
	size_t pos = sizeof(hdr);

	memcpy(b, hdr, sizeof(hdr));
	b[pos++] = (uint8_t)channels;
	b[pos++] = 0;
	for (int i = 0; i < 4; i++)
		b[pos++] = (uint8_t)(rate >> (8 * i));
	memset(b + pos, 0, 6); /* byte rate, block align: not checked */
	pos += 6;
	b[pos++] = 16;
	b[pos++] = 0;
	memcpy(b + pos, "data", 4);
	pos += 4;
	/* espeak-ng's streamed WAVs say 0x7ffff000 here: the size is taken from the file. */
	b[pos++] = 0x00;
	b[pos++] = 0xf0;
	b[pos++] = 0xff;
	b[pos++] = 0x7f;
	for (size_t i = 0; i < n; i++) {
		b[pos++] = (uint8_t)((uint16_t)s[i] & 0xff);
		b[pos++] = (uint8_t)((uint16_t)s[i] >> 8);
	}
	return pos;
}

static void test_wav_decode(void **state)
{
	const int16_t in[] = {0, 1, -1, 32767, -32768, 1234};
	uint8_t buf[128];
	int16_t *s = NULL;
	size_t n = 0, len;

	(void)state;
	len = wav(buf, 1, 8000, in, 6);
	assert_int_equal(prompt_wav_decode(buf, len, &s, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(s, in, sizeof(in));
	mem_deref(s);
	/* Another rate or stereo is refused; so are truncated and foreign files. */
	len = wav(buf, 1, 16000, in, 6);
	assert_int_equal(prompt_wav_decode(buf, len, &s, &n), ENOTSUP);
	len = wav(buf, 2, 8000, in, 6);
	assert_int_equal(prompt_wav_decode(buf, len, &s, &n), ENOTSUP);
	assert_int_equal(prompt_wav_decode(buf, 30, &s, &n), EBADMSG);
	assert_int_equal(prompt_wav_decode((const uint8_t *)"RIFX....WAVE", 12, &s, &n), EBADMSG);
	assert_int_equal(prompt_wav_decode(buf, 4, &s, &n), EBADMSG);
}

/* The build's prompts (when espeak-ng and sox made them) load and are found by name. */
static void test_prompts_load(void **state)
{
	struct list l = LIST_INIT;
	int n = -1;

	(void)state;
	assert_int_equal(prompts_load(&l, "/nonexistent-lotsen-dir", &n), ENOENT);
	if (prompts_load(&l, LOTSEN_PROMPTS_DIR, &n) != 0 || n == 0) {
		list_flush(&l);
		skip();
	}
	assert_non_null(prompt_find(&l, "valkommen"));
	assert_non_null(prompt_find(&l, "tal_20"));
	assert_null(prompt_find(&l, "finns_inte"));
	assert_true(prompt_find(&l, "valkommen")->n > 8000); /* over a second of speech */
	list_flush(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ulaw_known_codes),
	        cmocka_unit_test(test_alaw_known_codes),
	        cmocka_unit_test(test_codes_round_trip),
	        cmocka_unit_test(test_samples_round_trip_closely),
	        cmocka_unit_test(test_transcoding),
	        cmocka_unit_test(test_wav_decode),
	        cmocka_unit_test(test_prompts_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

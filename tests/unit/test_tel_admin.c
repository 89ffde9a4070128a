/* Telephony administration: the voice-menu check, uploaded WAVs and trunk digest HA1s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/valid.h"
#include "store/db.h"
#include "tel/tel.h"

static struct db *groups_db(void)
{
	struct db *db = NULL;

	assert_int_equal(db_open(&db, ":memory:", NULL), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE groups (id INTEGER PRIMARY KEY);"
	                             "INSERT INTO groups(id) VALUES (1), (2), (4);"),
	                 0);
	return db;
}

/* Only the prompts the test names exist. */
static bool known(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "meny") || !strcmp(name, "oppettider");
}

static bool has_field(const struct verrors *v, const char *field)
{
	size_t i;
	json_t *e;

	json_array_foreach(
	        v->list, i,
	        e) if (!strcmp(json_string_value(json_object_get(e, "field")), field)) return true;
	return false;
}

static int check(struct db *db, const char *menu_json, struct verrors *v)
{
	struct tel_menu_ctx x = {db, known, NULL};
	json_t *m = json_loads(menu_json, 0, NULL);
	int err;

	assert_non_null(m);
	valid_init(v, true);
	err = tel_menu_check(&x, m, v);
	json_decref(m);
	return err;
}

static void test_menu_good(void **state)
{
	struct db *db = groups_db();
	struct verrors v;

	(void)state;
	assert_int_equal(
	        check(db,
	              "{\"prompt\":\"meny\",\"timeout_s\":5,\"default_group\":1,"
	              "\"no_input_repeats\":1,\"max_invalid\":2,\"invalid_prompt\":\"meny\","
	              "\"options\":{\"1\":{\"group\":2},\"9\":{\"announcement\":\"oppettider\"},"
	              "\"0\":{\"repeat\":true},\"#\":{\"menu\":{\"prompt\":\"meny\","
	              "\"options\":{\"1\":{\"group\":4}}}}}}",
	              &v),
	        0);
	assert_false(valid_has_errors(&v));
	valid_free(&v);
	db_close(db);
}

static void test_menu_every_fault_named(void **state)
{
	struct db *db = groups_db();
	struct verrors v;

	(void)state;
	assert_int_equal(check(db,
	                       "{\"prompt\":\"nej\",\"timeout_s\":61,\"extra\":1,"
	                       "\"options\":{\"1\":{\"group\":3},\"12\":{\"group\":1},"
	                       "\"2\":{\"group\":1,\"repeat\":true},\"3\":{\"repeat\":false},"
	                       "\"4\":\"grupp\",\"5\":{\"announcement\":\"../../etc/passwd\"}}}",
	                       &v),
	                 EBADMSG);
	assert_true(has_field(&v, "menu.prompt"));
	assert_true(has_field(&v, "menu.timeout_s"));
	assert_true(has_field(&v, "menu.extra"));
	assert_true(has_field(&v, "menu.options.1.group"));
	assert_true(has_field(&v, "menu.options.12"));
	assert_true(has_field(&v, "menu.options.2"));
	assert_true(has_field(&v, "menu.options.3.repeat"));
	assert_true(has_field(&v, "menu.options.4"));
	assert_true(has_field(&v, "menu.options.5.announcement"));
	valid_free(&v);
	db_close(db);
}

static void test_menu_depth(void **state)
{
	struct db *db = groups_db();
	struct verrors v;
	const char *three =
	        "{\"prompt\":\"meny\",\"options\":{\"1\":{\"menu\":{\"prompt\":\"meny\","
	        "\"options\":{\"1\":{\"menu\":{\"prompt\":\"meny\",\"options\":{\"1\":"
	        "{\"group\":1}}}}}}}}}";
	const char *four =
	        "{\"prompt\":\"meny\",\"options\":{\"1\":{\"menu\":{\"prompt\":\"meny\","
	        "\"options\":{\"1\":{\"menu\":{\"prompt\":\"meny\",\"options\":{\"1\":"
	        "{\"menu\":{\"prompt\":\"meny\",\"options\":{\"1\":{\"group\":1}}}}}}}}}}}}";

	(void)state;
	assert_int_equal(check(db, three, &v), 0);
	valid_free(&v);
	assert_int_equal(check(db, four, &v), EBADMSG);
	assert_true(has_field(&v, "menu.options.1.menu.options.1.menu.options.1.menu"));
	valid_free(&v);
	assert_int_equal(check(db, "{\"options\":{}}", &v), EBADMSG);
	assert_true(has_field(&v, "menu"));
	assert_true(has_field(&v, "menu.options"));
	valid_free(&v);
	db_close(db);
}

/* Options to an outside number, and a group option's language and urgency. */
static void test_menu_outside_lang_urgent(void **state)
{
	struct db *db = groups_db();
	struct verrors v;

	(void)state;
	assert_int_equal(check(db,
	                       "{\"prompt\":\"meny\",\"options\":{"
	                       "\"0\":{\"outside\":\"08-508 000 00\"},"
	                       "\"1\":{\"group\":2,\"lang\":\"fi\"},"
	                       "\"2\":{\"group\":2,\"lang\":\"som\",\"urgent\":true}}}",
	                       &v),
	                 0);
	valid_free(&v);
	assert_int_equal(check(db,
	                       "{\"prompt\":\"meny\",\"options\":{"
	                       "\"0\":{\"outside\":\"växeln\"},"
	                       "\"1\":{\"group\":2,\"lang\":\"Finska\"},"
	                       "\"2\":{\"group\":2,\"urgent\":\"ja\"},"
	                       "\"3\":{\"announcement\":\"meny\",\"lang\":\"fi\"},"
	                       "\"4\":{\"outside\":\"0850800000\",\"group\":1},"
	                       "\"5\":{\"lang\":\"fi\"}}}",
	                       &v),
	                 EBADMSG);
	assert_true(has_field(&v, "menu.options.0.outside"));
	assert_true(has_field(&v, "menu.options.1.lang"));
	assert_true(has_field(&v, "menu.options.2.urgent"));
	assert_true(has_field(&v, "menu.options.3.lang"));
	assert_true(has_field(&v, "menu.options.4"));
	assert_true(has_field(&v, "menu.options.5"));
	valid_free(&v);
	assert_true(tel_lang_ok("fi"));
	assert_true(tel_lang_ok("som"));
	assert_false(tel_lang_ok("f"));
	assert_false(tel_lang_ok("FI"));
	assert_false(tel_lang_ok("finn"));
	assert_false(tel_lang_ok(NULL));
	db_close(db);
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static size_t wav(uint8_t *b, uint32_t rate, uint16_t channels, uint32_t samples)
{
	uint32_t data = samples * 2 * channels;

	memcpy(b, "RIFF", 4);
	put_le(b + 4, 36 + data, 4);
	memcpy(b + 8, "WAVEfmt ", 8);
	put_le(b + 16, 16, 4);
	put_le(b + 20, 1, 2);
	put_le(b + 22, channels, 2);
	put_le(b + 24, rate, 4);
	put_le(b + 28, rate * 2 * channels, 4);
	put_le(b + 32, (uint32_t)(2 * channels), 2);
	put_le(b + 34, 16, 2);
	memcpy(b + 36, "data", 4);
	put_le(b + 40, data, 4);
	memset(b + 44, 0, data);
	return 44 + data;
}

static void test_wav_check(void **state)
{
	static uint8_t b[44 + 8000 * 2 * 2];
	int64_t ms = 0;

	(void)state;
	assert_int_equal(tel_wav_check(b, wav(b, 8000, 1, 4000), &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(tel_wav_check(b, wav(b, 16000, 1, 4000), &ms), ENOTSUP);
	assert_int_equal(tel_wav_check(b, wav(b, 8000, 2, 4000), &ms), ENOTSUP);
	assert_int_equal(tel_wav_check((const uint8_t *)"RIFF....WAVX", 12, &ms), EBADMSG);
}

static void test_digest_ha1(void **state)
{
	char ha1[33];

	(void)state;
	/* MD5("vaxel:lotsen:vaxel-hemlig-2026") */
	assert_int_equal(tel_digest_ha1("vaxel", "vaxel-hemlig-2026", ha1), 0);
	assert_string_equal(ha1, "5663ab1c16f80c36ce5ec1f5f87b019a");
	assert_int_equal(tel_digest_ha1(NULL, "x", ha1), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_menu_good),
	        cmocka_unit_test(test_menu_every_fault_named),
	        cmocka_unit_test(test_menu_depth),
	        cmocka_unit_test(test_wav_check),
	        cmocka_unit_test(test_menu_outside_lang_urgent),
	        cmocka_unit_test(test_digest_ha1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Displays, the wall screens' logins: a display's token resolves to the wallboard role until it
 * is revoked, bad input writes nothing, the role reads no case, citizen or client, and the
 * route tables let it call the board's three routes only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/valid.h"
#include "core/auth.h"
#include "http/http_int.h"
#include "store/db.h"
#include "store/schema.h"

static const struct principal admin = {.id = 4, .role = ROLE_ADMIN};

static void exec_ok(struct db *db, const char *sql)
{
	assert_int_equal(db_exec(db, sql), 0);
}

static int64_t count(struct db *db, const char *sql)
{
	struct stmt *s;
	int64_t n = -1;

	assert_int_equal(db_prepare(db, &s, sql, false), 0);
	if (stmt_step(s) == DB_ROW)
		n = stmt_int(s, 0);
	stmt_done(s);
	return n;
}

static int setup(void **state)
{
	struct db *db;

	assert_int_equal(db_open(&db, ":memory:", NULL), 0);
	assert_int_equal(schema_migrate(db), 0);
	exec_ok(db, "INSERT INTO units(id, name) VALUES (1, 'Kontaktcenter')");
	exec_ok(db,
	        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Äldre', 1), (2, 'Trafik', 1)");
	exec_ok(db, "INSERT INTO users(id, username, display_name, role) VALUES"
	            " (4, 'admin', 'D', 'admin')");
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void test_token_resolves_until_revoked(void **state)
{
	struct db *db = *state;
	struct verrors v;
	char token[AUTH_TOKEN_LEN + 1];
	json_t *groups = json_pack("[i]", 2);
	struct principal who;
	int64_t id = 0, ids[64];
	size_t n;
	bool all;

	valid_init(&v, false);
	assert_int_equal(auth_display_create(db, &admin, "Väggen", groups, 1000, token, &id, &v),
	                 0);
	valid_free(&v);
	json_decref(groups);
	assert_int_equal(strlen(token), AUTH_TOKEN_LEN);
	assert_true(id > 0);
	assert_int_equal(auth_session(db, token, 2000000000, &who), 0);
	assert_int_equal(who.role, ROLE_WALLBOARD);
	assert_int_equal(who.id, 0);
	assert_int_equal(who.display_id, id);
	assert_string_equal(role_name(who.role), "wallboard");
	assert_int_equal(auth_display_groups(db, id, ids, 64, &n, &all), 0);
	assert_false(all);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 2);
	/* the hash only, and the issue audited */
	assert_int_equal(count(db, "SELECT length(token_hash) FROM displays"), 32);
	assert_int_equal(count(db, "SELECT count(*) FROM audit_log WHERE entity='display'"
	                           " AND action='create'"),
	                 1);

	assert_int_equal(auth_display_revoke(db, &admin, id, 1100), 0);
	assert_int_equal(auth_session(db, token, 1200, &who), ENOENT);
	assert_int_equal(auth_display_revoke(db, &admin, id, 1300), EALREADY);
	assert_int_equal(auth_display_revoke(db, &admin, 987654, 1300), ENOENT);
	assert_int_equal(count(db, "SELECT count(*) FROM audit_log WHERE entity='display'"
	                           " AND action='revoke'"),
	                 1);
	/* a token of the right length that no one issued */
	assert_int_equal(
	        auth_session(db, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1200, &who),
	        ENOENT);
}

static void test_bad_input_writes_nothing(void **state)
{
	struct db *db = *state;
	static const char *const bad_groups[] = {"\"1\"", "[0]", "[1, \"2\"]", "[99]", "{}"};
	char token[AUTH_TOKEN_LEN + 1];
	struct verrors v;
	int64_t id = 0;

	valid_init(&v, false);
	assert_int_equal(auth_display_create(db, &admin, "", NULL, 1000, token, &id, &v), EBADMSG);
	assert_true(valid_has_errors(&v));
	valid_free(&v);
	for (size_t i = 0; i < sizeof(bad_groups) / sizeof(bad_groups[0]); i++) {
		json_t *g = json_loads(bad_groups[i], JSON_DECODE_ANY, NULL);

		assert_non_null(g);
		valid_init(&v, false);
		assert_int_equal(auth_display_create(db, &admin, "Vägg", g, 1000, token, &id, &v),
		                 EBADMSG);
		assert_string_equal(
		        json_string_value(json_object_get(json_array_get(v.list, 0), "field")),
		        "groups");
		valid_free(&v);
		json_decref(g);
	}
	assert_int_equal(count(db, "SELECT count(*) FROM displays"), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM audit_log"), 0);
}

static void test_role_reads_nothing_personal(void **state)
{
	const struct principal wall = {.role = ROLE_WALLBOARD, .display_id = 1};

	(void)state;
	for (int bits = 0; bits < 32; bits++) {
		struct case_access c = {.group_id = 1,
		                        .client_id = 7,
		                        .confidential = bits & 1,
		                        .handed_over = (bits >> 1) & 1,
		                        .member_of_group = (bits >> 2) & 1};

		assert_false(auth_can_read_case(&wall, &c));
		assert_false(auth_can_write_case(&wall, &c));
		assert_false(auth_can_answer_handover(&wall, &c, 7));
	}
	assert_false(auth_can_read_citizen(&wall, false));
	assert_false(auth_can_see_client(&wall, 7));
}

/* Every route the wallboard role may call, from the tables the router walks. */
static void test_route_tables_allow_the_board_only(void **state)
{
	static const char *const allowed[] = {"GET /api/v1/wallboard", "GET /api/v1/acd/stream",
	                                      "GET /api/v1/wfm/summary"};
	size_t found = 0;

	(void)state;
	for (size_t t = 0; router_tables[t]; t++) {
		for (const struct route *rt = router_tables[t]; rt->pattern; rt++) {
			char key[320];
			bool ok = false;

			if (!(rt->roles & ROLE_WALLBOARD))
				continue;
			snprintf(key, sizeof(key), "%s %s", rt->method, rt->pattern);
			for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				ok = ok || strcmp(key, allowed[i]) == 0;
			if (!ok)
				fail_msg("the wallboard role may call %s", key);
			found++;
		}
	}
	assert_int_equal(found, sizeof(allowed) / sizeof(allowed[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_token_resolves_until_revoked, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_input_writes_nothing, setup, teardown),
	        cmocka_unit_test(test_role_reads_nothing_personal),
	        cmocka_unit_test(test_route_tables_allow_the_board_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Validation of administrative records against a real in-memory SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/resource.h"
#include "store/db.h"
#include "store/schema.h"

static int setup(void **state)
{
	struct db *db;

	if (db_open(&db, ":memory:", NULL) || schema_migrate(db))
		return -1;
	if (db_exec(db, "INSERT INTO units(name) VALUES ('Stöd och omsorg');"
	                "INSERT INTO clients(name) VALUES ('Äldreförvaltningen');"))
		return -1;
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static const char *first_field(const struct verrors *v)
{
	return json_string_value(json_object_get(json_array_get(v->list, 0), "field"));
}

static void test_valid_group_is_stored(void **state)
{
	struct verrors v;
	json_t *in = json_loads("{\"name\":\"Äldre direkt\",\"unit_id\":1,\"max_wait_s\":180,"
	                        "\"entry_numbers\":[\"08-508 360 00\"],\"active\":true}",
	                        0, NULL);
	json_t *out;
	int64_t id;

	valid_init(&v, false);
	assert_int_equal(resource_create(*state, resource_find("groups"), in, &id, &v), 0);
	assert_false(valid_has_errors(&v));
	assert_int_equal(resource_get(*state, resource_find("groups"), id, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "name")), "Äldre direkt");
	assert_true(json_is_true(json_object_get(out, "active")));
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(out, "entry_numbers"), 0)),
	        "+46850836000");
	json_decref(out);
	json_decref(in);
}

static void expect_error(struct db *db, const char *res, const char *json, const char *field)
{
	struct verrors v;
	json_t *in = json_loads(json, 0, NULL);
	int64_t id;

	assert_non_null(in);
	valid_init(&v, false);
	assert_int_not_equal(resource_create(db, resource_find(res), in, &id, &v), 0);
	assert_true(valid_has_errors(&v));
	assert_string_equal(first_field(&v), field);
	valid_free(&v);
	json_decref(in);
}

static void test_errors_name_the_field(void **state)
{
	expect_error(*state, "groups", "{\"unit_id\":1}", "name");
	expect_error(*state, "groups", "{\"name\":\"X\",\"unit_id\":\"1\"}", "unit_id");
	expect_error(*state, "groups", "{\"name\":\"X\",\"unit_id\":99}", "unit_id");
	expect_error(*state, "groups", "{\"name\":\"X\",\"unit_id\":1,\"max_wait_s\":0}",
	             "max_wait_s");
	expect_error(*state, "groups", "{\"name\":\"X\",\"unit_id\":1,\"färg\":\"blå\"}", "färg");
	expect_error(*state, "categories", "{\"name\":\"X\",\"kind\":\"gnäll\"}", "kind");
	expect_error(*state, "agreements",
	             "{\"client_id\":1,\"name\":\"A\",\"valid_from\":\"2026-13-01\",\"prices\":{}}",
	             "valid_from");
	expect_error(*state, "clients", "{\"name\":\"\"}", "name");
	expect_error(*state, "users",
	             "{\"username\":\"x\",\"display_name\":\"X\",\"role\":\"agent\",\"password\":"
	             "\"lång-nog-123\"}",
	             "username");
}

static void test_failed_create_leaves_no_row(void **state)
{
	struct stmt *s;

	expect_error(*state, "groups",
	             "{\"name\":\"Halv\",\"unit_id\":1,\"entry_numbers\":[\"inte ett nummer\"]}",
	             "entry_numbers");
	assert_int_equal(
	        db_prepare(*state, &s, "SELECT COUNT(*) FROM groups WHERE name='Halv'", false), 0);
	assert_int_equal(stmt_step(s), DB_ROW);
	assert_int_equal(stmt_int(s, 0), 0);
	stmt_done(s);
}

static void test_english_messages(void **state)
{
	struct verrors v;
	json_t *in = json_loads("{\"name\":5,\"unit_id\":1}", 0, NULL);
	int64_t id;
	const char *msg;

	valid_init(&v, true);
	resource_create(*state, resource_find("groups"), in, &id, &v);
	msg = json_string_value(json_object_get(json_array_get(v.list, 0), "message"));
	assert_non_null(strstr(msg, "wrong type"));
	valid_free(&v);
	valid_init(&v, false);
	resource_create(*state, resource_find("groups"), in, &id, &v);
	msg = json_string_value(json_object_get(json_array_get(v.list, 0), "message"));
	assert_non_null(strstr(msg, "fel typ"));
	valid_free(&v);
	json_decref(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid_group_is_stored),
	        cmocka_unit_test(test_errors_name_the_field),
	        cmocka_unit_test(test_failed_create_leaves_no_row),
	        cmocka_unit_test(test_english_messages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

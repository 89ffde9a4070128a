/* The case log (core/cases.c) on a real SQLite file: create, read, change with history,
 * handover and its answer, access refused, unknown ids, and the day's counts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/auth.h"
#include "core/cases.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 22:13 Stockholm */

/* Two groups, two departments; an agreement with the elderly-care department covers both
 * groups; "Hemtjänst" is handed over to its contact by the agreement's boundary. */
static const char fixture_sql[] =
        "INSERT INTO units(id, name) VALUES (1, 'Kontaktcenter');"
        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Stockholm direkt', 1),"
        " (2, 'Äldre direkt', 1);"
        "INSERT INTO clients(id, name) VALUES (7, 'Äldreförvaltningen'), (8, 'Trafikkontoret');"
        "INSERT INTO contacts(id, client_id, name, phone) VALUES"
        " (1, 7, 'Biståndshandläggare', '08-508 000 01'), (2, 8, 'Trafikhandläggare', NULL);"
        "INSERT INTO categories(id, name, kind) VALUES (1, 'Fråga', 'question'),"
        " (3, 'Hemtjänst', 'matter');"
        "INSERT INTO agreements(id, client_id, name, valid_from) VALUES"
        " (1, 7, 'Äldre 2026', '2026-01-01');"
        "INSERT INTO agreement_groups(agreement_id, group_id) VALUES (1, 1), (1, 2);"
        "INSERT INTO boundaries(agreement_id, category_id, action, contact_id) VALUES"
        " (1, 3, 'handover', 1);"
        "INSERT INTO users(id, username, display_name, role, client_id) VALUES"
        " (1, 'anna', 'Anna', 'agent', NULL), (2, 'erik', 'Erik', 'agent', NULL),"
        " (3, 'chef', 'Chef', 'manager', NULL), (4, 'aldre', 'Äldre', 'client_viewer', 7),"
        " (5, 'trafik', 'Trafik', 'client_viewer', 8);"
        "INSERT INTO user_groups(user_id, group_id) VALUES (1, 2), (2, 1);";

static const struct principal anna = {.id = 1, .role = ROLE_AGENT};
static const struct principal erik = {.id = 2, .role = ROLE_AGENT};
static const struct principal chef = {.id = 3, .role = ROLE_MANAGER};
static const struct principal aldre = {.id = 4, .role = ROLE_CLIENT_VIEWER, .client_id = 7};
static const struct principal trafik = {.id = 5, .role = ROLE_CLIENT_VIEWER, .client_id = 8};

struct fixture {
	char path[64];
	struct db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/lotsen-cases-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(&f->db, f->path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(f->db) || db_exec(f->db, fixture_sql))
		return -1;
	cases_set_observer(NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[80];

	db_close(f->db);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	return db_scalar_intv(db, sql, NULL, 0);
}

/* Create from JSON text; returns the errno, the id in *id and the errors in v. */
static int create(struct db *db, const struct principal *who, const char *json, int64_t *id,
                  struct verrors *v)
{
	json_t *in = json_loads(json, 0, NULL);
	int err;

	assert_non_null(in);
	valid_init(v, false);
	*id = 0;
	err = case_create(db, who, in, NOW, id, v);
	json_decref(in);
	return err;
}

static int update(struct db *db, const struct principal *who, int64_t id, const char *json,
                  struct verrors *v)
{
	json_t *in = json_loads(json, 0, NULL);
	int err;

	assert_non_null(in);
	valid_init(v, false);
	err = case_update(db, who, id, in, NOW + 60, v);
	json_decref(in);
	return err;
}

/* Whether the field errors name `field`. */
static bool names(const struct verrors *v, const char *field)
{
	size_t i;
	json_t *e;

	json_array_foreach(v->list, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
			return true;
	}
	return false;
}

static int64_t quick_case(struct db *db, bool confidential)
{
	struct verrors v;
	int64_t id;

	assert_int_equal(create(db, &anna,
	                        confidential ? "{\"group_id\":2,\"client_id\":7,\"category_id\":1,"
	                                       "\"channel\":\"phone\",\"outcome\":\"resolved\","
	                                       "\"summary\":\"Skyddad adress.\","
	                                       "\"confidential\":true}"
	                                     : "{\"group_id\":2,\"client_id\":7,\"category_id\":1,"
	                                       "\"channel\":\"phone\",\"outcome\":\"resolved\","
	                                       "\"summary\":\"Frågade om öppettider.\"}",
	                        &id, &v),
	                 0);
	valid_free(&v);
	return id;
}

static void test_create_then_read(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *o;
	int64_t id;

	assert_int_equal(create(f->db, &anna,
	                        "{\"group_id\":2,\"client_id\":7,\"category_id\":1,"
	                        "\"channel\":\"phone\",\"outcome\":\"resolved\","
	                        "\"summary\":\"Frågade om färdtjänst.\","
	                        "\"citizen\":{\"name\":\"Astrid Ek\",\"phone\":\"070-123 45 67\"}}",
	                        &id, &v),
	                 0);
	assert_false(valid_has_errors(&v));
	assert_true(id > 0);
	assert_int_equal(case_get(f->db, &anna, id, NOW, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "outcome")), "resolved");
	assert_string_equal(json_string_value(json_object_get(o, "summary")),
	                    "Frågade om färdtjänst.");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(o, "citizen"), "name")),
	        "Astrid Ek");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(o, "citizen"), "phone")),
	        "+46701234567");
	json_decref(o);
	/* The citizen's data was read: the audit log says who and which case. */
	assert_int_equal(db_scalar_int(f->db,
	                               "SELECT COUNT(*) FROM audit_log WHERE action = 'read'"
	                               " AND entity = 'case' AND entity_id = ? AND user_id = 1",
	                               id),
	                 1);
}

static void test_create_refuses_every_bad_field_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	int64_t id;

	assert_int_equal(create(f->db, &anna,
	                        "{\"group_id\":2,\"client_id\":7,\"category_id\":1,"
	                        "\"channel\":\"pigeon\",\"outcome\":\"resolved\",\"colour\":1}",
	                        &id, &v),
	                 EBADMSG);
	assert_true(names(&v, "channel"));
	assert_true(names(&v, "summary"));
	assert_true(names(&v, "colour"));
	valid_free(&v);
	/* A department without an agreement covering the group. */
	assert_int_equal(create(f->db, &anna,
	                        "{\"group_id\":2,\"client_id\":8,\"category_id\":1,"
	                        "\"channel\":\"phone\",\"outcome\":\"resolved\","
	                        "\"summary\":\"Trafikfråga.\"}",
	                        &id, &v),
	                 EBADMSG);
	assert_true(names(&v, "client_id"));
	valid_free(&v);
	/* An unknown group is a field error too, not a crash or a half-written case. */
	assert_int_equal(create(f->db, &anna,
	                        "{\"group_id\":99,\"client_id\":7,\"category_id\":1,"
	                        "\"channel\":\"phone\",\"outcome\":\"resolved\","
	                        "\"summary\":\"x\"}",
	                        &id, &v),
	                 EBADMSG);
	assert_true(names(&v, "group_id"));
	valid_free(&v);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM cases"), 0);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM citizens"), 0);
}

static void test_update_keeps_history(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *o, *h;
	int64_t id = quick_case(f->db, false);

	assert_int_equal(update(f->db, &anna, id,
	                        "{\"outcome\":\"guided\",\"summary\":\"Hänvisad till 1177.\"}", &v),
	                 0);
	assert_false(valid_has_errors(&v));
	assert_int_equal(case_get(f->db, &anna, id, NOW + 120, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "outcome")), "guided");
	h = json_object_get(o, "history");
	assert_true(json_array_size(h) >= 2);
	json_decref(o);
	assert_int_equal(db_scalar_int(f->db,
	                               "SELECT COUNT(*) FROM case_history WHERE case_id = ?"
	                               " AND field = 'outcome' AND old_value = 'resolved'"
	                               " AND new_value = 'guided' AND user_id = 1",
	                               id),
	                 1);
	/* A bad change is refused whole: the summary stays as it was. */
	assert_int_equal(update(f->db, &anna, id, "{\"outcome\":\"lost\",\"summary\":\"Ny.\"}", &v),
	                 EBADMSG);
	assert_true(names(&v, "outcome"));
	valid_free(&v);
	assert_int_equal(db_scalar_int(f->db,
	                               "SELECT COUNT(*) FROM cases WHERE id = ?"
	                               " AND summary = 'Hänvisad till 1177.'",
	                               id),
	                 1);
}

static void test_handover_and_the_departments_answer(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *in, *o;
	int64_t id = quick_case(f->db, false), hid = 0;

	/* Before the handover the department does not see the case. */
	assert_int_equal(case_get(f->db, &aldre, id, NOW, &o), EPERM);
	in = json_pack("{s:I,s:s}", "contact_id", (json_int_t)1, "message", "Ring upp brukaren.");
	valid_init(&v, false);
	assert_int_equal(case_handover(f->db, &anna, id, in, NOW, &hid, &v), 0);
	json_decref(in);
	assert_true(hid > 0);
	assert_int_equal(case_get(f->db, &aldre, id, NOW, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "outcome")), "handed_over");
	assert_int_equal(json_array_size(json_object_get(o, "handovers")), 1);
	json_decref(o);
	/* Another department still does not. */
	assert_int_equal(case_get(f->db, &trafik, id, NOW, &o), EPERM);
	/* A contact of another department cannot take it. */
	in = json_pack("{s:I,s:s}", "contact_id", (json_int_t)2, "message", "Fel förvaltning.");
	valid_init(&v, false);
	assert_int_equal(case_handover(f->db, &anna, id, in, NOW, &hid, &v), EBADMSG);
	assert_true(names(&v, "handover.contact_id"));
	valid_free(&v);
	json_decref(in);
	/* The department answers once; a second answer is a conflict. */
	in = json_pack("{s:s}", "answer", "Vi har ringt upp.");
	valid_init(&v, false);
	assert_int_equal(handover_answer(f->db, &trafik, hid, in, NOW + 60, &v), EPERM);
	assert_int_equal(handover_answer(f->db, &aldre, hid, in, NOW + 60, &v), 0);
	assert_int_equal(handover_answer(f->db, &aldre, hid, in, NOW + 90, &v), EEXIST);
	assert_false(valid_has_errors(&v));
	json_decref(in);
}

static void test_confidential_case_refused_to_others(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *o;
	int64_t id = quick_case(f->db, true);

	/* Erik answers in another group: the confidential case is not his to read or change. */
	assert_int_equal(case_get(f->db, &erik, id, NOW, &o), EPERM);
	assert_int_equal(update(f->db, &erik, id, "{\"outcome\":\"guided\"}", &v), EPERM);
	valid_free(&v);
	assert_int_equal(db_scalar_int(f->db,
	                               "SELECT COUNT(*) FROM audit_log WHERE action = 'read_denied'"
	                               " AND entity_id = ? AND user_id = 2",
	                               id),
	                 1);
	assert_int_equal(db_scalar_int(f->db,
	                               "SELECT COUNT(*) FROM cases WHERE id = ?"
	                               " AND outcome = 'resolved'",
	                               id),
	                 1);
	/* The group's own agent and a manager read it. */
	assert_int_equal(case_get(f->db, &anna, id, NOW, &o), 0);
	json_decref(o);
	assert_int_equal(case_get(f->db, &chef, id, NOW, &o), 0);
	json_decref(o);
}

static void test_unknown_ids(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *o, *in = json_pack("{s:I,s:s}", "contact_id", (json_int_t)1, "message", "x");
	int64_t hid;

	assert_int_equal(case_get(f->db, &chef, 999, NOW, &o), ENOENT);
	assert_int_equal(update(f->db, &chef, 999, "{\"outcome\":\"guided\"}", &v), ENOENT);
	valid_free(&v);
	valid_init(&v, false);
	assert_int_equal(case_handover(f->db, &chef, 999, in, NOW, &hid, &v), ENOENT);
	json_decref(in);
	in = json_pack("{s:s}", "answer", "x");
	assert_int_equal(handover_answer(f->db, &chef, 999, in, NOW, &v), ENOENT);
	json_decref(in);
	valid_free(&v);
	assert_int_equal(notification_read(f->db, 1, 999, NOW), ENOENT);
}

static int count_h(const char *outcome, const char *channel, bool threat, int64_t n, void *arg)
{
	int64_t *sum = arg;

	(void)threat;
	assert_non_null(outcome);
	sum[0] += n;
	if (channel && strcmp(channel, "phone") == 0)
		sum[1] += n;
	return 0;
}

static void test_day_counts(void **state)
{
	struct fixture *f = *state;
	int64_t sum[2] = {0, 0};

	quick_case(f->db, false);
	quick_case(f->db, true);
	assert_int_equal(case_count_logged(f->db, anna.id, NOW - 60, NOW + 60, count_h, sum), 0);
	assert_int_equal(sum[0], 2);
	sum[0] = sum[1] = 0;
	assert_int_equal(case_count_logged(f->db, erik.id, NOW - 60, NOW + 60, count_h, sum), 0);
	assert_int_equal(sum[0], 0);
	/* Counts only: the confidential case is counted for the group too. */
	assert_int_equal(case_count_received(f->db, 2, NOW - 60, NOW + 60, count_h, sum), 0);
	assert_int_equal(sum[0], 2);
	assert_int_equal(sum[1], 2);
	sum[0] = sum[1] = 0;
	assert_int_equal(case_count_received(f->db, 1, NOW - 60, NOW + 60, count_h, sum), 0);
	assert_int_equal(sum[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_create_then_read, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_create_refuses_every_bad_field_and_writes_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_update_keeps_history, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_handover_and_the_departments_answer, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_confidential_case_refused_to_others, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_unknown_ids, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_day_counts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

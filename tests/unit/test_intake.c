/* Intake (src/intake/) on a real SQLite file: a contact without an agent becomes a case in
 * the catch-all group, every wrong field is named, and nothing is written while any is. */
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

#include "core/cases.h"
#include "intake/intake.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 */

/* The lowest active group is the catch-all; only the elderly-care department has an
 * agreement covering it; "Hemtjänst – klagomål" is bound to a handover, so a complaint is
 * logged under the general complaint category. */
static const char fixture_sql[] =
        "INSERT INTO units(id, name) VALUES (1, 'Kontaktcenter');"
        "INSERT INTO groups(id, name, unit_id) VALUES (3, 'Stockholm direkt', 1),"
        " (4, 'Äldre direkt', 1);"
        "INSERT INTO clients(id, name) VALUES (7, 'Äldreförvaltningen'), (8, 'Trafikkontoret');"
        "INSERT INTO contacts(id, client_id, name) VALUES (1, 7, 'Biståndshandläggare');"
        "INSERT INTO categories(id, name, kind, client_id) VALUES"
        " (1, 'Hemtjänst – klagomål', 'complaint', 7), (2, 'Tyck till – klagomål', 'complaint',"
        " NULL), (3, 'Tyck till – beröm', 'praise', NULL);"
        "INSERT INTO agreements(id, client_id, name, valid_from) VALUES"
        " (1, 7, 'Äldre 2026', '2026-01-01');"
        "INSERT INTO agreement_groups(agreement_id, group_id) VALUES (1, 3), (1, 4);"
        "INSERT INTO boundaries(agreement_id, category_id, action, contact_id) VALUES"
        " (1, 1, 'handover', 1);";

static char path[64];

static int setup(void **state)
{
	struct db *db;
	int fd;

	snprintf(path, sizeof(path), "/tmp/lotsen-intake-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(&db, path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(db) || db_exec(db, fixture_sql))
		return -1;
	cases_set_observer(NULL);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	char p[80];

	db_close(*state);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static int64_t count(struct db *db, const char *sql)
{
	return db_scalar_intv(db, sql, NULL, 0);
}

static const struct intake complaint = {
        .channel = "web",
        .kind = "complaint",
        .client_id = 7,
        .message = "Hemtjänsten kom inte i morse.",
        .name = "Astrid Ek",
        .email = "astrid@example.se",
};

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

/* `in`, with one field wrong, is refused naming that field alone, and nothing is made. */
static void refused(struct db *db, const struct intake *in, const char *field)
{
	struct verrors fe;
	int64_t id = 0;

	valid_init(&fe, false);
	assert_int_equal(intake_create(db, in, NOW, &fe, &id), EBADMSG);
	assert_true(names(&fe, field));
	assert_int_equal(json_array_size(fe.list), 1);
	assert_int_equal(fe.status, 422);
	assert_int_equal(id, 0);
	valid_free(&fe);
}

static void test_creates_a_web_case_in_the_catch_all_group(void **state)
{
	struct db *db = *state;
	struct verrors fe;
	int64_t id = 0;

	assert_int_equal(intake_catch_all_group(db), 3);
	valid_init(&fe, false);
	assert_int_equal(intake_create(db, &complaint, NOW, &fe, &id), 0);
	assert_false(valid_has_errors(&fe));
	assert_true(id > 0);
	/* Group 3, the general complaint category (the department's own one is bound to a
	 * handover), channel web, open with no outcome (not yet handled), no agent, the
	 * citizen with their e-mail. */
	assert_int_equal(
	        db_scalar_int(
	                db,
	                "SELECT COUNT(*) FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
	                " WHERE c.id = ? AND c.group_id = 3 AND c.client_id = 7"
	                " AND c.category_id = 2 AND c.channel = 'web'"
	                " AND c.outcome IS NULL AND c.status = 'open' AND c.agent_id IS NULL"
	                " AND c.summary = 'Hemtjänsten kom inte i morse.'"
	                " AND ci.name = 'Astrid Ek' AND ci.email = 'astrid@example.se'",
	                id),
	        1);
	assert_int_equal(db_scalar_int(db,
	                               "SELECT COUNT(*) FROM audit_log WHERE action ="
	                               " 'public_feedback' AND entity = 'case' AND entity_id = ?"
	                               " AND detail = 'complaint' AND user_id IS NULL",
	                               id),
	                 1);
}

static void test_names_each_wrong_field_and_writes_nothing(void **state)
{
	struct db *db = *state;
	struct intake in = complaint;
	char long_text[INTAKE_MESSAGE_MAX * 2 + 8];

	in.kind = "rant";
	refused(db, &in, "kind");
	in = complaint;
	in.kind = NULL;
	refused(db, &in, "kind");
	in = complaint;
	in.client_id = 8; /* no agreement covers the catch-all group */
	refused(db, &in, "client_id");
	in = complaint;
	in.client_id = 0;
	refused(db, &in, "client_id");
	in = complaint;
	in.message = "";
	refused(db, &in, "message");
	in = complaint;
	/* 4001 characters; 4000 two-byte ones pass below */
	memset(long_text, 'x', INTAKE_MESSAGE_MAX + 1);
	long_text[INTAKE_MESSAGE_MAX + 1] = '\0';
	in.message = long_text;
	refused(db, &in, "message");
	in = complaint;
	in.email = "inte-en-adress";
	refused(db, &in, "email");
	in = complaint;
	in.phone = "ring mig";
	refused(db, &in, "phone");
	in = complaint;
	memset(long_text, 'n', INTAKE_NAME_MAX + 1);
	long_text[INTAKE_NAME_MAX + 1] = '\0';
	in.name = long_text;
	refused(db, &in, "name");
	assert_int_equal(count(db, "SELECT COUNT(*) FROM cases"), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM citizens"), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM audit_log"), 0);

	/* The limit is in characters: 4000 å (8000 bytes) pass. */
	{
		struct verrors fe;
		int64_t id = 0;

		for (int i = 0; i < INTAKE_MESSAGE_MAX; i++)
			memcpy(long_text + 2 * i, "å", 2);
		long_text[2 * INTAKE_MESSAGE_MAX] = '\0';
		in = complaint;
		in.message = long_text;
		valid_init(&fe, false);
		assert_int_equal(intake_create(db, &in, NOW, &fe, &id), 0);
		assert_true(id > 0);
	}
}

static void test_the_channels_own_errors_stop_it_too(void **state)
{
	struct db *db = *state;
	struct verrors fe;
	int64_t id = 0;

	valid_init(&fe, true);
	valid_add(&fe, "colour", "unknown field");
	assert_int_equal(intake_create(db, &(struct intake){.channel = "web", .kind = "idea"}, NOW,
	                               &fe, &id),
	                 EBADMSG);
	/* The channel's error first, then the intake's own, in English. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(fe.list, 0), "field")),
	                    "colour");
	assert_true(names(&fe, "client_id"));
	assert_true(names(&fe, "message"));
	assert_true(
	        strstr(json_string_value(json_object_get(json_array_get(fe.list, 1), "message")),
	               "choose") != NULL);
	valid_free(&fe);
	valid_init(&fe, false);
	valid_add(&fe, "colour", "okänt fält");
	assert_int_equal(intake_create(db, &complaint, NOW, &fe, &id), EBADMSG);
	assert_int_equal(json_array_size(fe.list), 1);
	valid_free(&fe);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM cases"), 0);
}

static void test_closed_when_nothing_takes_it(void **state)
{
	struct db *db = *state;
	struct verrors fe;
	json_t *clients = json_array();
	int64_t id = 0;

	/* No category of the kind: ENOTSUP, after the fields were found right. */
	assert_int_equal(db_exec(db, "UPDATE categories SET active = 0 WHERE id = 3"), 0);
	valid_init(&fe, false);
	assert_int_equal(intake_create(db,
	                               &(struct intake){.channel = "web",
	                                                .kind = "praise",
	                                                .client_id = 7,
	                                                .message = "Tack!"},
	                               NOW, &fe, &id),
	                 ENOTSUP);
	assert_false(valid_has_errors(&fe));
	/* The agreement ended: nobody can be addressed through the group. */
	assert_int_equal(intake_clients(db, 3, "2026-05-28", clients), 0);
	assert_int_equal(json_array_size(clients), 1);
	assert_int_equal(db_exec(db, "UPDATE agreements SET valid_to = '2026-05-01'"), 0);
	json_array_clear(clients);
	assert_int_equal(intake_clients(db, 3, "2026-05-28", clients), 0);
	assert_int_equal(json_array_size(clients), 0);
	json_decref(clients);
	/* No active group at all: ENOENT, whatever the fields. */
	assert_int_equal(db_exec(db, "UPDATE groups SET active = 0"), 0);
	assert_int_equal(intake_catch_all_group(db), 0);
	assert_int_equal(intake_create(db, &complaint, NOW, &fe, &id), ENOENT);
	assert_false(valid_has_errors(&fe));
	assert_int_equal(count(db, "SELECT COUNT(*) FROM cases"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_creates_a_web_case_in_the_catch_all_group,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_names_each_wrong_field_and_writes_nothing,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_the_channels_own_errors_stop_it_too, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_closed_when_nothing_takes_it, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Authorization rules: who may read and change which case, and which client's data; the
 * SQL form of the case rule agrees with the C one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/auth.h"
#include "store/db.h"
#include "store/schema.h"

static const struct principal agent = {.id = 1, .role = ROLE_AGENT};
static const struct principal lead = {.id = 2, .role = ROLE_GROUP_LEAD};
static const struct principal manager = {.id = 3, .role = ROLE_MANAGER};
static const struct principal admin = {.id = 4, .role = ROLE_ADMIN};
static const struct principal viewer = {.id = 5, .role = ROLE_CLIENT_VIEWER, .client_id = 7};
static const struct principal orphan_viewer = {.id = 6, .role = ROLE_CLIENT_VIEWER};

static void test_ordinary_case_visible_to_staff(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7};

	(void)state;
	assert_true(auth_can_read_case(&agent, &c));
	assert_true(auth_can_read_case(&lead, &c));
	assert_true(auth_can_read_case(&manager, &c));
	assert_true(auth_can_read_case(&admin, &c));
	assert_true(auth_can_write_case(&agent, &c));
}

static void test_confidential_only_group_and_managers(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7, .confidential = true};

	(void)state;
	assert_false(auth_can_read_case(&agent, &c));
	assert_false(auth_can_read_case(&lead, &c));
	assert_true(auth_can_read_case(&manager, &c));
	assert_true(auth_can_read_case(&admin, &c));
	c.member_of_group = true;
	assert_true(auth_can_read_case(&agent, &c));
	assert_true(auth_can_read_case(&lead, &c));
}

static void test_client_viewer_only_own_handed_over(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7};

	(void)state;
	assert_false(auth_can_read_case(&viewer, &c)); /* resolved by the center: not theirs */
	c.handed_over = true;
	assert_true(auth_can_read_case(&viewer, &c));
	assert_false(auth_can_write_case(&viewer, &c)); /* they answer handovers, never edit */
	c.client_id = 8;
	assert_false(auth_can_read_case(&viewer, &c));
	c.client_id = 0;
	assert_false(auth_can_read_case(&orphan_viewer, &c));
}

static void test_client_visibility(void **state)
{
	(void)state;
	assert_true(auth_can_see_client(&viewer, 7));
	assert_false(auth_can_see_client(&viewer, 8));
	assert_false(auth_can_see_client(&orphan_viewer, 0));
	assert_true(auth_can_see_client(&agent, 8));
	assert_true(auth_can_see_client(&manager, 8));
}

static void test_role_names_round_trip(void **state)
{
	static const char *const names[] = {"agent", "group_lead", "manager", "admin",
	                                    "client_viewer"};
	enum role r;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(role_parse(names[i], &r), 0);
		assert_string_equal(role_name(r), names[i]);
	}
	assert_int_not_equal(role_parse("Admin", &r), 0);
	assert_int_not_equal(role_parse("", &r), 0);
	assert_int_not_equal(role_parse(NULL, &r), 0);
}

static void test_password_hash_is_argon2id_and_salted(void **state)
{
	char a[128], b[128];

	(void)state;
	assert_int_equal(auth_password_hash("rätt-lösenord", a), 0);
	assert_int_equal(auth_password_hash("rätt-lösenord", b), 0);
	/* libsodium's interactive cost: 64 MiB, two passes */
	assert_memory_equal(a, "$argon2id$v=19$m=65536,t=2,p=1$", 31);
	assert_string_not_equal(a, b); /* a fresh salt each time */
	assert_true(auth_password_verify(a, "rätt-lösenord"));
	assert_false(auth_password_verify(a, "fel-lösenord"));
	assert_false(auth_password_verify(a, ""));
	assert_false(auth_password_verify("not-a-hash", "rätt-lösenord"));
}

/* Every combination of the facts, for every role: who may read the case, change it and
 * answer its handover. The principal's client is 7 (for client viewers); "client match"
 * means the case is for client 7, otherwise for client 8. Staff have no client. */
#define AG ROLE_AGENT
#define GL ROLE_GROUP_LEAD
#define MA ROLE_MANAGER
#define AD ROLE_ADMIN
#define CV ROLE_CLIENT_VIEWER
static const struct {
	enum role role;
	bool member, confidential, handed_over, client_match;
	bool read, write, answer;
} access_table[] = {
        /* role, member, confidential, handed over, client match → read, write, answer */
        {AG, 0, 0, 0, 0, 1, 1, 1}, {AG, 0, 0, 0, 1, 1, 1, 1}, {AG, 0, 0, 1, 0, 1, 1, 1},
        {AG, 0, 0, 1, 1, 1, 1, 1}, {AG, 0, 1, 0, 0, 0, 0, 0}, {AG, 0, 1, 0, 1, 0, 0, 0},
        {AG, 0, 1, 1, 0, 0, 0, 0}, {AG, 0, 1, 1, 1, 0, 0, 0}, {AG, 1, 0, 0, 0, 1, 1, 1},
        {AG, 1, 0, 0, 1, 1, 1, 1}, {AG, 1, 0, 1, 0, 1, 1, 1}, {AG, 1, 0, 1, 1, 1, 1, 1},
        {AG, 1, 1, 0, 0, 1, 1, 1}, {AG, 1, 1, 0, 1, 1, 1, 1}, {AG, 1, 1, 1, 0, 1, 1, 1},
        {AG, 1, 1, 1, 1, 1, 1, 1}, {GL, 0, 0, 0, 0, 1, 1, 1}, {GL, 0, 0, 0, 1, 1, 1, 1},
        {GL, 0, 0, 1, 0, 1, 1, 1}, {GL, 0, 0, 1, 1, 1, 1, 1}, {GL, 0, 1, 0, 0, 0, 0, 0},
        {GL, 0, 1, 0, 1, 0, 0, 0}, {GL, 0, 1, 1, 0, 0, 0, 0}, {GL, 0, 1, 1, 1, 0, 0, 0},
        {GL, 1, 0, 0, 0, 1, 1, 1}, {GL, 1, 0, 0, 1, 1, 1, 1}, {GL, 1, 0, 1, 0, 1, 1, 1},
        {GL, 1, 0, 1, 1, 1, 1, 1}, {GL, 1, 1, 0, 0, 1, 1, 1}, {GL, 1, 1, 0, 1, 1, 1, 1},
        {GL, 1, 1, 1, 0, 1, 1, 1}, {GL, 1, 1, 1, 1, 1, 1, 1}, {MA, 0, 0, 0, 0, 1, 1, 1},
        {MA, 0, 0, 0, 1, 1, 1, 1}, {MA, 0, 0, 1, 0, 1, 1, 1}, {MA, 0, 0, 1, 1, 1, 1, 1},
        {MA, 0, 1, 0, 0, 1, 1, 1}, {MA, 0, 1, 0, 1, 1, 1, 1}, {MA, 0, 1, 1, 0, 1, 1, 1},
        {MA, 0, 1, 1, 1, 1, 1, 1}, {MA, 1, 0, 0, 0, 1, 1, 1}, {MA, 1, 0, 0, 1, 1, 1, 1},
        {MA, 1, 0, 1, 0, 1, 1, 1}, {MA, 1, 0, 1, 1, 1, 1, 1}, {MA, 1, 1, 0, 0, 1, 1, 1},
        {MA, 1, 1, 0, 1, 1, 1, 1}, {MA, 1, 1, 1, 0, 1, 1, 1}, {MA, 1, 1, 1, 1, 1, 1, 1},
        {AD, 0, 0, 0, 0, 1, 1, 1}, {AD, 0, 0, 0, 1, 1, 1, 1}, {AD, 0, 0, 1, 0, 1, 1, 1},
        {AD, 0, 0, 1, 1, 1, 1, 1}, {AD, 0, 1, 0, 0, 1, 1, 1}, {AD, 0, 1, 0, 1, 1, 1, 1},
        {AD, 0, 1, 1, 0, 1, 1, 1}, {AD, 0, 1, 1, 1, 1, 1, 1}, {AD, 1, 0, 0, 0, 1, 1, 1},
        {AD, 1, 0, 0, 1, 1, 1, 1}, {AD, 1, 0, 1, 0, 1, 1, 1}, {AD, 1, 0, 1, 1, 1, 1, 1},
        {AD, 1, 1, 0, 0, 1, 1, 1}, {AD, 1, 1, 0, 1, 1, 1, 1}, {AD, 1, 1, 1, 0, 1, 1, 1},
        {AD, 1, 1, 1, 1, 1, 1, 1}, {CV, 0, 0, 0, 0, 0, 0, 0}, {CV, 0, 0, 0, 1, 0, 0, 0},
        {CV, 0, 0, 1, 0, 0, 0, 0}, {CV, 0, 0, 1, 1, 1, 0, 1}, {CV, 0, 1, 0, 0, 0, 0, 0},
        {CV, 0, 1, 0, 1, 0, 0, 0}, {CV, 0, 1, 1, 0, 0, 0, 0}, {CV, 0, 1, 1, 1, 1, 0, 1},
        {CV, 1, 0, 0, 0, 0, 0, 0}, {CV, 1, 0, 0, 1, 0, 0, 0}, {CV, 1, 0, 1, 0, 0, 0, 0},
        {CV, 1, 0, 1, 1, 1, 0, 1}, {CV, 1, 1, 0, 0, 0, 0, 0}, {CV, 1, 1, 0, 1, 0, 0, 0},
        {CV, 1, 1, 1, 0, 0, 0, 0}, {CV, 1, 1, 1, 1, 1, 0, 1},
};
#undef AG
#undef GL
#undef MA
#undef AD
#undef CV

static void test_access_table_every_combination(void **state)
{
	(void)state;
	assert_int_equal(sizeof(access_table) / sizeof(access_table[0]), 5 * 16);
	for (size_t i = 0; i < sizeof(access_table) / sizeof(access_table[0]); i++) {
		const struct principal p = {
		        .id = 9,
		        .role = access_table[i].role,
		        .client_id = access_table[i].role == ROLE_CLIENT_VIEWER ? 7 : 0};
		const struct case_access c = {.group_id = 1,
		                              .client_id = access_table[i].client_match ? 7 : 8,
		                              .confidential = access_table[i].confidential,
		                              .handed_over = access_table[i].handed_over,
		                              .member_of_group = access_table[i].member};
		char what[96];

		snprintf(what, sizeof(what),
		         "row %zu: %s member=%d confidential=%d handed=%d match=%d", i,
		         role_name(p.role), c.member_of_group, c.confidential, c.handed_over,
		         access_table[i].client_match);
		if (auth_can_read_case(&p, &c) != access_table[i].read ||
		    auth_can_write_case(&p, &c) != access_table[i].write ||
		    auth_can_answer_handover(&p, &c, c.client_id) != access_table[i].answer)
			fail_msg("%s", what);
		/* Nobody changes what they may not read. */
		assert_true(auth_can_read_case(&p, &c) || !auth_can_write_case(&p, &c));
		assert_true(auth_can_read_case(&p, &c) || !auth_can_answer_handover(&p, &c, 7));
	}
}

static void test_handover_answer_only_for_its_department(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7, .handed_over = true};

	(void)state;
	assert_true(auth_can_answer_handover(&viewer, &c, 7));
	assert_false(auth_can_answer_handover(&viewer, &c, 8)); /* a handover to another one */
	assert_false(auth_can_answer_handover(&orphan_viewer, &c, 0));
	c.confidential = true;
	assert_false(auth_can_answer_handover(&agent, &c, 7)); /* confidential, not their group */
	assert_true(auth_can_answer_handover(&manager, &c, 7));
	c.member_of_group = true;
	assert_true(auth_can_answer_handover(&agent, &c, 7));
}

static void test_citizen_only_through_a_readable_case(void **state)
{
	(void)state;
	assert_false(auth_can_read_citizen(&agent, false));
	assert_true(auth_can_read_citizen(&agent, true));
	assert_false(auth_can_read_citizen(&lead, false));
	assert_false(auth_can_read_citizen(&viewer, false));
	assert_true(auth_can_read_citizen(&viewer, true));
	assert_true(auth_can_read_citizen(&manager, false));
	assert_true(auth_can_read_citizen(&admin, false));
}

static void exec_ok(struct db *db, const char *sql)
{
	if (db_exec(db, sql) != 0)
		fail_msg("%s", sql);
}

static int64_t insert_case(struct db *db, int group, int client, int confidential)
{
	struct stmt *s;

	assert_int_equal(db_prepare(db, &s,
	                            "INSERT INTO cases(channel, group_id, client_id, category_id,"
	                            " outcome, summary, received_at, created_at, updated_at,"
	                            " confidential) VALUES ('phone', ?, ?, 1, 'resolved', 'x',"
	                            " 0, 0, 0, ?)",
	                            false),
	                 0);
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, client);
	stmt_bind_int(s, 3, confidential);
	assert_int_equal(stmt_step(s), DB_DONE);
	stmt_done(s);
	return db_last_id(db);
}

/* Contact 1 is client 7's, contact 2 client 8's. */
static void insert_handover(struct db *db, int64_t case_id, int client)
{
	struct stmt *s;

	assert_int_equal(db_prepare(db, &s,
	                            "INSERT INTO handovers(case_id, contact_id, client_id, message,"
	                            " created_at, due_date) VALUES (?, ?, ?, 'm', 0, '2026-01-01')",
	                            false),
	                 0);
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, client - 6);
	stmt_bind_int(s, 3, client);
	assert_int_equal(stmt_step(s), DB_DONE);
	stmt_done(s);
}

/* The facts read from the store and the SQL filter used by lists and searches decide
 * exactly as auth_can_read_case, for every principal and every kind of case: a case of
 * group 1 (where users 1, 2 and 5 are members) or 2, open or confidential, not handed
 * over, handed over to its client or (never made by Lotsen, but possible in the store)
 * to another, for client 7 or 8. */
static void test_sql_filter_is_auth_can_read_case(void **state)
{
	static const char q_sql[] =
	        "SELECT EXISTS(SELECT 1 FROM cases c WHERE c.id = ?1 AND " AUTH_SQL_CAN_READ_CASE(
	                "?2", "?3", "?4") ")";
	static const struct principal *const who[] = {&agent, &lead,   &manager,
	                                              &admin, &viewer, &orphan_viewer};
	struct db *db;
	struct stmt *s;
	int64_t id = 0;
	int n_read = 0;

	(void)state;
	assert_int_equal(db_open(&db, ":memory:", NULL), 0);
	assert_int_equal(schema_migrate(db), 0);
	exec_ok(db, "INSERT INTO clients(id, name) VALUES (7, 'Äldreförvaltningen'),"
	            " (8, 'Trafikkontoret')");
	exec_ok(db, "INSERT INTO units(id, name) VALUES (1, 'Kontaktcenter')");
	exec_ok(db,
	        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Äldre', 1), (2, 'Trafik', 1)");
	exec_ok(db, "INSERT INTO categories(id, name, kind) VALUES (1, 'Fråga', 'question')");
	exec_ok(db, "INSERT INTO contacts(id, client_id, name) VALUES (1, 7, 'Handläggare'),"
	            " (2, 8, 'Trafikhandläggare')");
	exec_ok(db, "INSERT INTO users(id, username, display_name, role, client_id) VALUES"
	            " (1, 'agent', 'A', 'agent', NULL), (2, 'lead', 'L', 'group_lead', NULL),"
	            " (3, 'manager', 'M', 'manager', NULL), (4, 'admin', 'D', 'admin', NULL),"
	            " (5, 'viewer', 'V', 'client_viewer', 7),"
	            " (6, 'orphan', 'O', 'client_viewer', NULL)");
	exec_ok(db, "INSERT INTO user_groups(user_id, group_id) VALUES (1, 1), (2, 1), (5, 1)");
	for (int group = 1; group <= 2; group++)
		for (int conf = 0; conf <= 1; conf++)
			for (int handover = 0; handover <= 2; handover++)
				for (int client = 7; client <= 8; client++) {
					id = insert_case(db, group, client, conf);
					/* 1: to the case's client; 2: to the other one */
					if (handover)
						insert_handover(db, id,
						                handover == 1 ? client
						                              : 15 - client);
				}
	assert_int_equal(id, 24);
	for (size_t w = 0; w < sizeof(who) / sizeof(who[0]); w++) {
		for (int64_t c = 1; c <= id; c++) {
			struct case_access a;
			bool in_sql = false;

			assert_int_equal(auth_case_load(db, who[w], c, &a), 0);
			assert_int_equal(db_prepare(db, &s, q_sql, true), 0);
			stmt_bind_int(s, 1, c);
			stmt_bind_text(s, 2, role_name(who[w]->role));
			stmt_bind_int(s, 3, who[w]->id);
			stmt_bind_int(s, 4, who[w]->client_id);
			if (stmt_step(s) == DB_ROW)
				in_sql = stmt_int(s, 0) != 0;
			stmt_done(s);
			if (in_sql != auth_can_read_case(who[w], &a))
				fail_msg("%s, case %lld: SQL %d, auth_can_read_case %d",
				         role_name(who[w]->role), (long long)c, in_sql,
				         auth_can_read_case(who[w], &a));
			n_read += in_sql;
		}
	}
	/* agent and lead: 18 each (not the 6 confidential ones of group 2); manager, admin:
	 * 24; viewer: the 4 of client 7 handed over to it; the viewer without a client: 0. */
	assert_int_equal(n_read, 18 + 18 + 24 + 24 + 4 + 0);
	assert_int_equal(auth_case_load(db, &agent, 999, &(struct case_access){0}), ENOENT);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ordinary_case_visible_to_staff),
	        cmocka_unit_test(test_confidential_only_group_and_managers),
	        cmocka_unit_test(test_client_viewer_only_own_handed_over),
	        cmocka_unit_test(test_client_visibility),
	        cmocka_unit_test(test_role_names_round_trip),
	        cmocka_unit_test(test_password_hash_is_argon2id_and_salted),
	        cmocka_unit_test(test_access_table_every_combination),
	        cmocka_unit_test(test_handover_answer_only_for_its_department),
	        cmocka_unit_test(test_citizen_only_through_a_readable_case),
	        cmocka_unit_test(test_sql_filter_is_auth_can_read_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The case's life on a real database: status transitions by hand and by the department's
 * acts on a handover, the history they leave, and the version that is the case's ETag. */
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
#include "core/demo.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 */

static char path[64];
static struct db *db;
static const struct principal admin = {.id = 1, .role = ROLE_ADMIN};

static int64_t q1(const char *sql, int64_t a)
{
	struct stmt *s;
	int64_t r = -1;

	if (db_prepare(db, &s, sql, false))
		return -1;
	stmt_bind_int(s, 1, a);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		r = stmt_int(s, 0);
	stmt_done(s);
	return r;
}

static void text1(const char *sql, int64_t a, char *out, size_t n)
{
	struct stmt *s;

	out[0] = '\0';
	if (db_prepare(db, &s, sql, false))
		return;
	stmt_bind_int(s, 1, a);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		snprintf(out, n, "%s", stmt_text(s, 0));
	stmt_done(s);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/lotsen-case-status-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(&db, path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(db) || demo_load_if_empty(db, NOW, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_close(db);
	unlink(path);
	return 0;
}

/* A fresh waiting handover: (handover id, case id, client id). */
static void open_handover(int64_t *hid, int64_t *case_id, int64_t *client)
{
	/* of viewer.aldre's department, so the department acts as a real user */
	*hid = q1("SELECT h.id FROM handovers h JOIN cases c ON c.id = h.case_id"
	          " WHERE h.status = 'open' AND c.status = 'waiting_for_department'"
	          " AND c.confidential = 0 AND h.id > ?"
	          " AND h.client_id = (SELECT client_id FROM users WHERE username = 'viewer.aldre')"
	          " ORDER BY h.id LIMIT 1",
	          *hid);
	assert_true(*hid > 0);
	*case_id = q1("SELECT case_id FROM handovers WHERE id = ?", *hid);
	*client = q1("SELECT client_id FROM handovers WHERE id = ?", *hid);
}

static int act(int (*f)(struct db *, const struct principal *, int64_t, const json_t *, int64_t,
                        struct verrors *),
               const struct principal *who, int64_t id, const char *json)
{
	struct verrors v;
	json_t *in = json_loads(json, 0, NULL);
	int err;

	assert_non_null(in);
	valid_init(&v, false);
	err = f(db, who, id, in, NOW, &v);
	json_decref(in);
	valid_free(&v);
	return err;
}

static void status_of(int64_t case_id, char out[32])
{
	text1("SELECT status FROM cases WHERE id = ?", case_id, out, 32);
}

/* ---- the pure rule ---- */

static void transitions_by_hand(void **state)
{
	(void)state;
	assert_int_equal(case_status_check("open", "closed"), 0);
	assert_int_equal(case_status_check("open", "waiting_for_citizen"), 0);
	assert_int_equal(case_status_check("waiting_for_citizen", "open"), 0);
	assert_int_equal(case_status_check("waiting_for_department", "closed"), 0);
	assert_int_equal(case_status_check("closed", "open"), 0);
	/* closing twice, or staying where it is */
	assert_int_equal(case_status_check("closed", "closed"), EALREADY);
	assert_int_equal(case_status_check("open", "open"), EALREADY);
	/* a closed case is reopened first */
	assert_int_equal(case_status_check("closed", "waiting_for_citizen"), ENOTSUP);
	/* waiting for the department comes with a handover, never by hand */
	assert_int_equal(case_status_check("open", "waiting_for_department"), EINVAL);
	assert_int_equal(case_status_check("open", "resolved"), EINVAL);
	assert_int_equal(case_status_check("open", ""), EINVAL);
}

/* ---- on the database ---- */

static void close_reopen_and_history(void **state)
{
	int64_t hid = 0, case_id, client, v0, v1;
	char st[32], informed[16];

	(void)state;
	open_handover(&hid, &case_id, &client);
	assert_int_equal(case_version(db, case_id, &v0), 0);
	/* closing needs a reason; nothing is written without one */
	assert_int_equal(act(case_set_status, &admin, case_id, "{\"status\":\"closed\"}"), EBADMSG);
	assert_int_equal(case_version(db, case_id, &v1), 0);
	assert_int_equal(v1, v0);
	assert_int_equal(act(case_set_status, &admin, case_id,
	                     "{\"status\":\"closed\",\"reason\":\"Medborgaren drog tillbaka\","
	                     "\"citizen_informed\":\"letter\"}"),
	                 0);
	status_of(case_id, st);
	assert_string_equal(st, "closed");
	text1("SELECT citizen_informed FROM cases WHERE id = ?", case_id, informed,
	      sizeof(informed));
	assert_string_equal(informed, "letter");
	assert_int_equal(q1("SELECT closed_at FROM cases WHERE id = ?", case_id), NOW);
	assert_int_equal(q1("SELECT closed_by FROM cases WHERE id = ?", case_id), admin.id);
	/* the department is no longer asked */
	text1("SELECT status FROM handovers WHERE id = ?", hid, st, sizeof(st));
	assert_string_equal(st, "withdrawn");
	assert_int_equal(case_version(db, case_id, &v1), 0);
	assert_true(v1 > v0);
	assert_int_equal(
	        q1("SELECT COUNT(*) FROM case_history WHERE case_id = ? AND field = 'status'"
	           " AND old_value = 'waiting_for_department' AND new_value = 'closed'",
	           case_id),
	        1);
	/* twice: a conflict, and the history is unchanged */
	int64_t rows = q1("SELECT COUNT(*) FROM case_history WHERE case_id = ?", case_id);
	assert_int_equal(act(case_set_status, &admin, case_id,
	                     "{\"status\":\"closed\",\"reason\":\"Igen\"}"),
	                 EALREADY);
	assert_int_equal(
	        act(case_set_status, &admin, case_id, "{\"status\":\"waiting_for_citizen\"}"),
	        ENOTSUP);
	assert_int_equal(q1("SELECT COUNT(*) FROM case_history WHERE case_id = ?", case_id), rows);
	/* the withdrawn handover cannot be answered */
	struct principal dept = {.id = 15, .role = ROLE_CLIENT_VIEWER, .client_id = client};
	assert_int_equal(act(handover_answer, &dept, hid, "{\"answer\":\"Sent svar\"}"), EEXIST);
	/* reopened: open, closing facts cleared */
	assert_int_equal(act(case_set_status, &admin, case_id, "{\"status\":\"open\"}"), 0);
	status_of(case_id, st);
	assert_string_equal(st, "open");
	assert_int_equal(q1("SELECT closed_at FROM cases WHERE id = ?", case_id), -1);
}

static void department_answers_and_closes(void **state)
{
	int64_t hid = 0, case_id, client, agent;
	char st[32];

	(void)state;
	open_handover(&hid, &case_id, &client);
	struct principal dept = {.id = 15, .role = ROLE_CLIENT_VIEWER, .client_id = client};
	struct principal other = {.id = 16, .role = ROLE_CLIENT_VIEWER, .client_id = client + 1};
	agent = q1("SELECT agent_id FROM cases WHERE id = ?", case_id);
	int64_t notes = q1("SELECT COUNT(*) FROM notifications WHERE user_id = ?", agent);
	/* another department may not; a department may not claim a phone answer */
	assert_int_equal(act(handover_answer, &other, hid, "{\"answer\":\"Fel\"}"), EPERM);
	assert_int_equal(act(handover_answer, &dept, hid, "{\"answer\":\"x\",\"via\":\"phone\"}"),
	                 EBADMSG);
	assert_int_equal(act(handover_answer, &dept, hid, "{\"answer\":\"Vi ringer upp.\"}"), 0);
	status_of(case_id, st);
	assert_string_equal(st, "open"); /* back with the center */
	text1("SELECT status FROM handovers WHERE id = ?", hid, st, sizeof(st));
	assert_string_equal(st, "answered");
	assert_int_equal(q1("SELECT COUNT(*) FROM notifications WHERE user_id = ?", agent),
	                 notes + 1);
	assert_int_equal(act(handover_answer, &dept, hid, "{\"answer\":\"Igen\"}"), EEXIST);

	/* the next one: a question, the center's reply, then an answer that closes */
	open_handover(&hid, &case_id, &client);
	dept.client_id = client;
	assert_int_equal(act(handover_reply, &admin, hid, "{\"reply\":\"Ingen fråga än\"}"),
	                 EEXIST);
	assert_int_equal(act(handover_question, &dept, hid, "{\"question\":\"Vilken adress?\"}"),
	                 0);
	status_of(case_id, st);
	assert_string_equal(st, "open");
	assert_int_equal(act(handover_reply, &dept, hid, "{\"reply\":\"Storgatan 1\"}"), EPERM);
	assert_int_equal(act(handover_reply, &admin, hid, "{\"reply\":\"Storgatan 1\"}"), 0);
	status_of(case_id, st);
	assert_string_equal(st, "waiting_for_department");
	assert_int_equal(act(handover_answer, &dept, hid,
	                     "{\"answer\":\"Beviljat.\",\"close\":true,\"citizen_informed\":"
	                     "\"phone\"}"),
	                 0);
	status_of(case_id, st);
	assert_string_equal(st, "closed");
	text1("SELECT closing_reason FROM cases WHERE id = ?", case_id, st, sizeof(st));
	assert_string_equal(st, "Beviljat.");

	/* staff record an answer given by phone */
	open_handover(&hid, &case_id, &client);
	assert_int_equal(act(handover_answer, &admin, hid, "{\"answer\":\"Per telefon\"}"), 0);
	text1("SELECT answered_via FROM handovers WHERE id = ?", hid, st, sizeof(st));
	assert_string_equal(st, "phone");

	/* a take-over ends the center's part */
	open_handover(&hid, &case_id, &client);
	dept.client_id = client;
	assert_int_equal(act(handover_takeover, &dept, hid, "{\"text\":\"Vi tar det.\"}"), 0);
	status_of(case_id, st);
	assert_string_equal(st, "closed");
	text1("SELECT status FROM handovers WHERE id = ?", hid, st, sizeof(st));
	assert_string_equal(st, "taken_over");
	assert_int_equal(act(handover_question, &dept, hid, "{\"question\":\"?\"}"), EEXIST);
}

static void version_moves_with_every_change(void **state)
{
	int64_t case_id = q1("SELECT id FROM cases WHERE confidential = 0 AND id > ? LIMIT 1", 0);
	int64_t v0, v1, v2;
	struct verrors v;
	json_t *in = json_pack("{s:s}", "summary", "Ny sammanfattning.");

	(void)state;
	assert_int_equal(case_version(db, case_id, &v0), 0);
	valid_init(&v, false);
	assert_int_equal(case_update(db, &admin, case_id, in, NOW, &v), 0);
	valid_free(&v);
	json_decref(in);
	assert_int_equal(case_version(db, case_id, &v1), 0);
	assert_true(v1 > v0);
	/* a read leaves it as it is */
	json_t *o = NULL;
	assert_int_equal(case_get(db, &admin, case_id, NOW, &o), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "version")), v1);
	json_decref(o);
	assert_int_equal(case_version(db, case_id, &v2), 0);
	assert_int_equal(v2, v1);
	assert_int_equal(case_version(db, 987654321, &v2), ENOENT);
}

static void waiting_list_oldest_first(void **state)
{
	json_t *items = NULL;
	const char *prev = "";

	(void)state;
	assert_int_equal(case_waiting_list(db, &admin, NOW, 50, &items), 0);
	assert_true(json_array_size(items) > 0);
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *o = json_array_get(items, i);
		const char *at = json_string_value(json_object_get(o, "status_changed_at"));
		assert_string_not_equal(json_string_value(json_object_get(o, "status")), "closed");
		assert_true(strcmp(prev, at) <= 0);
		prev = at;
	}
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(transitions_by_hand),
	        cmocka_unit_test(close_reopen_and_history),
	        cmocka_unit_test(department_answers_and_closes),
	        cmocka_unit_test(version_moves_with_every_change),
	        cmocka_unit_test(waiting_list_oldest_first),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

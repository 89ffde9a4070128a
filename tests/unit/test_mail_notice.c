/* Notices by e-mail on a real SQLite file with the demo municipality: a handover's notice
 * to the department contact (outbox, Auto-Submitted, link, due date, kept on the case and
 * in-app), the department's answer to the agent or else the group, no e-mail to an empty
 * address, and the overdue reminders: once per working day, none on a day off. */
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

#include "acdhost/acd_store.h"
#include "core/cases.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "tel/tel_store.h"

#define NOW 1795428000 /* 2026-11-23 10:00 UTC, a Monday */
#define DAY 86400

static char dir[64];
static char dbpath[128];
static struct db *db;

static int64_t q1(const char *sql, int64_t a)
{
	struct stmt *s;
	int64_t v = -1;

	if (db_prepare(db, &s, sql, false))
		return -2;
	if (strchr(sql, '?'))
		stmt_bind_int(s, 1, a);
	if (stmt_step(s) == DB_ROW)
		v = stmt_is_null(s, 0) ? 0 : stmt_int(s, 0);
	stmt_done(s);
	return v;
}

static const char *qt(const char *sql, int64_t a)
{
	static char buf[1 << 16];
	struct stmt *s;

	buf[0] = '\0';
	if (db_prepare(db, &s, sql, false))
		return buf;
	if (strchr(sql, '?'))
		stmt_bind_int(s, 1, a);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		snprintf(buf, sizeof(buf), "%s", stmt_text(s, 0));
	stmt_done(s);
	return buf;
}

static int64_t hid; /* an open handover of the demo, its contact given an address */

static int setup(void **state)
{
	bool loaded;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lotsen-notice-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/lotsen.db", dir);
	assert_int_equal(db_open(&db, dbpath, &(struct db_opts){.durability = DB_DURABLE_NORMAL}),
	                 0);
	assert_int_equal(schema_migrate(db), 0);
	assert_int_equal(kb_migrate(db), 0);
	assert_int_equal(acd_store_migrate(db), 0);
	assert_int_equal(tel_store_migrate(db), 0);
	assert_int_equal(report_store_migrate(db), 0);
	assert_int_equal(mail_migrate(db), 0);
	assert_int_equal(demo_load_if_empty(db, NOW - DAY, &loaded), 0);
	assert_true(loaded);
	assert_int_equal(
	        mail_setup(db, &(struct mail_config){.domain = "kc.lotsen.example",
	                                             .public_url = "https://lotsen.kommun.se/"}),
	        0);
	assert_int_equal(db_exec(db, "INSERT INTO mailboxes(address, group_id) SELECT"
	                             " 'kontaktcenter@lotsen.example', id FROM groups"
	                             " WHERE name = 'Stockholm direkt'"),
	                 0);
	hid = q1("SELECT h.id FROM handovers h JOIN cases c ON c.id = h.case_id"
	         " WHERE h.status = 'open' AND c.status <> 'closed' ORDER BY h.id LIMIT 1",
	         0);
	assert_true(hid > 0);
	assert_int_equal(db_exec(db, "DELETE FROM mail_outbox; DELETE FROM mail_messages"), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_reminder_due_rule(void **state)
{
	(void)state;
	/* due yesterday, never reminded, a working day */
	assert_true(mail_reminder_due("2026-11-20", "", "2026-11-23", true));
	assert_true(mail_reminder_due("2026-11-20", NULL, "2026-11-23", true));
	/* reminded on an earlier day: again today */
	assert_true(mail_reminder_due("2026-11-20", "2026-11-20", "2026-11-23", true));
	/* already reminded today */
	assert_false(mail_reminder_due("2026-11-20", "2026-11-23", "2026-11-23", true));
	/* due today or later: not overdue */
	assert_false(mail_reminder_due("2026-11-23", "", "2026-11-23", true));
	assert_false(mail_reminder_due("2026-12-01", "", "2026-11-23", true));
	/* a day off: no reminder */
	assert_false(mail_reminder_due("2026-11-20", "", "2026-11-22", false));
	/* broken dates remind nobody */
	assert_false(mail_reminder_due("20-11-2026", "", "2026-11-23", true));
	assert_false(mail_reminder_due("2026-11-20", "", "", true));
}

static int64_t case_of(int64_t h)
{
	return q1("SELECT case_id FROM handovers WHERE id = ?", h);
}

static void test_handover_notice_to_contact(void **state)
{
	int64_t c = case_of(hid), ob, users_before, users_after;
	const char *raw;
	char want[128];

	(void)state;
	assert_int_equal(db_exec(db, "UPDATE contacts SET email = 'Handlaggare@Lotsen.example'"
	                             " WHERE id = (SELECT contact_id FROM handovers WHERE id = "
	                             "(SELECT MIN(id) FROM handovers WHERE status = 'open'))"),
	                 0);
	/* a department user who is that contact sees it in-app too */
	assert_int_equal(db_exec(db, "INSERT INTO users(username, display_name, role, client_id,"
	                             " email) SELECT 'hl', 'Handläggare', 'client_viewer',"
	                             " client_id, 'handlaggare@lotsen.example' FROM contacts"
	                             " WHERE email = 'Handlaggare@Lotsen.example'"),
	                 0);
	users_before = q1("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id"
	                  " WHERE u.username = 'hl'",
	                  0);
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_HANDOVER, hid, NOW), 0);
	ob = q1("SELECT MAX(id) FROM mail_outbox WHERE kind = 'notice'", 0);
	assert_true(ob > 0);
	assert_int_equal(q1("SELECT case_id FROM mail_outbox WHERE id = ?", ob), c);
	assert_string_equal(qt("SELECT to_addr FROM mail_outbox WHERE id = ?", ob),
	                    "Handlaggare@Lotsen.example");
	assert_string_equal(qt("SELECT from_addr FROM mail_outbox WHERE id = ?", ob),
	                    "kontaktcenter@lotsen.example");
	raw = qt("SELECT raw FROM mail_outbox WHERE id = ?", ob);
	assert_non_null(strstr(raw, "Auto-Submitted: auto-generated"));
	/* the body is quoted-printable; the subject names the case and the due date */
	snprintf(want, sizeof(want), "%s", qt("SELECT due_date FROM handovers WHERE id = ?", hid));
	assert_non_null(strstr(qt("SELECT subject FROM mail_outbox WHERE id = ?", ob), want));
	snprintf(want, sizeof(want), "https://lotsen.kommun.se/case.html?id=%lld", (long long)c);
	assert_non_null(
	        strstr(qt("SELECT body_text FROM mail_messages WHERE outbox_id = ?", ob), want));
	assert_string_equal(qt("SELECT kind FROM mail_messages WHERE outbox_id = ?", ob), "notice");
	users_after = q1("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id"
	                 " WHERE u.username = 'hl'",
	                 0);
	assert_int_equal(users_after, users_before + 1);
}

static void test_no_mail_to_empty_address(void **state)
{
	int64_t before = q1("SELECT COUNT(*) FROM mail_outbox", 0);

	(void)state;
	assert_int_equal(db_exec(db, "UPDATE contacts SET email = NULL WHERE id = (SELECT"
	                             " contact_id FROM handovers WHERE id = (SELECT MIN(id) FROM"
	                             " handovers WHERE status = 'open'))"),
	                 0);
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_HANDOVER, hid, NOW), 0);
	assert_int_equal(db_exec(db, "UPDATE contacts SET email = 'inte en adress' WHERE id ="
	                             " (SELECT contact_id FROM handovers WHERE id = (SELECT"
	                             " MIN(id) FROM handovers WHERE status = 'open'))"),
	                 0);
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_HANDOVER, hid, NOW), 0);
	assert_int_equal(q1("SELECT COUNT(*) FROM mail_outbox", 0), before);
	/* an unknown handover is an error, not a silent nothing */
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_HANDOVER, 99999999, NOW), ENOENT);
	assert_int_equal(db_exec(db, "UPDATE contacts SET email = 'Handlaggare@Lotsen.example'"
	                             " WHERE email = 'inte en adress'"),
	                 0);
}

static void test_answer_notice_agent_else_group(void **state)
{
	int64_t c = case_of(hid), ob, agent;

	(void)state;
	agent = q1("SELECT agent_id FROM cases WHERE id = ?", c);
	assert_true(agent > 0);
	assert_int_equal(db_exec(db, "UPDATE users SET email = 'agenten@lotsen.example'"
	                             " WHERE id = (SELECT agent_id FROM cases WHERE id = (SELECT"
	                             " case_id FROM handovers WHERE id = (SELECT MIN(id) FROM"
	                             " handovers WHERE status = 'open')))"),
	                 0);
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_ANSWER, hid, NOW), 0);
	ob = q1("SELECT MAX(id) FROM mail_outbox", 0);
	assert_string_equal(qt("SELECT to_addr FROM mail_outbox WHERE id = ?", ob),
	                    "agenten@lotsen.example");
	assert_non_null(
	        strstr(qt("SELECT subject FROM mail_outbox WHERE id = ?", ob), "har svarat"));
	/* without the agent's address: the group's */
	assert_int_equal(db_exec(db, "UPDATE users SET email = NULL"
	                             " WHERE email = 'agenten@lotsen.example'"),
	                 0);
	assert_int_equal(mail_notice_handover(db, CASE_NOTICE_QUESTION, hid, NOW), 0);
	ob = q1("SELECT MAX(id) FROM mail_outbox", 0);
	assert_string_equal(qt("SELECT to_addr FROM mail_outbox WHERE id = ?", ob),
	                    qt("SELECT g.email FROM cases c JOIN groups g ON g.id = c.group_id"
	                       " WHERE c.id = ?",
	                       c));
	assert_non_null(strstr(qt("SELECT subject FROM mail_outbox WHERE id = ?", ob), "fråga"));
}

static void test_overdue_reminded_once_per_working_day(void **state)
{
	int sent = -1;
	int64_t n0, n1;

	(void)state;
	/* every other handover is answered; ours was due last Friday */
	assert_int_equal(db_exec(db, "UPDATE handovers SET status = 'answered' WHERE status ="
	                             " 'open' AND id <> (SELECT MIN(id) FROM handovers WHERE"
	                             " status = 'open');"
	                             "UPDATE handovers SET due_date = '2026-11-20' WHERE status ="
	                             " 'open'"),
	                 0);
	n0 = q1("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'notice'", 0);
	assert_int_equal(mail_notice_reminders(db, NOW, 0, &sent), 0);
	assert_int_equal(sent, 1); /* the contact (the group has no lead with an address) */
	n1 = q1("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'notice'", 0);
	assert_int_equal(n1, n0 + 1);
	assert_non_null(strstr(qt("SELECT subject FROM mail_outbox WHERE id ="
	                          " (SELECT MAX(id) FROM mail_outbox)",
	                          0),
	                       "Påminnelse"));
	/* later the same day: nothing */
	assert_int_equal(mail_notice_reminders(db, NOW + 3600, 0, &sent), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(q1("SELECT COUNT(*) FROM mail_reminders WHERE handover_id = ?", hid), 1);
	/* a group lead with an address is reminded too, the next working day */
	assert_int_equal(db_exec(db, "INSERT INTO users(username, display_name, role, email)"
	                             " VALUES ('lead1', 'Gruppledare', 'group_lead',"
	                             " 'ledare@lotsen.example');"
	                             "INSERT INTO user_groups(user_id, group_id) SELECT u.id,"
	                             " c.group_id FROM users u, cases c, handovers h WHERE"
	                             " u.username = 'lead1' AND c.id = h.case_id AND h.status ="
	                             " 'open'"),
	                 0);
	assert_int_equal(mail_notice_reminders(db, NOW + DAY, 0, &sent), 0);
	assert_int_equal(sent, 2);
	assert_string_equal(qt("SELECT to_addr FROM mail_outbox WHERE id ="
	                       " (SELECT MAX(id) FROM mail_outbox)",
	                       0),
	                    "ledare@lotsen.example");
	assert_true(q1("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id"
	               " WHERE u.username = 'lead1' AND n.kind = 'handover_overdue'",
	               0) == 1);
	/* Saturday: a day off */
	assert_int_equal(mail_notice_reminders(db, NOW + 5 * DAY, 0, &sent), 0);
	assert_int_equal(sent, 0);
	/* answered: no more reminders */
	assert_int_equal(db_exec(db, "UPDATE handovers SET status = 'answered'"), 0);
	assert_int_equal(mail_notice_reminders(db, NOW + 7 * DAY, 0, &sent), 0);
	assert_int_equal(sent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_reminder_due_rule),
	        cmocka_unit_test(test_handover_notice_to_contact),
	        cmocka_unit_test(test_no_mail_to_empty_address),
	        cmocka_unit_test(test_answer_notice_agent_else_group),
	        cmocka_unit_test(test_overdue_reminded_once_per_working_day),
	};

	mail_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

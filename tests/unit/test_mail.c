/* The mail module on real .eml files and a real SQLite file: parsing (charsets, RFC 2047,
 * multipart, HTML, attachments, forwarded mail, malformed and oversized input), intake
 * into cases (group, channel, citizen), threading and its refusal of forged references,
 * receipts and their loop rules, answers composed into the outbox, and the outbox queue. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "acd/acd_host.h"
#include "core/cases.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "tel/tel_store.h"

#define NOW  1795428000 /* 2026-11-23 10:00 UTC, a Monday */
#define DATA LOTSEN_SOURCE_DIR "/tests/data/mail/"

static char dir[64];
static char dbpath[128];
static struct db *db;
static int64_t box_kc, box_fsk; /* Stockholm direkt's and Förskola's mailboxes */

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

/* The text of one column of one row (static buffer). */
static const char *qt(const char *sql, int64_t a)
{
	static char buf[1 << 16];
	struct stmt *s;

	buf[0] = '\0';
	if (db_prepare(db, &s, sql, false))
		return "(prepare failed)";
	if (strchr(sql, '?'))
		stmt_bind_int(s, 1, a);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		snprintf(buf, sizeof(buf), "%s", stmt_text(s, 0));
	else
		snprintf(buf, sizeof(buf), "(null)");
	stmt_done(s);
	return buf;
}

static char *slurp(const char *name, size_t *n)
{
	char path[512];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s%s", DATA, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return buf;
}

struct taken {
	int err;
	int64_t case_id, row;
	struct mail_intake_info info;
};

static struct taken take_raw(int64_t box, const char *raw, size_t n, int64_t now,
                             const struct mail_seen_key *seen)
{
	struct taken t = {0};

	t.err = mail_intake_ex(db, box, raw, n, now, seen, &t.case_id, &t.row, &t.info);
	return t;
}

static struct taken take(int64_t box, const char *file)
{
	size_t n;
	char *raw = slurp(file, &n);
	struct taken t = take_raw(box, raw, n, NOW, NULL);

	free(raw);
	return t;
}

static int setup(void **state)
{
	bool loaded;
	char sql[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lotsen-mail-XXXXXX");
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
	assert_int_equal(demo_load_if_empty(db, NOW - 86400, &loaded), 0);
	assert_true(loaded);
	snprintf(sql, sizeof(sql),
	         "INSERT INTO mailboxes(address, group_id, signature) SELECT"
	         " 'kontaktcenter@lotsen.example', id, 'Kontaktcenter\nLotsens kommun' FROM groups"
	         " WHERE name = 'Stockholm direkt';"
	         "INSERT INTO mailboxes(address, group_id, receipt_reply) SELECT"
	         " 'forskola@lotsen.example', id, 1 FROM groups WHERE name = 'Förskola';");
	assert_int_equal(db_exec(db, sql), 0);
	box_kc = q1("SELECT id FROM mailboxes WHERE address = 'kontaktcenter@lotsen.example'", 0);
	box_fsk = q1("SELECT id FROM mailboxes WHERE address = 'forskola@lotsen.example'", 0);
	assert_true(box_kc > 0 && box_fsk > 0);
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

/* ======================================================================
 * Intake: a new case
 * ====================================================================== */

static void test_plain_utf8_opens_case(void **state)
{
	struct taken t;
	char path[512];
	struct stat st;

	(void)state;
	t = take(box_kc, "plain-utf8.eml");
	assert_int_equal(t.err, 0);
	assert_true(t.case_id > 0 && t.row > 0);
	assert_false(t.info.threaded);
	assert_true(t.info.parsed);
	assert_string_equal(qt("SELECT channel FROM cases WHERE id = ?", t.case_id), "email");
	assert_string_equal(qt("SELECT g.name FROM cases c JOIN groups g ON g.id = c.group_id"
	                       " WHERE c.id = ?",
	                       t.case_id),
	                    "Stockholm direkt");
	assert_string_equal(qt("SELECT summary FROM cases WHERE id = ?", t.case_id),
	                    "Fråga om förskoleplats");
	/* the citizen by address, lower-cased, with the name from From */
	assert_string_equal(qt("SELECT ci.email FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
	                       " WHERE c.id = ?",
	                       t.case_id),
	                    "anna.svensson@example.se");
	assert_string_equal(qt("SELECT ci.name FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
	                       " WHERE c.id = ?",
	                       t.case_id),
	                    "Anna Svensson");
	/* not handled by an agent */
	assert_int_equal(q1("SELECT agent_id FROM cases WHERE id = ?", t.case_id), 0);
	assert_non_null(strstr(qt("SELECT body_text FROM mail_messages WHERE id = ?", t.row),
	                       "besked om förskoleplats för vår dotter Åsa"));
	assert_string_equal(qt("SELECT message_id FROM mail_messages WHERE id = ?", t.row),
	                    "plain-1@example.se");
	/* the raw message is a file beside the database */
	snprintf(path, sizeof(path), "%s/lotsen.db.files/%s", dir,
	         qt("SELECT raw_path FROM mail_messages WHERE id = ?", t.row));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, q1("SELECT size FROM mail_messages WHERE id = ?", t.row));
	/* case search finds it by a word of the subject */
	{
		struct principal admin = {.id = 1, .role = ROLE_ADMIN};
		struct case_query q = {
		        .text = "förskoleplatsen", .channel = "email", .limit = 100, .budget_ms = -1};
		json_t *items = NULL;
		int64_t total = 0;
		assert_int_equal(case_search(db, &admin, &q, NOW, &items, &total), 0);
		bool found = false;
		for (size_t i = 0; i < json_array_size(items); i++)
			found |= json_integer_value(json_object_get(json_array_get(items, i), "id")) ==
			         t.case_id;
		assert_true(total >= 1 && found);
		json_decref(items);
	}
	/* an audit row for the case's creation */
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE entity = 'case' AND"
	                    " action = 'create' AND entity_id = ?",
	                    t.case_id),
	                 1);
}

static void test_reply_threads_by_in_reply_to(void **state)
{
	struct taken a, b;

	(void)state;
	a = take(box_kc, "plain-utf8.eml");
	/* the same file again (an import run twice): nothing new */
	assert_int_equal(a.err, EEXIST);
	b = take(box_kc, "reply-in-reply-to.eml");
	assert_int_equal(b.err, 0);
	assert_true(b.info.threaded);
	assert_int_equal(b.case_id, a.case_id);
	assert_int_equal(q1("SELECT count(*) FROM mail_messages WHERE case_id = ?", a.case_id), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_utf8_opens_case),
	        cmocka_unit_test(test_reply_threads_by_in_reply_to),
	};

	mail_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* The mail network side's store and settings on a real SQLite file: which mailboxes get a
 * fetcher and with what account, removal of a mailbox (refused once mail was taken from
 * it), the outbox list for the admin API, and the mail settings of `lotsen serve`. */
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

#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "base/config.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "mail/mail_int.h"
#include "mail/mail_net.h"
#include "mail/mail_net_int.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "tel/tel_store.h"

#define NOW 1795428000 /* 2026-11-23 10:00 UTC, a Monday */

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

static int setup(void **state)
{
	bool loaded;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lotsen-mailnet-XXXXXX");
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
	/* Three mailboxes: fetched over STARTTLS with its own user, fetched with the defaults
	 * (user = address), turned off; and one without an IMAP host (import only). */
	assert_int_equal(
	        db_exec(db, "INSERT INTO mailboxes(id, address, group_id, imap_host, imap_port,"
	                    " imap_security, imap_user, imap_password, folder, processed_folder)"
	                    " VALUES (1, 'kontaktcenter@lotsen.example', 1, 'imap.lotsen.example',"
	                    " 143, 'starttls', 'kc', 'hemligt', 'INBOX', 'Behandlat');"
	                    "INSERT INTO mailboxes(id, address, group_id, imap_host)"
	                    " VALUES (2, 'forskola@lotsen.example', 4, '192.0.2.10');"
	                    "INSERT INTO mailboxes(id, address, group_id, imap_host, active)"
	                    " VALUES (3, 'av@lotsen.example', 1, 'imap.lotsen.example', 0);"
	                    "INSERT INTO mailboxes(id, address, group_id)"
	                    " VALUES (4, 'import@lotsen.example', 1);"),
	        0);
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

/* Only active mailboxes with an IMAP host get a fetcher, with their account as stored and
 * the defaults filled in. */
static void test_boxes_for_fetchers(void **state)
{
	struct mail_box_net *b = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(mail_store_net_boxes(db, &b, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0].id, 1);
	assert_string_equal(b[0].host, "imap.lotsen.example");
	assert_int_equal(b[0].port, 143);
	assert_string_equal(b[0].security, "starttls");
	assert_string_equal(b[0].user, "kc");
	assert_string_equal(b[0].password, "hemligt");
	assert_string_equal(b[0].folder, "INBOX");
	assert_string_equal(b[0].processed, "Behandlat");
	assert_int_equal(b[1].id, 2);
	assert_int_equal(b[1].port, 0);            /* the security's default */
	assert_string_equal(b[1].security, "tls"); /* the schema's default */
	assert_string_equal(b[1].user, "forskola@lotsen.example");
	assert_string_equal(b[1].password, "");
	assert_string_equal(b[1].processed, ""); /* flag instead of moving */
	free(b);
}

static void test_password_set(void **state)
{
	bool set = true;

	(void)state;
	assert_int_equal(mail_store_box_password_set(db, 1, &set), 0);
	assert_true(set);
	assert_int_equal(mail_store_box_password_set(db, 2, &set), 0);
	assert_false(set);
	assert_int_equal(mail_store_box_password_set(db, 99, &set), ENOENT);
}

/* A mailbox mail was taken from is kept (its messages name it); one without goes with its
 * fetch keys. */
static void test_delete(void **state)
{
	static const char raw[] = "From: Medborgare <m@exempel.se>\r\n"
	                          "To: kontaktcenter@lotsen.example\r\n"
	                          "Subject: Hej\r\nMessage-ID: <net-1@exempel.se>\r\n\r\nHej!\r\n";
	struct mail_seen_key k = {7, 1};
	int64_t case_id = 0, row = 0;

	(void)state;
	assert_int_equal(mail_intake(db, 1, raw, sizeof(raw) - 1, NOW, &k, &case_id, &row), 0);
	assert_int_equal(mail_store_box_delete(db, 1), EBUSY);
	assert_int_equal(q1("SELECT count(*) FROM mailboxes WHERE id = ?", 1), 1);
	assert_int_equal(q1("SELECT count(*) FROM mail_seen WHERE mailbox_id = ?", 1), 1);
	assert_int_equal(mail_store_box_delete(db, 2), 0);
	assert_int_equal(q1("SELECT count(*) FROM mailboxes WHERE id = ?", 2), 0);
	assert_int_equal(mail_store_box_delete(db, 2), ENOENT);
	/* The same message and key again: stored before, nothing written. */
	assert_int_equal(mail_intake(db, 1, raw, sizeof(raw) - 1, NOW, &k, &case_id, &row), EEXIST);
	assert_int_equal(q1("SELECT count(*) FROM mail_messages WHERE mailbox_id = ?", 1), 1);
}

static void test_outbox_list(void **state)
{
	json_t *rows = NULL;
	int64_t total = -1;

	(void)state;
	assert_int_equal(
	        db_exec(db,
	                "INSERT INTO mail_outbox(kind, from_addr, to_addr, subject, raw, status,"
	                " attempts, next_attempt_at, last_error, created_at) VALUES"
	                " ('receipt', 'a@lotsen.example', 'b@exempel.se', 'Kvitto', x'41',"
	                "  'queued', 1, 1795428060, 'Connection refused', 1795428000),"
	                " ('answer', 'a@lotsen.example', 'c@exempel.se', 'Svar', x'41',"
	                "  'sent', 1, 1795428000, NULL, 1795428001);"),
	        0);
	assert_int_equal(mail_store_outbox_list(db, "queued", 10, 0, &rows, &total), 0);
	assert_int_equal(total, 1);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(rows, 0), "last_error")),
	        "Connection refused");
	assert_null(json_object_get(json_array_get(rows, 0), "raw"));
	json_decref(rows);
	assert_int_equal(mail_store_outbox_list(db, NULL, 1, 0, &rows, &total), 0);
	assert_int_equal(total, 2);
	assert_int_equal(json_array_size(rows), 1); /* the page */
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "kind")),
	                    "answer"); /* newest first */
	json_decref(rows);
}

static bool file_there(const char *files, const char *rel)
{
	char path[1300];

	snprintf(path, sizeof(path), "%s/%s", files, rel);
	return access(path, F_OK) == 0;
}

/* The fetcher's half (parse, files) and the loop's (rows) apart: the files are written
 * before the store; a message stored before leaves its new files to be removed, and a
 * batch freed with a message never stored removes that message's files. */
static void test_prepare_then_store(void **state)
{
	static const char raw[] =
	        "From: Medborgare <p@exempel.se>\r\nTo: kontaktcenter@lotsen.example\r\n"
	        "Subject: Bilaga\r\nMessage-ID: <prep-1@exempel.se>\r\nMIME-Version: 1.0\r\n"
	        "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
	        "--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSe bilagan.\r\n"
	        "--m\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
	        "Content-Disposition: attachment; filename=\"a.pdf\"\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--m--\r\n";
	struct mail_seen_key k = {9, 5};
	struct mail_prepared *p = NULL, *again = NULL;
	struct mail_batch *b;
	struct mail_cfg cfg;
	char raw_rel[96], att_rel[96];
	int64_t case_id = 0, row = 0;

	(void)state;
	mail_cfg_get(db, &cfg);
	assert_int_equal(mail_intake_prepare(&cfg, raw, sizeof(raw) - 1, NOW, &p), 0);
	assert_int_equal(p->m->n_atts, 1);
	assert_true(p->raw_rel[0] && file_there(cfg.files, p->raw_rel));
	assert_true(p->att_rel[0][0] && file_there(cfg.files, p->att_rel[0]));
	snprintf(raw_rel, sizeof(raw_rel), "%s", p->raw_rel);
	snprintf(att_rel, sizeof(att_rel), "%s", p->att_rel[0]);
	assert_int_equal(mail_intake_store(db, 1, p, NOW, &k, &case_id, &row, NULL), 0);
	mail_prepared_free(p, false);
	assert_true(file_there(cfg.files, raw_rel) && file_there(cfg.files, att_rel));
	assert_int_equal(q1("SELECT count(*) FROM mail_attachments WHERE message_row = ?", row), 1);

	/* fetched again (the move was lost): stored before, its new files go */
	assert_int_equal(mail_intake_prepare(&cfg, raw, sizeof(raw) - 1, NOW, &again), 0);
	snprintf(raw_rel, sizeof(raw_rel), "%s", again->raw_rel);
	assert_int_equal(mail_intake_store(db, 1, again, NOW, &k, &case_id, &row, NULL), EEXIST);
	mail_prepared_free(again, true);
	assert_false(file_there(cfg.files, raw_rel));
	assert_int_equal(
	        q1("SELECT count(*) FROM mail_messages WHERE message_id = 'prep-1@exempel.se'"
	           " AND ? > 0",
	           1),
	        1);

	/* handed over but never stored (the server stopped first) */
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->items = calloc(1, sizeof(*b->items));
	assert_non_null(b->items);
	b->n = 1;
	assert_int_equal(mail_intake_prepare(&cfg, raw, sizeof(raw) - 1, NOW, &b->items[0].prep),
	                 0);
	b->items[0].result = EINPROGRESS;
	snprintf(raw_rel, sizeof(raw_rel), "%s", b->items[0].prep->raw_rel);
	assert_true(file_there(cfg.files, raw_rel));
	mail_batch_free(b);
	assert_false(file_there(cfg.files, raw_rel));
}

static void test_settings(void **state)
{
	struct config c;
	char err[300];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.mail_poll_s, 60);
	assert_false(c.smtp_starttls);
	assert_int_equal(config_set(&c, "smtp-url", "smtp://127.0.0.1:2525", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "smtp-url", "smtps://mail.kommun.se", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "smtp-url", "http://x", err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "smtp://"));
	assert_int_equal(config_set(&c, "smtp-starttls", "yes", err, sizeof(err)), 0);
	assert_true(c.smtp_starttls);
	assert_int_equal(config_set(&c, "smtp-starttls", "kanske", err, sizeof(err)), EINVAL);
	assert_int_equal(config_set(&c, "smtp-password", "hemligt", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "mail-poll-seconds", "0", err, sizeof(err)), EINVAL);
	assert_int_equal(config_set(&c, "mail-poll-seconds", "30", err, sizeof(err)), 0);
	assert_int_equal(c.mail_poll_s, 30);
	assert_int_equal(config_set(&c, "mail-test-crash", "after-store", err, sizeof(err)), 0);
	assert_int_equal(config_set(&c, "mail-test-crash", "now", err, sizeof(err)), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_boxes_for_fetchers),
	        cmocka_unit_test(test_password_set),
	        cmocka_unit_test(test_delete),
	        cmocka_unit_test(test_outbox_list),
	        cmocka_unit_test(test_prepare_then_store),
	        cmocka_unit_test(test_settings),
	};

	mail_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

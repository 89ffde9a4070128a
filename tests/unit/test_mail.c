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
	assert_string_equal(
	        qt("SELECT ci.email FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
	           " WHERE c.id = ?",
	           t.case_id),
	        "anna.svensson@example.se");
	assert_string_equal(
	        qt("SELECT ci.name FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
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
		struct case_query q = {.text = "förskoleplatsen",
		                       .channel = "email",
		                       .limit = 100,
		                       .budget_ms = -1};
		json_t *items = NULL;
		int64_t total = 0;
		assert_int_equal(case_search(db, &admin, &q, NOW, &items, &total), 0);
		bool found = false;
		for (size_t i = 0; i < json_array_size(items); i++)
			found |= json_integer_value(json_object_get(json_array_get(items, i),
			                                            "id")) == t.case_id;
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

/* ======================================================================
 * Charsets, MIME structure, HTML, attachments
 * ====================================================================== */

static const char *body_of(int64_t row)
{
	return qt("SELECT body_text FROM mail_messages WHERE id = ?", row);
}

static void test_latin1_quoted_printable(void **state)
{
	struct taken t = take(box_kc, "latin1-qp.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_string_equal(qt("SELECT subject FROM mail_messages WHERE id = ?", t.row),
	                    "Parkeringstillstånd för rörelsehindrad");
	assert_string_equal(qt("SELECT from_name FROM mail_messages WHERE id = ?", t.row),
	                    "Göran Åberg");
	assert_non_null(strstr(body_of(t.row), "behöver förnya mitt parkeringstillstånd"));
	assert_non_null(strstr(body_of(t.row), "Mvh Göran Åberg"));
}

static void test_windows1252_base64(void **state)
{
	struct taken t = take(box_kc, "cp1252-base64.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_string_equal(qt("SELECT subject FROM mail_messages WHERE id = ?", t.row),
	                    "Snöröjning – klagomål");
	/* the en dash, curly quotes and euro sign are Windows-1252's own bytes */
	assert_non_null(
	        strstr(body_of(t.row), "snöröjningen – den är dålig. “Citat” och € kostar."));
}

static void test_alternative_prefers_plain(void **state)
{
	struct taken t = take(box_kc, "alternative.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_string_equal(body_of(t.row), "Hur lång tid tar ett bygglov för en altan?");
	assert_int_equal(q1("SELECT body_was_html FROM mail_messages WHERE id = ?", t.row), 0);
	assert_int_equal(q1("SELECT count(*) FROM mail_attachments WHERE message_row = ?", t.row),
	                 0);
}

static void test_html_only_is_text_without_script(void **state)
{
	struct taken t = take(box_kc, "html-script.eml");
	const char *b;

	(void)state;
	assert_int_equal(t.err, 0);
	assert_int_equal(q1("SELECT body_was_html FROM mail_messages WHERE id = ?", t.row), 1);
	b = body_of(t.row);
	assert_non_null(strstr(b, "Hej & tack för sist!"));
	assert_non_null(strstr(b, "- Gatan är mörk"));
	assert_non_null(strstr(b, "- Lampan är trasig"));
	assert_non_null(strstr(b, "Mvh Olle"));
	assert_null(strstr(b, "alert"));
	assert_null(strstr(b, "steal"));
	assert_null(strstr(b, "cookie"));
	assert_null(strstr(b, "color"));
	assert_null(strstr(b, "Titel"));
	assert_null(strstr(b, "<"));
	assert_null(strstr(b, "kommentar"));
}

static void test_attachments_and_inline_image(void **state)
{
	struct taken t = take(box_kc, "attachment-inline.eml");
	struct stmt *s;
	int n = 0;

	(void)state;
	assert_int_equal(t.err, 0);
	assert_true(t.info.parsed);
	assert_non_null(strstr(body_of(t.row), "Se bilden:"));
	assert_int_equal(db_prepare(db, &s,
	                            "SELECT filename, content_type, size, path, inline, content_id"
	                            " FROM mail_attachments WHERE message_row = ? ORDER BY id",
	                            false),
	                 0);
	stmt_bind_int(s, 1, t.row);
	while (stmt_step(s) == DB_ROW) {
		char path[512];
		struct stat st;
		const char *name = stmt_text(s, 0);

		/* stored under a generated name, never the sender's */
		assert_false(stmt_is_null(s, 3));
		assert_null(strstr(stmt_text(s, 3), name));
		snprintf(path, sizeof(path), "%s/lotsen.db.files/%s", dir, stmt_text(s, 3));
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, stmt_int(s, 2));
		if (n == 0) {
			assert_string_equal(stmt_text(s, 1), "image/png");
			assert_int_equal(stmt_int(s, 4), 1);
			assert_string_equal(stmt_text(s, 5), "bild1@example.se");
		} else if (n == 1) {
			/* "../../etc/ansökan\n.pdf": no path, no control characters */
			assert_string_equal(name, "ansökan.pdf");
			assert_string_equal(stmt_text(s, 1), "application/pdf");
			assert_int_equal(stmt_int(s, 4), 0);
		} else {
			/* a zip is a file like any other: kept, never unpacked */
			assert_string_equal(name, "bomb.zip");
			assert_string_equal(stmt_text(s, 1), "application/zip");
		}
		n++;
	}
	stmt_done(s);
	assert_int_equal(n, 3);
}

static void test_forwarded_message_quoted(void **state)
{
	struct taken t = take(box_kc, "forwarded.eml");
	const char *b;

	(void)state;
	assert_int_equal(t.err, 0);
	b = body_of(t.row);
	assert_non_null(strstr(b, "Jag vidarebefordrar fakturan"));
	assert_non_null(strstr(b, "Vidarebefordrat meddelande"));
	assert_non_null(strstr(b, "> Ämne: Faktura november"));
	assert_non_null(strstr(b, "> Att betala: 1 234 kronor."));
}

static void test_malformed_mime_kept(void **state)
{
	struct taken t = take(box_kc, "malformed-no-boundary.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_true(t.case_id > 0);
	assert_string_equal(qt("SELECT summary FROM cases WHERE id = ?", t.case_id), "Trasig MIME");
	/* no part could be read: shown as it came, marked as not parsed */
	assert_int_equal(q1("SELECT parsed FROM mail_messages WHERE id = ?", t.row), 0);
	assert_non_null(strstr(body_of(t.row), "Texten finns här ändå."));
	assert_string_not_equal(qt("SELECT raw_path FROM mail_messages WHERE id = ?", t.row),
	                        "(null)");
}

static void test_8bit_headers(void **state)
{
	struct taken t = take(box_kc, "8bit-headers.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_string_equal(qt("SELECT subject FROM mail_messages WHERE id = ?", t.row),
	                    "Snöröjning på gården");
	assert_string_equal(qt("SELECT from_name FROM mail_messages WHERE id = ?", t.row),
	                    "Åke Öberg");
	assert_non_null(strstr(body_of(t.row), "Ängsvägen"));
}

static void test_empty_from_still_a_case(void **state)
{
	struct taken t = take(box_kc, "empty-from.eml");

	(void)state;
	assert_int_equal(t.err, 0);
	assert_true(t.case_id > 0);
	assert_int_equal(q1("SELECT citizen_id FROM cases WHERE id = ?", t.case_id), 0);
	assert_string_equal(qt("SELECT from_addr FROM mail_messages WHERE id = ?", t.row),
	                    "(null)");
	assert_non_null(strstr(body_of(t.row), "utan avsändare"));
}

/* 2 000 parts: past the limit of 500 the message is kept raw, headers still read. */
static void test_too_many_parts_kept_raw(void **state)
{
	size_t cap = 2000 * 64 + 1024, n = 0;
	char *raw = malloc(cap);
	struct taken t;

	(void)state;
	assert_non_null(raw);
	n += (size_t)snprintf(raw + n, cap - n,
	                      "From: Many <many@example.se>\nSubject: Tvåtusen delar\n"
	                      "Message-ID: <parts-1@example.se>\nMIME-Version: 1.0\n"
	                      "Content-Type: multipart/mixed; boundary=\"p\"\n\n");
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(raw + n, cap - n, "--p\nContent-Type: text/plain\n\ndel %d\n",
		                      i);
	n += (size_t)snprintf(raw + n, cap - n, "--p--\n");
	t = take_raw(box_kc, raw, n, NOW, NULL);
	free(raw);
	assert_int_equal(t.err, 0);
	assert_false(t.info.parsed);
	assert_int_equal(q1("SELECT parsed FROM mail_messages WHERE id = ?", t.row), 0);
	assert_string_equal(qt("SELECT summary FROM cases WHERE id = ?", t.case_id),
	                    "Tvåtusen delar");
	assert_int_equal(q1("SELECT size FROM mail_messages WHERE id = ?", t.row), (int64_t)n);
	assert_true(q1("SELECT count(*) FROM case_history WHERE case_id = ? AND field = 'mail'",
	               t.case_id) >= 1);
}

/* A 30 MB attachment: with the default limits (25 MB a message) the message is kept raw;
 * with a larger message limit the attachment is named and sized but not stored. */
static void test_large_attachment(void **state)
{
	size_t bin = 30u * 1024 * 1024, cap = bin / 3 * 4 + bin / 54 + 4096, n = 0;
	char *raw = malloc(cap);
	unsigned char chunk[57];
	static const char b64[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct taken t;

	(void)state;
	assert_non_null(raw);
	n += (size_t)snprintf(raw + n, cap - n,
	                      "From: Stor <stor@example.se>\nSubject: Stor bilaga\n"
	                      "Message-ID: <big-%d@example.se>\nMIME-Version: 1.0\n"
	                      "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
	                      "Content-Type: text/plain; charset=utf-8\n\nSe bilagan.\n--b\n"
	                      "Content-Type: application/octet-stream\n"
	                      "Content-Disposition: attachment; filename=\"film.mov\"\n"
	                      "Content-Transfer-Encoding: base64\n\n",
	                      1);
	memset(chunk, 0x5a, sizeof(chunk));
	for (size_t done = 0; done < bin; done += sizeof(chunk)) {
		for (size_t i = 0; i < sizeof(chunk); i += 3) {
			unsigned v = (unsigned)chunk[i] << 16 | (unsigned)chunk[i + 1] << 8 |
			             chunk[i + 2];
			raw[n++] = b64[v >> 18 & 63];
			raw[n++] = b64[v >> 12 & 63];
			raw[n++] = b64[v >> 6 & 63];
			raw[n++] = b64[v & 63];
		}
		raw[n++] = '\n';
	}
	n += (size_t)snprintf(raw + n, cap - n, "--b--\n");
	assert_true(n < cap);

	t = take_raw(box_kc, raw, n, NOW, NULL);
	assert_int_equal(t.err, 0);
	assert_false(t.info.parsed);
	assert_string_equal(qt("SELECT summary FROM cases WHERE id = ?", t.case_id), "Stor bilaga");

	/* the same with room for the message: the attachment is recorded, not stored */
	memcpy(strstr(raw, "<big-1@"), "<big-2@", 7);
	assert_int_equal(mail_setup(db, &(struct mail_config){.max_bytes = 64u * 1024 * 1024}), 0);
	t = take_raw(box_kc, raw, n, NOW, NULL);
	assert_int_equal(mail_setup(db, NULL), 0);
	free(raw);
	assert_int_equal(t.err, 0);
	assert_true(t.info.parsed);
	assert_non_null(strstr(body_of(t.row), "Se bilagan."));
	assert_int_equal(q1("SELECT size FROM mail_attachments WHERE message_row = ?", t.row),
	                 (int64_t)((bin + 56) / 57 * 57));
	assert_int_equal(
	        q1("SELECT path IS NULL FROM mail_attachments WHERE message_row = ?", t.row), 1);
	assert_string_equal(
	        qt("SELECT filename FROM mail_attachments WHERE message_row = ?", t.row),
	        "film.mov");
}

/* ======================================================================
 * Threading
 * ====================================================================== */

static char *with(const char *file, const char *a, const char *b, int64_t case_id, size_t *n)
{
	size_t len;
	char *raw = slurp(file, &len), *out = malloc(len + 256), *o = out;
	char num[24];

	assert_non_null(out);
	snprintf(num, sizeof(num), "%lld", (long long)case_id);
	for (const char *p = raw; *p;) {
		if (strncmp(p, "CASE", 4) == 0) {
			o += snprintf(o, 24, "%s", num);
			p += 4;
		} else if (a && strncmp(p, "MSGID", 5) == 0) {
			o += snprintf(o, 200, "%s", a);
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	(void)b;
	free(raw);
	*n = (size_t)(o - out);
	return out;
}

static void test_reply_threads_by_subject_token(void **state)
{
	int64_t c =
	        q1("SELECT case_id FROM mail_messages WHERE message_id = 'plain-1@example.se'", 0);
	size_t n;
	char *raw = with("reply-subject-token.eml", NULL, NULL, c, &n);
	struct taken t = take_raw(box_kc, raw, n, NOW, NULL);

	(void)state;
	free(raw);
	assert_int_equal(t.err, 0);
	assert_true(t.info.threaded);
	assert_int_equal(t.case_id, c);
}

/* A mail that points at a confidential case its sender has nothing to do with opens a
 * case of its own, marked for a human; the confidential case gets nothing. */
static void test_forged_reference_not_attached(void **state)
{
	int64_t victim, before;
	size_t n;
	char *raw;
	struct taken t;

	(void)state;
	t = take(box_kc, "latin1-qp.eml"); /* Göran's case from above */
	assert_int_equal(t.err, EEXIST);
	victim = t.case_id;
	assert_int_equal(db_exec(db, "UPDATE cases SET confidential = 1 WHERE id IN"
	                             " (SELECT case_id FROM mail_messages"
	                             "  WHERE message_id = 'latin1-1@example.se')"),
	                 0);
	before = q1("SELECT count(*) FROM mail_messages WHERE case_id = ?", victim);
	raw = with("forged-reply.eml", "latin1-1@example.se", NULL, victim, &n);
	t = take_raw(box_kc, raw, n, NOW, NULL);
	free(raw);
	assert_int_equal(t.err, 0);
	assert_false(t.info.threaded);
	assert_true(t.info.needs_review);
	assert_true(t.case_id != victim);
	assert_int_equal(q1("SELECT count(*) FROM mail_messages WHERE case_id = ?", victim),
	                 before);
	assert_int_equal(q1("SELECT needs_review FROM mail_messages WHERE id = ?", t.row), 1);
	assert_int_equal(q1("SELECT claimed_case_id FROM mail_messages WHERE id = ?", t.row),
	                 victim);
	assert_int_equal(q1("SELECT count(*) FROM case_history WHERE case_id = ? AND"
	                    " field = 'mail_review'",
	                    t.case_id),
	                 1);
}

/* ======================================================================
 * Exactly once
 * ====================================================================== */

static void test_seen_key_exactly_once(void **state)
{
	struct mail_seen_key k = {.uidvalidity = 1700000000, .uid = 42};
	size_t n;
	char *raw = slurp("receipt-wanted.eml", &n);
	struct taken a, b;
	int64_t cases = q1("SELECT count(*) FROM cases", 0);

	(void)state;
	memcpy(strstr(raw, "<rcpt-1@"), "<seen-1@", 8);
	a = take_raw(box_kc, raw, n, NOW, &k);
	assert_int_equal(a.err, 0);
	b = take_raw(box_kc, raw, n, NOW, &k);
	free(raw);
	assert_int_equal(b.err, EEXIST);
	assert_int_equal(b.case_id, a.case_id);
	assert_int_equal(b.row, a.row);
	assert_int_equal(q1("SELECT count(*) FROM cases", 0), cases + 1);
	/* unknown mailbox: nothing written */
	b = take_raw(999, "x", 1, NOW, NULL);
	assert_int_equal(b.err, ENOENT);
	assert_int_equal(q1("SELECT count(*) FROM cases", 0), cases + 1);
}

/* ======================================================================
 * Receipts and loops
 * ====================================================================== */

static void test_receipt_and_loop_rules(void **state)
{
	struct taken t;
	int64_t before = q1("SELECT count(*) FROM mail_outbox WHERE kind = 'receipt'", 0);
	const char *raw;

	(void)state;
	t = take(box_fsk, "receipt-wanted.eml");
	assert_int_equal(t.err, 0);
	assert_true(t.info.receipt);
	assert_string_equal(qt("SELECT g.name FROM cases c JOIN groups g ON g.id = c.group_id"
	                       " WHERE c.id = ?",
	                       t.case_id),
	                    "Förskola");
	raw = qt("SELECT raw FROM mail_outbox WHERE kind = 'receipt' ORDER BY id DESC LIMIT 1", 0);
	assert_non_null(strstr(raw, "Auto-Submitted: auto-replied"));
	assert_non_null(strstr(raw, "In-Reply-To: <rcpt-1@example.se>"));
	assert_non_null(strstr(raw, "To: eva@example.se"));
	/* never to bulk mail or another auto-reply */
	t = take(box_fsk, "bulk.eml");
	assert_int_equal(t.err, 0);
	assert_false(t.info.receipt);
	t = take(box_fsk, "autoreply.eml");
	assert_int_equal(t.err, 0);
	assert_false(t.info.receipt);
	assert_int_equal(q1("SELECT count(*) FROM mail_outbox WHERE kind = 'receipt'", 0),
	                 before + 1);
	/* at most three a day to one address */
	for (int i = 2; i <= 5; i++) {
		size_t n;
		char *r = slurp("receipt-wanted.eml", &n), id[16];
		snprintf(id, sizeof(id), "<rcpt-%d@", i);
		memcpy(strstr(r, "<rcpt-1@"), id, 8);
		t = take_raw(box_fsk, r, n, NOW, NULL);
		free(r);
		assert_int_equal(t.err, 0);
		assert_int_equal(t.info.receipt, i <= 3);
	}
	assert_int_equal(q1("SELECT count(*) FROM mail_outbox WHERE kind = 'receipt'", 0),
	                 before + 3);
}

static void test_may_autoreply(void **state)
{
	(void)state;
	assert_true(mail_may_autoreply(&(struct mail_head){.from_addr = "eva@example.se"}));
	assert_true(mail_may_autoreply(
	        &(struct mail_head){.from_addr = "eva@example.se", .auto_submitted = "No"}));
	assert_false(mail_may_autoreply(&(struct mail_head){.from_addr = NULL}));
	assert_false(mail_may_autoreply(&(struct mail_head){.from_addr = "eva@example.se",
	                                                    .auto_submitted = "auto-generated"}));
	assert_false(mail_may_autoreply(
	        &(struct mail_head){.from_addr = "eva@example.se", .precedence = "list"}));
	assert_false(mail_may_autoreply(
	        &(struct mail_head){.from_addr = "eva@example.se", .precedence = "JUNK"}));
	assert_false(mail_may_autoreply(
	        &(struct mail_head){.from_addr = "eva@example.se", .list_id = "<x.example>"}));
	assert_false(
	        mail_may_autoreply(&(struct mail_head){.from_addr = "mailer-daemon@example.se"}));
	assert_false(mail_may_autoreply(&(struct mail_head){.from_addr = "postmaster@example.se"}));
	assert_false(mail_may_autoreply(&(struct mail_head){.from_addr = "no-reply@example.se"}));
	assert_false(
	        mail_may_autoreply(&(struct mail_head){.from_addr = "noreply-news@example.se"}));
	assert_false(mail_may_autoreply(&(struct mail_head){.from_addr = "kc@lotsen.example",
	                                                    .own_domain = "lotsen.example"}));
	assert_false(mail_may_autoreply(&(struct mail_head){
	        .from_addr = "x@example.se", .message_id = "lotsen.1.2.abc@lotsen.example"}));
}

/* ======================================================================
 * Answers and the outbox
 * ====================================================================== */

static void test_answer_composed(void **state)
{
	int64_t c =
	        q1("SELECT case_id FROM mail_messages WHERE message_id = 'plain-1@example.se'", 0);
	int64_t ob = 0, row;
	const char *raw;
	char want[128];
	struct mail_out out;

	(void)state;
	assert_int_equal(mail_compose_answer(db, c, 7,
	                                     "Hej Anna!\n\nBesked kommer i mars. Välkommen!",
	                                     NOW + 60, &ob),
	                 0);
	assert_true(ob > 0);
	raw = qt("SELECT raw FROM mail_outbox WHERE id = ?", ob);
	/* threaded to the latest incoming mail, which was the subject-token reply */
	assert_non_null(strstr(raw, "In-Reply-To: <token-1@example.se>"));
	assert_non_null(strstr(raw, "Auto-Submitted: no"));
	assert_non_null(strstr(raw, "To: anna.svensson@example.se"));
	assert_non_null(strstr(raw, "Content-Transfer-Encoding: quoted-printable"));
	assert_non_null(strstr(raw, "charset=utf-8"));
	assert_non_null(strstr(raw, "\r\n"));
	snprintf(want, sizeof(want), "Message-Id: <lotsen.%lld.", (long long)c);
	assert_non_null(strstr(raw, want));
	snprintf(want, sizeof(want), "[Lotsen #%lld]", (long long)c);
	assert_non_null(strstr(qt("SELECT subject FROM mail_outbox WHERE id = ?", ob), want));
	assert_string_equal(qt("SELECT status FROM mail_outbox WHERE id = ?", ob), "queued");
	/* kept on the case, with the signature */
	row = q1("SELECT id FROM mail_messages WHERE outbox_id = ?", ob);
	assert_true(row > 0);
	assert_string_equal(qt("SELECT direction FROM mail_messages WHERE id = ?", row), "out");
	assert_non_null(strstr(body_of(row), "Besked kommer i mars."));
	assert_non_null(strstr(body_of(row), "-- \nKontaktcenter\nLotsens kommun"));
	/* the citizen's reply to the answer threads into the case */
	{
		char reply[1024];
		int len = snprintf(
		        reply, sizeof(reply),
		        "From: anna.svensson@example.se\nSubject: Re: svar\n"
		        "Message-ID: <after-answer@example.se>\nIn-Reply-To: <%s>\n\nTack!\n",
		        qt("SELECT message_id FROM mail_outbox WHERE id = ?", ob));
		struct taken t = take_raw(box_kc, reply, (size_t)len, NOW + 120, NULL);
		assert_int_equal(t.err, 0);
		assert_true(t.info.threaded);
		assert_int_equal(t.case_id, c);
	}

	/* the queue: sending, a failure with backoff, then sent */
	assert_int_equal(
	        db_exec(db, "UPDATE mail_outbox SET status = 'sent' WHERE kind = 'receipt'"), 0);
	assert_int_equal(mail_outbox_next(db, NOW + 60, &out), 0);
	assert_int_equal(out.id, ob);
	assert_string_equal(out.to_addr, "anna.svensson@example.se");
	assert_string_equal(out.from_addr, "kontaktcenter@lotsen.example");
	assert_true(out.raw_len > 100);
	mail_out_reset(&out);
	assert_int_equal(mail_outbox_next(db, NOW + 60, &out), ENOENT);
	assert_int_equal(mail_outbox_done(db, ob, ECONNREFUSED, "connection refused", NOW + 60), 0);
	assert_string_equal(qt("SELECT status FROM mail_outbox WHERE id = ?", ob), "queued");
	assert_int_equal(mail_outbox_next(db, NOW + 100, &out), ENOENT);
	assert_int_equal(mail_outbox_next(db, NOW + 120, &out), 0);
	mail_out_reset(&out);
	assert_int_equal(mail_outbox_done(db, ob, 0, NULL, NOW + 130), 0);
	assert_string_equal(qt("SELECT status FROM mail_outbox WHERE id = ?", ob), "sent");
	assert_int_equal(q1("SELECT attempts FROM mail_outbox WHERE id = ?", ob), 2);
}

static void test_answer_refused(void **state)
{
	int64_t ob = 0, phone_case;

	(void)state;
	phone_case = q1("SELECT id FROM cases WHERE channel = 'phone' ORDER BY id LIMIT 1", 0);
	assert_int_equal(mail_compose_answer(db, 99999999, 7, "Hej", NOW, &ob), ENOENT);
	assert_int_equal(mail_compose_answer(db, phone_case, 7, "Hej", NOW, &ob), ENOMSG);
	assert_int_equal(mail_compose_answer(db, phone_case, 7, "  \n", NOW, &ob), EINVAL);
	/* a case whose only mail had no sender: nobody to answer */
	assert_int_equal(mail_compose_answer(db,
	                                     q1("SELECT case_id FROM mail_messages"
	                                        " WHERE message_id = 'nofrom-1@example.se'",
	                                        0),
	                                     7, "Hej", NOW, &ob),
	                 EDESTADDRREQ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plain_utf8_opens_case),
	        cmocka_unit_test(test_reply_threads_by_in_reply_to),
	        cmocka_unit_test(test_latin1_quoted_printable),
	        cmocka_unit_test(test_windows1252_base64),
	        cmocka_unit_test(test_alternative_prefers_plain),
	        cmocka_unit_test(test_html_only_is_text_without_script),
	        cmocka_unit_test(test_attachments_and_inline_image),
	        cmocka_unit_test(test_forwarded_message_quoted),
	        cmocka_unit_test(test_malformed_mime_kept),
	        cmocka_unit_test(test_8bit_headers),
	        cmocka_unit_test(test_empty_from_still_a_case),
	        cmocka_unit_test(test_too_many_parts_kept_raw),
	        cmocka_unit_test(test_large_attachment),
	        cmocka_unit_test(test_reply_threads_by_subject_token),
	        cmocka_unit_test(test_forged_reference_not_attached),
	        cmocka_unit_test(test_seen_key_exactly_once),
	        cmocka_unit_test(test_receipt_and_loop_rules),
	        cmocka_unit_test(test_may_autoreply),
	        cmocka_unit_test(test_answer_composed),
	        cmocka_unit_test(test_answer_refused),
	};

	mail_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

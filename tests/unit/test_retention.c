/* Retention (gallring) and the citizen's export on a real database file and a real files
 * directory: what goes, what a legal hold or a longer period keeps, and reports unchanged. */
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

#include "acdhost/acd_store.h"
#include "core/attachments.h"
#include "core/auth.h"
#include "core/cases.h"
#include "core/demo.h"
#include "core/retention.h"
#include "mail/mail.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "tel/tel_store.h"

#define NOW   1780000000           /* 2026-05-28: the demo's cases are from around then */
#define LATER (NOW + 3 * 31557600) /* three years on: every demo case is past 24 months */

static struct db *db;
static char dir[64], path[128], files[128];
static struct principal admin = {.role = ROLE_ADMIN};

static int64_t q1(const char *sql, int64_t a)
{
	return db_scalar_intv(db, sql, &a, 1);
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
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lotsen-retention-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/l.db", dir);
	snprintf(files, sizeof(files), "%s/l.db.files", dir);
	cases_set_observer(report_rollup_case);
	if (db_open(&db, path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(db) || acd_store_migrate(db) || tel_store_migrate(db) ||
	    report_store_migrate(db) || mail_migrate(db) || demo_load_if_empty(db, NOW, NULL))
		return -1;
	admin.id = q1("SELECT MIN(id) FROM users WHERE role = 'admin' AND id > ?", 0);
	return admin.id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	db_close(db);
	cases_set_observer(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *period_json(void)
{
	json_t *o = NULL;
	char *s;

	assert_int_equal(report_period(db, &admin, "2025-11-01..2026-06-30", 0, &o), 0);
	s = json_dumps(o, JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* Three closed cases with citizens in three categories: one past its period, one held,
 * one whose category keeps cases for 60 months. */
static void test_retention_run(void **state)
{
	struct retention_opts o = {.default_months = 24, .files_dir = files, .batch = 7};
	struct retention_stats st = {0}, dry = {0};
	int64_t gone, held, kept, gone_cat, held_cat, hold, citizen;
	char before_held[512], before_kept[512], txt[512], file[800];
	char *rep_before, *rep_after;
	json_t *att = NULL;
	struct verrors v;
	struct stat sb;

	(void)state;
	gone = q1("SELECT MIN(id) FROM cases WHERE status = 'closed' AND citizen_id IS NOT NULL"
	          " AND id > ?",
	          0);
	gone_cat = q1("SELECT category_id FROM cases WHERE id = ?", gone);
	held = q1("SELECT MIN(id) FROM cases WHERE status = 'closed' AND citizen_id IS NOT NULL"
	          " AND category_id <> ?",
	          gone_cat);
	held_cat = q1("SELECT category_id FROM cases WHERE id = ?", held);
	kept = db_scalar_int(db,
	                     "SELECT MIN(id) FROM cases WHERE status = 'closed' AND citizen_id IS"
	                     " NOT NULL AND category_id NOT IN (?, ?)",
	                     gone_cat, held_cat);
	assert_true(gone > 0 && held > 0 && kept > 0);
	{
		struct stmt *u;
		assert_int_equal(db_prepare(db, &u,
		                            "UPDATE categories SET retention_months = 60 WHERE id ="
		                            " (SELECT category_id FROM cases WHERE id = ?)",
		                            false),
		                 0);
		stmt_bind_int(u, 1, kept);
		assert_int_equal(stmt_step(u), DB_DONE);
		stmt_done(u);
	}
	assert_int_equal(q1("SELECT retention_months FROM categories WHERE id ="
	                    " (SELECT category_id FROM cases WHERE id = ?)",
	                    kept),
	                 60);
	/* A held case whose category shares the period of the anonymized one. */
	assert_int_equal(
	        retention_hold_set(db, &admin, held, 0, "tvist i förvaltningsrätten", NOW, &hold),
	        0);
	assert_int_equal(retention_hold_set(db, &admin, held, 0, "", NOW, &hold), EBADMSG);
	assert_int_equal(retention_hold_set(db, &admin, 99999999, 0, "x", NOW, &hold), ENOENT);
	assert_int_equal(retention_hold_set(db, &(struct principal){.id = 2, .role = ROLE_AGENT},
	                                    held, 0, "x", NOW, &hold),
	                 EPERM);
	assert_int_equal(attachment_add(db, &admin, files, gone, "brev.txt", "text/plain",
	                                "Hej, jag bor på Storgatan 1.", 29, NOW, &att, &v),
	                 0);
	snprintf(file, sizeof(file), "%s/cases/%lld/%s", files, (long long)gone,
	         json_string_value(json_object_get(att, "stored_name"))
	                 ? json_string_value(json_object_get(att, "stored_name"))
	                 : "");
	json_decref(att);
	text1("SELECT stored_name FROM attachments WHERE case_id = ?", gone, txt, sizeof(txt));
	snprintf(file, sizeof(file), "%s/cases/%lld/%s", files, (long long)gone, txt);
	assert_int_equal(stat(file, &sb), 0);
	citizen = q1("SELECT citizen_id FROM cases WHERE id = ?", gone);
	text1("SELECT summary FROM cases WHERE id = ?", held, before_held, sizeof(before_held));
	text1("SELECT summary FROM cases WHERE id = ?", kept, before_kept, sizeof(before_kept));
	rep_before = period_json();

	/* A dry run counts and changes nothing. */
	o.dry_run = true;
	assert_int_equal(retention_run(db, &o, LATER, &dry), 0);
	assert_true(dry.cases > 0);
	assert_int_equal(
	        q1("SELECT COUNT(*) FROM cases WHERE anonymized_at IS NOT NULL AND id > ?", 0), 0);
	assert_int_equal(stat(file, &sb), 0);

	o.dry_run = false;
	assert_int_equal(retention_run(db, &o, LATER, &st), 0);
	assert_int_equal(st.cases, dry.cases);
	assert_true(st.held >= 1);
	/* Past its period: no summary, no citizen, no file; the audit log says what went. */
	text1("SELECT summary FROM cases WHERE id = ?", gone, txt, sizeof(txt));
	assert_string_equal(txt, "");
	assert_int_equal(q1("SELECT anonymized_at FROM cases WHERE id = ?", gone), LATER);
	assert_int_equal(q1("SELECT citizen_id IS NULL FROM cases WHERE id = ?", gone), 1);
	assert_int_equal(q1("SELECT COUNT(*) FROM attachments WHERE case_id = ?", gone), 0);
	assert_int_not_equal(stat(file, &sb), 0);
	assert_int_equal(q1("SELECT COUNT(*) FROM audit_log WHERE action = 'retention' AND"
	                    " entity = 'case' AND entity_id = ?",
	                    gone),
	                 1);
	text1("SELECT detail FROM audit_log WHERE action = 'retention' AND entity_id = ?", gone,
	      txt, sizeof(txt));
	assert_non_null(strstr(txt, "attachments 1"));
	assert_null(strstr(txt, "Storgatan"));
	/* The citizen is gone once no case is left (unless another case kept them). */
	if (q1("SELECT COUNT(*) FROM cases WHERE citizen_id = ?", citizen) == 0)
		assert_int_equal(q1("SELECT COUNT(*) FROM citizens WHERE id = ?", citizen), 0);
	assert_true(st.citizens > 0);
	assert_int_equal(q1("SELECT COUNT(*) FROM citizens c WHERE NOT EXISTS (SELECT 1 FROM"
	                    " cases WHERE citizen_id = c.id) AND c.id > ?",
	                    0),
	                 0);
	/* Held and within the period: untouched. */
	text1("SELECT summary FROM cases WHERE id = ?", held, txt, sizeof(txt));
	assert_string_equal(txt, before_held);
	assert_int_equal(q1("SELECT citizen_id IS NOT NULL FROM cases WHERE id = ?", held), 1);
	text1("SELECT summary FROM cases WHERE id = ?", kept, txt, sizeof(txt));
	assert_string_equal(txt, before_kept);
	assert_int_equal(q1("SELECT anonymized_at IS NULL FROM cases WHERE id = ?", kept), 1);
	/* Every figure of the report as before. */
	rep_after = period_json();
	assert_string_equal(rep_before, rep_after);
	free(rep_before);
	free(rep_after);

	/* Released, the hold no longer keeps the case. */
	assert_int_equal(retention_hold_release(db, &admin, hold, LATER), 0);
	assert_int_equal(retention_hold_release(db, &admin, hold, LATER), ENOENT);
	memset(&st, 0, sizeof(st));
	assert_int_equal(retention_run(db, &o, LATER, &st), 0);
	assert_int_equal(q1("SELECT anonymized_at IS NOT NULL FROM cases WHERE id = ?", held), 1);
	/* A second run finds nothing more to do. */
	memset(&st, 0, sizeof(st));
	assert_int_equal(retention_run(db, &o, LATER, &st), 0);
	assert_int_equal(st.cases, 0);
}

static void test_retention_cutoff(void **state)
{
	(void)state;
	/* 2026-05-28 minus 24 months: Stockholm midnight of 2024-05-28 (UTC+2). */
	assert_int_equal(retention_cutoff(NOW, 24), 1716847200);
	/* 2026-03-31 minus one month: the last of February. */
	assert_int_equal(retention_cutoff(1774908000 + 3600, 1), 1772233200);
}

static void test_citizen_export(void **state)
{
	struct principal agent = {.role = ROLE_AGENT};
	int64_t citizen = q1("SELECT citizen_id FROM cases WHERE citizen_id IS NOT NULL"
	                     " GROUP BY citizen_id ORDER BY COUNT(*) DESC, citizen_id LIMIT ?",
	                     1);
	json_t *doc = NULL, *c;
	size_t i;

	(void)state;
	agent.id = q1("SELECT MIN(id) FROM users WHERE role = 'agent' AND id > ?", 0);
	assert_true(citizen > 0);
	assert_int_equal(citizen_export(db, &admin, citizen, NOW, &doc), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "citizen"), "id")),
	                 citizen);
	assert_int_equal((int64_t)json_array_size(json_object_get(doc, "cases")),
	                 q1("SELECT COUNT(*) FROM cases WHERE citizen_id = ?", citizen));
	json_array_foreach(json_object_get(doc, "cases"), i, c)
	{
		assert_true(json_is_array(json_object_get(c, "history")));
		assert_true(json_is_array(json_object_get(c, "handovers")));
		assert_true(json_is_array(json_object_get(c, "emails")));
		assert_true(json_is_array(json_object_get(c, "attachments")));
		assert_true(json_is_array(json_object_get(c, "calls")));
	}
	assert_int_equal(citizen_export_audit(db, &admin, citizen, NOW, "test"), 0);
	json_decref(doc);
	doc = NULL;
	assert_int_equal(citizen_export(db, &admin, citizen, NOW, &doc), 0);
	/* The export just made is listed among the audit entries about the person. */
	assert_true(json_array_size(json_object_get(doc, "audit")) >= 1);
	{
		char *pdf = NULL;
		size_t n = 0;
		assert_int_equal(report_citizen_pdf(doc, "Demo kommun", &pdf, &n), 0);
		assert_true(n > 1000 && memcmp(pdf, "%PDF", 4) == 0);
		free(pdf);
		report_pdf_shutdown(); /* fontconfig's caches, as main.c frees them at exit */
	}
	json_decref(doc);
	doc = NULL;
	assert_int_equal(citizen_export(db, &agent, citizen, NOW, &doc), EPERM);
	assert_null(doc);
	assert_int_equal(citizen_export(db, &admin, 99999999, NOW, &doc), ENOENT);
	assert_null(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_retention_cutoff),
	        cmocka_unit_test_setup_teardown(test_citizen_export, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_retention_run, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Knowledge-base articles: versions and diff, permissions, Markdown safety, import/export. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/calendar.h"
#include "kb/kb.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 */

static const char fixture[] =
        "INSERT INTO units(id, name) VALUES (1, 'Barn och ungdom');"
        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Förskola', 1), (2, 'Skola', 1);"
        "INSERT INTO clients(id, name) VALUES (1, 'Utbildningsförvaltningen'), (2, "
        "'Trafikkontoret');"
        "INSERT INTO users(id, username, display_name, role, client_id) VALUES"
        " (1, 'lead', 'Omar Haddad', 'group_lead', NULL), (2, 'agent', 'Lars Svensson', 'agent', "
        "NULL),"
        " (3, 'utb', 'Utbildning (kontakt)', 'client_viewer', 1),"
        " (4, 'trafik', 'Trafik (kontakt)', 'client_viewer', 2), (5, 'chef', 'Karin Berg', "
        "'manager', NULL);"
        "INSERT INTO user_groups(user_id, group_id) VALUES (2, 1);"
        "INSERT INTO categories(id, name, kind, group_id) VALUES (1, 'Förskoleplats', 'question', "
        "1);"
        "INSERT INTO cases(id, channel, group_id, client_id, category_id, outcome, summary, "
        "received_at,"
        " created_at, updated_at) VALUES (1, 'phone', 1, 1, 1, 'resolved', 'Fråga om kön', 1, 1, "
        "1);";

static const struct principal lead = {.id = 1, .role = ROLE_GROUP_LEAD};
static const struct principal agent = {.id = 2, .role = ROLE_AGENT};
static const struct principal utb = {.id = 3, .role = ROLE_CLIENT_VIEWER, .client_id = 1};
static const struct principal trafik = {.id = 4, .role = ROLE_CLIENT_VIEWER, .client_id = 2};

static struct db *fresh_db(void)
{
	struct db *db;

	assert_int_equal(db_open(&db, ":memory:", NULL), 0);
	assert_int_equal(schema_migrate(db), 0);
	assert_int_equal(kb_migrate(db), 0);
	assert_int_equal(db_exec(db, fixture), 0);
	return db;
}

static int setup(void **state)
{
	*state = fresh_db();
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static int create(struct db *db, const struct principal *p, const char *json, int64_t *id)
{
	struct verrors v;
	json_t *in = json_loads(json, 0, NULL);
	int err;

	assert_non_null(in);
	valid_init(&v, true);
	err = kb_article_create(db, p, in, NOW, id, &v);
	valid_free(&v);
	json_decref(in);
	return err;
}

static int update(struct db *db, const struct principal *p, int64_t id, const char *json)
{
	struct verrors v;
	json_t *in = json_loads(json, 0, NULL);
	int err;

	assert_non_null(in);
	valid_init(&v, true);
	err = kb_article_update(db, p, id, in, NOW + 60, &v);
	valid_free(&v);
	json_decref(in);
	return err;
}

/* ---- versions and diff ---- */

static void test_diff_is_unified(void **state)
{
	char *d = NULL;

	assert_int_equal(kb_diff_text("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\n",
	                              "v1", "v2", &d),
	                 0);
	assert_string_equal(d, "--- v1\n+++ v2\n"
	                       "@@ -1,8 +1,9 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n+i\n");
	free(d);
	/* Far-apart changes make separate hunks with three lines of context. */
	assert_int_equal(kb_diff_text("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
	                              "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n", "a", "b", &d),
	                 0);
	assert_string_equal(d, "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n 4\n"
	                       "@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+Y\n");
	free(d);
	assert_int_equal(kb_diff_text("same\n", "same\n", "a", "b", &d), 0);
	assert_string_equal(d, "--- a\n+++ b\n");
	free(d);
}

static void test_every_edit_is_a_version(void **state)
{
	struct db *db = *state;
	int64_t id;
	json_t *versions, *art;
	char *d;

	assert_int_equal(create(db, &lead,
	                        "{\"title\":\"Kö till förskola\",\"kind\":\"qa\",\"groups\":[1],"
	                        "\"body\":\"Ställ barnet i kö.\\n\\nGarantitid fyra månader.\","
	                        "\"note\":\"Första versionen\"}",
	                        &id),
	                 0);
	assert_int_equal(update(db, &lead, id,
	                        "{\"body\":\"Ställ barnet i kö.\\n\\nGarantitid fyra månader från "
	                        "ansökan.\","
	                        "\"review_date\":\"2027-01-31\",\"status\":\"published\"}"),
	                 0);
	/* Nothing changed: no new version. */
	assert_int_equal(update(db, &lead, id, "{\"title\":\"Kö till förskola\"}"), 0);
	assert_int_equal(kb_versions_list(db, &lead, id, &versions), 0);
	assert_int_equal(json_array_size(versions), 2);
	assert_int_equal(
	        json_integer_value(json_object_get(json_array_get(versions, 0), "version")), 2);
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(versions, 0), "author")),
	        "Omar Haddad");
	{
		char want[21];
		calendar_format_iso8601(NOW + 60, want);
		assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 0),
		                                                      "created_at")),
		                    want);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(versions, 1), "note")),
	                    "Första versionen");
	json_decref(versions);
	assert_int_equal(kb_article_get(db, &agent, id, NOW, &art), 0);
	assert_int_equal(json_integer_value(json_object_get(art, "version")), 2);
	json_decref(art);

	assert_int_equal(kb_versions_diff(db, &lead, id, 1, 2, &d), 0);
	assert_non_null(strstr(d, "--- version 1\n+++ version 2\n"));
	assert_non_null(strstr(d, "-status: draft\n+status: published\n"));
	assert_non_null(strstr(d, "+review: 2027-01-31\n"));
	assert_non_null(
	        strstr(d, "-Garantitid fyra månader.\n+Garantitid fyra månader från ansökan.\n"));
	assert_non_null(strstr(d, " Ställ barnet i kö.\n"));
	free(d);
	assert_int_equal(kb_versions_diff(db, &lead, id, 1, 9, &d), ENOENT);
}

/* ---- permissions ---- */

static void test_edit_rule(void **state)
{
	const int64_t own[] = {1}, other[] = {2}, both[] = {1, 2};

	assert_true(kb_can_edit(&lead, both, 2));
	assert_true(kb_can_edit(&lead, NULL, 0));
	assert_false(kb_can_edit(&agent, own, 1));
	assert_true(kb_can_edit(&utb, own, 1));
	assert_false(kb_can_edit(&utb, other, 1));
	assert_false(kb_can_edit(&utb, both, 2));
	assert_false(kb_can_edit(&utb, NULL, 0)); /* unscoped articles belong to the center */
}

static void test_department_contact_edits_only_its_department(void **state)
{
	struct db *db = *state;
	int64_t mine, theirs, id;
	json_t *art;

	/* Created by the contact: its department is filled in. */
	assert_int_equal(create(db, &utb,
	                        "{\"title\":\"Skolskjuts\",\"kind\":\"qa\",\"body\":\"x\"}", &mine),
	                 0);
	assert_int_equal(kb_article_get(db, &utb, mine, NOW, &art), 0);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(art, "clients"), 0)), 1);
	assert_int_equal(json_integer_value(json_object_get(art, "owner_id")), 3);
	json_decref(art);
	assert_int_equal(update(db, &utb, mine, "{\"body\":\"Skolskjuts från 2 km.\"}"), 0);
	/* It may not widen the scope to another department, nor create for one. */
	assert_int_equal(update(db, &utb, mine, "{\"clients\":[1,2]}"), EPERM);
	assert_int_equal(create(db, &utb,
	                        "{\"title\":\"P\",\"kind\":\"qa\",\"body\":\"x\",\"clients\":[2]}",
	                        &id),
	                 EPERM);
	/* Another department's article: neither to edit nor to read. */
	assert_int_equal(create(db, &trafik,
	                        "{\"title\":\"Boendeparkering\",\"kind\":\"qa\",\"body\":\"y\","
	                        "\"status\":\"published\"}",
	                        &theirs),
	                 0);
	assert_int_equal(update(db, &utb, theirs, "{\"body\":\"z\"}"), ENOENT);
	assert_int_equal(kb_article_get(db, &utb, theirs, NOW, &art), ENOENT);
	/* A center-wide article is no department's either. */
	assert_int_equal(create(db, &lead,
	                        "{\"title\":\"Öppettider\",\"kind\":\"qa\",\"body\":\"8-17\","
	                        "\"status\":\"published\"}",
	                        &id),
	                 0);
	assert_int_equal(update(db, &utb, id, "{\"body\":\"9-16\"}"), ENOENT);
	/* Agents read and flag but never write; leads edit everything. */
	assert_int_equal(update(db, &agent, theirs, "{\"body\":\"z\"}"), EPERM);
	assert_int_equal(
	        create(db, &agent, "{\"title\":\"A\",\"kind\":\"qa\",\"body\":\"x\"}", &id), EPERM);
	assert_int_equal(update(db, &lead, theirs, "{\"body\":\"Boendeparkering kostar 900 kr.\"}"),
	                 0);
	/* The owner must be able to own it: an agent cannot. */
	assert_int_equal(update(db, &lead, theirs, "{\"owner_id\":2}"), EBADMSG);
	assert_int_equal(update(db, &lead, theirs, "{\"owner_id\":4}"), 0);
	assert_int_equal(update(db, &lead, theirs, "{\"owner_id\":3}"), EBADMSG);
}

static void test_validation_names_fields(void **state)
{
	struct db *db = *state;
	struct verrors v;
	json_t *in = json_loads("{\"title\":\"\",\"kind\":\"faq\",\"body\":\"x\",\"groups\":[99],"
	                        "\"review_date\":\"2027-02-30\",\"färg\":\"blå\"}",
	                        0, NULL);
	int64_t id;
	char fields[256] = "";
	size_t i;
	json_t *e;

	valid_init(&v, true);
	assert_int_equal(kb_article_create(db, &lead, in, NOW, &id, &v), EBADMSG);
	json_array_foreach(v.list, i, e)
	{
		size_t used = strlen(fields);
		snprintf(fields + used, sizeof(fields) - used, "%s ",
		         json_string_value(json_object_get(e, "field")));
	}
	assert_string_equal(fields, "färg title kind groups review_date ");
	valid_free(&v);
	json_decref(in);
}

/* ---- Markdown safety ---- */

static void assert_safe(const char *md)
{
	char *html = NULL;
	int err = kb_markdown_html(md, &html);

	assert_int_equal(err, 0);
	for (const char *p = html; *p; p++) {
		assert_false(strncasecmp(p, "<script", 7) == 0);
		assert_false(strncasecmp(p, "<iframe", 7) == 0);
		assert_false(strncasecmp(p, "onerror=", 8) == 0);
		assert_false(strncasecmp(p, "onclick=", 8) == 0);
		if (strncmp(p, "href=\"", 6) == 0 || strncmp(p, "src=\"", 5) == 0) {
			const char *v = strchr(p, '"') + 1, *end = strchr(v, '"');
			char url[512];
			size_t n = end ? (size_t)(end - v) : strlen(v);
			assert_true(n < sizeof(url));
			memcpy(url, v, n);
			url[n] = '\0';
			assert_false(strncasecmp(url, "javascript", 10) == 0);
			assert_false(strncasecmp(url, "vbscript", 8) == 0);
			assert_false(strncasecmp(url, "data:", 5) == 0);
			assert_false(strncasecmp(url, "file:", 5) == 0);
			assert_null(strcasestr(url, "script:"));
		}
	}
	free(html);
}

static void test_markdown_never_lets_script_out(void **state)
{
	char *html;

	assert_safe("<script>alert(1)</script>");
	assert_safe("Text <script src=\"https://evil.example/x.js\"></script> mer text");
	assert_safe("[klicka](javascript:alert(1))");
	assert_safe("[klicka](JaVaScRiPt:alert(1))");
	assert_safe("[klicka](  javascript:alert(1) )");
	assert_safe("[klicka](jav&#x61;script:alert(1))");
	assert_safe("[klicka](java%0ascript:alert(1))");
	assert_safe("<javascript:alert(1)>");
	assert_safe("[x](vbscript:msgbox(1))");
	assert_safe("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)");
	assert_safe("![bild](data:image/svg+xml;base64,PHN2Zy8+)");
	assert_safe("<a href=\"javascript:alert(1)\">x</a>");
	assert_safe("<img src=x onerror=alert(1)>");
	assert_safe("<iframe src=\"https://evil.example\"></iframe>");
	assert_safe("[ref]\n\n[ref]: javascript:alert(1)");
	/* Ordinary content comes through. */
	assert_int_equal(
	        kb_markdown_html("**Viktigt:** se [webben](https://lotsen.example/a?b=1&c=2) "
	                         "eller ring [08-508 000 00](tel:0850800000).\n\n1. ett\n2. två",
	                         &html),
	        0);
	assert_non_null(strstr(html, "<strong>Viktigt:</strong>"));
	assert_non_null(strstr(html, "href=\"https://lotsen.example/a?b=1&amp;c=2\""));
	assert_non_null(strstr(html, "href=\"tel:0850800000\""));
	assert_non_null(strstr(html, "<ol>"));
	free(html);
}

/* ---- feedback ---- */

static void test_flags_reach_the_owner_and_close(void **state)
{
	struct db *db = *state;
	struct verrors v;
	int64_t id, flag, other, missing;
	json_t *in, *list, *stats;
	struct stmt *s;

	assert_int_equal(create(db, &utb,
	                        "{\"title\":\"Fritids\",\"kind\":\"qa\",\"body\":\"x\","
	                        "\"status\":\"published\"}",
	                        &id),
	                 0);
	valid_init(&v, true);
	in = json_pack("{s:s,s:s}", "kind", "outdated", "message", "Avgiften ändrades i januari.");
	assert_int_equal(kb_flag_create(db, &agent, id, in, NOW, &flag, &v), 0);
	json_decref(in);
	in = json_pack("{s:s}", "kind", "rolig");
	assert_int_equal(kb_flag_create(db, &agent, id, in, NOW, &other, &v), EBADMSG);
	json_decref(in);
	valid_free(&v);
	/* The owner (the department contact) has a notification. */
	assert_int_equal(
	        db_prepare(db, &s, "SELECT COUNT(*) FROM notifications WHERE user_id = 3", false),
	        0);
	assert_int_equal(stmt_step(s), DB_ROW);
	assert_int_equal(stmt_int(s, 0), 1);
	stmt_done(s);
	assert_int_equal(kb_flags_list(db, &utb, "open", &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_int_equal(kb_flags_list(db, &trafik, "open", &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	/* Another department cannot close it; the owner can, once, with a note. */
	valid_init(&v, true);
	in = json_pack("{s:s,s:s}", "status", "closed", "note", "Uppdaterad med 2026 års taxa.");
	assert_int_equal(kb_flag_close(db, &trafik, flag, in, NOW, &v), EPERM);
	assert_int_equal(kb_flag_close(db, &utb, flag, in, NOW, &v), 0);
	assert_int_equal(kb_flag_close(db, &utb, flag, in, NOW, &v), EEXIST);
	json_decref(in);
	in = json_pack("{s:s}", "question", "Hur ansöker man om skolskjuts för växelvis boende?");
	assert_int_equal(kb_missing_create(db, &agent, in, NOW, &missing, &v), 0);
	assert_int_equal(kb_missing_create(db, &agent, in, NOW, &missing, &v), 0);
	json_decref(in);
	valid_free(&v);
	/* A case records the article that answered it; statistics count both. */
	assert_int_equal(kb_case_link(db, &agent, 1, id, NOW), 0);
	assert_int_equal(kb_case_link(db, &agent, 1, id, NOW), 0); /* idempotent */
	assert_int_equal(kb_case_link(db, &agent, 99, id, NOW), ENOENT);
	assert_int_equal(kb_stats(db, &lead, 0, 0, &stats), 0);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(json_object_get(stats, "most_used"), 0), "uses")),
	                 1);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(json_object_get(stats, "missing"), 0), "count")),
	                 2);
	assert_int_equal(json_integer_value(json_object_get(stats, "open_flags")), 0);
	json_decref(stats);
}

static void test_notices_and_review_due(void **state)
{
	struct db *db = *state;
	int64_t id;
	json_t *items;

	/* NOW is 2026-05-28. */
	assert_int_equal(
	        create(db, &lead,
	               "{\"title\":\"E-tjänsten ligger nere\",\"kind\":\"notice\","
	               "\"body\":\"Fel hos leverantören.\",\"status\":\"published\",\"groups\":[1],"
	               "\"valid_to\":\"2026-05-28\"}",
	               &id),
	        0);
	assert_int_equal(
	        create(db, &lead,
	               "{\"title\":\"Gammal störning\",\"kind\":\"notice\","
	               "\"body\":\"Över.\",\"status\":\"published\",\"valid_to\":\"2026-05-27\"}",
	               &id),
	        0);
	assert_int_equal(create(db, &lead,
	                        "{\"title\":\"Skolans störning\",\"kind\":\"notice\","
	                        "\"body\":\"Bara skola.\",\"status\":\"published\",\"groups\":[2]}",
	                        &id),
	                 0);
	assert_int_equal(kb_notices(db, &agent, 1, NOW, &items), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "title")),
	                    "E-tjänsten ligger nere");
	assert_non_null(
	        strstr(json_string_value(json_object_get(json_array_get(items, 0), "body_html")),
	               "<p>Fel hos leverantören.</p>"));
	json_decref(items);
	assert_int_equal(create(db, &lead,
	                        "{\"title\":\"Granska mig\",\"kind\":\"routine\",\"body\":\"r\","
	                        "\"review_date\":\"2026-05-01\"}",
	                        &id),
	                 0);
	assert_int_equal(kb_review_due(db, &lead, NOW, &items), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "title")),
	                    "Granska mig");
	json_decref(items);
}

/* ---- import and export ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_all(const char *dir, const char *name)
{
	char path[512];
	FILE *f;
	char *buf = calloc(1, 65536);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, 65535, f) > 0);
	fclose(f);
	return buf;
}

static void rm_dir(const char *dir)
{
	const char *names[] = {"skolskjuts.md", "forskola-ko.md", "fel.md"};
	char path[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static const char skolskjuts_md[] = "---\n"
                                    "title: Skolskjuts: vem har rätt?\n"
                                    "kind: qa\n"
                                    "groups: Skola, Förskola\n"
                                    "clients: Utbildningsförvaltningen\n"
                                    "categories: Förskoleplats\n"
                                    "tags: skolbuss, avstånd\n"
                                    "owner: utb\n"
                                    "review: 2027-03-31\n"
                                    "---\n"
                                    "\n"
                                    "Elever har rätt till **skolskjuts** om avståndet är långt.\n"
                                    "\n"
                                    "- F–3: 2 km\n"
                                    "- 4–6: 3 km\n";

static void test_import_export_round_trip(void **state)
{
	char d1[] = "/tmp/kbtestAXXXXXX", d2[] = "/tmp/kbtestBXXXXXX", d3[] = "/tmp/kbtestCXXXXXX";
	struct kb_io_error e = {{0}};
	struct db *db = *state, *db2;
	size_t n;
	int64_t id;
	json_t *art;
	char *a, *b;

	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	assert_non_null(mkdtemp(d3));
	write_file(d1, "skolskjuts.md", skolskjuts_md);
	write_file(d1, "forskola-ko.md",
	           "---\ntitle: Kö till förskola\nkind: checklist\nstatus: draft\n---\n1. Sök på "
	           "barnet.\n");
	assert_int_equal(kb_import_dir(db, d1, NOW, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(kb_article_find_slug(db, "skolskjuts", &id), 0);
	assert_int_equal(kb_article_get(db, NULL, id, NOW, &art), 0);
	assert_string_equal(json_string_value(json_object_get(art, "title")),
	                    "Skolskjuts: vem har rätt?");
	assert_string_equal(json_string_value(json_object_get(art, "status")), "published");
	assert_int_equal(json_array_size(json_object_get(art, "groups")), 2);
	assert_int_equal(json_array_size(json_object_get(art, "categories")), 1);
	assert_int_equal(json_integer_value(json_object_get(art, "owner_id")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(art, "tags"), 1)),
	                    "avstånd");
	assert_string_equal(json_string_value(json_object_get(art, "review_date")), "2027-03-31");
	assert_string_equal(json_string_value(json_object_get(art, "body")),
	                    "Elever har rätt till **skolskjuts** om avståndet är långt.\n\n- F–3: "
	                    "2 km\n- 4–6: 3 km");
	json_decref(art);
	/* Importing the same files again changes nothing. */
	assert_int_equal(kb_import_dir(db, d1, NOW, &n, &e), 0);
	json_t *versions;
	assert_int_equal(kb_versions_list(db, NULL, id, &versions), 0);
	assert_int_equal(json_array_size(versions), 1);
	json_decref(versions);

	/* Export, import into a fresh database, export again: the same files. */
	assert_int_equal(kb_export_dir(db, d2, &n, &e), 0);
	assert_int_equal(n, 2);
	db2 = fresh_db();
	assert_int_equal(kb_import_dir(db2, d2, NOW, &n, &e), 0);
	assert_int_equal(kb_export_dir(db2, d3, &n, &e), 0);
	db_close(db2);
	a = read_all(d2, "skolskjuts.md");
	b = read_all(d3, "skolskjuts.md");
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "title: Skolskjuts: vem har rätt?\nkind: qa\nstatus: published\n"
	                          "groups: Förskola, Skola\nclients: Utbildningsförvaltningen\n"
	                          "categories: Förskoleplats\ntags: skolbuss, avstånd\nowner: utb\n"
	                          "review: 2027-03-31\n---\n\nElever har rätt"));
	free(a);
	free(b);
	a = read_all(d2, "forskola-ko.md");
	b = read_all(d3, "forskola-ko.md");
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "status: draft\n"));
	free(a);
	free(b);
	rm_dir(d1);
	rm_dir(d2);
	rm_dir(d3);
}

static void expect_import_error(const char *text, const char *msg)
{
	char dir[] = "/tmp/kbtestEXXXXXX";
	struct kb_io_error e = {{0}};
	struct db *db = fresh_db();
	size_t n = 99;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "skolskjuts.md", skolskjuts_md);
	write_file(dir, "fel.md", text);
	assert_int_equal(kb_import_dir(db, dir, NOW, &n, &e), EBADMSG);
	assert_int_equal(n, 0);
	if (strcmp(e.msg, msg) != 0)
		fail_msg("got \"%s\", want \"%s\"", e.msg, msg);
	/* Nothing of the batch stays when one file is wrong. */
	int64_t id;
	assert_int_equal(kb_article_find_slug(db, "skolskjuts", &id), ENOENT);
	db_close(db);
	rm_dir(dir);
}

static void test_front_matter_errors_name_file_and_line(void **state)
{
	expect_import_error("title: X\n", "fel.md:1: front matter must start with a line \"---\"");
	expect_import_error(
	        "---\ntitle: X\nkind: qa\ncolor: blå\n---\nx\n",
	        "fel.md:4: unknown key \"color\" (accepted: title, kind, status, groups, "
	        "clients, categories, tags, owner, review, valid_from, valid_to)");
	expect_import_error("---\ntitle: X\nkind: qa\ngroups: Skola, Bygglov\n---\nx\n",
	                    "fel.md:4: unknown group \"Bygglov\"");
	expect_import_error(
	        "---\ntitle: X\nkind: faq\n---\nx\n",
	        "fel.md:3: kind \"faq\" unknown (accepted: qa, routine, checklist, news, notice)");
	expect_import_error("---\ntitle: X\nkind: qa\nreview: 31/3 2027\n---\nx\n",
	                    "fel.md:4: review must be a date YYYY-MM-DD, got \"31/3 2027\"");
	expect_import_error("---\ntitle: X\nkind: qa\n\nx\n",
	                    "fel.md:5: expected \"key: value\", got \"x\"");
	expect_import_error("---\ntitle: X\nkind: qa\n",
	                    "fel.md:1: front matter is not closed with a line \"---\"");
	expect_import_error(
	        "---\ntitle: X\nkind: qa\nvalid_from: 2027-01-01\nvalid_to: 2026-01-01\n---\nx\n",
	        "fel.md:5: valid_to: Must not be before valid_from.");
	expect_import_error("---\nkind: qa\n---\nx\n", "fel.md:1: title: is missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_diff_is_unified),
	        cmocka_unit_test_setup_teardown(test_every_edit_is_a_version, setup, teardown),
	        cmocka_unit_test(test_edit_rule),
	        cmocka_unit_test_setup_teardown(test_department_contact_edits_only_its_department,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_validation_names_fields, setup, teardown),
	        cmocka_unit_test(test_markdown_never_lets_script_out),
	        cmocka_unit_test_setup_teardown(test_flags_reach_the_owner_and_close, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_notices_and_review_due, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_import_export_round_trip, setup, teardown),
	        cmocka_unit_test(test_front_matter_errors_name_file_and_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

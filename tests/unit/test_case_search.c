/* Case search against a full scan: every filter, their combinations, Swedish word forms,
 * phones in any form, hidden cases, the cursor, the capped count and the text index kept in
 * step with changes. */
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
#include "base/contact.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "store/schema.h"
#include "text/text.h"

#define NOW     1780000000 /* 2026-05-28 */
#define ALL     1000000
#define MAXTERM 8

/* One case as the scan sees it. */
struct row {
	int64_t id, group_id, client_id, category_id, citizen_id, agent_id, received_at;
	char outcome[24], channel[12], phone[32], pnr[16];
	char *text; /* summary and citizen name, for the word check */
	bool threat;
	struct case_access a;
};

struct fixture {
	char path[64];
	struct db *db;
	struct row *rows;
	size_t n;
	struct principal who[5];
};

static struct fixture fx;

/* The demo's cases eleven times over, a week apart each time: a few thousand cases with
 * the demo's words, groups, agents, citizens and confidential flags. */
static const char copies_sql[] =
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 10)"
        " INSERT INTO cases(channel, group_id, client_id, category_id, outcome, summary,"
        " citizen_id, received_at, created_at, updated_at, agent_id, confidential, threat)"
        " SELECT channel, group_id, client_id, category_id, outcome, summary, citizen_id,"
        " received_at - n * 604800, created_at, updated_at, agent_id, confidential, threat"
        " FROM cases, k;";

/* Fixed cases with the words, citizens and phones the tests look for. */
static const char extra_sql[] =
        "INSERT INTO citizens(id, name, phone, personal_id) VALUES"
        " (90001, 'Astrid Ekström', '+46701234567', '198112189876'),"
        " (90002, NULL, '+46701234567', NULL),"
        " (90003, 'Bo Lind', '+46812345678', '194501011235');"
        "INSERT INTO cases(channel, group_id, client_id, category_id, outcome, summary,"
        " citizen_id, received_at, created_at, updated_at, agent_id, confidential, threat)"
        " SELECT 'phone', group_id, client_id, category_id, 'resolved', s.t, s.cit,"
        " 1779000000 + s.k * 3600, 1779000000, 1779000000, agent_id, s.conf, s.thr"
        " FROM (SELECT * FROM cases ORDER BY id LIMIT 1) c,"
        " (SELECT 1 AS k, 'Frågade om hemtjänst i helgen.' AS t, 90001 AS cit, 0 AS conf,"
        "   0 AS thr UNION ALL"
        "  SELECT 2, 'Hemtjänstens personal kom inte.', 90002, 0, 0 UNION ALL"
        "  SELECT 3, 'Parkeringstillstånd för rörelsehindrad.', 90003, 1, 0 UNION ALL"
        "  SELECT 4, 'Bygglov för altan, hot mot handläggare.', 90001, 0, 1 UNION ALL"
        "  SELECT 5, 'Hemtjänsten ringer tillbaka.', NULL, 1, 0) s;";

static int load_rows(void)
{
	struct stmt *s;
	size_t cap = 0;

	if (db_prepare(&*fx.db, &s,
	               "SELECT c.id, c.group_id, c.client_id, c.category_id, c.citizen_id,"
	               " c.agent_id, c.received_at, c.outcome, c.channel, ci.phone, ci.personal_id,"
	               " c.summary || ' ' || coalesce(ci.name, ''), c.threat"
	               " FROM cases c LEFT JOIN citizens ci ON ci.id = c.citizen_id"
	               " ORDER BY c.received_at DESC, c.id DESC",
	               false))
		return -1;
	while (stmt_step(s) == DB_ROW) {
		if (fx.n == cap) {
			cap = cap ? cap * 2 : 1024;
			fx.rows = realloc(fx.rows, cap * sizeof(*fx.rows));
		}
		struct row *r = &fx.rows[fx.n++];
		memset(r, 0, sizeof(*r));
		r->id = stmt_int(s, 0);
		r->group_id = stmt_int(s, 1);
		r->client_id = stmt_int(s, 2);
		r->category_id = stmt_int(s, 3);
		r->citizen_id = stmt_is_null(s, 4) ? 0 : stmt_int(s, 4);
		r->agent_id = stmt_is_null(s, 5) ? 0 : stmt_int(s, 5);
		r->received_at = stmt_int(s, 6);
		snprintf(r->outcome, sizeof(r->outcome), "%s", stmt_text(s, 7));
		snprintf(r->channel, sizeof(r->channel), "%s", stmt_text(s, 8));
		snprintf(r->phone, sizeof(r->phone), "%s",
		         stmt_is_null(s, 9) ? "" : stmt_text(s, 9));
		snprintf(r->pnr, sizeof(r->pnr), "%s", stmt_is_null(s, 10) ? "" : stmt_text(s, 10));
		r->text = strdup(stmt_text(s, 11));
		r->threat = stmt_int(s, 12) != 0;
	}
	stmt_done(s);
	return 0;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(fx.path, sizeof(fx.path), "/tmp/lotsen-case-search-XXXXXX");
	fd = mkstemp(fx.path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(&fx.db, fx.path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(fx.db) || demo_load_if_empty(fx.db, NOW, NULL) ||
	    db_exec(fx.db, copies_sql) || db_exec(fx.db, extra_sql))
		return -1;
	/* Set after the case: the citizen trigger must move the name into the index. */
	if (db_exec(fx.db, "UPDATE citizens SET name = 'Ylva Zetterqvist' WHERE id = 90002") ||
	    db_exec(fx.db, "UPDATE cases SET summary = summary || ' Bostadsanpassning.'"
	                   " WHERE id IN (SELECT id FROM cases ORDER BY id LIMIT 40)"))
		return -1;
	fx.who[0] = (struct principal){.id = 1, .role = ROLE_ADMIN};
	fx.who[1] = (struct principal){.id = 7, .role = ROLE_AGENT};
	fx.who[2] = (struct principal){.id = 5, .role = ROLE_GROUP_LEAD};
	fx.who[3] = (struct principal){.id = 15, .role = ROLE_CLIENT_VIEWER, .client_id = 1};
	fx.who[4] = (struct principal){.id = 2, .role = ROLE_MANAGER};
	return load_rows();
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < fx.n; i++)
		free(fx.rows[i].text);
	free(fx.rows);
	db_close(fx.db);
	unlink(fx.path);
	char p[80];
	snprintf(p, sizeof(p), "%s-wal", fx.path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx.path);
	unlink(p);
	return 0;
}

/* ----- the scan ----- */

struct words {
	char w[256][TEXT_TOKEN_MAX + 1];
	size_t n;
};

static int word_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct words *ws = arg;

	(void)start;
	(void)end;
	if (ws->n < 256) {
		memcpy(ws->w[ws->n], tok, n);
		ws->w[ws->n++][n] = '\0';
	}
	return 0;
}

static void stems(const char *text, struct words *ws)
{
	struct sb_stemmer *st = text_stemmer_new();

	ws->n = 0;
	text_tokenize(st, text, strlen(text), word_h, ws);
	text_stemmer_free(st);
}

/* Every word of the query (stemmed, two bytes or more) is a word of the case. */
static bool text_matches(const struct words *q, const char *text)
{
	static struct words d;

	stems(text, &d);
	for (size_t i = 0; i < q->n; i++) {
		bool found = false;
		if (strlen(q->w[i]) < 2)
			continue;
		for (size_t j = 0; j < d.n && !found; j++)
			found = strcmp(d.w[j], q->w[i]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static void access_load(const struct principal *who)
{
	for (size_t i = 0; i < fx.n; i++)
		assert_int_equal(auth_case_load(fx.db, who, fx.rows[i].id, &fx.rows[i].a), 0);
}

static bool scan_match(const struct row *r, const struct case_query *q, const struct words *qw,
                       const struct principal *who)
{
	if (!auth_can_read_case(who, &r->a))
		return false;
	if ((q->group_id && r->group_id != q->group_id) ||
	    (q->client_id && r->client_id != q->client_id) ||
	    (q->category_id && r->category_id != q->category_id) ||
	    (q->citizen_id && r->citizen_id != q->citizen_id) ||
	    (q->agent_id && r->agent_id != q->agent_id) ||
	    (q->outcome && strcmp(r->outcome, q->outcome) != 0) ||
	    (q->channel && strcmp(r->channel, q->channel) != 0) ||
	    (q->from && r->received_at < q->from) || (q->to && r->received_at >= q->to) ||
	    (q->personal_id && strcmp(r->pnr, q->personal_id) != 0) ||
	    (q->phone && strcmp(r->phone, q->phone) != 0) || (q->threat && !r->threat))
		return false;
	if (q->after_id && (r->received_at > q->after_at ||
	                    (r->received_at == q->after_at && r->id >= q->after_id)))
		return false;
	return !q->text || text_matches(qw, r->text);
}

/* case_search gives exactly the scan's cases, in its order; returns how many. */
static size_t check(const struct principal *who, const struct case_query *q0)
{
	struct case_query q = *q0;
	struct words qw;
	json_t *items = NULL;
	int64_t total = -1;
	size_t want = 0, k = 0;

	if (q.text)
		stems(q.text, &qw);
	if (!q.limit)
		q.limit = ALL;
	q.budget_ms = -1; /* the machine may be busy: the answer, not the time, is tested */
	assert_int_equal(case_search(fx.db, who, &q, NOW, &items, &total), 0);
	for (size_t i = 0; i < fx.n; i++) {
		if (!scan_match(&fx.rows[i], &q, &qw, who))
			continue;
		want++;
		if (want <= (size_t)q.offset || k >= (size_t)q.limit)
			continue;
		json_t *it = json_array_get(items, k++);
		if (!it || json_integer_value(json_object_get(it, "id")) != fx.rows[i].id)
			fail_msg("role %s text %s group %lld: case %lld expected at %zu, got %lld",
			         role_name(who->role), q.text ? q.text : "-", (long long)q.group_id,
			         (long long)fx.rows[i].id, k - 1,
			         it ? (long long)json_integer_value(json_object_get(it, "id"))
			            : -1LL);
	}
	assert_int_equal(json_array_size(items), k);
	assert_int_equal(total, want > CASE_COUNT_MAX ? CASE_COUNT_MAX + 1 : want);
	json_decref(items);
	return want;
}

/* ----- tests ----- */

static void test_filters_equal_scan(void **state)
{
	const struct row *r0 = &fx.rows[fx.n / 2];
	int64_t mid = fx.rows[fx.n / 2].received_at, early = fx.rows[fx.n - fx.n / 5].received_at;
	static const char *const outcomes[] = {"resolved", "guided", "handed_over",
	                                       "forwarded_urgent"};
	static const char *const channels[] = {"phone", "email", "letter", "web"};
	(void)state;
	for (size_t w = 0; w < 5; w++) {
		const struct principal *who = &fx.who[w];
		access_load(who);
		struct case_query qs[] = {
		        {0},
		        {.group_id = r0->group_id},
		        {.client_id = r0->client_id},
		        {.category_id = r0->category_id},
		        {.agent_id = r0->agent_id},
		        {.citizen_id = 90001},
		        {.from = early, .to = mid},
		        {.threat = true},
		        {.group_id = r0->group_id, .outcome = "resolved", .from = early},
		        {.client_id = r0->client_id, .channel = "phone", .to = mid},
		        {.group_id = r0->group_id,
		         .category_id = r0->category_id,
		         .agent_id = r0->agent_id},
		        {.personal_id = "198112189876"},
		        {.personal_id = "194501011235"},
		        {.phone = "+46701234567"},
		        {.text = "hemtjänst"},
		        {.text = "hemtjänsten"},
		        {.text = "Hemtjänstens"},
		        {.text = "parkering"},
		        {.text = "parkeringstillstånd"},
		        {.text = "Ekström"},
		        {.text = "zetterqvist"},
		        {.text = "bostadsanpassning"},
		        {.text = "hemtjänst kom"},
		        {.text = "zzzz"},
		        {.text = "skola", .group_id = r0->group_id},
		        {.text = "hemtjänst", .client_id = r0->client_id, .from = early},
		        {.text = "hemtjänst", .phone = "+46701234567"},
		        {.text = "bygglov", .threat = true},
		        {.text = "frågade", .to = mid, .outcome = "guided"},
		};
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
			check(who, &qs[i]);
		for (size_t i = 0; i < 4; i++) {
			check(who, &(struct case_query){.outcome = outcomes[i]});
			check(who, &(struct case_query){.channel = channels[i]});
		}
	}
}

/* Word forms and the name, for a manager who sees everything. */
static void test_swedish_forms(void **state)
{
	struct principal *m = &fx.who[4];
	(void)state;
	access_load(m);
	assert_true(check(m, &(struct case_query){.text = "hemtjänsten"}) >= 3);
	assert_int_equal(check(m, &(struct case_query){.text = "hemtjänsten", .citizen_id = 90001}),
	                 1);
	assert_int_equal(check(m, &(struct case_query){.text = "Ylva Zetterqvist"}), 1);
	assert_true(check(m, &(struct case_query){.text = "parkeringstillstånden"}) >= 1);
}

/* "070-123 45 67", "0701234567", "+46 70 123 45 67" and "0046701234567" find the same. */
static void test_phone_forms(void **state)
{
	static const char *const forms[] = {"070-123 45 67", "0701234567", "+46 70 123 45 67",
	                                    "0046701234567", "070 123 45 67"};
	struct principal *m = &fx.who[4];
	char phone[32];
	(void)state;
	access_load(m);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(contact_phone_normalize(forms[i], phone, sizeof(phone)), 0);
		assert_int_equal(check(m, &(struct case_query){.phone = phone}), 3);
	}
}

/* Confidential cases stay hidden from an agent outside their group, and a department
 * sees only what was handed over to it. */
static void test_hidden(void **state)
{
	struct principal *agent = &fx.who[1], *viewer = &fx.who[3];
	size_t all, seen;
	(void)state;
	access_load(&fx.who[0]);
	all = check(&fx.who[0], &(struct case_query){.text = "hemtjänst"});
	access_load(agent);
	seen = check(agent, &(struct case_query){.text = "hemtjänst"});
	assert_true(seen <= all);
	access_load(viewer);
	check(viewer, &(struct case_query){0});
	check(viewer, &(struct case_query){.client_id = 2});
}

/* Page by page, by offset or by cursor, the pages make up the whole list. */
static void test_pages(void **state)
{
	struct principal *m = &fx.who[0];
	const char *texts[] = {NULL, "hemtjänst", "frågade"};
	(void)state;
	access_load(m);
	for (size_t t = 0; t < 3; t++) {
		struct case_query q = {.text = texts[t], .limit = 7};
		for (int page = 0; page < 5; page++) {
			json_t *items;
			int64_t total;
			q.budget_ms = -1;
			check(m, &q);
			assert_int_equal(case_search(fx.db, m, &q, NOW, &items, &total), 0);
			size_t n = json_array_size(items);
			if (n == 0) {
				json_decref(items);
				break;
			}
			json_t *last = json_array_get(items, n - 1);
			int64_t id = json_integer_value(json_object_get(last, "id"));
			for (size_t i = 0; i < fx.n; i++)
				if (fx.rows[i].id == id)
					q.after_at = fx.rows[i].received_at;
			q.after_id = id;
			json_decref(items);
			check(m, &(struct case_query){
			                 .text = texts[t], .limit = 7, .offset = 7 * page});
		}
	}
}

static void test_cursor_and_words(void **state)
{
	char c[CASE_CURSOR_MAX];
	int64_t at, id;
	json_t *items = NULL;
	int64_t total;
	(void)state;
	assert_int_equal(case_cursor_encode(1779000000, 4711, c), 0);
	assert_int_equal(case_cursor_decode(c, &at, &id), 0);
	assert_int_equal(at, 1779000000);
	assert_int_equal(id, 4711);
	assert_int_equal(case_cursor_decode("inte-en-markör", &at, &id), EBADMSG);
	assert_int_equal(case_cursor_decode("MTIz", &at, &id), EBADMSG); /* "123" */
	/* Nothing left to search for: one letter, or only stop words. */
	assert_int_equal(case_search(fx.db, &fx.who[0],
	                             &(struct case_query){.text = "a", .limit = 5}, NOW, &items,
	                             &total),
	                 EBADMSG);
	assert_int_equal(case_search(fx.db, &fx.who[0],
	                             &(struct case_query){.text = "och 5 ", .limit = 5}, NOW,
	                             &items, &total),
	                 EBADMSG);
	assert_null(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_filters_equal_scan),
	        cmocka_unit_test(test_swedish_forms),
	        cmocka_unit_test(test_phone_forms),
	        cmocka_unit_test(test_hidden),
	        cmocka_unit_test(test_pages),
	        cmocka_unit_test(test_cursor_and_words),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

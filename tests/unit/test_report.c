/* Monthly report and invoice basis over a small fixed data set, every figure checked
 * against arithmetic done by hand (the comments show it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <dirent.h>

#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "core/cases.h"
#include "base/valid.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "mail/mail.h"
#include "tel/tel_store.h"

/* March 2026 in Stockholm: 2026-03-01 00:00 +01:00 = 2026-02-28T23:00Z up to
 * 2026-04-01 00:00 +02:00 = 2026-03-31T22:00Z (summer time from 29 March). */
static const char fixture[] =
        "INSERT INTO units(id, name) VALUES (1, 'Stöd');"
        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Äldre direkt', 1), (2, 'Bygglov', 1);"
        "INSERT INTO clients(id, name) VALUES (1, 'Äldreförvaltningen'),"
        " (2, 'Stadsbyggnadskontoret');"
        "INSERT INTO categories(id, name, kind, group_id) VALUES (1, 'Fråga', 'question', 1),"
        " (2, 'Klagomål', 'complaint', 1), (3, 'Beröm', 'praise', 2), (4, 'Ärende', 'matter', 2);"
        /* id, channel, group, client, category, outcome, received_at (UTC seconds) */
        "INSERT INTO cases(id, channel, group_id, client_id, category_id, outcome, summary,"
        " received_at, created_at, updated_at) VALUES"
        /* 2026-03-01 00:30 local = 02-28 23:30Z: March */
        " (1, 'phone', 1, 1, 1, 'resolved', 's', 1772321400, 0, 0),"
        /* 2026-03-10 10:00 local = 09:00Z */
        " (2, 'phone', 1, 1, 2, 'guided', 's', 1773133200, 0, 0),"
        /* 2026-03-15 12:00 local = 11:00Z */
        " (3, 'email', 1, 1, 1, 'handed_over', 's', 1773572400, 0, 0),"
        /* 2026-03-20 10:00 local = 09:00Z */
        " (4, 'phone', 1, 2, 1, 'resolved', 's', 1773997200, 0, 0),"
        /* 2026-03-31 23:30 local (summer) = 21:30Z: the last evening of March */
        " (5, 'web', 2, 2, 3, 'resolved', 's', 1774992600, 0, 0),"
        /* 2026-03-30 08:00 local (summer) = 06:00Z */
        " (6, 'phone', 2, 2, 4, 'forwarded_urgent', 's', 1774850400, 0, 0),"
        /* 2026-04-01 00:30 local = 2026-03-31 22:30Z: April, although 31 March in UTC */
        " (7, 'phone', 1, 1, 1, 'resolved', 's', 1774996200, 0, 0),"
        /* 2026-02-28 23:30 local = 22:30Z: February */
        " (8, 'phone', 1, 1, 1, 'resolved', 's', 1772317800, 0, 0),"
        /* 2026-02-10 10:00 local = 09:00Z */
        " (9, 'email', 1, 1, 1, 'guided', 's', 1770714000, 0, 0),"
        /* 2026-03-10 10:00 local = 09:00Z: before agreement 2 starts */
        " (10, 'visit', 2, 2, 4, 'resolved', 's', 1773133200, 0, 0);"
        "INSERT INTO agreements(id, client_id, name, valid_from, valid_to, prices,"
        " fixed_annual_price) VALUES"
        " (1, 1, 'Avtal Äldre', '2025-01-01', NULL, '{\"phone\":48.0,\"email\":36.5}', NULL),"
        " (2, 2, 'Avtal SBK', '2026-03-16', '2026-12-31', '{\"phone\":50,\"web\":20}', 365000),"
        " (3, 2, 'Avtal SBK gammalt', '2025-01-01', '2026-02-28', '{\"phone\":99}', NULL);"
        "INSERT INTO agreement_groups(agreement_id, group_id) VALUES (1, 1), (2, 1), (2, 2),"
        " (3, 1);"
        /* group, start_ms, offered, answered, answered_60, answered_180, abandoned,
         * short_abandoned, …, wait_answered_ms, wait_abandoned_ms, longest_wait_ms,
         * handled, talk_ms, wrapup_ms */
        "INSERT INTO acd_group_intervals VALUES"
        /* 2026-03-10 09:00Z */
        " (1, 1773133200000, 10, 8, 6, 8, 2, 1, 0, 0, 0, 0, 0, 0, 240000, 0, 90000, 8,"
        "  1200000, 240000),"
        /* 2026-03-31 21:45Z = 23:45 local: March */
        " (1, 1774993500000, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 20000, 0, 15000, 2, 300000,"
        "  60000),"
        /* 2026-03-31 22:00Z = 1 April 00:00 local: April */
        " (1, 1774994400000, 5, 1, 1, 1, 4, 0, 0, 0, 0, 0, 0, 0, 1000, 0, 1000, 1, 1000, 0),"
        /* 2026-03-20 10:00Z */
        " (2, 1774000800000, 4, 3, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 90000, 0, 60000, 3, 540000,"
        "  90000),"
        /* 2026-02-28 22:45Z = 23:45 local: February */
        " (1, 1772318700000, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 50000, 0, 20000, 5, 600000,"
        "  0);";

static const struct principal admin = {.id = 1, .role = ROLE_ADMIN};
static const struct principal manager = {.id = 2, .role = ROLE_MANAGER};
static const struct principal agent = {.id = 3, .role = ROLE_AGENT};
static const struct principal viewer1 = {.id = 4, .role = ROLE_CLIENT_VIEWER, .client_id = 1};

struct fixture {
	struct db *db;
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/lotsen-report-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(db_open(&f->db, f->path, NULL), 0);
	assert_int_equal(schema_migrate(f->db), 0);
	assert_int_equal(acd_store_migrate(f->db), 0);
	assert_int_equal(tel_store_migrate(f->db), 0);
	assert_int_equal(report_store_migrate(f->db), 0);
	cases_set_observer(report_rollup_case); /* as main.c registers it at start-up */
	assert_int_equal(db_exec(f->db, fixture), 0);
	/* the fixture writes cases with SQL: count them into the rollups */
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char side[80];

	db_close(f->db);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	free(f);
	return 0;
}

/* "a.b.c" into nested objects, "rows.0.cases" into arrays. */
static const json_t *at(const json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, strtoul(k, NULL, 10))
		                     : json_object_get(o, k);
	return o;
}

#define INT_AT(o, path, v)                                                                         \
	do {                                                                                       \
		const json_t *x_ = at((o), (path));                                                \
		if (!json_is_integer(x_))                                                          \
			fail_msg("%s is not an integer", (path));                                  \
		assert_int_equal(json_integer_value(x_), (v));                                     \
	} while (0)

#define NUM_AT(o, path, v)                                                                         \
	do {                                                                                       \
		const json_t *x_ = at((o), (path));                                                \
		if (!json_is_number(x_))                                                           \
			fail_msg("%s is not a number", (path));                                    \
		if (fabs(json_number_value(x_) - (v)) > 1e-9)                                      \
			fail_msg("%s is %.6f, expected %.6f", (path), json_number_value(x_),       \
			         (double)(v));                                                     \
	} while (0)

#define STR_AT(o, path, v) assert_string_equal(json_string_value(at((o), (path))), (v))

static void test_month_parse(void **state)
{
	struct report_month m;

	(void)state;
	assert_int_equal(report_month_parse("2026-03", &m), 0);
	assert_int_equal(m.from, 1772319600); /* 2026-02-28T23:00:00Z */
	assert_int_equal(m.to, 1774994400);   /* 2026-03-31T22:00:00Z: one hour shorter */
	assert_int_equal(report_month_parse("2026-12", &m), 0);
	assert_int_equal(m.to, 1798758000); /* 2026-12-31T23:00:00Z */
	assert_int_equal(report_month_parse("2026-13", &m), EINVAL);
	assert_int_equal(report_month_parse("2026-3", &m), EINVAL);
	assert_int_equal(report_month_parse("2026-03-01", &m), EINVAL);
	assert_int_equal(report_month_parse("26-03x", &m), EINVAL);
	assert_int_equal(report_month_parse(NULL, &m), EINVAL);
}

static void test_monthly_figures(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	assert_int_equal(report_monthly(f->db, &manager, "2026-03", 0, &o), 0);
	STR_AT(o, "month", "2026-03");
	STR_AT(o, "from", "2026-02-28T23:00:00Z");
	STR_AT(o, "to", "2026-03-31T22:00:00Z");
	assert_int_equal(json_array_size(at(o, "rows")), 3);

	/* group 1 × client 1: cases 1, 2, 3 (case 7 is April, 8 February) */
	INT_AT(o, "rows.0.group_id", 1);
	INT_AT(o, "rows.0.client_id", 1);
	STR_AT(o, "rows.0.group_name", "Äldre direkt");
	STR_AT(o, "rows.0.client_name", "Äldreförvaltningen");
	INT_AT(o, "rows.0.cases", 3);
	INT_AT(o, "rows.0.resolved", 1);
	INT_AT(o, "rows.0.guided", 1);
	INT_AT(o, "rows.0.handed_over", 1);
	INT_AT(o, "rows.0.forwarded_urgent", 0);
	NUM_AT(o, "rows.0.fcr", 0.3333);             /* 1 / 3 */
	NUM_AT(o, "rows.0.fcr_incl_guided", 0.6667); /* (1 + 1) / 3 */
	INT_AT(o, "rows.0.channels.phone", 2);       /* cases 1, 2 */
	INT_AT(o, "rows.0.channels.email", 1);       /* case 3 */
	INT_AT(o, "rows.0.channels.web", 0);
	INT_AT(o, "rows.0.complaints", 1); /* case 2 */
	INT_AT(o, "rows.0.praise", 0);

	/* group 1 × client 2: case 4 */
	INT_AT(o, "rows.1.group_id", 1);
	INT_AT(o, "rows.1.client_id", 2);
	INT_AT(o, "rows.1.cases", 1);
	INT_AT(o, "rows.1.resolved", 1);
	NUM_AT(o, "rows.1.fcr", 1.0);             /* 1 / 1 */
	NUM_AT(o, "rows.1.fcr_incl_guided", 1.0); /* 1 / 1 */
	INT_AT(o, "rows.1.channels.phone", 1);
	INT_AT(o, "rows.1.complaints", 0);
	INT_AT(o, "rows.1.praise", 0);

	/* group 2 × client 2: cases 5 (31 March 23:30 local), 6, 10 */
	INT_AT(o, "rows.2.group_id", 2);
	INT_AT(o, "rows.2.client_id", 2);
	INT_AT(o, "rows.2.cases", 3);
	INT_AT(o, "rows.2.resolved", 2); /* 5, 10 */
	INT_AT(o, "rows.2.guided", 0);
	INT_AT(o, "rows.2.handed_over", 0);
	INT_AT(o, "rows.2.forwarded_urgent", 1);     /* 6 */
	NUM_AT(o, "rows.2.fcr", 0.6667);             /* 2 / 3 */
	NUM_AT(o, "rows.2.fcr_incl_guided", 0.6667); /* (2 + 0) / 3 */
	INT_AT(o, "rows.2.channels.phone", 1);
	INT_AT(o, "rows.2.channels.web", 1);
	INT_AT(o, "rows.2.channels.visit", 1);
	INT_AT(o, "rows.2.praise", 1); /* 5 */

	/* totals: 3 + 1 + 3 = 7 cases */
	INT_AT(o, "totals.cases", 7);
	INT_AT(o, "totals.resolved", 4);             /* 1 + 1 + 2 */
	INT_AT(o, "totals.guided", 1);               /* 1 + 0 + 0 */
	INT_AT(o, "totals.handed_over", 1);          /* 1 + 0 + 0 */
	INT_AT(o, "totals.forwarded_urgent", 1);     /* 0 + 0 + 1 */
	NUM_AT(o, "totals.fcr", 0.5714);             /* 4 / 7 */
	NUM_AT(o, "totals.fcr_incl_guided", 0.7143); /* 5 / 7 */
	INT_AT(o, "totals.channels.phone", 4);       /* 2 + 1 + 1 */
	INT_AT(o, "totals.channels.email", 1);
	INT_AT(o, "totals.channels.letter", 0);
	INT_AT(o, "totals.channels.fax", 0);
	INT_AT(o, "totals.channels.visit", 1);
	INT_AT(o, "totals.channels.web", 1);
	INT_AT(o, "totals.channels.social", 0);
	INT_AT(o, "totals.complaints", 1);
	INT_AT(o, "totals.praise", 1);

	/* group 1 calls: the intervals of 10 March and of 31 March 23:45 local
	 * (not 1 April 00:00 local) */
	assert_int_equal(json_array_size(at(o, "groups")), 2);
	INT_AT(o, "groups.0.group_id", 1);
	INT_AT(o, "groups.0.calls.offered", 12);               /* 10 + 2 */
	INT_AT(o, "groups.0.calls.answered", 10);              /* 8 + 2 */
	INT_AT(o, "groups.0.calls.answered_60", 8);            /* 6 + 2 */
	INT_AT(o, "groups.0.calls.answered_180", 10);          /* 8 + 2 */
	INT_AT(o, "groups.0.calls.abandoned", 2);              /* 2 + 0 */
	INT_AT(o, "groups.0.calls.short_abandoned", 1);        /* 1 + 0 */
	INT_AT(o, "groups.0.calls.handled", 10);               /* 8 + 2 */
	NUM_AT(o, "groups.0.calls.service_level_60", 0.6667);  /* 8 / 12 */
	NUM_AT(o, "groups.0.calls.service_level_180", 0.8333); /* 10 / 12 */
	NUM_AT(o, "groups.0.calls.asa_s", 26.0);               /* (240 + 20) s / 10 */
	NUM_AT(o, "groups.0.calls.abandon_rate", 0.1667);      /* 2 / 12 */
	NUM_AT(o, "groups.0.calls.aht_s", 180.0);              /* (1200 + 240 + 300 + 60) s / 10 */
	INT_AT(o, "groups.1.group_id", 2);
	INT_AT(o, "groups.1.calls.offered", 4);
	INT_AT(o, "groups.1.calls.answered", 3);
	INT_AT(o, "groups.1.calls.answered_60", 2);
	INT_AT(o, "groups.1.calls.answered_180", 3);
	INT_AT(o, "groups.1.calls.abandoned", 1);
	NUM_AT(o, "groups.1.calls.service_level_60", 0.5);   /* 2 / 4 */
	NUM_AT(o, "groups.1.calls.service_level_180", 0.75); /* 3 / 4 */
	NUM_AT(o, "groups.1.calls.asa_s", 30.0);             /* 90 s / 3 */
	NUM_AT(o, "groups.1.calls.abandon_rate", 0.25);      /* 1 / 4 */
	NUM_AT(o, "groups.1.calls.aht_s", 210.0);            /* (540 + 90) s / 3 */
	INT_AT(o, "totals.calls.offered", 16);               /* 12 + 4 */
	INT_AT(o, "totals.calls.answered", 13);              /* 10 + 3 */
	INT_AT(o, "totals.calls.answered_60", 10);           /* 8 + 2 */
	INT_AT(o, "totals.calls.answered_180", 13);          /* 10 + 3 */
	INT_AT(o, "totals.calls.abandoned", 3);              /* 2 + 1 */
	NUM_AT(o, "totals.calls.service_level_60", 0.625);   /* 10 / 16 */
	NUM_AT(o, "totals.calls.service_level_180", 0.8125); /* 13 / 16 */
	NUM_AT(o, "totals.calls.asa_s", 26.9231);            /* (260 + 90) s / 13 */
	NUM_AT(o, "totals.calls.abandon_rate", 0.1875);      /* 3 / 16 */
	NUM_AT(o, "totals.calls.aht_s", 186.9231);           /* (1800 + 630) s / 13 */

	/* February: cases 8 (28 Feb 23:30 local) and 9; the interval of 28 Feb 23:45 local */
	STR_AT(o, "previous.month", "2026-02");
	INT_AT(o, "previous.totals.cases", 2);
	INT_AT(o, "previous.totals.resolved", 1);
	INT_AT(o, "previous.totals.guided", 1);
	NUM_AT(o, "previous.totals.fcr", 0.5);             /* 1 / 2 */
	NUM_AT(o, "previous.totals.fcr_incl_guided", 1.0); /* 2 / 2 */
	INT_AT(o, "previous.totals.channels.phone", 1);
	INT_AT(o, "previous.totals.channels.email", 1);
	INT_AT(o, "previous.totals.calls.offered", 5);
	NUM_AT(o, "previous.totals.calls.service_level_60", 1.0); /* 5 / 5 */
	NUM_AT(o, "previous.totals.calls.asa_s", 10.0);           /* 50 s / 5 */
	NUM_AT(o, "previous.totals.calls.aht_s", 120.0);          /* 600 s / 5 */

	/* the change, March − February */
	INT_AT(o, "change.cases", 5);                       /* 7 − 2 */
	INT_AT(o, "change.resolved", 3);                    /* 4 − 1 */
	INT_AT(o, "change.guided", 0);                      /* 1 − 1 */
	INT_AT(o, "change.handed_over", 1);                 /* 1 − 0 */
	INT_AT(o, "change.forwarded_urgent", 1);            /* 1 − 0 */
	NUM_AT(o, "change.fcr", 0.0714);                    /* 0.5714 − 0.5 */
	NUM_AT(o, "change.fcr_incl_guided", -0.2857);       /* 0.7143 − 1 */
	INT_AT(o, "change.channels.phone", 3);              /* 4 − 1 */
	INT_AT(o, "change.channels.email", 0);              /* 1 − 1 */
	INT_AT(o, "change.complaints", 1);                  /* 1 − 0 */
	INT_AT(o, "change.praise", 1);                      /* 1 − 0 */
	INT_AT(o, "change.calls.offered", 11);              /* 16 − 5 */
	NUM_AT(o, "change.calls.service_level_60", -0.375); /* 0.625 − 1 */
	NUM_AT(o, "change.calls.asa_s", 16.9231);           /* 26.9231 − 10 */
	NUM_AT(o, "change.calls.aht_s", 66.9231);           /* 186.9231 − 120 */
	json_decref(o);
}

static void test_monthly_access(void **state)
{
	struct fixture *f = *state;
	json_t *o = NULL;

	/* a client viewer gets its own client, asked for or not */
	assert_int_equal(report_monthly(f->db, &viewer1, "2026-03", 0, &o), 0);
	INT_AT(o, "client_id", 1);
	assert_int_equal(json_array_size(at(o, "rows")), 1);
	INT_AT(o, "rows.0.client_id", 1);
	INT_AT(o, "totals.cases", 3);
	assert_int_equal(json_array_size(at(o, "groups")), 1); /* only group 1 served it */
	INT_AT(o, "totals.calls.offered", 12);
	json_decref(o);
	assert_int_equal(report_monthly(f->db, &viewer1, "2026-03", 1, &o), 0);
	json_decref(o);
	assert_int_equal(report_monthly(f->db, &viewer1, "2026-03", 2, &o), EPERM);
	assert_null(o);
	assert_int_equal(report_invoice(f->db, &viewer1, "2026-03", 2, &o), EPERM);
	assert_int_equal(report_monthly(f->db, &agent, "2026-03", 0, &o), EPERM);
	assert_int_equal(report_monthly(f->db, &admin, "2026-3", 0, &o), EINVAL);

	/* a manager narrows to one client */
	assert_int_equal(report_monthly(f->db, &manager, "2026-03", 2, &o), 0);
	assert_int_equal(json_array_size(at(o, "rows")), 2);
	INT_AT(o, "totals.cases", 4); /* cases 4, 5, 6, 10 */
	INT_AT(o, "previous.totals.cases", 0);
	assert_true(json_is_null(at(o, "previous.totals.fcr"))); /* nothing to divide */
	assert_true(json_is_null(at(o, "change.fcr")));
	json_decref(o);
}

static void test_invoice(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &o), 0);
	/* agreement 3 ended 28 February */
	assert_int_equal(json_array_size(at(o, "agreements")), 2);

	/* agreement 1: client 1, group 1, cases 1 and 2 by phone, 3 by e-mail */
	INT_AT(o, "agreements.0.agreement_id", 1);
	INT_AT(o, "agreements.0.cases", 3);
	assert_int_equal(json_array_size(at(o, "agreements.0.lines")), 2);
	STR_AT(o, "agreements.0.lines.0.channel", "phone");
	INT_AT(o, "agreements.0.lines.0.count", 2);
	NUM_AT(o, "agreements.0.lines.0.price", 48.0);
	NUM_AT(o, "agreements.0.lines.0.amount", 96.0); /* 2 × 48.00 */
	INT_AT(o, "agreements.0.lines.0.case_ids.0", 1);
	INT_AT(o, "agreements.0.lines.0.case_ids.1", 2);
	STR_AT(o, "agreements.0.lines.1.channel", "email");
	INT_AT(o, "agreements.0.lines.1.count", 1);
	NUM_AT(o, "agreements.0.lines.1.amount", 36.5); /* 1 × 36.50 */
	INT_AT(o, "agreements.0.lines.1.case_ids.0", 3);
	NUM_AT(o, "agreements.0.amount", 132.5); /* 96.00 + 36.50 */

	/* agreement 2: client 2, groups 1 and 2, from 16 March: cases 4 and 6 by phone,
	 * 5 on the web (10 came on 10 March, before the agreement) */
	INT_AT(o, "agreements.1.agreement_id", 2);
	INT_AT(o, "agreements.1.cases", 3);
	assert_int_equal(json_array_size(at(o, "agreements.1.lines")), 3);
	STR_AT(o, "agreements.1.lines.0.channel", "phone");
	INT_AT(o, "agreements.1.lines.0.count", 2);
	NUM_AT(o, "agreements.1.lines.0.amount", 100.0); /* 2 × 50 */
	INT_AT(o, "agreements.1.lines.0.case_ids.0", 4);
	INT_AT(o, "agreements.1.lines.0.case_ids.1", 6);
	STR_AT(o, "agreements.1.lines.1.channel", "web");
	INT_AT(o, "agreements.1.lines.1.count", 1);
	NUM_AT(o, "agreements.1.lines.1.amount", 20.0); /* 1 × 20 */
	INT_AT(o, "agreements.1.lines.1.case_ids.0", 5);
	STR_AT(o, "agreements.1.lines.2.kind", "fixed");
	INT_AT(o, "agreements.1.lines.2.days", 16); /* 16–31 March */
	INT_AT(o, "agreements.1.lines.2.days_in_year", 365);
	NUM_AT(o, "agreements.1.lines.2.amount", 16000.0); /* 365 000 × 16 / 365 */
	NUM_AT(o, "agreements.1.amount", 16120.0);         /* 100 + 20 + 16 000 */

	assert_int_equal(json_array_size(at(o, "clients")), 2);
	INT_AT(o, "clients.0.client_id", 1);
	INT_AT(o, "clients.0.cases", 3);
	NUM_AT(o, "clients.0.amount", 132.5);
	INT_AT(o, "clients.1.client_id", 2);
	INT_AT(o, "clients.1.cases", 3);
	NUM_AT(o, "clients.1.amount", 16120.0);
	NUM_AT(o, "amount", 16252.5); /* 132.50 + 16 120.00 */
	json_decref(o);

	/* a client viewer sees its own agreements only */
	assert_int_equal(report_invoice(f->db, &viewer1, "2026-03", 0, &o), 0);
	assert_int_equal(json_array_size(at(o, "agreements")), 1);
	NUM_AT(o, "amount", 132.5);
	json_decref(o);
}

/* The report for a period as the writers take it. */
static struct report *built(struct fixture *f, const char *period)
{
	struct report *rep = NULL;

	assert_int_equal(report_build(f->db, &admin, period, 0, &rep), 0);
	assert_non_null(rep);
	return rep;
}

/* Bytes made in memory, put in `path` for the tools that read files (unzip, pdftotext). */
static void put_file(const char *path, char *buf, size_t n)
{
	FILE *out = fopen(path, "wb");

	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fclose(out), 0);
	free(buf);
}

/* A period's report as XLSX or PDF (made in memory) in `path`. */
static int monthly_file(const struct report *rep, bool pdf, const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	int err = pdf ? report_monthly_pdf(rep, "Testkommun", &buf, &n)
	              : report_monthly_xlsx(rep, "Testkommun", &buf, &n);

	if (!err)
		put_file(path, buf, n);
	return err;
}

static int invoice_file(const json_t *inv, bool pdf, const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	int err = pdf ? report_invoice_pdf(inv, "Testkommun", &buf, &n)
	              : report_invoice_xlsx(inv, "Testkommun", &buf, &n);

	if (!err)
		put_file(path, buf, n);
	else
		assert_null(buf);
	return err;
}

static void test_csv(void **state)
{
	struct fixture *f = *state;
	struct report *rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	json_t *o;

	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &o), 0);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	assert_int_equal(report_invoice_csv(o, mem), 0);
	fclose(mem);
	json_decref(o);
	/* UTF-8 with a byte order mark, for Swedish Excel */
	assert_true(strncmp(buf, REPORT_CSV_BOM "Månad;Förvaltning;Avtal;Rad;Kanal;Antal;", 45) ==
	            0);
	assert_non_null(strstr(buf, "Månad;Förvaltning;Avtal;Rad;Kanal;Antal;Pris (kr);Belopp "
	                            "(kr);Ärenden\r\n"));
	assert_non_null(strstr(buf, "2026-03;Äldreförvaltningen;Avtal Äldre;Ärenden;E-post;1;36,50;"
	                            "36,50;3\r\n"));
	assert_non_null(strstr(buf, ";Fast årspris;;16/365 dagar;365000,00;16000,00;\r\n"));
	assert_non_null(strstr(buf, "2026-03;;;Summa;;;;16252,50;\r\n"));
	free(buf);

	buf = NULL;
	rep = built(f, "2026-03");
	mem = open_memstream(&buf, &len);
	assert_int_equal(report_monthly_csv(rep, mem), 0);
	fclose(mem);
	report_free(rep);
	assert_true(strncmp(buf, REPORT_CSV_BOM "Månad;Svarsgrupp;Förvaltning;Ärenden;", 41) == 0);
	/* 7 cases, 4 resolved, 57,1 % (4 / 7), 71,4 % (5 / 7) */
	assert_non_null(strstr(buf, "2026-03;Totalt;;7;4;1;1;1;57,1;71,4;4;1;0;0;1;1;0;1;1\r\n"));
	/* then a table per breakdown, each after an empty line with its own header */
	assert_non_null(strstr(buf,
	                       "\r\n\r\nMånad;Svarsgrupp;Ärenden;Lösta;Vägledda;Överlämnade;"
	                       "Akut vidarebefordrade;Lösningsgrad (%);Lösningsgrad inkl. "
	                       "vägledda (%);Ärenden föregående period;Förändring ärenden;"
	                       "Förändring lösningsgrad (p.e.);Lösningsgrad mot mål 80 % (p.e.);"
	                       "Erbjudna samtal;Tillgänglighet 60 s (%);Tillgänglighet mot mål "
	                       "85 % (p.e.);Bemötande, svar;Bemötande 4–5 (%);Bemötande mot mål "
	                       "90 % (p.e.);Bemötandeindex (0–100)\r\n"));
	/* group 1 in March: cases 1 2 3 4, resolved 1 4, guided 2, handed over 3; FCR 2/4, 3/4;
	 * February 8 9 (FCR 1/2): +2 cases, +0,0 points; 50 − 80 = −30; calls 12 offered, 8
	 * within 60 s = 66,7 %, 66,67 − 85 = −18,3; no survey answers */
	assert_non_null(strstr(buf, "\r\n2026-03;Äldre direkt;4;2;1;1;0;50,0;75,0;2;2;0,0;-30,0;12;"
	                            "66,7;-18,3;0;;;\r\n"));
	/* group 2: cases 5 6 10 (resolved 5 10, urgent 6), none in February: previous empty;
	 * 66,67 − 80 = −13,3; 2/4 = 50 % within 60 s, −35 points */
	assert_non_null(strstr(
	        buf, "\r\n2026-03;Bygglov;3;2;0;0;1;66,7;66,7;;;;-13,3;4;50,0;-35,0;0;;;\r\n"));
	/* client 1: cases 1 2 3 (FCR 1/3), February 8 9 (1/2): 33,33 − 50 = −16,7; − 80 = −46,7;
	 * clients have no call or survey columns */
	assert_non_null(strstr(buf, "\r\nMånad;Förvaltning;Ärenden;"));
	assert_non_null(strstr(buf, "\r\n2026-03;Äldreförvaltningen;3;1;1;1;0;33,3;66,7;2;1;-16,7;"
	                            "-46,7;;;;;;;\r\n"));
	/* the unit Stöd has both groups: 7 cases, 16 offered, 10 within 60 s = 62,5 % */
	assert_non_null(strstr(buf, "\r\n2026-03;Stöd;7;4;1;1;1;57,1;71,4;2;5;7,1;-22,9;16;62,5;"
	                            "-22,5;0;;;\r\n"));
	/* kinds in Swedish: questions 1 3 4 (resolved 1 4), February's 8 9: 66,67 − 50 = 16,7;
	 * the complaint (case 2) was guided */
	assert_non_null(strstr(buf, "\r\nMånad;Ärendetyp;Ärenden;"));
	assert_non_null(
	        strstr(buf, "\r\n2026-03;Fråga;3;2;0;1;0;66,7;66,7;2;1;16,7;-13,3;;;;;;;\r\n"));
	assert_non_null(
	        strstr(buf, "\r\n2026-03;Klagomål;1;0;1;0;0;0,0;100,0;;;;-80,0;;;;;;;\r\n"));
	/* channels in Swedish: phone 1 2 4 6 (resolved 1 4, guided 2, urgent 6), February's
	 * phone case 8 resolved: 50 − 100 = −50 points */
	assert_non_null(
	        strstr(buf, "\r\n2026-03;Telefon;4;2;1;0;1;50,0;75,0;1;3;-50,0;-30,0;;;;;;;\r\n"));
	assert_non_null(strstr(buf, "\r\n2026-03;Webb;1;1;0;0;0;100,0;100,0;;;;20,0;;;;;;;\r\n"));
	/* agents: no case has one in this data set */
	assert_non_null(strstr(buf, "\r\nMånad;Handläggare;Ärenden;"));
	assert_non_null(strstr(buf, "\r\n2026-03;Ingen handläggare;7;4;1;1;1;57,1;71,4;2;5;7,1;"
	                            "-22,9;;;;0;;;\r\n"));
	/* and the busy hours last: Tuesday 10:00 (10) and 23:00 (2), Friday 11:00 (4) */
	assert_non_null(strstr(buf, "\r\n\r\nMånad;Veckodag;00;01;02;"));
	assert_non_null(strstr(buf, ";22;23;Totalt\r\n2026-03;måndag;0;"));
	assert_non_null(strstr(buf, "\r\n2026-03;tisdag;0;0;0;0;0;0;0;0;0;0;10;0;0;0;0;0;0;0;0;0;0;"
	                            "0;0;2;12\r\n"));
	assert_non_null(strstr(buf, "\r\n2026-03;fredag;0;0;0;0;0;0;0;0;0;0;0;4;0;0;0;0;0;0;0;0;0;"
	                            "0;0;0;4\r\n"));
	assert_non_null(strstr(buf, "\r\n2026-03;Totalt;0;0;0;0;0;0;0;0;0;0;10;4;0;0;0;0;0;0;0;0;0;"
	                            "0;0;2;16\r\n"));
	assert_non_null(strstr(buf, "2026-03;söndag;"));
	free(buf);
}

/* What a command writes to its standard output; NULL when nothing. */
static char *command_output(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0, got;
	char chunk[4096];
	FILE *p, *mem;

	p = popen(cmd, "r");
	assert_non_null(p);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, got, mem);
	fclose(mem);
	pclose(p);
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One member of an XLSX (a zip) as text, read back with `unzip -p`; NULL when missing. */
static char *unzip_member(const char *zip, const char *member)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s' 2>/dev/null", zip, member);
	return command_output(cmd);
}

/* The number of pages of a PDF as pdfinfo (poppler-utils) reads it. */
static int pdf_pages(const char *path)
{
	char cmd[512], *out, *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "pdfinfo '%s'", path);
	out = command_output(cmd);
	assert_non_null(out);
	p = strstr(out, "Pages:");
	assert_non_null(p);
	n = (int)strtol(p + 6, NULL, 10);
	free(out);
	return n;
}

/* The value (<v>) of cell `ref` in a sheet's XML, into buf; "" when the cell has none. */
static const char *cell(const char *xml, const char *ref, char *buf, size_t n)
{
	char key[32];
	const char *c, *end, *v;

	snprintf(key, sizeof(key), "<c r=\"%s\"", ref);
	buf[0] = '\0';
	if (!(c = strstr(xml, key)) || !(end = strstr(c, "</c>")) || !(v = strstr(c, "<v>")) ||
	    v > end)
		return buf;
	v += 3;
	snprintf(buf, n, "%.*s", (int)(strchr(v, '<') - v), v);
	return buf;
}

/* The "Diagram" and "Belastning" sheets of the March workbook and the charts that read them:
 * each chart names its sheet's ranges, and every cell of the busy-hours table is the JSON's. */
static void xlsx_charts(const char *path, const json_t *rep)
{
	static const char *const cols = "BCDEFGHIJKLMNOPQRSTUVWXY";
	char v[64], ref[16], *xml;
	int64_t per_hour[24] = {0}, all = 0;

	/* Diagram: group 1 has 3 + 1 cases and 8 / 12 within 60 s, group 2 3 cases and 2 / 4 */
	xml = unzip_member(path, "xl/worksheets/sheet5.xml");
	assert_non_null(xml);
	assert_string_equal(cell(xml, "B4", v, sizeof(v)), "4");
	assert_string_equal(cell(xml, "B5", v, sizeof(v)), "3");
	assert_true(fabs(strtod(cell(xml, "C4", v, sizeof(v)), NULL) - 0.6667) < 1e-4);
	assert_true(fabs(strtod(cell(xml, "C5", v, sizeof(v)), NULL) - 0.5) < 1e-4);
	assert_true(fabs(strtod(cell(xml, "D5", v, sizeof(v)), NULL) - 0.85) < 1e-9);
	assert_null(strstr(xml, "<c r=\"A6\""));
	assert_non_null(strstr(xml, "<drawing r:id="));
	free(xml);
	/* chart 1: cases per group, names from A4:A5, values B4:B5 */
	xml = unzip_member(path, "xl/charts/chart1.xml");
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<c:barChart>"));
	assert_non_null(strstr(xml, "<c:f>Diagram!$A$4:$A$5</c:f>"));
	assert_non_null(strstr(xml, "<c:f>Diagram!$B$4:$B$5</c:f>"));
	assert_non_null(strstr(xml, "<a:t>Ärenden per svarsgrupp</a:t>"));
	assert_non_null(strstr(xml, "<a:t>Svarsgrupp</a:t>"));
	free(xml);
	/* chart 2: service level (C) and the 85 % target (D), dashed, on a 0–100 % axis */
	xml = unzip_member(path, "xl/charts/chart2.xml");
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<c:f>Diagram!$C$4:$C$5</c:f>"));
	assert_non_null(strstr(xml, "<c:f>Diagram!$D$4:$D$5</c:f>"));
	assert_non_null(strstr(xml, "<a:t>Tillgänglighet 60 s per svarsgrupp</a:t>"));
	assert_non_null(strstr(xml, "<c:v>Mål 85 %</c:v>"));
	assert_non_null(strstr(xml, "<a:prstDash val=\"dash\"/>"));
	assert_non_null(strstr(xml, "<c:max val=\"1\"/>"));
	free(xml);

	/* Belastning: måndag–söndag on rows 4–10, hours 00–23 in B–Y, totals in Z and row 11 */
	xml = unzip_member(path, "xl/worksheets/sheet6.xml");
	assert_non_null(xml);
	for (size_t d = 0; d < 7; d++) {
		int64_t sum = 0;

		for (size_t h = 0; h < 24; h++) {
			int64_t want = json_integer_value(json_array_get(
			        json_array_get(at(rep, "busy_hours.offered"), d), h));

			snprintf(ref, sizeof(ref), "%c%zu", cols[h], d + 4);
			assert_int_equal(strtoll(cell(xml, ref, v, sizeof(v)), NULL, 10), want);
			sum += want;
			per_hour[h] += want;
		}
		snprintf(ref, sizeof(ref), "Z%zu", d + 4);
		assert_int_equal(strtoll(cell(xml, ref, v, sizeof(v)), NULL, 10), sum);
		all += sum;
	}
	for (size_t h = 0; h < 24; h++) {
		snprintf(ref, sizeof(ref), "%c11", cols[h]);
		assert_int_equal(strtoll(cell(xml, ref, v, sizeof(v)), NULL, 10), per_hour[h]);
	}
	/* by hand: Tuesday 10:00 has 10, Tuesday 23:00 2, Friday 11:00 4; 16 in all */
	assert_string_equal(cell(xml, "L5", v, sizeof(v)), "10");
	assert_string_equal(cell(xml, "Y5", v, sizeof(v)), "2");
	assert_string_equal(cell(xml, "M8", v, sizeof(v)), "4");
	assert_string_equal(cell(xml, "Z5", v, sizeof(v)), "12");
	assert_string_equal(cell(xml, "Z11", v, sizeof(v)), "16");
	assert_int_equal(all, 16);
	assert_non_null(strstr(xml, "<conditionalFormatting sqref=\"B4:Y10\">"));
	free(xml);
	xml = unzip_member(path, "xl/sharedStrings.xml");
	assert_non_null(strstr(xml, "<t>måndag</t>"));
	assert_non_null(strstr(xml, "<t>söndag</t>"));
	free(xml);
	/* chart 3: per hour, the header's hours and the totals row; chart 4: per weekday */
	xml = unzip_member(path, "xl/charts/chart3.xml");
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<c:f>Belastning!$B$3:$Y$3</c:f>"));
	assert_non_null(strstr(xml, "<c:f>Belastning!$B$11:$Y$11</c:f>"));
	assert_non_null(strstr(xml, "<a:t>Timme (kl.)</a:t>"));
	free(xml);
	xml = unzip_member(path, "xl/charts/chart4.xml");
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<c:f>Belastning!$A$4:$A$10</c:f>"));
	assert_non_null(strstr(xml, "<c:f>Belastning!$Z$4:$Z$10</c:f>"));
	free(xml);
	assert_null(unzip_member(path, "xl/charts/chart5.xml"));
}

static void test_xlsx(void **state)
{
	struct fixture *f = *state;
	struct report *rep;
	char path[] = "/tmp/lotsen-test-report-XXXXXX";
	char v[64], *xml;
	json_t *o;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);

	/* monthly: 3 rows (group 1 × client 1, group 1 × client 2, group 2 × client 2) from
	 * spreadsheet row 4, so the totals are on row 7 */
	assert_int_equal(report_monthly(f->db, &admin, "2026-03", 0, &o), 0);
	rep = built(f, "2026-03");
	assert_int_equal(monthly_file(rep, false, path), 0);
	report_free(rep);
	xml = unzip_member(path, "xl/workbook.xml");
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<sheet name=\"Ärenden\" sheetId=\"1\""));
	assert_non_null(strstr(xml, "<sheet name=\"Samtal\" sheetId=\"2\""));
	assert_non_null(strstr(xml, "<sheet name=\"Jämförelse\" sheetId=\"3\""));
	assert_non_null(strstr(xml, "<sheet name=\"Fördelning\" sheetId=\"4\""));
	assert_non_null(strstr(xml, "<sheet name=\"Diagram\" sheetId=\"5\""));
	assert_non_null(strstr(xml, "<sheet name=\"Belastning\" sheetId=\"6\""));
	free(xml);
	xml = unzip_member(path, "xl/sharedStrings.xml");
	assert_non_null(xml);
	assert_non_null(strstr(
	        xml, "<t>Testkommun – Ärenden per svarsgrupp och förvaltning, mars 2026</t>"));
	assert_non_null(strstr(xml, "<t>Lösningsgrad inkl. vägledda</t>"));
	assert_non_null(strstr(xml, "<t>Tillgänglighet 60 s</t>"));
	assert_non_null(strstr(xml, "<t>Totalt</t>"));
	assert_non_null(strstr(xml, "<t>februari 2026</t>"));
	free(xml);
	xml = unzip_member(path, "xl/styles.xml");
	assert_non_null(strstr(xml, "formatCode=\"0.0%\""));
	free(xml);
	xml = unzip_member(path, "xl/worksheets/sheet1.xml");
	assert_non_null(xml);
	assert_string_equal(cell(xml, "C4", v, sizeof(v)), "3"); /* group 1 × client 1 */
	assert_string_equal(cell(xml, "C7", v, sizeof(v)), "7"); /* totals: 7 cases */
	assert_string_equal(cell(xml, "D7", v, sizeof(v)), "4"); /* 4 resolved */
	assert_true(fabs(strtod(cell(xml, "H7", v, sizeof(v)), NULL) - 0.5714) < 1e-4); /* 4/7 */
	free(xml);
	xml = unzip_member(path, "xl/worksheets/sheet2.xml"); /* calls: 2 groups, totals row 6 */
	assert_string_equal(cell(xml, "B6", v, sizeof(v)), "16");
	assert_true(fabs(strtod(cell(xml, "G6", v, sizeof(v)), NULL) - 0.625) < 1e-4);
	free(xml);
	xml = unzip_member(path, "xl/worksheets/sheet3.xml"); /* cases: 7 now, 2 before, +5 */
	assert_string_equal(cell(xml, "B4", v, sizeof(v)), "7");
	assert_string_equal(cell(xml, "C4", v, sizeof(v)), "2");
	assert_string_equal(cell(xml, "D4", v, sizeof(v)), "5");
	free(xml);
	xlsx_charts(path, o);
	json_decref(o);

	/* invoice: 5 lines (rows 4–8), a sum per client (9, 10), the total on row 11 */
	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &o), 0);
	assert_int_equal(invoice_file(o, false, path), 0);
	json_decref(o);
	xml = unzip_member(path, "xl/workbook.xml");
	assert_non_null(strstr(xml, "<sheet name=\"Fakturaunderlag\" sheetId=\"1\""));
	assert_non_null(strstr(xml, "<sheet name=\"Ärenden\" sheetId=\"2\""));
	free(xml);
	xml = unzip_member(path, "xl/styles.xml");
	assert_non_null(strstr(xml, "formatCode=\"#,##0.00 &quot;kr&quot;\""));
	free(xml);
	xml = unzip_member(path, "xl/sharedStrings.xml");
	assert_non_null(strstr(xml, "<t>Testkommun – Fakturaunderlag, mars 2026</t>"));
	assert_non_null(strstr(xml, "<t>Summa Stadsbyggnadskontoret</t>"));
	assert_non_null(strstr(xml, "<t>Fast årspris</t>"));
	assert_non_null(strstr(xml, "<t>16 av 365</t>"));
	free(xml);
	xml = unzip_member(path, "xl/worksheets/sheet1.xml");
	assert_string_equal(cell(xml, "E4", v, sizeof(v)), "2");     /* 2 phone cases */
	assert_string_equal(cell(xml, "F4", v, sizeof(v)), "48");    /* at 48 kr */
	assert_string_equal(cell(xml, "G4", v, sizeof(v)), "96");    /* = 96 kr */
	assert_string_equal(cell(xml, "G8", v, sizeof(v)), "16000"); /* 365 000 × 16 / 365 */
	assert_string_equal(cell(xml, "G9", v, sizeof(v)), "132.5");
	assert_string_equal(cell(xml, "E11", v, sizeof(v)), "6"); /* 3 + 3 cases */
	assert_string_equal(cell(xml, "G11", v, sizeof(v)), "16252.5");
	free(xml);
	xml = unzip_member(path, "xl/worksheets/sheet2.xml"); /* case ids 1, 2, 3, 4, 6, 5 */
	assert_string_equal(cell(xml, "D4", v, sizeof(v)), "1");
	assert_string_equal(cell(xml, "D8", v, sizeof(v)), "6");
	assert_string_equal(cell(xml, "D9", v, sizeof(v)), "5");
	assert_string_equal(cell(xml, "D10", v, sizeof(v)), "");
	free(xml);

	/* not an invoice basis: nothing made */
	o = json_object();
	assert_int_equal(invoice_file(o, false, path), EINVAL);
	json_decref(o);
	unlink(path);
}

/* The page "När ringer medborgarna?": one page more than the same report without its busy
 * hours, rendered by pdftoppm and read back by pdftotext with its title, the weekdays and the
 * busiest hour worked out by hand. */
static void pdf_busy_hours(struct fixture *f, const char *path)
{
	char cmd[512], png[80], *txt;
	int with, without;
	struct report *rep;
	FILE *in;

	rep = built(f, "2026-03");
	assert_int_equal(monthly_file(rep, true, path), 0);
	with = pdf_pages(path);
	snprintf(cmd, sizeof(cmd), "pdftotext -f 2 -l 2 '%s' -", path);
	txt = command_output(cmd);
	assert_non_null(txt);
	assert_non_null(strstr(txt, "När ringer medborgarna?"));
	assert_non_null(strstr(txt, "måndag"));
	assert_non_null(strstr(txt, "söndag"));
	/* Tuesday 10:00 has 10 of the 16 offered calls; Tuesday's total is 10 + 2 */
	assert_non_null(strstr(txt, "Flest samtal: tisdag kl. 10–11 (10 samtal)."));
	assert_non_null(strstr(txt, "Totalt 16 samtal"));
	assert_non_null(strstr(txt, "mars 2026, 31 dagar"));
	free(txt);
	snprintf(png, sizeof(png), "%s-sida2", path);
	snprintf(cmd, sizeof(cmd), "pdftoppm -png -r 40 -f 2 -l 2 -singlefile '%s' '%s'", path,
	         png);
	assert_int_equal(system(cmd), 0);
	snprintf(png + strlen(png), sizeof(png) - strlen(png), ".png");
	in = fopen(png, "rb");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	assert_true(ftell(in) > 1000);
	fclose(in);
	unlink(png);

	/* without busy hours (a report stored before they were added): no such page */
	rep->busy = false;
	assert_int_equal(monthly_file(rep, true, path), 0);
	report_free(rep);
	without = pdf_pages(path);
	assert_int_equal(with, without + 1);
	snprintf(cmd, sizeof(cmd), "pdftotext '%s' -", path);
	txt = command_output(cmd);
	assert_non_null(txt);
	assert_null(strstr(txt, "När ringer medborgarna?"));
	free(txt);
}

/* The monthly report as a PDF: a PDF file with at least one page ("/Type /Page" objects,
 * not the "/Type /Pages" tree) for the fixed data set; EINVAL for what is not a report. */
static void test_pdf(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/lotsen-test-report-XXXXXX";
	char *buf, *p, buf5[5];
	int fd = mkstemp(path), pages = 0;
	long n;
	FILE *in;
	struct report *rep;
	json_t *o;

	assert_true(fd >= 0);
	close(fd);
	rep = built(f, "2026-03");
	assert_int_equal(monthly_file(rep, true, path), 0);
	report_free(rep);
	in = fopen(path, "rb");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	n = ftell(in);
	assert_true(n > 1000);
	rewind(in);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, in), (size_t)n);
	fclose(in);
	assert_memory_equal(buf, "%PDF-", 5);
	for (p = buf; (p = memmem(p, (size_t)(buf + n - p), "/Type /Page", 11)); p += 11)
		pages += p[11] != 's';
	assert_true(pages >= 1);
	/* tagged: a structure tree with the headings and the breakdown tables (among them the
	 * category and sub-unit tables) */
	assert_non_null(memmem(buf, (size_t)n, "/StructTreeRoot", 15));
	assert_non_null(memmem(buf, (size_t)n, "/Marked true", 12));
	assert_non_null(memmem(buf, (size_t)n, "/S /Table", 9));
	assert_non_null(memmem(buf, (size_t)n, "/S /H1", 6));
	free(buf);

	pdf_busy_hours(f, path);

	o = json_object();
	assert_int_equal(invoice_file(o, true, path), EINVAL);
	json_decref(o);

	/* the invoice basis and a tertial report as PDF */
	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &o), 0);
	assert_int_equal(invoice_file(o, true, path), 0);
	json_decref(o);
	in = fopen(path, "rb");
	assert_non_null(in);
	assert_int_equal(fread(buf5, 1, 5, in), 5);
	fclose(in);
	assert_memory_equal(buf5, "%PDF-", 5);
	rep = built(f, "2026-T1");
	assert_int_equal(monthly_file(rep, true, path), 0);
	report_free(rep);
	unlink(path);
}

/* ======================================================================
 * Periods, rollups, satisfaction, scheduled delivery
 * ====================================================================== */

static void test_period_parse(void **state)
{
	struct report_period p, q;

	(void)state;
	assert_int_equal(report_period_parse("2026-T1", &p), 0);
	assert_int_equal(p.kind, PERIOD_TERTIAL);
	assert_int_equal(p.from, 1767222000); /* 2025-12-31T23:00:00Z: 1 January 00:00 +01:00 */
	assert_int_equal(p.to, 1777586400);   /* 2026-04-30T22:00:00Z: 1 May 00:00 +02:00 */
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2025-T3");
	assert_int_equal(q.first.m, 9);
	assert_int_equal(q.last.d, 31);
	assert_int_equal(report_period_parse("2026-T2", &p), 0);
	assert_int_equal(p.first.m, 5);
	assert_int_equal(p.last.m, 8);
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2026-T1");
	assert_int_equal(report_period_parse("2026", &p), 0);
	assert_int_equal(p.kind, PERIOD_YEAR);
	assert_int_equal(p.to, 1798758000); /* 2026-12-31T23:00:00Z */
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2025");
	assert_int_equal(report_period_parse("2026-03", &p), 0);
	assert_int_equal(p.kind, PERIOD_MONTH);
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2026-02");
	assert_int_equal(report_period_parse("2026-01", &p), 0);
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2025-12");
	/* ten days, and the ten days before */
	assert_int_equal(report_period_parse("2026-03-01..2026-03-10", &p), 0);
	assert_int_equal(p.kind, PERIOD_RANGE);
	assert_int_equal(p.from, 1772319600);
	report_period_previous(&p, &q);
	assert_string_equal(q.label, "2026-02-19..2026-02-28");
	/* the spring DST day has 23 hours */
	assert_int_equal(report_period_parse("2026-03-29..2026-03-29", &p), 0);
	assert_int_equal(p.to - p.from, 23 * 3600);
	assert_int_equal(report_period_parse("2026-T4", &p), EINVAL);
	assert_int_equal(report_period_parse("2026-T0", &p), EINVAL);
	assert_int_equal(report_period_parse("2026-13", &p), EINVAL);
	assert_int_equal(report_period_parse("26", &p), EINVAL);
	assert_int_equal(report_period_parse("2026-04-01..2026-03-01", &p), EINVAL);
	assert_int_equal(report_period_parse("2026-02-30..2026-03-01", &p), EINVAL);
	assert_int_equal(report_period_parse("2010-01-01..2026-01-01", &p), EINVAL);
	assert_int_equal(report_period_parse("2026-03-01...2026-03-02", &p), EINVAL);
	assert_int_equal(report_period_parse("", &p), EINVAL);
	assert_int_equal(report_period_parse(NULL, &p), EINVAL);
}

/* Survey answers (prompt enkat_4 counts; enkat_6 does not) and an agent on cases 1 and 2. */
static const char survey_fixture[] =
        "INSERT INTO users(id, username, display_name, role) VALUES (1, 'admin', 'Admin',"
        " 'admin'), (7, 'anna', 'Anna Lindqvist', 'agent');"
        "UPDATE cases SET agent_id = 7 WHERE id IN (1, 2);"
        "INSERT INTO tel_survey_answers(call_id, group_id, agent_id, question, prompt, answer,"
        " t_ms) VALUES"
        /* 2026-03-10 09:00Z, group 1, Anna: 5 4 3 2 1 5 */
        " (1, 1, 7, 4, 'enkat_4', 5, 1773133200000), (2, 1, 7, 4, 'enkat_4', 4, 1773133200000),"
        " (3, 1, 7, 4, 'enkat_4', 3, 1773133200000), (4, 1, NULL, 4, 'enkat_4', 2,"
        " 1773133200000), (5, 1, NULL, 4, 'enkat_4', 1, 1773133200000),"
        " (6, 1, NULL, 4, 'enkat_4', 5, 1773133200000),"
        /* another question: not satisfaction */
        " (6, 1, NULL, 6, 'enkat_6', 1, 1773133200000),"
        /* 2026-04-15 10:00Z, group 2: April */
        " (7, 2, NULL, 4, 'enkat_4', 4, 1776247200000);";

static void test_period_figures(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	assert_int_equal(db_exec(f->db, survey_fixture), 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);

	/* T1 = January–April: every case of the fixture, 1–10.
	 * resolved 1 4 5 7 8 10 = 6, guided 2 9 = 2, handed over 3, urgent 6 */
	assert_int_equal(report_period(f->db, &admin, "2026-T1", 0, &o), 0);
	STR_AT(o, "period", "2026-T1");
	STR_AT(o, "kind", "tertial");
	STR_AT(o, "from", "2025-12-31T23:00:00Z");
	STR_AT(o, "to", "2026-04-30T22:00:00Z");
	INT_AT(o, "totals.cases", 10);
	INT_AT(o, "totals.resolved", 6);
	INT_AT(o, "totals.guided", 2);
	INT_AT(o, "totals.handed_over", 1);
	INT_AT(o, "totals.forwarded_urgent", 1);
	NUM_AT(o, "totals.fcr", 0.6);
	NUM_AT(o, "totals.fcr_incl_guided", 0.8);
	NUM_AT(o, "totals.vs_target.fcr", 0.6 - 0.8);
	/* calls: all five intervals, offered 10+2+5+4+5 = 26, within 60 s 6+2+1+2+5 = 16 */
	INT_AT(o, "totals.calls.offered", 26);
	NUM_AT(o, "totals.calls.service_level_60", 0.6154);
	NUM_AT(o, "totals.vs_target.service_level_60", 0.6154 - 0.85);
	/* satisfaction: 5 4 3 2 1 5 in March and 4 in April: 7 answers; 3–5: 5; 4–5: 4;
	 * index (100+75+50+25+0+100+75) ÷ 7 = 425 ÷ 7 = 60.71 */
	INT_AT(o, "totals.satisfaction.answers", 7);
	NUM_AT(o, "totals.satisfaction.share_3_5", 0.7143);
	NUM_AT(o, "totals.satisfaction.share_4_5", 0.5714);
	NUM_AT(o, "totals.satisfaction.index", 60.71);
	NUM_AT(o, "totals.vs_target.satisfaction", 0.5714 - 0.9);
	/* the tertial before (Sep–Dec 2025) had nothing */
	STR_AT(o, "previous.month", "2025-T3");
	INT_AT(o, "previous.totals.cases", 0);
	INT_AT(o, "change.cases", 10);
	assert_true(json_is_null(at(o, "change.fcr")));
	/* breakdowns: kinds question 1 3 4 7 8 9, matter 6 10, complaint 2, praise 5 */
	STR_AT(o, "breakdowns.kinds.0.kind", "question");
	INT_AT(o, "breakdowns.kinds.0.cases", 6);
	STR_AT(o, "breakdowns.kinds.1.kind", "matter");
	INT_AT(o, "breakdowns.kinds.1.cases", 2);
	STR_AT(o, "breakdowns.kinds.2.kind", "complaint");
	INT_AT(o, "breakdowns.kinds.2.cases", 1);
	STR_AT(o, "breakdowns.kinds.3.kind", "praise");
	INT_AT(o, "breakdowns.kinds.3.cases", 1);
	/* channels: phone 1 2 4 6 7 8, email 3 9, visit 10, web 5 */
	STR_AT(o, "breakdowns.channels.0.channel", "phone");
	INT_AT(o, "breakdowns.channels.0.cases", 6);
	STR_AT(o, "breakdowns.channels.1.channel", "email");
	INT_AT(o, "breakdowns.channels.1.cases", 2);
	STR_AT(o, "breakdowns.channels.2.channel", "visit");
	INT_AT(o, "breakdowns.channels.2.cases", 1);
	STR_AT(o, "breakdowns.channels.3.channel", "web");
	/* clients: 1 has 1 2 3 7 8 9, 2 has 4 5 6 10 */
	INT_AT(o, "breakdowns.clients.0.cases", 6);
	INT_AT(o, "breakdowns.clients.1.cases", 4);
	STR_AT(o, "breakdowns.units.0.unit_name", "Stöd");
	INT_AT(o, "breakdowns.units.0.cases", 10);
	INT_AT(o, "breakdowns.units.0.calls.offered", 26);
	/* agents: none recorded (0) for 3–10; Anna for 1 (resolved) and 2 (guided) */
	INT_AT(o, "breakdowns.agents.0.agent_id", 0);
	INT_AT(o, "breakdowns.agents.0.cases", 8);
	INT_AT(o, "breakdowns.agents.1.agent_id", 7);
	STR_AT(o, "breakdowns.agents.1.agent_name", "Anna Lindqvist");
	INT_AT(o, "breakdowns.agents.1.cases", 2);
	NUM_AT(o, "breakdowns.agents.1.fcr", 0.5);
	NUM_AT(o, "breakdowns.agents.1.fcr_incl_guided", 1.0);
	/* Anna's answers 5 4 3: 3–5 all, 4–5 two of three, index (100+75+50) ÷ 3 = 75 */
	INT_AT(o, "breakdowns.agents.1.satisfaction.answers", 3);
	NUM_AT(o, "breakdowns.agents.1.satisfaction.share_3_5", 1.0);
	NUM_AT(o, "breakdowns.agents.1.satisfaction.share_4_5", 0.6667);
	NUM_AT(o, "breakdowns.agents.1.satisfaction.index", 75.0);
	/* group 2 (Bygglov): cases 5 6 10, its one answer 4 in April */
	INT_AT(o, "breakdowns.groups.1.group_id", 2);
	INT_AT(o, "breakdowns.groups.1.cases", 3);
	NUM_AT(o, "breakdowns.groups.1.satisfaction.share_4_5", 1.0);
	NUM_AT(o, "breakdowns.groups.1.satisfaction.index", 75.0);
	assert_true(json_is_null(at(o, "breakdowns.groups.1.previous")));
	json_decref(o);

	/* the year is the same ten cases; 2025 had none */
	assert_int_equal(report_period(f->db, &admin, "2026", 0, &o), 0);
	STR_AT(o, "kind", "year");
	INT_AT(o, "totals.cases", 10);
	STR_AT(o, "previous.month", "2025");
	json_decref(o);

	/* March: group 1 has the six answers, group 2 none (nulls, not 100 %) */
	assert_int_equal(report_period(f->db, &admin, "2026-03", 0, &o), 0);
	INT_AT(o, "groups.0.satisfaction.answers", 6);
	NUM_AT(o, "groups.0.satisfaction.share_3_5", 0.6667);
	NUM_AT(o, "groups.0.satisfaction.share_4_5", 0.5);
	NUM_AT(o, "groups.0.satisfaction.index", 58.33); /* 350 ÷ 6 */
	INT_AT(o, "groups.1.satisfaction.answers", 0);
	assert_true(json_is_null(at(o, "groups.1.satisfaction.share_3_5")));
	assert_true(json_is_null(at(o, "groups.1.satisfaction.index")));
	/* per row: group 1 × client 1 had 3 cases in March (1 2 3), 2 in February (8 9) */
	INT_AT(o, "rows.0.cases", 3);
	INT_AT(o, "rows.0.previous.cases", 2);
	INT_AT(o, "rows.0.change.cases", 1);
	NUM_AT(o, "rows.0.change.fcr", 0.3333 - 0.5); /* rates to four decimals first */
	/* When it is busy, in Stockholm time: group 1 on Tuesday 10 March 10:00 (10 offered)
	 * and Tuesday 31 March 23:45 (2); group 2 on Friday 20 March 11:00 (4). The
	 * 00:00 interval of 1 April is April's; February's 23:45 is February's. */
	INT_AT(o, "busy_hours.days", 31);
	INT_AT(o, "busy_hours.offered.1.10", 10);
	INT_AT(o, "busy_hours.offered.1.23", 2);
	INT_AT(o, "busy_hours.offered.4.11", 4);
	INT_AT(o, "busy_hours.offered.2.0", 0);
	{
		int64_t all = 0;
		size_t d, h;
		json_t *row, *x;

		json_array_foreach(at(o, "busy_hours.offered"), d, row)
		{
			assert_int_equal(json_array_size(row), 24);
			json_array_foreach(row, h, x) all += json_integer_value(x);
		}
		assert_int_equal(d, 7);
		assert_int_equal(all, 16);
	}
	json_decref(o);

	/* 31 March – 1 April around midnight: case 5 (31 March 23:30) and 7 (1 April 00:30);
	 * calls at 23:45 (2 offered, 2 within 60 s) and 00:00 (5 offered, 1 within 60 s) */
	assert_int_equal(report_period(f->db, &admin, "2026-03-31..2026-04-01", 0, &o), 0);
	STR_AT(o, "kind", "range");
	INT_AT(o, "totals.cases", 2);
	INT_AT(o, "totals.resolved", 2);
	INT_AT(o, "totals.calls.offered", 7);
	NUM_AT(o, "totals.calls.service_level_60", 0.4286);
	/* the two days before, 29–30 March (29th the 23-hour DST day): case 6 only */
	STR_AT(o, "previous.month", "2026-03-29..2026-03-30");
	INT_AT(o, "previous.totals.cases", 1);
	INT_AT(o, "previous.totals.forwarded_urgent", 1);
	json_decref(o);

	/* a client viewer gets its own client; another is EPERM; agents none */
	assert_int_equal(report_period(f->db, &viewer1, "2026-T1", 0, &o), 0);
	INT_AT(o, "totals.cases", 6);
	json_decref(o);
	assert_int_equal(report_period(f->db, &viewer1, "2026-T1", 2, &o), EPERM);
	assert_int_equal(report_period(f->db, &agent, "2026-T1", 0, &o), EPERM);
	assert_int_equal(report_period(f->db, &admin, "2026-T5", 0, &o), EINVAL);
}

/* The breakdowns of a tertial as CSV, with the survey's answers in the satisfaction
 * columns. */
/* Issue 15: a group lead's report (their groups only), service level per hour of the day
 * and satisfaction per month, each hand-computed from the fixture. */
static void test_lead_groups_and_charts(void **state)
{
	struct fixture *f = *state;
	const struct principal lead = {.id = 9, .role = ROLE_GROUP_LEAD};
	const struct principal lonely = {.id = 10, .role = ROLE_GROUP_LEAD};
	struct report_filter g1 = {.group_ids = {1}, .ngroups = 1};
	struct report_filter g99 = {.group_ids = {99}, .ngroups = 1};
	struct report *rep;
	json_t *o;

	assert_int_equal(db_exec(f->db, survey_fixture), 0);
	assert_int_equal(db_exec(f->db,
	                         "INSERT INTO users(id, username, display_name, role) VALUES"
	                         " (9, 'lead', 'Lead', 'group_lead'),"
	                         " (10, 'lead2', 'Lead 2', 'group_lead');"
	                         "INSERT INTO user_groups(user_id, group_id) VALUES (9, 2);"),
	                 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);

	/* Everyone, T1. Service level per Stockholm hour: 09:00Z 10 March = 10 local: offered
	 * 10, within 60 s 6; 21:45Z 31 March = 23:45 (summer) 2/2 and 22:45Z 28 Feb = 23:45
	 * (winter) 5/5: hour 23 7/7; 22:00Z 31 March = 00:00 1 April: 5/1; group 2's 10:00Z 20
	 * March = 11 local: 4/2. */
	assert_int_equal(report_build_filtered(f->db, &manager, "2026-T1", 0, NULL, &rep), 0);
	assert_int_equal(rep->sl_hours[10].offered, 10);
	assert_int_equal(rep->sl_hours[10].answered_60, 6);
	assert_true(fabs(rep->sl_hours[10].service_level_60 - 0.6) < 1e-9);
	assert_int_equal(rep->sl_hours[23].offered, 7);
	assert_true(fabs(rep->sl_hours[23].service_level_60 - 1.0) < 1e-9);
	assert_int_equal(rep->sl_hours[0].offered, 5);
	assert_true(fabs(rep->sl_hours[0].service_level_60 - 0.2) < 1e-9);
	assert_true(fabs(rep->sl_hours[11].service_level_60 - 0.5) < 1e-9);
	assert_true(isnan(rep->sl_hours[5].service_level_60));
	/* satisfaction per month, January–April: March 5 4 3 2 1 5 (group 1), April 4 */
	assert_int_equal(rep->nsat_months, 4);
	assert_string_equal(rep->sat_months[0].month, "2026-01");
	assert_int_equal(rep->sat_months[0].sat.answers, 0);
	assert_true(isnan(rep->sat_months[1].sat.share_4_5));
	assert_string_equal(rep->sat_months[2].month, "2026-03");
	assert_int_equal(rep->sat_months[2].sat.answers, 6);
	assert_int_equal(rep->sat_months[2].sat.dist[0], 1); /* one 1 */
	assert_int_equal(rep->sat_months[2].sat.dist[4], 2); /* two 5s */
	assert_true(fabs(rep->sat_months[2].sat.share_4_5 - 0.5) < 1e-9);
	assert_true(fabs(rep->sat_months[2].sat.share_3_5 - 0.6667) < 1e-9);
	assert_int_equal(rep->sat_months[3].sat.answers, 1);
	assert_true(fabs(rep->sat_months[3].sat.share_4_5 - 1.0) < 1e-9);
	/* the distribution of the whole period: 1 1 1 2 2 */
	assert_int_equal(rep->cur.total.f.sat.dist[3], 2);
	assert_int_equal(rep->cur.total.f.sat.dist[1], 1);
	assert_int_equal(report_json(rep, &o), 0);
	INT_AT(o, "service_level_hours.23.offered", 7);
	NUM_AT(o, "service_level_hours.10.service_level_60", 0.6);
	assert_true(json_is_null(at(o, "service_level_hours.5.service_level_60")));
	STR_AT(o, "satisfaction_months.2.month", "2026-03");
	INT_AT(o, "satisfaction_months.2.distribution.4", 2);
	INT_AT(o, "totals.satisfaction.distribution.3", 2);
	assert_int_equal(json_array_size(at(o, "group_ids")), 0);
	json_decref(o);
	{ /* the same as CSV tables, for Excel and screen readers */
		char *csv = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&csv, &len);

		assert_non_null(mf);
		assert_int_equal(report_monthly_csv(rep, mf), 0);
		fclose(mf);
		assert_non_null(strstr(csv, "Period;Timme;Erbjudna;Besvarade inom 60 s;"));
		assert_non_null(strstr(csv, "\r\n2026-T1;10;10;6;60,0\r\n"));
		assert_non_null(strstr(csv, "\r\n2026-T1;05;0;0;\r\n"));
		assert_non_null(strstr(csv, "\r\n2026-03;6;1;1;1;1;2;66,7;50,0\r\n"));
		assert_non_null(strstr(csv, "\r\n2026-01;0;0;0;0;0;0;;\r\n"));
		free(csv);
	}
	report_free(rep);

	/* The lead of group 2 without a filter: group 2's cases 5, 6 and 10, its calls (offered
	 * 4 at 11 local) and its answer in April; nothing of group 1. */
	assert_int_equal(report_build_filtered(f->db, &lead, "2026-T1", 0, NULL, &rep), 0);
	assert_int_equal(rep->filter.ngroups, 1);
	assert_int_equal(rep->filter.group_ids[0], 2);
	assert_int_equal(rep->cur.total.f.c.cases, 3);
	assert_int_equal(rep->cur.t[REPORT_GROUPS].n, 1);
	assert_int_equal(rep->cur.t[REPORT_GROUPS].v[0].id, 2);
	assert_int_equal(rep->cur.total.f.calls.offered, 4);
	assert_int_equal(rep->sl_hours[11].offered, 4);
	assert_int_equal(rep->sl_hours[10].offered, 0);
	assert_int_equal(rep->cur.total.f.sat.answers, 1);
	assert_int_equal(rep->sat_months[2].sat.answers, 0);
	assert_int_equal(rep->cur.t[REPORT_CATEGORIES].n, 2); /* Beröm (5), Ärende (6, 10) */
	report_free(rep);
	/* a group they do not lead, an unknown group, a lead of no group */
	assert_int_equal(report_build_filtered(f->db, &lead, "2026-T1", 0, &g1, &rep), EPERM);
	assert_null(rep);
	assert_int_equal(report_build_filtered(f->db, &lead, "2026-T1", 0, &g99, &rep), ENOENT);
	assert_int_equal(report_build_filtered(f->db, &lonely, "2026-T1", 0, NULL, &rep), EPERM);
	assert_int_equal(report_build_filtered(f->db, &agent, "2026-T1", 0, NULL, &rep), EPERM);

	/* A manager narrowed to group 1: cases 1 2 3 4 7 8 9, offered 10+2+5+5 = 22 */
	assert_int_equal(report_build_filtered(f->db, &manager, "2026-T1", 0, &g1, &rep), 0);
	assert_int_equal(rep->cur.total.f.c.cases, 7);
	assert_int_equal(rep->cur.total.f.calls.offered, 22);
	assert_int_equal(rep->cur.t[REPORT_AGENTS].n, 2);
	report_free(rep);
}

static void test_csv_period(void **state)
{
	struct fixture *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	struct report *rep;

	assert_int_equal(db_exec(f->db, survey_fixture), 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	rep = built(f, "2026-T1");
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	assert_int_equal(report_monthly_csv(rep, mem), 0);
	fclose(mem);
	report_free(rep);
	assert_true(strncmp(buf, REPORT_CSV_BOM "Period;Svarsgrupp;Förvaltning;Ärenden;", 43) == 0);
	assert_non_null(strstr(buf, "\r\nPeriod;Handläggare;Ärenden;"));
	/* group 1 in T1: cases 1 2 3 4 7 8 9, resolved 1 4 7 8, guided 2 9, handed over 3;
	 * FCR 4/7 = 57,1 %, 6/7 = 85,7 %; 57,14 − 80 = −22,9; nothing in 2025-T3; calls
	 * 10+2+5+5 = 22 offered, 6+2+1+5 = 14 within 60 s = 63,6 %, 63,64 − 85 = −21,4;
	 * answers 5 4 3 2 1 5: 3 of 6 are 4–5 = 50 %, −40 points, index 350/6 = 58,33 */
	assert_non_null(strstr(buf, "\r\n2026-T1;Äldre direkt;7;4;2;1;0;57,1;85,7;;;;-22,9;22;63,6;"
	                            "-21,4;6;50,0;-40,0;58,33\r\n"));
	/* Anna: cases 1 (resolved) 2 (guided); answers 5 4 3: 2 of 3 are 4–5, 66,67 − 90 =
	 * −23,3, index (100+75+50)/3 = 75 */
	assert_non_null(strstr(buf, "\r\n2026-T1;Anna Lindqvist;2;1;1;0;0;50,0;100,0;;;;-30,0;;;;3;"
	                            "66,7;-23,3;75,00\r\n"));
	free(buf);
}

/* A case logged on 31 March and changed on 2 April stays in March, under its new outcome. */
static void test_update_across_month_end(void **state)
{
	struct fixture *f = *state;
	struct verrors v;
	json_t *o, *in;

	assert_int_equal(db_exec(f->db, survey_fixture), 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	in = json_pack("{s:s}", "outcome", "guided");
	valid_init(&v, true);
	/* 2026-04-02 10:00 local */
	assert_int_equal(case_update(f->db, &admin, 5, in, 1775116800, &v), 0);
	json_decref(in);
	valid_free(&v);
	assert_int_equal(report_period(f->db, &admin, "2026-03", 0, &o), 0);
	INT_AT(o, "totals.cases", 7);
	INT_AT(o, "totals.resolved", 3); /* 1 4 10 */
	INT_AT(o, "totals.guided", 2);   /* 2 5 */
	json_decref(o);
	assert_int_equal(report_period(f->db, &admin, "2026-04", 0, &o), 0);
	INT_AT(o, "totals.cases", 1);
	INT_AT(o, "totals.guided", 0);
	json_decref(o);
	/* a new category of another kind moves the count between kinds */
	in = json_pack("{s:i}", "category_id", 2);
	valid_init(&v, true);
	assert_int_equal(case_update(f->db, &admin, 1, in, 1775116800, &v), 0);
	json_decref(in);
	valid_free(&v);
	assert_int_equal(report_period(f->db, &admin, "2026-03", 0, &o), 0);
	INT_AT(o, "totals.complaints", 2); /* 1 and 2 */
	json_decref(o);
}

/* Contacts that came in without an agent (Tyck till on the web, e-mail): open, no outcome,
 * counted nowhere until an agent sets the outcome. Four of them in March, logged as the
 * intake does (no principal): 11 web 20 March and 12 e-mail 18 March stay unhandled; 13 web
 * 21 March is resolved and 14 e-mail 22 March (a complaint) guided by agent 3 on 25 March.
 * Every figure below by hand from test_monthly_figures' and test_invoice's. */
static int count_h(const char *outcome, const char *channel, bool threat, int64_t n, void *arg)
{
	(void)channel;
	(void)threat;
	assert_non_null(outcome); /* an unhandled case is never handed to a counter */
	*(int64_t *)arg += n;
	return 0;
}

static int64_t logged(struct fixture *f, const char *sql_check, int64_t id)
{
	return db_scalar_int(f->db, sql_check, id);
}

static void intake_case(struct fixture *f, const char *channel, int group, int client, int category,
                        const char *received, int64_t expect_id)
{
	static const struct principal nobody = {0};
	struct verrors v;
	int64_t id = 0;
	json_t *in = json_pack("{s:i,s:i,s:i,s:s,s:s,s:s}", "group_id", group, "client_id", client,
	                       "category_id", category, "channel", channel, "summary",
	                       "Meddelande utan handläggare", "received_at", received);

	valid_init(&v, true);
	assert_int_equal(case_create(f->db, &nobody, in, 1774425600 /* 25 March */, &id, &v), 0);
	assert_false(valid_has_errors(&v));
	valid_free(&v);
	json_decref(in);
	assert_int_equal(id, expect_id);
	assert_int_equal(logged(f,
	                        "SELECT COUNT(*) FROM cases WHERE id = ? AND outcome IS NULL"
	                        " AND status = 'open' AND agent_id IS NULL",
	                        id),
	                 1);
}

static void handle(struct fixture *f, int64_t id, const char *outcome)
{
	static const struct principal agent3 = {.id = 3, .role = ROLE_AGENT};
	struct verrors v;
	json_t *in = json_pack("{s:s}", "outcome", outcome);

	valid_init(&v, true);
	assert_int_equal(case_update(f->db, &agent3, id, in, 1774425600, &v), 0);
	valid_free(&v);
	json_decref(in);
}

static void march_figures(struct fixture *f, bool handled)
{
	int64_t received = 0, by_agent = 0;
	json_t *o;

	assert_int_equal(report_monthly(f->db, &manager, "2026-03", 0, &o), 0);
	assert_int_equal(json_array_size(at(o, "rows")), 3);
	if (!handled) {
		/* nothing moves: the figures of test_monthly_figures */
		INT_AT(o, "rows.0.cases", 3);
		INT_AT(o, "rows.0.channels.email", 1);
		INT_AT(o, "rows.2.cases", 3);
		INT_AT(o, "rows.2.channels.web", 1);
		INT_AT(o, "totals.cases", 7);
		INT_AT(o, "totals.resolved", 4);
		INT_AT(o, "totals.guided", 1);
		NUM_AT(o, "totals.fcr", 0.5714);             /* 4 / 7 */
		NUM_AT(o, "totals.fcr_incl_guided", 0.7143); /* 5 / 7 */
		INT_AT(o, "totals.channels.web", 1);
		INT_AT(o, "totals.channels.email", 1);
		INT_AT(o, "totals.complaints", 1);
		INT_AT(o, "totals.praise", 1);
	} else {
		/* group 1 × client 1: 1, 2, 3 and 14 (guided, e-mail, complaint) */
		INT_AT(o, "rows.0.cases", 4);
		INT_AT(o, "rows.0.resolved", 1);
		INT_AT(o, "rows.0.guided", 2);             /* 2, 14 */
		NUM_AT(o, "rows.0.fcr", 0.25);             /* 1 / 4 */
		NUM_AT(o, "rows.0.fcr_incl_guided", 0.75); /* 3 / 4 */
		INT_AT(o, "rows.0.channels.email", 2);     /* 3, 14 */
		INT_AT(o, "rows.0.complaints", 2);         /* 2, 14 */
		/* group 2 × client 2: 5, 6, 10 and 13 (resolved, web, praise) */
		INT_AT(o, "rows.2.cases", 4);
		INT_AT(o, "rows.2.resolved", 3);     /* 5, 10, 13 */
		NUM_AT(o, "rows.2.fcr", 0.75);       /* 3 / 4 */
		INT_AT(o, "rows.2.channels.web", 2); /* 5, 13 */
		INT_AT(o, "rows.2.praise", 2);       /* 5, 13 */
		INT_AT(o, "totals.cases", 9);        /* 7 + 2 */
		INT_AT(o, "totals.resolved", 5);     /* 4 + 1 */
		INT_AT(o, "totals.guided", 2);       /* 1 + 1 */
		INT_AT(o, "totals.handed_over", 1);
		INT_AT(o, "totals.forwarded_urgent", 1);
		NUM_AT(o, "totals.fcr", 0.5556);             /* 5 / 9 */
		NUM_AT(o, "totals.fcr_incl_guided", 0.7778); /* 7 / 9 */
		INT_AT(o, "totals.channels.phone", 4);
		INT_AT(o, "totals.channels.web", 2);
		INT_AT(o, "totals.channels.email", 2);
		INT_AT(o, "totals.complaints", 2);
		INT_AT(o, "totals.praise", 2);
	}
	json_decref(o);
	/* the first tertial (January–April): + February's 8 and 9, April's 7 */
	assert_int_equal(report_period(f->db, &manager, "2026-T1", 0, &o), 0);
	INT_AT(o, "totals.cases", handled ? 12 : 10);
	json_decref(o);

	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &o), 0);
	if (!handled) {
		/* test_invoice's figures: 132.50 + 16 120.00 */
		INT_AT(o, "agreements.0.cases", 3);
		INT_AT(o, "agreements.0.lines.1.count", 1);
		INT_AT(o, "agreements.1.cases", 3);
		INT_AT(o, "agreements.1.lines.1.count", 1);
		NUM_AT(o, "amount", 16252.5);
	} else {
		/* agreement 1: e-mail 3 and 14 at 36.50 */
		INT_AT(o, "agreements.0.cases", 4);
		STR_AT(o, "agreements.0.lines.1.channel", "email");
		INT_AT(o, "agreements.0.lines.1.count", 2);
		NUM_AT(o, "agreements.0.lines.1.amount", 73.0); /* 2 × 36.50 */
		INT_AT(o, "agreements.0.lines.1.case_ids.0", 3);
		INT_AT(o, "agreements.0.lines.1.case_ids.1", 14);
		NUM_AT(o, "agreements.0.amount", 169.0); /* 96.00 + 73.00 */
		/* agreement 2: web 5 and 13 at 20 */
		INT_AT(o, "agreements.1.cases", 4);
		STR_AT(o, "agreements.1.lines.1.channel", "web");
		INT_AT(o, "agreements.1.lines.1.count", 2);
		NUM_AT(o, "agreements.1.lines.1.amount", 40.0); /* 2 × 20 */
		INT_AT(o, "agreements.1.lines.1.case_ids.0", 5);
		INT_AT(o, "agreements.1.lines.1.case_ids.1", 13);
		NUM_AT(o, "agreements.1.amount", 16140.0); /* 100 + 40 + 16 000 */
		INT_AT(o, "clients.0.cases", 4);
		INT_AT(o, "clients.1.cases", 4);
		NUM_AT(o, "amount", 16309.0); /* 169.00 + 16 140.00 */
	}
	/* the unhandled 11 and 12 are on no line */
	{
		char *dump = json_dumps(o, JSON_COMPACT);
		assert_non_null(dump);
		assert_null(strstr(dump, "[11"));
		assert_null(strstr(dump, ",11"));
		assert_null(strstr(dump, "[12"));
		assert_null(strstr(dump, ",12"));
		free(dump);
	}
	json_decref(o);

	/* the desk's figures: the month's cases received, and what agent 3 logged */
	assert_int_equal(case_count_received(f->db, 0, 1772319600, 1774994400, count_h, &received),
	                 0);
	assert_int_equal(received, handled ? 9 : 7);
	assert_int_equal(case_count_logged(f->db, 3, 0, 1800000000, count_h, &by_agent), 0);
	assert_int_equal(by_agent, handled ? 2 : 0); /* 13 and 14, once handled */
}

static void test_unhandled_intake(void **state)
{
	struct fixture *f = *state;
	struct case_query q = {.outcome = "none"};
	json_t *o;

	assert_int_equal(db_exec(f->db, "INSERT INTO users(id, username, display_name, role)"
	                                " VALUES (1, 'admin', 'Admin', 'admin'),"
	                                " (3, 'agent', 'Agent', 'agent');"),
	                 0);
	intake_case(f, "web", 2, 2, 3, "2026-03-20T09:00:00Z", 11);
	intake_case(f, "email", 1, 1, 1, "2026-03-18T09:00:00Z", 12);
	intake_case(f, "web", 2, 2, 3, "2026-03-21T09:00:00Z", 13);
	intake_case(f, "email", 1, 1, 2, "2026-03-22T09:00:00Z", 14);
	march_figures(f, false);
	/* the list of unhandled work (outcome=none): the four, newest first */
	{
		json_t *items = NULL;
		int64_t total = 0;

		q.limit = 50;
		assert_int_equal(case_search(f->db, &admin, &q, 1774425600, &items, &total), 0);
		assert_int_equal(total, 4);
		INT_AT(items, "0.id", 14);
		INT_AT(items, "3.id", 12);
		assert_true(json_is_null(at(items, "0.outcome")));
		json_decref(items);
	}

	handle(f, 13, "resolved");
	handle(f, 14, "guided");
	assert_int_equal(logged(f,
	                        "SELECT COUNT(*) FROM cases WHERE id = ? AND outcome = 'guided' "
	                        "AND agent_id = 3",
	                        14),
	                 1);
	assert_int_equal(logged(f,
	                        "SELECT COUNT(*) FROM case_history WHERE case_id = ? AND"
	                        " field = 'handled' AND new_value = 'guided' AND user_id = 3",
	                        14),
	                 1);
	march_figures(f, true);
	{
		json_t *items = NULL;
		int64_t total = 0;

		assert_int_equal(case_search(f->db, &admin, &q, 1774425600, &items, &total), 0);
		assert_int_equal(total, 2); /* 11 and 12 */
		json_decref(items);
	}
	/* a rebuild from the case log gives the same figures */
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	march_figures(f, true);
	/* April is untouched by cases received in March and handled later */
	assert_int_equal(report_monthly(f->db, &manager, "2026-04", 0, &o), 0);
	INT_AT(o, "totals.cases", 1); /* case 7 */
	json_decref(o);
}

/* Breakdowns per category and per department sub-unit, and a report narrowed to one of
 * them. Sub-unit 1 "Hemtjänst norr" of client 1 is named on cases 1 and 3. March's cases
 * (1–6, 10) by category: 1 → 1, 3, 4; 2 → 2; 3 → 5; 4 → 6, 10. */
static void test_category_and_unit_breakdowns(void **state)
{
	struct fixture *f = *state;
	struct report_filter cat1 = {.category_id = 1}, unit1 = {.client_unit_id = 1},
	                     unit2 = {.client_unit_id = 2}, nocat = {.category_id = 99};
	struct report *rep = NULL;
	char *csv = NULL;
	size_t csv_n = 0;
	FILE *mem;
	json_t *o;

	assert_int_equal(db_exec(f->db, "INSERT INTO client_units(id, client_id, name) VALUES"
	                                " (1, 1, 'Hemtjänst norr'), (2, 2, 'Bygglov city');"
	                                "UPDATE cases SET client_unit_id = 1 WHERE id IN (1, 3);"),
	                 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	assert_int_equal(report_period(f->db, &manager, "2026-03", 0, &o), 0);
	assert_int_equal(json_array_size(at(o, "breakdowns.categories")), 4);
	INT_AT(o, "breakdowns.categories.0.category_id", 1);
	STR_AT(o, "breakdowns.categories.0.category_name", "Fråga");
	INT_AT(o, "breakdowns.categories.0.cases", 3);    /* 1, 3, 4 */
	INT_AT(o, "breakdowns.categories.0.resolved", 2); /* 1, 4 */
	INT_AT(o, "breakdowns.categories.0.handed_over", 1);
	INT_AT(o, "breakdowns.categories.0.previous.cases", 2); /* February's 8 and 9 */
	INT_AT(o, "breakdowns.categories.1.cases", 1);          /* 2 */
	INT_AT(o, "breakdowns.categories.1.complaints", 1);
	INT_AT(o, "breakdowns.categories.2.praise", 1); /* 5 */
	INT_AT(o, "breakdowns.categories.3.cases", 2);  /* 6, 10 */
	INT_AT(o, "breakdowns.categories.3.forwarded_urgent", 1);
	assert_int_equal(json_array_size(at(o, "breakdowns.client_units")), 2);
	assert_true(json_is_null(at(o, "breakdowns.client_units.0.client_unit_id")));
	STR_AT(o, "breakdowns.client_units.0.client_unit_name", "Ingen underenhet angiven");
	INT_AT(o, "breakdowns.client_units.0.cases", 5); /* 2, 4, 5, 6, 10 */
	INT_AT(o, "breakdowns.client_units.1.client_unit_id", 1);
	STR_AT(o, "breakdowns.client_units.1.client_unit_name", "Hemtjänst norr");
	INT_AT(o, "breakdowns.client_units.1.cases", 2); /* 1, 3 */
	assert_true(json_is_null(at(o, "category_id")));
	json_decref(o);

	/* narrowed to category 1: rows, totals and agents count its cases only */
	assert_int_equal(report_build_filtered(f->db, &manager, "2026-03", 0, &cat1, &rep), 0);
	assert_int_equal(report_json(rep, &o), 0);
	INT_AT(o, "category_id", 1);
	INT_AT(o, "totals.cases", 3);
	INT_AT(o, "totals.resolved", 2);
	INT_AT(o, "totals.handed_over", 1);
	NUM_AT(o, "totals.fcr", 0.6667); /* 2 / 3 */
	INT_AT(o, "rows.0.cases", 2);    /* group 1 × client 1: 1, 3 */
	INT_AT(o, "rows.1.cases", 1);    /* group 1 × client 2: 4 */
	INT_AT(o, "previous.totals.cases", 2);
	INT_AT(o, "breakdowns.agents.0.cases", 3); /* no agent on the fixture's cases */
	assert_int_equal(json_array_size(at(o, "breakdowns.categories")), 1);
	json_decref(o);
	/* CSV: the two new tables, in Swedish */
	mem = open_memstream(&csv, &csv_n);
	assert_non_null(mem);
	assert_int_equal(report_monthly_csv(rep, mem), 0);
	fclose(mem);
	assert_non_null(strstr(csv, ";Kategori;"));
	assert_non_null(strstr(csv, ";Underenhet;"));
	assert_non_null(strstr(csv, "\r\n2026-03;Fråga;3;"));
	free(csv);
	report_free(rep);

	/* narrowed to sub-unit 1: cases 1 (resolved) and 3 (handed over) */
	assert_int_equal(report_build_filtered(f->db, &viewer1, "2026-03", 0, &unit1, &rep), 0);
	assert_int_equal(report_json(rep, &o), 0);
	INT_AT(o, "client_unit_id", 1);
	INT_AT(o, "totals.cases", 2);
	INT_AT(o, "totals.resolved", 1);
	INT_AT(o, "totals.handed_over", 1);
	NUM_AT(o, "totals.fcr", 0.5);
	json_decref(o);
	report_free(rep);
	/* another department's sub-unit, unknown ids */
	rep = NULL;
	assert_int_equal(report_build_filtered(f->db, &viewer1, "2026-03", 0, &unit2, &rep), EPERM);
	assert_null(rep);
	assert_int_equal(report_build_filtered(f->db, &manager, "2026-03", 0, &nocat, &rep),
	                 ENOENT);
	unit2.client_unit_id = 99;
	assert_int_equal(report_build_filtered(f->db, &manager, "2026-03", 0, &unit2, &rep),
	                 ENOENT);
}

/* Prices by complexity: agreement 1 prices category kind "complaint" at 60 kr and the price
 * class "komplex" (category 1) at 120 kr besides its channels. March's cases 1 (category 1,
 * phone), 2 (complaint, phone) and 3 (category 1, e-mail): 2 × 120 + 60 = 300 kr, and each
 * line says which price applied. */
static void test_prices_by_complexity(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	assert_int_equal(db_exec(f->db,
	                         "UPDATE categories SET price_class = 'komplex' WHERE id = 1;"
	                         "UPDATE agreements SET prices = '{\"phone\":48.0,\"email\":36.5,"
	                         "\"kinds\":{\"complaint\":60},\"classes\":{\"komplex\":120}}'"
	                         " WHERE id = 1;"),
	                 0);
	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 1, &o), 0);
	assert_int_equal(json_array_size(at(o, "agreements.0.lines")), 2);
	STR_AT(o, "agreements.0.lines.0.price_basis", "category_kind");
	STR_AT(o, "agreements.0.lines.0.price_key", "complaint");
	INT_AT(o, "agreements.0.lines.0.count", 1);
	NUM_AT(o, "agreements.0.lines.0.price", 60.0);
	INT_AT(o, "agreements.0.lines.0.case_ids.0", 2);
	STR_AT(o, "agreements.0.lines.1.price_basis", "price_class");
	STR_AT(o, "agreements.0.lines.1.price_key", "komplex");
	INT_AT(o, "agreements.0.lines.1.count", 2);
	NUM_AT(o, "agreements.0.lines.1.amount", 240.0); /* 2 × 120 */
	INT_AT(o, "agreements.0.lines.1.case_ids.0", 1);
	INT_AT(o, "agreements.0.lines.1.case_ids.1", 3);
	INT_AT(o, "agreements.0.cases", 3);
	NUM_AT(o, "amount", 300.0); /* 60 + 240 */
	json_decref(o);
	/* a channel line still says its basis */
	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 2, &o), 0);
	STR_AT(o, "agreements.0.lines.0.price_basis", "channel");
	STR_AT(o, "agreements.0.lines.0.price_key", "phone");
	json_decref(o);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Totals by scanning the case log, the way the reports worked before the rollups. */
static void scan_totals(struct db *db, const char *period, int64_t client, int64_t out[5])
{
	struct report_period p;
	struct stmt *s;

	assert_int_equal(report_period_parse(period, &p), 0);
	assert_int_equal(
	        db_prepare(db, &s,
	                   "SELECT COUNT(*), SUM(outcome = 'resolved'), SUM(outcome = 'guided'),"
	                   " SUM(outcome = 'handed_over'), SUM(outcome = 'forwarded_urgent')"
	                   " FROM cases WHERE received_at >= ? AND received_at < ?"
	                   " AND (?3 = 0 OR client_id = ?3)",
	                   false),
	        0);
	stmt_bind_int(s, 1, p.from);
	stmt_bind_int(s, 2, p.to);
	stmt_bind_int(s, 3, client);
	assert_int_equal(stmt_step(s), DB_ROW);
	for (int i = 0; i < 5; i++)
		out[i] = stmt_int(s, i);
	stmt_done(s);
}

/* Random cases (many on DST nights and month ends), counted in one by one and moved by
 * random updates as the case log does; the reports equal a scan of the case log, and a
 * rebuild from scratch gives the same reports. */
static void test_rollup_equivalence(void **state)
{
	static const char *const periods[] = {"2025",
	                                      "2026",
	                                      "2026-T1",
	                                      "2025-T3",
	                                      "2026-03",
	                                      "2025-10",
	                                      "2025-10-26..2025-10-26",
	                                      "2026-03-29..2026-03-31"};
	static const char *const chans[] = {"phone", "email", "web", "visit"};
	static const char *const outs[] = {"resolved", "guided", "handed_over", "forwarded_urgent"};
	struct fixture *f = *state;
	json_t *inc[8][2];
	uint64_t seed = 20261123;
	struct stmt *s;

	assert_int_equal(db_exec(f->db, survey_fixture), 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	assert_int_equal(db_begin(f->db), 0);
	for (int i = 0; i < 3000; i++) {
		/* 2025-01-01 … 2026-12-31, every third near a DST change or a month's end */
		int64_t t = 1735686000 + (int64_t)(rnd(&seed) % (730ULL * 86400));
		if (i % 3 == 0) {
			static const int64_t near[] = {1774746000, 1761440400, 1774994400,
			                               1772319600, 1759269600};
			t = near[rnd(&seed) % 5] + (int64_t)(rnd(&seed) % 7200) - 3600;
		}
		assert_int_equal(
		        db_prepare(f->db, &s,
		                   "INSERT INTO cases(channel, group_id, client_id,"
		                   " category_id, outcome, summary, received_at, created_at,"
		                   " updated_at, agent_id) VALUES (?,?,?,?,?,'s',?,0,0,?)",
		                   false),
		        0);
		stmt_bind_text(s, 1, chans[rnd(&seed) % 4]);
		stmt_bind_int(s, 2, 1 + (int64_t)(rnd(&seed) % 2));
		stmt_bind_int(s, 3, 1 + (int64_t)(rnd(&seed) % 2));
		stmt_bind_int(s, 4, 1 + (int64_t)(rnd(&seed) % 4));
		stmt_bind_text(s, 5, outs[rnd(&seed) % 4]);
		stmt_bind_int(s, 6, t);
		if (rnd(&seed) % 2)
			stmt_bind_int(s, 7, 7);
		else
			stmt_bind_null(s, 7);
		assert_int_equal(stmt_step(s), DB_DONE);
		stmt_done(s);
		assert_int_equal(report_rollup_case(f->db, db_last_id(f->db), 1), 0);
	}
	/* updates: out under the old values, the row changed, in under the new */
	for (int i = 0; i < 500; i++) {
		int64_t id = 11 + (int64_t)(rnd(&seed) % 3000);

		assert_int_equal(report_rollup_case(f->db, id, -1), 0);
		assert_int_equal(db_prepare(f->db, &s,
		                            "UPDATE cases SET outcome = ?, category_id = ?,"
		                            " group_id = ?, client_id = ?, channel = ?,"
		                            " received_at = received_at + ? WHERE id = ?",
		                            false),
		                 0);
		stmt_bind_text(s, 1, outs[rnd(&seed) % 4]);
		stmt_bind_int(s, 2, 1 + (int64_t)(rnd(&seed) % 4));
		stmt_bind_int(s, 3, 1 + (int64_t)(rnd(&seed) % 2));
		stmt_bind_int(s, 4, 1 + (int64_t)(rnd(&seed) % 2));
		stmt_bind_text(s, 5, chans[rnd(&seed) % 4]);
		stmt_bind_int(s, 6, (int64_t)(rnd(&seed) % 7200) - 3600);
		stmt_bind_int(s, 7, id);
		assert_int_equal(stmt_step(s), DB_DONE);
		stmt_done(s);
		assert_int_equal(report_rollup_case(f->db, id, 1), 0);
	}
	assert_int_equal(report_rollup_case(f->db, 999999, 1), ENOENT);
	assert_int_equal(db_commit(f->db), 0);

	for (size_t p = 0; p < 8; p++)
		for (int c = 0; c < 2; c++) {
			int64_t want[5];

			assert_int_equal(report_period(f->db, &admin, periods[p], c, &inc[p][c]),
			                 0);
			scan_totals(f->db, periods[p], c, want);
			INT_AT(inc[p][c], "totals.cases", want[0]);
			INT_AT(inc[p][c], "totals.resolved", want[1]);
			INT_AT(inc[p][c], "totals.guided", want[2]);
			INT_AT(inc[p][c], "totals.handed_over", want[3]);
			INT_AT(inc[p][c], "totals.forwarded_urgent", want[4]);
		}
	/* the rollups deleted and rebuilt: the very same reports */
	assert_int_equal(
	        db_exec(f->db, "DELETE FROM report_case_days; DELETE FROM report_agent_days;"), 0);
	assert_int_equal(report_rollup_rebuild(f->db, NULL), 0);
	for (size_t p = 0; p < 8; p++)
		for (int c = 0; c < 2; c++) {
			json_t *o;

			assert_int_equal(report_period(f->db, &admin, periods[p], c, &o), 0);
			if (!json_equal(o, inc[p][c]))
				fail_msg("%s client %d differs after the rebuild", periods[p], c);
			json_decref(o);
			json_decref(inc[p][c]);
		}
}

static void test_deliver(void **state)
{
	struct fixture *f = *state;
	char month[16], format[8];
	char *body;
	size_t n;
	int made;
	json_t *list;

	/* Tuesday 1 December 2026, 07:00 local, a working day: November is due */
	report_due_month(1796104800, month);
	assert_string_equal(month, "2026-11");
	/* Monday 30 November 2026: October still */
	report_due_month(1796022000, month);
	assert_string_equal(month, "2026-10");
	/* 1–3 January 2027 are a holiday and a weekend: November until Monday the 4th */
	report_due_month(1798848000, month); /* 2027-01-01T23:00Z = 2 January 00:00 local */
	assert_string_equal(month, "2026-11");
	report_due_month(1799020800, month); /* 2027-01-04T00:00Z = 01:00 local */
	assert_string_equal(month, "2026-12");

	/* the server was down on Wednesday 1 April 2026: it catches up on the 3rd */
	assert_int_equal(report_deliver_due(f->db, 1775203200, "Testkommun", &made), 0);
	assert_int_equal(made, 9); /* (all, client 1, client 2) × (json, pdf, xlsx) */
	assert_int_equal(report_deliver_due(f->db, 1775203200, "Testkommun", &made), 0);
	assert_int_equal(made, 0);
	assert_int_equal(report_stored_list(f->db, &viewer1, NULL, &list), 0);
	assert_int_equal(json_array_size(list), 3);
	STR_AT(list, "0.month", "2026-03");
	INT_AT(list, "0.client_id", 1);
	json_decref(list);
	assert_int_equal(report_stored_list(f->db, &admin, "2026-03", &list), 0);
	assert_int_equal(json_array_size(list), 9);
	/* the stored JSON is the monthly report for all clients: 7 cases in March */
	assert_int_equal(report_stored_get(f->db, &admin, 1, &body, &n, format, month), 0);
	assert_string_equal(format, "json");
	{
		json_t *rep = json_loadb(body, n, 0, NULL);

		assert_non_null(rep);
		INT_AT(rep, "totals.cases", 7);
		json_decref(rep);
	}
	free(body);
	/* client 2's report is not client 1's viewer's */
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *r = json_array_get(list, i);
		int64_t id = json_integer_value(json_object_get(r, "id"));
		int64_t c = json_integer_value(json_object_get(r, "client_id"));
		int err = report_stored_get(f->db, &viewer1, id, &body, &n, format, month);

		assert_int_equal(err, c == 1 ? 0 : EPERM);
		if (!err) {
			assert_true(n > 0);
			free(body);
		}
	}
	json_decref(list);
	assert_int_equal(report_stored_get(f->db, &admin, 999, &body, &n, format, month), ENOENT);
	assert_int_equal(report_stored_list(f->db, &agent, NULL, &list), EPERM);
}

/* ======================================================================
 * The typed report: the JSON and the files are made from one struct
 * ====================================================================== */

/* A JSON number equal to v exactly, or null where v is NAN (a rate of nothing). */
static void num_eq(const json_t *x, double v, const char *what)
{
	if (isnan(v)) {
		if (!json_is_null(x))
			fail_msg("%s should be null", what);
		return;
	}
	if (!json_is_number(x))
		fail_msg("%s is not a number", what);
	if (json_number_value(x) != v)
		fail_msg("%s is %.10f in the JSON, %.10f in the struct", what, json_number_value(x),
		         v);
}

static void int_eq(const json_t *x, int64_t v, const char *what)
{
	if (!json_is_integer(x))
		fail_msg("%s is not an integer", what);
	assert_int_equal(json_integer_value(x), v);
}

/* Every figure of struct row `r` against its JSON object `o`. */
static void figures_eq(const struct report_row *r, const struct report_figures *f, const json_t *o)
{
	static const char *const outs[] = {"resolved", "guided", "handed_over", "forwarded_urgent"};
	const json_t *c = json_object_get(o, "calls"), *sat = json_object_get(o, "satisfaction");

	int_eq(json_object_get(o, "cases"), f->c.cases, "cases");
	for (int i = 0; i < REPORT_NOUTCOMES; i++)
		int_eq(json_object_get(o, outs[i]), f->c.outcome[i], outs[i]);
	num_eq(json_object_get(o, "fcr"), f->c.fcr, "fcr");
	num_eq(json_object_get(o, "fcr_incl_guided"), f->c.fcr_incl_guided, "fcr_incl_guided");
	assert_int_equal(json_object_get(o, "channels") != NULL, r->full);
	if (r->full) {
		static const char *const ch[] = {"phone", "email", "letter", "fax",
		                                 "visit", "web",   "social"};

		for (int i = 0; i < REPORT_NCHANNEL; i++)
			int_eq(json_object_get(json_object_get(o, "channels"), ch[i]),
			       f->c.channel[i], ch[i]);
		int_eq(json_object_get(o, "complaints"), f->c.complaints, "complaints");
		int_eq(json_object_get(o, "praise"), f->c.praise, "praise");
	}
	assert_int_equal(c != NULL, r->calls);
	if (r->calls) {
		int_eq(json_object_get(c, "offered"), f->calls.offered, "offered");
		int_eq(json_object_get(c, "answered"), f->calls.answered, "answered");
		int_eq(json_object_get(c, "answered_60"), f->calls.answered_60, "answered_60");
		int_eq(json_object_get(c, "abandoned"), f->calls.abandoned, "abandoned");
		int_eq(json_object_get(c, "handled"), f->calls.handled, "handled");
		num_eq(json_object_get(c, "service_level_60"), f->calls.service_level_60, "sl60");
		num_eq(json_object_get(c, "service_level_180"), f->calls.service_level_180,
		       "sl180");
		num_eq(json_object_get(c, "abandon_rate"), f->calls.abandon_rate, "abandon_rate");
		num_eq(json_object_get(c, "asa_s"), f->calls.asa_s, "asa_s");
		num_eq(json_object_get(c, "aht_s"), f->calls.aht_s, "aht_s");
	}
	assert_int_equal(sat != NULL, r->sat);
	if (r->sat) {
		int_eq(json_object_get(sat, "answers"), f->sat.answers, "answers");
		num_eq(json_object_get(sat, "share_3_5"), f->sat.share_3_5, "share_3_5");
		num_eq(json_object_get(sat, "share_4_5"), f->sat.share_4_5, "share_4_5");
		num_eq(json_object_get(sat, "index"), f->sat.index, "index");
	}
}

/* A row of the period asked for: its figures, previous row, change and distances. */
static void row_eq(const struct report_row *r, const json_t *o)
{
	const json_t *prev = json_object_get(o, "previous");
	const json_t *chg = json_object_get(o, "change"), *vs = json_object_get(o, "vs_target");

	figures_eq(r, &r->f, o);
	assert_int_equal(json_is_null(prev), r->prev == NULL);
	if (r->prev) {
		figures_eq(r, &r->prev->f, prev);
		figures_eq(r, &r->change, chg);
	} else {
		assert_true(json_is_null(json_object_get(chg, "cases")));
		assert_true(json_is_null(json_object_get(chg, "fcr")));
	}
	num_eq(json_object_get(vs, "fcr"), r->vs_fcr, "vs_target.fcr");
	if (r->calls)
		num_eq(json_object_get(vs, "service_level_60"), r->vs_sl60, "vs_target.sl60");
	if (r->sat)
		num_eq(json_object_get(vs, "satisfaction"), r->vs_sat, "vs_target.satisfaction");
}

/* A month of generated traffic (report_gen over the fixture's categories): every figure the
 * struct holds is the one the API's JSON shows, table by table and row by row. */
static void test_struct_is_json(void **state)
{
	static const char *const tables[] = {"rows",   "groups",     "clients",
	                                     "units",  "kinds",      "channels",
	                                     "agents", "categories", "client_units"};
	struct fixture *f = *state;
	struct report *rep;
	json_t *o, *direct;
	size_t rows = 0;

	/* a year up to 2026-04-14 of 20 000 cases a year, spread by the fixed seed */
	assert_int_equal(report_gen(f->db, 1, 20000, 2026, 1776153600, NULL), 0);
	rep = built(f, "2026-03");
	assert_int_equal(report_json(rep, &o), 0);
	/* the API's answer is this JSON */
	assert_int_equal(report_period(f->db, &admin, "2026-03", 0, &direct), 0);
	assert_true(json_equal(o, direct));
	json_decref(direct);

	STR_AT(o, "period", rep->cur.label);
	STR_AT(o, "previous.period", rep->prev.label);
	assert_true(rep->cur.total.f.c.cases > 1000); /* a real month, not the 7 fixture cases */
	for (int t = 0; t < REPORT_NTABLES; t++) {
		const json_t *arr = t == REPORT_ROWS ? json_object_get(o, "rows")
		                    : at(o, "breakdowns")
		                            ? json_object_get(at(o, "breakdowns"), tables[t])
		                            : NULL;

		assert_int_equal(json_array_size(arr), rep->cur.t[t].n);
		for (size_t i = 0; i < rep->cur.t[t].n; i++)
			row_eq(&rep->cur.t[t].v[i], json_array_get(arr, i));
		rows += rep->cur.t[t].n;
	}
	assert_true(rows >= 12); /* 2 rows, 2 groups, 2 clients, 1 unit, 4 kinds, 5 channels */
	figures_eq(&rep->cur.total, &rep->cur.total.f, json_object_get(o, "totals"));
	figures_eq(&rep->cur.total, &rep->prev.total.f, at(o, "previous.totals"));
	figures_eq(&rep->cur.total, &rep->cur.total.change, json_object_get(o, "change"));
	num_eq(at(o, "totals.vs_target.fcr"), rep->cur.total.vs_fcr, "totals.vs_target.fcr");
	assert_int_equal(json_array_size(json_object_get(o, "groups")),
	                 rep->cur.t[REPORT_GROUPS].n);
	INT_AT(o, "busy_hours.days", rep->busy_days);
	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			assert_int_equal(
			        json_integer_value(json_array_get(
			                json_array_get(at(o, "busy_hours.offered"), (size_t)d),
			                (size_t)h)),
			        rep->busy_hours[d][h]);
	json_decref(o);
	report_free(rep);
}

/* The files come out of memory: a PDF, an XLSX (a zip holding xl/workbook.xml) and the CSV,
 * and not one file is left in (or written to) TMPDIR while making them. */
static void test_exports_in_memory(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/lotsen-report-tmp-XXXXXX", *buf = NULL, *old = getenv("TMPDIR");
	char *keep = old ? strdup(old) : NULL;
	struct report *rep = built(f, "2026-03");
	size_t n = 0;
	json_t *inv;
	FILE *mem;
	DIR *d;
	struct dirent *e;
	int files = 0;

	assert_non_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);

	assert_int_equal(report_monthly_pdf(rep, "Testkommun", &buf, &n), 0);
	assert_true(n > 1000);
	assert_memory_equal(buf, "%PDF-", 5);
	assert_non_null(memmem(buf, n, "%%EOF", 5));
	free(buf);

	assert_int_equal(report_monthly_xlsx(rep, "Testkommun", &buf, &n), 0);
	assert_true(n > 1000);
	assert_memory_equal(buf, "PK\x03\x04", 4); /* a zip's first local file header */
	assert_non_null(memmem(buf, n, "xl/workbook.xml", 15));
	assert_non_null(memmem(buf, n, "xl/worksheets/sheet6.xml", 24)); /* Belastning */
	free(buf);

	assert_int_equal(report_invoice(f->db, &admin, "2026-03", 0, &inv), 0);
	assert_int_equal(report_invoice_pdf(inv, "Testkommun", &buf, &n), 0);
	assert_memory_equal(buf, "%PDF-", 5);
	free(buf);
	assert_int_equal(report_invoice_xlsx(inv, "Testkommun", &buf, &n), 0);
	assert_memory_equal(buf, "PK\x03\x04", 4);
	assert_non_null(memmem(buf, n, "xl/workbook.xml", 15));
	free(buf);
	json_decref(inv);

	/* the CSV as it has always been: the header row first, no byte order mark */
	buf = NULL;
	mem = open_memstream(&buf, &n);
	assert_non_null(mem);
	assert_int_equal(report_monthly_csv(rep, mem), 0);
	fclose(mem);
	assert_true(strncmp(buf, REPORT_CSV_BOM "Månad;Svarsgrupp;Förvaltning;Ärenden;", 41) == 0);
	free(buf);
	report_free(rep);

	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 0);
	rmdir(dir);
	if (keep)
		setenv("TMPDIR", keep, 1);
	else
		unsetenv("TMPDIR");
	free(keep);
}

/* E-mail answer times, by hand. Stockholm summer time (+02:00); Easter 2026: Good Friday
 * 3 April and Easter Monday 6 April are holidays, 1 May (a Friday) too. */
static const char mail_fixture[] =
        "INSERT INTO cases(id, channel, group_id, client_id, category_id, outcome, summary,"
        " received_at, created_at, updated_at, status) VALUES"
        " (101, 'email', 1, 1, 1, 'resolved', 'm', 1775030400, 0, 0, 'open'),"
        " (102, 'email', 1, 1, 1, 'resolved', 'm', 1775134800, 0, 0, 'open'),"
        " (103, 'email', 2, 2, 4, 'resolved', 'm', 1775815200, 0, 0, 'open'),"
        " (104, 'email', 2, 2, 4, 'resolved', 'm', 1776060000, 0, 0, 'open'),"
        " (105, 'email', 1, 1, 1, 'resolved', 'm', 1777557600, 0, 0, 'open'),"
        " (106, 'email', 1, 1, 1, 'resolved', 'm', 1778223600, 0, 0, 'open');"
        "INSERT INTO mail_messages(case_id, direction, kind, received_at, created_at) VALUES"
        /* 101: Wed 1 Apr 10:00 → 14:00 the same day: 4 h, 4/24 working day; a second mail
         * the next day changes nothing */
        " (101, 'in', NULL, 1775030400, 0), (101, 'out', 'answer', 1775044800, 0),"
        " (101, 'in', NULL, 1775120400, 0),"
        /* 102: Thu 2 Apr 15:00 → Tue 7 Apr 09:00 over Easter: 114 h; working 9 h + 9 h =
         * 0.75 working days */
        " (102, 'in', NULL, 1775134800, 0), (102, 'out', 'answer', 1775545200, 0),"
        /* 103: Fri 10 Apr 12:00 → Tue 14 Apr 12:00: 96 h; 12 + 24 + 12 h = 2.0 wd */
        " (103, 'in', NULL, 1775815200, 0), (103, 'out', 'answer', 1776160800, 0),"
        /* 104: Mon 13 Apr 08:00, only a receipt went out: unanswered */
        " (104, 'in', NULL, 1776060000, 0), (104, 'out', 'receipt', 1776060060, 0),"
        /* 105: Thu 30 Apr 16:00 → Mon 4 May 10:00 over 1 May: 90 h; 8 + 10 h = 0.75 wd;
         * April by its first mail */
        " (105, 'in', NULL, 1777557600, 0), (105, 'out', 'answer', 1777881600, 0),"
        /* 106: Fri 8 May 09:00 → 09:30: 0.5 h, 0.5/24 wd */
        " (106, 'in', NULL, 1778223600, 0), (106, 'out', 'answer', 1778225400, 0);";

#define NEAR_AT(o, path, v)                                                                        \
	do {                                                                                       \
		const json_t *x_ = at((o), (path));                                                \
		if (!json_is_number(x_))                                                           \
			fail_msg("%s is not a number", (path));                                    \
		if (fabs(json_number_value(x_) - (v)) > 0.00006)                                   \
			fail_msg("%s is %.6f, expected %.6f", (path), json_number_value(x_),       \
			         (double)(v));                                                     \
	} while (0)

static void test_mail_measures(void **state)
{
	struct fixture *f = *state;
	struct report *rep;
	json_t *o, *m;
	char *buf = NULL;
	size_t n = 0;
	FILE *csv;

	/* working time alone: Fri 17 Apr 15:00 → Mon 20 Apr 09:00 is 9 + 9 h */
	assert_int_equal(report_working_seconds(1776430800, 1776668400), 18 * 3600);
	/* Good Friday to Easter Monday counts nothing */
	assert_int_equal(report_working_seconds(1775167200, 1775512800), 0);

	/* no mail tables yet: an empty e-mail section */
	assert_int_equal(report_period(f->db, &manager, "2026-04-01..2026-05-31", 0, &o), 0);
	INT_AT(o, "mail.totals.cases", 0);
	assert_true(json_is_null(at(o, "mail.totals.share_1wd")));
	json_decref(o);

	assert_int_equal(mail_migrate(f->db), 0);
	if (db_exec(f->db, mail_fixture))
		fail_msg("%s", db_errmsg(f->db));
	assert_int_equal(report_period(f->db, &manager, "2026-04-01..2026-05-31", 0, &o), 0);
	m = json_object_get(o, "mail");
	/* all six: answered 101, 102, 103, 105, 106; within 24 h 101, 106; within one working
	 * day also 102, 105; within two also 103 */
	INT_AT(m, "totals.cases", 6);
	INT_AT(m, "totals.answered", 5);
	INT_AT(m, "totals.unanswered", 1);
	INT_AT(m, "totals.answered_24h", 2);
	INT_AT(m, "totals.answered_1wd", 4);
	INT_AT(m, "totals.answered_2wd", 5);
	NEAR_AT(m, "totals.share_24h", 0.3333);
	NEAR_AT(m, "totals.share_1wd", 0.6667);
	NEAR_AT(m, "totals.share_2wd", 0.8333);
	/* (4 + 114 + 96 + 90 + 0.5) / 5; median of 0.5, 4, 90, 96, 114 */
	NEAR_AT(m, "totals.mean_hours", 60.9);
	NEAR_AT(m, "totals.median_hours", 90.0);
	/* (4/24 + 0.75 + 2 + 0.75 + 0.5/24) / 5 = 3.6875 / 5 */
	NEAR_AT(m, "totals.mean_working_days", 0.7375);
	/* groups: 1 has 101, 102, 105, 106; 2 has 103 and the unanswered 104 */
	INT_AT(m, "groups.0.group_id", 1);
	STR_AT(m, "groups.0.group_name", "Äldre direkt");
	INT_AT(m, "groups.0.cases", 4);
	INT_AT(m, "groups.0.answered_24h", 2);
	INT_AT(m, "groups.0.answered_1wd", 4);
	NEAR_AT(m, "groups.0.share_1wd", 1.0);
	NEAR_AT(m, "groups.0.mean_hours", 52.125);
	NEAR_AT(m, "groups.0.median_hours", 47.0);
	INT_AT(m, "groups.1.group_id", 2);
	INT_AT(m, "groups.1.cases", 2);
	INT_AT(m, "groups.1.unanswered", 1);
	INT_AT(m, "groups.1.answered_1wd", 0);
	INT_AT(m, "groups.1.answered_2wd", 1);
	NEAR_AT(m, "groups.1.share_2wd", 0.5);
	NEAR_AT(m, "groups.1.mean_working_days", 2.0);
	/* clients follow the groups here */
	INT_AT(m, "clients.1.client_id", 2);
	STR_AT(m, "clients.1.client_name", "Stadsbyggnadskontoret");
	INT_AT(m, "clients.1.cases", 2);
	/* months by the first mail: 105 (30 April) is April */
	STR_AT(m, "months.0.month", "2026-04");
	INT_AT(m, "months.0.cases", 5);
	INT_AT(m, "months.0.answered_24h", 1);
	INT_AT(m, "months.0.answered_1wd", 3);
	INT_AT(m, "months.0.answered_2wd", 4);
	STR_AT(m, "months.1.month", "2026-05");
	INT_AT(m, "months.1.cases", 1);
	/* group × client × month */
	assert_int_equal(json_array_size(json_object_get(m, "rows")), 3);
	STR_AT(m, "rows.0.month", "2026-04");
	INT_AT(m, "rows.0.cases", 3);
	NEAR_AT(m, "rows.0.mean_hours", 69.3333);
	STR_AT(m, "rows.1.month", "2026-05");
	INT_AT(m, "rows.2.group_id", 2);
	INT_AT(m, "rows.2.client_id", 2);
	assert_true(json_is_null(at(m, "rows.2.share_24h")) == false);
	NEAR_AT(m, "rows.2.share_24h", 0.0);
	json_decref(o);

	/* one client: only its cases; April alone leaves 106 out */
	assert_int_equal(report_period(f->db, &manager, "2026-04", 2, &o), 0);
	INT_AT(o, "mail.totals.cases", 2);
	json_decref(o);
	assert_int_equal(report_period(f->db, &manager, "2026-04", 0, &o), 0);
	INT_AT(o, "mail.totals.cases", 5);
	json_decref(o);

	/* the CSV's e-mail tables */
	assert_int_equal(report_build(f->db, &manager, "2026-04", 0, &rep), 0);
	csv = open_memstream(&buf, &n);
	assert_non_null(csv);
	assert_int_equal(report_monthly_csv(rep, csv), 0);
	fclose(csv);
	assert_non_null(strstr(buf, ";Andel inom 1 arbetsdag (%);"));
	/* group 1 × client 1 in April: 3 cases, all answered; 101 within 24 h */
	assert_non_null(strstr(buf, "2026-04;2026-04;Äldre direkt;Äldreförvaltningen;3;3;0;1;3;3;"
	                            "33,3;100,0;100,0;69,33;90,00;0,"));
	assert_non_null(strstr(buf, "2026-04;;Totalt;;5;4;1;1;3;4;20,0;60,0;80,0;"));
	free(buf);
	/* the workbook gets its "E-post" sheet, the PDF its page */
	{
		char path[] = "/tmp/lotsen-mailrep-XXXXXX", cmd[160], *out;
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(monthly_file(rep, false, path), 0);
		out = unzip_member(path, "xl/workbook.xml");
		assert_non_null(out);
		assert_non_null(strstr(out, "name=\"E-post\""));
		free(out);
		assert_int_equal(monthly_file(rep, true, path), 0);
		snprintf(cmd, sizeof(cmd), "pdftotext '%s' -", path);
		out = command_output(cmd);
		assert_non_null(out);
		assert_non_null(strstr(out, "Svarstider för e-post"));
		assert_non_null(strstr(out, "Inom 1 ad"));
		free(out);
		unlink(path);
	}
	report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_month_parse),
	        cmocka_unit_test_setup_teardown(test_monthly_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_monthly_access, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_invoice, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_xlsx, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pdf, setup, teardown),
	        cmocka_unit_test(test_period_parse),
	        cmocka_unit_test_setup_teardown(test_period_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_csv_period, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lead_groups_and_charts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_update_across_month_end, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unhandled_intake, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prices_by_complexity, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_category_and_unit_breakdowns, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rollup_equivalence, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_deliver, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_struct_is_json, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_exports_in_memory, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_mail_measures, setup, teardown),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	/* cairo keeps its font map and fontconfig patterns cached for the process's lifetime;
	 * freeing them keeps LeakSanitizer's report to our own leaks (docs/reports.md). */
	report_pdf_shutdown();
	return failed;
}

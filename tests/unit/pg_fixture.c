/* A real PostgreSQL for the unit tests that need one (pg_fixture.h). */
#include "pg_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

char pg_fixture_url[512];
static char pgdir[256]; /* the server's directory when this test started it */

int pg_fixture_start(void **state)
{
	const char *env = getenv("LOTSEN_TEST_PG_URL");
	FILE *f;

	(void)state;
	if (env && *env) {
		snprintf(pg_fixture_url, sizeof(pg_fixture_url), "%s", env);
		return 0;
	}
	f = popen(LOTSEN_SOURCE_DIR "/tests/pg/start.sh", "r");
	if (!f)
		return -1;
	if (!fgets(pg_fixture_url, sizeof(pg_fixture_url), f))
		pg_fixture_url[0] = '\0';
	if (pclose(f) != 0 || strncmp(pg_fixture_url, "postgresql://", 13) != 0) {
		fprintf(stderr, "pg_fixture: tests/pg/start.sh could not start PostgreSQL\n");
		pg_fixture_url[0] = '\0';
		return -1;
	}
	pg_fixture_url[strcspn(pg_fixture_url, "\n")] = '\0';
	snprintf(pgdir, sizeof(pgdir), "%s", strstr(pg_fixture_url, "host=") + 5);
	return 0;
}

int pg_fixture_stop(void **state)
{
	char cmd[512];

	(void)state;
	if (!pgdir[0])
		return 0;
	snprintf(cmd, sizeof(cmd), LOTSEN_SOURCE_DIR "/tests/pg/stop.sh '%s'", pgdir);
	return system(cmd) == 0 ? 0 : -1;
}

struct db *pg_fixture_fresh(const char *name, char *out, size_t n)
{
	const char *q = strchr(pg_fixture_url, '?');
	struct db *admin, *db;
	char sql[128], base[512], u[700];

	assert_int_equal(db_open(&admin, pg_fixture_url, NULL), 0);
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
	assert_int_equal(db_exec(admin, sql), 0);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	assert_int_equal(db_exec(admin, sql), 0);
	db_close(admin);
	/* postgresql://lotsen@/lotsen?host=DIR → …/NAME?host=DIR */
	snprintf(base, sizeof(base), "%.*s",
	         (int)(q ? q - pg_fixture_url : (ptrdiff_t)strlen(pg_fixture_url)), pg_fixture_url);
	*strrchr(base, '/') = '\0';
	snprintf(u, sizeof(u), "%s/%s%s", base, name, q ? q : "");
	assert_int_equal(db_open(&db, u, NULL), 0);
	if (out)
		snprintf(out, n, "%s", u);
	return db;
}

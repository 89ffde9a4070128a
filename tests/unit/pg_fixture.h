/* A real PostgreSQL for the unit tests that need one (test_*_pg.c): the one
 * LOTSEN_TEST_PG_URL names, or one started with tests/pg/start.sh for the group and
 * stopped after it. */
#ifndef LOTSEN_TESTS_PG_FIXTURE_H
#define LOTSEN_TESTS_PG_FIXTURE_H

#include <stddef.h>

#include "store/db.h"

/* The server's first database, once started. */
extern char pg_fixture_url[512];

/* cmocka group setup and teardown. */
int pg_fixture_start(void **state);
int pg_fixture_stop(void **state);

/* A new, empty database `name` on the server (dropped first if there), opened; its URL in
 * `out` when `out` is not NULL. */
struct db *pg_fixture_fresh(const char *name, char *out, size_t n);

#endif

/* The demo municipality: units, groups, clients, agreements, users and a few hundred cases. */
#ifndef LOTSEN_CORE_DEMO_H
#define LOTSEN_CORE_DEMO_H

#include <stdbool.h>
#include <stdint.h>

struct db;

/* Every demo user's password (documented in the README). */
#define DEMO_PASSWORD "lotsen-demo"

/* Load the demo when the database has no users yet; otherwise do nothing. */
/* `*loaded` (may be NULL) tells whether this call filled an empty database. */
int demo_load_if_empty(struct db *db, int64_t now, bool *loaded);

#endif

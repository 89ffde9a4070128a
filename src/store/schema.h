/* The core module's schema: numbered migrations applied at start. */
#ifndef LOTSEN_STORE_SCHEMA_H
#define LOTSEN_STORE_SCHEMA_H

#include "store/db.h"

/* Apply the core module's migrations; the knowledge base (kb_migrate) and the queue
 * (acd_store_migrate) run theirs after it. */
int schema_migrate(struct db *db);

#endif

/* The core module's schema: numbered migrations applied at start. */
#ifndef LOTSEN_STORE_SCHEMA_H
#define LOTSEN_STORE_SCHEMA_H

#include "store/db.h"

/* Apply every module's migrations in dependency order (core first). */
int schema_migrate(struct db *db);

#endif

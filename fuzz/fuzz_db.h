/* The database a harness needs: in memory, migrated, with the demo municipality. */
#ifndef LOTSEN_FUZZ_DB_H
#define LOTSEN_FUZZ_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "sso/sso.h"
#include "tel/tel_store.h"
#include "wfm/wfm_store.h"

/* 2026-11-23 10:00 UTC, a Monday: the harnesses never read the clock. */
#define FUZZ_NOW 1795428000

/* Opened once per process and kept: libFuzzer runs the harness millions of times. Every
 * module's migrations, as `lotsen serve` runs them (the queue's start reads mail tables). */
static struct db *fuzz_db(bool demo)
{
	static struct db *db;
	bool loaded;

	if (db)
		return db;
	if (db_open(&db, ":memory:", NULL) || schema_migrate(db) || kb_migrate(db) ||
	    acd_store_migrate(db) || tel_store_migrate(db) || report_store_migrate(db) ||
	    wfm_store_migrate(db) || mail_migrate(db) || sso_store_migrate(db) ||
	    (demo && demo_load_if_empty(db, FUZZ_NOW, &loaded))) {
		fprintf(stderr, "fuzz: the in-memory database did not open\n");
		abort();
	}
	return db;
}

#endif

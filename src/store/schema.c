/* Core schema of Lotsen: organisation, agreements, the case log, users and audit. */
#include "store/schema.h"

#include <stddef.h>

/* Migration 1 in pieces: PostgreSQL creates a table only after those it refers to. */
#define M1_USERS                                                                                   \
	"CREATE TABLE users ("                                                                     \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" username TEXT NOT NULL UNIQUE,"                                                          \
	" display_name TEXT NOT NULL,"                                                             \
	" role TEXT NOT NULL CHECK (role IN "                                                      \
	"('agent','group_lead','manager','admin','client_viewer')),"                               \
	" password_hash TEXT,"                                                                     \
	" client_id INTEGER REFERENCES clients(id),"                                               \
	" unit_id INTEGER REFERENCES units(id),"                                                   \
	" email TEXT,"                                                                             \
	" sip_uri TEXT,"                                                                           \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"                              \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch())"                                       \
	") STRICT;"
#define M1_UNITS                                                                                   \
	"CREATE TABLE units ("                                                                     \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" name TEXT NOT NULL UNIQUE,"                                                              \
	" manager_id INTEGER REFERENCES users(id),"                                                \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch())"                                       \
	") STRICT;"
#define M1_GROUPS                                                                                  \
	"CREATE TABLE groups ("                                                                    \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" name TEXT NOT NULL UNIQUE,"                                                              \
	" unit_id INTEGER NOT NULL REFERENCES units(id),"                                          \
	" email TEXT,"                                                                             \
	" opening_hours TEXT,"                                                                     \
	" overflow_group_id INTEGER REFERENCES groups(id),"                                        \
	" max_wait_s INTEGER CHECK (max_wait_s IS NULL OR max_wait_s > 0),"                        \
	" wrapup_s INTEGER NOT NULL DEFAULT 30 CHECK (wrapup_s >= 0),"                             \
	" priority INTEGER NOT NULL DEFAULT 0,"                                                    \
	" callback_threshold_s INTEGER,"                                                           \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"                              \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch())"                                       \
	") STRICT;"
#define M1_ENTRY_NUMBERS                                                                           \
	"CREATE TABLE entry_numbers ("                                                             \
	" number TEXT PRIMARY KEY,"                                                                \
	" group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE"                       \
	") STRICT;"                                                                                \
	"CREATE INDEX entry_numbers_group ON entry_numbers(group_id);"
#define M1_CLOSURES                                                                                \
	"CREATE TABLE closures ("                                                                  \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"                      \
	" starts_at INTEGER NOT NULL,"                                                             \
	" ends_at INTEGER NOT NULL,"                                                               \
	" reason TEXT NOT NULL,"                                                                   \
	" CHECK (ends_at > starts_at)"                                                             \
	") STRICT;"                                                                                \
	"CREATE INDEX closures_group ON closures(group_id, starts_at);"
#define M1_CLIENTS                                                                                 \
	"CREATE TABLE clients ("                                                                   \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" name TEXT NOT NULL UNIQUE,"                                                              \
	" short_name TEXT,"                                                                        \
	" org_number TEXT,"                                                                        \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"                              \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch())"                                       \
	") STRICT;"
#define M1_REST                                                                                    \
	"CREATE TABLE contacts ("                                                                  \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" name TEXT NOT NULL,"                                                                     \
	" role TEXT,"                                                                              \
	" phone TEXT,"                                                                             \
	" email TEXT,"                                                                             \
	" phone_hours TEXT,"                                                                       \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1))"                               \
	") STRICT;"                                                                                \
	"CREATE TABLE categories ("                                                                \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" name TEXT NOT NULL,"                                                                     \
	" kind TEXT NOT NULL CHECK (kind IN"                                                       \
	"  ('question','matter','opinion','complaint','praise','idea','fault_report')),"           \
	" group_id INTEGER REFERENCES groups(id),"                                                 \
	" client_id INTEGER REFERENCES clients(id),"                                               \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1))"                               \
	") STRICT;"                                                                                \
	"CREATE TABLE agreements ("                                                                \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" name TEXT NOT NULL,"                                                                     \
	" valid_from TEXT NOT NULL,"                                                               \
	" valid_to TEXT,"                                                                          \
	" prices TEXT,"                                                                            \
	" fixed_annual_price REAL,"                                                                \
	" notes TEXT,"                                                                             \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch()),"                                      \
	" CHECK (valid_to IS NULL OR valid_to >= valid_from)"                                      \
	") STRICT;"                                                                                \
	"CREATE TABLE agreement_groups ("                                                          \
	" agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,"              \
	" group_id INTEGER NOT NULL REFERENCES groups(id),"                                        \
	" PRIMARY KEY (agreement_id, group_id)"                                                    \
	") STRICT;"                                                                                \
	"CREATE TABLE boundaries ("                                                                \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,"              \
	" category_id INTEGER NOT NULL REFERENCES categories(id),"                                 \
	" action TEXT NOT NULL CHECK (action IN ('resolve','handover')),"                          \
	" contact_id INTEGER REFERENCES contacts(id),"                                             \
	" instructions TEXT,"                                                                      \
	" due_working_days INTEGER NOT NULL DEFAULT 5 CHECK (due_working_days BETWEEN 0 AND 60),"  \
	" UNIQUE (agreement_id, category_id)"                                                      \
	") STRICT;"                                                                                \
	"CREATE TABLE user_groups ("                                                               \
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                        \
	" group_id INTEGER NOT NULL REFERENCES groups(id),"                                        \
	" skill INTEGER NOT NULL DEFAULT 1 CHECK (skill BETWEEN 1 AND 9),"                         \
	" PRIMARY KEY (user_id, group_id)"                                                         \
	") STRICT;"                                                                                \
	"CREATE TABLE sessions ("                                                                  \
	" token_hash BLOB PRIMARY KEY,"                                                            \
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                        \
	" created_at INTEGER NOT NULL,"                                                            \
	" expires_at INTEGER NOT NULL"                                                             \
	") STRICT;"                                                                                \
	"CREATE TABLE citizens ("                                                                  \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" name TEXT,"                                                                              \
	" phone TEXT,"                                                                             \
	" email TEXT,"                                                                             \
	" personal_id TEXT UNIQUE,"                                                                \
	" created_at INTEGER NOT NULL DEFAULT (unixepoch())"                                       \
	") STRICT;"                                                                                \
	"CREATE INDEX citizens_phone ON citizens(phone);"                                          \
	"CREATE INDEX citizens_email ON citizens(email);"                                          \
	"CREATE TABLE cases ("                                                                     \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" channel TEXT NOT NULL CHECK (channel IN"                                                 \
	"  ('phone','email','letter','fax','visit','web','social')),"                              \
	" group_id INTEGER NOT NULL REFERENCES groups(id),"                                        \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" category_id INTEGER NOT NULL REFERENCES categories(id),"                                 \
	" outcome TEXT NOT NULL CHECK (outcome IN"                                                 \
	"  ('resolved','guided','handed_over','forwarded_urgent')),"                               \
	" summary TEXT NOT NULL,"                                                                  \
	" citizen_id INTEGER REFERENCES citizens(id),"                                             \
	" received_at INTEGER NOT NULL,"                                                           \
	" created_at INTEGER NOT NULL,"                                                            \
	" updated_at INTEGER NOT NULL,"                                                            \
	" agent_id INTEGER REFERENCES users(id),"                                                  \
	" confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0,1)),"                  \
	" threat INTEGER NOT NULL DEFAULT 0 CHECK (threat IN (0,1)),"                              \
	" call_id TEXT"                                                                            \
	") STRICT;"                                                                                \
	"CREATE INDEX cases_received ON cases(received_at);"                                       \
	"CREATE INDEX cases_group ON cases(group_id, received_at);"                                \
	"CREATE INDEX cases_client ON cases(client_id, received_at);"                              \
	"CREATE INDEX cases_citizen ON cases(citizen_id);"                                         \
	"CREATE TABLE case_history ("                                                              \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" case_id INTEGER NOT NULL REFERENCES cases(id),"                                          \
	" at INTEGER NOT NULL,"                                                                    \
	" user_id INTEGER REFERENCES users(id),"                                                   \
	" field TEXT NOT NULL,"                                                                    \
	" old_value TEXT,"                                                                         \
	" new_value TEXT"                                                                          \
	") STRICT;"                                                                                \
	"CREATE INDEX case_history_case ON case_history(case_id);"                                 \
	"CREATE TABLE handovers ("                                                                 \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" case_id INTEGER NOT NULL REFERENCES cases(id),"                                          \
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"                                    \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" message TEXT NOT NULL,"                                                                  \
	" instructions TEXT,"                                                                      \
	" created_at INTEGER NOT NULL,"                                                            \
	" due_date TEXT NOT NULL,"                                                                 \
	" answered_at INTEGER,"                                                                    \
	" answer TEXT,"                                                                            \
	" answered_by INTEGER REFERENCES users(id)"                                                \
	") STRICT;"                                                                                \
	"CREATE INDEX handovers_open ON handovers(answered_at, due_date);"                         \
	"CREATE INDEX handovers_case ON handovers(case_id);"                                       \
	"CREATE TABLE notifications ("                                                             \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" user_id INTEGER NOT NULL REFERENCES users(id),"                                          \
	" kind TEXT NOT NULL,"                                                                     \
	" case_id INTEGER REFERENCES cases(id),"                                                   \
	" message TEXT NOT NULL,"                                                                  \
	" created_at INTEGER NOT NULL,"                                                            \
	" read_at INTEGER"                                                                         \
	") STRICT;"                                                                                \
	"CREATE INDEX notifications_user ON notifications(user_id, read_at);"                      \
	"CREATE TABLE audit_log ("                                                                 \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" at INTEGER NOT NULL,"                                                                    \
	" user_id INTEGER REFERENCES users(id),"                                                   \
	" action TEXT NOT NULL,"                                                                   \
	" entity TEXT NOT NULL,"                                                                   \
	" entity_id INTEGER,"                                                                      \
	" detail TEXT"                                                                             \
	") STRICT;"                                                                                \
	"CREATE INDEX audit_entity ON audit_log(entity, entity_id);"                               \
	"CREATE INDEX audit_user ON audit_log(user_id, at);"
/* Migration 8 around its trigger, which PostgreSQL writes as a function. */
#define M8_BEFORE_TRIGGER                                                                          \
	"CREATE TABLE client_units ("                                                              \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" name TEXT NOT NULL,"                                                                     \
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"                              \
	" UNIQUE (client_id, name)"                                                                \
	") STRICT;"                                                                                \
	"ALTER TABLE contacts ADD COLUMN client_unit_id INTEGER REFERENCES client_units(id);"      \
	"ALTER TABLE cases ADD COLUMN status TEXT NOT NULL DEFAULT 'closed' CHECK (status IN"      \
	" ('open','waiting_for_department','waiting_for_citizen','closed'));"                      \
	"ALTER TABLE cases ADD COLUMN status_changed_at INTEGER;"                                  \
	"ALTER TABLE cases ADD COLUMN status_changed_by INTEGER REFERENCES users(id);"             \
	"ALTER TABLE cases ADD COLUMN closed_at INTEGER;"                                          \
	"ALTER TABLE cases ADD COLUMN closed_by INTEGER REFERENCES users(id);"                     \
	"ALTER TABLE cases ADD COLUMN closing_reason TEXT;"                                        \
	"ALTER TABLE cases ADD COLUMN citizen_informed TEXT CHECK (citizen_informed IS NULL OR"    \
	" citizen_informed IN ('phone','email','letter','visit'));"                                \
	"ALTER TABLE cases ADD COLUMN client_unit_id INTEGER REFERENCES client_units(id);"         \
	"ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"                         \
	"ALTER TABLE handovers ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN"    \
	" ('open','question','answered','taken_over','closed','withdrawn'));"                      \
	"ALTER TABLE handovers ADD COLUMN question TEXT;"                                          \
	"ALTER TABLE handovers ADD COLUMN question_at INTEGER;"                                    \
	"ALTER TABLE handovers ADD COLUMN reply TEXT;"                                             \
	"ALTER TABLE handovers ADD COLUMN answered_via TEXT CHECK (answered_via IS NULL OR"        \
	" answered_via IN ('web','phone'));"                                                       \
	"ALTER TABLE handovers ADD COLUMN client_unit_id INTEGER REFERENCES client_units(id);"     \
	"UPDATE handovers SET status = 'answered', answered_via = 'web'"                           \
	" WHERE answered_at IS NOT NULL;"                                                          \
	"UPDATE cases SET status_changed_at = updated_at, closed_at = updated_at;"                 \
	"UPDATE cases SET status = 'waiting_for_department', closed_at = NULL,"                    \
	" status_changed_at = (SELECT MAX(h.created_at) FROM handovers h WHERE h.case_id = "       \
	"cases.id)"                                                                                \
	" WHERE EXISTS(SELECT 1 FROM handovers h WHERE h.case_id = cases.id"                       \
	" AND h.answered_at IS NULL);"
#define M8_AFTER_TRIGGER                                                                           \
	"CREATE INDEX cases_status ON cases(status, status_changed_at) WHERE status <> 'closed';"  \
	"CREATE INDEX cases_client_unit ON cases(client_unit_id, received_at)"                     \
	" WHERE client_unit_id IS NOT NULL;"                                                       \
	"DROP INDEX handovers_open;"                                                               \
	"CREATE INDEX handovers_open ON handovers(status, due_date);"                              \
	"CREATE TABLE attachments ("                                                               \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"                        \
	" filename TEXT NOT NULL,"                                                                 \
	" content_type TEXT NOT NULL,"                                                             \
	" size INTEGER NOT NULL CHECK (size >= 0),"                                                \
	" stored_name TEXT NOT NULL UNIQUE,"                                                       \
	" created_at INTEGER NOT NULL,"                                                            \
	" created_by INTEGER REFERENCES users(id)"                                                 \
	") STRICT;"                                                                                \
	"CREATE INDEX attachments_case ON attachments(case_id);"
/* Migration 10 after its change of the NOT NULL. */
#define M10_PLACE                                                                                  \
	"ALTER TABLE cases ADD COLUMN place_address TEXT;"                                         \
	"ALTER TABLE cases ADD COLUMN place_lat REAL CHECK (place_lat IS NULL OR"                  \
	" place_lat BETWEEN -90 AND 90);"                                                          \
	"ALTER TABLE cases ADD COLUMN place_lon REAL CHECK (place_lon IS NULL OR"                  \
	" place_lon BETWEEN -180 AND 180);"                                                        \
	"CREATE INDEX cases_unhandled ON cases(received_at) WHERE outcome IS NULL;"

/* Timestamps are INTEGER seconds since the epoch (UTC); calendar dates are TEXT YYYY-MM-DD. */
static const struct migration core_migrations[] = {
        {1, "organisation, agreements, cases, users, audit",
         M1_USERS M1_UNITS M1_GROUPS M1_ENTRY_NUMBERS M1_CLOSURES M1_CLIENTS M1_REST},
        /* Found under load: a citizen's earlier cases are listed newest first with every
         * case, and without received_at in the index that sort grew with the history; and
         * the lookup of a citizen by phone or e-mail (personal_id IS NULL) chose the
         * personal_id index, scanning every citizen known only by phone. */
        {2, "indexes for a citizen's cases and for finding a citizen by phone or e-mail",
         "DROP INDEX cases_citizen;"
         "CREATE INDEX cases_citizen ON cases(citizen_id, received_at);"
         "DROP INDEX citizens_phone;"
         "CREATE INDEX citizens_phone ON citizens(phone, personal_id);"
         "DROP INDEX citizens_email;"
         "CREATE INDEX citizens_email ON citizens(email, personal_id);"},
        /* What the queue engine needs of a group beyond hours, overflow and max wait
         * (NULL means the engine's default, see acd/acd.h). */
        {3, "queue settings of response groups",
         "ALTER TABLE groups ADD COLUMN max_queue INTEGER CHECK (max_queue IS NULL OR max_queue > "
         "0);"
         "ALTER TABLE groups ADD COLUMN widen_after_s INTEGER CHECK (widen_after_s IS NULL OR "
         "widen_after_s >= 0);"
         "ALTER TABLE groups ADD COLUMN offer_timeout_s INTEGER CHECK (offer_timeout_s IS NULL OR "
         "offer_timeout_s > 0);"
         "ALTER TABLE groups ADD COLUMN callback_retry_s INTEGER CHECK (callback_retry_s IS NULL "
         "OR callback_retry_s > 0);"
         "ALTER TABLE groups ADD COLUMN callback_attempts INTEGER CHECK (callback_attempts IS NULL "
         "OR callback_attempts > 0);"
         "ALTER TABLE groups ADD COLUMN aht_s INTEGER CHECK (aht_s IS NULL OR aht_s > 0);"
         "ALTER TABLE groups ADD COLUMN announce_every_s INTEGER CHECK (announce_every_s IS NULL "
         "OR announce_every_s > 0);"
         "ALTER TABLE groups ADD COLUMN urgent_number TEXT;"
         "ALTER TABLE groups ADD COLUMN overflow_number TEXT;"},
        /* A voice menu (knappval) per entry number, as JSON; NULL: straight to the group.
         * See docs/telephony.md for its form. */
        {4, "voice menus of entry numbers",
         "ALTER TABLE entry_numbers ADD COLUMN menu TEXT CHECK (menu IS NULL OR "
         "json_valid(menu));"},
        /* The steps an agent goes through for a category (a JSON list of short texts,
         * shown on the desk when the category is picked), and an index for an agent's own
         * figures of the day, which count the cases they logged since midnight. */
        {5, "checklists of case categories; cases by agent",
         "ALTER TABLE categories ADD COLUMN checklist TEXT CHECK (checklist IS NULL OR "
         "json_valid(checklist));"
         "CREATE INDEX cases_agent ON cases(agent_id, created_at);"},
        /* Every case looks up the agreement in force for its client and group: by client,
         * newest first, without sorting. A citizen known only by phone (most callers)
         * writes no e-mail index entry, and one known only by e-mail no phone entry; the
         * lookups compare with `=`, which the partial indexes answer. */
        {6, "agreements by client; citizens' phone and e-mail indexes without empty values",
         "CREATE INDEX agreements_client ON agreements(client_id, valid_from);"
         "DROP INDEX citizens_phone;"
         "CREATE INDEX citizens_phone ON citizens(phone, personal_id) WHERE phone IS NOT NULL;"
         "DROP INDEX citizens_email;"
         "CREATE INDEX citizens_email ON citizens(email, personal_id) WHERE email IS NOT NULL;"},
        /* Case search without scanning the case log. Text: an FTS5 index over each case's
         * summary and its citizen's name, with the knowledge base's Swedish tokenizer (stems,
         * so "hemtjänsten" finds "hemtjänst"). Its content stays in cases and citizens
         * (external content through a view: no second copy of the text); its rowid is the
         * case's search key, received_at * 2^30 + id, so FTS5 hands matches over newest
         * first and a page of the commonest word stops after 50 rows. Triggers keep it in
         * the case's own transaction. More text (e-mail bodies) goes in as a further column
         * by a migration that recreates the table and rebuilds it. Filters: one index per
         * field a search narrows by, each ending in received_at for the newest-first order.
         * The key holds case ids below 2^30 (a thousand times Stockholm's ten years). */
        {7, "case search index: text, filters and newest-first order",
         "CREATE VIEW cases_fts_source AS"
         " SELECT (c.received_at << 30) | c.id AS search_key, c.summary AS summary,"
         " ci.name AS citizen FROM cases c LEFT JOIN citizens ci ON ci.id = c.citizen_id;"
         "CREATE VIRTUAL TABLE cases_fts USING fts5(summary, citizen,"
         " content='cases_fts_source', content_rowid='search_key', tokenize='lotsen_sv',"
         " detail='none');"
         "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN"
         " SELECT RAISE(ABORT, 'case id beyond the search key') WHERE new.id >= 1073741824;"
         " INSERT INTO cases_fts(rowid, summary, citizen) VALUES"
         " ((new.received_at << 30) | new.id, new.summary,"
         " (SELECT name FROM citizens WHERE id = new.citizen_id));"
         " END;"
         "CREATE TRIGGER cases_fts_update AFTER UPDATE OF summary, citizen_id, received_at"
         " ON cases BEGIN"
         " INSERT INTO cases_fts(cases_fts, rowid, summary, citizen) VALUES"
         " ('delete', (old.received_at << 30) | old.id, old.summary,"
         " (SELECT name FROM citizens WHERE id = old.citizen_id));"
         " INSERT INTO cases_fts(rowid, summary, citizen) VALUES"
         " ((new.received_at << 30) | new.id, new.summary,"
         " (SELECT name FROM citizens WHERE id = new.citizen_id));"
         " END;"
         "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN"
         " INSERT INTO cases_fts(cases_fts, rowid, summary, citizen) VALUES"
         " ('delete', (old.received_at << 30) | old.id, old.summary,"
         " (SELECT name FROM citizens WHERE id = old.citizen_id));"
         " END;"
         "CREATE TRIGGER citizens_fts_name AFTER UPDATE OF name ON citizens"
         " WHEN old.name IS NOT new.name BEGIN"
         " INSERT INTO cases_fts(cases_fts, rowid, summary, citizen)"
         " SELECT 'delete', (received_at << 30) | id, summary, old.name FROM cases"
         " WHERE citizen_id = new.id;"
         " INSERT INTO cases_fts(rowid, summary, citizen)"
         " SELECT (received_at << 30) | id, summary, new.name FROM cases"
         " WHERE citizen_id = new.id;"
         " END;"
         "INSERT INTO cases_fts(cases_fts) VALUES ('rebuild');"
         "CREATE INDEX cases_category ON cases(category_id, received_at);"
         "CREATE INDEX cases_agent_received ON cases(agent_id, received_at);"
         "CREATE INDEX cases_outcome ON cases(outcome, received_at);"
         "CREATE INDEX cases_channel ON cases(channel, received_at);"
         "CREATE INDEX cases_threat ON cases(received_at) WHERE threat = 1;"},
        /* The case's life after the first contact (issue 15). The outcome stays the
         * center's measure of the first contact; status is what happens after it: open (the
         * center has work), waiting for the department or the citizen, closed (with who,
         * when, why and how the citizen was told). `version` counts every change of the
         * case row (a trigger bumps it) and is the case's ETag. Existing cases: handed over
         * and not yet answered → waiting_for_department; every other one was finished at
         * the first contact → closed. Handovers gain their own state (the department may
         * ask back, take the case over or close it), the sub-units of a department
         * (client_units) may be named by a contact, a handover and a case, and files may be
         * attached to a case (stored beside the database, see core/attachments.c). */
        {8, "case status and version, handover states, department sub-units, attachments",
         M8_BEFORE_TRIGGER
         "CREATE TRIGGER cases_version AFTER UPDATE ON cases WHEN new.version = old.version BEGIN"
         " UPDATE cases SET version = old.version + 1 WHERE id = new.id;"
         " END;" M8_AFTER_TRIGGER},
        /* Retention by the records plan (gallring, issue 18). A category's period in months
         * (NULL: the setting retention-months; 0: kept for good); once a closed case is
         * older than its period, core/retention.c anonymizes it and stamps anonymized_at.
         * The partial index holds only cases not yet anonymized, by age, so the daily job
         * reads only what it may still have to do. A legal hold on a case or on a citizen
         * (all their cases) keeps it whatever the period, with who set it and why. */
        {9, "retention periods of categories, anonymized cases, legal holds",
         "ALTER TABLE categories ADD COLUMN retention_months INTEGER CHECK (retention_months IS"
         " NULL OR retention_months BETWEEN 0 AND 1200);"
         "ALTER TABLE cases ADD COLUMN anonymized_at INTEGER;"
         "CREATE INDEX cases_retention ON cases(received_at) WHERE anonymized_at IS NULL;"
         "CREATE TABLE legal_holds ("
         " id INTEGER PRIMARY KEY,"
         " case_id INTEGER REFERENCES cases(id),"
         " citizen_id INTEGER REFERENCES citizens(id),"
         " reason TEXT NOT NULL CHECK (length(reason) > 0),"
         " set_by INTEGER REFERENCES users(id),"
         " set_at INTEGER NOT NULL,"
         " released_at INTEGER,"
         " released_by INTEGER REFERENCES users(id),"
         " CHECK ((case_id IS NULL) <> (citizen_id IS NULL))"
         ") STRICT;"
         "CREATE INDEX legal_holds_case ON legal_holds(case_id) WHERE released_at IS NULL;"
         "CREATE INDEX legal_holds_citizen ON legal_holds(citizen_id) WHERE released_at IS NULL;"},
        /* A contact that arrives without an agent (Tyck till, e-mail) is open work with no
         * outcome until an agent handles it (issue 15): cases.outcome becomes nullable.
         * SQLite cannot drop a NOT NULL by ALTER TABLE, and rebuilding the case log would
         * cascade into attachments and every table that names a case; removing a NOT NULL
         * is the one schema edit SQLite documents as safe through writable_schema (no stored
         * row becomes invalid; RESET reloads the schema in this connection and bumps the
         * schema cookie for the others). A fault report may name a place: an address and
         * optionally WGS 84 coordinates (both or neither). */
        {10, "unhandled cases (outcome NULL); the place of a fault report",
         "PRAGMA writable_schema=ON;"
         "UPDATE sqlite_schema SET sql = replace(sql, ' outcome TEXT NOT NULL CHECK',"
         " ' outcome TEXT CHECK') WHERE type = 'table' AND name = 'cases';"
         "PRAGMA writable_schema=RESET;" M10_PLACE},
        /* Prices by complexity (issue 15): an agreement may price a category kind or a
         * named price class ("enkel", "komplex") besides a channel; a category names its
         * class. See report.c's invoice for which price applies. */
        {11, "price class of a category", "ALTER TABLE categories ADD COLUMN price_class TEXT;"},
        /* The switchboard's directory (issue 16): presence set by the person or a lead. */
        {12, "presence of staff in the switchboard's directory",
         "CREATE TABLE directory_presence ("
         " user_id INTEGER PRIMARY KEY REFERENCES users(id),"
         " status TEXT NOT NULL CHECK (status IN ('in','away','meeting')),"
         " until INTEGER,"
         " set_at INTEGER NOT NULL"
         ") STRICT;"
         "CREATE INDEX contacts_name ON contacts(name);"},
/* The directory's search index (issue 16): one FTS5 row per active contact (rowid 2·id) and
 * per staff member (rowid 2·id + 1), kept by triggers. unicode61 folds case also for å, ä
 * and ö and, with remove_diacritics 0, keeps them apart from a and o; the prefix indexes
 * answer the first letters someone types. `phone` holds the number's digits as written and
 * in the other form (0850899900 46850899900), so both find it by prefix. */
#define DIR_DIGITS(x)                                                                              \
	"replace(replace(replace(replace(replace(replace(" x ",' ',''),'-',''),'+',''),'(',''),"   \
	"')',''),'/','')"
#define DIR_PHONE(x)                                                                                                                \
	"CASE WHEN " x " IS NULL THEN NULL WHEN " DIR_DIGITS(x) " LIKE '0%' THEN " DIR_DIGITS(x) " || ' 46' || substr(" DIR_DIGITS( \
	        x) ",2) WHEN " DIR_DIGITS(x) " LIKE '46%' THEN " DIR_DIGITS(x) " || ' 0' || "                                       \
	                                                                       "substr"                                             \
	                                                                       "(" DIR_DIGITS(                                      \
	                                                                               x) ",3) "                                    \
	                                                                                  "ELSE"                                    \
	                                                                                  " " DIR_DIGITS(                           \
	                                                                                          x) " END"
/* The same row in the index and in directory_entries, whose (kind, name) index gives the
 * page of a broad search in order without reading every hit's text. */
#define DIR_ADD(select)                                                                            \
	"INSERT INTO directory_fts(rowid, name, unit, role, phone) " select ";"                    \
	"INSERT INTO directory_entries(id, kind, name) SELECT rowid, rowid % 2, name FROM "        \
	"(" select ");"
#define DIR_DEL(ids)                                                                               \
	"DELETE FROM directory_fts WHERE rowid " ids ";"                                           \
	"DELETE FROM directory_entries WHERE id " ids ";"
#define DIR_CONTACT(c)                                                                             \
	DIR_ADD("SELECT 2*c.id AS rowid, c.name AS name, COALESCE(cu.name, cl.name), "             \
	        "c.role, " DIR_PHONE(                                                              \
	                "c.phone") " FROM contacts c JOIN clients cl ON cl.id = c.client_id"       \
	                           " LEFT JOIN client_units cu ON cu.id = c.client_unit_id WHERE " \
	                           "c.active = 1 AND " c)
#define DIR_STAFF(c)                                                                               \
	DIR_ADD("SELECT 2*u.id+1 AS rowid, u.display_name AS name, un.name, u.role, NULL"          \
	        " FROM users u LEFT JOIN units un ON un.id = u.unit_id"                            \
	        " WHERE u.active = 1 AND u.role <> 'client_viewer' AND " c)
        {13, "search index of the switchboard's directory",
         "CREATE VIRTUAL TABLE directory_fts USING fts5(name, unit, role, phone,"
         " tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3');"
         "CREATE TABLE directory_entries ("
         " id INTEGER PRIMARY KEY," /* the FTS rowid: 2·contact id, 2·user id + 1 */
         " kind INTEGER NOT NULL,"  /* 0 contact, 1 staff: contacts come first */
         " name TEXT NOT NULL"
         ") STRICT;"
         "CREATE INDEX directory_entries_order ON directory_entries(kind, name, id);" DIR_CONTACT("1") DIR_STAFF("1") "CREATE TRIGGER directory_contact_ins AFTER INSERT ON contacts BEGIN " DIR_CONTACT(
                 "c.id = new.id") " END;"
                                  "CREATE TRIGGER directory_contact_upd AFTER UPDATE ON contacts "
                                  "BEGIN " DIR_DEL("= 2*old.id") DIR_CONTACT(
                                          "c.id = new.id") " END;"
                                                           "CREATE TRIGGER directory_contact_del "
                                                           "AFTER DELETE ON contacts "
                                                           "BEGIN " DIR_DEL(
                                                                   "= 2*old.id") " END;"
                                                                                 "CREATE TRIGGER "
                                                                                 "directory_user_"
                                                                                 "ins AFTER INSERT "
                                                                                 "ON users "
                                                                                 "BEGIN " DIR_STAFF(
                                                                                         "u.id = "
                                                                                         "new.id") " END;"
                                                                                                   "CREATE TRIGGER directory_user_upd AFTER UPDATE OF display_name, role, unit_id, active"
                                                                                                   " ON users BEGIN " DIR_DEL(
                                                                                                           "= 2*old.id+1")
                                                                                                           DIR_STAFF(
                                                                                                                   "u.id = new.id") " END;"
                                                                                                                                    "CREATE TRIGGER directory_user_del AFTER DELETE ON users BEGIN " DIR_DEL(
                                                                                                                                            "= 2*old.id+1") " END;"
                                                                                                                                                            "CREATE TRIGGER directory_unit_upd AFTER UPDATE OF name ON units BEGIN " DIR_DEL("IN (SELECT 2*id+1 FROM users WHERE unit_id = new.id)") DIR_STAFF("u.unit_id = new.id") " END;"
                                                                                                                                                                                                                                                                                                                                     "CREATE TRIGGER directory_client_upd AFTER UPDATE OF name ON clients BEGIN " DIR_DEL("IN (SELECT 2*id FROM contacts WHERE client_id = new.id)") DIR_CONTACT("c.client_id = new.id") " END;"
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         "CREATE TRIGGER directory_client_unit_upd AFTER UPDATE OF name ON client_units BEGIN " DIR_DEL(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "IN (SELECT 2*id FROM contacts WHERE client_unit_id = new.id)")
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 DIR_CONTACT(
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                         "c.client_unit_id = new.id") " END;"},
        /* The wallboard (issue 16). A group's targets colour its tile: service level (share
         * answered within target_sl_s, at least target_sl_pct %), the longest wait and the
         * abandon rate each with a warning and an alarm level (NULL: not judged). A display
         * is a screen's long-lived login with the `wallboard` role: only a hash of its token
         * is kept; revoked_at ends it; groups (a JSON array of ids, NULL: every group) are
         * the tiles it shows. */
        {14,
         "targets of response groups; wallboard displays; a group's language wait and"
         " e-mail answer target",
         "ALTER TABLE groups ADD COLUMN language_widen_s INTEGER CHECK (language_widen_s IS NULL"
         " OR language_widen_s >= 0);"
         "ALTER TABLE groups ADD COLUMN email_answer_days INTEGER CHECK (email_answer_days IS NULL"
         " OR email_answer_days BETWEEN 0 AND 20);"
         "ALTER TABLE groups ADD COLUMN target_sl_pct INTEGER CHECK (target_sl_pct IS NULL OR"
         " target_sl_pct BETWEEN 1 AND 100);"
         "ALTER TABLE groups ADD COLUMN target_sl_s INTEGER CHECK (target_sl_s IS NULL OR"
         " target_sl_s BETWEEN 1 AND 3600);"
         "ALTER TABLE groups ADD COLUMN wait_warn_s INTEGER CHECK (wait_warn_s IS NULL OR"
         " wait_warn_s > 0);"
         "ALTER TABLE groups ADD COLUMN wait_alarm_s INTEGER CHECK (wait_alarm_s IS NULL OR"
         " wait_alarm_s > 0);"
         "ALTER TABLE groups ADD COLUMN abandon_warn_pct INTEGER CHECK (abandon_warn_pct IS NULL"
         " OR abandon_warn_pct BETWEEN 0 AND 100);"
         "ALTER TABLE groups ADD COLUMN abandon_alarm_pct INTEGER CHECK (abandon_alarm_pct IS"
         " NULL OR abandon_alarm_pct BETWEEN 0 AND 100);"
         "CREATE TABLE displays ("
         " id INTEGER PRIMARY KEY,"
         " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),"
         " groups TEXT,"
         " token_hash BLOB NOT NULL UNIQUE,"
         " created_at INTEGER NOT NULL,"
         " created_by INTEGER REFERENCES users(id),"
         " revoked_at INTEGER,"
         " revoked_by INTEGER REFERENCES users(id)"
         ") STRICT;"},
        {15, "e-mail recipients of an agreement's monthly report",
         "ALTER TABLE agreements ADD COLUMN recipients TEXT;"},
        /* PostgreSQL's own search indexes for cases and the directory (its migration 16
         * below); SQLite has had its FTS5 tables since migrations 7 and 13. */
        {16, "search indexes of cases and the directory on PostgreSQL", ""},
};

/* ---- Search on PostgreSQL (migration 16) ----
 * The words of a text as Lotsen's Swedish tokenizer makes them (text/text_fts.c), in SQL,
 * so that triggers can index what any statement writes: lower case, accents other than
 * å ä ö folded ("idé" meets "ide"; æ and ø are ä and ö), split at everything but letters
 * and digits, one-letter words and Lotsen's stop words dropped, the rest stemmed by
 * PostgreSQL's Swedish Snowball stemmer (swedish_stem, the algorithm libstemmer runs on
 * SQLite) and then cut as text_stem cuts it (definite -an/-et, a final s after a
 * consonant Snowball allows). Words with a digit stay whole. The separators are given as
 * code point ranges, not as [[:alnum:]], so the split does not depend on the database's
 * locale; Latin-1 capitals are lowered by translate() for the same reason. The stop words
 * are text_stopword's. */
#define SV_SEP                                                                                     \
	"'[^0-9a-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u1fff\\u2070-\\u218f\\u2c00-\\u2fff"     \
	"\\u3040-\\ufdff\\ufe70-\\ufffc\\ufffe-\\uffff\\U00010000-\\U0010ffff]+'"
#define SV_FOLD_FROM "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãæçèéêëìíîïðñòóôõøùúûüýþÿ"
#define SV_FOLD_TO   "aaaaäåäceeeeiiiidnooooööuuuuytsaaaaäceeeeiiiidnooooöuuuuyty"
#define SV_UPPER     "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ"
#define SV_LOWER     "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ"
#define SV_STOPWORDS                                                                                 \
	"alla,allt,att,av,blev,bli,blir,blivit,de,dem,den,denna,deras,dess,dessa,det,detta,dig,"     \
	"din,dina,ditt,du,där,då,efter,ej,eller,en,er,era,ert,ett,finns,från,får,för,ha,hade,"  \
	"han,hans,har,hej,henne,hennes,hon,honom,hur,här,i,icke,ingen,inom,inte,jag,ju,kan,"        \
	"kunde,man,med,mellan,men,mig,min,mina,mitt,mot,mycket,ni,nu,när,någon,något,några,och," \
	"om,oss,på,samma,sedan,sig,sin,sina,sitta,själv,ska,skall,skulle,som,så,sådan,sådana,"  \
	"sådant,till,under,undrar,upp,ut,utan,vad,var,vara,varför,varit,varje,vars,vart,vem,vi,"   \
	"vid,vilka,vilkas,vilken,vilket,vill,vår,våra,vårt,än,är,åt,över"
#define PG_SV_FUNCTIONS                                                                                         \
	"CREATE FUNCTION lotsen_sv_stem(w text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"              \
	" AS $$ SELECT CASE WHEN char_length(s2) >= 5 AND s2 ~ '[bcdfghjklmnoprtvy]s$'"                         \
	" THEN left(s2, -1) ELSE s2 END FROM (SELECT CASE WHEN char_length(s) >= 5 AND"                         \
	" right(s, 2) IN ('an', 'et') THEN left(s, -2) ELSE s END AS s2"                                        \
	" FROM (SELECT coalesce((ts_lexize('swedish_stem', w))[1], w) AS s) a) b $$;"                           \
	"CREATE FUNCTION lotsen_sv_words(t text) RETURNS text[] LANGUAGE sql IMMUTABLE"                         \
	" PARALLEL SAFE AS $$ SELECT coalesce(array_agg(CASE WHEN w ~ '[0-9]' THEN w ELSE"                      \
	" lotsen_sv_stem(w) END), '{}') FROM regexp_split_to_table(translate(lower(t),"                         \
	" '" SV_FOLD_FROM "', '" SV_FOLD_TO "'), " SV_SEP ") AS w WHERE w <> '' AND"                            \
	" (w ~ '[0-9]' OR (char_length(w) >= 2 AND NOT (w = ANY ('{" SV_STOPWORDS "}'))))"                      \
	" $$;" /* A search: every word, each to be a word of the row (text_fts_query's rule:                    \
	        * one-byte words are not searched). */                                                          \
	"CREATE FUNCTION lotsen_sv_query(t text) RETURNS tsquery LANGUAGE sql IMMUTABLE"                        \
	" PARALLEL SAFE AS $$ SELECT CAST(coalesce(string_agg(quote_literal(w), ' & '), '')"                    \
	" AS tsquery) FROM unnest(lotsen_sv_words(t)) AS w WHERE octet_length(w) >= 2 $$;" /* The               \
	                                                                                    * directory's       \
	                                                                                    * words:            \
	                                                                                    * as                \
	                                                                                    * FTS5's            \
	                                                                                    * unicode61         \
	                                                                                    * with              \
	                                                                                    * remove_diacritics \
	                                                                                    * 0                 \
	                                                                                    * makes             \
	                                                                                    * them:             \
	                                                                                    * lower             \
	                                                                                    * case,             \
	                                                                                    * split             \
	                                                                                    * at                \
	                                                                                    * everything        \
	                                                                                    * but               \
	                                                                                    * letters           \
	                                                                                    * and               \
	                                                                                    * digits,           \
	                                                                                    * nothing           \
	                                                                                    * dropped.          \
	                                                                                    */                  \
	"CREATE FUNCTION lotsen_dir_words(t text) RETURNS text[] LANGUAGE sql IMMUTABLE"                        \
	" PARALLEL SAFE AS $$ SELECT coalesce(array_agg(w), '{}') FROM"                                         \
	" regexp_split_to_table(translate(lower(t), '" SV_UPPER "', '" SV_LOWER "'), " SV_SEP                   \
	") AS w WHERE w <> '' $$;" /* What someone types in the directory: every word a prefix of               \
	                              a word of the row. */                                                     \
	"CREATE FUNCTION lotsen_dir_query(t text) RETURNS tsquery LANGUAGE sql IMMUTABLE"                       \
	" PARALLEL SAFE AS $$ SELECT CAST(coalesce(string_agg(quote_literal(w) || ':*', ' & '),"                \
	" '') AS tsquery) FROM unnest(lotsen_dir_words(t)) AS w $$;"

/* Cases: one row per case in cases_search with the words of its summary and its citizen's
 * name (what cases_fts holds on SQLite), kept by triggers in the case's own transaction
 * and searched through a GIN index. A table of its own rather than a column of cases, so
 * that a citizen's new name does not change the cases' version (their ETag). */
#define PG_CASES_SEARCH                                                                            \
	"DROP INDEX cases_fts;"                                                                    \
	"CREATE TABLE cases_search ("                                                              \
	" case_id BIGINT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,"                      \
	" tsv tsvector NOT NULL);"                                                                 \
	"CREATE FUNCTION cases_search_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"          \
	" INSERT INTO cases_search(case_id, tsv) VALUES (new.id, array_to_tsvector("               \
	" lotsen_sv_words(new.summary || ' ' || coalesce((SELECT name FROM citizens"               \
	" WHERE id = new.citizen_id), ''))))"                                                      \
	" ON CONFLICT (case_id) DO UPDATE SET tsv = excluded.tsv; RETURN NULL; END $$;"            \
	"CREATE TRIGGER cases_search_row AFTER INSERT OR UPDATE OF summary, citizen_id ON cases"   \
	" FOR EACH ROW EXECUTE FUNCTION cases_search_row();"                                       \
	"CREATE FUNCTION cases_search_citizen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"      \
	" UPDATE cases_search s SET tsv = array_to_tsvector(lotsen_sv_words(c.summary || ' ' ||"   \
	" coalesce(new.name, ''))) FROM cases c WHERE c.citizen_id = new.id AND s.case_id = c.id;" \
	" RETURN NULL; END $$;"                                                                    \
	"CREATE TRIGGER cases_search_citizen AFTER UPDATE OF name ON citizens FOR EACH ROW"        \
	" WHEN (old.name IS NOT new.name) EXECUTE FUNCTION cases_search_citizen();"                \
	"INSERT INTO cases_search(case_id, tsv) SELECT c.id, array_to_tsvector(lotsen_sv_words("   \
	"c.summary || ' ' || coalesce(ci.name, ''))) FROM cases c"                                 \
	" LEFT JOIN citizens ci ON ci.id = c.citizen_id;"                                          \
	"CREATE INDEX cases_search_tsv ON cases_search USING gin (tsv);"

/* The directory: directory_entries holds on PostgreSQL what directory_fts holds on SQLite
 * (unit, role, the phone's two forms) and their words (`words`, every column; `digits`,
 * the phone's), kept by triggers as there. */
#define PG_DIR_CONTACTS(ids)                                                                       \
	" DELETE FROM directory_entries WHERE id IN (SELECT 2 * x FROM unnest(" ids ") AS x);"     \
	" INSERT INTO directory_entries(id, kind, name, unit, role, phone, words, digits)"         \
	" SELECT 2 * c.id, 0, c.name, COALESCE(cu.name, cl.name), c.role, p.phone,"                \
	" array_to_tsvector(lotsen_dir_words(concat_ws(' ', c.name, COALESCE(cu.name, cl.name),"   \
	" c.role, p.phone))), array_to_tsvector(array_remove(string_to_array(coalesce(p.phone,"    \
	" ''), ' '), ''))"                                                                         \
	" FROM contacts c JOIN clients cl ON cl.id = c.client_id"                                  \
	" LEFT JOIN client_units cu ON cu.id = c.client_unit_id"                                   \
	" CROSS JOIN LATERAL (SELECT " DIR_PHONE(                                                  \
	        "c.phone") " AS phone) p"                                                          \
	                   " WHERE c.active = 1 AND c.id = ANY(" ids ");"
#define PG_DIR_STAFF(ids)                                                                          \
	" DELETE FROM directory_entries WHERE id IN (SELECT 2 * x + 1 FROM unnest(" ids ") AS x);" \
	" INSERT INTO directory_entries(id, kind, name, unit, role, phone, words, digits)"         \
	" SELECT 2 * u.id + 1, 1, u.display_name, un.name, u.role, NULL,"                          \
	" array_to_tsvector(lotsen_dir_words(concat_ws(' ', u.display_name, un.name, u.role))),"   \
	" ''"                                                                                      \
	" FROM users u LEFT JOIN units un ON un.id = u.unit_id"                                    \
	" WHERE u.active = 1 AND u.role <> 'client_viewer' AND u.id = ANY(" ids ");"
#define PG_DIRECTORY_SEARCH                                                                        \
	"ALTER TABLE directory_entries ADD COLUMN unit TEXT, ADD COLUMN role TEXT,"                \
	" ADD COLUMN phone TEXT, ADD COLUMN words tsvector NOT NULL DEFAULT '',"                   \
	" ADD COLUMN digits tsvector NOT NULL DEFAULT '';"                                         \
	"CREATE FUNCTION directory_contacts(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$"     \
	" BEGIN" PG_DIR_CONTACTS(                                                                  \
	        "ids") " END $$;"                                                                  \
	               "CREATE FUNCTION directory_staff(ids bigint[]) RETURNS void LANGUAGE "      \
	               "plpgsql AS $$"                                                             \
	               " BEGIN" PG_DIR_STAFF(                                                      \
	                       "ids") " END $$;"                                                   \
	                              "CREATE FUNCTION directory_contact_row() RETURNS trigger "   \
	                              "LANGUAGE plpgsql AS $$ BEGIN"                               \
	                              " IF TG_OP = 'DELETE' THEN DELETE FROM directory_entries "   \
	                              "WHERE id = 2 * old.id;"                                     \
	                              " ELSE PERFORM directory_contacts(ARRAY[new.id]); END IF; "  \
	                              "RETURN NULL; END $$;"                                       \
	                              "CREATE TRIGGER directory_contact_row AFTER INSERT OR "      \
	                              "UPDATE OR DELETE ON contacts"                               \
	                              " FOR EACH ROW EXECUTE FUNCTION directory_contact_row();"    \
	                              "CREATE FUNCTION directory_user_row() RETURNS trigger "      \
	                              "LANGUAGE plpgsql AS $$ BEGIN"                               \
	                              " IF TG_OP = 'DELETE' THEN DELETE FROM directory_entries "   \
	                              "WHERE id = 2 * old.id + 1;"                                 \
	                              " ELSE PERFORM directory_staff(ARRAY[new.id]); END IF; "     \
	                              "RETURN NULL; END $$;"                                       \
	                              "CREATE TRIGGER directory_user_row AFTER INSERT OR DELETE "  \
	                              "OR UPDATE OF display_name, role,"                           \
	                              " unit_id, active ON users FOR EACH ROW EXECUTE FUNCTION "   \
	                              "directory_user_row();"                                      \
	                              "CREATE FUNCTION directory_unit_name() RETURNS trigger "     \
	                              "LANGUAGE plpgsql AS $$ BEGIN"                               \
	                              " PERFORM directory_staff(ARRAY(SELECT id FROM users WHERE " \
	                              "unit_id = new.id));"                                        \
	                              " RETURN NULL; END $$;"                                      \
	                              "CREATE TRIGGER directory_unit_name AFTER UPDATE OF name "   \
	                              "ON units FOR EACH ROW"                                      \
	                              " EXECUTE FUNCTION directory_unit_name();"                   \
	                              "CREATE FUNCTION directory_client_name() RETURNS trigger "   \
	                              "LANGUAGE plpgsql AS $$ BEGIN"                               \
	                              " PERFORM directory_contacts(ARRAY(SELECT id FROM contacts " \
	                              "WHERE client_id = new.id));"                                \
	                              " RETURN NULL; END $$;"                                      \
	                              "CREATE TRIGGER directory_client_name AFTER UPDATE OF name " \
	                              "ON clients FOR EACH ROW"                                    \
	                              " EXECUTE FUNCTION directory_client_name();"                 \
	                              "CREATE FUNCTION directory_client_unit_name() RETURNS "      \
	                              "trigger LANGUAGE plpgsql AS $$"                             \
	                              " BEGIN PERFORM directory_contacts(ARRAY(SELECT id FROM "    \
	                              "contacts"                                                   \
	                              " WHERE client_unit_id = new.id)); RETURN NULL; END $$;"     \
	                              "CREATE TRIGGER directory_client_unit_name AFTER UPDATE OF " \
	                              "name ON client_units"                                       \
	                              " FOR EACH ROW EXECUTE FUNCTION "                            \
	                              "directory_client_unit_name();"                              \
	                              "SELECT directory_contacts(ARRAY(SELECT id FROM contacts));" \
	                              "SELECT directory_staff(ARRAY(SELECT id FROM users));"       \
	                              "CREATE INDEX directory_entries_words ON directory_entries " \
	                              "USING gin (words);"                                         \
	                              "CREATE INDEX directory_entries_digits ON "                  \
	                              "directory_entries USING gin (digits);"

/* The core migrations whose PostgreSQL form differs (the others are translated, see
 * store/db_int.h). Search indexes are PostgreSQL's own: tsvector columns with GIN indexes,
 * filled by triggers with Lotsen's Swedish words (migration 16). */
static const struct migration_pg core_migrations_pg[] = {
        /* units and users refer to each other: the unit's manager is added after. */
        {1,
         M1_CLIENTS "CREATE TABLE units ("
                    " id INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL UNIQUE,"
                    " manager_id INTEGER,"
                    " created_at INTEGER NOT NULL DEFAULT (unixepoch())"
                    ");" M1_USERS
                    "ALTER TABLE units ADD FOREIGN KEY (manager_id) REFERENCES users(id);" M1_GROUPS
                            M1_ENTRY_NUMBERS M1_CLOSURES M1_REST},
        {7, "CREATE INDEX cases_fts ON cases USING gin (to_tsvector('swedish', summary));"
            "CREATE INDEX cases_category ON cases(category_id, received_at);"
            "CREATE INDEX cases_agent_received ON cases(agent_id, received_at);"
            "CREATE INDEX cases_outcome ON cases(outcome, received_at);"
            "CREATE INDEX cases_channel ON cases(channel, received_at);"
            "CREATE INDEX cases_threat ON cases(received_at) WHERE threat = 1;"},
        /* A BEFORE trigger sets the new version in the row being written. */
        {8, M8_BEFORE_TRIGGER
         "CREATE FUNCTION cases_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
         " IF new.version = old.version THEN new.version := old.version + 1; END IF;"
         " RETURN new; END $$;"
         "CREATE TRIGGER cases_version BEFORE UPDATE ON cases FOR EACH ROW"
         " EXECUTE FUNCTION cases_version();" M8_AFTER_TRIGGER},
        {10, "ALTER TABLE cases ALTER COLUMN outcome DROP NOT NULL;" M10_PLACE},
        /* The directory's rows, without its search index yet. */
        {13, "CREATE TABLE directory_entries ("
             " id INTEGER PRIMARY KEY,"
             " kind INTEGER NOT NULL,"
             " name TEXT NOT NULL"
             ");"
             "CREATE INDEX directory_entries_order ON directory_entries(kind, name, id);"},
        /* Search: Lotsen's Swedish words in SQL, case search and the directory's. */
        {16, PG_SV_FUNCTIONS PG_CASES_SEARCH PG_DIRECTORY_SEARCH},
};

int schema_migrate(struct db *db)
{
	return db_migrate_pg(
	        db, "core", core_migrations, sizeof(core_migrations) / sizeof(core_migrations[0]),
	        core_migrations_pg, sizeof(core_migrations_pg) / sizeof(core_migrations_pg[0]));
}

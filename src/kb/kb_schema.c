/* The knowledge base's schema: numbered migrations of module "kb". */
#include "kb/kb.h"
#include "kb/kb_int.h"

#include "store/db.h"
#include "text/text.h"

/* Migration 1 without its FTS5 tables, which PostgreSQL does not have. */
#define KB1_TABLES                                                                                 \
	"CREATE TABLE kb_articles ("                                                               \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" slug TEXT NOT NULL UNIQUE,"                                                              \
	" kind TEXT NOT NULL CHECK (kind IN ('qa','routine','checklist','news','notice')),"        \
	" title TEXT NOT NULL,"                                                                    \
	" body TEXT NOT NULL,"                                                                     \
	" status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN "                                  \
	"('draft','published','archived')),"                                                       \
	" owner_id INTEGER REFERENCES users(id),"                                                  \
	" review_date TEXT,"                                                                       \
	" valid_from TEXT,"                                                                        \
	" valid_to TEXT,"                                                                          \
	" version INTEGER NOT NULL DEFAULT 1,"                                                     \
	" created_at INTEGER NOT NULL,"                                                            \
	" updated_at INTEGER NOT NULL,"                                                            \
	" updated_by INTEGER REFERENCES users(id),"                                                \
	" CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)"                \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_articles_review ON kb_articles(review_date);"                             \
	"CREATE INDEX kb_articles_kind ON kb_articles(kind, status);"                              \
	"CREATE TABLE kb_article_groups ("                                                         \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" group_id INTEGER NOT NULL REFERENCES groups(id),"                                        \
	" PRIMARY KEY (article_id, group_id)"                                                      \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_article_groups_group ON kb_article_groups(group_id);"                     \
	"CREATE TABLE kb_article_clients ("                                                        \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" client_id INTEGER NOT NULL REFERENCES clients(id),"                                      \
	" PRIMARY KEY (article_id, client_id)"                                                     \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_article_clients_client ON kb_article_clients(client_id);"                 \
	"CREATE TABLE kb_article_categories ("                                                     \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" category_id INTEGER NOT NULL REFERENCES categories(id),"                                 \
	" PRIMARY KEY (article_id, category_id)"                                                   \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_article_categories_cat ON kb_article_categories(category_id);"            \
	"CREATE TABLE kb_article_tags ("                                                           \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" tag TEXT NOT NULL,"                                                                      \
	" PRIMARY KEY (article_id, tag)"                                                           \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_article_tags_tag ON kb_article_tags(tag);" /* A version is a full         \
	                                                             * snapshot: title, body and   \
	                                                             * the metadata as canonical   \
	                                                             * text, so that any two       \
	                                                             * versions can be compared    \
	                                                             * without replaying edits. */ \
	"CREATE TABLE kb_versions ("                                                               \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" version INTEGER NOT NULL,"                                                               \
	" title TEXT NOT NULL,"                                                                    \
	" meta TEXT NOT NULL,"                                                                     \
	" body TEXT NOT NULL,"                                                                     \
	" author_id INTEGER REFERENCES users(id),"                                                 \
	" created_at INTEGER NOT NULL,"                                                            \
	" note TEXT,"                                                                              \
	" PRIMARY KEY (article_id, version)"                                                       \
	") STRICT;" /* A flag on an article, or with article_id NULL a question that had no        \
	               article. */                                                                 \
	"CREATE TABLE kb_flags ("                                                                  \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" article_id INTEGER REFERENCES kb_articles(id) ON DELETE CASCADE,"                        \
	" kind TEXT NOT NULL CHECK (kind IN ('wrong','incomplete','outdated','missing')),"         \
	" message TEXT NOT NULL,"                                                                  \
	" group_id INTEGER REFERENCES groups(id),"                                                 \
	" created_by INTEGER REFERENCES users(id),"                                                \
	" created_at INTEGER NOT NULL,"                                                            \
	" owner_id INTEGER REFERENCES users(id),"                                                  \
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),"                \
	" closed_by INTEGER REFERENCES users(id),"                                                 \
	" closed_at INTEGER,"                                                                      \
	" note TEXT,"                                                                              \
	" CHECK ((article_id IS NULL) = (kind = 'missing'))"                                       \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_flags_status ON kb_flags(status, created_at);"                            \
	"CREATE INDEX kb_flags_article ON kb_flags(article_id);"                                   \
	"CREATE TABLE kb_case_articles ("                                                          \
	" case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"                        \
	" article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"               \
	" user_id INTEGER REFERENCES users(id),"                                                   \
	" created_at INTEGER NOT NULL,"                                                            \
	" PRIMARY KEY (case_id, article_id)"                                                       \
	") STRICT;"                                                                                \
	"CREATE INDEX kb_case_articles_article ON kb_case_articles(article_id);"

/* Tags, scopes and categories live in link tables so that filters stay plain SQL; the
 * search index (kb_fts) holds rendered text and, with its term dictionary (kb_terms), is
 * kept in step by kb_index_article. */
static const struct migration kb_migrations[] = {
        {1, "articles, versions, flags, case links, search index",
         KB1_TABLES
         /* rowid = kb_articles.id; body is the Markdown's plain text. The tokenizer stems
          * Swedish; compounds and typos are resolved at query time against the term
          * dictionary (kb_terms, migration 2). */
         "CREATE VIRTUAL TABLE kb_fts USING fts5(title, tags, body, tokenize = 'lotsen_sv');"
         "CREATE VIRTUAL TABLE kb_vocab USING fts5vocab(kb_fts, 'row');"},
        /* Reading kb_vocab walks the whole index (half a second at 100 000 articles), so
         * search reads this dictionary instead: one row per index term with the number
         * of documents holding it, kept in step by kb_index_article. kb_meta.gen changes
         * (to a random value, so that a rolled-back change is never mistaken for a later
         * one) with every change of the index; connections cache the dictionary until it
         * does. docs counts the index's rows. */
        {2, "term dictionary of the search index",
         "CREATE TABLE kb_terms ("
         " term TEXT PRIMARY KEY,"
         " df INTEGER NOT NULL CHECK (df > 0)"
         ") STRICT, WITHOUT ROWID;"
         "INSERT INTO kb_terms(term, df) SELECT term, doc FROM kb_vocab WHERE doc > 0;"
         /* The terms' best documents, best first: a term's row per document where its
          * impact (text_impact ×1000) reaches KB_IMPACT_MIN. A large index is searched
          * through these instead of ranking every document that holds a query word. */
         "CREATE TABLE kb_postings ("
         " term TEXT NOT NULL,"
         " impact INTEGER NOT NULL,"
         " doc INTEGER NOT NULL,"
         " PRIMARY KEY (term, impact, doc)"
         ") STRICT, WITHOUT ROWID;"
         "CREATE TABLE kb_meta ("
         " id INTEGER PRIMARY KEY CHECK (id = 1),"
         " gen INTEGER NOT NULL,"
         " docs INTEGER NOT NULL,"
         " posted INTEGER NOT NULL" /* 0 until kb_postings_backfill ran */
         ") STRICT;"
         "INSERT INTO kb_meta(id, gen, docs, posted) SELECT 1, random(), count(*), 0 FROM kb_fts;"},
        /* The municipality's own words, applied at search time: a synonym leads from what
         * people say to the articles' words; a search word (sökord) leads to one article.
         * Leads and article owners edit both in the web. kb_words_meta.gen changes with
         * every change so that connections re-read them. The defaults are words callers
         * use for what Swedish municipalities' pages call otherwise. */
        {3, "synonyms, search words, read receipts of news",
         "CREATE TABLE kb_synonyms ("
         " id INTEGER PRIMARY KEY,"
         " word TEXT NOT NULL UNIQUE,"
         " means TEXT NOT NULL,"
         " created_by INTEGER REFERENCES users(id),"
         " created_at INTEGER NOT NULL"
         ") STRICT;"
         "CREATE TABLE kb_keywords ("
         " id INTEGER PRIMARY KEY,"
         " phrase TEXT NOT NULL,"
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " created_by INTEGER REFERENCES users(id),"
         " created_at INTEGER NOT NULL,"
         " UNIQUE (phrase, article_id)"
         ") STRICT;"
         "CREATE TABLE kb_words_meta ("
         " id INTEGER PRIMARY KEY CHECK (id = 1),"
         " gen INTEGER NOT NULL"
         ") STRICT;"
         "INSERT INTO kb_words_meta(id, gen) VALUES (1, 1);"
         /* An agent's confirmation that they read a notice, as of its version. */
         "CREATE TABLE kb_reads ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " user_id INTEGER NOT NULL REFERENCES users(id),"
         " version INTEGER NOT NULL,"
         " read_at INTEGER NOT NULL,"
         " PRIMARY KEY (article_id, user_id)"
         ") STRICT;"
         "INSERT INTO kb_synonyms(word, means, created_at) VALUES "
         "('dagis', 'förskola', 0),"
         "('dagiset', 'förskola', 0),"
         "('dagmamma', 'pedagogisk omsorg', 0),"
         "('fritids', 'fritidshem', 0),"
         "('sopor', 'avfall sophämtning', 0),"
         "('soptunna', 'avfallskärl', 0),"
         "('sopkärl', 'avfallskärl', 0),"
         "('sophämtning', 'avfall', 0),"
         "('sopbil', 'sophämtning', 0),"
         "('tippen', 'återvinningscentral', 0),"
         "('grovsopor', 'grovavfall', 0),"
         "('hemhjälp', 'hemtjänst', 0),"
         "('ålderdomshem', 'äldreboende', 0),"
         "('servicehus', 'äldreboende', 0),"
         "('äldreboende', 'särskilt boende', 0),"
         "('gatlykta', 'gatubelysning', 0),"
         "('gatlampa', 'gatubelysning', 0),"
         "('lyktstolpe', 'gatubelysning', 0),"
         "('släckt', 'trasig belysning', 0),"
         "('hål', 'potthål', 0),"
         "('gropar', 'potthål', 0),"
         "('grop', 'potthål', 0),"
         "('asfalt', 'potthål', 0),"
         "('handikapptillstånd', 'parkeringstillstånd rörelsehindrade', 0),"
         "('handikapparkering', 'parkeringstillstånd rörelsehindrade', 0),"
         "('handikapp', 'rörelsehindrade', 0),"
         "('taxi', 'färdtjänst', 0),"
         "('sjukresa', 'färdtjänst', 0),"
         "('friggebo', 'friggebod', 0),"
         "('attefallare', 'attefallshus', 0),"
         "('plogning', 'snöröjning', 0),"
         "('plogbil', 'snöröjning', 0),"
         "('plogat', 'snöröjning', 0),"
         "('ploga', 'snöröjning', 0),"
         "('snöplogning', 'snöröjning', 0),"
         "('sandning', 'halkbekämpning', 0),"
         "('halt', 'halka', 0),"
         "('graffiti', 'klotter', 0),"
         "('lekpark', 'lekplats', 0),"
         "('bostadsbidrag', 'bostadsanpassning', 0),"
         "('ramp', 'bostadsanpassning', 0),"
         "('trygghetsknapp', 'trygghetslarm', 0),"
         "('larmknapp', 'trygghetslarm', 0),"
         "('matlåda', 'matdistribution', 0),"
         "('skolbuss', 'skolskjuts', 0),"
         "('busskort', 'skolkort', 0),"
         "('rivning', 'rivningslov', 0),"
         "('riva', 'rivningslov', 0),"
         "('kostar', 'avgift', 0),"
         "('pris', 'avgift', 0),"
         "('orolig', 'orosanmälan', 0),"
         "('socialen', 'socialtjänsten ekonomiskt bistånd', 0),"
         "('soc', 'socialtjänsten ekonomiskt bistånd', 0),"
         "('socialbidrag', 'försörjningsstöd', 0),"
         "('p-bot', 'parkeringsbot', 0),"
         "('p-lapp', 'parkeringsbot', 0),"
         "('lapp', 'parkeringsbot', 0),"
         "('p-kort', 'parkeringstillstånd', 0),"
         "('skrotbil', 'övergiven bil', 0),"
         "('störande', 'klagomål', 0),"
         "('musik', 'störande klagomål', 0),"
         "('oväsen', 'klagomål', 0),"
         "('buller', 'klagomål', 0),"
         "('grannen', 'klagomål', 0),"
         "('plugga', 'gymnasiet', 0),"
         "('gode', 'god', 0),"
         "('toalett', 'avlopp', 0),"
         "('toaletten', 'avlopp', 0),"
         "('mobbning', 'kränkning', 0),"
         "('kön', 'kö', 0),"
         "('klaga', 'klagomål synpunkt', 0),"
         "('bemötande', 'synpunkt klagomål', 0),"
         "('dröjer', 'handläggningstid', 0),"
         "('dröja', 'handläggningstid', 0)"
         ";"},
        /* Searches that missed, per normalized query and never per user: the query is
         * lower-cased and cut at 200 characters, and one holding a personnummer or a
         * phone number is not kept. A resolved query (connected to article_id) stays
         * for history. */
        {4, "searches that missed",
         "CREATE TABLE kb_search_misses ("
         " query TEXT PRIMARY KEY,"
         " no_hit INTEGER NOT NULL DEFAULT 0,"
         " no_click INTEGER NOT NULL DEFAULT 0,"
         " first_at INTEGER NOT NULL,"
         " last_at INTEGER NOT NULL,"
         " resolved_at INTEGER,"
         " article_id INTEGER REFERENCES kb_articles(id) ON DELETE SET NULL"
         ") STRICT;"
         "CREATE INDEX kb_search_misses_open ON kb_search_misses(resolved_at, last_at);"},
        /* PostgreSQL's search index (its migration 5 below); SQLite's is FTS5 since 1. */
        {5, "search index on PostgreSQL", ""},
};

/* On PostgreSQL the articles and their words are kept as on SQLite; the search index is
 * a plain table with FTS5's columns (rowid = kb_articles.id) plus, from migration 5, the
 * row's terms as a tsvector (`tsv`, GIN-indexed) and its tokens per column: the same
 * terms as lotsen_sv puts in FTS5 (kb_terms.c writes them), each with as many positions
 * as it has tokens in the title (weight A), the tags (B) and the body (D), up to 256, so
 * that kb_search ranks with kb_rank's formula (text_rank_score) from the counts. The term
 * dictionary and the postings are kept as on SQLite; kb_postings_backfill fills all of
 * it for the articles already there (posted = 0). */
static const struct migration_pg kb_migrations_pg[] = {
        {1, KB1_TABLES "CREATE TABLE kb_fts (rowid INTEGER PRIMARY KEY, title TEXT, tags TEXT,"
                       " body TEXT);"},
        {2, "CREATE TABLE kb_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL CHECK (df > 0));"
            "CREATE TABLE kb_postings (term TEXT NOT NULL, impact INTEGER NOT NULL,"
            " doc INTEGER NOT NULL, PRIMARY KEY (term, impact, doc));"
            "CREATE TABLE kb_meta (id INTEGER PRIMARY KEY CHECK (id = 1), gen INTEGER NOT NULL,"
            " docs INTEGER NOT NULL, posted INTEGER NOT NULL);"
            "INSERT INTO kb_meta(id, gen, docs, posted)"
            " SELECT 1, floor(random() * 9007199254740991), count(*), 0 FROM kb_fts;"},
        {5, "ALTER TABLE kb_fts ADD COLUMN tsv tsvector NOT NULL DEFAULT '',"
            " ADD COLUMN len_title INTEGER NOT NULL DEFAULT 0,"
            " ADD COLUMN len_tags INTEGER NOT NULL DEFAULT 0,"
            " ADD COLUMN len_body INTEGER NOT NULL DEFAULT 0;"
            "CREATE INDEX kb_fts_tsv ON kb_fts USING gin (tsv);"
            "DELETE FROM kb_terms;"
            "DELETE FROM kb_postings;"
            "UPDATE kb_meta SET docs = 0, posted = 0, gen = floor(random() * 9007199254740991);"},
};

int kb_migrate(struct db *db)
{
	int err = kb_search_init(db);

	if (err)
		return err;
	err = db_migrate_pg(db, "kb", kb_migrations,
	                    sizeof(kb_migrations) / sizeof(kb_migrations[0]), kb_migrations_pg,
	                    sizeof(kb_migrations_pg) / sizeof(kb_migrations_pg[0]));
	if (!err)
		err = kb_postings_backfill(db);
	return err;
}

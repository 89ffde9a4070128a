/* The knowledge base's schema: numbered migrations of module "kb". */
#include "kb/kb.h"
#include "kb/kb_int.h"

#include "store/db.h"

/* Tags, scopes and categories live in link tables so that filters stay plain SQL; the
 * search index (kb_fts) holds rendered text and, with its term dictionary (kb_terms), is
 * kept in step by kb_index_article. */
static const struct migration kb_migrations[] = {
        {1, "articles, versions, flags, case links, search index",
         "CREATE TABLE kb_articles ("
         " id INTEGER PRIMARY KEY,"
         " slug TEXT NOT NULL UNIQUE,"
         " kind TEXT NOT NULL CHECK (kind IN ('qa','routine','checklist','news','notice')),"
         " title TEXT NOT NULL,"
         " body TEXT NOT NULL,"
         " status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','archived')),"
         " owner_id INTEGER REFERENCES users(id),"
         " review_date TEXT,"
         " valid_from TEXT,"
         " valid_to TEXT,"
         " version INTEGER NOT NULL DEFAULT 1,"
         " created_at INTEGER NOT NULL,"
         " updated_at INTEGER NOT NULL,"
         " updated_by INTEGER REFERENCES users(id),"
         " CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)"
         ") STRICT;"
         "CREATE INDEX kb_articles_review ON kb_articles(review_date);"
         "CREATE INDEX kb_articles_kind ON kb_articles(kind, status);"
         "CREATE TABLE kb_article_groups ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " group_id INTEGER NOT NULL REFERENCES groups(id),"
         " PRIMARY KEY (article_id, group_id)"
         ") STRICT;"
         "CREATE INDEX kb_article_groups_group ON kb_article_groups(group_id);"
         "CREATE TABLE kb_article_clients ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " client_id INTEGER NOT NULL REFERENCES clients(id),"
         " PRIMARY KEY (article_id, client_id)"
         ") STRICT;"
         "CREATE INDEX kb_article_clients_client ON kb_article_clients(client_id);"
         "CREATE TABLE kb_article_categories ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " category_id INTEGER NOT NULL REFERENCES categories(id),"
         " PRIMARY KEY (article_id, category_id)"
         ") STRICT;"
         "CREATE INDEX kb_article_categories_cat ON kb_article_categories(category_id);"
         "CREATE TABLE kb_article_tags ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " tag TEXT NOT NULL,"
         " PRIMARY KEY (article_id, tag)"
         ") STRICT;"
         "CREATE INDEX kb_article_tags_tag ON kb_article_tags(tag);"
         /* A version is a full snapshot: title, body and the metadata as canonical text,
          * so that any two versions can be compared without replaying edits. */
         "CREATE TABLE kb_versions ("
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " version INTEGER NOT NULL,"
         " title TEXT NOT NULL,"
         " meta TEXT NOT NULL,"
         " body TEXT NOT NULL,"
         " author_id INTEGER REFERENCES users(id),"
         " created_at INTEGER NOT NULL,"
         " note TEXT,"
         " PRIMARY KEY (article_id, version)"
         ") STRICT;"
         /* A flag on an article, or with article_id NULL a question that had no article. */
         "CREATE TABLE kb_flags ("
         " id INTEGER PRIMARY KEY,"
         " article_id INTEGER REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " kind TEXT NOT NULL CHECK (kind IN ('wrong','incomplete','outdated','missing')),"
         " message TEXT NOT NULL,"
         " group_id INTEGER REFERENCES groups(id),"
         " created_by INTEGER REFERENCES users(id),"
         " created_at INTEGER NOT NULL,"
         " owner_id INTEGER REFERENCES users(id),"
         " status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),"
         " closed_by INTEGER REFERENCES users(id),"
         " closed_at INTEGER,"
         " note TEXT,"
         " CHECK ((article_id IS NULL) = (kind = 'missing'))"
         ") STRICT;"
         "CREATE INDEX kb_flags_status ON kb_flags(status, created_at);"
         "CREATE INDEX kb_flags_article ON kb_flags(article_id);"
         "CREATE TABLE kb_case_articles ("
         " case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,"
         " article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
         " user_id INTEGER REFERENCES users(id),"
         " created_at INTEGER NOT NULL,"
         " PRIMARY KEY (case_id, article_id)"
         ") STRICT;"
         "CREATE INDEX kb_case_articles_article ON kb_case_articles(article_id);"
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
          * impact (kb_impact ×1000) reaches KB_IMPACT_MIN. A large index is searched
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
};

int kb_migrate(struct db *db)
{
	int err = kb_search_init(db);

	if (err)
		return err;
	err = db_migrate(db, "kb", kb_migrations, sizeof(kb_migrations) / sizeof(kb_migrations[0]));
	if (!err)
		err = kb_postings_backfill(db);
	return err;
}

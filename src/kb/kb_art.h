/* What the article code shares with feedback, import and export within the kb module. */
#ifndef LOTSEN_KB_ART_H
#define LOTSEN_KB_ART_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"

struct db;

bool kb_kind_valid(const char *s);
bool kb_status_valid(const char *s);
bool kb_can_read(const struct principal *p, const json_t *art);
/* The stored article with ids of groups, clients and categories and its tags. */
int kb_art_load(struct db *db, int64_t id, json_t **out);
/* "kind: qa\nstatus: published\ngroups: Förskola, Skola\n…", names not ids; malloc'ed. */
char *kb_front_matter(struct db *db, const json_t *art, bool with_title);

#endif

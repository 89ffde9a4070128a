/* Validation, storage and reading of administrative records described by `struct resource`. */
#include "core/resource.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/calendar.h"
#include "base/contact.h"
#include "store/records.h"

static const char *what(const struct resource *res, bool en)
{
	return en ? res->what_en : res->what_sv;
}

bool record_exists(struct db *db, const char *table, int64_t id)
{
	return records_exists(db, table, id) == 1;
}

static const char *type_word(enum field_type t, bool en)
{
	switch (t) {
	case FT_TEXT:
	case FT_ENUM:
	case FT_DATE:
	case FT_TIME:
		return en ? "a string" : "en text";
	case FT_INT:
	case FT_REF:
		return en ? "an integer" : "ett heltal";
	case FT_BOOL:
		return en ? "true or false" : "true eller false";
	case FT_REAL:
		return en ? "a number" : "ett tal";
	case FT_JSON:
		return en ? "a JSON value" : "ett JSON-värde";
	case FT_LIST:
		return en ? "a list" : "en lista";
	}
	return "?";
}

/* The storable form of a checked value: JSON documents as text, the rest as they are. */
static void store_value(const struct field *f, const json_t *v, json_t *clean)
{
	if (f->flags & FF_VIRTUAL)
		return;
	if (f->type == FT_JSON) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_object_set_new(clean, f->name, json_string(s ? s : "null"));
		free(s);
		return;
	}
	json_object_set_new(clean, f->name, json_deep_copy(v));
}

/* Check one present field; put its storable form in `clean` unless virtual. */
static void check_field(struct db *db, const struct field *f, const json_t *v, json_t *clean,
                        struct verrors *e)
{
	bool en = e->en;
	char msg[400];

	if (json_is_null(v)) {
		if (f->flags & (FF_REQUIRED | FF_NOTNULL))
			valid_add(e, f->name, "%s", VL(e, "får inte vara null", "may not be null"));
		else if (!(f->flags & FF_VIRTUAL))
			json_object_set_new(clean, f->name, json_null());
		return;
	}
	switch (f->type) {
	case FT_TEXT: {
		int64_t max = f->max ? f->max : 200;
		size_t len;
		if (!json_is_string(v))
			goto wrong_type;
		len = json_string_length(v);
		if ((f->flags & FF_REQUIRED) && len == 0) {
			valid_add(e, f->name, "%s", VL(e, "får inte vara tom", "may not be empty"));
			return;
		}
		if ((int64_t)len > max) {
			valid_add(e, f->name,
			          VL(e, "är för lång (högst %lld tecken)",
			             "is too long (at most %lld characters)"),
			          (long long)max);
			return;
		}
		break;
	}
	case FT_INT:
		if (!json_is_integer(v))
			goto wrong_type;
		if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
			valid_add(e, f->name,
			          VL(e, "måste vara mellan %lld och %lld",
			             "must be between %lld and %lld"),
			          (long long)f->min, (long long)f->max);
			return;
		}
		break;
	case FT_REF:
		if (!json_is_integer(v))
			goto wrong_type;
		if (!record_exists(db, f->ref, json_integer_value(v))) {
			valid_add(e, f->name,
			          VL(e, "hänvisar till id %lld som inte finns i %s",
			             "refers to id %lld which does not exist in %s"),
			          (long long)json_integer_value(v), f->ref);
			return;
		}
		break;
	case FT_BOOL:
		if (!json_is_boolean(v))
			goto wrong_type;
		json_object_set_new(clean, f->name, json_integer(json_is_true(v)));
		return;
	case FT_ENUM: {
		char list[256] = "";
		size_t off = 0;
		if (!json_is_string(v))
			goto wrong_type;
		for (const char *const *x = f->values; *x; x++) {
			if (strcmp(*x, json_string_value(v)) == 0)
				goto ok;
			int r = snprintf(list + off, sizeof(list) - off, "%s%s", off ? ", " : "",
			                 *x);
			if (r > 0 && (size_t)r < sizeof(list) - off)
				off += (size_t)r;
		}
		valid_add(e, f->name,
		          VL(e, "\"%s\" är inte tillåtet; välj en av: %s",
		             "\"%s\" is not accepted; use one of: %s"),
		          json_string_value(v), list);
		return;
	ok:
		break;
	}
	case FT_REAL:
		if (!json_is_number(v))
			goto wrong_type;
		if (json_number_value(v) < 0) {
			valid_add(e, f->name, "%s",
			          VL(e, "får inte vara negativt", "may not be negative"));
			return;
		}
		json_object_set_new(clean, f->name, json_real(json_number_value(v)));
		return;
	case FT_DATE: {
		struct date d;
		if (!json_is_string(v))
			goto wrong_type;
		if (calendar_date_parse(json_string_value(v), &d) != 0) {
			valid_add(e, f->name,
			          VL(e, "\"%s\" är inget datum ÅÅÅÅ-MM-DD",
			             "\"%s\" is not a date YYYY-MM-DD"),
			          json_string_value(v));
			return;
		}
		break;
	}
	case FT_TIME: {
		int64_t t;
		if (!json_is_string(v))
			goto wrong_type;
		if (calendar_parse_iso8601(json_string_value(v), &t) != 0) {
			valid_add(e, f->name,
			          VL(e,
			             "\"%s\" är ingen tidpunkt (ISO 8601, t.ex. "
			             "2026-05-04T09:30:00Z)",
			             "\"%s\" is not a timestamp (ISO 8601, e.g. "
			             "2026-05-04T09:30:00Z)"),
			          json_string_value(v));
			return;
		}
		json_object_set_new(clean, f->name, json_integer(t));
		return;
	}
	case FT_JSON:
	case FT_LIST:
		break;
	}
	if (f->check) {
		json_t *norm = NULL;
		if (f->check(v, &norm, msg, sizeof(msg), en) != 0) {
			valid_add(e, f->name, "%s", msg);
			json_decref(norm);
			return;
		}
		if (norm) {
			store_value(f, norm, clean);
			json_decref(norm);
			return;
		}
	}
	store_value(f, v, clean);
	return;
wrong_type:
	valid_add(e, f->name, VL(e, "har fel typ: ska vara %s", "has the wrong type: must be %s"),
	          type_word(f->type, en));
}

int resource_validate(struct db *db, const struct resource *res, const json_t *in, int64_t id,
                      json_t **clean, struct verrors *v)
{
	const char *k;
	json_t *val, *out = json_object();

	/* Unknown keys are mistakes (a typo would otherwise be silently dropped). */
	json_object_foreach((json_t *)in, k, val)
	{
		const struct field *f = NULL;
		for (size_t i = 0; i < res->nfields; i++)
			if (strcmp(res->fields[i].name, k) == 0)
				f = &res->fields[i];
		if (!f) {
			char list[512] = "";
			size_t off = 0;
			for (size_t i = 0; i < res->nfields; i++) {
				if (res->fields[i].flags & FF_READONLY)
					continue;
				int r = snprintf(list + off, sizeof(list) - off, "%s%s",
				                 off ? ", " : "", res->fields[i].name);
				if (r > 0 && (size_t)r < sizeof(list) - off)
					off += (size_t)r;
			}
			valid_add(v, k,
			          VL(v, "okänt fält för %s; tillåtna fält: %s",
			             "unknown field for %s; accepted fields: %s"),
			          what(res, v->en), list);
			continue;
		}
		if (f->flags & FF_READONLY) {
			valid_add(v, k, "%s", VL(v, "kan inte ändras", "is read-only"));
			continue;
		}
		check_field(db, f, val, out, v);
	}
	if (id == 0) {
		for (size_t i = 0; i < res->nfields; i++)
			if ((res->fields[i].flags & FF_REQUIRED) &&
			    !json_object_get(in, res->fields[i].name))
				valid_add(v, res->fields[i].name, "%s",
				          VL(v, "måste anges", "is required"));
	}
	if (!valid_has_errors(v) && res->validate)
		res->validate(db, in, id, v);
	if (valid_has_errors(v)) {
		json_decref(out);
		return EBADMSG;
	}
	*clean = out;
	return 0;
}

static int write_record(struct db *db, const struct resource *res, int64_t *id, const json_t *in,
                        struct verrors *v)
{
	json_t *clean = NULL;
	int err;

	err = db_begin(db);
	if (err)
		return err;
	err = resource_validate(db, res, in, *id, &clean, v);
	if (err)
		goto out;
	err = *id ? records_update(db, res->table, *id, clean)
	          : records_insert(db, res->table, clean, id);
	if (!err && res->write_virtual)
		err = res->write_virtual(db, *id, in);
	if (err == EEXIST)
		valid_add(v, "name",
		          VL(v, "det finns redan %s med samma värde",
		             "there is already a %s with the same value"),
		          what(res, v->en));
	if (!err)
		err = db_commit(db);
out:
	json_decref(clean);
	if (err)
		db_rollback(db);
	return err;
}

int resource_create(struct db *db, const struct resource *res, const json_t *in, int64_t *id,
                    struct verrors *v)
{
	*id = 0;
	return write_record(db, res, id, in, v);
}

int resource_update(struct db *db, const struct resource *res, int64_t id, const json_t *in,
                    struct verrors *v)
{
	if (!record_exists(db, res->table, id))
		return ENOENT;
	return write_record(db, res, &id, in, v);
}

static size_t column_names(const struct resource *res, const char **cols)
{
	size_t n = 0;

	for (size_t i = 0; i < res->nfields; i++)
		if (!(res->fields[i].flags & (FF_VIRTUAL | FF_WRITEONLY)))
			cols[n++] = res->fields[i].name;
	return n;
}

/* Stored forms back to API forms: booleans, timestamps, JSON documents. */
static void present(const struct resource *res, json_t *row)
{
	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v = json_object_get(row, f->name);
		if (!v || json_is_null(v))
			continue;
		if (f->type == FT_BOOL)
			json_object_set_new(row, f->name, json_boolean(json_integer_value(v)));
		else if (f->type == FT_TIME) {
			char buf[32];
			calendar_format_iso8601(json_integer_value(v), buf);
			json_object_set_new(row, f->name, json_string(buf));
		} else if (f->type == FT_JSON && json_is_string(v)) {
			json_t *doc = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
			json_object_set_new(row, f->name, doc ? doc : json_null());
		} else if (f->type == FT_REAL && json_is_integer(v)) {
			json_object_set_new(row, f->name, json_real((double)json_integer_value(v)));
		}
	}
}

int resource_get(struct db *db, const struct resource *res, int64_t id, json_t **out)
{
	const char *cols[64];
	size_t n = column_names(res, cols);
	int err = records_get(db, res->table, cols, n, id, out);

	if (err)
		return err;
	present(res, *out);
	if (res->read_virtual)
		res->read_virtual(db, id, *out);
	return 0;
}

int resource_list(struct db *db, const struct resource *res, const json_t *filters, const char *q,
                  int64_t limit, int64_t offset, json_t **out, int64_t *total)
{
	const char *cols[64];
	size_t n = column_names(res, cols);
	char e164[40];
	struct records_text text = {res->search, q, NULL};
	json_t *row;
	size_t i;
	int err;

	if (q && !res->search)
		return EINVAL;
	/* Numbers are stored in E.164: "070-123 45 67" finds "+46701234567". */
	if (q && (q[0] == '0' || q[0] == '+') &&
	    contact_phone_normalize(q, e164, sizeof(e164)) == 0)
		text.alt = e164;
	err = records_list(db, res->table, cols, n, filters, q ? &text : NULL, res->order_by, limit,
	                   offset, out, total);

	if (err)
		return err;
	json_array_foreach(*out, i, row)
	{
		present(res, row);
		if (res->read_virtual)
			res->read_virtual(db, json_integer_value(json_object_get(row, "id")), row);
	}
	return 0;
}

int resource_etag(const json_t *row, char out[RESOURCE_ETAG_SIZE])
{
	unsigned char h[16];
	char *text;
	int rc;

	if (!row)
		return EINVAL;
	text = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!text)
		return ENOMEM;
	rc = crypto_generichash(h, sizeof(h), (const unsigned char *)text, strlen(text), NULL, 0);
	free(text);
	if (rc)
		return EINVAL;
	out[0] = '"';
	out[1] = 'r';
	sodium_bin2hex(out + 2, RESOURCE_ETAG_SIZE - 2, h, sizeof(h));
	out[34] = '"';
	out[35] = '\0';
	return 0;
}

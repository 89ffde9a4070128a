/* Voice menus (knappval) as data: the full check an administrator's menu must pass before it
 * is stored on an entry number, so a caller never meets a menu that leads nowhere. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/contact.h"
#include "base/valid.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define KEYS "0123456789*#"

/* A field's path ("menu.options.1"); a path too long to hold is cut (it is only a name). */
__attribute__((format(printf, 3, 0))) static void join(char *f, size_t n, const char *fmt,
                                                       const char *a, const char *b)
{
	if (snprintf(f, n, fmt, a, b) >= (int)n)
		f[n - 1] = '\0';
}

static bool prompt_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 47)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

static void check_prompt(const struct tel_menu_ctx *x, const json_t *v, const char *field,
                         struct verrors *e)
{
	const char *name = json_string_value(v);

	if (!prompt_name_ok(name))
		valid_add(e, field, "%s",
		          VL(e, "ska vara ett promptnamn: 1–47 tecken a–z, 0–9, _ eller -",
		             "must be a prompt name: 1–47 characters a–z, 0–9, _ or -"));
	else if (x->known && !x->known(name, x->arg))
		valid_add(e, field,
		          VL(e, "prompten \"%s\" finns inte (NAME.wav bland prompterna)",
		             "there is no prompt \"%s\" (NAME.wav among the prompts)"),
		          name);
}

static void check_int(const json_t *v, const char *field, json_int_t lo, json_int_t hi,
                      struct verrors *e)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		valid_add(e, field,
		          VL(e, "ska vara ett heltal %lld–%lld", "must be an integer %lld–%lld"),
		          (long long)lo, (long long)hi);
}

static void check_group(const struct tel_menu_ctx *x, const json_t *v, const char *field,
                        struct verrors *e)
{
	if (!json_is_integer(v))
		valid_add(e, field, "%s",
		          VL(e, "ska vara id för en svarsgrupp (heltal)",
		             "must be the id of a response group (an integer)"));
	else if (!tel_store_group_exists(x->db, json_integer_value(v)))
		valid_add(e, field,
		          VL(e, "svarsgrupp %lld finns inte", "group %lld does not exist"),
		          (long long)json_integer_value(v));
}

static void check_menu(const struct tel_menu_ctx *x, const json_t *m, const char *path, int depth,
                       struct verrors *e);

static void check_option(const struct tel_menu_ctx *x, const json_t *o, const char *path, int depth,
                         struct verrors *e)
{
	static const char *const kinds[] = {"group", "announcement", "menu", "repeat", "outside"};
	const char *key, *kind = NULL;
	char f[256];
	json_t *v;
	int n = 0;

	if (!json_is_object(o)) {
		valid_add(
		        e, path, "%s",
		        VL(e,
		           "ska vara ett objekt med ett av group, announcement, menu, repeat eller "
		           "outside",
		           "must be an object with one of group, announcement, menu, repeat or "
		           "outside"));
		return;
	}
	json_object_foreach((json_t *)o, key, v)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(key, kinds[i]))
				known = true;
		join(f, sizeof(f), "%s.%s", path, key);
		if (!strcmp(key, "lang") || !strcmp(key, "urgent")) {
			/* What the queue is told along with the group. */
			if (!json_object_get(o, "group"))
				valid_add(e, f, "%s",
				          VL(e, "gäller bara ett val med group",
				             "only goes with an option that has group"));
			else if (!strcmp(key, "urgent") && !json_is_boolean(v))
				valid_add(e, f, "%s",
				          VL(e, "ska vara true eller false",
				             "must be true or false"));
			else if (!strcmp(key, "lang") && !tel_lang_ok(json_string_value(v)))
				valid_add(e, f, "%s",
				          VL(e, "ska vara en språkkod: 2–3 små bokstäver, t.ex. fi",
				             "must be a language code: 2–3 lowercase letters, e.g. "
				             "fi"));
			continue;
		}
		if (!known) {
			valid_add(e, f,
			          VL(e,
			             "okänd nyckel; tillåtna: group (med lang, urgent), "
			             "announcement, "
			             "menu, repeat, outside",
			             "unknown key; accepted: group (with lang, urgent), "
			             "announcement, "
			             "menu, repeat, outside"));
			continue;
		}
		n++;
		kind = key;
		if (!strcmp(key, "group"))
			check_group(x, v, f, e);
		else if (!strcmp(key, "announcement"))
			check_prompt(x, v, f, e);
		else if (!strcmp(key, "menu"))
			check_menu(x, v, f, depth + 1, e);
		else if (!strcmp(key, "outside")) {
			char num[32];
			if (!json_is_string(v) ||
			    contact_phone_normalize(json_string_value(v), num, sizeof(num)) != 0)
				valid_add(e, f, "%s",
				          VL(e, "ska vara ett telefonnummer, t.ex. 08-508 000 00",
				             "must be a phone number, e.g. 08-508 000 00"));
		} else if (!json_is_true(v))
			valid_add(e, f, "%s", VL(e, "ska vara true", "must be true"));
	}
	if (n != 1)
		valid_add(e, path, "%s",
		          VL(e,
		             "ska ha precis ett av group, announcement, menu, repeat eller outside",
		             "must have exactly one of group, announcement, menu, repeat or "
		             "outside"));
	(void)kind;
}

static void check_menu(const struct tel_menu_ctx *x, const json_t *m, const char *path, int depth,
                       struct verrors *e)
{
	static const char *const keys[] = {"prompt",          "options",        "timeout_s",
	                                   "default_group",   "invalid_prompt", "max_invalid",
	                                   "no_input_repeats"};
	const char *key;
	json_t *v, *opts;
	char f[256];

	if (depth > TEL_MENU_DEPTH) {
		valid_add(
		        e, path,
		        VL(e, "för djupt: högst %d menynivåer", "too deep: at most %d menu levels"),
		        TEL_MENU_DEPTH);
		return;
	}
	if (!json_is_object(m)) {
		valid_add(e, path, "%s", VL(e, "ska vara ett objekt", "must be an object"));
		return;
	}
	json_object_foreach((json_t *)m, key, v)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(key, keys[i]))
				known = true;
		join(f, sizeof(f), "%s.%s", path, key);
		if (!known)
			valid_add(e, f,
			          VL(e,
			             "okänd nyckel; tillåtna: prompt, options, timeout_s, "
			             "default_group, "
			             "invalid_prompt, max_invalid, no_input_repeats",
			             "unknown key; accepted: prompt, options, timeout_s, "
			             "default_group, "
			             "invalid_prompt, max_invalid, no_input_repeats"));
		else if (!strcmp(key, "prompt") || !strcmp(key, "invalid_prompt"))
			check_prompt(x, v, f, e);
		else if (!strcmp(key, "timeout_s"))
			check_int(v, f, 1, 60, e);
		else if (!strcmp(key, "max_invalid"))
			check_int(v, f, 1, 5, e);
		else if (!strcmp(key, "no_input_repeats"))
			check_int(v, f, 0, 3, e);
		else if (!strcmp(key, "default_group"))
			check_group(x, v, f, e);
	}
	if (!json_object_get(m, "prompt"))
		valid_add(e, path, "%s",
		          VL(e, "prompt krävs: vad uppringaren hör",
		             "prompt is required: what the caller hears"));
	opts = json_object_get(m, "options");
	join(f, sizeof(f), "%s.%s", path, "options");
	if (!json_is_object(opts) || json_object_size(opts) == 0) {
		valid_add(e, f, "%s",
		          VL(e, "ska vara ett objekt siffra → val med minst ett val",
		             "must be an object of digit → option with at least one option"));
		return;
	}
	json_object_foreach(opts, key, v)
	{
		join(f, sizeof(f), "%s.options.%s", path, key);
		if (strlen(key) != 1 || !strchr(KEYS, key[0])) {
			valid_add(e, f, "%s",
			          VL(e, "en knapp är en av 0–9, * och #",
			             "a key is one of 0–9, * and #"));
			continue;
		}
		check_option(x, v, f, depth, e);
	}
}

bool tel_lang_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

int tel_menu_check(const struct tel_menu_ctx *x, const json_t *menu, struct verrors *e)
{
	size_t before = e->list ? json_array_size(e->list) : 0;

	if (!x || !x->db || !menu)
		return EINVAL;
	check_menu(x, menu, "menu", 1, e);
	return (e->list ? json_array_size(e->list) : 0) > before ? EBADMSG : 0;
}

/* ---- following a menu ---------------------------------------------------- */

const json_t *tel_menu_option(const json_t *menu, char digit)
{
	char key[2] = {digit, '\0'};

	return json_object_get(json_object_get(menu, "options"), key);
}

static uint32_t default_of(const json_t *menu, const json_t *root, uint32_t fallback)
{
	const json_t *d = json_object_get(menu, "default_group");

	if (!d)
		d = json_object_get(root, "default_group");
	return json_is_integer(d) && json_integer_value(d) > 0 &&
	                       json_integer_value(d) <= UINT32_MAX
	               ? (uint32_t)json_integer_value(d)
	               : fallback;
}

int tel_menu_follow(const json_t *menu, const char *keys, uint32_t fallback, uint32_t *group,
                    size_t *bad)
{
	const json_t *at = menu;

	*group = 0;
	for (size_t i = 0; keys[i]; i++) {
		const json_t *opt, *g, *sub;

		if (keys[i] == ',' || keys[i] == ' ')
			continue;
		opt = *group ? NULL : tel_menu_option(at, keys[i]);
		if (!opt) {
			*bad = i;
			return EINVAL;
		}
		g = json_object_get(opt, "group");
		sub = json_object_get(opt, "menu");
		if (json_is_integer(g) && json_integer_value(g) > 0)
			*group = (uint32_t)json_integer_value(g);
		else if (json_is_object(sub))
			at = sub;
	}
	if (!*group)
		*group = default_of(at, menu, fallback);
	return 0;
}

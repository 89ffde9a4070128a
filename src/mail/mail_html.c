/* HTML mail bodies as plain text: nothing of scripts or styles survives, only the words. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail_int.h"

struct out {
	char *s;
	size_t n, cap;
	bool space;   /* a space is pending (collapsed whitespace) */
	int newlines; /* line breaks at the end of the text so far (at most 2 kept) */
};

static bool grow(struct out *o, size_t more)
{
	if (o->n + more + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap * 2 : 256;
	while (cap < o->n + more + 1)
		cap *= 2;
	char *s = realloc(o->s, cap);
	if (!s)
		return false;
	o->s = s;
	o->cap = cap;
	return true;
}

static bool put(struct out *o, const char *s, size_t n)
{
	if (!n)
		return true;
	if (o->space && o->n && !o->newlines) {
		if (!grow(o, 1))
			return false;
		o->s[o->n++] = ' ';
	}
	o->space = false;
	if (!grow(o, n))
		return false;
	memcpy(o->s + o->n, s, n);
	o->n += n;
	o->newlines = 0;
	return true;
}

static bool newline(struct out *o, int want)
{
	o->space = false;
	if (!o->n)
		return true;
	while (o->newlines < want) {
		if (!grow(o, 1))
			return false;
		o->s[o->n++] = '\n';
		o->newlines++;
	}
	return true;
}

static size_t utf8_encode(unsigned long cp, char b[4])
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The named entities Swedish mail uses; others stay as written. */
static const struct {
	const char *name;
	unsigned long cp;
} entities[] = {
        {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
        {"apos", '\''},    {"nbsp", 0xA0},    {"aring", 0xE5},   {"Aring", 0xC5},
        {"auml", 0xE4},    {"Auml", 0xC4},    {"ouml", 0xF6},    {"Ouml", 0xD6},
        {"eacute", 0xE9},  {"Eacute", 0xC9},  {"uuml", 0xFC},    {"Uuml", 0xDC},
        {"egrave", 0xE8},  {"aacute", 0xE1},  {"oslash", 0xF8},  {"Oslash", 0xD8},
        {"aelig", 0xE6},   {"AElig", 0xC6},   {"copy", 0xA9},    {"reg", 0xAE},
        {"euro", 0x20AC},  {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026},
        {"laquo", 0xAB},   {"raquo", 0xBB},   {"rsquo", 0x2019}, {"lsquo", 0x2018},
        {"rdquo", 0x201D}, {"ldquo", 0x201C}, {"bull", 0x2022},  {"middot", 0xB7},
        {"shy", 0xAD},     {"zwnj", 0x200C},  {"sect", 0xA7},    {"deg", 0xB0},
};

/* An entity at p ('&'): its length in the input and the code point, or 0. */
static size_t entity(const char *p, const char *end, unsigned long *cp)
{
	const char *q = p + 1;

	if (q < end && *q == '#') {
		unsigned long v = 0;
		bool hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X');
		const char *d = q + (hex ? 2 : 1), *s = d;
		for (; d < end && d - s < 8; d++) {
			int c = (unsigned char)*d;
			if (c >= '0' && c <= '9')
				v = v * (hex ? 16 : 10) + (unsigned long)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned long)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				v = v * 16 + (unsigned long)(c - 'A' + 10);
			else
				break;
		}
		if (d == s)
			return 0;
		*cp = v;
		return (size_t)(d - p) + (d < end && *d == ';');
	}
	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		size_t n = strlen(entities[i].name);
		if ((size_t)(end - q) > n && strncmp(q, entities[i].name, n) == 0 && q[n] == ';') {
			*cp = entities[i].cp;
			return n + 2;
		}
	}
	return 0;
}

/* The tag's name (lower case, at most 15 bytes) after '<' or '</'. */
static void tag_name(const char *p, const char *end, char name[16], bool *closing)
{
	size_t k = 0;

	*closing = p < end && *p == '/';
	if (*closing)
		p++;
	for (; p < end && k < 15; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			name[k++] = c;
		else if (c >= 'A' && c <= 'Z')
			name[k++] = (char)(c - 'A' + 'a');
		else
			break;
	}
	name[k] = '\0';
}

/* The end of the element whose content is skipped: after "</name" ... '>', or NULL when
 * it is never closed. */
static const char *skip_to_close(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	for (; p < end; p++) {
		if (*p == '<' && p + 1 < end && p[1] == '/' && (size_t)(end - p - 2) >= n &&
		    strncasecmp(p + 2, name, n) == 0) {
			const char *gt = memchr(p, '>', (size_t)(end - p));
			return gt ? gt + 1 : end;
		}
	}
	return NULL;
}

static bool is_block(const char *t)
{
	static const char *const blocks[] = {
	        "p",       "div",    "tr",     "table",   "ul",         "ol",  "h1", "h2",
	        "h3",      "h4",     "h5",     "h6",      "blockquote", "pre", "hr", "section",
	        "article", "header", "footer", "address", "center",     NULL};
	for (const char *const *b = blocks; *b; b++)
		if (strcmp(*b, t) == 0)
			return true;
	return false;
}

char *mail_html_to_text(const char *html, size_t len)
{
	struct out o = {0};
	const char *p = html, *end = html + len;
	bool ok = true, pre = false;

	if (!grow(&o, len / 2 + 16))
		return NULL;
	while (p < end && ok) {
		unsigned char c = (unsigned char)*p;

		if (c == '<') {
			char name[16];
			bool closing;
			const char *gt;

			if (end - p >= 4 && strncmp(p, "<!--", 4) == 0) {
				const char *e = p + 4;
				while (e + 2 < end && strncmp(e, "-->", 3) != 0)
					e++;
				p = e + 2 < end ? e + 3 : end;
				continue;
			}
			tag_name(p + 1, end, name, &closing);
			gt = memchr(p, '>', (size_t)(end - p));
			if (!name[0] && !closing && p + 1 < end && p[1] != '!' && p[1] != '?') {
				ok = put(&o, "<", 1); /* a lone '<' in text */
				p++;
				continue;
			}
			p = gt ? gt + 1 : end;
			if (!closing &&
			    (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
			     strcmp(name, "head") == 0 || strcmp(name, "title") == 0 ||
			     strcmp(name, "noscript") == 0 || strcmp(name, "template") == 0 ||
			     strcmp(name, "iframe") == 0 || strcmp(name, "object") == 0 ||
			     strcmp(name, "svg") == 0)) {
				if (gt && gt[-1] != '/') {
					const char *after = skip_to_close(p, end, name);
					/* an unclosed head is only a missing tag: its text is read;
					 * an unclosed script or style hides the rest */
					p = after ? after : strcmp(name, "head") == 0 ? p : end;
				}
				continue;
			}
			if (strcmp(name, "br") == 0)
				ok = newline(&o, 1);
			else if (strcmp(name, "li") == 0 && !closing)
				ok = newline(&o, 1) && put(&o, "- ", 2);
			else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
				o.space = true;
			else if (is_block(name))
				ok = newline(&o, strcmp(name, "tr") == 0 || strcmp(name, "div") == 0
				                         ? 1
				                         : 2);
			if (strcmp(name, "pre") == 0)
				pre = !closing;
			continue;
		}
		if (c == '&') {
			unsigned long cp;
			size_t n = entity(p, end, &cp);
			if (n) {
				char b[4];
				if (cp == 0xA0 || cp == ' ')
					o.space = true;
				else if (cp != 0xAD && cp != 0x200C)
					ok = put(&o, b, utf8_encode(cp, b));
				p += n;
				continue;
			}
			ok = put(&o, "&", 1);
			p++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
			if (pre && c == '\n')
				ok = newline(&o, 1);
			else
				o.space = true;
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			p++;
			continue;
		}
		/* a run of ordinary text */
		const char *s = p;
		while (p < end && *p != '<' && *p != '&' && (unsigned char)*p > ' ' && *p != 0x7f)
			p++;
		ok = put(&o, s, (size_t)(p - s));
	}
	if (!ok) {
		free(o.s);
		return NULL;
	}
	while (o.n && o.s[o.n - 1] == '\n')
		o.n--;
	o.s[o.n] = '\0';
	return o.s;
}

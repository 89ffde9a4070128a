/* A raw message to a struct mail_msg with GMime: decoded headers, the body as text,
 * attachments, forwarded messages, and the limits past which a message is kept raw. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mail/mail_int.h"

#define DEPTH_MAX          32                /* nesting of multiparts and forwarded messages */
#define BODY_MAX           (2 * 1024 * 1024) /* bytes of body text kept in the database */
#define FILENAME_MAX_BYTES 200

void mail_init(void)
{
	g_mime_init();
}

void mail_shutdown(void)
{
	g_mime_shutdown();
}

/* ======================================================================
 * Text and charsets
 * ====================================================================== */

/* Valid UTF-8 without NUL bytes (SQLite text and JSON stop at a NUL). */
static char *utf8_clean(const char *s, gssize n)
{
	char *v, *out;

	if (!s)
		return strdup("");
	if (n < 0)
		n = (gssize)strlen(s);
	v = g_utf8_make_valid(s, n);
	if (!v)
		return NULL;
	out = malloc(strlen(v) + 1);
	if (out) {
		size_t k = 0;
		for (const char *p = v; *p; p++)
			out[k++] = *p;
		out[k] = '\0';
	}
	/* g_utf8_make_valid stops at the first NUL of a counted string only at its end;
	 * embedded NULs end the copy above, which is what we want: nothing after a NUL in
	 * a header is shown. For bodies the caller replaced NULs before. */
	g_free(v);
	return out;
}

/* Bytes in charset `cs` (NULL: unknown) to UTF-8. ISO-8859-1 is read as Windows-1252,
 * its superset that mailers mean when they say latin1; bytes that are not valid in the
 * declared charset fall back to Windows-1252 and then ISO-8859-1, which never fails. */
static char *to_utf8(const unsigned char *data, size_t len, const char *cs)
{
	const char *name = NULL;
	char *conv = NULL, *out;
	char *tmp;

	tmp = malloc(len + 1);
	if (!tmp)
		return NULL;
	for (size_t i = 0; i < len; i++)
		tmp[i] = data[i] ? (char)data[i] : ' ';
	tmp[len] = '\0';
	if (cs && *cs) {
		name = g_mime_charset_iconv_name(cs);
		if (name && (g_ascii_strcasecmp(name, "iso-8859-1") == 0 ||
		             g_ascii_strcasecmp(name, "latin1") == 0 ||
		             g_ascii_strcasecmp(name, "us-ascii") == 0))
			name = "WINDOWS-1252";
	}
	if (!name || g_ascii_strcasecmp(name, "utf-8") == 0 ||
	    g_ascii_strcasecmp(name, "utf8") == 0) {
		if (g_utf8_validate(tmp, (gssize)len, NULL)) {
			out = tmp;
			return out;
		}
		name = "WINDOWS-1252";
	}
	conv = g_convert(tmp, (gssize)len, "UTF-8", name, NULL, NULL, NULL);
	if (!conv && g_ascii_strcasecmp(name, "WINDOWS-1252") != 0)
		conv = g_convert(tmp, (gssize)len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	if (!conv)
		conv = g_convert(tmp, (gssize)len, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
	free(tmp);
	if (!conv)
		return NULL;
	out = utf8_clean(conv, -1);
	g_free(conv);
	return out;
}

/* A decoded header value as clean UTF-8 with surrounding space trimmed, or NULL. */
static char *hdr_clean(const char *v)
{
	char *s;
	size_t n;

	if (!v)
		return NULL;
	s = utf8_clean(v, -1);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	if (s[0] == ' ') {
		size_t k = strspn(s, " ");
		memmove(s, s + k, n - k + 1);
	}
	return s;
}

/* ======================================================================
 * Addresses and ids
 * ====================================================================== */

int mail_addr_normalize(const char *in, char *out, size_t n)
{
	size_t len, k = 0;
	const char *p = in;

	if (!in)
		return EINVAL;
	while (*p == ' ' || *p == '\t' || *p == '<')
		p++;
	len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '>'))
		len--;
	if (!len || !memchr(p, '@', len))
		return EINVAL;
	if (len + 1 > n)
		return ENAMETOOLONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c == 0x7f)
			return EINVAL;
		out[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[k] = '\0';
	return 0;
}

static char *first_mailbox(InternetAddressList *l, char **name)
{
	char buf[320];

	if (name)
		*name = NULL;
	if (!l)
		return NULL;
	for (int i = 0; i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		if (mail_addr_normalize(
		            internet_address_mailbox_get_addr((InternetAddressMailbox *)a), buf,
		            sizeof(buf)) != 0)
			continue;
		if (name && internet_address_get_name(a) && *internet_address_get_name(a))
			*name = hdr_clean(internet_address_get_name(a));
		return utf8_clean(buf, -1);
	}
	return NULL;
}

static void addrs_append(GString *g, InternetAddressList *l)
{
	char buf[320];

	if (!l)
		return;
	for (int i = 0; i < internet_address_list_length(l) && g->len < 4000; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (!INTERNET_ADDRESS_IS_MAILBOX(a) ||
		    mail_addr_normalize(
		            internet_address_mailbox_get_addr((InternetAddressMailbox *)a), buf,
		            sizeof(buf)) != 0)
			continue;
		if (g->len)
			g_string_append(g, ", ");
		g_string_append(g, buf);
	}
}

/* An id as stored: no <>, no spaces or control characters, at most 995 bytes. */
static char *id_clean(const char *id)
{
	char *s;

	if (!id || !*id || strlen(id) > 995)
		return NULL;
	s = utf8_clean(id, -1);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>') {
			free(s);
			return NULL;
		}
	return s;
}

int64_t mail_subject_token(const char *subject)
{
	const char *p = subject;

	while (p && (p = strstr(p, "[Lotsen #")) != NULL) {
		char *end;
		long long n;

		p += 9;
		errno = 0;
		n = strtoll(p, &end, 10);
		if (!errno && end != p && *end == ']' && n > 0 && *p >= '0' && *p <= '9')
			return n;
	}
	return 0;
}

/* ======================================================================
 * Walking the MIME tree
 * ====================================================================== */

struct walk {
	const struct mail_limits *lim;
	struct mail_msg *m;
	GMimeParserOptions *opts;
	size_t cap_atts;
};

static void body_append(GString *body, const char *text)
{
	if (!text || !*text || body->len >= BODY_MAX)
		return;
	if (body->len)
		g_string_append(body, "\n\n");
	g_string_append(body, text);
	if (body->len > BODY_MAX) {
		/* cut on a character boundary */
		size_t n = BODY_MAX;
		while (n && ((unsigned char)body->str[n] & 0xC0) == 0x80)
			n--;
		g_string_truncate(body, n);
		g_string_append(body, "\n[…]");
	}
}

/* The decoded bytes of a leaf part (transfer encoding undone). */
static GByteArray *part_bytes(GMimePart *p)
{
	GMimeDataWrapper *w = g_mime_part_get_content(p);
	GMimeStream *mem;
	GByteArray *ba, *copy;

	if (!w)
		return g_byte_array_new();
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array((GMimeStreamMem *)mem);
	copy = g_byte_array_sized_new(ba ? ba->len : 0);
	if (ba && ba->len)
		g_byte_array_append(copy, ba->data, ba->len);
	g_object_unref(mem);
	return copy;
}

static char *part_text(GMimePart *p)
{
	GByteArray *ba = part_bytes(p);
	const char *cs = g_mime_object_get_content_type_parameter((GMimeObject *)p, "charset");
	char *t = to_utf8(ba->data, ba->len, cs);

	g_byte_array_unref(ba);
	return t;
}

/* A file name that is only a name: the last path component, no control characters or
 * characters that mean something to shells and file systems, no leading dots, at most
 * FILENAME_MAX_BYTES bytes (cut on a character boundary); "bilaga" when nothing is left. */
static char *filename_clean(const char *raw)
{
	char *s, *out;
	const char *base;
	size_t k = 0;

	if (!raw || !*raw)
		return strdup("bilaga");
	s = utf8_clean(raw, -1);
	if (!s)
		return NULL;
	base = s;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.' || *base == ' ')
		base++;
	out = malloc(strlen(base) + 8);
	if (!out) {
		free(s);
		return NULL;
	}
	for (const char *p = base; *p && k < FILENAME_MAX_BYTES; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || strchr(":*?\"<>|", c))
			continue;
		out[k++] = (char)c;
	}
	while (k && (((unsigned char)out[k - 1] & 0xC0) == 0x80 ||
	             ((unsigned char)out[k - 1] & 0xC0) == 0xC0)) {
		/* do not end inside a character: drop a trailing partial sequence */
		size_t start = k - 1;
		while (start && ((unsigned char)out[start] & 0xC0) == 0x80)
			start--;
		if (g_utf8_validate(out + start, (gssize)(k - start), NULL))
			break;
		k = start;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	free(s);
	if (!k) {
		free(out);
		return strdup("bilaga");
	}
	return out;
}

static int att_add(struct walk *w, GMimePart *p, bool inline_part)
{
	struct mail_msg *m = w->m;
	struct mail_att *a;
	GMimeContentType *ct = g_mime_object_get_content_type((GMimeObject *)p);
	char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	GByteArray *ba;

	if (m->n_atts == w->cap_atts) {
		size_t cap = w->cap_atts ? w->cap_atts * 2 : 4;
		struct mail_att *na = realloc(m->atts, cap * sizeof(*na));
		if (!na) {
			g_free(type);
			return ENOMEM;
		}
		m->atts = na;
		w->cap_atts = cap;
	}
	a = &m->atts[m->n_atts];
	memset(a, 0, sizeof(*a));
	a->filename = filename_clean(g_mime_part_get_filename(p));
	if (type) {
		char *low = g_ascii_strdown(type, -1);
		a->content_type = utf8_clean(low, -1);
		g_free(low);
		g_free(type);
	} else {
		a->content_type = strdup("application/octet-stream");
	}
	a->content_id = id_clean(g_mime_part_get_content_id(p));
	a->inline_part = inline_part;
	ba = part_bytes(p);
	a->size = ba->len;
	if (ba->len <= w->lim->max_attachment) {
		a->data = malloc(ba->len ? ba->len : 1);
		if (a->data && ba->len)
			memcpy(a->data, ba->data, ba->len);
	}
	g_byte_array_unref(ba);
	m->n_atts++;
	if (!a->filename || !a->content_type || (!a->data && a->size <= w->lim->max_attachment))
		return ENOMEM;
	return 0;
}

static size_t count_parts(GMimeObject *o, int depth, size_t limit)
{
	size_t n = 1;

	if (!o || depth > DEPTH_MAX)
		return n;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = (GMimeMultipart *)o;
		for (int i = 0; i < g_mime_multipart_get_count(mp) && n <= limit; i++)
			n += count_parts(g_mime_multipart_get_part(mp, i), depth + 1, limit);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *in = g_mime_message_part_get_message((GMimeMessagePart *)o);
		if (in)
			n += count_parts(g_mime_message_get_mime_part(in), depth + 1, limit);
	}
	return n;
}

static int walk_object(struct walk *w, GMimeObject *o, int depth, GString *body, bool *html);

/* A forwarded message: its headers and text as quoted text after the body. */
static int walk_forwarded(struct walk *w, GMimeMessage *in, int depth, GString *body)
{
	GString *sub = g_string_new(NULL), *q = g_string_new(NULL);
	bool html = false;
	char *from = NULL, *name = NULL, *subject;
	GDateTime *dt = g_mime_message_get_date(in);
	int err;

	err = walk_object(w, g_mime_message_get_mime_part(in), depth + 1, sub, &html);
	from = first_mailbox(g_mime_message_get_from(in), &name);
	subject = hdr_clean(g_mime_message_get_subject(in));
	g_string_append(q, "---------- Vidarebefordrat meddelande ----------\n");
	if (from)
		g_string_append_printf(q, "> Från: %s%s%s%s\n", name ? name : "", name ? " <" : "",
		                       from, name ? ">" : "");
	if (dt) {
		char *d = g_date_time_format(dt, "%Y-%m-%d %H:%M %z");
		if (d)
			g_string_append_printf(q, "> Datum: %s\n", d);
		g_free(d);
	}
	g_string_append_printf(q, "> Ämne: %s\n>\n", subject ? subject : "");
	for (const char *p = sub->str; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		g_string_append(q, n ? "> " : ">");
		g_string_append_len(q, p, (gssize)n);
		g_string_append_c(q, '\n');
		p += n + (nl ? 1 : 0);
	}
	body_append(body, q->str);
	free(from);
	free(name);
	free(subject);
	g_string_free(sub, TRUE);
	g_string_free(q, TRUE);
	return err;
}

static int walk_leaf(struct walk *w, GMimePart *p, GString *body, bool *html)
{
	GMimeContentType *ct = g_mime_object_get_content_type((GMimeObject *)p);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition((GMimeObject *)p);
	bool is_plain = ct && g_mime_content_type_is_type(ct, "text", "plain");
	bool is_html = ct && g_mime_content_type_is_type(ct, "text", "html");
	bool attached = cd && g_mime_content_disposition_is_attachment(cd);
	bool named = g_mime_part_get_filename(p) != NULL;
	bool inline_part = !attached && (cd || g_mime_part_get_content_id(p));
	char *t;

	if ((is_plain || is_html) && !attached && !named) {
		t = part_text(p);
		if (!t)
			return ENOMEM;
		if (is_html) {
			char *x = mail_html_to_text(t, strlen(t));
			free(t);
			if (!x)
				return ENOMEM;
			t = x;
			if (!body->len)
				*html = true;
		}
		body_append(body, t);
		free(t);
		return 0;
	}
	return att_add(w, p, inline_part);
}

static int walk_object(struct walk *w, GMimeObject *o, int depth, GString *body, bool *html)
{
	int err = 0;

	if (!o || depth > DEPTH_MAX)
		return 0;
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *in = g_mime_message_part_get_message((GMimeMessagePart *)o);
		return in ? walk_forwarded(w, in, depth, body) : 0;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = (GMimeMultipart *)o;
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		int n = g_mime_multipart_get_count(mp);

		if (ct && g_mime_content_type_is_type(ct, "multipart", "alternative") && n > 0) {
			/* The plain text if there is one, else the last (richest) alternative. */
			GMimeObject *pick = g_mime_multipart_get_part(mp, n - 1);
			for (int i = 0; i < n; i++) {
				GMimeObject *c = g_mime_multipart_get_part(mp, i);
				GMimeContentType *cc = g_mime_object_get_content_type(c);
				if (GMIME_IS_PART(c) && cc &&
				    g_mime_content_type_is_type(cc, "text", "plain")) {
					pick = c;
					break;
				}
			}
			return walk_object(w, pick, depth + 1, body, html);
		}
		for (int i = 0; i < n && !err; i++)
			err = walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1, body,
			                  html);
		return err;
	}
	if (GMIME_IS_PART(o))
		return walk_leaf(w, (GMimePart *)o, body, html);
	return 0;
}

/* ======================================================================
 * The message
 * ====================================================================== */

static const char *header(GMimeObject *o, const char *name)
{
	const char *v = g_mime_object_get_header(o, name);
	return v && *v ? v : NULL;
}

static void read_headers(struct walk *w, GMimeMessage *msg)
{
	struct mail_msg *m = w->m;
	GMimeObject *o = (GMimeObject *)msg;
	const char *v;
	GString *to = g_string_new(NULL);
	GDateTime *dt;

	m->message_id = id_clean(g_mime_message_get_message_id(msg));
	if ((v = header(o, "In-Reply-To")) != NULL) {
		char *id = g_mime_utils_decode_message_id(v);
		m->in_reply_to = id_clean(id);
		g_free(id);
	}
	if ((v = header(o, "References")) != NULL) {
		GMimeReferences *refs = g_mime_references_parse(w->opts, v);
		GString *g = g_string_new(NULL);
		int n = refs ? g_mime_references_length(refs) : 0;
		/* the newest 50 are enough to thread by */
		for (int i = n > 50 ? n - 50 : 0; i < n; i++) {
			char *id = id_clean(g_mime_references_get_message_id(refs, i));
			if (id) {
				if (g->len)
					g_string_append_c(g, ' ');
				g_string_append(g, id);
				free(id);
			}
		}
		if (g->len)
			m->references = strdup(g->str);
		g_string_free(g, TRUE);
		if (refs)
			g_mime_references_free(refs);
	}
	m->from_addr = first_mailbox(g_mime_message_get_from(msg), &m->from_name);
	m->reply_to = first_mailbox(g_mime_message_get_reply_to(msg), NULL);
	addrs_append(to, g_mime_message_get_to(msg));
	addrs_append(to, g_mime_message_get_cc(msg));
	if (to->len)
		m->to_addrs = strdup(to->str);
	g_string_free(to, TRUE);
	m->subject = hdr_clean(g_mime_message_get_subject(msg));
	m->auto_submitted = hdr_clean(header(o, "Auto-Submitted"));
	m->precedence = hdr_clean(header(o, "Precedence"));
	m->list_id = hdr_clean(header(o, "List-Id"));
	m->list_unsubscribe = hdr_clean(header(o, "List-Unsubscribe"));
	dt = g_mime_message_get_date(msg);
	if (dt)
		m->date = g_date_time_to_unix(dt);
}

static GMimeMessage *construct(GMimeParserOptions *opts, const char *raw, size_t len)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg;

	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(p, opts);
	g_object_unref(p);
	g_object_unref(st);
	return msg;
}

/* The header block alone (up to the first empty line), so that a message kept raw is
 * still threaded and linked by its From, Subject and ids. */
static size_t header_block(const char *raw, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (raw[i] == '\n' && raw[i + 1] == '\n')
			return i + 1;
		if (raw[i] == '\n' && raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
			return i + 1;
		if (i > 256 * 1024)
			return i;
	}
	return len;
}

/* Lines that start a MIME boundary (or a signature): more parts than this are impossible,
 * so a message with far fewer passes without being built; one with many more is kept raw
 * without building its tree. */
/* The shown text of a raw body: at most BODY_MAX bytes, cut on a character boundary. */
static void utf8_trim_body(char *s)
{
	size_t n = strlen(s);

	if (n <= BODY_MAX)
		return;
	n = BODY_MAX;
	while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
}

static size_t dash_lines(const char *raw, size_t len)
{
	size_t n = raw && len >= 2 && raw[0] == '-' && raw[1] == '-';

	for (const char *p = raw, *end = raw + len; p && p < end;) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			break;
		p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			n++;
	}
	return n;
}

void mail_msg_free(struct mail_msg *m)
{
	if (!m)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to);
	free(m->to_addrs);
	free(m->subject);
	free(m->body_text);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->list_id);
	free(m->list_unsubscribe);
	for (size_t i = 0; i < m->n_atts; i++) {
		free(m->atts[i].filename);
		free(m->atts[i].content_type);
		free(m->atts[i].content_id);
		free(m->atts[i].data);
	}
	free(m->atts);
	free(m);
}

static void drop_content(struct mail_msg *m)
{
	for (size_t i = 0; i < m->n_atts; i++) {
		free(m->atts[i].filename);
		free(m->atts[i].content_type);
		free(m->atts[i].content_id);
		free(m->atts[i].data);
	}
	free(m->atts);
	m->atts = NULL;
	m->n_atts = 0;
	free(m->body_text);
	m->body_text = NULL;
	m->body_was_html = false;
}

int mail_parse(const char *raw, size_t len, const struct mail_limits *lim, struct mail_msg **mp)
{
	static const char *fallback[] = {"UTF-8", "WINDOWS-1252", NULL};
	struct mail_limits def = {MAIL_MAX_BYTES_DEFAULT, MAIL_MAX_ATTACHMENT_DEFAULT,
	                          MAIL_MAX_PARTS_DEFAULT};
	struct mail_msg *m = calloc(1, sizeof(*m));
	struct walk w = {0};
	GMimeMessage *msg = NULL;
	bool full;
	int err = 0;

	*mp = NULL;
	if (!m)
		return ENOMEM;
	if (!lim)
		lim = &def;
	w.lim = lim;
	w.m = m;
	w.opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(w.opts, fallback);
	g_mime_parser_options_set_address_compliance_mode(w.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(w.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(w.opts, GMIME_RFC_COMPLIANCE_LOOSE);
	m->size = len;
	full = raw && len > 0 && len <= lim->max_bytes &&
	       dash_lines(raw, len) <= 4 * lim->max_parts;
	if (full)
		msg = construct(w.opts, raw, len);
	if (msg) {
		m->parts = count_parts(g_mime_message_get_mime_part(msg), 0, lim->max_parts);
		if (m->parts > lim->max_parts)
			full = false;
	}
	if (!msg || !full) {
		if (msg)
			g_object_unref(msg);
		msg = raw && len ? construct(w.opts, raw, header_block(raw, len)) : NULL;
		full = false;
	}
	if (msg)
		read_headers(&w, msg);
	if (msg && full) {
		GString *body = g_string_new(NULL);
		bool html = false;

		err = walk_object(&w, g_mime_message_get_mime_part(msg), 0, body, &html);
		m->body_text = strdup(body->str);
		m->body_was_html = html;
		g_string_free(body, TRUE);
		m->parsed = !err;
		if (err)
			drop_content(m);
	}
	if (msg)
		g_object_unref(msg);
	g_mime_parser_options_free(w.opts);
	if (!err && (!m->parsed || (!*m->body_text && !m->n_atts)) && raw &&
	    len <= lim->max_bytes) {
		/* Nothing readable came out of the MIME structure (no boundary, a broken
		 * header): the text after the headers is shown as it came. */
		size_t h = header_block(raw, len);
		char *t = to_utf8((const unsigned char *)raw + h, len - h, NULL);
		if (t && *t && strspn(t, " \r\n\t") < strlen(t)) {
			free(m->body_text);
			m->body_text = t;
			m->parsed = false;
			utf8_trim_body(m->body_text);
		} else {
			free(t);
		}
	}
	if (!m->subject)
		m->subject = strdup("");
	if (!m->body_text)
		m->body_text = strdup("");
	if (err == ENOMEM || !m->subject || !m->body_text) {
		mail_msg_free(m);
		return ENOMEM;
	}
	*mp = m;
	return 0;
}

/* Author Markdown to safe HTML (cmark, no raw HTML, only harmless link schemes) and to text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

/* Browsers ignore tabs, newlines and other control characters inside a scheme
 * ("java\tscript:") and compare it without regard to case, so must we. Relative links
 * and anchors are kept; of absolute ones only these schemes. */
static bool url_safe(const char *url)
{
	static const char *const allowed[] = {"http", "https", "mailto", "tel"};
	char scheme[16];
	size_t n = 0;

	if (!url)
		return true;
	for (const char *p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20)
			continue;
		if (c == ':') {
			scheme[n] = '\0';
			for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				if (strcasecmp(scheme, allowed[i]) == 0)
					return true;
			return false;
		}
		if (c == '/' || c == '?' || c == '#')
			return true; /* a path before any colon: relative */
		if (n + 1 >= sizeof(scheme))
			return false; /* no scheme is that long; refuse rather than guess */
		scheme[n++] = (char)c;
	}
	return true;
}

/* Blank unsafe link and image targets in the tree before rendering. cmark's safe mode
 * already does this for javascript:, vbscript:, file: and most data: URLs; checking an
 * allow-list ourselves keeps us safe if that list changes. */
static void sanitize(cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if ((t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) &&
		    !url_safe(cmark_node_get_url(n)))
			cmark_node_set_url(n, "");
	}
	cmark_iter_free(it);
}

/* The last line of defence: no attribute value in the output may start an unsafe
 * scheme and no script element may appear, whatever the renderer did. */
static bool html_safe(const char *html)
{
	for (const char *p = html; *p; p++) {
		if (*p == '<' && strncasecmp(p + 1, "script", 6) == 0)
			return false;
		if (*p == '<' &&
		    (strncasecmp(p + 1, "iframe", 6) == 0 || strncasecmp(p + 1, "object", 6) == 0))
			return false;
		if ((strncmp(p, "href=\"", 6) == 0 || strncmp(p, "src=\"", 5) == 0)) {
			const char *v = strchr(p, '"') + 1;
			const char *e = strchr(v, '"');
			char url[256];
			size_t n = e ? (size_t)(e - v) : strlen(v);
			if (n >= sizeof(url))
				n = sizeof(url) - 1;
			memcpy(url, v, n);
			url[n] = '\0';
			if (!url_safe(url))
				return false;
		}
	}
	return true;
}

int kb_markdown_html(const char *md, char **html)
{
	cmark_node *doc;
	char *out;

	*html = NULL;
	if (!md)
		md = "";
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_SAFE);
	if (!doc)
		return ENOMEM;
	sanitize(doc);
	out = cmark_render_html(doc, CMARK_OPT_SAFE);
	cmark_node_free(doc);
	if (!out)
		return ENOMEM;
	if (!html_safe(out)) {
		free(out);
		return EBADMSG;
	}
	*html = out;
	return 0;
}

int kb_markdown_text(const char *md, char **text)
{
	struct kb_buf b = {0};
	cmark_node *doc;
	cmark_iter *it;
	cmark_event_type ev;

	*text = NULL;
	if (!md)
		md = "";
	doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
	if (!doc)
		return ENOMEM;
	it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_CODE_BLOCK:
			if (ev == CMARK_EVENT_ENTER)
				kb_buf_str(&b, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			kb_buf_str(&b, " ");
			break;
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
		case CMARK_NODE_ITEM:
			if (ev == CMARK_EVENT_EXIT)
				kb_buf_str(&b, "\n");
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	*text = kb_buf_take(&b);
	return *text ? 0 : ENOMEM;
}

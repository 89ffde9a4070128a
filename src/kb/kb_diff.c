/* Line-based diff of two versions: longest common subsequence, unified-style hunks. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

#define DIFF_CONTEXT   3
#define DIFF_MAX_CELLS (4u * 1024 * 1024) /* beyond this, show a whole replacement */

struct lines {
	const char **p; /* start of each line */
	size_t *n;      /* its length without the newline */
	size_t count;
};

static int split_lines(const char *s, struct lines *l)
{
	size_t cap = 1;

	for (const char *c = s; *c; c++)
		cap += *c == '\n';
	l->p = malloc(cap * sizeof(*l->p));
	l->n = malloc(cap * sizeof(*l->n));
	l->count = 0;
	if (!l->p || !l->n)
		return ENOMEM;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		l->p[l->count] = s;
		l->n[l->count++] = n;
		s += n + (e != NULL);
	}
	return 0;
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->n[i] == b->n[j] && memcmp(a->p[i], b->p[j], a->n[i]) == 0;
}

/* One edit script entry: ' ' keep, '-' delete from a, '+' insert from b. */
struct op {
	char kind;
	size_t a, b; /* line indexes in a and b (before the op) */
};

static void emit_hunk(struct kb_buf *out, const struct op *ops, size_t from, size_t to,
                      const struct lines *a, const struct lines *b)
{
	size_t na = 0, nb = 0;

	for (size_t k = from; k < to; k++) {
		na += ops[k].kind != '+';
		nb += ops[k].kind != '-';
	}
	kb_buf_fmt(out, "@@ -%zu,%zu +%zu,%zu @@\n", ops[from].a + (na ? 1 : 0), na,
	           ops[from].b + (nb ? 1 : 0), nb);
	for (size_t k = from; k < to; k++) {
		const struct op *o = &ops[k];
		kb_buf_add(out, &o->kind, 1);
		if (o->kind == '+')
			kb_buf_add(out, b->p[o->b], b->n[o->b]);
		else
			kb_buf_add(out, a->p[o->a], a->n[o->a]);
		kb_buf_str(out, "\n");
	}
}

int kb_diff_text(const char *sa, const char *sb, const char *name_a, const char *name_b, char **out)
{
	struct lines a = {0}, b = {0};
	struct op *ops = NULL;
	uint32_t *t = NULL;
	struct kb_buf d = {0};
	size_t pre = 0, suf = 0, n, m, nops = 0;
	int err;

	*out = NULL;
	err = split_lines(sa ? sa : "", &a);
	if (!err)
		err = split_lines(sb ? sb : "", &b);
	if (err)
		goto out;
	/* Edits touch a few lines of an article: strip what is equal at both ends first. */
	while (pre < a.count && pre < b.count && same(&a, pre, &b, pre))
		pre++;
	while (suf < a.count - pre && suf < b.count - pre &&
	       same(&a, a.count - 1 - suf, &b, b.count - 1 - suf))
		suf++;
	n = a.count - pre - suf;
	m = b.count - pre - suf;
	ops = malloc((a.count + b.count + 1) * sizeof(*ops));
	if (!ops) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < pre; i++)
		ops[nops++] = (struct op){' ', i, i};
	if ((n + 1) * (m + 1) <= DIFF_MAX_CELLS) {
		/* t[i][j]: LCS length of a[pre+i..] and b[pre+j..]. */
		t = calloc((n + 1) * (m + 1), sizeof(*t));
		if (!t) {
			err = ENOMEM;
			goto out;
		}
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				t[i * (m + 1) + j] =
				        same(&a, pre + i, &b, pre + j)
				                ? t[(i + 1) * (m + 1) + j + 1] + 1
				        : t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
				                ? t[(i + 1) * (m + 1) + j]
				                : t[i * (m + 1) + j + 1];
		size_t i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && same(&a, pre + i, &b, pre + j)) {
				ops[nops++] = (struct op){' ', pre + i, pre + j};
				i++, j++;
			} else if (i < n &&
			           (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1])) {
				ops[nops++] = (struct op){'-', pre + i, pre + j};
				i++;
			} else {
				ops[nops++] = (struct op){'+', pre + i, pre + j};
				j++;
			}
		}
	} else {
		for (size_t i = 0; i < n; i++)
			ops[nops++] = (struct op){'-', pre + i, pre};
		for (size_t j = 0; j < m; j++)
			ops[nops++] = (struct op){'+', pre + n, pre + j};
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){' ', pre + n + k, pre + m + k};

	kb_buf_fmt(&d, "--- %s\n+++ %s\n", name_a, name_b);
	/* Group changes whose context overlaps into one hunk. */
	for (size_t k = 0; k < nops;) {
		if (ops[k].kind == ' ') {
			k++;
			continue;
		}
		size_t start = k > DIFF_CONTEXT ? k - DIFF_CONTEXT : 0, end = k;
		while (start < k && ops[start].kind != ' ')
			start++;
		for (;;) {
			while (end < nops && ops[end].kind != ' ')
				end++;
			size_t next = end;
			while (next < nops && ops[next].kind == ' ' &&
			       next - end < 2 * DIFF_CONTEXT + 1)
				next++;
			if (next < nops && ops[next].kind != ' ' &&
			    next - end <= 2 * DIFF_CONTEXT) {
				end = next;
				continue;
			}
			end = end + DIFF_CONTEXT < nops ? end + DIFF_CONTEXT : nops;
			break;
		}
		emit_hunk(&d, ops, start, end, &a, &b);
		k = end;
	}
	*out = kb_buf_take(&d);
	if (!*out)
		err = ENOMEM;
out:
	free(a.p);
	free(a.n);
	free(b.p);
	free(b.n);
	free(ops);
	free(t);
	free(d.p);
	return err;
}

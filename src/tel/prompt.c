/* Prompts: 8 kHz mono 16-bit WAV files loaded at start and found by name ("valkommen"). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>

#include "base/log.h"

#define WAV_MAX (4u << 20) /* 4 MB: over four minutes of speech, plenty for a prompt */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int prompt_wav_decode(const uint8_t *buf, size_t len, int16_t **sp, size_t *np)
{
	bool fmt_ok = false;
	size_t pos = 12;

	if (!buf || !sp || !np)
		return EINVAL;
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return EBADMSG;
	while (pos + 8 <= len) {
		const uint8_t *id = buf + pos;
		size_t sz = le32(buf + pos + 4), body = pos + 8;

		if (sz > len - body)
			sz = len - body; /* espeak-ng writes a data size it never corrects */
		if (!memcmp(id, "fmt ", 4)) {
			if (sz < 16)
				return EBADMSG;
			/* PCM, one channel, 8000 Hz, 16 bits: what make-prompts.sh writes. */
			fmt_ok = le16(buf + body) == 1 && le16(buf + body + 2) == 1 &&
			         le32(buf + body + 4) == 8000 && le16(buf + body + 14) == 16;
			if (!fmt_ok)
				return ENOTSUP;
		} else if (!memcmp(id, "data", 4)) {
			size_t n = sz / 2;
			int16_t *s;

			if (!fmt_ok || n == 0)
				return EBADMSG;
			s = mem_alloc(n * sizeof(*s), NULL);
			if (!s)
				return ENOMEM;
			for (size_t i = 0; i < n; i++)
				s[i] = (int16_t)le16(buf + body + 2 * i);
			*sp = s;
			*np = n;
			return 0;
		}
		pos = body + sz + (sz & 1);
	}
	return EBADMSG;
}

void prompt_destructor(void *arg)
{
	struct prompt *p = arg;

	list_unlink(&p->le);
	mem_deref(p->s);
}

/* Read one file into a new prompt. */
static int load_one(struct prompt **pp, const char *path, const char *name, size_t name_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct prompt *p = NULL;
	size_t len;
	int err = 0;

	if (!f)
		return errno;
	buf = mem_alloc(WAV_MAX, NULL);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	len = fread(buf, 1, WAV_MAX, f);
	p = mem_zalloc(sizeof(*p), prompt_destructor);
	if (!p) {
		err = ENOMEM;
		goto out;
	}
	(void)re_snprintf(p->name, sizeof(p->name), "%b", name, name_len);
	err = prompt_wav_decode(buf, len, &p->s, &p->n);
out:
	fclose(f);
	mem_deref(buf);
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}

int prompts_load(struct list *l, const char *dir, int *count)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (!l || !dir || !count)
		return EINVAL;
	d = opendir(dir);
	if (!d)
		return errno;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[1024];
		struct prompt *p = NULL;
		int err;

		if (len < 5 || len - 4 >= sizeof(((struct prompt *)0)->name) ||
		    strcmp(de->d_name + len - 4, ".wav"))
			continue;
		(void)re_snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = load_one(&p, path, de->d_name, len - 4);
		if (err) {
			log_warn("tel.prompt", "file=\"%s\" error=\"%s\"", path,
			         err == ENOTSUP ? "not 8 kHz mono 16-bit PCM" : strerror(err));
			continue;
		}
		/* The same name twice (NAME.wav is unique in a directory) cannot happen. */
		list_append(l, &p->le, p);
		n++;
	}
	closedir(d);
	*count = n;
	return 0;
}

struct prompt *prompt_find(const struct list *l, const char *name)
{
	for (struct le *le = l ? l->head : NULL; le; le = le->next) {
		struct prompt *p = le->data;
		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}

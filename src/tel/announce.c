/* Announcements (talsvar) per group and the crisis message, editable while the server runs:
 * spoken from text with espeak-ng and sox, or uploaded as a WAV, kept in the database and
 * cached here until the administrator changes them. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_base64.h>

#include "base/log.h"
#include "core/app.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define TTS_WAV_MAX (8u << 20) /* the spoken text of TEL_TTS_MAX characters is far less */

extern char **environ;

bool tel_prompt_known(const char *name, void *arg)
{
	struct tel *t = arg;
	char path[600];
	struct stat st;

	if (t)
		return prompt_find(&t->prompts, name) != NULL;
	(void)snprintf(path, sizeof(path), "%s/%s.wav", LOTSEN_PROMPTS_DIR, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int tel_wav_check(const uint8_t *wav, size_t n, int64_t *duration_ms)
{
	int16_t *s = NULL;
	size_t ns = 0;
	int err = prompt_wav_decode(wav, n, &s, &ns);

	if (!err && duration_ms)
		*duration_ms = (int64_t)ns / 8;
	mem_deref(s);
	return err;
}

/* Run argv to its end; 0 when it exited with 0. */
static int run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return ENOEXEC;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return ENOEXEC;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : ENOEXEC;
}

static int read_file(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long len;
	int err = 0;

	if (!f)
		return ENOEXEC;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 44 || (size_t)len > TTS_WAV_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		err = ENOEXEC;
		goto out;
	}
	b = malloc((size_t)len);
	if (!b) {
		err = ENOMEM;
		goto out;
	}
	if (fread(b, 1, (size_t)len, f) != (size_t)len) {
		err = ENOEXEC;
		goto out;
	}
	*out = b;
	*n = (size_t)len;
	b = NULL;
out:
	free(b);
	(void)fclose(f);
	return err;
}

int tel_tts(const char *text, uint8_t **wav, size_t *n)
{
	const char *tmp = getenv("TMPDIR");
	char txt[256], raw[300], out[300];
	int fd, err;
	size_t len = text ? strlen(text) : 0;

	if (!len || len > TEL_TTS_MAX || !wav || !n)
		return EINVAL;
	if (!tmp || !tmp[0])
		tmp = "/tmp";
	if (strlen(tmp) > 200)
		tmp = "/tmp";
	(void)snprintf(txt, sizeof(txt), "%s/lotsen-tts-XXXXXX", tmp);
	fd = mkstemp(txt);
	if (fd < 0)
		return ENOEXEC;
	/* The text goes through a file, never a command line or a shell. */
	err = write(fd, text, len) == (ssize_t)len ? 0 : ENOEXEC;
	(void)close(fd);
	(void)snprintf(raw, sizeof(raw), "%s.espeak.wav", txt);
	(void)snprintf(out, sizeof(out), "%s.8k.wav", txt);
	if (!err) {
		char *const espeak[] = {"espeak-ng", "-v", "sv", "-s", "150",
		                        "-w",        raw,  "-f", txt,  NULL};
		char *const sox[] = {"sox", "-q", raw,  "-r", "8000",           "-c",
		                     "1",   "-b", "16", "-e", "signed-integer", out,
		                     NULL};
		err = run(espeak);
		if (!err)
			err = run(sox);
	}
	if (!err)
		err = read_file(out, wav, n);
	if (!err && tel_wav_check(*wav, *n, NULL) != 0) {
		free(*wav);
		*wav = NULL;
		err = ENOEXEC;
	}
	(void)unlink(txt);
	(void)unlink(raw);
	(void)unlink(out);
	return err;
}

/* ---- the cache the calls play from ------------------------------------- */

static void dyn_name(char *name, size_t n, uint32_t group)
{
	(void)re_snprintf(name, n, "@%u", group);
}

void tel_announcement_changed(struct tel *t, uint32_t group)
{
	char name[16];
	struct prompt *p;

	if (!t)
		return;
	dyn_name(name, sizeof(name), group);
	/* Calls playing the old one keep their reference until it has played. */
	p = prompt_find(&t->dyn, name);
	if (p) {
		list_unlink(&p->le);
		mem_deref(p);
	}
	log_info("tel.announcement", "group=%u changed=true", group);
}

struct prompt *tel_announcement(struct tel *t, uint32_t group)
{
	char name[16];
	struct prompt *p;
	uint8_t *wav = NULL;
	size_t n = 0;
	int64_t updated;
	int err;

	dyn_name(name, sizeof(name), group);
	p = prompt_find(&t->dyn, name);
	if (p)
		return p->n ? p : NULL;
	/* Not cached: load it, or remember there is none (n = 0) until the next change. */
	p = mem_zalloc(sizeof(*p), prompt_destructor);
	if (!p)
		return NULL;
	(void)re_snprintf(p->name, sizeof(p->name), "%s", name);
	err = tel_store_announcement(t->app->db, group, &wav, &n, &updated);
	if (!err) {
		err = prompt_wav_decode(wav, n, &p->s, &p->n);
		if (err)
			log_warn("tel.announcement", "group=%u error=\"%s\"", group, strerror(err));
	}
	free(wav);
	list_append(&t->dyn, &p->le, p);
	return p->n ? p : NULL;
}

int tel_base64_decode(const char *in, uint8_t **out, size_t *n)
{
	size_t len = in ? strlen(in) : 0, cap = len / 4 * 3 + 3;
	uint8_t *b;
	int err;

	if (!len || !out || !n)
		return EINVAL;
	b = malloc(cap);
	if (!b)
		return ENOMEM;
	*n = cap;
	err = base64_decode(in, len, b, n);
	if (err) {
		free(b);
		return EBADMSG;
	}
	*out = b;
	return 0;
}

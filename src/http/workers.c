/* A few threads for work of requests that would hold up the loop thread (password
 * hashing, long reads of the database), so the loop goes on serving calls and other
 * requests meanwhile. A job's work runs on a worker and touches neither libmicrohttpd nor
 * anything else the loop owns, only what its job carries and its worker's own context (a
 * read-only database connection); its `done` runs afterwards on the loop, told through an
 * eventfd the loop watches. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <re_types.h>
#include <re_main.h>

#include "base/log.h"
#include "http/http_int.h"

#define WORKERS_MAX 8
#define WORKER_NICE 19 /* the lowest priority */
/* The done handlers of one wake-up stop after this much of the loop's time; the rest run
 * on the next wake-up, after the calls' and other requests' events that came meanwhile. */
#define DONE_BUDGET_NS 2000000

struct job {
	struct job *next;
	work_h *work;      /* on a worker thread, or */
	work_ctx_h *cwork; /* the same, given the worker's context */
	work_done_h *done; /* on the loop thread */
	void *arg;         /* the caller's; borrowed */
};

struct workers;

/* One thread's own part. */
struct worker {
	struct workers *w; /* the pool */
	void *ctx;         /* its context, given to cwork (borrowed) */
};

struct workers {
	pthread_t threads[WORKERS_MAX];
	struct worker each[WORKERS_MAX];
	unsigned n;                     /* threads started */
	pthread_mutex_t mu;             /* guards todo, finished, queued, stop */
	pthread_cond_t cv;              /* a job was queued, or stop was set */
	struct job *todo;               /* waiting for a worker, oldest first */
	struct job **todo_end;          /* where the next job is linked */
	struct job *finished;           /* worked, waiting for their done on the loop */
	struct job *ready;              /* loop's own: taken from finished, oldest first */
	struct job **ready_end;         /* where the next ready job is linked */
	unsigned queued;                /* jobs submitted whose done has not run */
	bool stop;                      /* workers_free: the threads end once todo is empty */
	int efd;                        /* eventfd: jobs were finished */
	workers_hook_h *before, *after; /* around a wake-up's done handlers, or NULL */
	void *hook_arg;                 /* borrowed */
};

static void *worker_main(void *arg)
{
	struct worker *me = arg;
	struct workers *w = me->w;
	uint64_t one = 1;

	/* The loop thread comes first: on a small machine the workers would otherwise take
	 * the cores a call's media and the other requests need. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE) != 0)
		log_debug("http.workers", "nice=%d error=\"%s\"", WORKER_NICE, strerror(errno));
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *j;

		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		j = w->todo;
		if (!j)
			break;
		w->todo = j->next;
		if (!w->todo)
			w->todo_end = &w->todo;
		pthread_mutex_unlock(&w->mu);
		if (j->cwork)
			j->cwork(me->ctx, j->arg);
		else
			j->work(j->arg);
		pthread_mutex_lock(&w->mu);
		j->next = w->finished;
		w->finished = j;
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at our rates; the loop polls it anyway */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* On the loop: the finished jobs' done handlers, oldest first, for at most budget_ns of
 * the loop's time (0: all of them). What is left waits for the wake-up this asks for. */
static void run_finished(struct workers *w, uint64_t budget_ns)
{
	struct job *list, *rev = NULL;
	uint64_t start = budget_ns ? now_ns() : 0;

	pthread_mutex_lock(&w->mu);
	list = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		struct job *j = list;
		list = j->next;
		j->next = rev;
		rev = j;
	}
	if (rev) {
		*w->ready_end = rev;
		while (*w->ready_end)
			w->ready_end = &(*w->ready_end)->next;
	}
	while (w->ready) {
		struct job *j = w->ready;

		w->ready = j->next;
		if (!w->ready)
			w->ready_end = &w->ready;
		w->queued--;
		j->done(j->arg);
		free(j);
		if (budget_ns && w->ready && now_ns() - start >= budget_ns) {
			uint64_t one = 1;

			if (write(w->efd, &one, sizeof(one)) < 0) {
				/* the counter cannot overflow at our rates */
			}
			break;
		}
	}
}

static void efd_h(int flags, void *arg)
{
	struct workers *w = arg;
	uint64_t n;

	(void)flags;
	if (read(w->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: another wake-up already drained it */
	}
	if (w->before)
		w->before(w->hook_arg);
	run_finished(w, DONE_BUDGET_NS);
	if (w->after)
		w->after(w->hook_arg);
}

void workers_set_hooks(struct workers *w, workers_hook_h *before, workers_hook_h *after, void *arg)
{
	if (!w)
		return;
	w->before = before;
	w->after = after;
	w->hook_arg = arg;
}

int workers_alloc(struct workers **wp, unsigned n)
{
	return workers_alloc_ctx(wp, n, NULL);
}

int workers_alloc_ctx(struct workers **wp, unsigned n, void *const *ctx)
{
	struct workers *w;
	int err;

	if (!wp || n == 0 || n > WORKERS_MAX)
		return EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->todo_end = &w->todo;
	w->ready_end = &w->ready;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		err = errno;
		free(w);
		return err;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	err = fd_listen(w->efd, FD_READ, efd_h, w);
	for (unsigned i = 0; !err && i < n; i++) {
		w->each[i].w = w;
		w->each[i].ctx = ctx ? ctx[i] : NULL;
		err = pthread_create(&w->threads[i], NULL, worker_main, &w->each[i]);
		if (!err)
			w->n++;
	}
	if (err) {
		workers_free(w);
		return err;
	}
	*wp = w;
	return 0;
}

unsigned workers_queued(const struct workers *w)
{
	return w ? w->queued : 0;
}

static int submit(struct workers *w, work_h *work, work_ctx_h *cwork, work_done_h *done, void *arg)
{
	struct job *j;

	if (!w || !(work || cwork) || !done)
		return EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->work = work;
	j->cwork = cwork;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->mu);
	*w->todo_end = j;
	w->todo_end = &j->next;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int workers_submit(struct workers *w, work_h *work, work_done_h *done, void *arg)
{
	return submit(w, work, NULL, done, arg);
}

int workers_submit_ctx(struct workers *w, work_ctx_h *work, work_done_h *done, void *arg)
{
	return submit(w, NULL, work, done, arg);
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	/* Jobs already queued are worked and their done handlers run here, on the loop. */
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	run_finished(w, 0);
	fd_close(w->efd);
	close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

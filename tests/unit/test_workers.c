/* The work pool off the loop (src/http/workers.c) on a real libre loop: every job's done
 * handler runs on the loop, once; and a burst of finished jobs does not
 * hold the loop: a timer due meanwhile (a call's media, a SIP retransmission) runs before
 * the burst's last done handler. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <re_types.h>
#include <re_list.h>
#include <re_main.h>
#include <re_tmr.h>

#include "http/http_int.h"

#define JOBS 200

struct run {
	struct workers *w;
	unsigned done[JOBS]; /* the order the done handlers ran in */
	unsigned ndone;
	unsigned done_when_timer; /* done handlers run when the timer fired, or -1 */
	unsigned wakeups;         /* before hooks */
	unsigned worked;          /* jobs worked, under gate */
	bool ordered;             /* every done ran on the loop thread */
	pthread_t loop;
	pthread_mutex_t gate; /* held by the test until every job is worked */
	struct tmr tmr;
};

struct item {
	struct run *run;
	unsigned i;
};

static void spin_us(unsigned us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void job_work_h(void *arg)
{
	struct item *it = arg;

	/* every job waits at the gate, so all of them finish in one burst */
	pthread_mutex_lock(&it->run->gate);
	it->run->worked++;
	pthread_mutex_unlock(&it->run->gate);
}

static void timer_h(void *arg)
{
	struct run *run = arg;

	run->done_when_timer = run->ndone;
}

static void done_h(void *arg)
{
	struct item *it = arg;
	struct run *run = it->run;

	if (!pthread_equal(pthread_self(), run->loop))
		run->ordered = false;
	run->done[run->ndone++] = it->i;
	/* the first answer (whichever job it is: the two workers finish in any order): a
	 * timer falls due at once */
	if (run->ndone == 1)
		tmr_start(&run->tmr, 0, timer_h, run);
	spin_us(100); /* each answer costs the loop a tenth of a millisecond */
	free(it);
	if (run->ndone == JOBS)
		re_cancel();
}

static void before_h(void *arg)
{
	struct run *run = arg;

	run->wakeups++;
}

static void after_h(void *arg)
{
	(void)arg;
}

static void burst_is_shared_with_timers(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	run->loop = pthread_self();
	run->ordered = true;
	run->done_when_timer = (unsigned)-1;
	pthread_mutex_init(&run->gate, NULL);
	pthread_mutex_lock(&run->gate);
	tmr_init(&run->tmr);
	assert_int_equal(workers_alloc(&run->w, 2), 0);
	workers_set_hooks(run->w, before_h, after_h, run);
	for (unsigned i = 0; i < JOBS; i++) {
		struct item *it = malloc(sizeof(*it));

		assert_non_null(it);
		it->run = run;
		it->i = i;
		assert_int_equal(workers_submit(run->w, job_work_h, done_h, it), 0);
	}
	assert_int_equal(workers_queued(run->w), JOBS);
	/* all 200 are worked before the loop runs, so their answers come as one burst */
	pthread_mutex_unlock(&run->gate);
	for (;;) {
		unsigned n;

		pthread_mutex_lock(&run->gate);
		n = run->worked;
		pthread_mutex_unlock(&run->gate);
		if (n == JOBS)
			break;
		usleep(1000);
	}
	usleep(50000); /* their last links into the finished list */
	assert_int_equal(re_main(NULL), 0);

	/* every done ran once, on the loop */
	assert_int_equal(run->ndone, JOBS);
	assert_true(run->ordered);
	assert_int_equal(workers_queued(run->w), 0);
	{
		bool seen[JOBS] = {false};

		for (unsigned i = 0; i < JOBS; i++) {
			assert_false(seen[run->done[i]]);
			seen[run->done[i]] = true;
		}
	}
	/* 200 answers of 0.1 ms each are 20 ms of the loop: the timer due after the first ran
	 * before the last, and the answers came in more than one turn of the loop */
	assert_true(run->done_when_timer < JOBS);
	assert_true(run->wakeups > 1);

	tmr_cancel(&run->tmr);
	workers_free(run->w);
	pthread_mutex_destroy(&run->gate);
	free(run);
}

/* Jobs still queued at workers_free are worked and their done handlers run there. */
static void free_runs_what_is_left(void **state)
{
	struct run *run = calloc(1, sizeof(*run));

	(void)state;
	assert_non_null(run);
	run->loop = pthread_self();
	run->ordered = true;
	pthread_mutex_init(&run->gate, NULL);
	tmr_init(&run->tmr);
	assert_int_equal(workers_alloc(&run->w, 2), 0);
	for (unsigned i = 1; i <= 10; i++) { /* i > 0: no timer */
		struct item *it = malloc(sizeof(*it));

		assert_non_null(it);
		it->run = run;
		it->i = i;
		assert_int_equal(workers_submit(run->w, job_work_h, done_h, it), 0);
	}
	workers_free(run->w);
	assert_int_equal(run->ndone, 10);
	assert_true(run->ordered);
	pthread_mutex_destroy(&run->gate);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(burst_is_shared_with_timers),
	        cmocka_unit_test(free_runs_what_is_left),
	};

	assert_int_equal(libre_init(), 0);
	{
		int rc = cmocka_run_group_tests(tests, NULL, NULL);

		libre_close();
		return rc;
	}
}

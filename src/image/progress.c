/* SPDX-License-Identifier: GPL-2.0-or-later */
/* progress.c: one line per layer, redrawn at most every 100 ms by whichever
 * thread has news, with the cursor moved back over the block. A layer's rate
 * is its own bytes over its own time; one already in the store moves no
 * bytes and says so instead. */
#include "image/progress.h"
#include "util/cleanup.h"

#include <pthread.h>
#include <time.h>

struct bar {
	char digest[20];
	int64_t total, done;
	int state; /* 0 waiting, 1 running, 2 done, 3 failed, 4 already in the store */
	double start, end;
};

struct progress {
	pthread_mutex_t lock;
	size_t n;
	struct bar *bars;
	bool drawn;
	double last;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *progress_new(size_t n, bool quiet)
{
	if (quiet || n == 0 || !isatty(STDERR_FILENO))
		return NULL;
	struct progress *p = xzalloc(sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->n = n;
	p->bars = xcalloc(n, sizeof(*p->bars));
	return p;
}

static void draw(struct progress *p, bool force)
{
	double t = now();
	if (!force && t - p->last < 0.1)
		return;
	p->last = t;
	if (p->drawn)
		fprintf(stderr, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++) {
		struct bar *b = &p->bars[i];
		if (b->state == 4) {
			fprintf(stderr, "\r\033[K%-19s already in the store\n", b->digest);
			continue;
		}
		double secs = (b->state >= 2 ? b->end : t) - b->start;
		double mb = (double)b->done / 1e6, tot = (double)b->total / 1e6;
		const char *st = b->state == 0 ? "waiting" : b->state == 1 ? "" : b->state == 2 ? "done" : "failed";
		int width = 30, fill = b->total > 0 ? (int)((double)width * (double)b->done / (double)b->total) : 0;
		char bar[32];
		for (int k = 0; k < width; k++)
			bar[k] = k < fill ? '=' : ' ';
		bar[width] = '\0';
		fprintf(stderr, "\r\033[K%-19s [%s] %7.1f / %.1f MB %5.1f MB/s %s\n",
			b->digest[0] ? b->digest : "layer", bar, mb, tot,
			b->state == 0 || secs <= 0 ? 0.0 : mb / secs, st);
	}
	p->drawn = true;
	fflush(stderr);
}

void progress_set(struct progress *p, size_t i, const char *digest, int64_t total)
{
	if (!p || i >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->bars[i].digest, sizeof(p->bars[i].digest), "%s", digest);
	p->bars[i].total = total;
	p->bars[i].state = 1;
	p->bars[i].start = now();
	draw(p, true);
	pthread_mutex_unlock(&p->lock);
}

void progress_add(struct progress *p, size_t i, size_t bytes)
{
	if (!p || i >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	p->bars[i].done += (int64_t)bytes;
	draw(p, false);
	pthread_mutex_unlock(&p->lock);
}

void progress_done(struct progress *p, size_t i, bool ok)
{
	if (!p || i >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	p->bars[i].state = ok ? 2 : 3;
	p->bars[i].end = now();
	if (ok)
		p->bars[i].done = p->bars[i].total;
	draw(p, true);
	pthread_mutex_unlock(&p->lock);
}

void progress_present(struct progress *p, size_t i, const char *digest)
{
	if (!p || i >= p->n)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->bars[i].digest, sizeof(p->bars[i].digest), "%s", digest);
	p->bars[i].state = 4;
	draw(p, true);
	pthread_mutex_unlock(&p->lock);
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->bars);
	free(p);
}

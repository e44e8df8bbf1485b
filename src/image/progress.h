/* SPDX-License-Identifier: GPL-2.0-or-later */
/* progress.h: per-layer progress bars for pull on a terminal (bytes and
 * rate); nothing when stderr is not a terminal. Thread-safe. */
#ifndef URUN_IMAGE_PROGRESS_H
#define URUN_IMAGE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress;

/* NULL when stderr is not a terminal or quiet is set. */
struct progress *progress_new(size_t n, bool quiet);
void progress_set(struct progress *p, size_t i, const char *digest, int64_t total);
void progress_add(struct progress *p, size_t i, size_t bytes);
void progress_done(struct progress *p, size_t i, bool ok);
/* Layer i was already in the store: no bytes, no rate. */
void progress_present(struct progress *p, size_t i, const char *digest);
void progress_free(struct progress *p);

#endif

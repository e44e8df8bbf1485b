/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timefmt.h: RFC 3339 timestamps (image configs' `created`), read and written
 * as Go does, and podman's "3 years ago" wording (docker/go-units). */
#ifndef URUN_UTIL_TIMEFMT_H
#define URUN_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

struct timefmt_time {
	int64_t sec; /* since the epoch, UTC */
	int32_t nsec;
	int32_t offset; /* the zone it was written in, seconds east of UTC */
};

/* "2023-05-06T07:08:09.123456789+02:00", "2023-05-06T05:08:09Z": 0, or
 * -EINVAL for anything else (a missing zone, a 30th of February, trailing text). */
int timefmt_parse_rfc3339(const char *s, struct timefmt_time *t);

/* Go's RFC3339Nano in t's own zone: fraction without trailing zeros, "Z" for UTC. */
void timefmt_rfc3339(const struct timefmt_time *t, char *out, size_t len);

/* go-units HumanDuration of the span from t to now: "Less than a second",
 * "About a minute", "5 hours", "3 years"... (podman adds " ago"). A span
 * into the future reads as "Less than a second", as in podman. */
void timefmt_human_since(const struct timefmt_time *t, const struct timefmt_time *now, char *out,
			 size_t len);

#endif

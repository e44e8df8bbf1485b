/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-seccomp.c: libFuzzer target for the seccomp profile checker. `--security-opt
 * seccomp=FILE` profiles come from users and from images' documentation, so seccomp.c parses
 * them as hostile; seccomp_profile_check() runs all of that parsing and validation without
 * libseccomp compiling anything, which keeps this fast. Every failure must say why in a short,
 * printable message (seccomp.c quotes profile strings through shown() for that), and a NUL
 * counted in the length must change nothing.
 *
 * tests/fuzz/run.sh builds and runs it; by hand:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src \
 *   tests/fuzz/fuzz-seccomp.c src/run/seccomp.c src/util/error.c src/util/cleanup.c \
 *   src/util/log.c $(pkg-config --cflags --libs json-c libseccomp) -o /tmp/fuzz-seccomp
 * mkdir -p /tmp/fuzz-seccomp-new && /tmp/fuzz-seccomp -max_total_time=60 /tmp/fuzz-seccomp-new \
 *   tests/fuzz/corpus/seccomp */
#include "run/seccomp.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"

#include <stdbool.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "LABEL: WHERE: WHAT": the label, a location of at most 128 bytes and 256 bytes of text. */
#define MSG_MAX 512

static void check_text(const char *s, const char *what, const char *msg)
{
	if (strlen(s) >= MSG_MAX) {
		fprintf(stderr, "fuzz-seccomp: %s is %zu bytes long: %.200s...\n", what, strlen(s),
			s);
		abort();
	}
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			fprintf(stderr, "fuzz-seccomp: %s has byte 0x%02x at %zu: %s\n", what,
				(unsigned char)*p, (size_t)(p - s), msg);
			abort();
		}
}

static int check(const char *json, size_t len)
{
	struct urun_error err = {0};
	int r = seccomp_profile_check(json, len, &err);

	if (r == 0) {
		if (err.msg) {
			fprintf(stderr, "fuzz-seccomp: success with a message: %s\n", err.msg);
			abort();
		}
	} else {
		if (r > 0 || !err.msg || !*err.msg) {
			fprintf(stderr, "fuzz-seccomp: returned %d without saying why\n", r);
			abort();
		}
		check_text(err.msg, "the message", err.msg);
		if (err.hint)
			check_text(err.hint, "the hint", err.msg);
	}
	urun_error_clear(&err);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_ERROR);
		init = true;
	}
	/* The exact bytes first: ASan sees any read past them. */
	int r = check((const char *)data, size);

	/* seccomp_compile_file() passes what it read; callers with a C string may count its
	 * terminator. Both must mean the same. */
	char *s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	int r2 = check(s, size + 1);
	free(s);
	if ((r == 0) != (r2 == 0) && size < SECCOMP_PROFILE_MAX_BYTES) {
		fprintf(stderr, "fuzz-seccomp: %s without a trailing NUL, %s with one\n",
			r ? "refused" : "accepted", r2 ? "refused" : "accepted");
		abort();
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* digest.h: sha256 digests as OCI spells them ("sha256:<64 hex>"), through
 * nettle (no hand-written hash). nettle is small and needs no initialisation:
 * the run path hashes (blob checks, cache keys) without mapping libcrypto,
 * which alone was 3.3 MiB of a monitor's resident set. */
#ifndef URUN_UTIL_DIGEST_H
#define URUN_UTIL_DIGEST_H

#include <nettle/sha2.h>
#include <stdbool.h>
#include <stddef.h>

#define DIGEST_LEN (7 + 64)

struct digest {
	struct sha256_ctx ctx;
};

static inline void digest_init(struct digest *d)
{
	sha256_init(&d->ctx);
}

static inline void digest_update(struct digest *d, const void *buf, size_t len)
{
	sha256_update(&d->ctx, len, buf);
}

/* out receives "sha256:<hex>" and a NUL; d is reset for reuse. */
void digest_final(struct digest *d, char out[DIGEST_LEN + 1]);

/* One buffer: out receives "sha256:<hex>" and a NUL. */
void digest_sha256(const void *buf, size_t len, char out[DIGEST_LEN + 1]);

/* d is "sha256:" and 64 lowercase hexadecimal digits (NULL is not): the only digest urun
 * accepts from a manifest, an index, a store record or a registry. */
bool digest_is_valid(const char *d);

#endif

/* digest.h: sha256 digests as OCI spells them ("sha256:<64 hex>"). */
#ifndef URUN_UTIL_DIGEST_H
#define URUN_UTIL_DIGEST_H

#include <stddef.h>

#define DIGEST_LEN (7 + 64)

/* out receives "sha256:<hex>" and a NUL. */
void digest_sha256(const void *buf, size_t len, char out[DIGEST_LEN + 1]);

#endif

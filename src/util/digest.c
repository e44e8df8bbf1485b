/* digest.c: sha256 through OpenSSL's EVP interface (no hand-written hash);
 * libcrypto itself is loaded on first use (image/lazy-crypto.c), so the
 * commands that hash nothing (ps, stop, logs, ...) never map it. */
#include "util/digest.h"

#include <openssl/evp.h>
#include <stdio.h>

void digest_sha256(const void *buf, size_t len, char out[DIGEST_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	snprintf(out, 8, "sha256:");
	for (unsigned i = 0; i < 32 && i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

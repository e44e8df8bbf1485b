/* SPDX-License-Identifier: GPL-2.0-or-later */
/* digest.c: sha256 through nettle (see digest.h). */
#include "util/digest.h"

#include <string.h>

void digest_final(struct digest *d, char out[DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_SIZE];
	sha256_digest(&d->ctx, sizeof(md), md);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(md); i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[DIGEST_LEN] = '\0';
}

void digest_sha256(const void *buf, size_t len, char out[DIGEST_LEN + 1])
{
	struct digest d;
	digest_init(&d);
	digest_update(&d, buf, len);
	digest_final(&d, out);
}

bool digest_is_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != DIGEST_LEN)
		return false;
	for (const char *c = d + 7; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

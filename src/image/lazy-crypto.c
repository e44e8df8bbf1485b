/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lazy-crypto.c: libcrypto's functions as urun uses them (reading a
 * registry's PEM certificates; hashing is nettle's, util/digest.h), loaded
 * on first use (see lazylib.h): linked, it was mapped by every command, and
 * 3.3 MiB of a monitor's 6 MiB resident set. Keep to OpenSSL's prototypes. */
#include "image/lazylib.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>

enum { F_BIO_free, F_BIO_new_mem_buf, F_PEM_read_bio_X509, F_X509_free, F_COUNT };

static const char *const names[F_COUNT] = {"BIO_free", "BIO_new_mem_buf", "PEM_read_bio_X509",
					   "X509_free"};
static void *fns[F_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lazylib_load("libcrypto.so.3", "libssl3", names, fns, F_COUNT);
}

#define FN(name) (pthread_once(&once, load), (__typeof__(&name))fns[F_##name])

int BIO_free(BIO *a)
{
	return FN(BIO_free)(a);
}

BIO *BIO_new_mem_buf(const void *buf, int len)
{
	return FN(BIO_new_mem_buf)(buf, len);
}

X509 *PEM_read_bio_X509(BIO *out, X509 **x, pem_password_cb *cb, void *u)
{
	return FN(PEM_read_bio_X509)(out, x, cb, u);
}

void X509_free(X509 *a)
{
	FN(X509_free)(a);
}

/* lazy-crypto.c: libcrypto's functions as urun uses them, loaded on first
 * use (see lazylib.h): linked, it was mapped by every command, and 3.3 MiB
 * of a monitor's 6 MiB resident set; the verbs that hash nothing (ps,
 * stop, kill, logs, rm, port, ...) now never map it. Keep to OpenSSL's
 * prototypes. */
#include "image/lazylib.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>

enum {
	F_BIO_free,
	F_BIO_new_mem_buf,
	F_EVP_Digest,
	F_EVP_DigestFinal_ex,
	F_EVP_DigestInit_ex,
	F_EVP_DigestUpdate,
	F_EVP_MD_CTX_free,
	F_EVP_MD_CTX_new,
	F_EVP_sha256,
	F_PEM_read_bio_X509,
	F_X509_free,
	F_COUNT
};

static const char *const names[F_COUNT] = {
    "BIO_free",		 "BIO_new_mem_buf",   "EVP_Digest",	 "EVP_DigestFinal_ex",
    "EVP_DigestInit_ex", "EVP_DigestUpdate",  "EVP_MD_CTX_free", "EVP_MD_CTX_new",
    "EVP_sha256",	 "PEM_read_bio_X509", "X509_free"};
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

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
	       const EVP_MD *type, ENGINE *impl)
{
	return FN(EVP_Digest)(data, count, md, size, type, impl);
}

int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
	return FN(EVP_DigestFinal_ex)(ctx, md, s);
}

int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
	return FN(EVP_DigestInit_ex)(ctx, type, impl);
}

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	return FN(EVP_DigestUpdate)(ctx, d, cnt);
}

void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	FN(EVP_MD_CTX_free)(ctx);
}

EVP_MD_CTX *EVP_MD_CTX_new(void)
{
	return FN(EVP_MD_CTX_new)();
}

const EVP_MD *EVP_sha256(void)
{
	return FN(EVP_sha256)();
}

X509 *PEM_read_bio_X509(BIO *out, X509 **x, pem_password_cb *cb, void *u)
{
	return FN(PEM_read_bio_X509)(out, x, cb, u);
}

void X509_free(X509 *a)
{
	FN(X509_free)(a);
}

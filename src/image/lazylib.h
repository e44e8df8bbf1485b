/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lazylib.h: libcurl and libarchive are loaded with dlopen on first use.
 * Linked normally they cost every urun start ~7 ms of loading and
 * relocating some 40 libraries (curl pulls in gnutls, krb5, ldap, ...;
 * libarchive libxml2 and ICU), while `urun run` of a stored image needs
 * neither. lazy-curl.c and lazy-archive.c define the functions urun calls,
 * with the libraries' own prototypes, and forward to the loaded library. */
#ifndef URUN_IMAGE_LAZYLIB_H
#define URUN_IMAGE_LAZYLIB_H

/* Open `soname` once and resolve `n` names into fns[]; a missing library or
 * symbol is fatal with a one-line message naming the Debian package. */
void lazylib_load(const char *soname, const char *package, const char *const *names, void **fns, int n);

#endif

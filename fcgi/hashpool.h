/*
 * hashpool.h: the password-hashing pool (see hashpool.c).
 */
#ifndef SLUICE_FCGI_HASHPOOL_H
#define SLUICE_FCGI_HASHPOOL_H

#include "status.h"

#define HASHPOOL_THREADS_DEFAULT 2

struct hashpool;

struct hashpool *hashpool_new(int threads, int waiting_max);
void hashpool_free(struct hashpool *p);
enum sl_status hashpool_matches(struct hashpool *p, const char *pass,
    const char *hash, int *match);

#endif

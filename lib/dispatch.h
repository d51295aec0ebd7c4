/*
 * dispatch.h: which due runs a worker takes (see dispatch.c).
 */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "db.h"
#include "worker.h"

struct dispatch;

struct dispatch *dispatch_new(struct db *db, const char *worker,
    const char *pool);
void dispatch_free(struct dispatch *d);
/*
 * Claims up to budget due runs for the worker in one transaction; fills
 * out (release with worker_claim_fini) with the runs now RUNNING and the
 * worker's. Returns SL_OK (also when nothing was due), SL_BUSY or the
 * failure (logged); out is then empty.
 */
enum sl_status dispatch_claim(struct dispatch *d, int budget,
    struct worker_claim *out);

#endif

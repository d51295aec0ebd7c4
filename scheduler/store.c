/*
 * store.c: the store's refusals of writes and the backoff they earn. A
 * store that refuses writes for want of space (or an I/O error) is not
 * hammered: the loop stops writing and tries again, with a heartbeat,
 * after 0.5 s, doubling up to STORE_DELAY_MAX_MS; what could not be
 * written (an attempt's end, log sizes, the next claim) waits in memory.
 * The first write taken again ends the spell, which is logged with how
 * long it lasted and what is being caught up; the loop then writes
 * everything at once. A busy store is not a refusal: SQLite already
 * waited its busy timeout.
 */
#include "log.h"
#include "sched.h"

#define STORE_DELAY_FIRST_MS 500
#define STORE_DELAY_MAX_MS 8000

/* A write was refused with st at mono: from the first refusal on, back
 * off. */
void
store_refused(struct store_backoff *b, enum sl_status st, int64_t mono)
{
	if (st != SL_FULL && st != SL_DB)
		return;
	b->refused++;
	if (b->down_mono == 0) {
		b->down_mono = mono;
		b->delay_ms = STORE_DELAY_FIRST_MS;
		log_warnx("store: writes refused (%s); trying again after "
		    "0.5 s, doubling up to %d s, keeping what is unwritten",
		    st == SL_FULL ? "the disk is full" : "database error",
		    STORE_DELAY_MAX_MS / 1000);
	} else if (mono >= b->retry_mono) {
		b->delay_ms *= 2;
		if (b->delay_ms > STORE_DELAY_MAX_MS)
			b->delay_ms = STORE_DELAY_MAX_MS;
	}
	b->retry_mono = mono + b->delay_ms;
}

/* 1 when writes may be tried at mono (not backing off). */
int
store_writes_due(const struct store_backoff *b, int64_t mono)
{
	return b->down_mono == 0 || mono >= b->retry_mono;
}

/* The store took a write at mono after a spell of refusals, with
 * waiting ended attempts still to record: says so and ends the spell. */
void
store_back(struct store_backoff *b, int64_t mono, int waiting)
{
	if (b->down_mono == 0)
		return;
	log_info("store: writes taken again after %lld s (%d refused); "
	    "catching up: %d ended attempts to record",
	    (long long)((mono - b->down_mono) / 1000), b->refused, waiting);
	*b = (struct store_backoff){ 0 };
}

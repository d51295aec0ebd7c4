/*
 * worker.h: the worker's side of Sluice as one small interface -- claim
 * due work, heartbeat, report task state, learn of cancels -- so that the
 * scheduler program does not care where the truth lives. Today there is
 * one backend, lib/worker_db.c, on the SQLite file (worker_db_open).
 * Planned: a remote worker speaking the HTTP API at $SLUICE_URL with its
 * own Basic-auth user (role worker), and a Slurm pool (sbatch, state from
 * scontrol/sacct, scancel). Each backend fills a struct worker_ops; the
 * rules for what state a run or attempt ends in live once, in lib/ (the
 * moves in states.c, the outcomes and the retry rule in worker.c), never
 * in a backend or twice in a worker.
 *
 * Worker duties (behind this interface): registering and heartbeating
 * under a lease (incarnation), claiming due runs of the worker's pool,
 * loading what is needed to run a claimed run, writing an attempt
 * RUNNING (with pid and /proc start time) before its process may exec,
 * ending attempts (and queueing the retry attempt in the same write),
 * ending tasks that never started (SKIPPED, CANCELLED, FAILED to start),
 * log sizes, polling cancel requests, and ending runs.
 *
 * Server duties (NOT behind this interface; the db-backed scheduler does
 * them directly on SQLite in scheduler/ because it is also the server's
 * only background process): materialising cron schedules
 * (cron_tick.c), retention (retention.c), and recovery of runs whose
 * worker died (recover.c: finding and adopting them needs a view of all
 * workers, which a remote worker must not have; once adopted, a run is
 * loaded and its crashed attempts are written through this interface).
 * Webhook notification is a server duty too (notify.c notifies every run
 * that ended, however it ended). The claim operation also ends runs cancelled
 * before any worker claimed them (they belong to nobody); over HTTP the
 * server would do that on its side of the claim request.
 *
 * Logs: the db-backed worker writes each attempt's log to the local file
 * <data>/logs/<run>/<task>.<attempt>.log (scheduler/logsink.c) and only
 * reports its size here (log_sizes). A remote worker would instead
 * upload the new bytes in chunks (an append_log operation posting to the
 * API) before reporting the size; that backend does not exist yet.
 *
 * Operations return enum sl_status: SL_OK; SL_BUSY when the store was
 * locked or unreachable and nothing changed (try again later);
 * SL_NOTFOUND when the run is no longer this worker's (another worker
 * took it over: drop it without writing); SL_CONFLICT when the row was
 * not in the state the operation requires (documented per operation);
 * SL_DB or SL_IO for other failures (logged). Every write is atomic: it
 * happens entirely or not at all (one statement, or db_write in
 * worker_db.c).
 * Strings passed in are borrowed for the call; strings handed out are
 * owned by the out structure and released with its _fini function.
 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <json-c/json.h>
#include "db.h"
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "states.h"
#include "status.h"

/* Who this worker is; copied by the backend when opened. */
struct worker_ident {
	const char *name;	/* unique worker name */
	const char *pool;	/* claims only runs of flows in this pool */
	const char *host;
	const char *incarnation;	/* fresh random lease id per process */
	int pid;
	int concurrency;	/* limit to register */
	int concurrency_set;	/* given explicitly: overrides the stored one */
};

/* What an admin may change about a running worker. */
struct worker_settings {
	int paused;		/* claim nothing new */
	int limit;		/* concurrency limit, >= 0 */
};

/* The result of one claim. */
struct worker_claim {
	char (*ids)[IDS_LEN];	/* runs now RUNNING and this worker's */
	int nids;
};

/* One attempt of a task as stored. */
struct worker_attempt {
	char *task;
	int attempt;		/* counts from 1 */
	enum task_state state;
	char *result;		/* JSON text, or NULL */
	int64_t not_before;	/* AWAITING_RETRY: earliest start (wall ms) */
	int64_t pid;		/* RUNNING: process group leader, or 0 */
	int64_t proc_start;	/* its /proc start time, or 0 */
};

/* What is needed to run a claimed run. */
struct worker_run {
	char *flow;
	int64_t version;
	char *params;		/* bound parameters, JSON text */
	char *definition;	/* flow definition JSON, NULL when missing */
	char *repo;		/* the version's repository, or NULL */
	char *commit_id;	/* its commit (code at <data>/code/trees/) */
	char *venv;		/* its virtual environment's id, or NULL */
	int64_t started_at;	/* wall ms, 0 when never started */
	int cancel_requested;
	struct worker_attempt *attempts;	/* by task, then attempt */
	size_t nattempts;
};

/* What tasks_update does to one attempt. */
enum worker_change_kind {
	/* Create attempt `attempt` in state (PENDING or AWAITING_RETRY,
	 * with not_before); an existing attempt is left alone. */
	WORKER_ADD,
	/* RUNNING -> CRASHED: the process was lost with its scheduler. */
	WORKER_CRASH,
	/* PENDING/AWAITING_RETRY -> state (SKIPPED or CANCELLED), only while
	 * the run is this worker's. */
	WORKER_END_WAITING,
	/* PENDING/AWAITING_RETRY -> FAILED without a process: the attempt
	 * could not start (bad argument, missing folder). */
	WORKER_FAIL_UNSTARTED,
	WORKER_CHANGE_MAX
};

struct worker_change {
	enum worker_change_kind kind;
	const char *task;
	int attempt;
	enum task_state state;	/* WORKER_ADD, WORKER_END_WAITING */
	int64_t not_before;	/* WORKER_ADD: 0 = none */
	const char *reason;	/* NULL = none */
	/* Out, WORKER_END_WAITING only: set when someone else had already
	 * ended the attempt; its state is then in now. */
	int conflict;
	enum task_state now;
};

/* The end of an attempt whose process ran. */
struct worker_task_end {
	const char *run_id;
	const char *task;
	int attempt;
	enum task_state state;	/* must be a legal move from RUNNING */
	int exit_code;		/* -1 = none */
	int signal;		/* 0 = none */
	const char *result;	/* JSON text (COMPLETED only), or NULL */
	int64_t log_size;
	const char *reason;	/* NULL = none */
	int64_t retry_not_before;	/* > 0: also add attempt + 1 */
};

/* A running attempt's log size. */
struct worker_log_size {
	const char *run_id;
	const char *task;
	int attempt;
	int64_t size;
	int done;		/* out: written */
};

/* A task's name and the state of its latest attempt. */
struct worker_task_state {
	const char *name;
	enum task_state state;
};

struct worker;

struct worker_ops {
	/* Registers (or takes over) this worker's name with a new lease
	 * and reads its settings. */
	enum sl_status (*join)(struct worker *w, struct worker_settings *out);
	/* Records a heartbeat with the number of running attempts.
	 * SL_CONFLICT: the lease was lost (another process took the name). */
	enum sl_status (*heartbeat)(struct worker *w, int running);
	/* Reads paused and the concurrency limit. SL_CONFLICT: lease lost. */
	enum sl_status (*settings)(struct worker *w,
	    struct worker_settings *out);
	/* Claims up to budget due runs of this worker's pool, respecting
	 * each flow's max_concurrent_runs, lateness and catchup (see
	 * dispatch.c). Fills out (release with worker_claim_fini). */
	enum sl_status (*claim)(struct worker *w, int budget,
	    struct worker_claim *out);
	/* Reads what is needed to run run_id. SL_NOTFOUND: not ours. */
	enum sl_status (*run_load)(struct worker *w, const char *run_id,
	    struct worker_run *out);
	/* Applies n changes to run_id's attempts at once, checking each
	 * move against states.c (SL_INVALID: a forbidden one; nothing
	 * written). SL_NOTFOUND (nothing written): an END_WAITING or a
	 * FAIL_UNSTARTED found the run no longer ours. */
	enum sl_status (*tasks_update)(struct worker *w, const char *run_id,
	    struct worker_change *c, size_t n);
	/* PENDING/AWAITING_RETRY -> RUNNING with the process's pid and
	 * start time, before it may exec. SL_NOTFOUND: not started, the run
	 * is no longer ours (taken over). SL_CONFLICT: not started (the run
	 * was cancelled, or the attempt is not waiting). */
	enum sl_status (*task_start)(struct worker *w, const char *run_id,
	    const char *task, int attempt, int64_t pid, int64_t proc_start);
	/* Ends a RUNNING attempt of this lease and, when asked, adds the
	 * next attempt AWAITING_RETRY. SL_CONFLICT: the attempt is no
	 * longer ours (another scheduler marked it CRASHED). */
	enum sl_status (*task_finish)(struct worker *w,
	    const struct worker_task_end *e);
	/* Records the log sizes of running attempts; sets done on each. */
	enum sl_status (*log_sizes)(struct worker *w,
	    struct worker_log_size *v, size_t n);
	/* Fills ids with up to max runs of this worker with a cancel
	 * request; *n is their number. */
	enum sl_status (*poll_cancels)(struct worker *w, char (*ids)[IDS_LEN],
	    int max, int *n);
	/* Marks run_id CANCELLING (RUNNING -> CANCELLING). */
	enum sl_status (*run_cancelling)(struct worker *w, const char *run_id);
	/* Ends run_id in the state worker_run_outcome derives from its
	 * tasks; *to and reason say which. SL_CONFLICT: the tasks do not
	 * allow an end yet or the move is illegal (logged). */
	enum sl_status (*run_finish)(struct worker *w, const char *run_id,
	    const struct worker_task_state *tasks, size_t n, int timed_out,
	    int64_t timeout_s, enum run_state *to, char *reason,
	    size_t reasonsz);
	/* Ends a run that cannot run at all FAILED with why (CANCELLED when
	 * it was being cancelled), its waiting tasks CANCELLED. */
	enum sl_status (*run_fail)(struct worker *w, const char *run_id,
	    const char *why);
	/* Releases the worker (NULL is fine); nothing is written. */
	void (*close)(struct worker *w);
};

/* Every backend's handle starts with this; the rest is private. */
struct worker {
	const struct worker_ops *ops;
};

/* worker_db.c */
struct worker *worker_db_open(struct db *db, const struct worker_ident *id);

/* worker.c: backend-independent rules and helpers. */
enum task_state worker_attempt_outcome(enum task_state stop_state,
    const char *stop_reason, int exit_code, int signal,
    const char *result_error, char *reason, size_t reasonsz);
int worker_attempt_retries(enum task_state st, int attempt, int retries,
    int no_retry);
int64_t worker_retry_delay_ms(double delay_s, double backoff,
    double jitter_s, int failed_attempt);
enum run_state worker_run_outcome(const struct worker_task_state *tasks,
    size_t n, int cancel_requested, int timed_out, int64_t timeout_s,
    char *reason, size_t reasonsz);
void worker_claim_fini(struct worker_claim *c);
void worker_run_fini(struct worker_run *r);

#endif

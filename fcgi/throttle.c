/*
 * throttle.c: the one rule for refusing password guesses. Failed logins
 * are counted in fixed windows (THROTTLE_WINDOW_S, one minute) twice:
 * per (client address, user name) and per client address alone. Once
 * the pair reaches pair_max failures (default 10) in its window, that
 * user is refused from that address without checking the password until
 * the window ends; once the address reaches addr_max (default 100, for
 * people sharing one NAT, and a cap on trying many names), every login
 * from it is. So one person's typos lock out only their own name at
 * their own address, and a colleague behind the same NAT still logs in.
 * A refusal is not itself counted (a locked-out user retrying does not
 * extend the lock). Logins the credential cache remembers never get
 * here (auth.c answers them first), so a storm never locks them out.
 * A user name is counted by its first THROTTLE_USER_BYTES bytes; unknown
 * names count like known ones (the reply must not tell them apart).
 *
 * Bounded memory: THROTTLE_ADDRS addresses and THROTTLE_PAIRS pairs;
 * when full, the entry whose window started first is reused. All access
 * is under one mutex; nothing slow runs while it is held.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "xalloc.h"

#define THROTTLE_ADDRS 256
#define THROTTLE_PAIRS 1024
#define THROTTLE_ADDR_BYTES 64	/* bytes of an address kept */
#define THROTTLE_USER_BYTES 64	/* bytes of a user name kept */

struct counter {
	char key[THROTTLE_ADDR_BYTES + THROTTLE_USER_BYTES + 2]; /* "": free */
	int count;
	int64_t window_start_ms;
};

struct throttle {
	pthread_mutex_t mu;
	int pair_max, addr_max;	/* 0: that limit is off */
	int64_t window_ms;
	struct counter addrs[THROTTLE_ADDRS];
	struct counter pairs[THROTTLE_PAIRS];
};

/*
 * Returns a new throttle refusing a (address, user) pair after pair_max
 * and an address after addr_max failures within window_s seconds (0 turns
 * a limit off). The caller frees it with throttle_free.
 */
struct throttle *
throttle_new(int pair_max, int addr_max, int window_s)
{
	struct throttle *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->pair_max = pair_max;
	t->addr_max = addr_max;
	t->window_ms = (int64_t)window_s * 1000;
	return t;
}

/* Frees t (NULL is fine). */
void
throttle_free(struct throttle *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/*
 * Finds key's counter among the n of tab, forgetting those whose window
 * ended. When make is set, a missing key gets a fresh counter (a free
 * slot, else the one whose window started first). Returns it or NULL.
 */
static struct counter *
counter_find(struct throttle *t, struct counter *tab, int n, const char *key,
    int64_t now_ms, int make)
{
	struct counter *slot = NULL, *oldest = NULL;

	for (int i = 0; i < n; i++) {
		struct counter *c = &tab[i];

		if (c->key[0] != '\0' &&
		    now_ms - c->window_start_ms >= t->window_ms)
			memset(c, 0, sizeof(*c));
		if (c->key[0] != '\0' && strcmp(c->key, key) == 0)
			return c;
		if (c->key[0] == '\0' && slot == NULL)
			slot = c;
		else if (c->key[0] != '\0' && (oldest == NULL ||
		    c->window_start_ms < oldest->window_start_ms))
			oldest = c;
	}
	if (!make)
		return NULL;
	if (slot == NULL)
		slot = oldest;
	memset(slot, 0, sizeof(*slot));
	snprintf(slot->key, sizeof(slot->key), "%s", key);
	slot->window_start_ms = now_ms;
	return slot;
}

/* Writes the pair key of addr and user into key (a counter's size). */
static void
pair_key(char *key, size_t keysz, const char *addr, const char *user)
{
	snprintf(key, keysz, "%.*s %.*s", THROTTLE_ADDR_BYTES, addr,
	    THROTTLE_USER_BYTES, user);
}

/*
 * Says whether a login as user from addr (NULL or "": unknown, never
 * refused) may be checked now: THROTTLE_OK, or the limit that refuses it
 * (the address's first, as it covers every user).
 */
enum throttle_verdict
throttle_check(struct throttle *t, const char *addr, const char *user,
    int64_t now_ms)
{
	char key[sizeof(((struct counter *)0)->key)];
	enum throttle_verdict v = THROTTLE_OK;
	struct counter *c;

	if (addr == NULL || *addr == '\0')
		return THROTTLE_OK;
	pair_key(key, sizeof(key), addr, user);
	pthread_mutex_lock(&t->mu);
	c = counter_find(t, t->addrs, THROTTLE_ADDRS, addr, now_ms, 0);
	if (t->addr_max > 0 && c != NULL && c->count >= t->addr_max)
		v = THROTTLE_ADDR;
	c = counter_find(t, t->pairs, THROTTLE_PAIRS, key, now_ms, 0);
	if (v == THROTTLE_OK && t->pair_max > 0 && c != NULL &&
	    c->count >= t->pair_max)
		v = THROTTLE_PAIR;
	pthread_mutex_unlock(&t->mu);
	return v;
}

/* Counts one failed login as user from addr, for the pair and address. */
void
throttle_failed(struct throttle *t, const char *addr, const char *user,
    int64_t now_ms)
{
	char key[sizeof(((struct counter *)0)->key)];
	struct counter *c;

	if (addr == NULL || *addr == '\0')
		return;
	pair_key(key, sizeof(key), addr, user);
	pthread_mutex_lock(&t->mu);
	c = counter_find(t, t->addrs, THROTTLE_ADDRS, addr, now_ms, 1);
	if (c->count < 1000000)
		c->count++;
	c = counter_find(t, t->pairs, THROTTLE_PAIRS, key, now_ms, 1);
	if (c->count < 1000000)
		c->count++;
	pthread_mutex_unlock(&t->mu);
}

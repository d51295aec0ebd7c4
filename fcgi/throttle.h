/*
 * throttle.h: failed-login counting (see throttle.c): per (address, user)
 * and per address, in fixed one-minute windows.
 */
#ifndef SLUICE_FCGI_THROTTLE_H
#define SLUICE_FCGI_THROTTLE_H

#include <stdint.h>

/* The defaults: failures a window before refusing, and the window. */
#define THROTTLE_PAIR_MAX_DEFAULT 10
#define THROTTLE_ADDR_MAX_DEFAULT 100
#define THROTTLE_WINDOW_S 60

/* Which limit refuses a login, if any. */
enum throttle_verdict {
	THROTTLE_OK,		/* check the password */
	THROTTLE_PAIR,		/* this user failed too often from here */
	THROTTLE_ADDR,		/* this address failed too often, any user */
};

struct throttle;

struct throttle *throttle_new(int pair_max, int addr_max, int window_s);
void throttle_free(struct throttle *t);
enum throttle_verdict throttle_check(struct throttle *t, const char *addr,
    const char *user, int64_t now_ms);
void throttle_failed(struct throttle *t, const char *addr, const char *user,
    int64_t now_ms);

#endif

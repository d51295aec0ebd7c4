/* auth.h: the credential verifier behind nginx's auth_request (auth.c). */
#ifndef SLUICE_FCGI_AUTH_H
#define SLUICE_FCGI_AUTH_H

#include "api.h"

enum sl_status auth_verify(struct req *r);

#endif

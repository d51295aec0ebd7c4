/* router.h: the route table and dispatch (see router.c). */
#ifndef SLUICE_FCGI_ROUTER_H
#define SLUICE_FCGI_ROUTER_H

#include "api.h"

enum sl_status router_dispatch(struct req *r);

#endif

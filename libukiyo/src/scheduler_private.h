/*
 * scheduler_private.h - what scheduler.c (what is due) and
 * scheduler_poll.c (the polls) share: the state and the plan.
 */
#ifndef UKIYO_SCHEDULER_PRIVATE_H
#define UKIYO_SCHEDULER_PRIVATE_H

#include "plan.h"
#include "scheduler_state.h"

#endif

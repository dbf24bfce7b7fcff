/*
 * ukiyo.h - the umbrella header of libukiyo. Programs include only this.
 * See libukiyo(3) for the conventions: ownership, errors, threads.
 */
#ifndef UKIYO_H
#define UKIYO_H

#include "ukiyo/common.h"
#include "ukiyo/labels.h"
#include "ukiyo/version.h"
#include "ukiyo/image.h"
#include "ukiyo/auth.h"
#include "ukiyo/docker.h"
#include "ukiyo/registry.h"
#include "ukiyo/context.h"
#include "ukiyo/check.h"
#include "ukiyo/store.h"
#include "ukiyo/manager.h"
#include "ukiyo/push.h"
#include "ukiyo/jobs.h"
#include "ukiyo/deployments.h"
#include "ukiyo/policy.h"
#include "ukiyo/projects.h"
#include "ukiyo/scheduler.h"
#include "ukiyo/inventory.h"
#include "ukiyo/notify.h"

#endif

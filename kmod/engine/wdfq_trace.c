// SPDX-License-Identifier: GPL-2.0
/*
 * Creates the engine's trace events (wdfq_trace.h), once in the module.
 */
#include "wdfq_internal.h"

#define CREATE_TRACE_POINTS
#include "wdfq_trace.h"

/*
 * The engine's top: what the public calls (engine.c) use besides the state and the
 * dispatcher. Handshake modules include engine_state.h and hs_dispatch.h, never this.
 */
#ifndef TLSIO_ENGINE_H
#define TLSIO_ENGINE_H

#include "engine_send.h"
#include "engine_state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- input (engine_recv.c) -------------------------------------------------------- */

/* Processes every complete record in the input buffer that can be processed now. */
int tlsio_process_input(tls_engine *e) TLSIO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif

/*
 * The benchmarks' C guest: returns the event's bytes unchanged (C has no JSON library to round-trip it with).
 */
#include "lambda_wasm.h"

static int echo(const lambda_context_t *ctx, const char *event, size_t event_len, lambda_buf_t *response,
                lambda_error_t *error) {
    (void)ctx;
    (void)error;
    lambda_buf_write(response, event, event_len);
    return 0;
}

LAMBDA_HANDLER(echo)

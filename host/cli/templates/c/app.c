/*
 * {"name": "Ada"} in, {"message": "Hello, Ada!", "request_id": "..."} out. Without a "name" it greets the world.
 */
#include "lambda_wasm.h"

#define MAX_NAME 256

static int handle(const lambda_context_t *ctx, const char *event, size_t event_len, lambda_buf_t *response,
                  lambda_error_t *error) {
    char name[MAX_NAME];
    switch (lambda_json_get_string(event, event_len, "name", name, sizeof name)) {
        case 0: strcpy(name, "world"); break;
        case 1: break;
        case -3: return lambda_fail(error, "ValidationError", "name is longer than %d bytes", MAX_NAME - 1);
        default: return lambda_fail(error, "ValidationError", "name must be a string in a JSON object");
    }
    lambda_log(LAMBDA_INFO, "greeting %s", name);
    char message[MAX_NAME + 16];
    snprintf(message, sizeof message, "Hello, %s!", name);
    lambda_buf_puts(response, "{\"message\":");
    lambda_buf_json_string(response, message);
    lambda_buf_puts(response, ",\"request_id\":");
    lambda_buf_json_string(response, ctx->request_id);
    lambda_buf_puts(response, "}");
    return 0;
}

LAMBDA_HANDLER(handle)

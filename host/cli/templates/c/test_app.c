/*
 * Unit test: the handler called natively (`./test.sh`), with the host's imports stubbed.
 */
#define LAMBDA_HANDLER(fn)
#include "app.c"

void lambda_handler_runtime_log(lambda_handler_runtime_level_t level, handler_string_t *message) {
    fprintf(stderr, "[%d] %.*s\n", (int)level, (int)message->len, (const char *)message->ptr);
}
uint64_t lambda_handler_runtime_remaining_time_ms(void) { return 3000; }
void lambda_handler_runtime_record_panic(handler_string_t *message) { (void)message; }

int main(void) {
    const char *event = "{\"name\": \"Ada\"}";
    lambda_context_t ctx = {.request_id = "test-request"};
    lambda_buf_t response = {0};
    lambda_error_t error = {0};
    if (hello(&ctx, event, strlen(event), &response, &error) != 0) {
        fprintf(stderr, "FAIL: %s: %s\n", error.type, error.message);
        return 1;
    }
    lambda_buf_write(&response, "", 1);
    if (!strstr(response.data, "\"message\":\"Hello, Ada!\"")) {
        fprintf(stderr, "FAIL: %s\n", response.data);
        return 1;
    }
    printf("1 passed\n");
    free(response.data);
    return 0;
}

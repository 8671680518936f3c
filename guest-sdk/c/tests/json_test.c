/* Native unit test of lambda_wasm.h's JSON reader and JSON writer: `guest-sdk/c/tests/run.sh`. */
#include "lambda_wasm.h"

static int checks = 0, failures = 0;

static void check_get(const char *json, const char *key, int want_status, const char *want_value) {
    char out[32] = "";
    checks++;
    int status = lambda_json_get_string(json, strlen(json), key, out, sizeof out);
    if (status != want_status || (status == 1 && strcmp(out, want_value) != 0)) {
        printf("FAIL get %s from %s: %d '%s', expected %d '%s'\n", key, json, status, out, want_status,
               want_value ? want_value : "");
        failures++;
    }
}

static void check_escape(const char *text, const char *want) {
    lambda_buf_t buf = {0};
    checks++;
    lambda_buf_json_string(&buf, text);
    lambda_buf_write(&buf, "", 1);
    if (strcmp(buf.data, want) != 0) {
        printf("FAIL escape: %s, expected %s\n", buf.data, want);
        failures++;
    }
    free(buf.data);
}

int main(void) {
    check_get("{\"name\": \"Ada\"}", "name", 1, "Ada");
    check_get(" {\"a\":1,\"name\":\"Ada\"} ", "name", 1, "Ada");
    check_get("{}", "name", 0, NULL);
    check_get("{\"names\":\"x\"}", "name", 0, NULL);
    check_get("{\"x\":{\"name\":\"inner\"},\"name\":\"outer\"}", "name", 1, "outer");
    check_get("{\"x\":{\"name\":\"inner\"}}", "name", 0, NULL);
    check_get("{\"x\":\"name\",\"y\":[\"name\"]}", "name", 0, NULL);
    check_get("{\"x\":\"\\\"name\\\"\"}", "name", 0, NULL);
    check_get("{\"name\":5}", "name", -1, NULL);
    check_get("[\"name\"]", "name", -2, NULL);
    check_get("", "name", -2, NULL);
    check_get("{\"name\":\"a\\\"b\\\\c\\/d\\ne\"}", "name", 1, "a\"b\\c/d\ne");
    check_get("{\"name\":\"Gr\\u00e9ce\"}", "name", 1, "Gr\xc3\xa9" "ce");
    check_get("{\"name\":\"\\ud83d\\ude00\"}", "name", 1, "\xf0\x9f\x98\x80");
    check_get("{\"name\":\"0123456789012345678901234567890123\"}", "name", -3, NULL);
    check_escape("plain", "\"plain\"");
    check_escape("q\"b\\n\nt\t\x01", "\"q\\\"b\\\\n\\nt\\t\\u0001\"");
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}

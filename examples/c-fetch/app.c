/*
 * Fetches a URL with a GET through the host's `wasi:http` (world `http-handler`) and answers what came back:
 * {"url": "http://127.0.0.1:8080/path"} in, {"status": 200, "body": "<the body, as text>"} out.
 * A host the function's LAMBDA_WASM_ALLOW_HTTP does not list fails with errorType "Http.Denied"; any other
 * failure with "Http.Error". The body is read up to MAX_BODY bytes.
 */
#include "lambda_wasm.h"

#define MAX_URL 1024
#define MAX_BODY (256 * 1024)

typedef wasi_http_types_own_future_incoming_response_t future_t;

/* Splits "http://authority/path?query" into its scheme, authority and path (pointers into `url`). */
static bool split_url(char *url, bool *https, char **authority, char **path) {
    char *rest;
    if (strncmp(url, "http://", 7) == 0) {
        *https = false;
        rest = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        *https = true;
        rest = url + 8;
    } else {
        return false;
    }
    char *slash = strchr(rest, '/');
    static char root[] = "/";
    *path = root;
    if (slash) {
        size_t len = strlen(slash);
        memmove(slash + 1, slash, len + 1); /* room for the authority's NUL */
        *slash = '\0';
        *path = slash + 1;
    }
    *authority = rest;
    return **authority != '\0';
}

/* Waits for the response and takes it; false (with `error` set) when the request failed. */
static bool await_response(future_t future, wasi_http_types_own_incoming_response_t *response, lambda_error_t *error) {
    wasi_http_types_borrow_future_incoming_response_t borrowed = wasi_http_types_borrow_future_incoming_response(future);
    wasi_io_poll_own_pollable_t ready = wasi_http_types_method_future_incoming_response_subscribe(borrowed);
    wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(ready));
    wasi_io_poll_pollable_drop_own(ready);
    wasi_http_types_result_result_own_incoming_response_error_code_void_t got;
    bool ok = wasi_http_types_method_future_incoming_response_get(borrowed, &got) && !got.is_err &&
              !got.val.ok.is_err;
    if (ok) {
        *response = got.val.ok.val.ok;
    } else {
        if (!got.is_err && got.val.ok.is_err) {
            /* The host's allow-list and address check refuse with HTTP-request-denied. */
            if (got.val.ok.val.err.tag == WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED) {
                lambda_fail(error, "Http.Denied", "the host denied the request");
            } else {
                lambda_fail(error, "Http.Error", "the request failed (wasi:http error code %d)",
                            got.val.ok.val.err.tag);
            }
            wasi_http_types_error_code_free(&got.val.ok.val.err);
        } else {
            lambda_fail(error, "Http.Error", "the response could not be taken");
        }
    }
    wasi_http_types_future_incoming_response_drop_own(future);
    return ok;
}

/* Reads the body into `body`, up to MAX_BODY bytes. */
static void read_body(wasi_http_types_own_incoming_response_t response, lambda_buf_t *body) {
    wasi_http_types_own_incoming_body_t incoming;
    if (!wasi_http_types_method_incoming_response_consume(wasi_http_types_borrow_incoming_response(response),
                                                          &incoming)) {
        return;
    }
    wasi_http_types_own_input_stream_t stream;
    if (wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(incoming), &stream)) {
        wasi_io_streams_borrow_input_stream_t borrowed = wasi_io_streams_borrow_input_stream(stream);
        while (body->len < MAX_BODY) {
            http_handler_list_u8_t chunk;
            wasi_io_streams_stream_error_t stream_error;
            if (!wasi_io_streams_method_input_stream_blocking_read(borrowed, MAX_BODY - body->len, &chunk,
                                                                   &stream_error)) {
                break; /* closed (the end), or failed */
            }
            lambda_buf_write(body, chunk.ptr, chunk.len);
            http_handler_list_u8_free(&chunk);
        }
        wasi_io_streams_input_stream_drop_own(stream);
    }
    wasi_http_types_incoming_body_drop_own(incoming);
}

static int fetch(const lambda_context_t *ctx, const char *event, size_t event_len, lambda_buf_t *response,
                 lambda_error_t *error) {
    (void)ctx;
    char url[MAX_URL];
    if (lambda_json_get_string(event, event_len, "url", url, sizeof url - 1) != 1) {
        return lambda_fail(error, "ValidationError", "the event needs a \"url\" string");
    }
    bool https;
    char *authority, *path;
    if (!split_url(url, &https, &authority, &path)) {
        return lambda_fail(error, "ValidationError", "not an http(s) URL: %s", url);
    }

    wasi_http_types_own_outgoing_request_t request =
        wasi_http_types_constructor_outgoing_request(wasi_http_types_constructor_fields());
    wasi_http_types_borrow_outgoing_request_t borrowed = wasi_http_types_borrow_outgoing_request(request);
    wasi_http_types_method_t method = {.tag = WASI_HTTP_TYPES_METHOD_GET};
    wasi_http_types_scheme_t scheme = {.tag = https ? WASI_HTTP_TYPES_SCHEME_HTTPS : WASI_HTTP_TYPES_SCHEME_HTTP};
    http_handler_string_t authority_text = {(uint8_t *)authority, strlen(authority)};
    http_handler_string_t path_text = {(uint8_t *)path, strlen(path)};
    if (!wasi_http_types_method_outgoing_request_set_method(borrowed, &method) ||
        !wasi_http_types_method_outgoing_request_set_scheme(borrowed, &scheme) ||
        !wasi_http_types_method_outgoing_request_set_authority(borrowed, &authority_text) ||
        !wasi_http_types_method_outgoing_request_set_path_with_query(borrowed, &path_text)) {
        wasi_http_types_outgoing_request_drop_own(request);
        return lambda_fail(error, "ValidationError", "the host refused the URL's parts");
    }

    future_t future;
    wasi_http_outgoing_handler_error_code_t code;
    if (!wasi_http_outgoing_handler_handle(request, NULL, &future, &code)) {
        bool denied = code.tag == WASI_HTTP_TYPES_ERROR_CODE_HTTP_REQUEST_DENIED;
        wasi_http_outgoing_handler_error_code_free(&code);
        return denied ? lambda_fail(error, "Http.Denied", "the host denied the request to %s", authority)
                      : lambda_fail(error, "Http.Error", "the request to %s could not be sent", authority);
    }
    wasi_http_types_own_incoming_response_t incoming;
    if (!await_response(future, &incoming, error)) {
        return 1;
    }
    unsigned status = wasi_http_types_method_incoming_response_status(wasi_http_types_borrow_incoming_response(incoming));
    lambda_buf_t body = {0};
    read_body(incoming, &body);
    wasi_http_types_incoming_response_drop_own(incoming);

    lambda_log(LAMBDA_INFO, "GET %s: %u, %zu bytes", url, status, body.len);
    char head[32];
    snprintf(head, sizeof head, "{\"status\":%u,\"body\":", status);
    lambda_buf_puts(response, head);
    lambda_buf_write(&body, "", 1); /* NUL-terminated for the JSON writer */
    lambda_buf_json_string(response, body.data ? body.data : "");
    lambda_buf_puts(response, "}");
    free(body.data);
    return 0;
}

LAMBDA_HANDLER(fetch)

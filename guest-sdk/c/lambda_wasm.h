/*
 * lambda_wasm.h: write AWS Lambda handlers in C for the lambda-wasm bootstrap, as a function of (context,
 * event) like in the other languages. Header-only; include it after nothing else: it includes the bindings
 * that `lambda-wasm-c bindgen <wit-dir> handler <dir>` writes (`handler.h`, with `-I<dir>`).
 *
 *     #include "lambda_wasm.h"
 *
 *     static int hello(const lambda_context_t *ctx, const char *event, size_t event_len,
 *                      lambda_buf_t *response, lambda_error_t *error) {
 *         lambda_log(LAMBDA_INFO, "event of %zu bytes", event_len);
 *         if (event_len == 0) return lambda_fail(error, "ValidationError", "empty event");
 *         lambda_buf_puts(response, "{\"request_id\":");
 *         lambda_buf_json_string(response, ctx->request_id);
 *         lambda_buf_puts(response, "}");
 *         return 0;
 *     }
 *
 *     LAMBDA_HANDLER(hello)
 *
 * - `event` is the payload, byte for byte, with a NUL after its `event_len` bytes (no JSON parsing: see
 *   `lambda_json_get_string` for the small helper the example uses).
 * - The handler writes its response to `response` and returns 0, or returns `lambda_fail(...)`: the
 *   invocation fails with that `errorType` and `errorMessage`, and a one-line stack trace naming the function,
 *   file and line of the `lambda_fail`.
 * - `lambda_log` writes a log record through the host (levels, request id, `AWS_LAMBDA_LOG_LEVEL`);
 *   `printf` to stdout also reaches the function's log.
 * - `lambda_panic` tells the host why, then traps: Lambda reports `Runtime.Panic`, the next event gets a
 *   fresh instance.
 * - Outbound HTTP: build with `build.sh --world http-handler` (the world `handler` plus `wasi:http`'s
 *   `outgoing-handler`); this header then includes `http_handler.h`, whose `wasi_http_*` functions send requests
 *   (through the host's allow-list and, with the `x-lambda-wasm-sign: aws` header, its AWS signing). The
 *   handler is written the same way in both worlds.
 */
#ifndef LAMBDA_WASM_H
#define LAMBDA_WASM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LAMBDA_WASM_HTTP
/* World `http-handler`: its bindings prefix the world's own names with `http_handler_`; the SDK below speaks of
 * `handler_` names, so they are mapped. */
#include "http_handler.h"
#define handler_context_t http_handler_context_t
#define handler_context_free http_handler_context_free
#define handler_handler_error_t http_handler_handler_error_t
#define handler_list_u8_t http_handler_list_u8_t
#define handler_list_u8_free http_handler_list_u8_free
#define handler_option_string_t http_handler_option_string_t
#define handler_string_dup http_handler_string_dup
#define handler_string_t http_handler_string_t
#define exports_handler_handle exports_http_handler_handle
#else
#include "handler.h"
#endif

/* Log levels, as the host's `level` enum. */
#define LAMBDA_TRACE LAMBDA_HANDLER_RUNTIME_LEVEL_TRACE
#define LAMBDA_DEBUG LAMBDA_HANDLER_RUNTIME_LEVEL_DEBUG
#define LAMBDA_INFO LAMBDA_HANDLER_RUNTIME_LEVEL_INFO
#define LAMBDA_WARN LAMBDA_HANDLER_RUNTIME_LEVEL_WARN
#define LAMBDA_ERROR LAMBDA_HANDLER_RUNTIME_LEVEL_ERROR

/* What Lambda says about the invocation: NUL-terminated copies, valid during the handler's call. The optional
 * ones are NULL when Lambda sent none; client_context and identity are raw JSON. */
typedef struct lambda_context {
    const char *request_id;
    uint64_t deadline_ms; /* Unix epoch milliseconds */
    const char *invoked_function_arn;
    const char *xray_trace_id;
    const char *client_context;
    const char *identity;
    const char *tenant_id;
} lambda_context_t;

/* A growing byte buffer: the response. Out of memory makes the invocation fail (the buffer remembers it). */
typedef struct lambda_buf {
    char *data;
    size_t len;
    size_t cap;
    bool out_of_memory;
} lambda_buf_t;

/* A failure: errorType, errorMessage and where it was raised (malloc'ed; the SDK frees them). */
typedef struct lambda_error {
    char *type;
    char *message;
    char *where;
} lambda_error_t;

/* The handler: 0 on success (the response is in `response`), anything else on failure (see `lambda_fail`). */
typedef int (*lambda_handler_fn)(const lambda_context_t *ctx, const char *event, size_t event_len,
                                 lambda_buf_t *response, lambda_error_t *error);

/* --- logging --- */

/* Writes one log record at `level` (LAMBDA_INFO, ...), formatted like printf. */
static inline void lambda_log(lambda_handler_runtime_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static inline void lambda_log(lambda_handler_runtime_level_t level, const char *format, ...) {
    char small[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (n < 0) return;
    char *text = small;
    if ((size_t)n >= sizeof small) {
        text = malloc((size_t)n + 1);
        if (!text) return;
        va_start(args, format);
        vsnprintf(text, (size_t)n + 1, format, args);
        va_end(args);
    }
    handler_string_t message = {(uint8_t *)text, (size_t)n};
    lambda_handler_runtime_log(level, &message);
    if (text != small) free(text);
}

/* Milliseconds left before the invocation's deadline (the host's clock); 0 once it has passed. */
static inline uint64_t lambda_remaining_time_ms(void) { return lambda_handler_runtime_remaining_time_ms(); }

/* Tells the host why, then traps: Lambda reports `Runtime.Panic` with `message`. */
static inline _Noreturn void lambda_panic(const char *message) {
    handler_string_t text = {(uint8_t *)message, strlen(message)};
    lambda_handler_runtime_record_panic(&text);
    abort();
}

/* --- the response buffer --- */

/* Appends `len` bytes. */
static inline void lambda_buf_write(lambda_buf_t *buf, const void *bytes, size_t len) {
    if (buf->out_of_memory) return;
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len) cap *= 2;
        char *data = realloc(buf->data, cap);
        if (!data) {
            buf->out_of_memory = true;
            return;
        }
        buf->data = data;
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
}

/* Appends a NUL-terminated string. */
static inline void lambda_buf_puts(lambda_buf_t *buf, const char *text) { lambda_buf_write(buf, text, strlen(text)); }

/* Appends `text` as a JSON string literal, quotes included, escaping what JSON requires. */
static inline void lambda_buf_json_string(lambda_buf_t *buf, const char *text) {
    lambda_buf_write(buf, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        char escaped[8];
        switch (*c) {
            case '"': lambda_buf_write(buf, "\\\"", 2); break;
            case '\\': lambda_buf_write(buf, "\\\\", 2); break;
            case '\n': lambda_buf_write(buf, "\\n", 2); break;
            case '\r': lambda_buf_write(buf, "\\r", 2); break;
            case '\t': lambda_buf_write(buf, "\\t", 2); break;
            default:
                if (*c < 0x20) {
                    snprintf(escaped, sizeof escaped, "\\u%04x", *c);
                    lambda_buf_write(buf, escaped, 6);
                } else {
                    lambda_buf_write(buf, c, 1);
                }
        }
    }
    lambda_buf_write(buf, "\"", 1);
}

/* --- errors --- */

static inline char *lambda__vformat(const char *format, va_list args) {
    va_list again;
    va_copy(again, args);
    int n = vsnprintf(NULL, 0, format, args);
    char *text = n < 0 ? NULL : malloc((size_t)n + 1);
    if (text) vsnprintf(text, (size_t)n + 1, format, again);
    va_end(again);
    return text;
}

static inline char *lambda__format(const char *format, ...) {
    va_list args;
    va_start(args, format);
    char *text = lambda__vformat(format, args);
    va_end(args);
    return text;
}

/* Fails the invocation with this errorType and a printf-formatted errorMessage; returns -1, for
 * `return lambda_fail(error, "ValidationError", "bad name: %s", name);`. */
#ifdef __FILE_NAME__
#define LAMBDA__FILE __FILE_NAME__
#else
#define LAMBDA__FILE __FILE__
#endif
#define lambda_fail(error, type, ...) lambda__fail((error), __func__, LAMBDA__FILE, __LINE__, (type), __VA_ARGS__)

static inline int lambda__fail(lambda_error_t *error, const char *func, const char *file, int line,
                               const char *type, const char *format, ...) __attribute__((format(printf, 6, 7)));
static inline int lambda__fail(lambda_error_t *error, const char *func, const char *file, int line,
                               const char *type, const char *format, ...) {
    free(error->type);
    free(error->message);
    free(error->where);
    va_list args;
    va_start(args, format);
    error->message = lambda__vformat(format, args);
    va_end(args);
    error->type = lambda__format("%s", type);
    error->where = lambda__format("%s (%s:%d)", func, file, line);
    return -1;
}

/* --- a minimal JSON reader --- */

/* Skips a JSON string starting at the quote `*p`; returns the position after its closing quote, or NULL. */
static inline const char *lambda__skip_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

static inline const char *lambda__skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* The value of 4 hex digits at `p`, or -1. */
static inline long lambda__hex4(const char *p, const char *end) {
    if (end - p < 4) return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

/* Appends code point `cp` as UTF-8 to out[*n]; false when it does not fit (one byte is kept for the NUL). */
static inline bool lambda__put_utf8(char *out, size_t out_size, size_t *n, long cp) {
    char bytes[4];
    size_t len;
    if (cp < 0x80) {
        bytes[0] = (char)cp;
        len = 1;
    } else if (cp < 0x800) {
        bytes[0] = (char)(0xC0 | (cp >> 6));
        bytes[1] = (char)(0x80 | (cp & 0x3F));
        len = 2;
    } else if (cp < 0x10000) {
        bytes[0] = (char)(0xE0 | (cp >> 12));
        bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (cp & 0x3F));
        len = 3;
    } else {
        bytes[0] = (char)(0xF0 | (cp >> 18));
        bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        bytes[3] = (char)(0x80 | (cp & 0x3F));
        len = 4;
    }
    if (*n + len + 1 > out_size) return false;
    memcpy(out + *n, bytes, len);
    *n += len;
    return true;
}

/*
 * Finds the member `key` of the top-level JSON object in `json` (not of nested objects) and, when its value is
 * a string, copies it into `out`, unescaped (\uXXXX and surrogate pairs as UTF-8) and NUL-terminated, up to
 * `out_size - 1` bytes. A small reader for small events, not a validating parser.
 * Returns 1 when found as a string, 0 when absent, -1 when present but not a string, -2 when `json` is not an
 * object (or is cut short), -3 when the string does not fit.
 */
static inline int lambda_json_get_string(const char *json, size_t len, const char *key, char *out, size_t out_size) {
    const char *p = json, *end = json + len;
    size_t key_len = strlen(key);
    p = lambda__skip_space(p, end);
    if (p >= end || *p != '{') return -2;
    int depth = 0;
    bool expect_key = false;
    for (; p < end; p++) {
        char c = *p;
        if (c == '{' || c == '[') {
            depth++;
            expect_key = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',') {
            expect_key = depth == 1;
        } else if (c == '"') {
            const char *start = p + 1, *after = lambda__skip_string(p, end);
            if (!after) return -2;
            bool is_key = expect_key;
            expect_key = false;
            p = after - 1;
            if (!is_key || (size_t)(after - 1 - start) != key_len || memcmp(start, key, key_len) != 0) continue;
            const char *v = lambda__skip_space(after, end);
            if (v >= end || *v != ':') return -2;
            v = lambda__skip_space(v + 1, end);
            if (v >= end || *v != '"') return -1;
            size_t n = 0;
            for (v++; v < end && *v != '"'; v++) {
                long cp = (unsigned char)*v;
                if (cp == '\\' && v + 1 < end) {
                    v++;
                    switch (*v) {
                        case 'b': cp = '\b'; break;
                        case 'f': cp = '\f'; break;
                        case 'n': cp = '\n'; break;
                        case 'r': cp = '\r'; break;
                        case 't': cp = '\t'; break;
                        case 'u':
                            cp = lambda__hex4(v + 1, end);
                            if (cp < 0) return -2;
                            v += 4;
                            if (cp >= 0xD800 && cp < 0xDC00 && end - v > 6 && v[1] == '\\' && v[2] == 'u') {
                                long low = lambda__hex4(v + 3, end);
                                if (low >= 0xDC00 && low < 0xE000) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                                    v += 6;
                                }
                            }
                            break;
                        default: cp = (unsigned char)*v; /* \" \\ \/ */
                    }
                    if (!lambda__put_utf8(out, out_size, &n, cp)) return -3;
                    continue;
                }
                if (n + 2 > out_size) return -3;
                out[n++] = (char)cp;
            }
            if (out_size) out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* --- the export --- */

static inline char *lambda__cstr(const handler_string_t *s) {
    char *copy = malloc(s->len + 1);
    if (!copy) lambda_panic("out of memory copying the context");
    memcpy(copy, s->ptr, s->len);
    copy[s->len] = '\0';
    return copy;
}

static inline char *lambda__opt_cstr(const handler_option_string_t *s) {
    return s->is_some ? lambda__cstr(&s->val) : NULL;
}

static inline void lambda__set_string(handler_string_t *out, char *text, const char *fallback) {
    if (text) {
        out->ptr = (uint8_t *)text;
        out->len = strlen(text);
    } else {
        handler_string_dup(out, fallback);
    }
}

/* What `LAMBDA_HANDLER(fn)` exports as `handle`: converts the context and event, calls `fn`, hands its
 * response or error to the host (which frees them after the call), and frees the arguments. */
static inline bool lambda__handle(lambda_handler_fn fn, handler_context_t *wit_ctx, handler_list_u8_t *event,
                                  handler_list_u8_t *ret, handler_handler_error_t *err) {
    lambda_context_t ctx = {
        .request_id = lambda__cstr(&wit_ctx->request_id),
        .deadline_ms = wit_ctx->deadline_ms,
        .invoked_function_arn = lambda__cstr(&wit_ctx->invoked_function_arn),
        .xray_trace_id = lambda__opt_cstr(&wit_ctx->xray_trace_id),
        .client_context = lambda__opt_cstr(&wit_ctx->client_context),
        .identity = lambda__opt_cstr(&wit_ctx->cognito_identity),
        .tenant_id = lambda__opt_cstr(&wit_ctx->tenant_id),
    };
    handler_context_free(wit_ctx);
    /* The event with a NUL after it, so that string functions can read it. */
    char *text = malloc(event->len + 1);
    if (!text) lambda_panic("out of memory copying the event");
    if (event->len) memcpy(text, event->ptr, event->len);
    text[event->len] = '\0';
    size_t text_len = event->len;
    handler_list_u8_free(event);

    lambda_buf_t response = {0};
    lambda_error_t error = {0};
    int status = fn(&ctx, text, text_len, &response, &error);
    if (status == 0 && response.out_of_memory) {
        status = lambda_fail(&error, "Runtime.OutOfMemory", "the response did not fit in memory");
    }
    free(text);
    free((void *)ctx.request_id);
    free((void *)ctx.invoked_function_arn);
    free((void *)ctx.xray_trace_id);
    free((void *)ctx.client_context);
    free((void *)ctx.identity);
    free((void *)ctx.tenant_id);

    if (status == 0) {
        free(error.type);
        free(error.message);
        free(error.where);
        if (response.len == 0) {
            free(response.data);
            response.data = NULL;
        }
        ret->ptr = (uint8_t *)response.data;
        ret->len = response.len;
        return true;
    }
    free(response.data);
    lambda__set_string(&err->error_type, error.type, "Error");
    lambda__set_string(&err->error_message, error.message, "the handler failed");
    if (error.where) {
        err->stack_trace.ptr = malloc(sizeof(handler_string_t));
        if (!err->stack_trace.ptr) lambda_panic("out of memory reporting an error");
        err->stack_trace.len = 1;
        lambda__set_string(&err->stack_trace.ptr[0], error.where, "");
    } else {
        err->stack_trace.ptr = NULL;
        err->stack_trace.len = 0;
    }
    return false;
}

/* Exports `fn` (a `lambda_handler_fn`) as the component's `handle`. Use once, at file scope. A native unit test
 * that includes the handler's source defines LAMBDA_HANDLER(fn) as nothing first. */
#ifndef LAMBDA_HANDLER
#define LAMBDA_HANDLER(fn)                                                                                    \
    bool exports_handler_handle(handler_context_t *ctx, handler_list_u8_t *event, handler_list_u8_t *ret,    \
                                handler_handler_error_t *err) {                                               \
        return lambda__handle((fn), ctx, event, ret, err);                                                    \
    }
#endif

#endif /* LAMBDA_WASM_H */

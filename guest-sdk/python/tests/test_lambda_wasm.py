"""Unit tests of the SDK in plain CPython, with the host's stand-ins: `python3 -m unittest discover -s tests`."""

import json
import logging
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import lambda_wasm  # noqa: E402
from lambda_wasm import Context, InvocationError, LambdaError, ResponseStream, StreamError  # noqa: E402
from lambda_wasm import _host, errors  # noqa: E402


class ValidationError(Exception):
    pass


class Typed(Exception):
    error_type = "Custom.Type"


def echo(event, context):
    return {"event": event, "request_id": context.request_id}


def failing(event, context):
    def inner():
        raise ValidationError(event["fail"])

    inner()


class FakeWitContext:
    request_id = "req-1"
    deadline_ms = 42
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    xray_trace_id = "Root=1"
    client_context = None
    cognito_identity = '{"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "us-east-1:pool"}'
    tenant_id = "tenant"


class ContextObjectsTest(unittest.TestCase):
    def test_client_context_has_the_aws_runtimes_attribute_names(self):
        raw = json.dumps({"client": {"installation_id": "i", "app_title": "t", "app_version_name": "1.0",
                                     "app_version_code": "10", "app_package_name": "p"},
                          "custom": {"k": "v"}, "env": {"platform": "ios"}})
        context = Context(client_context_json=raw)
        self.assertEqual(context.client_context.client.installation_id, "i")
        self.assertEqual(context.client_context.client.app_package_name, "p")
        self.assertEqual(context.client_context.custom, {"k": "v"})
        self.assertEqual(context.client_context.env, {"platform": "ios"})
        self.assertEqual(context.client_context_json, raw)

    def test_absent_or_malformed_headers_give_empty_objects_not_errors(self):
        context = Context()
        self.assertIsNone(context.client_context)
        self.assertIsNone(context.identity.cognito_identity_id)
        broken = Context(identity_json="{not json", client_context_json="[1]")
        self.assertIsNone(broken.identity.cognito_identity_pool_id)
        self.assertIsNone(broken.client_context.client)
        self.assertEqual(broken.identity_json, "{not json")


class HandlerTest(unittest.TestCase):
    def test_the_event_is_json_and_the_result_too(self):
        response = lambda_wasm.invoke(echo, b'{"name": "Ada"}', Context(request_id="r"))
        self.assertEqual(json.loads(response), {"event": {"name": "Ada"}, "request_id": "r"})

    def test_results_are_compact_utf8_json(self):
        self.assertEqual(lambda_wasm.invoke(lambda e, c: {"a": "é"}, b"{}"), '{"a":"é"}'.encode())
        self.assertEqual(lambda_wasm.invoke(lambda e, c: None, b"{}"), b"null")
        self.assertEqual(lambda_wasm.invoke(lambda e, c: "hi", b"{}"), b'"hi"')

    def test_bytes_pass_through(self):
        self.assertEqual(lambda_wasm.invoke(lambda e, c: b"\xff\x00", b"{}"), b"\xff\x00")
        self.assertEqual(lambda_wasm.invoke(lambda e, c: e, b"\xfe raw", raw=True), b"\xfe raw")

    def test_an_event_that_is_not_json_is_an_unmarshal_error(self):
        for event in (b"not json", b"", b"\xff"):
            with self.assertRaises(InvocationError) as caught:
                lambda_wasm.invoke(echo, event)
            self.assertEqual(caught.exception.error_type, "Runtime.UnmarshalError")
            self.assertEqual(caught.exception.stack_trace, [])

    def test_a_result_that_is_not_json_is_a_marshal_error(self):
        with self.assertRaises(InvocationError) as caught:
            lambda_wasm.invoke(lambda e, c: {"x": object()}, b"{}")
        self.assertEqual(caught.exception.error_type, "Runtime.MarshalError")

    def test_exceptions_report_their_class_message_and_frames_innermost_first(self):
        with self.assertRaises(InvocationError) as caught:
            lambda_wasm.invoke(failing, b'{"fail": "boom"}')
        error = caught.exception
        self.assertEqual((error.error_type, error.error_message), ("ValidationError", "boom"))
        self.assertIn("in inner: raise ValidationError", error.stack_trace[0])
        self.assertIn("in failing", error.stack_trace[1])
        self.assertEqual(len(error.stack_trace), 2, "the SDK's own frames are left out")

    def test_the_error_type_can_be_chosen(self):
        def typed(event, context):
            raise Typed("t")

        def lambda_error(event, context):
            raise LambdaError("ValidationError", "bad")

        self.assertEqual(self._error(typed).error_type, "Custom.Type")
        self.assertEqual(self._error(lambda_error).error_type, "ValidationError")
        self.assertEqual(self._error(lambda_error).error_message, "bad")

    def test_causes_follow_the_frames(self):
        def chained(event, context):
            try:
                {}["missing"]
            except KeyError as key_error:
                raise ValueError("no such key") from key_error

        error = self._error(chained)
        self.assertEqual(error.error_type, "ValueError")
        self.assertEqual(error.stack_trace[-1], "caused by: KeyError: 'missing'")

    def test_deep_recursions_are_collapsed(self):
        def recurse(event, context):
            def again(n):
                return again(n + 1)

            again(0)

        error = self._error(recurse)
        self.assertEqual(error.error_type, "RecursionError")
        self.assertEqual(len(error.stack_trace), 5)
        self.assertRegex(error.stack_trace[3], r"^\[previous frame repeated \d+ more times\]$")
        self.assertIn("in recurse", error.stack_trace[4])

    def test_long_traces_are_cut(self):
        frames = [f"frame {i}" for i in range(80)]
        lines = errors._collapse(frames)
        self.assertEqual(len(lines), errors.MAX_FRAMES + 1)
        self.assertEqual(lines[-1], "[30 more frames]")

    def test_an_empty_message_is_the_class_name(self):
        def bare(event, context):
            raise ValidationError()

        self.assertEqual(self._error(bare).error_message, "ValidationError")

    def test_system_exit_is_a_panic_not_an_error(self):
        def exiting(event, context):
            sys.exit(3)

        with self.assertRaises(SystemExit):
            lambda_wasm.invoke(exiting, b"{}")

    def test_the_export_converts_the_wit_context(self):
        world = lambda_wasm.handler(echo)()
        response = json.loads(world.handle(FakeWitContext(), b"1"))
        self.assertEqual(response, {"event": 1, "request_id": "req-1"})
        context = Context._from_wit(FakeWitContext())
        self.assertEqual(context.identity_json, FakeWitContext.cognito_identity)
        self.assertEqual(context.identity.cognito_identity_id, "us-east-1:abc")
        self.assertEqual(context.identity.cognito_identity_pool_id, "us-east-1:pool")
        self.assertIsNone(context.client_context)
        self.assertEqual(context.aws_request_id, "req-1")

    def test_the_export_returns_errors_as_wit_err(self):
        world = lambda_wasm.handler(failing)()
        with self.assertRaises(_host.Err) as caught:
            world.handle(FakeWitContext(), b'{"fail": "x"}')
        self.assertEqual(caught.exception.value["error_type"], "ValidationError")

    def test_async_handlers_are_refused_at_build_time(self):
        async def coroutine(event, context):
            return 1

        with self.assertRaises(TypeError):
            lambda_wasm.handler(coroutine)

    def _error(self, fn):
        with self.assertRaises(InvocationError) as caught:
            lambda_wasm.invoke(fn, b"{}")
        return caught.exception


class ContextTest(unittest.TestCase):
    def test_remaining_time_counts_down_to_the_deadline(self):
        context = Context(deadline_ms=int(time.time() * 1000) + 60_000)
        self.assertTrue(50_000 < context.remaining_time_ms() <= 60_000)
        self.assertEqual(context.get_remaining_time_in_millis() // 1000, context.remaining_time_ms() // 1000)

    def test_remaining_time_is_zero_past_the_deadline(self):
        self.assertEqual(Context().remaining_time_ms(), 0)


class StreamTest(unittest.TestCase):
    def test_generators_are_written_chunk_by_chunk(self):
        def chat(event, context, response):
            response.set_content_type("text/plain")
            yield "a"
            yield b"b"
            yield ""
            yield "é"

        out = lambda_wasm.invoke_streaming(chat, b"{}")
        self.assertEqual(out.writes, [b"a", b"b", "é".encode()])
        self.assertEqual(out.content_type, "text/plain")

    def test_handlers_can_write_and_return_nothing(self):
        def writer(event, context, response):
            response.set_http_response(201, [("set-thing", "1"), ("set-thing", "2")], ["c=1"])
            response.write(b"x" * (lambda_wasm.MAX_WRITE + 1))

        out = lambda_wasm.invoke_streaming(writer, b"{}")
        self.assertEqual([len(w) for w in out.writes], [lambda_wasm.MAX_WRITE, 1])
        self.assertEqual(out.http_response["status_code"], 201)
        self.assertEqual(out.http_response["headers"], [("set-thing", "1"), ("set-thing", "2")])
        self.assertEqual(out.http_response["cookies"], ["c=1"])

    def test_the_description_is_fixed_by_the_first_write(self):
        out = ResponseStream.collecting()
        out.write("x")
        with self.assertRaises(StreamError) as caught:
            out.set_content_type("text/html")
        self.assertEqual(caught.exception.error_type, lambda_wasm.STREAM_ERROR)

    def test_errors_raised_while_streaming_are_reported(self):
        def broken(event, context, response):
            yield "partial"
            raise ValidationError("midway")

        with self.assertRaises(InvocationError) as caught:
            lambda_wasm.invoke_streaming(broken, b"{}")
        self.assertEqual(caught.exception.error_type, "ValidationError")

    def test_the_export_writes_to_the_host_writer(self):
        class Writer:
            def __init__(self):
                self.calls = []

            def set_content_type(self, value):
                self.calls.append(("type", value))

            def write(self, data):
                self.calls.append(("write", data))

        def chat(event, context, response):
            response.set_content_type("text/plain")
            yield "hi"

        writer = Writer()
        lambda_wasm.streaming_handler(chat)().handle_stream(FakeWitContext(), b"{}", writer)
        self.assertEqual(writer.calls, [("type", "text/plain"), ("write", b"hi")])

    def test_host_refusals_are_stream_errors(self):
        class Refusing:
            def write(self, data):
                raise _host.Err("the caller is gone")

        with self.assertRaises(StreamError) as caught:
            ResponseStream(Refusing()).write("x")
        self.assertEqual(str(caught.exception), "the caller is gone")


class LogTest(unittest.TestCase):
    def test_levels_are_checked(self):
        lambda_wasm.log.log("warning", "ok")
        with self.assertRaises(ValueError):
            lambda_wasm.log.log("loud", "no")

    def test_the_logging_module_reaches_the_host(self):
        self.assertTrue(any(isinstance(h, lambda_wasm.log.LambdaLogHandler) for h in logging.getLogger().handlers))
        self.assertEqual(lambda_wasm.log._level_of(logging.CRITICAL), "ERROR")
        self.assertEqual(lambda_wasm.log._level_of(5), "TRACE")


class ErrorsTest(unittest.TestCase):
    def test_describe(self):
        try:
            raise ValidationError("m")
        except ValidationError as error:
            kind, message, trace = errors.describe(error)
        self.assertEqual((kind, message), ("ValidationError", "m"))
        self.assertIn("test_describe", trace[0])


class InvocationSetupTest(unittest.TestCase):
    """`init=` runs once with the function's environment; `_X_AMZN_TRACE_ID` is the invocation's, then gone."""

    @staticmethod
    def ctx(trace):
        import types

        return types.SimpleNamespace(
            request_id="r", deadline_ms=0, invoked_function_arn="arn", xray_trace_id=trace,
            client_context=None, cognito_identity=None, tenant_id=None,
        )

    def test_init_runs_once_and_the_trace_id_is_per_invocation(self):
        calls = []

        def setup():
            calls.append("init")

        def fn(event, context):
            calls.append(os.environ.get("_X_AMZN_TRACE_ID"))
            return event

        world = lambda_wasm.handler(fn, init=setup)()
        world.handle(self.ctx("Root=1-a"), b"{}")
        world.handle(self.ctx(None), b"{}")
        self.assertEqual(calls, ["init", "Root=1-a", None])
        self.assertNotIn("_X_AMZN_TRACE_ID", os.environ)

    def test_a_failed_init_fails_the_invocation_and_is_tried_again(self):
        attempts = []

        def setup():
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("no config yet")

        world = lambda_wasm.handler(lambda event, context: event, init=setup)()
        with self.assertRaises(Exception):
            world.handle(self.ctx(None), b"{}")
        self.assertEqual(world.handle(self.ctx(None), b"{}"), b"{}")
        self.assertEqual(len(attempts), 2)


class HttpResponseTest(unittest.TestCase):
    """The body readers of `lambda_wasm.http.Response`, on chunks cut anywhere."""

    def response(self, *chunks):
        from lambda_wasm import http

        return http.Response(200, http.Headers([("Content-Type", "text/event-stream")]), iter(chunks))

    def test_headers_are_case_insensitive(self):
        self.assertEqual(self.response().headers.get("content-type"), "text/event-stream")
        self.assertIn("CONTENT-TYPE", self.response().headers)

    def test_lines_across_chunks_and_line_ends(self):
        lines = list(self.response(b"one\r", b"\ntw", b"o\nthree\rfour").iter_lines())
        self.assertEqual(lines, ["one", "two", "three", "four"])

    def test_server_sent_events_follow_the_whatwg_rules(self):
        stream = self.response(
            b": a comment\n",
            b"event: delta\ndata: {\"t\": 1}\n\n",
            b"data: first\ndata:second\nid: 7\n\n",
            b"event: empty\n\n",
            b"data: [DONE]\n\n",
        )
        events = list(stream.iter_sse())
        self.assertEqual([(e.event, e.data) for e in events], [
            ("delta", '{"t": 1}'),
            ("message", "first\nsecond"),
            ("message", "[DONE]"),
        ])
        self.assertEqual(events[0].json(), {"t": 1})
        self.assertEqual(events[1].id, "7")

    def test_event_stream_messages_across_chunks(self):
        from lambda_wasm import eventstream

        wire = eventstream.encode({":event-type": "contentBlockDelta", ":message-type": "event"}, b'{"a":1}')
        wire += eventstream.encode({":event-type": "messageStop", ":message-type": "event"}, b"{}")
        chunks = [wire[i : i + 5] for i in range(0, len(wire), 5)]
        events = list(self.response(*chunks).iter_events())
        self.assertEqual([e.event_type for e in events], ["contentBlockDelta", "messageStop"])
        self.assertEqual(events[0].json(), {"a": 1})

    def test_event_stream_errors(self):
        from lambda_wasm import eventstream

        error = eventstream.encode(
            {":message-type": "exception", ":exception-type": "throttlingException"}, b'{"message":"slow"}'
        )
        with self.assertRaises(eventstream.EventStreamError) as raised:
            list(eventstream.events([error]))
        self.assertEqual(raised.exception.error_type, "throttlingException")
        corrupted = bytearray(eventstream.encode({":event-type": "x"}, b"payload"))
        corrupted[-6] ^= 1
        with self.assertRaises(eventstream.EventStreamError) as raised:
            list(eventstream.events([bytes(corrupted)]))
        self.assertEqual(raised.exception.error_type, "EventStream.BadChecksum")
        with self.assertRaises(eventstream.EventStreamError):
            list(eventstream.events([eventstream.encode({}, b"cut")[:-3]]))

    def test_fetch_outside_a_component_says_why(self):
        from lambda_wasm import aws, http

        with self.assertRaises(http.HttpError) as raised:
            http.fetch("https://example.com")
        self.assertIn("http-handler", str(raised.exception))
        os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = "http://127.0.0.1:8123/"
        try:
            self.assertEqual(aws.endpoint("bedrock-runtime"), "http://127.0.0.1:8123")
        finally:
            del os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"]
        os.environ["AWS_REGION"] = "eu-west-3"
        self.assertEqual(aws.endpoint("dynamodb"), "https://dynamodb.eu-west-3.amazonaws.com")


if __name__ == "__main__":
    unittest.main()

"""Unit tests: the handler run natively on a collecting stream, in plain CPython (`python3 -m unittest`)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "guest-sdk", "python", "src"))

import lambda_wasm  # noqa: E402
import app  # noqa: E402

app.TOKEN_DELAY = 0  # The pauses are for show.


class ChatTest(unittest.TestCase):
    def test_direct_invocations_get_plain_text_token_by_token(self):
        out = lambda_wasm.invoke_streaming(app.chat, b'{"prompt": "Why  stream?"}')
        body = out.body.decode()
        self.assertTrue(body.startswith('You asked: "Why stream?". Here is'), body)
        self.assertTrue(body.endswith(".\n"), body)
        self.assertEqual(out.content_type, app.CONTENT_TYPE)
        self.assertIsNone(out.http_response)
        # One write per token: the words were sent one by one.
        self.assertEqual(len(out.writes), len(app.tokens("Why stream?")))
        self.assertEqual(out.writes[1], b" asked:")

    def test_function_urls_get_an_http_response_first(self):
        event = {
            "version": "2.0",
            "rawPath": "/",
            "requestContext": {"http": {"method": "GET"}},
            "queryStringParameters": {"prompt": "hi"},
            "isBase64Encoded": False,
        }
        out = lambda_wasm.invoke_streaming(app.chat, json.dumps(event).encode())
        self.assertEqual(out.http_response["status_code"], 200)
        self.assertIn(("content-type", app.CONTENT_TYPE), out.http_response["headers"])
        self.assertTrue(out.body.startswith(b'You asked: "hi".'))

    def test_the_prompt_comes_from_the_body_too(self):
        self.assertEqual(app.prompt_of({"rawPath": "/", "body": '{"prompt": "from json"}'}), "from json")
        self.assertEqual(app.prompt_of({"body": "from text\n"}), "from text")
        self.assertEqual(app.prompt_of({"body": "AAEC", "isBase64Encoded": True}), "")

    def test_fail_raises_a_validation_error_before_any_write(self):
        with self.assertRaises(lambda_wasm.InvocationError) as caught:
            lambda_wasm.invoke_streaming(app.chat, b'{"fail": "boom"}')
        self.assertEqual(caught.exception.error_type, "ValidationError")
        self.assertEqual(caught.exception.error_message, "boom")

    def test_fail_in_a_function_url_body_fails_too(self):
        event = {"rawPath": "/", "requestContext": {}, "body": '{"fail": "from the body"}'}
        with self.assertRaises(lambda_wasm.InvocationError) as caught:
            lambda_wasm.invoke_streaming(app.chat, json.dumps(event).encode())
        self.assertEqual(caught.exception.error_message, "from the body")


if __name__ == "__main__":
    unittest.main()

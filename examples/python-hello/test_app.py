"""Unit tests: the handler called directly, natively, in plain CPython (`python3 -m unittest`)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "guest-sdk", "python", "src"))

import lambda_wasm  # noqa: E402
from app import ValidationError, hello  # noqa: E402


class HelloTest(unittest.TestCase):
    def test_greets_by_name(self):
        response = hello({"name": "Ada"}, lambda_wasm.Context(request_id="test-request"))
        self.assertEqual(response, {"message": "Hello, Ada!", "request_id": "test-request"})

    def test_greets_the_world_without_a_name(self):
        # Decoded and encoded as the component does it, from the event's bytes.
        response = lambda_wasm.invoke(hello, b"{}")
        self.assertEqual(json.loads(response)["message"], "Hello, world!")

    def test_fail_raises_a_validation_error(self):
        with self.assertRaises(ValidationError):
            hello({"fail": "no"}, lambda_wasm.Context())
        with self.assertRaises(lambda_wasm.InvocationError) as caught:
            lambda_wasm.invoke(hello, b'{"fail": "boom"}')
        self.assertEqual(caught.exception.error_type, "ValidationError")
        self.assertEqual(caught.exception.error_message, "boom")
        self.assertIn("in hello", caught.exception.stack_trace[0])

    def test_an_event_that_is_not_json_is_refused(self):
        with self.assertRaises(lambda_wasm.InvocationError) as caught:
            lambda_wasm.invoke(hello, b"not json")
        self.assertEqual(caught.exception.error_type, lambda_wasm.UNMARSHAL_ERROR)


if __name__ == "__main__":
    unittest.main()

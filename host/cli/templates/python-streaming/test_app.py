"""Unit tests: the handler called natively, in plain CPython (`python3 -m unittest`)."""

import sys
import unittest

sys.path.insert(0, "{{sdk}}/guest-sdk/python/src")

import lambda_wasm  # noqa: E402
import app  # noqa: E402


class HandlerTest(unittest.TestCase):
    def test_streams_the_greeting(self):
        out = lambda_wasm.invoke_streaming(app.handle, b'{"name": "Ada"}')
        self.assertEqual(out.body, b"Hello, Ada!\n")


if __name__ == "__main__":
    unittest.main()

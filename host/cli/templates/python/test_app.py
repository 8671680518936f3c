"""Unit tests: the handler called natively, in plain CPython (`python3 -m unittest`)."""

import json
import sys
import unittest

sys.path.insert(0, "{{sdk}}/guest-sdk/python/src")

import lambda_wasm  # noqa: E402
import app  # noqa: E402


class HandlerTest(unittest.TestCase):
    def test_greets_by_name(self):
        response = lambda_wasm.invoke(app.handle, b'{"name": "Ada"}')
        self.assertEqual(json.loads(response)["message"], "Hello, Ada!")


if __name__ == "__main__":
    unittest.main()

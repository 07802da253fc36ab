"""User data as EC2 takes it: base64 text passes as is (or as the bytes it encodes), other text is encoded."""

from __future__ import annotations

import base64

from builds.engine.builders.amazon.common.instances import user_data_base64, user_data_bytes


def test_plain_user_data_is_encoded_and_base64_user_data_is_left_alone():
    script = "#!/bin/sh\necho hello\n"
    encoded = base64.b64encode(script.encode()).decode()

    assert user_data_base64(script) == encoded
    assert user_data_base64(encoded) == encoded


def test_run_instances_gets_the_bytes_the_instance_should_see():
    script = "#!/bin/sh\necho hello\n"
    wrapped = base64.encodebytes(script.encode()).decode()  # with line breaks, as base64(1) writes it

    assert user_data_bytes(script) == script.encode()
    assert user_data_bytes(wrapped) == script.encode()

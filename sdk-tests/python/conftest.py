import pytest

from ecsnet_sdk import SDKS, Server


@pytest.fixture(scope="session")
def server():
    """One ecsnet server for the whole session (its own port and data dir)."""
    running = Server()
    yield running
    running.stop()


@pytest.fixture(params=SDKS, ids=lambda sdk: sdk.name, scope="module")
def sdk_class(request):
    return request.param


@pytest.fixture(scope="module")
def sdk(sdk_class, server):
    return sdk_class(server.endpoint)

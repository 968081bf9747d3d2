"""An in-memory keyring backend for the service under test (PYTHON_KEYRING_BACKEND=memkeyring.MemoryKeyring).

It stands for the OS keyring (Windows Credential Locker, macOS Keychain, Secret Service) that a test
machine does not have; the service cannot tell the difference, which is the point.
"""

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1
    _store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self._store.get((service, username))

    def set_password(self, service, username, password):
        self._store[(service, username)] = password

    def delete_password(self, service, username):
        self._store.pop((service, username), None)

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from surveys.clients import describe_client


@given(st.ip_addresses())
def test_a_client_address_is_kept_as_its_24_or_48_bit_network(address):
    network = ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 48}", strict=False)
    assert describe_client(str(address), None, None).ip == str(network.network_address)

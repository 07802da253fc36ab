"""IP network functions: cidrhost, cidrnetmask, cidrsubnet, cidrsubnets."""

from __future__ import annotations

from ..types import NUMBER, STRING
from .base import FunctionError, Param, define, to_int


def _parse_cidr(text: str, arg_index: int | None = None):
    """Return (network address as int, prefix length, address bits) of a CIDR prefix like Go's ParseCIDR."""
    import ipaddress

    if "/" not in text:
        raise FunctionError(f"invalid CIDR expression: invalid CIDR address: {text}", arg_index)
    address, _, prefix = text.partition("/")
    try:
        if not prefix.isdigit() or (len(prefix) > 1 and prefix.startswith("0")):
            raise ValueError(text)
        network = ipaddress.ip_network(f"{address}/{int(prefix)}", strict=False)
    except ValueError:
        raise FunctionError(f"invalid CIDR expression: invalid CIDR address: {text}", arg_index) from None
    return int(network.network_address), network.prefixlen, network.max_prefixlen


def _address(value: int, bits: int) -> str:
    import ipaddress

    return str(ipaddress.IPv4Address(value) if bits == 32 else ipaddress.IPv6Address(value))


@define("cidrhost", Param("prefix", STRING), Param("hostnum", NUMBER))
def cidrhost(ctx, prefix, hostnum):
    """The address of host number ``hostnum`` in the prefix (negative numbers count from the end)."""
    number = to_int(hostnum)
    base, length, bits = _parse_cidr(prefix)
    host_bits = bits - length
    max_host = (1 << host_bits) - 1
    offset = number
    if number < 0:
        offset = max_host - (-number - 1)
    if offset > max_host or offset < 0:
        raise FunctionError(f"prefix of {length} does not accommodate a host numbered {number}")
    return _address(base + offset, bits)


@define("cidrnetmask", Param("prefix", STRING))
def cidrnetmask(ctx, prefix):
    """The netmask of an IPv4 prefix in dotted-decimal form."""
    _, length, bits = _parse_cidr(prefix)
    mask = ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1)
    return _address(mask, bits)


@define("cidrsubnet", Param("prefix", STRING), Param("newbits", NUMBER), Param("netnum", NUMBER))
def cidrsubnet(ctx, prefix, newbits, netnum):
    """Subnet number ``netnum`` of the prefix extended by ``newbits`` bits."""
    extra, number = to_int(newbits), to_int(netnum)
    base, length, bits = _parse_cidr(prefix)
    if extra > 32:
        raise FunctionError("may not extend prefix by more than 32 bits")
    if extra < 0:
        raise FunctionError("may not extend prefix by a negative number of bits", 1)
    new_length = length + extra
    if new_length > bits:
        raise FunctionError(f"insufficient address space to extend prefix of {length} by {extra}")
    if number < 0 or number > (1 << extra) - 1:
        raise FunctionError(f"prefix extension of {extra} does not accommodate a subnet numbered {number}")
    return f"{_address(base | (number << (bits - new_length)), bits)}/{new_length}"


@define("cidrsubnets", Param("prefix", STRING), variadic=Param("newbits", NUMBER))
def cidrsubnets(ctx, prefix, *newbits):
    """Consecutive subnets of the prefix, one for each number of additional bits."""
    base, length, bits = _parse_cidr(prefix, 0)
    if not newbits:
        return []
    protocol = "IPv4" if bits == 32 else "IPv6"
    full = (1 << bits) - 1

    def to_length(index: int) -> int:
        try:
            return to_int(newbits[index])
        except FunctionError as exc:
            raise FunctionError(exc.message, index + 1) from None

    first = to_length(0) + length
    size = 1 << (bits - first) if length < first <= bits else 1  # bad lengths are reported in the loop
    current_start, current_length = (base - size) & full, first
    network_last = base | ((1 << (bits - length)) - 1)
    results = []
    for index in range(len(newbits)):
        extra = to_length(index)
        if extra < 1:
            raise FunctionError("must extend prefix by at least one bit", index + 1)
        if extra > 32:
            raise FunctionError("may not extend prefix by more than 32 bits", index + 1)
        new_length = extra + length
        if new_length > bits:
            raise FunctionError(
                f"would extend prefix to {new_length} bits, which is too long for an {protocol} address", index + 1
            )
        current_last = current_start | ((1 << (bits - current_length)) - 1)
        host_mask = (1 << (bits - new_length)) - 1
        containing_last = (current_last & ~host_mask & full) | host_mask
        following = (containing_last + 1) & full
        next_start = following & ~host_mask & full
        if following == 0 or not base <= next_start <= network_last:
            raise FunctionError(
                f"not enough remaining address space for a subnet with a prefix of {new_length} bits after "
                f"{_address(current_start, bits)}/{current_length}",
                index + 1,
            )
        current_start, current_length = next_start, new_length
        results.append(f"{_address(current_start, bits)}/{current_length}")
    return results

"""Tests for the IP network functions, with the examples of Packer's documentation."""

import pytest


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("cidrhost", ("10.12.112.0/20", 16), "10.12.112.16"),
        ("cidrhost", ("10.12.112.0/20", 268), "10.12.113.12"),
        ("cidrhost", ("fd00:fd12:3456:7890:00a2::/72", 34), "fd00:fd12:3456:7890::22"),
        ("cidrhost", ("10.0.0.0/30", -1), "10.0.0.3"),
        ("cidrhost", ("10.1.2.3/8", 1), "10.0.0.1"),
        ("cidrnetmask", ("172.16.0.0/12",), "255.240.0.0"),
        ("cidrnetmask", ("10.0.0.0/32",), "255.255.255.255"),
        ("cidrsubnet", ("172.16.0.0/12", 4, 2), "172.18.0.0/16"),
        ("cidrsubnet", ("10.1.2.0/24", 4, 15), "10.1.2.240/28"),
        ("cidrsubnet", ("fd00:fd12:3456:7890::/56", 16, 162), "fd00:fd12:3456:7800:a200::/72"),
        ("cidrsubnets", ("10.1.0.0/16", 4, 4, 8, 4), ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
        ("cidrsubnets", ("fd00:fd12:3456:7890::/56", 16, 16, 16, 32), [
            "fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88",
        ]),
        ("cidrsubnets", ("10.0.0.0/8",), []),
    ],
)
def test_network_functions_compute_as_documented(call, name, args, expected):
    assert call(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("cidrhost", ("10.0.0.0/30", 5),
         ('Call to function "cidrhost" failed: prefix of 30 does not accommodate a host numbered 5.', None)),
        ("cidrhost", ("10.0.0.0", 1),
         ('Call to function "cidrhost" failed: invalid CIDR expression: invalid CIDR address: 10.0.0.0.', None)),
        ("cidrsubnet", ("10.0.0.0/8x", 1, 1),
         ('Call to function "cidrsubnet" failed: invalid CIDR expression: invalid CIDR address: 10.0.0.0/8x.', None)),
        ("cidrsubnet", ("10.0.0.0/30", 3, 0),
         ('Call to function "cidrsubnet" failed: insufficient address space to extend prefix of 30 by 3.', None)),
        ("cidrsubnet", ("10.0.0.0/24", 2, 4),
         ('Call to function "cidrsubnet" failed: prefix extension of 2 does not accommodate a subnet numbered 4.', None)),
        ("cidrsubnet", ("fd00::/56", 33, 0),
         ('Call to function "cidrsubnet" failed: may not extend prefix by more than 32 bits.', None)),
        ("cidrsubnets", ("10.0.0.0/30", 1, 1, 1), (
            'Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix '
            "of 31 bits after 10.0.0.2/31.",
            3,
        )),
        ("cidrsubnets", ("10.0.0.0/24", 0),
         ('Invalid value for "newbits" parameter: must extend prefix by at least one bit.', 1)),
        ("cidrsubnets", ("10.0.0.0/24", 9), (
            'Invalid value for "newbits" parameter: would extend prefix to 33 bits, which is too long for an IPv4 '
            "address.",
            1,
        )),
        ("cidrsubnets", ("nonsense", 1),
         ('Invalid value for "prefix" parameter: invalid CIDR expression: invalid CIDR address: nonsense.', 0)),
    ],
)
def test_network_function_errors_match_packer(call_error, name, args, expected):
    assert call_error(name, *args) == expected

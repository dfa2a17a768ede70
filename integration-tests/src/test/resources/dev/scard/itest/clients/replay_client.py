#!/usr/bin/env python3
"""A PC/SC application written with pyscard that sends given APDUs to a card and prints what it answers.

Usage: replay_client.py <reader> <command hex>...

Prints "atr: <hex>", "protocol: T0|T1", then "<command>: <response hex>" for each command (or the return code by
name), through pcscd. dev.scard.itest.clients.ReplayClientTest compares the responses with a replayed trace's.
"""
import sys

from smartcard import scard as s

NAMES = {}
for _name in sorted(dir(s)):
    if _name.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_", "SCARD_P_")) or _name == "SCARD_S_SUCCESS":
        _value = getattr(s, _name)
        if isinstance(_value, int):
            NAMES.setdefault(_value & 0xFFFFFFFF, _name)


def name(hresult):
    return NAMES.get(hresult & 0xFFFFFFFF, "0x%08X" % (hresult & 0xFFFFFFFF))


def hexed(data):
    return "".join("%02X" % b for b in data)


def main():
    reader = sys.argv[1]
    hresult, context = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    if hresult != s.SCARD_S_SUCCESS:
        print("establish context: %s" % name(hresult))
        return 1
    hresult, handle, protocol = s.SCardConnect(context, reader, s.SCARD_SHARE_SHARED,
                                               s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1)
    if hresult != s.SCARD_S_SUCCESS:
        print("connect: %s" % name(hresult))
        return 1
    hresult, _reader, _state, _protocol, atr = s.SCardStatus(handle)
    print("atr: %s" % (hexed(atr) if hresult == s.SCARD_S_SUCCESS else name(hresult)))
    print("protocol: %s" % {s.SCARD_PROTOCOL_T0: "T0", s.SCARD_PROTOCOL_T1: "T1"}.get(protocol, str(protocol)))
    for command in sys.argv[2:]:
        hresult, response = s.SCardTransmit(handle, protocol, list(bytes.fromhex(command)))
        print("%s: %s" % (command, hexed(response) if hresult == s.SCARD_S_SUCCESS else name(hresult)), flush=True)
    s.SCardDisconnect(handle, s.SCARD_LEAVE_CARD)
    s.SCardReleaseContext(context)
    return 0


if __name__ == "__main__":
    sys.exit(main())

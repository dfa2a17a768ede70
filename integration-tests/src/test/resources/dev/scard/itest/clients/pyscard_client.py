#!/usr/bin/env python3
"""A PC/SC application written with pyscard (python3-pyscard), driving the simulator's cards through pcscd.

Usage: pyscard_client.py <reader with the sample card> <reader with a T=0 card>

Prints one line per step, "<step>: <result>", where a result is a PC/SC return code by name (SCARD_E_...), a
protocol, or the response of an APDU as "<data hex> <SW>". dev.scard.itest.clients.PyscardTest checks every line.
Steps: connections in each share mode, transmit, each disposition of SCardDisconnect and SCardReconnect and what
another connection sees of a reset, and the T=0 exchange of a case-4 command (61xx, GET RESPONSE, 6Cxx).
"""
import sys

from smartcard import scard as s

NAMES = {}
for _name in sorted(dir(s)):
    if _name.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_", "SCARD_P_")) or _name == "SCARD_S_SUCCESS":
        _value = getattr(s, _name)
        if isinstance(_value, int):
            NAMES.setdefault(_value & 0xFFFFFFFF, _name)
PROTOCOLS = {s.SCARD_PROTOCOL_T0: "T0", s.SCARD_PROTOCOL_T1: "T1", 0: "undefined"}
BOTH = s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1

SELECT_AID = "00A4040C0CA000000063504B43532D3135"
SELECT_MF = "00A4000C023F00"
VERIFY_01 = "002000010431323334"  # PIN 01, "1234"
SELECT_4402 = "00A4080C0450154402"  # readable after PIN 01
READ_32 = "00B0000020"


def name(hresult):
    return NAMES.get(hresult & 0xFFFFFFFF, "0x%08X" % (hresult & 0xFFFFFFFF))


def out(step, result):
    print("%s: %s" % (step, result), flush=True)


class Card:
    """One connection: SCardConnect's handle and protocol."""

    def __init__(self, context, reader, share, protocols):
        self.hresult, self.handle, protocol = s.SCardConnect(context, reader, share, protocols)
        self.protocol = protocol if self.hresult == s.SCARD_S_SUCCESS else None

    def connected(self):
        """The protocol's name, or the connect's return code by name."""
        if self.hresult != s.SCARD_S_SUCCESS:
            return name(self.hresult)
        return PROTOCOLS.get(self.protocol, str(self.protocol))

    def transmit(self, apdu_hex):
        """'<data> <SW>' of the answer, or the return code by name."""
        hresult, response = s.SCardTransmit(self.handle, self.protocol, list(bytes.fromhex(apdu_hex)))
        if hresult != s.SCARD_S_SUCCESS:
            return name(hresult)
        data = "".join("%02X" % b for b in response)
        return (data[:-4] + " " + data[-4:]).strip()

    def sw(self, apdu_hex):
        """The status word only (or the return code by name)."""
        return self.transmit(apdu_hex).split(" ")[-1]

    def read_4402(self):
        self.transmit(SELECT_4402)
        return self.sw(READ_32)

    def reconnect(self, share, protocols, disposition):
        hresult, protocol = s.SCardReconnect(self.handle, share, protocols, disposition)
        if hresult == s.SCARD_S_SUCCESS:
            self.protocol = protocol
        return name(hresult)

    def disconnect(self, disposition):
        return name(s.SCardDisconnect(self.handle, disposition))


def main(sample_reader, t0_reader):
    hresult, context = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    out("establish context", name(hresult))
    hresult, readers = s.SCardListReaders(context, [])
    out("readers", "both" if sample_reader in readers and t0_reader in readers else "missing in %s" % readers)

    # shared: two connections at once
    a = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("connect shared", a.connected())
    hresult, reader, state, protocol, atr = s.SCardStatus(a.handle)
    out("status", "%s %s %s" % (name(hresult), PROTOCOLS.get(protocol), "".join("%02X" % b for b in atr)))
    b = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("second shared", b.connected())
    out("shared transmit", a.transmit(SELECT_AID))
    out("second transmit", b.transmit("00A4080C0450155031") + " / " + b.transmit("00B0000010"))
    # exclusive: refused while others are connected, and refuses others
    out("exclusive while shared", Card(context, sample_reader, s.SCARD_SHARE_EXCLUSIVE, BOTH).connected())
    out("disconnect second", b.disconnect(s.SCARD_LEAVE_CARD))
    out("disconnect first", a.disconnect(s.SCARD_LEAVE_CARD))
    x = Card(context, sample_reader, s.SCARD_SHARE_EXCLUSIVE, BOTH)
    out("connect exclusive", x.connected())
    out("shared while exclusive", Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH).connected())
    out("exclusive transmit", x.transmit(SELECT_MF))
    out("disconnect exclusive", x.disconnect(s.SCARD_LEAVE_CARD))
    # direct: a connection to the reader, no protocol
    d = Card(context, sample_reader, s.SCARD_SHARE_DIRECT, 0)
    out("connect direct", d.connected())
    out("disconnect direct", d.disconnect(s.SCARD_LEAVE_CARD))

    # dispositions: what the card remembers (PIN 01 verified) after each
    a = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("verify", a.sw(SELECT_MF) + " " + a.sw(VERIFY_01))
    out("read after verify", a.read_4402())
    out("disconnect leave", a.disconnect(s.SCARD_LEAVE_CARD))
    a = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("read after leave", a.read_4402())
    out("disconnect reset", a.disconnect(s.SCARD_RESET_CARD))
    a = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("read after reset", a.read_4402())
    a.sw(SELECT_MF)
    a.sw(VERIFY_01)
    out("disconnect unpower", a.disconnect(s.SCARD_UNPOWER_CARD))
    a = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("read after unpower", a.read_4402())
    a.sw(SELECT_MF)
    a.sw(VERIFY_01)
    out("reconnect leave", a.reconnect(s.SCARD_SHARE_SHARED, BOTH, s.SCARD_LEAVE_CARD))
    out("read after reconnect leave", a.read_4402())
    # a reset by one connection: the other's next call says so, once; its reconnect goes on
    b = Card(context, sample_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("reconnect reset", a.reconnect(s.SCARD_SHARE_SHARED, BOTH, s.SCARD_RESET_CARD))
    out("read after reconnect reset", a.read_4402())
    out("other after reset", b.transmit(SELECT_MF))
    out("other reconnect", b.reconnect(s.SCARD_SHARE_SHARED, BOTH, s.SCARD_LEAVE_CARD))
    out("other transmit", b.transmit(SELECT_MF))
    out("disconnect other", b.disconnect(s.SCARD_LEAVE_CARD))
    out("disconnect reset again", a.disconnect(s.SCARD_RESET_CARD))

    # T=0: a case-4 command goes as case 3, the card answers 61xx, the data comes with GET RESPONSE
    t = Card(context, t0_reader, s.SCARD_SHARE_SHARED, BOTH)
    out("T=0 connect", t.connected())
    out("T=0 select with FCP", t.transmit("00A40000023F00"))
    announced = t.sw("00A40000023F00")
    first = t.transmit("00C0000010")
    out("T=0 get response 16", first)
    rest = first.split(" ")[-1]
    second = t.transmit("00C00000" + rest[2:]) if rest.startswith("61") else "no 61xx"
    out("T=0 get response rest", second)
    fcp = first.split(" ")[0] + second.split(" ")[0]
    out("T=0 FCP", "%s %d bytes, announced %s" % (fcp[:2], len(fcp) // 2, announced))
    out("T=0 nothing pending", t.transmit("00C0000010"))
    out("T=0 select record file", t.transmit("00A4020C020101"))
    out("T=0 read record short Le", t.transmit("00B2010404"))
    out("T=0 read record", t.transmit("00B2010408"))
    out("T=0 disconnect", t.disconnect(s.SCARD_RESET_CARD))

    out("release context", name(s.SCardReleaseContext(context)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

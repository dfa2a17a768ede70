package dev.scard.simulator.internal;

import java.util.HexFormat;

import javax.smartcardio.Card;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.TerminalFactory;

/**
 * Run in a JVM of its own by {@link PcscdVpcdTest} after pcscd restarted (javax.smartcardio keeps one PC/SC context
 * per JVM that dies with the daemon): waits up to 5 s for a card in the reader, sends one APDU and prints
 * {@code present <ATR> <response>}, or {@code absent} / {@code no reader}.
 */
public final class PcscProbe {

    private PcscProbe() {
    }

    public static void main(String[] args) throws Exception {
        HexFormat hex = HexFormat.of().withUpperCase();
        CardTerminal terminal = TerminalFactory.getDefault().terminals().getTerminal(args[0]);
        if (terminal == null) {
            System.out.println("no reader");
            return;
        }
        if (!terminal.waitForCardPresent(5000)) {
            System.out.println("absent");
            return;
        }
        Card card = terminal.connect("*");
        byte[] response = card.getBasicChannel().transmit(new CommandAPDU(hex.parseHex(args[1]))).getBytes();
        System.out.println("present " + hex.formatHex(card.getATR().getBytes()) + " " + hex.formatHex(response));
        card.disconnect(false);
    }
}

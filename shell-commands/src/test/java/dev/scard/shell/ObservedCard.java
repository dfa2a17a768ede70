package dev.scard.shell;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.scard.api.CardStatus;
import dev.scard.api.ISCardManage;

/**
 * A small test card model over the sample card: it observes every APDU that reaches the card, whether the shell
 * sends it through the attached manager or the card services through their attachment view, and can play a card
 * found in the field that has no LIST FILES ({@code 80 16} answered {@code 6D00}, instruction not supported) or
 * answers SELECT with the status word alone (no FCP).
 */
final class ObservedCard {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** Every command that reached the card, in hex, in order. */
    final List<String> apdus = new ArrayList<>();
    /** The ATR the card reports (upper-case hex) instead of the sample card's, to be another card model; or null. */
    volatile String atr;
    /** How long the card takes per APDU, in milliseconds (a slow card); 0 by default. */
    volatile long delayMillis;
    /** Whether the card answers LIST FILES; false plays a card without it. */
    volatile boolean listFiles = true;
    /** Whether SELECT answers only its status word (no FCP), as many cards in the field do. */
    volatile boolean noFcp;
    private final Map<ISCardManage, ISCardManage> views = new IdentityHashMap<>();

    /** The same wrapper for the same manager or view, as the card services expect one view per attachment. */
    synchronized ISCardManage wrap(ISCardManage target) {
        return views.computeIfAbsent(target, t -> (ISCardManage) Proxy.newProxyInstance(
                ObservedCard.class.getClassLoader(), new Class<?>[] {ISCardManage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("transmit")) {
                        byte[] command = (byte[]) args[0];
                        String hex = HEX.formatHex(command);
                        synchronized (this) {
                            apdus.add(hex);
                        }
                        if (delayMillis > 0) {
                            try {
                                Thread.sleep(delayMillis);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt(); // the exchange completes; the caller sees the flag
                            }
                        }
                        if (!listFiles && hex.startsWith("8016")) {
                            return new byte[] {0x6D, 0x00};
                        }
                        if (noFcp && hex.startsWith("00A4")) {
                            byte[] answer = (byte[]) invoke(t, method, args);
                            return answer.length > 2 ? Arrays.copyOfRange(answer, answer.length - 2, answer.length)
                                    : answer;
                        }
                    }
                    if (method.getName().equals("status") && atr != null) {
                        CardStatus real = (CardStatus) method.invoke(t, args);
                        return new CardStatus(real.state(), real.protocol(), real.readerName(), HEX.parseHex(atr));
                    }
                    if (method.getName().equals("equals")) {
                        return proxy == args[0];
                    }
                    if (method.getName().equals("hashCode")) {
                        return System.identityHashCode(proxy);
                    }
                    return invoke(t, method, args);
                }));
    }

    private static Object invoke(ISCardManage target, java.lang.reflect.Method method, Object[] args)
            throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** How many commands reached the card so far. */
    synchronized int count() {
        return apdus.size();
    }
}

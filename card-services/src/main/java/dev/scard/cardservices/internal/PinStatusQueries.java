package dev.scard.cardservices.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What has been learned about how cards answer the PIN status query, the empty VERIFY ({@code 00 20 00 P2}, no
 * data) that ISO 7816-4 defines as "tell the verification state, count nothing": per card model (its ATR) and PIN
 * reference ({@code P2}), for as long as this bundle runs; the {@link #MAX_CARDS} most recently used entries are
 * kept. Cards in the field do not all follow ISO here: some count an empty VERIFY as a wrong PIN (and answer
 * {@code 6300} with no counter, or {@code 63Cx} one lower each time), so the status query is sent only to a card
 * model that has shown that it answers it without counting ({@link IsoVerify} describes the rule).
 *
 * <p>Thread-safe.
 */
final class PinStatusQueries {

    /** The most card models and references remembered. */
    static final int MAX_CARDS = 64;

    /** How a card model answers the empty VERIFY for a reference. */
    enum Behaviour {
        /** It answered {@code 9000}, or the same {@code 63Cx} twice: it does not count the query. */
        ANSWERS,
        /** It answered {@code 6300} without a counter, or a lower {@code 63Cx} than just before: it may count it. */
        COUNTS
    }

    private static final Map<String, Behaviour> KNOWN = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Behaviour> eldest) {
            return size() > MAX_CARDS;
        }
    };

    private PinStatusQueries() {
    }

    private static String key(String atr, int p2) {
        return atr + "/" + Integer.toHexString(p2);
    }

    /** What is known of the card model with this ATR (upper-case hex) for reference {@code p2}; null: nothing. */
    static Behaviour known(String atr, int p2) {
        synchronized (KNOWN) {
            return KNOWN.get(key(atr, p2));
        }
    }

    /** Records how the card model answered; {@link Behaviour#COUNTS} is never overwritten by a later answer. */
    static void learned(String atr, int p2, Behaviour behaviour) {
        synchronized (KNOWN) {
            String key = key(atr, p2);
            if (KNOWN.get(key) != Behaviour.COUNTS) {
                KNOWN.put(key, behaviour);
            }
        }
    }

    /** Forgets everything (tests). */
    static void clear() {
        synchronized (KNOWN) {
            KNOWN.clear();
        }
    }
}

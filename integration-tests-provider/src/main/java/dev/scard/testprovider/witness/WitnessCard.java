package dev.scard.testprovider.witness;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A card model that watches what reaches it, for the reliability tests: clients send proprietary commands that
 * carry their client id, and the card counts the commands that should not have reached it.
 *
 * <ul>
 * <li>{@code 80 10 00 00 01 <id>}: "client {@code id} took the lock". A violation when another client is the
 * owner.</li>
 * <li>{@code 80 11 00 00 01 <id>}: "client {@code id} releases the lock". A violation when {@code id} is not the
 * owner. The card has no owner afterwards.</li>
 * <li>{@code 80 12 00 00 05 <id> <seq:4> [Le]}: traffic. A violation when a client other than {@code id} is the
 * owner. Under {@link Protocol#T1} the answer is the five data bytes and {@code 9000}; under {@link Protocol#T0}
 * it is {@code 6105}, and the next command, a GET RESPONSE ({@code xx C0 00 00 05}), gets the five data bytes and
 * {@code 9000}. A GET RESPONSE that does not follow a traffic command gets {@code 6985}.</li>
 * </ul>
 * Anything else gets {@code 6D00}. The card answers, never throws, and its counters may be read at any time.
 */
public final class WitnessCard implements SimulatedCard {

    /** The CLA of the witness commands. */
    public static final byte CLA = (byte) 0x80;
    /** "I took the lock". */
    public static final byte INS_TAKE = 0x10;
    /** "I release the lock". */
    public static final byte INS_RELEASE = 0x11;
    /** Traffic carrying the client id and a sequence number. */
    public static final byte INS_TRAFFIC = 0x12;
    /** The data length of a traffic command (id and a 4-byte sequence number). */
    public static final int TRAFFIC_DATA = 5;

    private static final byte[] ATR_T1 = {0x3B, (byte) 0x80, (byte) 0x80, 0x01, 0x01};
    private static final byte[] ATR_T0 = {0x3B, 0x02, 0x14, 0x50};
    private static final int NO_OWNER = -1;

    private final Protocol protocol;
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private volatile String firstViolation;
    private int owner = NO_OWNER;
    private byte[] pending;

    /**
     * A witness card.
     *
     * @param protocol {@link Protocol#T0} (traffic answered with 61xx and GET RESPONSE) or {@link Protocol#T1}
     */
    public WitnessCard(Protocol protocol) {
        if (protocol != Protocol.T0 && protocol != Protocol.T1) {
            throw new IllegalArgumentException("a witness card speaks T0 or T1, not " + protocol);
        }
        this.protocol = protocol;
    }

    /** A traffic command for client {@code id} with sequence number {@code seq} (case 4 with Le). */
    public static byte[] traffic(int id, int seq) {
        return new byte[] {CLA, INS_TRAFFIC, 0, 0, TRAFFIC_DATA, (byte) id, (byte) (seq >>> 24), (byte) (seq >>> 16),
                (byte) (seq >>> 8), (byte) seq, TRAFFIC_DATA};
    }

    /** The response a traffic command must get: its own five data bytes and {@code 9000}. */
    public static byte[] expectedResponse(byte[] traffic) {
        byte[] response = Arrays.copyOfRange(traffic, 5, 5 + TRAFFIC_DATA + 2);
        response[TRAFFIC_DATA] = (byte) 0x90;
        response[TRAFFIC_DATA + 1] = 0x00;
        return response;
    }

    /** "Client {@code id} took the lock". */
    public static byte[] take(int id) {
        return new byte[] {CLA, INS_TAKE, 0, 0, 1, (byte) id};
    }

    /** "Client {@code id} releases the lock". */
    public static byte[] release(int id) {
        return new byte[] {CLA, INS_RELEASE, 0, 0, 1, (byte) id};
    }

    @Override
    public byte[] atr() {
        return (protocol == Protocol.T0 ? ATR_T0 : ATR_T1).clone();
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public synchronized void reset() {
        owner = NO_OWNER;
        pending = null;
    }

    /** How many commands reached the card. */
    public long commands() {
        return commands.get();
    }

    /** How many commands reached the card while another client held the lock. */
    public long violations() {
        return violations.get();
    }

    /** The first violation, described, or null. */
    public String firstViolation() {
        return firstViolation;
    }

    /** Forgets the counters and the owner. */
    public synchronized void clear() {
        commands.set(0);
        violations.set(0);
        firstViolation = null;
        owner = NO_OWNER;
        pending = null;
    }

    @Override
    public synchronized byte[] process(byte[] command) {
        commands.incrementAndGet();
        byte[] last = pending;
        pending = null;
        if (command == null || command.length < 4) {
            return sw(0x6700);
        }
        if (command[1] == (byte) 0xC0) {
            if (last == null) {
                return sw(0x6985);
            }
            return withSw(last);
        }
        if (command[0] != CLA) {
            return sw(0x6E00);
        }
        switch (command[1]) {
            case INS_TAKE:
                if (command.length < 6) {
                    return sw(0x6700);
                }
                int taker = command[5] & 0xFF;
                if (owner != NO_OWNER && owner != taker) {
                    violation("client " + taker + " took the lock while client " + owner + " held it");
                }
                owner = taker;
                return sw(0x9000);
            case INS_RELEASE:
                if (command.length < 6) {
                    return sw(0x6700);
                }
                int releaser = command[5] & 0xFF;
                if (owner != releaser) {
                    violation("client " + releaser + " released a lock held by " + (owner == NO_OWNER ? "nobody"
                            : "client " + owner));
                }
                owner = NO_OWNER;
                return sw(0x9000);
            case INS_TRAFFIC:
                if (command.length < 5 + TRAFFIC_DATA) {
                    return sw(0x6700);
                }
                int sender = command[5] & 0xFF;
                if (owner != NO_OWNER && owner != sender) {
                    violation("client " + sender + " sent traffic while client " + owner + " held the lock");
                }
                byte[] data = Arrays.copyOfRange(command, 5, 5 + TRAFFIC_DATA);
                if (protocol == Protocol.T0) {
                    pending = data;
                    return sw(0x6100 | TRAFFIC_DATA);
                }
                return withSw(data);
            default:
                return sw(0x6D00);
        }
    }

    private void violation(String what) {
        if (violations.getAndIncrement() == 0) {
            firstViolation = what;
        }
    }

    private static byte[] withSw(byte[] data) {
        byte[] response = Arrays.copyOf(data, data.length + 2);
        response[data.length] = (byte) 0x90;
        return response;
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >>> 8), (byte) sw};
    }

    @Override
    public String toString() {
        return "WitnessCard[" + protocol + ", " + commands() + " commands, " + violations() + " violations]";
    }
}

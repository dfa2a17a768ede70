package dev.scard.cardservices.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;

/**
 * Thousands of calls with malformed and random arguments (seeded: {@code -Dcardservices.seed=N} repeats a run)
 * against the sample card: every failure is an {@link SCardException} with a well-formed one-line message that
 * contains no code passed as a PIN, nothing else is thrown, and afterwards the card holds what it held, except
 * where the sample card lets anybody change it, and the interfaces still work.
 */
class RandomizedCallsTest {
    private static final int CALLS = 6000;
    private static final String[] KNOWN = {"3F00", "5015", "4401", "4402", "4403", "4404", "2F00", "2F01", "5131",
        "5132", "5133", "..", "FFFF", "3FFF", "0000", "6000", "4410"};
    private static final char[] JUNK = "0123456789ABCDEFabcdefxyz/:.. \t\n\u0000\u00e9\u4e2d-_*aidsf".toCharArray();

    private final Random random = new Random(Long.getLong("cardservices.seed", 20261121L));

    private String path() {
        switch (random.nextInt(12)) {
            case 0:
                return null;
            case 1:
                return "aid:" + hex(random.nextInt(20));
            case 2:
                return "sfi:" + Integer.toHexString(random.nextInt(40));
            case 3:
                return junk(random.nextInt(30));
            case 4:
                return random.nextBoolean() ? "" : "x".repeat(random.nextInt(2000));
            case 5:
                return "aid:" + SampleCard.AID;
            default:
                StringBuilder path = new StringBuilder();
                int parts = 1 + random.nextInt(5);
                for (int i = 0; i < parts; i++) {
                    if (i > 0) {
                        path.append(random.nextInt(20) == 0 ? "//" : "/");
                    }
                    path.append(random.nextInt(4) == 0 ? hex(2) : KNOWN[random.nextInt(KNOWN.length)]);
                }
                return path.toString();
        }
    }

    private String hex(int bytes) {
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        return HexFormat.of().formatHex(data);
    }

    private String junk(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(JUNK[random.nextInt(JUNK.length)]);
        }
        return text.toString();
    }

    private RefType refType() {
        int pick = random.nextInt(RefType.values().length + 1);
        return pick == RefType.values().length ? null : RefType.values()[pick];
    }

    private Set<SCardFlag> flags() {
        if (random.nextInt(30) == 0) {
            return null;
        }
        EnumSet<SCardFlag> flags = EnumSet.noneOf(SCardFlag.class);
        for (SCardFlag flag : SCardFlag.values()) {
            if (random.nextInt(flag == SCardFlag.SECURE_MESSAGING ? 40 : 8) == 0) {
                flags.add(flag);
            }
        }
        return flags;
    }

    private byte[] bytes() {
        switch (random.nextInt(10)) {
            case 0:
                return null;
            case 1:
                return new byte[0];
            case 2:
                return new byte[40000 + random.nextInt(30000)];
            default:
                byte[] data = new byte[random.nextInt(300)];
                random.nextBytes(data);
                return data;
        }
    }

    /** A code that is never one of the sample card's real PINs or PUKs (so the protected files stay protected). */
    private byte[] wrongCode() {
        byte[] code = bytes();
        if (code != null && code.length > 0) {
            code[0] = (byte) 0xFE;
        }
        return code;
    }

    private int number() {
        return switch (random.nextInt(5)) {
            case 0 -> -1 - random.nextInt(1000);
            case 1 -> random.nextInt();
            case 2 -> random.nextInt(40);
            default -> random.nextInt(300);
        };
    }

    private List<Tlv> tlvs() {
        if (random.nextInt(15) == 0) {
            return null;
        }
        List<Tlv> list = new ArrayList<>();
        int n = random.nextInt(5);
        int[] tags = {0x80, 0x81, 0x82, 0x83, 0x84, 0x88, 0x8A, 0xA1, 0x62, 0x1F, 0x9F7F, 0x42};
        for (int i = 0; i < n; i++) {
            int tag = tags[random.nextInt(tags.length)];
            list.add(random.nextInt(10) == 0 ? Tlv.missing(tag) : Tlv.of(tag, Arrays.copyOf(new byte[] {1, 0x41, 0, 16},
                    random.nextInt(6))));
        }
        return list;
    }

    @Test
    void malformedCallsFailCleanlyAndLeaveTheCardConsistent() {
        try (SampleCard card = new SampleCard()) {
            ISCardFileAccess files = card.manager().createFileAccess();
            ISCardVerify pins = card.manager().createCHVerification();
            ISCardAuth auth = card.manager().createCardAuth();
            List<Long> handles = new ArrayList<>();
            int[] failures = new int[1];
            int directories = 0;
            for (int i = 0; i < CALLS; i++) {
                int op = random.nextInt(24);
                if (op == 23 && directories++ > 2) {
                    op = 0;
                }
                long handle = handles.isEmpty() || random.nextInt(5) == 0 ? random.nextLong() % 1000
                        : handles.get(random.nextInt(handles.size()));
                byte[] secret = wrongCode();
                String call = "call " + i + " (op " + op + ")";
                try {
                    switch (op) {
                        case 0 -> files.changeDir(refType(), path());
                        case 1, 2, 3 -> handles.add(files.open(refType(), path()));
                        case 4 -> files.close(handle);
                        case 5, 6 -> files.read(handle, number(), flags());
                        case 7 -> files.write(handle, bytes(), flags());
                        case 8 -> files.seek(handle, random.nextInt(5) == 0 ? null
                                : SeekOrigin.values()[random.nextInt(3)], random.nextLong() % 70000);
                        case 9 -> files.getProperties(refType(), path(), flags(), random.nextInt(4) == 0 ? null
                                : new int[] {number(), 0x80});
                        case 10 -> files.getFileCapabilities(tlvs(), flags());
                        case 11 -> files.setProperties(refType(), path(), tlvs(), flags());
                        case 12 -> files.create(refType(), path(), tlvs(), flags(), bytes());
                        case 13 -> files.delete(refType(), path(), flags());
                        case 14 -> files.invalidate(path(), flags());
                        case 15 -> files.rehabilitate(path(), flags());
                        case 16 -> pins.verify(secret, flags(), number());
                        case 17 -> pins.changeCode(secret, wrongCode(), flags(), number());
                        case 18 -> pins.unblock(secret, wrongCode(), flags(), number());
                        case 19 -> pins.resetSecurityState(flags());
                        case 20 -> auth.getChallenge(number(), number(), bytes());
                        case 21 -> auth.appAuth(number(), bytes(), bytes());
                        case 22 -> auth.userAuth(number(), bytes(), secret);
                        default -> files.directory(random.nextInt(9) == 0 ? null
                                : FileType.values()[random.nextInt(FileType.values().length)]);
                    }
                } catch (SCardException e) {
                    failures[0]++;
                    String message = e.getMessage();
                    assertThat(message).as(call).doesNotContain("\n", "\r")
                            .endsWith("[" + e.code().name() + " " + e.code().hex() + "]");
                    assertThat(e.code()).as(call + ": " + message).isNotIn(HResult.SCARD_E_UNEXPECTED,
                            HResult.SCARD_F_INTERNAL_ERROR, HResult.SCARD_F_COMM_ERROR, HResult.E_FAIL);
                    if (secret != null && secret.length >= 6) {
                        assertThat(message).as(call).doesNotContain(HexFormat.of().formatHex(secret),
                                HexFormat.of().withUpperCase().formatHex(secret),
                                new String(secret, StandardCharsets.ISO_8859_1));
                    }
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(call + " threw " + e + " (seed "
                            + Long.getLong("cardservices.seed", 20261121L) + ")", e);
                }
            }
            assertThat(failures[0]).as("most random calls fail").isGreaterThan(CALLS / 2);
            assertCardConsistent(card, files);
        }
    }

    /** What nobody could change without PIN 01 or key 01 is as the profile made it; the rest is well-formed. */
    private static void assertCardConsistent(SampleCard card, ISCardFileAccess used) {
        ISCardFileAccess files = card.manager().createFileAccess();
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        files.changeDir(RefType.BY_NAME, "aid:" + SampleCard.AID);
        assertThat(files.directory(FileType.ALL_FILES))
                .containsExactly("4401", "4402", "4403", "4404", "4421", "4422", "5031", "5032", "5131", "5132",
                        "5133");
        long big = files.open(RefType.BY_ANY, "4401");
        byte[] all = files.read(big, 0, SCardFlag.NONE);
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i]).as("byte %d of 4401", i).isEqualTo((byte) i);
        }
        assertThat(files.read(files.open(RefType.BY_ID, "3F00/2F01"), 0, SCardFlag.NONE))
                .isEqualTo(SampleCard.padded("SCard simulator sample card", 64));
        assertThat(files.read(files.open(RefType.BY_ANY, "4404"), 0, SCardFlag.NONE))
                .isEqualTo(SampleCard.ascii("auth key 01 data"));
        long fixed = files.open(RefType.BY_ANY, "5131");
        for (int record = 1; record <= 5; record++) {
            assertThat(files.read(fixed, 0, SCardFlag.NONE)).isEqualTo(SampleCard.padded("fixed record " + record, 16));
        }
        for (String fid : new String[] {"5132", "5133"}) {
            List<Tlv> fcp = files.getProperties(RefType.BY_ANY, fid, SCardFlag.NONE, 0x82, 0x8A);
            byte[] descriptor = fcp.get(0).value();
            int count = descriptor[4] & 0xFF;
            assertThat(count).as(fid + " records").isBetween(fid.equals("5132") ? 3 : 0, fid.equals("5132") ? 3 : 8);
            if (fcp.get(1).value()[0] == 0x05) {
                long handle = files.open(RefType.BY_ANY, fid);
                for (int record = 0; record < count; record++) {
                    assertThat(files.read(handle, 0, SCardFlag.NONE).length).isBetween(1, fid.equals("5132") ? 8 : 32);
                }
            }
        }
        for (String path : new String[] {"3F00/2F00", "3F00/2F01", "3F00/5015", "3F00/5015/4401", "3F00/5015/4402",
            "3F00/5015/4403", "3F00/5015/4404", "3F00/5015/5131"}) {
            assertThat(files.getProperties(RefType.BY_ID, path, SCardFlag.NONE, 0x8A))
                    .as(path + " is active").containsExactly(Tlv.of(0x8A, new byte[] {5}));
        }
        // the interface that took all the abuse still works
        used.changeDir(RefType.BY_ID, "3F00");
        assertThat(used.getCurrentDir()).isEqualTo("3F00");
        assertThat(used.read(used.open(RefType.BY_ID, "3F00/5015/4401"), 3, SCardFlag.NONE)).containsExactly(0, 1, 2);
    }
}

package dev.scard.shell;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;

/**
 * A card at the level of the card-service API, in memory, shaped like the simulator's sample card: MF 3F00 with
 * EF.DIR 2F00 (linear variable), 2F01 (transparent text), DF 5015 (named) with 4401 (300 bytes, i mod 256),
 * 4402 (read after PIN 1), 4404 (transparent), 5031 (linear fixed 5 x 16, SFI hex 11), 5032 (cyclic 3 x 8); global
 * PIN 1 "1234" (PUK "12345678"), local PIN 0x81 "0000"; AES key 1.
 *
 * <p>Its failures carry the status word in their message ({@code SW 6982}), as a service would, and the wrong-PIN
 * failures deliberately carry the PIN too, so the tests can prove that the shell never shows a service's text for
 * them. Records every call in {@link #calls}.
 */
final class FakeCard {

    static final byte[] KEY = bytes("000102030405060708090A0B0C0D0E0F");
    static final byte[] DF_NAME = bytes("A000000063504B43532D3135");

    /** A file: DF or EF. */
    static final class Node {
        final String fid;
        final Node parent;
        final boolean df;
        final Map<String, Node> children = new LinkedHashMap<>();
        /** 1 transparent, 2 linear fixed, 4 linear variable, 6 cyclic. */
        int structure;
        byte[] data = new byte[0];
        final List<byte[]> records = new ArrayList<>();
        int recordSize;
        int maxRecords;
        int sfi = -1;
        byte[] name;
        /** 0 always, -1 never, else the PIN reference (0x81 local) it needs. */
        int read;
        int update;
        boolean deactivated;

        Node(String fid, Node parent, boolean df) {
            this.fid = fid;
            this.parent = parent;
            this.df = df;
            if (parent != null) {
                parent.children.put(fid, this);
            }
        }

        String path() {
            return parent == null ? fid : parent.path() + "/" + fid;
        }

        List<Tlv> fcp() {
            List<Tlv> list = new ArrayList<>();
            if (df) {
                list.add(Tlv.of(0x82, new byte[] {0x38}));
            } else if (structure == 1) {
                list.add(Tlv.of(0x82, new byte[] {0x01}));
            } else {
                list.add(Tlv.of(0x82, new byte[] {(byte) structure, 0x21, 0x00, (byte) recordSize,
                    (byte) (structure == 4 ? records.size() : maxRecords)}));
            }
            list.add(Tlv.of(0x83, bytes(fid)));
            if (!df && structure == 1) {
                list.add(Tlv.of(0x80, new byte[] {(byte) (data.length >> 8), (byte) data.length}));
            }
            if (name != null) {
                list.add(Tlv.of(0x84, name));
            }
            if (sfi > 0) {
                list.add(Tlv.of(0x88, new byte[] {(byte) (sfi << 3)}));
            }
            list.add(Tlv.of(0x8A, new byte[] {(byte) (deactivated ? 0x04 : 0x05)}));
            if (!df) {
                list.add(Tlv.of(0x8C, new byte[] {0x03, (byte) condition(update), (byte) condition(read)}));
            }
            return list;
        }

        private static int condition(int rule) {
            return rule == 0 ? 0x00 : rule < 0 ? 0xFF : 0x10 | (rule & 0x0F);
        }
    }

    /** A PIN with its retry counter and PUK. */
    static final class Pin {
        byte[] code;
        final byte[] puk;
        int tries = 3;
        int pukTries = 10;
        boolean verified;

        Pin(String code, String puk) {
            this.code = code.getBytes(StandardCharsets.US_ASCII);
            this.puk = puk.getBytes(StandardCharsets.US_ASCII);
        }
    }

    final Node mf = new Node("3F00", null, true);
    final Map<Integer, Pin> pins = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    /** The FCP entries of the last Create. */
    List<Tlv> created;
    byte[] lastChallenge;
    /** When set, creating the services fails with this code (as when no provider serves the card). */
    HResult createFailure;
    /** When set, GetProperties fails with this code. */
    HResult propertiesFailure;

    FakeCard() {
        Node dir = new Node("2F00", mf, false);
        dir.structure = 4;
        dir.recordSize = 32;
        dir.records.add(bytes("610E4F0CA000000063504B43532D3135"));
        Node text = new Node("2F01", mf, false);
        text.structure = 1;
        text.data = Arrays.copyOf("SCard simulator sample card".getBytes(StandardCharsets.US_ASCII), 64);
        text.update = 1;
        Node app = new Node("5015", mf, true);
        app.name = DF_NAME;
        Node big = new Node("4401", app, false);
        big.structure = 1;
        big.data = new byte[300];
        for (int i = 0; i < big.data.length; i++) {
            big.data[i] = (byte) i;
        }
        Node secret = new Node("4402", app, false);
        secret.structure = 1;
        secret.data = "the secret of PIN 1, 32 bytes!!!".getBytes(StandardCharsets.US_ASCII);
        secret.read = 1;
        secret.update = 1;
        Node small = new Node("4404", app, false);
        small.structure = 1;
        small.data = new byte[16];
        Node fixed = new Node("5031", app, false);
        fixed.structure = 2;
        fixed.recordSize = 16;
        fixed.maxRecords = 5;
        fixed.sfi = 0x11;
        fixed.update = 1;
        for (int r = 1; r <= 5; r++) {
            byte[] record = new byte[16];
            Arrays.fill(record, (byte) (0x10 * r));
            fixed.records.add(record);
        }
        Node cyclic = new Node("5032", app, false);
        cyclic.structure = 6;
        cyclic.recordSize = 8;
        cyclic.maxRecords = 3;
        for (int r = 1; r <= 3; r++) {
            cyclic.records.add(new byte[8]);
        }
        pins.put(0x01, new Pin("1234", "12345678"));
        pins.put(0x81, new Pin("0000", "00000000"));
    }

    /** A new set of services for one attachment of the manager; they fail once it is detached. */
    View view(ISCardManage manager) {
        if (createFailure != null) {
            throw new SCardException(createFailure, "no provider for this card");
        }
        return new View(manager);
    }

    private static SCardException sw(HResult code, String detail) {
        return new SCardException(code, detail);
    }

    /** The services of one attachment: current directory, open files, and the card's state. */
    final class View implements ISCardFileAccess, ISCardVerify, ISCardAuth {
        private final ISCardManage manager;
        private Node current = mf;
        private final Map<Long, long[]> open = new HashMap<>();
        private final Map<Long, Node> openNodes = new HashMap<>();
        private long nextHandle = 1;

        View(ISCardManage manager) {
            this.manager = manager;
        }

        private void alive(String call) {
            if (!manager.isAttached()) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the manager is detached");
            }
            calls.add(call);
        }

        // ----------------------------------------------------------------------------------- file access

        private Node resolve(String path) {
            if (path == null || path.isEmpty()) {
                throw new SCardException(HResult.E_INVALIDARG, "empty path");
            }
            if (path.regionMatches(true, 0, "aid:", 0, 4)) {
                byte[] name = bytes(path.substring(4));
                Node df = mf.children.get("5015");
                if (Arrays.equals(name, df.name)) {
                    return df;
                }
                throw sw(HResult.SCARD_E_FILE_NOT_FOUND, "no DF named " + path.substring(4) + ": SW 6A82");
            }
            if (path.regionMatches(true, 0, "sfi:", 0, 4)) {
                int sfi = Integer.parseInt(path.substring(4), 16);
                for (Node n : current.children.values()) {
                    if (n.sfi == sfi) {
                        return n;
                    }
                }
                throw sw(HResult.SCARD_E_FILE_NOT_FOUND, "no file with SFI " + sfi + ": SW 6A82");
            }
            Node node = current;
            String[] parts = path.split("/");
            int start = 0;
            if (parts[0].equalsIgnoreCase("3F00")) {
                node = mf;
                start = 1;
            }
            for (int i = start; i < parts.length; i++) {
                String part = parts[i].toUpperCase();
                if (part.equals("..")) {
                    node = node.parent == null ? node : node.parent;
                    continue;
                }
                if (!part.matches("[0-9A-F]{4}")) {
                    throw new SCardException(HResult.E_INVALIDARG, "bad path '" + path + "'");
                }
                Node next = node.children.get(part);
                if (next == null) {
                    throw sw(HResult.SCARD_E_FILE_NOT_FOUND, "file " + path + " not found: SW 6A82");
                }
                node = next;
            }
            return node;
        }

        private void access(Node node, int rule, String what) {
            if (rule == 0) {
                return;
            }
            Pin pin = rule < 0 ? null : pins.get(rule);
            if (pin == null || !pin.verified) {
                throw sw(HResult.SCARD_E_NO_ACCESS, what + " of " + node.fid + " refused: SW 6982");
            }
        }

        @Override
        public void changeDir(RefType refType, String newDir) {
            alive("changeDir " + refType + " " + newDir);
            Node node = resolve(newDir);
            if (!node.df) {
                throw new SCardException(HResult.SCARD_E_NO_DIR, newDir + " is not a directory");
            }
            current = node;
        }

        @Override
        public void close(long fileHandle) {
            alive("close " + fileHandle);
            if (open.remove(fileHandle) == null) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "unknown file handle " + fileHandle);
            }
            openNodes.remove(fileHandle);
        }

        @Override
        public void create(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags,
                byte[] initialData) {
            alive("create " + refType + " " + pathSpec);
            access(current, 1, "CREATE FILE");
            if (current.children.containsKey(pathSpec)) {
                throw sw(HResult.E_FAIL, "file " + pathSpec + " exists: SW 6A89");
            }
            created = List.copyOf(properties);
            int fdb = -1;
            int size = 0;
            byte[] descriptor = null;
            for (Tlv t : properties) {
                if (t.tag() == 0x82) {
                    descriptor = t.value();
                    fdb = descriptor[0] & 0xFF;
                } else if (t.tag() == 0x80) {
                    size = (t.value()[0] & 0xFF) << 8 | t.value()[1] & 0xFF;
                }
            }
            Node node = new Node(pathSpec, current, fdb == 0x38);
            if (!node.df) {
                node.structure = fdb & 7;
                if (node.structure == 1) {
                    node.data = new byte[size];
                } else {
                    node.recordSize = descriptor[3] & 0xFF;
                    node.maxRecords = descriptor[4] & 0xFF;
                    if (node.structure != 4) {
                        for (int r = 0; r < node.maxRecords; r++) {
                            node.records.add(new byte[node.recordSize]);
                        }
                    }
                }
            }
        }

        @Override
        public void delete(RefType refType, String pathSpec, Set<SCardFlag> flags) {
            alive("delete " + refType + " " + pathSpec + " " + flags);
            Node node = resolve(pathSpec);
            access(node.parent, 1, "DELETE FILE");
            if (node.df && !node.children.isEmpty() && !flags.contains(SCardFlag.RECURSIVE)) {
                throw new SCardException(HResult.E_FAIL, "DF " + pathSpec + " is not empty");
            }
            node.parent.children.remove(node.fid);
        }

        @Override
        public List<String> directory(FileType fileType) {
            alive("directory " + fileType);
            List<String> names = new ArrayList<>();
            for (Node n : current.children.values()) {
                if (fileType == FileType.ALL_FILES || (fileType == FileType.DIRECTORIES) == n.df) {
                    names.add(n.fid);
                }
            }
            return names;
        }

        @Override
        public String getCurrentDir() {
            alive("getCurrentDir");
            return current.path();
        }

        @Override
        public List<Tlv> getFileCapabilities(List<Tlv> query, Set<SCardFlag> flags) {
            throw new SCardException(HResult.E_NOTIMPL, null);
        }

        @Override
        public List<Tlv> getProperties(RefType refType, String pathSpec, Set<SCardFlag> flags, int... tags) {
            alive("getProperties " + refType + " " + pathSpec);
            if (propertiesFailure != null) {
                throw new SCardException(propertiesFailure, null);
            }
            return resolve(pathSpec).fcp();
        }

        @Override
        public void invalidate(String pathSpec, Set<SCardFlag> flags) {
            alive("invalidate " + pathSpec);
            resolve(pathSpec).deactivated = true;
        }

        @Override
        public long open(RefType refType, String pathSpec) {
            alive("open " + refType + " " + pathSpec);
            Node node = resolve(pathSpec);
            if (node.df) {
                throw new SCardException(HResult.SCARD_E_NO_FILE, pathSpec + " is a directory");
            }
            long handle = nextHandle++;
            open.put(handle, new long[] {0});
            openNodes.put(handle, node);
            return handle;
        }

        private Node node(long handle) {
            Node node = openNodes.get(handle);
            if (node == null) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "unknown file handle " + handle);
            }
            if (node.deactivated) {
                throw sw(HResult.SCARD_E_NO_ACCESS, "file " + node.fid + " is deactivated: SW 6985");
            }
            return node;
        }

        @Override
        public byte[] read(long fileHandle, int bytesToRead, Set<SCardFlag> flags) {
            alive("read " + fileHandle + " " + bytesToRead);
            Node node = node(fileHandle);
            access(node, node.read, "READ");
            long[] position = open.get(fileHandle);
            int pos = (int) position[0];
            if (node.structure == 1) {
                if (pos >= node.data.length) {
                    throw new SCardException(HResult.SCARD_W_EOF, "end of file");
                }
                int n = Math.min(bytesToRead, node.data.length - pos);
                position[0] += n;
                return Arrays.copyOfRange(node.data, pos, pos + n);
            }
            if (pos >= node.records.size()) {
                throw new SCardException(HResult.SCARD_W_EOF, "no record " + (pos + 1) + ": SW 6A83");
            }
            position[0]++;
            byte[] record = node.records.get(pos);
            return bytesToRead == 0 ? record.clone() : Arrays.copyOf(record, Math.min(bytesToRead, record.length));
        }

        @Override
        public void rehabilitate(String pathSpec, Set<SCardFlag> flags) {
            alive("rehabilitate " + pathSpec);
            resolve(pathSpec).deactivated = false;
        }

        @Override
        public long seek(long fileHandle, SeekOrigin origin, long offset) {
            alive("seek " + fileHandle + " " + origin + " " + offset);
            Node node = node(fileHandle);
            long end = node.structure == 1 ? node.data.length : node.records.size();
            if (origin != SeekOrigin.FROM_BEGINNING || offset < 0 || offset > end) {
                throw new SCardException(HResult.SCARD_E_BAD_SEEK, "position " + offset + " is outside the file");
            }
            open.get(fileHandle)[0] = offset;
            return offset;
        }

        @Override
        public void setProperties(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags) {
            throw new SCardException(HResult.E_NOTIMPL, null);
        }

        @Override
        public void write(long fileHandle, byte[] data, Set<SCardFlag> flags) {
            alive("write " + fileHandle + " " + hex(data));
            Node node = node(fileHandle);
            access(node, node.update, "UPDATE");
            long[] position = open.get(fileHandle);
            int pos = (int) position[0];
            if (node.structure == 1) {
                if (pos + data.length > node.data.length) {
                    throw sw(HResult.SCARD_E_WRITE_TOO_MANY, "write past the end of " + node.fid + ": SW 6A84");
                }
                System.arraycopy(data, 0, node.data, pos, data.length);
                position[0] += data.length;
                return;
            }
            if (node.structure == 2 && data.length != node.recordSize) {
                throw sw(HResult.E_INVALIDARG, "record of " + data.length + " bytes: SW 6700");
            }
            if (pos < node.records.size()) {
                node.records.set(pos, data.clone());
            } else {
                node.records.add(data.clone());
            }
        }

        // ------------------------------------------------------------------------------------------ verify

        private Pin pin(Set<SCardFlag> flags, int ref) {
            Pin pin = pins.get(flags.contains(SCardFlag.IHV_LOCAL) ? ref | 0x80 : ref);
            if (pin == null) {
                throw sw(HResult.E_INVALIDARG, "no PIN " + ref + ": SW 6A88");
            }
            return pin;
        }

        /** Checks a code; a wrong one costs a try and fails with a message that (wrongly) holds it. */
        private void check(Pin pin, byte[] code) {
            if (pin.tries == 0) {
                throw new SCardException(HResult.SCARD_W_CHV_BLOCKED, "PIN blocked: SW 6983");
            }
            if (!Arrays.equals(pin.code, code)) {
                pin.tries--;
                pin.verified = false;
                throw new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong PIN '"
                        + new String(code, StandardCharsets.UTF_8) + "' (" + hex(code) + ")", pin.tries,
                        null);
            }
            pin.tries = 3;
            pin.verified = true;
        }

        @Override
        public void changeCode(byte[] oldCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
            alive("changeCode " + ref + " " + flags);
            Pin pin = pin(flags, ref);
            check(pin, oldCode);
            pin.code = newCode.clone();
        }

        @Override
        public void resetSecurityState() {
            alive("resetSecurityState");
            pins.values().forEach(p -> p.verified = false);
        }

        @Override
        public void resetSecurityState(Set<SCardFlag> flags) {
            resetSecurityState();
        }

        @Override
        public void unblock(byte[] unblockingCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
            alive("unblock " + ref + " " + flags + (newCode == null ? " keep" : " new"));
            Pin pin = pin(flags, ref);
            if (!Arrays.equals(pin.puk, unblockingCode)) {
                pin.pukTries--;
                throw new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong PUK "
                        + new String(unblockingCode, StandardCharsets.UTF_8), pin.pukTries, null);
            }
            pin.tries = 3;
            if (newCode != null) {
                pin.code = newCode.clone();
            }
        }

        @Override
        public void verify(byte[] code, Set<SCardFlag> flags, int ref) {
            alive("verify " + ref + " " + flags);
            Pin pin = pin(flags, ref);
            if (flags.contains(SCardFlag.IHV_CHECKONLY)) {
                if (pin.tries == 0) {
                    // cards answer a blocked PIN's state either way: 6983, or 63C0 (the local PIN here)
                    if (flags.contains(SCardFlag.IHV_LOCAL)) {
                        throw new SCardException(HResult.SCARD_W_WRONG_CHV, "SW 63C0", 0, null);
                    }
                    throw new SCardException(HResult.SCARD_W_CHV_BLOCKED, "PIN blocked: SW 6983");
                }
                if (!pin.verified) {
                    throw new SCardException(HResult.SCARD_W_WRONG_CHV, "not verified: SW 63C" + pin.tries,
                            pin.tries, null);
                }
                return;
            }
            if (code.length > 8) {
                throw new SCardException(HResult.E_INVALIDARG, "PIN " + hex(code) + " too long");
            }
            check(pin, code);
        }

        // -------------------------------------------------------------------------------------------- auth

        @Override
        public void appAuth(int algoId, byte[] param, byte[] data) {
            alive("appAuth " + algoId + " " + hex(param) + " " + hex(data));
            if (lastChallenge == null) {
                throw sw(HResult.SCARD_E_NO_ACCESS, "no challenge before EXTERNAL AUTHENTICATE: SW 6985");
            }
            byte[] expected = aes(lastChallenge);
            lastChallenge = null;
            if (!Arrays.equals(expected, data)) {
                throw sw(HResult.SCARD_W_SECURITY_VIOLATION, "cryptogram rejected: SW 6300");
            }
        }

        @Override
        public byte[] getChallenge(int algoId, int length, byte[] param) {
            alive("getChallenge " + algoId + " " + length);
            byte[] challenge = new byte[length];
            for (int i = 0; i < length; i++) {
                challenge[i] = (byte) (0xA0 + i);
            }
            lastChallenge = length == 16 ? challenge.clone() : null;
            return challenge;
        }

        @Override
        public byte[] iccAuth(int algoId, byte[] param, byte[] data) {
            alive("iccAuth " + algoId + " " + hex(param) + " " + hex(data));
            if (param.length != 1 || param[0] != 1) {
                throw sw(HResult.E_INVALIDARG, "no key " + hex(param) + ": SW 6A88");
            }
            if (data.length != 16) {
                throw sw(HResult.E_INVALIDARG, "data of " + data.length + " bytes: SW 6700");
            }
            return aes(data);
        }

        @Override
        public byte[] userAuth(int algoId, byte[] param, byte[] data) {
            throw new SCardException(HResult.E_NOTIMPL, null);
        }
    }

    static byte[] bytes(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] bytes) {
        return java.util.HexFormat.of().withUpperCase().formatHex(bytes);
    }

    /** AES-128-ECB of one block with {@link #KEY}. */
    static byte[] aes(byte[] block) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"));
            return cipher.doFinal(block);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}

package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * The PIN commands clear every buffer that held a code: the {@code char[]} the prompt answered, and the
 * {@code byte[]} they handed the card service, on success and on failure; and no code reaches a message or the
 * output. The prompt is a stand-in that hands out fresh arrays and keeps them, the card service one that keeps the
 * arrays it was given and fails with a message that holds the code, as a careless service might.
 */
class PinSecretWipingTest {

    private static final String PIN = "4711";
    private static final String NEW_PIN = "8642";
    private static final String PUK = "13572468";

    private static final String READER = "Simulated Reader 0";

    /** A session with no variables: no console, so nothing but this test's prompt can ask for a code. */
    private final CommandSession session = (CommandSession) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {CommandSession.class}, (proxy, method, args) -> switch (method.getName()) {
                case "get" -> null;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "session";
                default -> throw new UnsupportedOperationException(method.getName());
            });
    private final Keyboard keyboard = new Keyboard();
    private final KeepingVerifier card = new KeepingVerifier();
    private PinCommands pins;

    @BeforeEach
    void setUp() {
        FakeRegistry registry = new FakeRegistry();
        FakeBackend backend = new FakeBackend("simulator", READER);
        Map<String, Object> props = Map.of(SCardServiceProperties.BACKEND, "simulator", Constants.SERVICE_RANKING, 0);
        registry.register(SCardResourceManager.class, backend, props);
        registry.registerPrototype(ISCardManage.class, backend::newManager, props);
        ScardCommands commands = new ScardCommands(registry.context);
        commands.attach(session, "", "t0,t1", new String[] {READER});
        // the attachment's verifier is this test's, made before the PIN commands ask for one
        assertThat(commands.perAttachment(session, ISCardVerify.class, manager -> card)).isSameAs(card);
        pins = new PinCommands(commands, keyboard);
    }

    @Test
    void aVerifiedPinTypedAtThePromptIsClearedEverywhere() {
        keyboard.answers.add(PIN);
        assertThat(pins.verify(session, false, false, "1")).isEqualTo("PIN 1 verified").doesNotContain(PIN);
        assertThat(keyboard.prompts).containsExactly("Enter PIN 1: ");
        assertThat(card.received).hasSize(1);
        assertAllZero();
    }

    @Test
    void aWrongPinTypedAtThePromptIsClearedAndNotInTheMessage() {
        keyboard.answers.add("9999");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(session, false, false, "1"))
                .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]");
        card.failure = HResult.SCARD_E_COMM_DATA_LOST; // a failure whose service text holds the PIN in hex
        keyboard.answers.add("9999");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(session, false, false, "1"))
                .satisfies(e -> assertThat(e.toString()).doesNotContain("9999", "39393939", "39 39 39 39"))
                .withMessageStartingWith("verify PIN 1: ");
        assertThat(card.received).hasSize(2);
        assertAllZero();
    }

    @Test
    void changeAndUnblockAtThePromptClearEveryEntry() {
        keyboard.answers.addAll(List.of(PIN, NEW_PIN, NEW_PIN));
        assertThat(pins.change(session, "1")).isEqualTo("PIN 1 changed");
        keyboard.answers.addAll(List.of(PUK, NEW_PIN, NEW_PIN));
        assertThat(pins.unblock(session, "1")).isEqualTo("PIN 1 unblocked with a new PIN");
        assertThat(keyboard.handedOut).hasSize(6);
        assertThat(card.received).hasSize(4);
        assertThat(card.calls).containsExactly("change 34373131 38363432", "unblock 3133353732343638 38363432");
        assertAllZero();
    }

    @Test
    void entriesThatDifferOrFailToParseAreClearedToo() {
        keyboard.answers.addAll(List.of(PIN, NEW_PIN, "8643"));
        assertThatIllegalArgumentException().isThrownBy(() -> pins.change(session, "1"))
                .withMessage("the two entries of the new PIN differ; nothing was sent to the card"
                        + " [E_INVALIDARG 0x80070057]")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(NEW_PIN, "8643"));
        keyboard.answers.add("hex:47Z1");
        assertThatIllegalArgumentException().isThrownBy(() -> pins.verify(session, false, false, "1"))
                .withMessageNotContaining("47Z1").withMessageContaining("not valid hex");
        keyboard.answers.add("");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> pins.verify(session, false, false, "1"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_W_CANCELLED_BY_USER));
        assertThat(keyboard.handedOut).hasSize(5);
        assertThat(card.received).isEmpty();
        assertAllZero();
    }

    @Test
    void codesGivenAsArgumentsAreClearedAfterTheCall() {
        assertThat(pins.verify(session, false, false, "1", "hex:34373131")).isEqualTo("PIN 1 verified");
        assertThat(pins.change(session, "1", PIN, "38:36:34:32")).isEqualTo("PIN 1 changed");
        assertThat(pins.unblock(session, "1", PUK)).isEqualTo("PIN 1 unblocked");
        assertThat(card.calls).containsExactly("verify 34373131", "change 34373131 38363432",
                "unblock 3133353732343638 -");
        assertThat(keyboard.handedOut).isEmpty();
        assertThat(card.received).hasSize(4);
        assertAllZero();
    }

    private void assertAllZero() {
        for (char[] chars : keyboard.handedOut) {
            assertThat(new String(chars).chars()).as("a char[] the prompt answered").allMatch(c -> c == 0);
        }
        for (byte[] bytes : card.received) {
            assertThat(bytes).as("a byte[] the card service was given").isNotEmpty().containsOnly((byte) 0);
        }
    }

    /** A prompt that answers the queued lines as fresh arrays and keeps every array it handed out. */
    private static final class Keyboard implements SecretPrompt.Reader {
        final ArrayDeque<String> answers = new ArrayDeque<>();
        final List<String> prompts = new ArrayList<>();
        final List<char[]> handedOut = new ArrayList<>();

        @Override
        public char[] read(CommandSession session, String prompt, String usage) {
            prompts.add(prompt);
            char[] chars = answers.remove().toCharArray();
            handedOut.add(chars);
            return chars;
        }
    }

    /**
     * A verifier that accepts {@value #PIN} (and the PUK {@value #PUK}), keeps the arrays it is given (a caller that
     * forgets to clear them leaves the code in them) and, when told to, fails with a message that holds the code.
     */
    private static final class KeepingVerifier implements ISCardVerify {
        final List<byte[]> received = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        HResult failure;
        int tries = 3;

        private void check(byte[] code, String expected) {
            if (failure != null) {
                throw new SCardException(failure, "the reader lost " + HexFormat.ofDelimiter(" ").formatHex(code));
            }
            if (!new String(code, StandardCharsets.UTF_8).equals(expected)) {
                tries--;
                throw new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong " + new String(code,
                        StandardCharsets.UTF_8), tries, null);
            }
        }

        private String hex(byte[] code) {
            return code == null ? "-" : HexFormat.of().formatHex(code);
        }

        private void keep(byte[]... codes) {
            for (byte[] code : codes) {
                if (code != null) {
                    received.add(code);
                }
            }
        }

        @Override
        public void verify(byte[] code, Set<SCardFlag> flags, int ref) {
            keep(code);
            calls.add("verify " + hex(code));
            check(code, PIN);
        }

        @Override
        public void changeCode(byte[] oldCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
            keep(oldCode, newCode);
            calls.add("change " + hex(oldCode) + " " + hex(newCode));
            check(oldCode, PIN);
        }

        @Override
        public void unblock(byte[] unblockingCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
            keep(unblockingCode, newCode);
            calls.add("unblock " + hex(unblockingCode) + " " + hex(newCode));
            check(unblockingCode, PUK);
        }

        @Override
        public void resetSecurityState() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void resetSecurityState(Set<SCardFlag> flags) {
            throw new UnsupportedOperationException();
        }
    }
}

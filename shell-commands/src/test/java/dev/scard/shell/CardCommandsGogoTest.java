package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.SCardException;
import dev.scard.testsupport.Worker;

/**
 * The file, PIN and authentication commands as Gogo's runtime calls them: words that look like numbers stay the
 * typed text ({@code 0000}, {@code 0x81}), options, several hex words; and PIN entry on a jline terminal in the
 * session's {@code .reader}, as gogo-jline's interactive console provides it: the PIN is read, never echoed.
 */
class CardCommandsGogoTest {

    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private CardShell shell;
    private CardServiceCalls card;
    private CommandSession session;

    @BeforeEach
    void setUp() throws Exception {
        shell = new CardShell();
        card = shell.card;
        ScardCommands commands = new ScardCommands(shell.registry.context);

        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        processor.addCommand("scard", commands, "attach");
        for (String f : new String[] {"ls", "cd", "pwd", "cat", "info", "update", "create", "rm", "invalidate",
            "rehabilitate"}) {
            processor.addCommand("scard", new FileCommands(commands), f);
        }
        PinCommands pins = new PinCommands(commands);
        for (String f : new String[] {"verify", "change", "unblock"}) {
            processor.addCommand("scard", pins, f);
        }
        AuthCommands auth = new AuthCommands(commands);
        processor.addCommand("scard", auth, "challenge");
        processor.addCommand("scard", auth, "auth");
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream());
        session.execute("scard:attach '" + CardShell.READER + "'");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Keyboard keyboard : KEYBOARDS) {
            keyboard.close();
        }
        KEYBOARDS.clear();
        processor.stop();
        threadIO.stop();
        shell.close();
    }

    private Object run(String line) throws Exception {
        return session.execute(line);
    }

    @Test
    void takesPathsNumbersAndOptionsAsTyped() throws Exception {
        assertThat(run("scard:cd 5015")).isEqualTo("3F00/5015");
        assertThat(run("scard:cd ..")).isEqualTo("3F00");
        assertThat(run("scard:cd aid:A000000063504B43532D3135")).isEqualTo("3F00/5015");
        assertThat(run("scard:cat 5131 2")).asString().startsWith("Record 2 (16 bytes)\n");
        assertThat(run("scard:verify 0x81 0000")).isEqualTo("PIN 0x81 (local) verified");
        assertThat(run("scard:verify -c --force 1")).isEqualTo("PIN 1 is not verified (3 tries left)");
        assertThat(run("scard:verify 1 1234")).isEqualTo("PIN 1 verified");
        assertThat(run("scard:create -n 4 -s 7 4406 linear-fixed 10")).isEqualTo(
                "Created 4406 in 3F00/5015 (linear fixed, 4 records of 10 bytes, SFI 07)");
        assertThat(run("scard:create 5100 df 0")).asString().startsWith("Created 5100 in 3F00/5015 (DF");
        assertThat(run("scard:rm -r 5100")).isEqualTo("Deleted 5100");
        assertThat(run("scard:update 5131 1 00 11 2233 44:55 66778899AABBCCDDEEFF")).isEqualTo(
                "Wrote record 1 of 5131 (16 bytes)");
        assertThat(run("scard:cd ..")).isEqualTo("3F00");
        assertThat(run("scard:update 2F01 0x10 41 42")).isEqualTo("Wrote 2 bytes to 2F01 at offset 16");
        assertThat(run("scard:challenge")).asString().matches("Challenge \\(8 bytes\\): [0-9A-F]{16}");
        assertThat(run("scard:auth internal 1 00112233445566778899AABBCCDDEEFF")).asString()
                .startsWith("Cryptogram (16 bytes): ");
        assertThat(run("scard:auth -a 0 internal 0x01 00112233445566778899AABBCCDDEEFF")).asString()
                .startsWith("Cryptogram (16 bytes): ");
        assertThat(run("scard:info 2F01")).asString().contains("Type:       working EF, transparent");
        assertThat(run("scard:invalidate 2F01")).isEqualTo("Invalidated 2F01");
        assertThat(run("scard:rehabilitate 2F01")).isEqualTo("Rehabilitated 2F01");
        assertThat(run("scard:ls")).asString().startsWith("FileID  Type  Size  Structure\n");
        assertThat(run("scard:pwd")).isEqualTo("3F00");
    }

    @Test
    void aPinLikeZeroesStaysText() throws Exception {
        run("scard:cd 5015");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> run("scard:verify 0x81 000"))
                .withMessageStartingWith("verify PIN 0x81 (local): wrong PIN, 2 tries left");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> run("scard:verify 0x81 00:00"))
                .withMessageStartingWith("verify PIN 0x81 (local): wrong PIN, 1 try left"); // the bytes 00 00
        assertThat(run("scard:verify 0x81 0000")).isEqualTo("PIN 0x81 (local) verified");
    }

    @Test
    void withoutATerminalAnOmittedPinIsAnErrorAndNothingIsSent() {
        int before = card.calls.size();
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:verify 1"))
                .withMessageContaining("not interactive").withMessageContaining("scard:verify 1 <PIN>");
        assertThatIllegalArgumentException().isThrownBy(() -> run("scard:unblock 0x81"))
                .withMessageContaining("scard:unblock 0x81 <PUK> [<new PIN>]");
        assertThat(card.calls).hasSize(before);
    }

    /**
     * A terminal that types each line once its prompt is on the screen, as a person does (keys typed ahead of the
     * prompt would be echoed by the terminal itself, before any program could turn echo off), and writes to
     * {@code screen}. Lines end with a carriage return, the Enter key.
     */
    private static Terminal terminal(ByteArrayOutputStream screen, String... lines) throws IOException {
        Keyboard keyboard = new Keyboard();
        Terminal terminal = TerminalBuilder.builder().system(false).type("xterm").encoding(StandardCharsets.UTF_8)
                .streams(keyboard, screen).size(new Size(80, 24)).build();
        KEYBOARDS.add(keyboard);
        Worker.start("typist", () -> {
            try {
                for (int i = 0; i < lines.length; i++) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (prompts(screen) <= i && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    keyboard.type(lines[i] + "\r");
                }
            } catch (InterruptedException e) {
                // the test ended first
            }
            return null;
        });
        return terminal;
    }

    /** Keys as a terminal's input: reading waits for the next key, as with a person at a keyboard. */
    static final class Keyboard extends InputStream {
        private final BlockingQueue<Integer> keys = new LinkedBlockingQueue<>();

        void type(String text) {
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                keys.add(b & 0xFF);
            }
        }

        @Override
        public int read() throws IOException {
            try {
                return keys.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            int first = read();
            if (first < 0) {
                return -1;
            }
            buffer[offset] = (byte) first;
            int n = 1;
            Integer next;
            while (n < length && (next = keys.peek()) != null && next >= 0) {
                buffer[offset + n++] = (byte) (int) keys.poll();
            }
            return n;
        }

        @Override
        public int available() {
            return keys.size();
        }

        @Override
        public void close() {
            keys.add(-1);
        }
    }

    /** How many code prompts the screen shows. */
    private static int prompts(ByteArrayOutputStream screen) {
        Matcher m = PROMPT.matcher(screen.toString(StandardCharsets.UTF_8));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static final Pattern PROMPT = Pattern.compile("(Enter|Repeat) [^\\n]*?: ");

    /** The keyboards of this test's terminals, closed when it ends. */
    private static final List<Keyboard> KEYBOARDS = new ArrayList<>();

    @Test
    void readsAnOmittedPinFromTheJlineTerminalWithoutEcho() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (Terminal terminal = terminal(screen, "1234")) {
            LineReader console = LineReaderBuilder.builder().terminal(terminal).build();
            session.put(SecretPrompt.READER, console);
            assertThat(run("scard:verify 1")).isEqualTo("PIN 1 verified");
            terminal.flush();
        }
        String shown = screen.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("Enter PIN 1: ").doesNotContain("1234", "*");
        assertThat(card.calls).contains("verify 1 [IHV_GLOBAL]");
    }

    @Test
    void aWrongPinTypedOnTheTerminalIsNeitherShownNorInTheError() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (Terminal terminal = terminal(screen, "9876")) {
            session.put(SecretPrompt.READER, LineReaderBuilder.builder().terminal(terminal).build());
            assertThatExceptionOfType(SCardException.class).isThrownBy(() -> run("scard:verify 1"))
                    .withMessage("verify PIN 1: wrong PIN, 2 tries left (SW 63C2) [SCARD_W_WRONG_CHV 0x8010006B]");
            terminal.flush();
        }
        assertThat(screen.toString(StandardCharsets.UTF_8)).doesNotContain("9876");
        assertThat(String.valueOf(session.get("exception"))).doesNotContain("9876");
    }

    @Test
    void aPinWithQuotesAndBangsIsTakenAsTyped() throws Exception {
        run("scard:verify 1 1234");
        // change PIN 1 to a code with characters that mean something to Gogo and to jline's parser (of the same
        // length: the sample card's PINs have a fixed length)
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (Terminal terminal = terminal(screen, "1234", "'a!\"", "'a!\"")) {
            session.put(SecretPrompt.READER, LineReaderBuilder.builder().terminal(terminal).build());
            assertThat(run("scard:change 1")).isEqualTo("PIN 1 changed");
            terminal.flush();
        }
        assertThat(screen.toString(StandardCharsets.UTF_8)).contains("Enter current PIN 1: ", "Enter new PIN 1: ",
                "Repeat new PIN 1: ").doesNotContain("a!", "1234");
        assertThat(run("scard:verify 1 hex:27612122")).isEqualTo("PIN 1 verified");
    }

    @Test
    void refusesADumbTerminal() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (Terminal terminal = new DumbTerminal(new ByteArrayInputStream("1234\n".getBytes()), screen)) {
            session.put(SecretPrompt.READER, LineReaderBuilder.builder().terminal(terminal).build());
            assertThatIllegalArgumentException().isThrownBy(() -> run("scard:verify 1"))
                    .withMessageContaining("its terminal cannot hide what is typed");
        }
        assertThat(screen.toString(StandardCharsets.UTF_8)).doesNotContain("Enter PIN");
    }

    @Test
    void refusesAKarafConsoleOnADumbTerminal() throws Exception {
        CardShell.KarafLike karaf = new CardShell.KarafLike("1234");
        try (Terminal terminal = new DumbTerminal(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream())) {
            session.put(SecretPrompt.KARAF_SESSION, karaf);
            session.put(SecretPrompt.KARAF_TERMINAL, terminal);
            assertThatIllegalArgumentException().isThrownBy(() -> run("scard:verify 1"))
                    .withMessageContaining("its terminal cannot hide what is typed");
        }
        assertThat(karaf.prompts).isEmpty();
    }

    /**
     * Karaf wraps its jline terminal in a class of its own ({@code org.apache.karaf.shell.impl.console.JLineTerminal}):
     * a dumb terminal behind it (bin/karaf fed from a pipe, where the next line is the next command) is known by its
     * type, not its class, and refused.
     */
    @Test
    void refusesAKarafConsoleOnAWrappedDumbTerminal() throws Exception {
        CardShell.KarafLike karaf = new CardShell.KarafLike("1234");
        for (String type : new String[] {Terminal.TYPE_DUMB, Terminal.TYPE_DUMB_COLOR}) {
            try (Terminal dumb = new DumbTerminal("karaf", type, new ByteArrayInputStream(new byte[0]),
                    new ByteArrayOutputStream(), StandardCharsets.UTF_8)) {
                Terminal wrapped = wrap(dumb);
                assertThat(wrapped.getClass().getName()).isNotEqualTo(DumbTerminal.class.getName());
                session.put(SecretPrompt.KARAF_SESSION, karaf);
                session.put(SecretPrompt.KARAF_TERMINAL, wrapped);
                assertThatIllegalArgumentException().isThrownBy(() -> run("scard:verify 1"))
                        .withMessageContaining("its terminal cannot hide what is typed");
            }
        }
        assertThat(karaf.prompts).isEmpty();
    }

    @Test
    void refusesAReaderOnAWrappedDumbTerminal() throws Exception {
        try (Terminal dumb = new DumbTerminal(new ByteArrayInputStream("1234\n".getBytes()),
                new ByteArrayOutputStream())) {
            LineReader reader = (LineReader) java.lang.reflect.Proxy.newProxyInstance(
                    LineReader.class.getClassLoader(), new Class<?>[] {LineReader.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("getTerminal")) {
                            return wrap(dumb);
                        }
                        throw new AssertionError("the reader must not be used: " + method.getName());
                    });
            session.put(SecretPrompt.READER, reader);
            assertThatIllegalArgumentException().isThrownBy(() -> run("scard:verify 1"))
                    .withMessageContaining("its terminal cannot hide what is typed");
        }
    }

    @Test
    void judgesTerminalsByTypeAndPty() throws Exception {
        assertThat(SecretPrompt.canHideInput(null)).isFalse();
        assertThat(SecretPrompt.canHideInput(new Object())).isFalse();
        assertThat(SecretPrompt.canHideInput(new TypedTerminal(null, true))).isFalse();
        assertThat(SecretPrompt.canHideInput(new TypedTerminal("dumb", true))).isFalse();
        assertThat(SecretPrompt.canHideInput(new TypedTerminal("xterm", false))).isFalse(); // no pty
        assertThat(SecretPrompt.canHideInput(new TypedTerminal("xterm", true))).isTrue();
        try (Terminal terminal = TerminalBuilder.builder().system(false).type("xterm")
                .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream()).build()) {
            assertThat(SecretPrompt.canHideInput(terminal)).isTrue();
            assertThat(SecretPrompt.canHideInput(wrap(terminal))).isTrue();
        }
    }

    /** A terminal of a class of its own that tells its type and whether it has a pseudo-terminal. */
    public static final class TypedTerminal {
        private final String type;
        private final boolean pty;

        TypedTerminal(String type, boolean pty) {
            this.type = type;
            this.pty = pty;
        }

        public String getType() {
            return type;
        }

        public Object getPty() {
            return pty ? new Object() : null;
        }
    }

    /** A jline terminal behind a class of another name, as Karaf's console wraps it. */
    private static Terminal wrap(Terminal terminal) {
        return (Terminal) java.lang.reflect.Proxy.newProxyInstance(Terminal.class.getClassLoader(),
                new Class<?>[] {Terminal.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(terminal, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}

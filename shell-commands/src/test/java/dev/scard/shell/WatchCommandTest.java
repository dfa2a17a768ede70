package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.scard.api.SCardEvent;
import dev.scard.api.SCardEventListener;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.testsupport.Await;
import dev.scard.testsupport.Worker;

/** What scard:watch accepts and prints (the command itself runs in-framework: integration-tests). */
class WatchCommandTest {

    /** 14:03:07.512 today, local time, as an instant. */
    private static final Instant AT = LocalTime.of(14, 3, 7, 512_000_000).atDate(java.time.LocalDate.now())
            .atZone(ZoneId.systemDefault()).toInstant();

    @Test
    void aPlainNumberIsSecondsAndUnitsAreAccepted() {
        assertThat(WatchCommand.parseDuration("5")).isEqualTo(Duration.ofSeconds(5));
        assertThat(WatchCommand.parseDuration(" 0.5 ")).isEqualTo(Duration.ofMillis(500));
        assertThat(WatchCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(WatchCommand.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(WatchCommand.parseDuration("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(WatchCommand.parseDuration("PT3S")).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void zeroNegativeAndNonsenseAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("0")).withMessage(
                "watch duration '0' is zero; give seconds (5, 0.5) or omit it to watch until Ctrl-C"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("-1"))
                .withMessage("timeout '-1' is negative [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration("soon")).withMessage(
                "'soon' is not a timeout (e.g. 500ms, 2s, 1.5s, 1m or plain milliseconds) [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> WatchCommand.parseDuration(""))
                .withMessageContaining("no timeout given");
    }

    @Test
    void oneLinePerEventWithTimeTypeBackendReaderAndAtr() {
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "Simulated Reader 0", "simulator",
                "3B8801534341524453494D99"), AT))
                .isEqualTo("14:03:07.512  CARD_INSERTED   simulator  'Simulated Reader 0'"
                        + "  ATR 3B8801534341524453494D99");
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "Virtual PCD 00 00", "pcsc", ""),
                AT)).isEqualTo("14:03:07.512  CARD_REMOVED    pcsc       'Virtual PCD 00 00'");
        assertThat(WatchCommand.line(new SCardEvent(SCardEvent.Type.READER_REMOVED, "R", "simulator", null), AT))
                .isEqualTo("14:03:07.512  READER_REMOVED  simulator  'R'");
    }

    @Test
    void durationsInWords() {
        assertThat(WatchCommand.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(WatchCommand.describe(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(WatchCommand.describe(Duration.ofMillis(250))).isEqualTo("250 ms");
    }

    // ------------------------------------------------------------------------------------- how a watch ends

    /** The listeners registered (and not unregistered) through {@link #context}. */
    private final CopyOnWriteArrayList<SCardEventListener> listeners = new CopyOnWriteArrayList<>();

    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (method.getName().equals("registerService")) {
                    SCardEventListener listener = (SCardEventListener) args[1];
                    listeners.add(listener);
                    return Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                                if (m.getName().equals("unregister")) {
                                    listeners.remove(listener);
                                    return null;
                                }
                                throw new UnsupportedOperationException(m.getName());
                            });
                }
                throw new UnsupportedOperationException(method.getName());
            });

    private static CommandSession session(PrintStream console) {
        return session(console, null);
    }

    /** A session whose {@value WatchCommand#INTERACTIVE} variable is {@code interactive} (null: not set). */
    private static CommandSession session(PrintStream console, Object interactive) {
        return (CommandSession) Proxy.newProxyInstance(WatchCommandTest.class.getClassLoader(),
                new Class<?>[] {CommandSession.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConsole")) {
                        return console;
                    }
                    if (method.getName().equals("get") && WatchCommand.INTERACTIVE.equals(args[0])) {
                        return interactive;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private void awaitListener() throws InterruptedException {
        Await.until("the watch registered its listener", Duration.ofSeconds(10), () -> !listeners.isEmpty());
        assertThat(listeners).hasSize(1);
    }

    @Test
    void aWatchWithoutDurationEndsWhenTheComponentIsDeactivated() throws Exception {
        WatchCommand watch = new WatchCommand(context);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(screen, true);
        Worker<String> shell = Worker.start("shell", () -> watch.watch(session(console), ""));
        awaitListener();
        listeners.get(0).cardEvent(new SCardEvent(SCardEvent.Type.CARD_INSERTED, "R", "simulator", "3B00"));
        watch.deactivate();
        assertThat(shell.get(Duration.ofSeconds(5))).startsWith("Stopped watching (the shell commands stopped)")
                .endsWith(": 1 event");
        assertThat(shell.join(Duration.ofSeconds(5))).isTrue();
        assertThat(listeners).isEmpty();
        assertThat(watch.running()).isZero();
        assertThatIllegalStateException().isThrownBy(() -> watch.watch(session(console), ""));
    }

    @Test
    void aWatchEndsWhenItsConsoleIsClosed() throws Exception {
        WatchCommand watch = new WatchCommand(context);
        AtomicBoolean closed = new AtomicBoolean();
        OutputStream connection = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (closed.get()) {
                    throw new IOException("the session's connection is closed");
                }
            }
        };
        PrintStream console = new PrintStream(connection, true);
        CompletableFuture<String> result = Worker.start("watch", () -> watch.watch(session(console), "")).future();
        awaitListener();
        closed.set(true);
        listeners.get(0).cardEvent(new SCardEvent(SCardEvent.Type.CARD_REMOVED, "R", "simulator", ""));
        assertThat(result.get(5, TimeUnit.SECONDS)).startsWith("Stopped watching (the console is closed)");
        assertThat(listeners).isEmpty();
        assertThat(watch.running()).isZero();
    }

    @Test
    void aLongDurationIsNoOverflow() throws Exception {
        WatchCommand watch = new WatchCommand(context);
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true);
        CompletableFuture<String> result = Worker.start("watch",
                () -> watch.watch(session(console), "", "PT2562047H")).future(); // more than Long.MAX_VALUE ns
        awaitListener();
        Thread.sleep(50);
        assertThat(result).isNotDone(); // no overflow into a past deadline
        watch.deactivate();
        assertThat(result.get(5, TimeUnit.SECONDS)).startsWith("Stopped watching (the shell commands stopped)");
    }

    // ------------------------------------------------------------------- what a watch refuses before it starts

    @Test
    void withoutDurationANonInteractiveSessionIsRefused() {
        WatchCommand watch = new WatchCommand(context);
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true);
        assertThatIllegalArgumentException().isThrownBy(() -> watch.watch(session(console, Boolean.FALSE), ""))
                .withMessage("scard:watch needs a duration in a non-interactive session (-c or commands from"
                        + " standard input), where Ctrl-C cannot stop it: e.g. scard:watch 10"
                        + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> watch.watch(session(console, "false"), ""))
                .withMessageContaining("needs a duration");
        assertThat(listeners).isEmpty();
        assertThat(watch.running()).isZero();
    }

    @Test
    void withADurationANonInteractiveSessionWatches() throws Exception {
        WatchCommand watch = new WatchCommand(context);
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true);
        assertThat(watch.watch(session(console, Boolean.FALSE), "", "10ms")).isEqualTo("Watched 10 ms: 0 events");
    }

    @Test
    void anInteractiveSessionMayWatchUntilInterrupted() throws Exception {
        WatchCommand watch = new WatchCommand(context);
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true);
        CompletableFuture<String> result = Worker.start("watch",
                () -> watch.watch(session(console, Boolean.TRUE), "")).future();
        awaitListener();
        watch.deactivate();
        assertThat(result.get(5, TimeUnit.SECONDS)).startsWith("Stopped watching (the shell commands stopped)");
    }

    @Test
    void anUnknownBackendIsRefusedNamingTheKnownOnes() {
        FakeRegistry registry = new FakeRegistry();
        registry.register(SCardResourceManager.class, proxyOf(SCardResourceManager.class),
                Map.of(SCardServiceProperties.BACKEND, "remote"));
        WatchCommand watch = new WatchCommand(registry.context);
        PrintStream console = new PrintStream(new ByteArrayOutputStream(), true);
        assertThatIllegalArgumentException().isThrownBy(() -> watch.watch(session(console), "nothing", "1"))
                .withMessage("unknown backend 'nothing' (known backends: pcsc, remote, simulator)"
                        + " [E_INVALIDARG 0x80070057]");
        assertThat(watch.running()).isZero();
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxyOf(Class<T> type) {
        return (T) Proxy.newProxyInstance(WatchCommandTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}

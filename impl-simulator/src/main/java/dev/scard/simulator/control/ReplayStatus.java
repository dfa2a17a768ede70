package dev.scard.simulator.control;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How far the replay of a trace in a simulated reader got, as {@link SimulatorControl#replays()} lists it. Commands
 * are shown as hex; a command that carries a secret (a PIN in VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
 * ENABLE/DISABLE VERIFICATION REQUIREMENT) only as its header and Lc, never with its data.
 *
 * @param readerName the simulated reader
 * @param trace the trace file, as given
 * @param match how commands are matched
 * @param unansweredStatusWord the status word a command the trace cannot answer gets (such as {@code 0x6D00})
 * @param present whether the replayed card is in the reader now (it may have been removed, by hand or by a recorded
 *        removal)
 * @param entries how many entries the trace has
 * @param position the index of the next entry the replay waits for ({@code entries} once it reached the end; always 0
 *        with {@link ReplayMatch#COMMAND})
 * @param apdus how many of the entries are APDU exchanges
 * @param answered how many commands got a recorded response
 * @param unanswered how many commands got {@code unansweredStatusWord}
 * @param divergence where the replay first diverged, or null while it has not
 */
public record ReplayStatus(String readerName, Path trace, ReplayMatch match, int unansweredStatusWord,
        boolean present, int entries, int position, int apdus, int answered, int unanswered, Divergence divergence) {

    /**
     * The first command the trace could not answer.
     *
     * @param entry the index of the entry the replay expected ({@code $.entries[entry]} of the file; the number of
     *        entries when the trace had ended; -1 with {@link ReplayMatch#COMMAND}, where no entry is expected)
     * @param expected the expected command in hex (header and Lc of a redacted one, followed by
     *        {@code " (+n data bytes)"}), or null when no command was expected
     * @param received the command received in hex (header and Lc only when it carries a secret, followed by
     *        {@code " (+n data bytes not shown)"})
     */
    public record Divergence(int entry, String expected, String received) {

        /** Checks that the received command is given. */
        public Divergence {
            Objects.requireNonNull(received, "received");
        }
    }

    /** Checks that no component that must be given is null. */
    public ReplayStatus {
        Objects.requireNonNull(readerName, "readerName");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(match, "match");
    }

    /** Whether the replay reached the end of the trace ({@link ReplayMatch#ORDER} only). */
    public boolean finished() {
        return match == ReplayMatch.ORDER && position >= entries;
    }
}

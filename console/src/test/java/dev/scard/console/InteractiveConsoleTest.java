package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.jline.reader.Candidate;
import org.jline.reader.EOFError;
import org.jline.reader.Parser.ParseContext;
import org.junit.jupiter.api.Test;

class InteractiveConsoleTest {

    private final InteractiveConsole.GogoLineParser parser = new InteractiveConsole.GogoLineParser();

    @Test
    void aCompleteStatementIsAccepted() {
        assertThat(parser.parse("scard:readers; lb", 17, ParseContext.ACCEPT_LINE).words())
            .contains("scard:readers;", "lb");
    }

    @Test
    void anOpenClosureQuoteOrPipeAsksForMoreLines() {
        for (String open : List.of("x = {", "echo 'abc", "each [1 2", "lb |")) {
            assertThatThrownBy(() -> parser.parse(open, open.length(), ParseContext.ACCEPT_LINE))
                .as(open).isInstanceOf(EOFError.class);
        }
    }

    @Test
    void completionIsNotBlockedByIncompleteInput() {
        assertThat(parser.parse("echo 'ab", 8, ParseContext.COMPLETE).words()).isNotEmpty();
    }

    @Test
    void completesCommandNamesWithAndWithoutScope() {
        CommandProcessorImpl processor = new CommandProcessorImpl(new ThreadIOImpl());
        processor.addCommand("scard", new Object() {
            @SuppressWarnings("unused")
            public String readers() {
                return "";
            }
        }, "readers");
        CommandSession session = processor.createSession(java.io.InputStream.nullInputStream(), System.out,
            System.err);
        try {
            List<Candidate> candidates = new ArrayList<>();
            new InteractiveConsole.CommandNameCompleter(session)
                .complete(null, parser.parse("rea", 3, ParseContext.COMPLETE), candidates);
            assertThat(candidates).extracting(Candidate::value).contains("scard:readers", "readers");
            assertThat(candidates).extracting(Candidate::group).containsOnly("scard");

            List<Candidate> none = new ArrayList<>();
            new InteractiveConsole.CommandNameCompleter(session)
                .complete(null, parser.parse("scard:readers x", 15, ParseContext.COMPLETE), none);
            assertThat(none).isEmpty();
        } finally {
            session.close();
        }
    }

    /** A scope's {@code __complete} command answers for the later words; it is not offered as a command itself. */
    @Test
    void completesArgumentsThroughTheScopesCompleteCommand() {
        CommandProcessorImpl processor = new CommandProcessorImpl(new ThreadIOImpl());
        Object commands = new Object() {
            @SuppressWarnings("unused")
            public String attach(String... words) {
                return "";
            }

            @SuppressWarnings("unused")
            public List<String> __complete(String... words) {
                return List.of(String.join("|", words), "Simulated Reader 0");
            }
        };
        processor.addCommand("scard", commands, "attach");
        processor.addCommand("scard", commands, "__complete");
        CommandSession session = processor.createSession(java.io.InputStream.nullInputStream(), System.out,
            System.err);
        try {
            List<Candidate> candidates = new ArrayList<>();
            new InteractiveConsole.CommandNameCompleter(session)
                .complete(null, parser.parse("attach -b x Sim", 15, ParseContext.COMPLETE), candidates);
            assertThat(candidates).extracting(Candidate::value)
                .containsExactly("attach|-b|x|Sim", "Simulated Reader 0");

            List<Candidate> names = new ArrayList<>();
            new InteractiveConsole.CommandNameCompleter(session)
                .complete(null, parser.parse("", 0, ParseContext.COMPLETE), names);
            assertThat(names).extracting(Candidate::value).contains("scard:attach").doesNotContain(
                "scard:__complete", "__complete");

            List<Candidate> unknown = new ArrayList<>();
            new InteractiveConsole.CommandNameCompleter(session)
                .complete(null, parser.parse("nosuch x", 8, ParseContext.COMPLETE), unknown);
            assertThat(unknown).isEmpty();
        } finally {
            session.close();
        }
    }

    @Test
    void commandNamesOfAnyShape() {
        assertThat(InteractiveConsole.CommandNameCompleter.commandNames(Set.of("b:x", "a:y")))
            .containsExactly("a:y", "b:x");
        assertThat(InteractiveConsole.CommandNameCompleter.commandNames(null)).isEmpty();
    }
}

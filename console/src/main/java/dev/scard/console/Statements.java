package dev.scard.console;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.Parser.Executable;
import org.apache.felix.gogo.runtime.Parser.Operator;
import org.apache.felix.gogo.runtime.Token;

/**
 * Splits a Gogo program into the statements the console runs one by one, so that the result of each is
 * printed (Gogo itself returns only the last one). Gogo's own parser decides where a statement ends.
 */
final class Statements {

    private Statements() {
    }

    /**
     * The statements of a program that only separates them with {@code ;} or new lines. Any other operator
     * ({@code &&}, {@code ||}, {@code &}) makes the statements depend on each other, and text Gogo cannot
     * parse must reach Gogo to be reported: in those cases the program is returned whole.
     *
     * @param program the program text
     * @return the statements, in order; a single element when the program must run as a whole; empty when
     *         there is no statement at all
     */
    static List<String> split(CharSequence program) {
        List<Executable> tokens;
        try {
            tokens = new Parser(program).program().tokens();
        } catch (RuntimeException e) {
            return List.of(program.toString());
        }
        List<String> statements = new ArrayList<>();
        for (Executable token : tokens) {
            if (token instanceof Operator) {
                if (!Token.eq(";", token) && !Token.eq("\n", token)) {
                    return List.of(program.toString());
                }
            } else {
                statements.add(token.toString());
            }
        }
        return statements;
    }
}

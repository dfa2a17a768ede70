package dev.scard.shell.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * What every SCard command bundle reads and prints the same way: reader names typed in several words, and tables.
 *
 * <p>This package is exported (1.0.0): a command bundle other than shell-commands (the {@code sim:} commands of
 * simulator-shell) imports it, so the commands read and print alike from one copy of the code. Errors
 * follow the shell's convention: an exception whose message names the problem and ends with the contract's code
 * ({@link SCardException#format(HResult, String)}).
 */
public final class CommandText {

    /** The longest reader name the commands take (PC/SC's own limit is lower). */
    public static final int MAX_READER_NAME = 256;

    private CommandText() {
    }

    /**
     * A reader name typed as one quoted argument or as several words ({@code Simulated Reader 0} without
     * quotes arrives as three), optionally followed by a last word that {@code isOption} accepts (a share mode,
     * a disposition, a file).
     *
     * @param words the command's words, may be null
     * @param isOption whether a last word (after at least one other) is the option rather than part of the name
     * @param lister the command that lists the readers, for the message when no name is given
     * @return the reader name and the optional last word (null when absent)
     * @throws IllegalArgumentException when no reader is given, or a name longer than {@link #MAX_READER_NAME}
     *         ({@code E_INVALIDARG})
     */
    public static String[] readerAndOption(String[] words, Predicate<String> isOption, String lister) {
        List<String> list = new ArrayList<>();
        if (words != null) {
            for (String w : words) {
                list.add(String.valueOf(w));
            }
        }
        String option = null;
        if (list.size() > 1 && isOption.test(list.get(list.size() - 1))) {
            option = list.remove(list.size() - 1);
        }
        String reader = String.join(" ", list).strip();
        if (reader.isEmpty()) {
            throw UserErrors.input(SCardException.format(HResult.E_INVALIDARG,
                    "no reader given (" + lister + " lists them)"));
        }
        if (reader.length() > MAX_READER_NAME) {
            throw UserErrors.input(SCardException.format(HResult.E_INVALIDARG, "the reader name '"
                    + CommandUsage.shown(reader) + "' is too long (at most " + MAX_READER_NAME + " characters; "
                    + lister + " lists the readers)"));
        }
        return new String[] {reader, option};
    }

    /**
     * Rows as a table: columns padded to their widest cell, two spaces apart, no trailing spaces.
     *
     * @param rows the heading row first; every row has as many cells as the first
     * @return the lines, joined by {@code \n}
     */
    public static String table(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            if (out.length() > 0) {
                out.append('\n');
            }
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - row[c].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing());
        }
        return out.toString();
    }
}

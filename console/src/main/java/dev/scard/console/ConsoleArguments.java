package dev.scard.console;

import java.util.Objects;

/**
 * The console's command line, as the bnd launcher hands it over ({@code launcher.arguments}).
 *
 * <pre>
 * java -jar scard.jar                 interactive prompt on a terminal, else commands from stdin
 * java -jar scard.jar -c 'COMMANDS'   run COMMANDS and exit
 * java -jar scard.jar --config FILE   apply the initial configuration FILE first (with either mode)
 * java -jar scard.jar -v              log lines down to INFO (--log-level LEVEL; --log-file FILE)
 * java -jar scard.jar --help          print the usage and exit
 * </pre>
 *
 * @param mode what to do
 * @param command the Gogo program of {@code -c}, or {@code null}
 * @param error why the command line was rejected ({@link Mode#USAGE_ERROR}), or {@code null}
 * @param config the initial configuration file of {@code --config} (empty: none at all), or {@code null} when
 *        the option was not given (see {@link InitialConfiguration#locate})
 * @param logLevel the lowest level of the log lines ({@link ConsoleLog}): {@code -v} INFO, {@code --log-level},
 *        else {@link ConsoleLog#DEFAULT_LEVEL}
 * @param logFile the file of {@code --log-file} the log lines are appended to, or {@code null}: standard error
 *        (above the prompt when interactive)
 */
record ConsoleArguments(Mode mode, String command, String error, String config, ConsoleLog.Level logLevel,
        String logFile) {

    /** What the console does, decided from the arguments alone. */
    enum Mode {
        /** No option: interactive on a terminal, otherwise one command per line from standard input. */
        STDIN,
        /** {@code -c COMMANDS}: run one Gogo program and exit. */
        COMMAND,
        /** {@code -h}/{@code --help}: print the usage to standard output, exit 0. */
        HELP,
        /** Anything not understood: print the error and the usage to standard error, exit 2. */
        USAGE_ERROR
    }

    static final String USAGE = String.join(System.lineSeparator(),
        "Usage: java -jar scard.jar [--config FILE] [-v | --log-level LEVEL] [--log-file FILE]",
        "                           [-c COMMANDS | -h]",
        "",
        "  (no option)         on a terminal: an interactive Gogo prompt ('help' lists the",
        "                      commands, 'exit' or Ctrl-D leaves); otherwise run the commands",
        "                      read from standard input, one per line",
        "  -c, --command COMMANDS",
        "                      run COMMANDS (Gogo syntax, several separated by ';' or new",
        "                      lines), print their results and exit",
        "  --config FILE       apply the initial configuration FILE (OSGi Configurator JSON)",
        "                      before the commands run; --config '' applies none. Without",
        "                      it: the file of -Dscard.config=FILE, else scard.json beside",
        "                      scard.jar when there is one",
        "  -v, --verbose       log lines down to INFO (the default is WARNING)",
        "  --log-level LEVEL   log lines down to LEVEL: OFF, ERROR, WARNING, INFO, DEBUG,",
        "                      TRACE or ALL",
        "  --log-file FILE     append the log lines to FILE instead of standard error (at the",
        "                      prompt they are printed above the prompt)",
        "  -h, --help          print this help and exit",
        "",
        "Exit status: 0 when every command succeeded, 1 when a command failed, 2 for a",
        "usage error.");

    ConsoleArguments {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(logLevel, "logLevel");
    }

    /** Arguments without a {@code --config} option and the default logging. */
    ConsoleArguments(Mode mode, String command, String error) {
        this(mode, command, error, null);
    }

    /** Arguments with the default logging: {@link ConsoleLog#DEFAULT_LEVEL} to standard error. */
    ConsoleArguments(Mode mode, String command, String error, String config) {
        this(mode, command, error, config, ConsoleLog.DEFAULT_LEVEL, null);
    }

    /**
     * Parses the launcher's arguments.
     *
     * @param args the arguments given to {@code java -jar scard.jar}; {@code null} counts as none
     * @return the parsed arguments; never {@code null}, a bad command line gives {@link Mode#USAGE_ERROR}
     */
    static ConsoleArguments parse(String[] args) {
        if (args == null || args.length == 0) {
            return new ConsoleArguments(Mode.STDIN, null, null);
        }
        String command = null;
        String config = null;
        ConsoleLog.Level logLevel = null;
        String logFile = null;
        boolean commandGiven = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg == null) {
                return usageError("empty argument");
            }
            switch (arg) {
                case "-h", "--help", "-?" -> {
                    return new ConsoleArguments(Mode.HELP, null, null);
                }
                case "-c", "--command" -> {
                    if (commandGiven) {
                        return usageError("option " + arg + " given more than once; join the commands with ';'");
                    }
                    if (i + 1 >= args.length) {
                        return usageError("option " + arg + " needs a command string, e.g. " + arg + " 'lb'");
                    }
                    command = args[++i];
                    commandGiven = true;
                }
                case "-v", "--verbose" -> {
                    if (logLevel != null) {
                        return usageError("option " + arg + " given with another -v or --log-level");
                    }
                    logLevel = ConsoleLog.Level.INFO;
                }
                case "--log-level" -> {
                    if (logLevel != null) {
                        return usageError("option --log-level given with another -v or --log-level");
                    }
                    if (i + 1 >= args.length) {
                        return usageError("option --log-level needs a level, e.g. --log-level INFO");
                    }
                    logLevel = ConsoleLog.parseLevel(args[++i]);
                    if (logLevel == null) {
                        return usageError("unknown log level '" + args[i] + "' (OFF, ERROR, WARNING, INFO, DEBUG,"
                                + " TRACE or ALL)");
                    }
                }
                case "--log-file" -> {
                    if (logFile != null) {
                        return usageError("option --log-file given more than once");
                    }
                    if (i + 1 >= args.length || args[i + 1].isEmpty()) {
                        return usageError("option --log-file needs a file, e.g. --log-file scard.log");
                    }
                    logFile = args[++i];
                }
                case "--config" -> {
                    if (config != null) {
                        return usageError("option --config given more than once");
                    }
                    if (i + 1 >= args.length) {
                        return usageError("option --config needs a file, e.g. --config scard.json");
                    }
                    config = args[++i];
                }
                default -> {
                    if (arg.startsWith("--command=")) {
                        if (commandGiven) {
                            return usageError("option --command given more than once; join the commands with ';'");
                        }
                        command = arg.substring("--command=".length());
                        commandGiven = true;
                    } else if (arg.startsWith("--config=")) {
                        if (config != null) {
                            return usageError("option --config given more than once");
                        }
                        config = arg.substring("--config=".length());
                    } else if (arg.startsWith("-")) {
                        return usageError("unknown option: " + arg);
                    } else {
                        return usageError("unexpected argument: " + arg + " (to run a command, use -c '" + arg + "')");
                    }
                }
            }
        }
        return new ConsoleArguments(commandGiven ? Mode.COMMAND : Mode.STDIN, command, null, config,
                logLevel != null ? logLevel : ConsoleLog.DEFAULT_LEVEL, logFile);
    }

    private static ConsoleArguments usageError(String error) {
        return new ConsoleArguments(Mode.USAGE_ERROR, null, error);
    }
}

package dev.scard.simulator.control;

/**
 * How a replayed trace ({@link SimulatorControl#insertTrace}) finds the response to a command.
 */
public enum ReplayMatch {
    /**
     * In the recorded order (the default): each command must be the next recorded one, and gets its recorded response;
     * recorded resets and removals are reproduced as the replay reaches them. A command that is not the next recorded
     * one gets the replay's status word for unanswered commands, is reported as where the replay diverged, and the
     * replay stays where it was (the expected command still gets its response).
     */
    ORDER,
    /**
     * By command, in any order: a command gets the response of the next recorded exchange with the same command
     * (searching on from the last one answered, so a command recorded several times gets its responses in turn). The
     * recorded resets and removals are not reproduced.
     */
    COMMAND
}

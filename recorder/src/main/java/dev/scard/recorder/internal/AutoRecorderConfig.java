package dev.scard.recorder.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One automatic recorder, a factory configuration of PID {@value AutoRecorder#FACTORY_PID}. */
@ObjectClassDefinition(id = AutoRecorder.FACTORY_PID, name = "SCard session recorder",
        description = "Records every card session (each attachment, from attach to detach) on the chosen readers "
                + "into a trace file of its own (JSON, format scard-trace/1), with the data of PIN and key commands "
                + "withheld. A file that cannot be written is logged as a warning naming it; the card session goes on.")
public @interface AutoRecorderConfig {

    /** Which readers. */
    @AttributeDefinition(name = "Readers",
            description = "Reader names, or globs with * (any characters) and ? (one character), such as "
                    + "'Virtual PCD *'; a session on a reader any of them matches is recorded. Default: every reader.")
    String[] readers() default {"*"};

    /** Where the files go. */
    @AttributeDefinition(name = "Directory",
            description = "The directory the trace files are written into; it must exist and be writable.")
    String directory();

    /** The files' names. */
    @AttributeDefinition(name = "File name pattern",
            description = "The name of each session's file: {reader} (the reader's name, characters other than "
                    + "letters, digits, '.', '-' and '_' as '_'), {backend}, {attachment} (the manager's trace id) and "
                    + "{time} (the session's start, UTC, yyyyMMdd-HHmmss-SSS) are replaced. An existing file is never "
                    + "overwritten: -2, -3, ... is added before the extension.")
    String fileNamePattern() default "{reader}-{time}.json";
}

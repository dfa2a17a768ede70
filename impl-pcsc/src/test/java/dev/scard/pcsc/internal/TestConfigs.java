package dev.scard.pcsc.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import dev.scard.testsupport.Configs;

/** {@link PcscConfig} values as Config Admin would hand them over, and a catcher of log records, for tests. */
final class TestConfigs {

    private TestConfigs() {
    }

    /** A configuration with these values. */
    static PcscConfig config(String filter, String library, int poll, int check, int lockWait) {
        return config(filter, library, poll, check, lockWait, 120_000);
    }

    /** A configuration with every value given. */
    static PcscConfig config(String filter, String library, int poll, int check, int lockWait, int callTimeout) {
        return Configs.of(PcscConfig.class, "readerFilter", filter, "libraryPath", library,
                "transactionPollMillis", poll, "cardCheckMillis", check, "minimumLockWaitMillis", lockWait,
                "callTimeoutMillis", callTimeout);
    }

    /** A configuration with the default numbers. */
    static PcscConfig config(String filter, String library) {
        return config(filter, library, 2, 100, 250);
    }

    /** Collects what a {@link System.Logger} of the given name logs (through java.util.logging) until closed. */
    static final class LogCatcher extends Handler implements AutoCloseable {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Logger logger;

        LogCatcher(Class<?> loggingClass) {
            logger = Logger.getLogger(loggingClass.getName());
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        /** The messages logged at SEVERE (System.Logger's ERROR). */
        List<String> errors() {
            return records.stream().filter(r -> r.getLevel() == java.util.logging.Level.SEVERE)
                    .map(LogRecord::getMessage).toList();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}

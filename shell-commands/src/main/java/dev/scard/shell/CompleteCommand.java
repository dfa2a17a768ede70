package dev.scard.shell;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.scard.shell.text.CommandUsage;

/**
 * {@code scard:__complete}: the candidates for the word being typed in a {@code scard:} command, for the console's
 * completion (the distribution's console calls {@code <scope>:__complete} of a command's scope when Tab is pressed
 * after the command's name). What the word is comes from the command's usage ({@link CommandUsage#completing}):
 * option names, backend names, reader names (and the share modes after them), file identifiers of the current
 * directory, dispositions, protocols, file types and authentication modes.
 */
@Component(service = CompleteCommand.class, immediate = true)
@GogoCommand(scope = "scard", function = "__complete")
public class CompleteCommand {

    private final ScardCommands commands;
    private final FileCommands files;
    private final Map<String, CommandUsage> usages = new LinkedHashMap<>();

    /**
     * @param commands the {@code scard:} commands, which know the readers, backends and sessions
     * @param files the file commands, which know the current directory
     */
    @Activate
    public CompleteCommand(@Reference ScardCommands commands, @Reference FileCommands files) {
        this.commands = commands;
        this.files = files;
        for (Class<?> type : new Class<?>[] {ScardCommands.class, FileCommands.class, PinCommands.class,
            AuthCommands.class, BackendCommands.class, WatchCommand.class, TraceCommand.class, RecordCommand.class}) {
            for (Field field : type.getDeclaredFields()) {
                if (field.getType() == CommandUsage.class && Modifier.isStatic(field.getModifiers())) {
                    try {
                        field.setAccessible(true);
                        CommandUsage usage = (CommandUsage) field.get(null);
                        usages.put(usage.command(), usage);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }

    /**
     * The candidates for the last word.
     *
     * @param session the Gogo session, whose attachment the file identifiers come from
     * @param words the command's name (with or without {@code scard:}), the words before the one being typed, and
     *        the start of that word (maybe empty)
     * @return the candidates that start with what was typed
     */
    @Descriptor("the candidates for the last word of a scard: command line, for the console's completion")
    public List<String> __complete(CommandSession session, @Descriptor("the command, its words, the word being typed")
            String... words) {
        if (words.length < 2) {
            return List.of();
        }
        String name = words[0].startsWith("scard:") ? words[0] : "scard:" + words[0];
        CommandUsage usage = usages.get(name);
        if (usage == null) {
            return List.of();
        }
        List<String> before = Arrays.asList(words).subList(1, words.length - 1);
        String current = words[words.length - 1];
        String kind = usage.completing(before, current);
        List<String> all = new ArrayList<>();
        if (kind == null) {
            return all;
        }
        switch (kind) {
            case CommandUsage.OPTIONS -> all.addAll(usage.optionNames());
            case "backend" -> all.addAll(commands.backendNames());
            case "reader" -> {
                all.addAll(commands.readerNames(""));
                if (!before.isEmpty() && (name.equals("scard:attach") || name.equals("scard:connect"))) {
                    all.addAll(List.of("shared", "exclusive"));
                }
            }
            case "file", "dir", "fid" -> {
                all.addAll(files.fileIds(session));
                if (kind.equals("dir")) {
                    all.add("..");
                }
            }
            case "disposition" -> all.addAll(List.of("leave", "reset", "unpower", "eject"));
            case "initialization" -> all.addAll(List.of("leave", "reset", "unpower"));
            case "protocols" -> all.addAll(List.of("t0", "t1", "raw", "any", "t0,t1"));
            case "type" -> all.addAll(List.of("transparent", "linear-fixed", "linear-variable", "cyclic", "df"));
            case "mode" -> all.addAll(List.of("internal", "external"));
            case "tag" -> all.addAll(List.of("lifecycle", "8A"));
            default -> {
                // a number, a PIN, data: nothing to offer
            }
        }
        List<String> matching = new ArrayList<>();
        for (String candidate : all) {
            if (candidate.startsWith(current) && !matching.contains(candidate)) {
                matching.add(candidate);
            }
        }
        return matching;
    }
}

package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.scard.console.InitialConfiguration.Entry;
import dev.scard.console.InitialConfiguration.Problem;

class InitialConfigurationTest {

    @TempDir
    Path tmp;

    @Test
    void parsesPidsFactoryConfigurationsAndPlainValues() throws Problem {
        List<Entry> entries = InitialConfiguration.parse(String.join("\n",
            "{",
            "  // the simulator's own readers",
            "  \":configurator:resource-version\": 1,",
            "  \":configurator:symbolic-name\": \"scard.initial\",",
            "  \"dev.scard.simulator\": {",
            "    \"readers\": [\"Simulated Reader 0\", \"Simulated Reader 1\"], /* both */",
            "    \"cardInserted\": [],",
            "    \":configurator:policy\": \"force\"",
            "  },",
            "  \"dev.scard.simulator.reader~lab\": { \"name\": \"Lab\", \"cardInserted\": false, \"port\": 35963,",
            "    \"ratio\": 0.5, \"flags\": [true, false], \"ports\": [1, 2] }",
            "}"));
        assertThat(entries).extracting(Entry::pid).containsExactly("dev.scard.simulator",
            "dev.scard.simulator.reader");
        assertThat(entries).extracting(Entry::name).containsExactly(null, "lab");
        assertThat(entries).extracting(Entry::key).containsExactly("dev.scard.simulator",
            "dev.scard.simulator.reader~lab");
        Hashtable<String, Object> simulator = entries.get(0).properties();
        assertThat(simulator).containsOnlyKeys("readers", "cardInserted");
        assertThat((String[]) simulator.get("readers")).containsExactly("Simulated Reader 0", "Simulated Reader 1");
        assertThat((String[]) simulator.get("cardInserted")).isEmpty();
        Hashtable<String, Object> lab = entries.get(1).properties();
        assertThat(lab.get("name")).isEqualTo("Lab");
        assertThat(lab.get("cardInserted")).isEqualTo(Boolean.FALSE);
        assertThat(lab.get("port")).isEqualTo(35963L);
        assertThat(lab.get("ratio")).isEqualTo(0.5);
        assertThat((Boolean[]) lab.get("flags")).containsExactly(true, false);
        assertThat((Long[]) lab.get("ports")).containsExactly(1L, 2L);
    }

    @Test
    void typeSuffixesConvert() throws Problem {
        Hashtable<String, Object> properties = InitialConfiguration.parse("{\"p\": {\"a:Integer\": 5,"
            + " \"b:String\": 7, \"c:Boolean\": \"true\", \"d:Integer[]\": [1, \"2\"], \"e:Float\": 1,"
            + " \"f:Character\": \"x\", \"g:Short\": \"12\", \"h:Long[]\": []}}").get(0).properties();
        assertThat(properties.get("a")).isEqualTo(5);
        assertThat(properties.get("b")).isEqualTo("7");
        assertThat(properties.get("c")).isEqualTo(true);
        assertThat((Integer[]) properties.get("d")).containsExactly(1, 2);
        assertThat(properties.get("e")).isEqualTo(1.0f);
        assertThat(properties.get("f")).isEqualTo('x');
        assertThat(properties.get("g")).isEqualTo((short) 12);
        assertThat((Long[]) properties.get("h")).isEmpty();
    }

    @Test
    void anEmptyFileObjectHasNoConfigurations() throws Problem {
        assertThat(InitialConfiguration.parse("{}")).isEmpty();
        assertThat(InitialConfiguration.parse("{ \"p\": {} }").get(0).properties()).isEmpty();
    }

    @Test
    void badFilesSayWhereAndWhat() {
        assertBad("{\n  \"p\": { \"a\": 1,, }\n}", "line 2, column 17: not valid JSON: Unexpected character (',' ");
        assertBad("", "the file is empty (write {} for no configurations)");
        assertBad(" // nothing\n", "the file is empty");
        assertBad("[1]", "line 1, column 1: the file must hold one JSON object whose keys are configuration PIDs");
        assertBad("{\"p\": 5}", "line 1, column 7: 'p': a configuration is a JSON object of property names and values");
        assertBad("{\"p\": {\"a\": null}}", "line 1, column 13: 'p', property 'a': null is not a configuration value");
        assertBad("{\"p\": {\"a\": {\"b\": 1}}}", "'p', property 'a': nested objects and arrays are not");
        assertBad("{\"p\": {\"a\": [[1]]}}", "'p', property 'a': nested objects and arrays are not");
        assertBad("{\"p\": {\"a\": [1, \"x\"]}}", "'p', property 'a': an array mixes Long and String values");
        assertBad("{\"p\": {\"a:Integer\": \"x\"}}", "'p', property 'a': 'x' is not a Integer");
        assertBad("{\"p\": {\"a:Integer\": 1.5}}", "'p', property 'a': 1.5 is not a whole number (Integer)");
        assertBad("{\"p\": {\"a:Byte\": 300}}", "'p', property 'a': '300' is not a Byte (or is out of its range)");
        assertBad("{\"p\": {\"a:Boolean\": 1}}", "'p', property 'a': '1' is not a Boolean (true or false)");
        assertBad("{\"p\": {\"a:Date\": 1}}", "'p', property 'a': unsupported type 'Date'");
        assertBad("{\"p\": {\"a:Integer[]\": 1}}", "'p', property 'a': type Integer[] needs a JSON array");
        assertBad("{\"p\": {\"a:Integer\": [1]}}", "'p', property 'a': an array needs an array type, such as Integer[]");
        assertBad("{\"p\": {\"a\": 1, \"a:Long\": 2}}", "'p': property 'a' appears twice");
        assertBad("{\"p\": {\"a\": 1, \"a\": 2}}", "not valid JSON: Duplicate field 'a'");
        assertBad("{\"p\": {\":x\": 1}}", "'p': a property without a name");
        assertBad("{\"p~\": {}}", "'p~': a factory configuration needs a name after '~'");
        assertBad("{\" \": {}}", "' ' is not a configuration PID");
        assertBad("{\":configurator:resource-version\": 2}",
            "':configurator:resource-version' must be 1 (the OSGi Configurator's format version 1)");
        assertBad("{} {}", "text after the end of the JSON object");
        assertBad("{\"p\": {\"a\": 99999999999999999999}}", "'p', property 'a': the number 99999999999999999999 is");
    }

    @Test
    void propertyNamesAreCaseInsensitiveAndConfigAdminsOwnAreRefused() throws Exception {
        assertBad("{\"p\": {\"a\": 1, \"A\": 2}}", "'p': property 'A' appears twice (as 'a'; property names are"
            + " case-insensitive)");
        assertBad("{\"p\": {\"Port\": 1, \"port:Long\": 2}}", "'p': property 'port' appears twice (as 'Port'");
        for (String reserved : new String[] {"service.pid", "service.factoryPid", "service.bundleLocation",
            "SERVICE.PID", "service.factorypid", "Service.BundleLocation:String"}) {
            String name = reserved.replace(":String", "");
            assertBad("{\"ok\": {}, \"p\": {\"" + reserved + "\": \"x\"}}", "'p': property '" + name
                + "' is set by Config Admin, not by a configuration");
        }
        assertThat(InitialConfiguration.parse("{\"p\": {\"service.ranking:Integer\": 1, \"a\": 1, \"b\": 2}}"))
            .hasSize(1);
    }

    private static void assertBad(String text, String message) {
        assertThatThrownBy(() -> InitialConfiguration.parse(text)).isInstanceOf(Problem.class)
            .hasMessageContaining(message);
    }

    @Test
    void theOptionWinsThenThePropertyThenTheFileBesideTheJar() throws Exception {
        Path jar = Files.createFile(tmp.resolve("scard.jar"));
        assertThat(InitialConfiguration.locate(null, null, jar.toString())).isEmpty();
        Path beside = Files.writeString(tmp.resolve("scard.json"), "{}");
        assertThat(InitialConfiguration.locate(null, null, jar.toString())).contains(beside);
        assertThat(InitialConfiguration.locate(null, "other.json", jar.toString())).contains(Path.of("other.json"));
        assertThat(InitialConfiguration.locate("mine.json", "other.json", jar.toString()))
            .contains(Path.of("mine.json"));
        assertThat(InitialConfiguration.locate("", "other.json", jar.toString())).isEmpty();
        assertThat(InitialConfiguration.locate(null, " ", jar.toString())).isEmpty();
        // not started as java -jar: no default
        assertThat(InitialConfiguration.locate(null, null, tmp + "/classes" + java.io.File.pathSeparator + jar))
            .isEmpty();
        assertThat(InitialConfiguration.locate(null, null, null)).isEmpty();
        assertThatThrownBy(() -> InitialConfiguration.locate("a\0b", null, null)).isInstanceOf(Problem.class)
            .hasMessageStartingWith("'a\0b' is not a file path");
    }

    @Test
    void readingSaysWhyAFileCannotBeRead() throws Exception {
        assertThat(InitialConfiguration.read(Files.writeString(tmp.resolve("ok.json"), "{}"))).isEqualTo("{}");
        assertThatThrownBy(() -> InitialConfiguration.read(tmp.resolve("missing.json"))).isInstanceOf(Problem.class)
            .hasMessage("does not exist");
        assertThatThrownBy(() -> InitialConfiguration.read(Path.of("missing-here.json")))
            .hasMessageStartingWith("does not exist (relative to /");
        assertThatThrownBy(() -> InitialConfiguration.read(tmp)).hasMessage("is a folder, not a file");
        Path latin1 = Files.write(tmp.resolve("latin1.json"), new byte[] {'{', (byte) 0xE9, '}'});
        assertThatThrownBy(() -> InitialConfiguration.read(latin1)).hasMessage("is not UTF-8 text");
    }

    @Test
    void appliesEachConfigurationOnceAndOnlyWhenItChanges() throws Exception {
        FakeConfigurationAdmin admin = new FakeConfigurationAdmin();
        List<Entry> entries = InitialConfiguration.parse("{\"a\": {\"x\": 1}, \"f~one\": {\"y\": \"z\"}}");
        assertThat(InitialConfiguration.apply(admin.proxy(), entries)).containsExactly("a", "f~one");
        assertThat(admin.calls).containsExactly("getConfiguration a ?", "getFactoryConfiguration f one ?");
        assertThat(admin.stored.get("a").get("x")).isEqualTo(1L);
        assertThat(admin.stored.get("f~one").get("y")).isEqualTo("z");
        assertThat(InitialConfiguration.apply(admin.proxy(), entries)).isEmpty();
        entries = InitialConfiguration.parse("{\"a\": {\"x\": 2}}");
        assertThat(InitialConfiguration.apply(admin.proxy(), entries)).containsExactly("a");
        assertThat(admin.stored.get("a").get("x")).isEqualTo(2L);
    }

    /** Config Admin as far as {@code apply} uses it: configurations that store what they are given. */
    static final class FakeConfigurationAdmin {
        final List<String> calls = new ArrayList<>();
        final Map<String, Dictionary<String, Object>> stored = new HashMap<>();

        ConfigurationAdmin proxy() {
            return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (self, method, args) -> {
                    switch (method.getName()) {
                        case "getConfiguration":
                            calls.add("getConfiguration " + args[0] + " " + args[1]);
                            return configuration((String) args[0]);
                        case "getFactoryConfiguration":
                            calls.add("getFactoryConfiguration " + args[0] + " " + args[1] + " " + args[2]);
                            return configuration(args[0] + "~" + args[1]);
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
        }

        private Configuration configuration(String pid) {
            return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (self, method, args) -> {
                    switch (method.getName()) {
                        case "getPid":
                            return pid;
                        case "updateIfDifferent":
                            @SuppressWarnings("unchecked")
                            Dictionary<String, Object> properties = (Dictionary<String, Object>) args[0];
                            if (properties.equals(stored.get(pid))) {
                                return false;
                            }
                            stored.put(pid, new Hashtable<>(toMap(properties)));
                            return true;
                        default:
                            throw new IOException("unexpected " + method.getName());
                    }
                });
        }

        private static Map<String, Object> toMap(Dictionary<String, Object> properties) {
            Map<String, Object> map = new HashMap<>();
            for (String key : java.util.Collections.list(properties.keys())) {
                map.put(key, properties.get(key));
            }
            return map;
        }
    }

    @Test
    void optionalIsEmptyWhenNothingIsGivenOrFound() throws Problem {
        assertThat(InitialConfiguration.locate(null, null, "/nowhere/scard.jar")).isEqualTo(Optional.empty());
    }
}

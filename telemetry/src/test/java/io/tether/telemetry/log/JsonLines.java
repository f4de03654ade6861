package io.tether.telemetry.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads JSON-lines log files with Python's json module (a real parser, not ours): every line must be one JSON
 * object with {@code ts}, {@code level} and {@code event}, or the parse fails. Each record comes back as its keys
 * and values (values as Python's {@code str}, so numbers stay numbers and booleans read True/False).
 */
public final class JsonLines {
    private static final String SCRIPT = String.join("\n",
        "import json, sys",
        "for path in sys.argv[1:]:",
        "    for n, line in enumerate(open(path, encoding='utf-8'), 1):",
        "        o = json.loads(line)",
        "        assert isinstance(o, dict), (path, n)",
        "        for k in ('ts', 'level', 'event'):",
        "            assert k in o, (path, n, k)",
        "        print('\\t'.join(k + '=' + ('' if v is None else str(v)).replace('\\t', ' ').replace('\\n', ' ')",
        "                        for k, v in o.items()))",
        "");

    private JsonLines() {
    }

    /** Every record of the files, in order; fails the test when Python cannot parse one. */
    public static List<Map<String, String>> parse(Path... files) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c", SCRIPT));
        for (Path f : files) {
            command.add(f.toString());
        }
        final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("python3's json module could not parse " + List.of(files));
        }
        final List<Map<String, String>> records = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            final Map<String, String> r = new LinkedHashMap<>();
            for (String kv : line.split("\t")) {
                final int eq = kv.indexOf('=');
                r.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            records.add(r);
        }
        return records;
    }
}

package io.nemospawn.core.internal.launch;

import io.nemospawn.launch.Template;
import io.nemospawn.spi.StateFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Parses team templates in the reference tool's TOML, plus our {@code profile}/{@code runtime}
 * worker keys and the {@code [hpo]} section. Every error names the source and the line. Stateless
 * and thread-safe.
 */
final class TemplateParser {
  private static final TomlMapper TOML = TomlMapper.builder().build();
  private static final Set<String> TOP_KEYS = new LinkedHashSet<>(
      List.of("name", "description", "min_gpus", "workers", "hpo", "nemo_config"));
  private static final Set<String> WORKER_KEYS = new LinkedHashSet<>(List.of(
      "name",
      "role",
      "gpu_count",
      "task",
      "blocked_by",
      "profile",
      "runtime",
      "nemo_config",
      "nemo_overrides"));
  /**
   * The shape of a Hydra override (nemospawn-nvidia's {@code NemoOverride} parses the value and
   * types it against the config when the agent applies it): an optional {@code +}, {@code ++} or
   * {@code ~}, a dotted key, then {@code =value} (optional only for {@code ~}), no control
   * characters.
   */
  private static final Pattern NEMO_OVERRIDE =
      Pattern.compile("(~|\\+\\+|\\+)?[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*(=[^\\p{Cntrl}]*)?");

  private static final Set<String> HPO_KEYS = new LinkedHashSet<>(
      List.of("study", "search_space", "objective", "budget", "sampler", "pruner"));
  private static final Pattern HEADER =
      Pattern.compile("^\\s*(\\[\\[?)\\s*([^\\]]+?)\\s*\\]\\]?.*$");
  private static final Pattern KEY =
      Pattern.compile("^\\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.-]+)\\s*=.*$");

  private TemplateParser() {}

  static Template parse(String text, String source) {
    JsonNode root;
    try {
      root = TOML.readTree(text);
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      if (line > 1 && e.getLocation().getColumnNr() <= 1) {
        // The lexer reports a problem found at a line break at the start of the next line.
        line--;
      }
      throw new IllegalArgumentException(
          at(source, line) + ": invalid TOML: " + firstLine(e.getOriginalMessage())
              + ". Fix the syntax; see docs/launch.md.",
          e);
    }
    Lines lines = Lines.scan(text);
    for (String key : names(root)) {
      if (!TOP_KEYS.contains(key)) {
        throw new IllegalArgumentException(at(source, lines.line("", key)) + ": unknown key '" + key
            + "'; a template has the keys " + TOP_KEYS + ".");
      }
    }
    String name = string(root, "name", "", source, lines.line("", "name"));
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          at(source, 1) + ": the template has no name; add name = \"my-team\" at the top.");
    }
    try {
      StateFormat.requireName("template name", name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          at(source, lines.line("", "name")) + ": " + e.getMessage(), e);
    }
    String description = string(root, "description", "", source, lines.line("", "description"));
    int minGpus = integer(root, "min_gpus", 0, source, lines.line("", "min_gpus"));
    String nemoConfig = nemoConfig(root, "the template", source, lines.line("", "nemo_config"), "");
    JsonNode ws = root.get("workers");
    if (ws == null || !ws.isArray() || ws.isEmpty()) {
      throw new IllegalArgumentException(at(source, ws == null ? 1 : lines.line("", "workers"))
          + ": the template has no workers; add at least one [[workers]] table with name, role"
          + " and task.");
    }
    List<Template.Worker> workers = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < ws.size(); i++) {
      JsonNode w = ws.get(i);
      String table = "workers#" + i;
      int header = lines.header(table);
      if (!w.isObject()) {
        throw new IllegalArgumentException(
            at(source, header) + ": each entry of workers must be a table ([[workers]]).");
      }
      for (String key : names(w)) {
        if (!WORKER_KEYS.contains(key)) {
          throw new IllegalArgumentException(at(source, lines.line(table, key))
              + ": unknown key '" + key + "' in worker " + (i + 1) + "; a worker has the keys "
              + WORKER_KEYS + ".");
        }
      }
      String wname = string(w, "name", "", source, lines.line(table, "name"));
      if (wname.isEmpty()) {
        throw new IllegalArgumentException(
            at(source, header) + ": worker " + (i + 1) + " has no name; add name = \"trainer-1\".");
      }
      try {
        StateFormat.requireName("worker name", wname);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            at(source, lines.line(table, "name")) + ": " + e.getMessage(), e);
      }
      if (wname.equals("leader")) {
        throw new IllegalArgumentException(at(source, lines.line(table, "name"))
            + ": worker name 'leader' is reserved for the team's leader; choose another name.");
      }
      if (seen.containsKey(wname)) {
        throw new IllegalArgumentException(at(source, lines.line(table, "name"))
            + ": worker name '" + wname + "' is used twice (first at line " + seen.get(wname)
            + "); worker names must be unique.");
      }
      seen.put(wname, lines.line(table, "name"));
      List<String> blockedBy = new ArrayList<>();
      JsonNode bb = w.get("blocked_by");
      if (bb != null) {
        if (!bb.isArray()) {
          throw new IllegalArgumentException(at(source, lines.line(table, "blocked_by"))
              + ": blocked_by of worker '" + wname + "' must be a list of worker names, e.g."
              + " blocked_by = [\"data-prep\"].");
        }
        for (JsonNode d : bb) {
          if (!d.isString()) {
            throw new IllegalArgumentException(at(source, lines.line(table, "blocked_by"))
                + ": blocked_by of worker '" + wname + "' holds " + d + ", not a worker name.");
          }
          blockedBy.add(d.asString());
        }
      }
      workers.add(new Template.Worker(
          wname,
          string(w, "role", "worker", source, lines.line(table, "role")),
          integer(w, "gpu_count", 0, source, lines.line(table, "gpu_count")),
          string(w, "task", "", source, lines.line(table, "task")),
          blockedBy,
          string(w, "profile", "", source, lines.line(table, "profile")),
          string(w, "runtime", "", source, lines.line(table, "runtime")),
          header,
          nemoConfig(
              w, "worker '" + wname + "'", source, lines.line(table, "nemo_config"), nemoConfig),
          nemoOverrides(w, wname, source, lines.line(table, "nemo_overrides"))));
    }
    checkDependencies(workers, lines, source);
    Template.Hpo hpo = hpo(root.get("hpo"), text, lines, source);
    return new Template(name, description, minGpus, workers, hpo, source);
  }

  private static String nemoConfig(JsonNode n, String who, String source, int line, String dflt) {
    String path = string(n, "nemo_config", dflt, source, line);
    if (n.has("nemo_config")
        && (path.isBlank() || path.chars().anyMatch(Character::isISOControl))) {
      throw new IllegalArgumentException(at(source, line) + ": nemo_config of " + who
          + " must be the path of a NeMo YAML config, without control characters; was '"
          + StateFormat.printable(path) + "'.");
    }
    return path;
  }

  private static List<String> nemoOverrides(JsonNode w, String wname, String source, int line) {
    JsonNode n = w.get("nemo_overrides");
    if (n == null) {
      return List.of();
    }
    String form = "; write a list of Hydra overrides, e.g. nemo_overrides ="
        + " [\"trainer.max_steps=5000\", \"+model.new_key=1\", \"~model.drop_key\"].";
    if (!n.isArray()) {
      throw new IllegalArgumentException(at(source, line) + ": nemo_overrides of worker '" + wname
          + "' must be a list of strings" + form);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode o : n) {
      if (!o.isString()) {
        throw new IllegalArgumentException(at(source, line) + ": nemo_overrides of worker '" + wname
            + "' holds " + o + ", not a string" + form);
      }
      String text = o.asString();
      boolean delete = text.startsWith("~");
      if (text.length() > 4096
          || !NEMO_OVERRIDE.matcher(text).matches()
          || (!delete && !text.contains("="))) {
        throw new IllegalArgumentException(at(source, line) + ": nemo_overrides of worker '"
            + wname + "' holds '" + StateFormat.printable(text) + "', which is no Hydra"
            + " override (key=value, +key=value, ++key=value or ~key; keys are dot-separated"
            + " names of letters, digits, '_' and '-'; no control characters)" + form);
      }
      out.add(text);
    }
    return out;
  }

  private static void checkDependencies(List<Template.Worker> workers, Lines lines, String source) {
    Map<String, Template.Worker> byName = new LinkedHashMap<>();
    workers.forEach(w -> byName.put(w.name(), w));
    for (int i = 0; i < workers.size(); i++) {
      Template.Worker w = workers.get(i);
      for (String d : w.blockedBy()) {
        if (!byName.containsKey(d)) {
          throw new IllegalArgumentException(at(source, lines.line("workers#" + i, "blocked_by"))
              + ": worker '" + w.name() + "' is blocked_by '" + d + "', which is no worker;"
              + " workers: " + byName.keySet() + ".");
        }
        if (d.equals(w.name())) {
          throw new IllegalArgumentException(at(source, lines.line("workers#" + i, "blocked_by"))
              + ": worker '" + w.name() + "' is blocked_by itself; remove it from blocked_by.");
        }
      }
    }
    Map<String, Integer> mark = new HashMap<>();
    for (Template.Worker w : workers) {
      List<String> path = new ArrayList<>();
      visit(w.name(), byName, mark, path, workers, lines, source);
    }
  }

  private static void visit(
      String name,
      Map<String, Template.Worker> byName,
      Map<String, Integer> mark,
      List<String> path,
      List<Template.Worker> workers,
      Lines lines,
      String source) {
    Integer m = mark.get(name);
    if (m != null && m == 2) {
      return;
    }
    if (m != null && m == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      int index = workers.indexOf(byName.get(name));
      throw new IllegalArgumentException(at(source, lines.line("workers#" + index, "blocked_by"))
          + ": blocked_by forms a cycle: " + String.join(" -> ", cycle)
          + "; a worker cannot wait, directly or not, for itself. Remove one of these"
          + " dependencies.");
    }
    mark.put(name, 1);
    path.add(name);
    Template.Worker worker = byName.get(name); // known: unknown blocked_by names failed above
    for (String d : worker == null ? List.<String>of() : worker.blockedBy()) {
      visit(d, byName, mark, path, workers, lines, source);
    }
    path.remove(path.size() - 1);
    mark.put(name, 2);
  }

  private static Template.Hpo hpo(JsonNode node, String text, Lines lines, String source) {
    if (node == null) {
      return Template.Hpo.none();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(at(source, lines.line("", "hpo"))
          + ": hpo must be a table ([hpo] with study = \"name\" and [hpo.search_space]).");
    }
    for (String key : names(node)) {
      if (!HPO_KEYS.contains(key)) {
        throw new IllegalArgumentException(at(source, lines.line("hpo", key)) + ": unknown key '"
            + key + "' in [hpo]; it has the keys " + HPO_KEYS + ".");
      }
    }
    String study = string(node, "study", "", source, lines.line("hpo", "study"));
    if (study.isEmpty()) {
      throw new IllegalArgumentException(
          at(source, lines.header("hpo")) + ": [hpo] has no study name; add study = \"my-study\".");
    }
    try {
      StateFormat.requireName("study name", study);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          at(source, lines.line("hpo", "study")) + ": " + e.getMessage(), e);
    }
    if (!node.has("search_space")) {
      throw new IllegalArgumentException(at(source, lines.header("hpo"))
          + ": [hpo] has no search space; add [hpo.search_space] with parameters such as"
          + " lr = { type = \"loguniform\", low = 1e-4, high = 1e-1 }.");
    }
    return new Template.Hpo(study, hpoToml(text));
  }

  /**
   * Returns the {@code [hpo.*]} tables as an HPO TOML document whose line numbers match the
   * template: the other lines are blanked and {@code [hpo.x]} becomes {@code [x]}.
   */
  static String hpoToml(String text) {
    String[] all = text.split("\n", -1);
    StringBuilder b = new StringBuilder();
    String table = "";
    for (int i = 0; i < all.length; i++) {
      String l = all[i];
      Matcher h = HEADER.matcher(l);
      String out = "";
      if (!l.strip().startsWith("#") && h.matches()) {
        table = h.group(1).length() == 2 ? "[[" + h.group(2) : h.group(2).replace(" ", "");
        if (table.startsWith("hpo.")) {
          out = "[" + table.substring(4) + "]";
        }
      } else if (table.startsWith("hpo.")) {
        out = l;
      } else if (table.equals("hpo")) {
        Matcher k = KEY.matcher(l);
        out = k.matches() && unquote(k.group(1)).equals("study") ? "" : l;
      }
      b.append(out);
      if (i < all.length - 1) {
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static List<String> names(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.propertyNames().forEach(out::add);
    return out;
  }

  private static String string(JsonNode n, String key, String dflt, String source, int line) {
    JsonNode v = n.get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isString()) {
      throw new IllegalArgumentException(at(source, line) + ": " + key + " must be a string,"
          + " was " + v + "; quote it: " + key + " = \"...\".");
    }
    return v.asString();
  }

  private static int integer(JsonNode n, String key, int dflt, String source, int line) {
    JsonNode v = n.get(key);
    if (v == null) {
      return dflt;
    }
    if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 4096) {
      throw new IllegalArgumentException(
          at(source, line) + ": " + key + " must be a whole number from 0 to 4096, was " + v + ".");
    }
    return v.asInt();
  }

  static String at(String source, int line) {
    return line > 0 ? source + ", line " + line : source;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "syntax error";
    }
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip().replaceAll("\\.$", "");
  }

  private static String unquote(String k) {
    if ((k.startsWith("\"") && k.endsWith("\"")) || (k.startsWith("'") && k.endsWith("'"))) {
      return k.substring(1, k.length() - 1);
    }
    return k;
  }

  /** Where each key sits: table ("" for the top, "workers#i", "hpo" …) and key → line. */
  private static final class Lines {
    private final Map<String, Integer> keys = new HashMap<>();
    private final Map<String, Integer> headers = new HashMap<>();

    static Lines scan(String text) {
      Lines out = new Lines();
      String[] all = text.split("\n", -1);
      String table = "";
      Map<String, Integer> arrays = new HashMap<>();
      boolean inMultiline = false;
      for (int i = 0; i < all.length; i++) {
        String l = all[i];
        int quotes = count(l, "\"\"\"") + count(l, "'''");
        if (inMultiline) {
          if (quotes % 2 == 1) {
            inMultiline = false;
          }
          continue;
        }
        Matcher h = HEADER.matcher(l);
        if (!l.strip().startsWith("#") && h.matches()) {
          String name = h.group(2).replace(" ", "");
          if (h.group(1).length() == 2) {
            int n = arrays.merge(name, 1, Integer::sum) - 1;
            table = name + "#" + n;
          } else {
            table = name;
          }
          out.headers.putIfAbsent(table, i + 1);
          continue;
        }
        Matcher k = KEY.matcher(l);
        if (k.matches()) {
          out.keys.putIfAbsent(table + "\u0000" + unquote(k.group(1)), i + 1);
        }
        if (quotes % 2 == 1) {
          inMultiline = true;
        }
      }
      return out;
    }

    private static int count(String s, String sub) {
      int n = 0;
      for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
        n++;
      }
      return n;
    }

    int line(String table, String key) {
      Integer l = keys.get(table + "\u0000" + key);
      if (l != null) {
        return l;
      }
      String sub = table.isEmpty() ? key : table + "." + key;
      Integer h = headers.get(sub);
      if (h == null) {
        h = headers.get(sub + "#0");
      }
      if (h == null) {
        h = headers.get(table);
      }
      return h == null ? 0 : h;
    }

    int header(String table) {
      Integer h = headers.get(table);
      return h == null ? 0 : h;
    }
  }
}

package io.nemospawn.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mixin for the options every command shares ({@code --json}, {@code -v}) and for printing: human
 * tables by default, JSON with {@code --json}. Prints through the command line's writers so tests
 * can capture the output.
 */
public final class Output {
  /** Built on first use only, so commands that print no JSON never load Jackson's databind. */
  private static final class Json {
    static final JsonMapper MAPPER =
        JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  }

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--json", description = "Print JSON for machines instead of a table.")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print stack traces of errors.")
  boolean verbose;

  /** Returns whether {@code --json} was given. */
  public boolean json() {
    return json;
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  public void println(String line) {
    out().println(line);
    out().flush();
  }

  /** Prints a value (map, list, record) as indented JSON. */
  public void json(Object value) {
    out().println(Json.MAPPER.writeValueAsString(value));
    out().flush();
  }

  /** Prints rows as a table with a header, columns padded to their widest cell. */
  public void table(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] width = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size() && i < width.length; i++) {
        width[i] = Math.max(width[i], display(row.get(i)).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < width.length; i++) {
        String cell = i < row.size() ? display(row.get(i)) : "";
        line.append(cell);
        if (i < width.length - 1) {
          line.append(" ".repeat(width[i] - cell.length() + 2));
        }
      }
      out().println(line.toString().stripTrailing());
    }
    out().flush();
  }

  /** Keeps a table cell on one line: control characters become visible escapes. */
  private static String display(String cell) {
    if (cell == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(cell.length());
    for (char c : cell.toCharArray()) {
      if (c == '\n') {
        b.append("\\n");
      } else if (Character.isISOControl(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}

package io.nemospawn.cli;

import io.nemospawn.spi.StateFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mixin for the options every command shares ({@code --json}, {@code -v}) and for printing: human
 * tables by default, JSON with {@code --json}. Prints through the command line's writers so tests
 * can capture the output.
 *
 * <p>The one path for human output: {@link #println}, {@link #table}, {@link #out()} and {@link
 * #err()} turn every character that could act on a terminal or disguise text (escape sequences,
 * carriage returns, bidirectional overrides, zero-width characters) into a visible escape, so text
 * from users, agents and state files reaches the terminal inert. {@link #json} keeps the text
 * exact: such characters are written as JSON <code>&#92;uXXXX</code> escapes, which read back as the same
 * string.
 */
public final class Output {
  /** Built on first use only, so commands that print no JSON never load Jackson's databind. */
  private static final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder(
            JsonFactory.builder().characterEscapes(new DisplayEscapes()).build())
        .enable(SerializationFeature.INDENT_OUTPUT)
        .build();
  }

  /**
   * JSON escapes for a terminal: the standard ones plus DEL and every character {@link
   * StateFormat#displayable} would escape, written as <code>&#92;uXXXX</code>. Jackson asks per UTF-16
   * unit, so surrogate pairs are escaped as two units, which is still the same string.
   */
  private static final class DisplayEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();

    DisplayEscapes() {
      ascii[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii.clone();
    }

    @Override
    public @Nullable SerializableString getEscapeSequence(int ch) {
      if (StateFormat.isDisplaySafe(ch, false)) {
        return null;
      }
      return new SerializedString(String.format("\\u%04x", ch));
    }
  }

  /** The writers last handed out, for the command line's writers they were made for. */
  private @Nullable PrintWriter rawOut;

  private @Nullable PrintWriter safeOut;
  private @Nullable PrintWriter rawErr;
  private @Nullable PrintWriter safeErr;

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

  /**
   * Returns standard output for human text: line feeds and tabs pass, every other control or
   * format character is escaped. Not for JSON: use {@link #json(Object)}.
   */
  public PrintWriter out() {
    PrintWriter raw = spec.commandLine().getOut();
    PrintWriter safe = safeOut;
    if (raw != rawOut || safe == null) {
      rawOut = raw;
      safe = safeOut = displayWriter(raw);
    }
    return safe;
  }

  /** Returns standard error for human text, escaped as {@link #out()}. */
  public PrintWriter err() {
    PrintWriter raw = spec.commandLine().getErr();
    PrintWriter safe = safeErr;
    if (raw != rawErr || safe == null) {
      rawErr = raw;
      safe = safeErr = displayWriter(raw);
    }
    return safe;
  }

  /** Returns a writer that escapes what could act on a terminal, then writes to {@code raw}. */
  static PrintWriter displayWriter(PrintWriter raw) {
    return new PrintWriter(new DisplayWriter(raw), false);
  }

  /** Prints one line: a line break inside it is escaped too, so it cannot fake another line. */
  public void println(@Nullable String line) {
    out().println(line == null ? "null" : StateFormat.displayable(line, false));
    out().flush();
  }

  /** Prints multi-line text (an output log, a template's listing) with its line breaks. */
  public void text(String text) {
    out().println(text);
    out().flush();
  }

  /**
   * Prints a value (map, list, record) as indented JSON. Strings stay exact; what could act on a
   * terminal is written as a JSON escape.
   */
  public void json(Object value) {
    PrintWriter raw = spec.commandLine().getOut();
    raw.println(Json.MAPPER.writeValueAsString(value));
    raw.flush();
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

  /** Keeps a table cell on one line: control and format characters become visible escapes. */
  private static String display(@Nullable String cell) {
    return cell == null ? "-" : StateFormat.displayable(cell, false);
  }
}

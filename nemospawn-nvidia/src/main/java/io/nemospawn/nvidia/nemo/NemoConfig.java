package io.nemospawn.nvidia.nemo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A NeMo (Hydra/OmegaConf) YAML config: loaded with Jackson's YAML module, changed with Hydra-style
 * overrides typed against what is there, written back in key order, compared key path by key path
 * and hashed in a canonical form.
 *
 * <pre>{@code
 * NemoConfig base = NemoConfig.read(Path.of("megatron_gpt_config.yaml"));
 * NemoConfig run = base.apply(List.of("trainer.max_steps=5000", "model.optim.lr=2e-4"));
 * run.write(Path.of("run.yaml"), false);       // atomic; refuses to replace an existing file
 * String hash = run.hash();                     // 64 hex digits, stable under reformatting
 * }</pre>
 *
 * <p>Interpolations such as {@code ${model.optim.lr}} are strings to this class: they are kept
 * exactly as written, never resolved. Comments and the exact spelling of scalars ({@code 2e-4}
 * becomes {@code 2.0e-4}) are not kept by {@link #toYaml}: OmegaConf, which reads the result,
 * ignores both, and the hash and the diff compare values, not text.
 *
 * <p>Immutable and thread-safe: {@link #apply} returns a new config.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NemoConfig {
  private static final YAMLMapper YAML =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectNode root;
  private final String source;

  private NemoConfig(ObjectNode root, String source) {
    this.root = root;
    this.source = source;
  }

  /**
   * Parses YAML text whose top level is a mapping.
   *
   * @param source where the text came from, for messages
   * @throws NemoConfigException with the line and column of malformed YAML, or when the top
   *     level is no mapping
   */
  public static NemoConfig parse(String yaml, String source) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(source, "source");
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      int column = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
      String why = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
      int nl = why.indexOf('\n');
      why = (nl < 0 ? why : why.substring(0, nl)).strip();
      throw new NemoConfigException(
          source + ", line " + line + ", column " + column + ": malformed YAML: " + why
              + ". Fix the YAML there.",
          source,
          line,
          column,
          e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return new NemoConfig(NODES.objectNode(), source);
    }
    if (!tree.isObject()) {
      throw new NemoConfigException(
          source + ": a NeMo config is a YAML mapping at the top level (key: value lines), this"
              + " one is a " + typeName(tree) + ".",
          source,
          1,
          1,
          null);
    }
    return new NemoConfig((ObjectNode) normalise(tree), source);
  }

  /**
   * Reads a YAML file.
   *
   * @throws UncheckedIOException when it cannot be read
   * @throws NemoConfigException when it is malformed
   */
  public static NemoConfig read(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UncheckedIOException(
          "Cannot read NeMo config " + file + ": no such file; check the path", e);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new UncheckedIOException(
          "Cannot read NeMo config " + file + ": it is not UTF-8 text", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read NeMo config " + file + ": " + e, e);
    }
    return parse(text, file.toString());
  }

  /** Returns a config holding a copy of a JSON/YAML object tree. */
  public static NemoConfig of(JsonNode tree) {
    Objects.requireNonNull(tree, "tree");
    if (!tree.isObject()) {
      throw new IllegalArgumentException(
          "A NeMo config is an object at the top level, not a " + typeName(tree));
    }
    return new NemoConfig((ObjectNode) normalise(tree), "(tree)");
  }

  /** Returns where it was read from, for messages. */
  public String source() {
    return source;
  }

  /** Returns a copy of the tree (an object node, keys in file order). */
  public ObjectNode tree() {
    return root.deepCopy();
  }

  /** Returns the value at a dotted key path ({@code model.optim.lr}, {@code a.b.0}). */
  public Optional<JsonNode> find(String keyPath) {
    JsonNode n = root;
    for (String seg : keyPath.split("\\.", -1)) {
      n = child(n, seg);
      if (n == null) {
        return Optional.empty();
      }
    }
    return Optional.of(n.deepCopy());
  }

  /** Returns the number of leaf values (scalars, empty lists and maps). */
  public int leafCount() {
    return leaves(root);
  }

  private static int leaves(JsonNode n) {
    if ((n.isObject() || n.isArray()) && !n.isEmpty()) {
      int c = 0;
      for (JsonNode v : n) {
        c += leaves(v);
      }
      return c;
    }
    return 1;
  }

  /**
   * Returns this config with the overrides applied in order, each typed against the config as
   * it stands: an int stays an int, a float a float (an int given for a float becomes one), a
   * bool a bool, a string a string ({@code name=123} sets "123"). A type change is refused
   * unless the override is forced ({@code ++key=value}).
   *
   * @throws IllegalArgumentException naming the override, the key and, for an unknown key, the
   *     closest existing keys; this config is unchanged
   */
  public NemoConfig apply(List<String> overrides) {
    return applyParsed(NemoOverride.parseAll(overrides), false);
  }

  /**
   * Returns this config with the overrides applied; with {@code force}, every override may
   * change a value's type as {@code ++} does (keys must still exist for {@code key=value}).
   */
  public NemoConfig apply(List<String> overrides, boolean force) {
    return applyParsed(NemoOverride.parseAll(overrides), force);
  }

  /** Returns this config with parsed overrides applied; see {@link #apply(List)}. */
  public NemoConfig applyParsed(List<NemoOverride> overrides, boolean force) {
    ObjectNode copy = root.deepCopy();
    for (NemoOverride o : overrides) {
      Overrides.apply(copy, o, force);
    }
    return new NemoConfig(copy, source);
  }

  /** Returns the config as block-style YAML, keys in order; see the class comment. */
  public String toYaml() {
    return YamlWriter.write(root);
  }

  /**
   * Writes the config as YAML atomically (a temporary file in the same directory, synced, then
   * moved into place).
   *
   * @param replace whether an existing file may be replaced
   * @throws IllegalStateException when the file exists and {@code replace} is false
   * @throws UncheckedIOException when it cannot be written
   */
  public void write(Path file, boolean replace) {
    Objects.requireNonNull(file, "file");
    Path target = file.toAbsolutePath();
    if (!replace && Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException("Refusing to overwrite " + target
          + ": it exists; choose another output file or allow replacing it");
    }
    Path dir = target.getParent();
    byte[] bytes = toYaml().getBytes(StandardCharsets.UTF_8);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      if (!replace) {
        // Refuse also a file that appeared meanwhile: a link is created only where none is.
        try {
          Files.createLink(target, tmp);
          Files.delete(tmp);
          return;
        } catch (FileAlreadyExistsException e) {
          throw new IllegalStateException(
              "Refusing to overwrite " + target
                  + ": it exists; choose another output file or allow replacing it",
              e);
        } catch (UnsupportedOperationException | IOException e) {
          // Hard links unsupported here: fall back to the move below.
          if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("Refusing to overwrite " + target + ": it exists", e);
          }
        }
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write NeMo config " + target + ": " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: a leftover temp file is harmless and named as such
        }
      }
    }
  }

  /**
   * Returns the canonical text the hash is computed over: compact JSON with object keys sorted
   * (by UTF-16 code unit, as {@link String#compareTo}), integers in decimal, floats in the
   * shortest form that reads back exactly with a fraction or an exponent ({@code 1.0},
   * {@code 2.0e-4}; {@code NaN}, {@code Infinity}, {@code -Infinity} bare), strings with only
   * {@code "}, {@code \} and control characters escaped. See docs/state-format.md.
   */
  public String canonical() {
    StringBuilder b = new StringBuilder();
    Canonical.write(root, b);
    return b.toString();
  }

  /**
   * Returns the config hash: the SHA-256 of the UTF-8 bytes of {@link #canonical()}, as 64
   * lower-case hex digits. It does not change when keys are reordered or the YAML reformatted,
   * and changes with any value, type or key.
   */
  public String hash() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(canonical().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("This JVM has no SHA-256", e);
    }
  }

  /**
   * Returns the key-path differences from this config to {@code other}: keys added, removed and
   * changed (a change of type counts, so {@code 1} and {@code 1.0} differ), in this config's key
   * order, then the other's new keys.
   */
  public List<Change> diff(NemoConfig other) {
    List<Change> out = new ArrayList<>();
    Diff.diff("", root, other.root, out);
    return List.copyOf(out);
  }

  /**
   * One difference between two configs.
   *
   * @param path the key path ({@code model.optim.lr})
   * @param kind added, removed or changed
   * @param before the old value; null when added
   * @param after the new value; null when removed
   */
  public record Change(
      String path,
      ChangeKind kind,
      @Nullable JsonNode before,
      @Nullable JsonNode after) {
    /** Returns the type name of a value: int, float, bool, string, null, list, map. */
    public static String type(@Nullable JsonNode n) {
      return n == null ? "-" : typeName(n);
    }
  }

  /** The kind of a {@link Change}. */
  public enum ChangeKind {
    ADDED,
    REMOVED,
    CHANGED
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NemoConfig c && c.root.equals(root);
  }

  @Override
  public int hashCode() {
    return root.hashCode();
  }

  @Override
  public String toString() {
    return "NemoConfig[" + source + ", " + leafCount() + " values]";
  }

  // ----------------------------------------------------------------------------- helpers

  /** Returns a child of a map by key or of a list by index; null when there is none. */
  static @Nullable JsonNode child(JsonNode n, String seg) {
    if (n.isObject()) {
      return n.get(seg);
    }
    if (n.isArray()) {
      int i = index(seg);
      return i >= 0 && i < n.size() ? n.get(i) : null;
    }
    return null;
  }

  /** Returns a list index, or -1 when {@code seg} is none. */
  static int index(String seg) {
    if (seg.isEmpty() || seg.length() > 9 || !seg.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(seg);
  }

  /** Returns the smallest integer node holding {@code v}. */
  static JsonNode integer(BigInteger v) {
    if (v.bitLength() < 32) {
      return NODES.numberNode(v.intValue());
    }
    if (v.bitLength() < 64) {
      return NODES.numberNode(v.longValue());
    }
    return NODES.numberNode(v);
  }

  /** Returns a copy in which integers are int/long/big nodes and other numbers doubles. */
  static JsonNode normalise(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = NODES.objectNode();
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        o.set(e.getKey(), normalise(e.getValue()));
      }
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = NODES.arrayNode();
      for (JsonNode v : n) {
        a.add(normalise(v));
      }
      return a;
    }
    if (n.isIntegralNumber()) {
      return integer(n.bigIntegerValue());
    }
    if (n.isNumber()) {
      return NODES.numberNode(n.doubleValue());
    }
    return n.deepCopy();
  }

  /** Returns int, float, bool, string, null, list or map. */
  static String typeName(JsonNode n) {
    if (n.isIntegralNumber()) {
      return "int";
    }
    if (n.isNumber()) {
      return "float";
    }
    if (n.isBoolean()) {
      return "bool";
    }
    if (n.isString()) {
      return "string";
    }
    if (n.isNull()) {
      return "null";
    }
    if (n.isArray()) {
      return "list";
    }
    if (n.isObject()) {
      return "map";
    }
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Returns whether a value is an interpolation, {@code ${...}}, kept as written. */
  static boolean isInterpolation(@Nullable JsonNode n) {
    return n != null && n.isString() && n.asString().contains("${");
  }

  /** Returns text with control and format characters as visible escapes, for messages. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> {
      int type = Character.getType(cp);
      if (Character.isISOControl(cp)
          || type == Character.FORMAT
          || type == Character.SURROGATE
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        b.append(cp <= 0xFFFF ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }

  /** Returns a value as it reads in a message: JSON, shortened. */
  static String show(@Nullable JsonNode n) {
    if (n == null) {
      return "(absent)";
    }
    String s =
        n.isNumber() && !n.isIntegralNumber() ? Canonical.floatText(n.doubleValue()) : n.toString();
    return printable(s.length() > 80 ? s.substring(0, 77) + "..." : s);
  }
}

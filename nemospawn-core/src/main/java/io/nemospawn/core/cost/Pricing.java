package io.nemospawn.core.cost;

import static java.util.Objects.requireNonNull;

import io.nemospawn.StateException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prices token usage per model from a versioned pricing file: the one shipped with NemoSpawn
 * ({@code io/nemospawn/core/cost/pricing.json}), overridden and extended entry by entry by {@code
 * <data dir>/pricing.json} in the same format. Model names are matched after normalisation (lower
 * case, every run of characters other than letters, digits and dots becomes {@code -}), exactly
 * or by the longest entry that is a prefix followed by {@code -} ({@code claude-sonnet-4-5-20250929}
 * is priced as {@code claude-sonnet-4-5}). A model no entry matches is never priced at zero: {@link
 * #find} is empty and {@link #price} throws naming it.
 *
 * <pre>{@code
 * Pricing pricing = Pricing.load(dataDir);
 * CostBreakdown c = pricing.price("claude-sonnet-4-5", TokenUsage.of(1200, 30000, 0, 800, 0));
 * BigDecimal usd = c.total();
 * }</pre>
 *
 * <p>Immutable, thread-safe.
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class Pricing {
  /** The format name every pricing file carries. */
  public static final String FORMAT = "nemospawn.pricing.v1";

  /** The name of the override file in the data directory. */
  public static final String OVERRIDE_FILE = "pricing.json";

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private final String version;
  private final Map<String, ModelPrice> models;
  private final @Nullable Path override;

  private Pricing(String version, Map<String, ModelPrice> models, @Nullable Path override) {
    this.version = version;
    this.models = Collections.unmodifiableMap(new TreeMap<>(models));
    this.override = override;
  }

  /** Returns the pricing shipped with NemoSpawn. */
  public static Pricing builtIn() {
    try (InputStream in = Pricing.class.getResourceAsStream("pricing.json")) {
      if (in == null) {
        throw new IllegalStateException("The shipped pricing file io/nemospawn/core/cost/"
            + "pricing.json is missing from the class path; the nemospawn-core jar is damaged");
      }
      Parsed p = parse(in.readAllBytes(), "the shipped pricing file");
      return new Pricing(p.version, p.models, null);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read the shipped pricing file: " + e, e);
    }
  }

  /**
   * Returns the shipped pricing with {@code <dataDir>/pricing.json}, when it exists, laid over
   * it: its models replace or add entries, its version is reported as {@code <shipped>+<its>}.
   *
   * @throws StateException naming the override file, what is wrong and the fix, when it cannot
   *     be read or is malformed
   */
  public static Pricing load(Path dataDir) {
    requireNonNull(dataDir, "dataDir");
    Pricing base = builtIn();
    Path file = dataDir.resolve(OVERRIDE_FILE);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return base;
    } catch (IOException e) {
      throw new StateException(file, "Cannot read the pricing override " + file + ": " + e, e);
    }
    Parsed p;
    try {
      p = parse(bytes, file.toString());
    } catch (IllegalArgumentException e) {
      throw new StateException(
          file,
          e.getMessage() + ". Fix or remove " + file + " (format " + FORMAT
              + ": {\"format\": \"" + FORMAT + "\", \"version\": \"…\", \"models\": {\"<model>\":"
              + " {\"input\": \"3\", \"cached_input\": \"0.3\", \"cache_write\": \"3.75\","
              + " \"output\": \"15\", \"reasoning\": \"0\"}}}, USD per million tokens)",
          e);
    }
    Map<String, ModelPrice> merged = new TreeMap<>(base.models);
    merged.putAll(p.models);
    return new Pricing(base.version + "+" + p.version, merged, file);
  }

  /** Returns the version of the pricing (shipped, or {@code shipped+override}). */
  public String version() {
    return version;
  }

  /** Returns the priced models by their normalised name. */
  public Map<String, ModelPrice> models() {
    return models;
  }

  /** Returns the entry that prices a model, by its normalised name, if one does. */
  public Optional<String> entryFor(String model) {
    requireNonNull(model, "model");
    String key = normalize(model);
    if (models.containsKey(key)) {
      return Optional.of(key);
    }
    String best = null;
    for (String k : models.keySet()) {
      if (key.startsWith(k + "-") && (best == null || k.length() > best.length())) {
        best = k;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Returns what a usage of a model costs, or empty when no entry prices the model. */
  public Optional<CostBreakdown> find(String model, TokenUsage usage) {
    requireNonNull(usage, "usage");
    return entryFor(model).map(k -> breakdown(model, k, requireNonNull(models.get(k), k), usage));
  }

  /**
   * Returns what a usage of a model costs.
   *
   * @throws IllegalArgumentException naming the model, the known models and the override file,
   *     when no entry prices it
   */
  public CostBreakdown price(String model, TokenUsage usage) {
    return find(model, usage)
        .orElseThrow(() -> new IllegalArgumentException("No price for model '" + model
            + "' (normalised '" + normalize(model) + "') in pricing " + version
            + "; priced models: " + models.keySet() + ". Add it to "
            + (override != null ? override.toString() : "<data dir>/" + OVERRIDE_FILE)));
  }

  private CostBreakdown breakdown(String model, String key, ModelPrice p, TokenUsage u) {
    return new CostBreakdown(
        model,
        key,
        version,
        u,
        part(u.input(), p.input()),
        part(u.cachedInput(), p.cachedInput()),
        part(u.cacheWrite(), p.cacheWrite()),
        part(u.output(), p.output()),
        part(u.reasoning(), p.reasoning()));
  }

  /** Tokens × USD per million, exact: dividing by 10^6 only moves the decimal point. */
  private static BigDecimal part(long tokens, BigDecimal perMillion) {
    BigDecimal v = BigDecimal.valueOf(tokens).multiply(perMillion).divide(MILLION);
    return v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
  }

  /**
   * Normalises a model name: lower case, and every run of characters other than letters, digits
   * and dots becomes one {@code -} ({@code Claude Sonnet 4.5} → {@code claude-sonnet-4.5}).
   */
  public static String normalize(String model) {
    String s = model.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
    return s.replaceAll("^-+|-+$", "");
  }

  private record Parsed(String version, Map<String, ModelPrice> models) {}

  private static Parsed parse(byte[] bytes, String where) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "The pricing file " + where + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("The pricing file " + where + " is not a JSON object");
    }
    JsonNode format = root.get("format");
    if (format == null || !FORMAT.equals(format.asString(""))) {
      throw new IllegalArgumentException("The pricing file " + where + " has format '"
          + (format == null ? "" : format.asString("")) + "', expected '" + FORMAT + "'");
    }
    JsonNode version = root.get("version");
    if (version == null || !version.isString() || version.asString().isBlank()) {
      throw new IllegalArgumentException(
          "The pricing file " + where + " has no \"version\" (a non-empty string)");
    }
    JsonNode models = root.get("models");
    if (models == null || !models.isObject()) {
      throw new IllegalArgumentException("The pricing file " + where + " has no \"models\" object");
    }
    Map<String, ModelPrice> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : models.properties()) {
      String key = normalize(e.getKey());
      if (key.isEmpty()) {
        throw new IllegalArgumentException(
            "The pricing file " + where + " names a model '" + e.getKey() + "' with no letters");
      }
      JsonNode m = e.getValue();
      if (!m.isObject()) {
        throw new IllegalArgumentException(
            "The pricing file " + where + ": model '" + e.getKey() + "' is not an object");
      }
      BigDecimal input = rate(m, "input", null, where, e.getKey());
      out.put(
          key,
          new ModelPrice(
              input,
              rate(m, "cached_input", input, where, e.getKey()),
              rate(m, "cache_write", input, where, e.getKey()),
              rate(m, "output", null, where, e.getKey()),
              rate(m, "reasoning", BigDecimal.ZERO, where, e.getKey())));
    }
    return new Parsed(version.asString(), out);
  }

  private static BigDecimal rate(
      JsonNode m, String field, @Nullable BigDecimal fallback, String where, String model) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        throw new IllegalArgumentException("The pricing file " + where + ": model '" + model
            + "' has no \"" + field + "\" (USD per million tokens)");
      }
      return fallback;
    }
    BigDecimal d;
    try {
      d = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asString(""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("The pricing file " + where + ": model '" + model
          + "' has \"" + field + "\": " + v + ", not a number of USD per million tokens");
    }
    if (d.signum() < 0) {
      throw new IllegalArgumentException("The pricing file " + where + ": model '" + model
          + "' has a negative \"" + field + "\": " + d.toPlainString());
    }
    return d;
  }

  @Override
  public String toString() {
    return "Pricing[" + version + " models=" + models.size() + "]";
  }
}

package io.nemospawn.nvidia.nim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which tensor/pipeline-parallel profiles fit a number of GPUs with a given memory: for every
 * model of a data file and every precision, every TP x PP split (TP 1, 2, 4, 8; PP 1, 2, 4) that
 * uses at most the GPUs, with the weights' share per GPU times the headroom factor within the
 * GPU's memory. The data file ships as a resource ({@code io/nemospawn/nvidia/nim/models.json});
 * the system property {@code nemospawn.nim.models} or environment variable {@code
 * NEMOSPAWN_NIM_MODELS} names a file of the same form that replaces it.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NimProfiles {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * One profile.
   *
   * @param model the model
   * @param precision {@code bf16} or {@code fp8}
   * @param tp tensor-parallel degree
   * @param pp pipeline-parallel degree
   * @param gpus GPUs it uses, tp x pp
   * @param weightsPerGpuGb the weights' share of each GPU in GB
   * @param neededPerGpuGb that times the headroom factor
   * @param fits whether it fits the GPU memory (true when the memory is unknown)
   */
  public record Profile(
      String model,
      String precision,
      int tp,
      int pp,
      int gpus,
      double weightsPerGpuGb,
      double neededPerGpuGb,
      boolean fits) {}

  private record Model(String name, double paramsB) {}

  private final double headroom;
  private final Map<String, Double> precisions;
  private final List<Model> models;
  private final String source;

  private NimProfiles(
      double headroom, Map<String, Double> precisions, List<Model> models, String source) {
    this.headroom = headroom;
    this.precisions = precisions;
    this.models = models;
    this.source = source;
  }

  /** Loads the file named by the setting, else the shipped data. */
  public static NimProfiles load() {
    String f = System.getProperty("nemospawn.nim.models");
    if (f == null || f.isBlank()) {
      f = System.getenv("NEMOSPAWN_NIM_MODELS");
    }
    return f == null || f.isBlank() ? builtIn() : load(Path.of(f));
  }

  /** Loads the shipped data. */
  public static NimProfiles builtIn() {
    try (InputStream in = NimProfiles.class.getResourceAsStream("models.json")) {
      if (in == null) {
        throw new IllegalStateException("io/nemospawn/nvidia/nim/models.json is missing from the"
            + " class path; the nemospawn-nvidia jar is incomplete");
      }
      return parse(in.readAllBytes(), "built-in models.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Loads a data file.
   *
   * @throws IllegalArgumentException naming the file and what is wrong in it
   */
  public static NimProfiles load(Path file) {
    try {
      return parse(Files.readAllBytes(file), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read the NIM model sizes file " + file
              + " (nemospawn.nim.models / NEMOSPAWN_NIM_MODELS): " + e.getMessage(),
          e);
    }
  }

  static NimProfiles parse(byte[] bytes, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "Malformed NIM model sizes file " + source + ": " + e.getOriginalMessage(), e);
    }
    double headroom = root.path("headroom").asDouble(1.2);
    if (!(headroom >= 1.0 && headroom <= 10)) {
      throw new IllegalArgumentException(
          "In " + source + ": headroom must be 1..10, got " + root.path("headroom"));
    }
    Map<String, Double> precisions = new LinkedHashMap<>();
    root.path("precisions")
        .properties()
        .forEach(e -> precisions.put(e.getKey(), e.getValue().asDouble(Double.NaN)));
    if (precisions.isEmpty()) {
      precisions.put("bf16", 2.0);
    }
    precisions.forEach((k, v) -> {
      if (!(v > 0 && v <= 8)) {
        throw new IllegalArgumentException("In " + source + ": bytes per parameter of precision '"
            + k + "' must be in (0, 8], got " + v);
      }
    });
    List<Model> models = new ArrayList<>();
    int i = 0;
    for (JsonNode m : root.path("models")) {
      String name = m.path("name").asString("");
      double p = m.path("params_b").asDouble(Double.NaN);
      if (name.isBlank() || !(p > 0)) {
        throw new IllegalArgumentException("In " + source + ": models[" + i
            + "] needs a name and a positive params_b (billions of parameters)");
      }
      models.add(new Model(name, p));
      i++;
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException("In " + source + ": no models; give a \"models\" array");
    }
    return new NimProfiles(headroom, precisions, List.copyOf(models), source);
  }

  /** Returns where the data came from. */
  public String source() {
    return source;
  }

  /** Returns the model names. */
  public List<String> models() {
    return models.stream().map(Model::name).toList();
  }

  /**
   * Returns the profiles that use at most {@code gpuCount} GPUs, each marked whether it fits
   * {@code memoryPerGpuMb} (0 when unknown: every profile is then marked as fitting).
   *
   * @param model only this model, or null for all
   */
  public List<Profile> profiles(int gpuCount, long memoryPerGpuMb, @Nullable String model) {
    if (gpuCount < 1) {
      throw new IllegalArgumentException("GPU count must be >= 1, got " + gpuCount);
    }
    if (model != null && models.stream().noneMatch(m -> m.name().equals(model))) {
      throw new IllegalArgumentException(
          "Unknown model '" + model + "' in " + source + "; known: " + models());
    }
    double memGb = memoryPerGpuMb / 1024.0;
    List<Profile> out = new ArrayList<>();
    for (Model m : models) {
      if (model != null && !Objects.equals(model, m.name())) {
        continue;
      }
      for (Map.Entry<String, Double> p : precisions.entrySet()) {
        for (int tp : new int[] {1, 2, 4, 8}) {
          for (int pp : new int[] {1, 2, 4}) {
            int n = tp * pp;
            if (n > gpuCount) {
              continue;
            }
            double weights = m.paramsB() * p.getValue() / n; // GB: 1e9 params x bytes
            double needed = weights * headroom;
            out.add(new Profile(
                m.name(),
                p.getKey(),
                tp,
                pp,
                n,
                round(weights),
                round(needed),
                memoryPerGpuMb <= 0 || needed <= memGb));
          }
        }
      }
    }
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 10.0) / 10.0;
  }
}

package io.nemospawn.topology;

import io.nemospawn.spi.GpuProbe;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Finds {@link GpuProbe}s and asks them in priority order. Stateless; thread-safe. */
final class Probes {
  static final String NO_PROBE =
      "No GpuProbe on the class path or module path; add io.nemospawn:nemospawn-gpu to read GPUs.";

  private Probes() {}

  static List<GpuProbe> load() {
    List<GpuProbe> probes = new ArrayList<>();
    try {
      for (GpuProbe p : ServiceLoader.load(GpuProbe.class, Probes.class.getClassLoader())) {
        probes.add(p);
      }
    } catch (ServiceConfigurationError e) {
      // A broken provider must not stop a laptop from starting; the warning says what broke.
      return List.of(new BrokenProbe(e.getMessage()));
    }
    return probes;
  }

  static GpuTopology detect(Collection<? extends GpuProbe> probes) {
    Answer<GpuTopology> a = ask(probes, GpuProbe::discover, "discover GPUs");
    if (a.value == null) {
      return GpuTopology.empty(a.warnings);
    }
    GpuTopology.Builder b = a.value.toBuilder();
    a.warnings.forEach(b::warning);
    return b.build();
  }

  static GpuSnapshot.Sample sample(Collection<? extends GpuProbe> probes) {
    Answer<List<GpuMetrics>> a = ask(probes, GpuProbe::sample, "read GPU metrics");
    if (a.value == null) {
      return new GpuSnapshot.Sample("none", List.of(), a.warnings);
    }
    return new GpuSnapshot.Sample(a.source, a.value, a.warnings);
  }

  private record Answer<T>(String source, @Nullable T value, List<String> warnings) {}

  private static <T> Answer<T> ask(
      Collection<? extends GpuProbe> probes, Function<GpuProbe, T> question, String what) {
    List<GpuProbe> sorted = new ArrayList<>(probes);
    sorted.sort(Comparator.comparingInt(GpuProbe::priority).thenComparing(GpuProbe::name));
    if (sorted.isEmpty()) {
      return new Answer<>("none", null, List.of(NO_PROBE + " Continuing without GPUs."));
    }
    List<String> failures = new ArrayList<>();
    for (GpuProbe p : sorted) {
      try {
        T value = question.apply(p);
        List<String> warnings = new ArrayList<>();
        for (String f : failures) {
          warnings.add(f + "; used " + p.name() + " instead");
        }
        return new Answer<>(p.name(), value, warnings);
      } catch (UnsupportedOperationException e) {
        // This probe never answers this question (DCGM does not discover topology): no warning.
      } catch (RuntimeException e) {
        failures.add(p.name() + ": " + e.getMessage());
      }
    }
    List<String> warnings = new ArrayList<>();
    warnings.add("Cannot " + what + ": "
        + (failures.isEmpty() ? "no probe answers this" : String.join("; ", failures))
        + ". Continuing without GPUs.");
    return new Answer<>("none", null, warnings);
  }

  /** Stands in for providers that failed to load, so the failure shows as a warning. */
  private record BrokenProbe(@Nullable String error) implements GpuProbe {
    @Override
    public String name() {
      return "service-loader";
    }

    @Override
    public int priority() {
      return 0;
    }

    @Override
    public GpuTopology discover() {
      throw new IllegalStateException("a GpuProbe failed to load: " + error);
    }

    @Override
    public List<GpuMetrics> sample() {
      throw new IllegalStateException("a GpuProbe failed to load: " + error);
    }
  }
}

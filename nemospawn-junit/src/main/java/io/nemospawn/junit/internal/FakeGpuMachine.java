package io.nemospawn.junit.internal;

import io.nemospawn.junit.FakeGpus;
import io.nemospawn.topology.GpuTopology;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The recorded GPU machine of a {@link FakeGpus} scope: its {@code nvidia-smi} recording copied to
 * a temporary directory and named by the {@code nemospawn.gpu.recorded} setting, which the GPU
 * module's recorded probe answers from (first of all probes) until {@link #close()} restores the
 * setting. Not thread-safe; one per scope.
 */
public final class FakeGpuMachine implements AutoCloseable {
  /** The setting the GPU module's recorded probe reads. */
  public static final String PROPERTY = "nemospawn.gpu.recorded";
  /** The shapes shipped in this module's resources. */
  public static final List<String> BUILT_IN = List.of("dgx1", "two-islands", "h100-8", "pcie-4");

  private static final String RESOURCES = "/io/nemospawn/junit/gpus/";
  private static final List<String> FILES = List.of("query.csv", "topo.txt");

  private final @Nullable Path dir;
  private final @Nullable String previous;
  private final @Nullable GpuTopology topology;
  private boolean closed;

  private FakeGpuMachine(
      @Nullable Path dir, @Nullable String previous, @Nullable GpuTopology topology) {
    this.dir = dir;
    this.previous = previous;
    this.topology = topology;
  }

  /** Returns the machine the scope's {@link FakeGpus} asks for, installed; none without one. */
  public static FakeGpuMachine install(ExtensionContext context, String scope) {
    Optional<FakeGpus> onMethod = scope.equals("test")
        ? context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, FakeGpus.class))
        : Optional.empty();
    Optional<FakeGpus> a = onMethod.isPresent()
        ? onMethod
        : context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, FakeGpus.class));
    if (a.isEmpty()) {
      return new FakeGpuMachine(null, null, null);
    }
    String shape = a.get().topology();
    Path dir = copy(shape, context);
    String previous = System.getProperty(PROPERTY);
    System.setProperty(PROPERTY, dir.toString());
    GpuTopology t;
    try {
      t = GpuTopology.detect();
    } catch (RuntimeException e) {
      restore(previous);
      delete(dir);
      throw e;
    }
    if (!t.source().equals("recorded")) {
      restore(previous);
      delete(dir);
      throw new ExtensionConfigurationException("@FakeGpus(topology = \"" + shape + "\") on "
          + context.getDisplayName() + ": GPU discovery did not answer from the recording (source "
          + t.source() + (t.warnings().isEmpty() ? "" : ", " + String.join("; ", t.warnings()))
          + "); check the recording, and that io.nemospawn:nemospawn-gpu (a runtime dependency"
          + " of nemospawn-core) is on the test class path");
    }
    return new FakeGpuMachine(dir, previous, t);
  }

  /** Returns the recorded topology, if this scope has one. */
  public Optional<GpuTopology> topology() {
    return Optional.ofNullable(topology);
  }

  /** Restores the discovery setting and deletes the copy. Idempotent. */
  @Override
  public void close() {
    if (closed || dir == null) {
      return;
    }
    closed = true;
    restore(previous);
    delete(dir);
  }

  private static Path copy(String shape, ExtensionContext context) {
    Path dir;
    try {
      dir = Files.createTempDirectory("nemospawn-junit-gpus-");
    } catch (IOException e) {
      throw new ExtensionConfigurationException(
          "Cannot create a temporary directory for @FakeGpus: " + e, e);
    }
    try {
      if (BUILT_IN.contains(shape)) {
        for (String f : FILES) {
          copyResource(FakeGpuMachine.class.getResource(RESOURCES + shape + "/" + f), dir, f);
        }
        return dir;
      }
      Path p = Path.of(shape);
      Path parent = p.toAbsolutePath().getParent();
      if (parent != null && Files.isRegularFile(p) && p.endsWith("query.csv")) {
        p = parent;
      }
      if (Files.isRegularFile(p.resolve("query.csv"))) {
        for (String f : FILES) {
          if (Files.isRegularFile(p.resolve(f))) {
            Files.copy(p.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
          }
        }
        return dir;
      }
      String base = shape.startsWith("/") ? shape.substring(1) : shape;
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) {
        cl = FakeGpuMachine.class.getClassLoader();
      }
      URL query = cl.getResource(base + "/query.csv");
      if (query != null) {
        copyResource(query, dir, "query.csv");
        copyResource(cl.getResource(base + "/topo.txt"), dir, "topo.txt");
        return dir;
      }
    } catch (IOException e) {
      delete(dir);
      throw new ExtensionConfigurationException(
          "@FakeGpus(topology = \"" + shape + "\"): cannot copy the recording: " + e, e);
    }
    delete(dir);
    throw new ExtensionConfigurationException("@FakeGpus(topology = \"" + shape + "\") on "
        + context.getDisplayName() + ": there is no built-in shape, directory or class-path"
        + " resource of that name holding query.csv; use one of " + String.join(", ", BUILT_IN)
        + ", or a directory with query.csv (nvidia-smi --query-gpu=... --format=csv,noheader,"
        + "nounits, fields as in the FakeGpus javadoc) and topo.txt (nvidia-smi topo -m)");
  }

  private static void copyResource(URL url, Path dir, String name) throws IOException {
    if (url == null) {
      return;
    }
    try (InputStream in = url.openStream()) {
      Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void restore(@Nullable String previous) {
    if (previous == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, previous);
    }
  }

  private static void delete(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A temp directory left behind is harmless.
    }
  }
}

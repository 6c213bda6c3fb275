package io.nemospawn.gpu.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the stand-in {@code libnvidia-ml.so.1} (src/test/resources/fake-nvml/fake_nvml.c) with
 * gcc and installs copies next to a shape's {@code nvml.txt}, one directory per shape, so each
 * loads as its own library with its own data.
 */
public final class FakeNvml {
  private FakeNvml() {}

  /** Returns why the stand-in cannot be built here, or null when gcc is available. */
  public static String unavailableReason() {
    try {
      Process p =
          new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return null;
      }
      return "gcc --version failed";
    } catch (IOException e) {
      return "gcc is not installed (" + e.getMessage() + "); the NVML binding needs it to build"
          + " the stand-in libnvidia-ml.so.1";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Compiles the stand-in into {@code dir} and returns the library's path. */
  public static Path build(Path dir) {
    try {
      Path source = Path.of(FakeNvml.class.getResource("/fake-nvml/fake_nvml.c").toURI());
      Path lib = dir.resolve("libnvidia-ml.so.1");
      Process p = new ProcessBuilder(List.of(
              "gcc", "-O1", "-shared", "-fPIC", "-o", lib.toString(), source.toString(), "-ldl"))
          .redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("gcc failed to build the stand-in NVML: " + out);
      }
      return lib;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Copies the built library next to the shape's data; returns the copy's path. */
  public static Path install(Path built, Path dir, String shape) {
    try {
      Path shapeDir = Files.createDirectories(dir.resolve(shape));
      Files.copy(
          Fixtures.path(shape, "nvml.txt"),
          shapeDir.resolve("nvml.txt"),
          StandardCopyOption.REPLACE_EXISTING);
      Path lib = shapeDir.resolve("libnvidia-ml.so.1");
      Files.copy(built, lib, StandardCopyOption.REPLACE_EXISTING);
      return lib;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
